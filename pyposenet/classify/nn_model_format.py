"""ml5.neuralNetwork's model files, in pure Python: what ml5's save() writes and load() reads.

  NAME.json          {"modelTopology": TF.js layers' Sequential model (as model.toJSON() gives it),
                      "weightsManifest": [{"paths": ["./NAME.weights.bin"], "weights": [{name, shape, dtype}]}]}
  NAME.weights.bin   every weight as little-endian float32, in the manifest's order: per dense layer its kernel
                     ([inputs, units], row-major) then its bias ([units])
  NAME_meta.json     the data's metadata (nn_data.py)

Only Sequential models of Dense layers are read (what ml5 builds for classification and regression); anything
else is named in the error.
"""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .nn_options import ACTIVATIONS

TFJS_LAYERS_VERSION = "tfjs-layers 4.22.0"
KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 1, "mode": "fan_avg", "distribution": "normal", "seed": None},
}


class NotModelFormatError(ValueError):
    """A file that is not ml5's neuralNetwork model (the message names it and what was expected)."""


@dataclass
class DenseWeights:
    """One dense layer's weights: kernel [input_units × units] row-major, bias [units], float32."""

    input_units: int
    units: int
    activation: str
    kernel: array
    bias: array


def _float32(values: Any) -> array:
    out = array("f", values)
    return out


def model_files(layers: Sequence[DenseWeights], name: str) -> tuple[str, bytes]:
    """(NAME.json's text, NAME.weights.bin's bytes), as ml5's save() writes them."""
    topology_layers = []
    specs = []
    weights = bytearray()
    for index, layer in enumerate(layers, start=1):
        layer_name = f"dense_Dense{index}"
        config: dict[str, Any] = {
            "units": layer.units,
            "activation": layer.activation,
            "use_bias": True,
            "kernel_initializer": KERNEL_INITIALIZER,
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None,
            "bias_regularizer": None,
            "activity_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
            "name": layer_name,
            "trainable": True,
        }
        if index == 1:
            config["batch_input_shape"] = [None, layer.input_units]
            config["dtype"] = "float32"
        topology_layers.append({"class_name": "Dense", "config": config})
        specs.append({"name": f"{layer_name}/kernel", "shape": [layer.input_units, layer.units], "dtype": "float32"})
        specs.append({"name": f"{layer_name}/bias", "shape": [layer.units], "dtype": "float32"})
        weights += _little_endian(layer.kernel) + _little_endian(layer.bias)
    model = {
        "modelTopology": {
            "class_name": "Sequential",
            "config": {"name": "sequential_1", "layers": topology_layers},
            "keras_version": TFJS_LAYERS_VERSION,
            "backend": "tensor_flow.js",
        },
        "weightsManifest": [{"paths": [f"./{name}.weights.bin"], "weights": specs}],
    }
    return json.dumps(model, separators=(",", ":")), bytes(weights)


def _little_endian(values: array) -> bytes:
    values = _float32(values)
    if sys.byteorder != "little":  # pragma: no cover - every platform Pyodide and CI run on is little-endian
        values.byteswap()
    return values.tobytes()


def parse_model_json(text: str, source: str) -> dict[str, Any]:
    """NAME.json parsed and checked to be a TF.js layers model with a weights manifest."""
    try:
        model = json.loads(text)
    except ValueError as exc:
        raise NotModelFormatError(f"{source} is not JSON ({exc}); expected ml5's model.json") from None
    expected = 'expected ml5\'s model.json: {"modelTopology": {...}, "weightsManifest": [...]}'
    if not isinstance(model, Mapping) or "modelTopology" not in model or "weightsManifest" not in model:
        found = ", ".join(map(repr, model)) if isinstance(model, Mapping) else type(model).__name__
        hint = (
            " (that is a saveData() file: load it with loadData())"
            if isinstance(model, Mapping) and ("data" in model)
            else ""
        )
        raise NotModelFormatError(f"{source} has {found or 'nothing'}{hint}; {expected}")
    return dict(model)


def weights_paths(model: Mapping[str, Any]) -> list[str]:
    """The weight files the manifest names, relative to model.json."""
    return [path for group in model["weightsManifest"] for path in group.get("paths", [])]


def read_layers(model: Mapping[str, Any], weights: bytes, source: str) -> list[DenseWeights]:
    """The dense layers of a parsed model.json, with their weights from the bytes of its weight files."""
    topology = model["modelTopology"]
    if isinstance(topology, Mapping) and "model_config" in topology:  # Keras's own file wraps it once more
        topology = topology["model_config"]
    if not isinstance(topology, Mapping) or topology.get("class_name") != "Sequential":
        found = topology.get("class_name") if isinstance(topology, Mapping) else topology
        raise NotModelFormatError(f"{source}: the model is a {found!r}; ml5's neuralNetwork saves a 'Sequential'")
    config = topology.get("config")
    layer_list = config.get("layers") if isinstance(config, Mapping) else config
    if not isinstance(layer_list, list) or not layer_list:
        raise NotModelFormatError(f"{source}: the Sequential model has no layers")
    specs = [spec for group in model["weightsManifest"] for spec in group.get("weights", [])]
    floats = _floats(weights, specs, source)
    layers: list[DenseWeights] = []
    offset = 0
    input_units = _input_units(layer_list[0], source)
    for index, layer in enumerate(layer_list):
        units, activation = _dense_config(layer, index, source)
        sizes = (input_units * units, units)
        if offset + sum(sizes) > len(floats):
            raise NotModelFormatError(f"{source}: the weights end before layer {index}'s kernel and bias")
        kernel = floats[offset : offset + sizes[0]]
        bias = floats[offset + sizes[0] : offset + sum(sizes)]
        offset += sum(sizes)
        layers.append(DenseWeights(input_units, units, activation, kernel, bias))
        input_units = units
    if offset != len(floats):
        raise NotModelFormatError(f"{source}: {len(floats) - offset} weights are left over after the last layer")
    return layers


def _floats(weights: bytes, specs: list[Any], source: str) -> array:
    for spec in specs:
        if not isinstance(spec, Mapping) or spec.get("dtype", "float32") != "float32" or "quantization" in spec:
            raise NotModelFormatError(f"{source}: weight {spec!r} is not plain float32, as ml5 saves weights")
    if len(weights) % 4:
        raise NotModelFormatError(f"the weights of {source} are {len(weights)} bytes, not whole float32s")
    values = array("f")
    values.frombytes(weights)
    if sys.byteorder != "little":  # pragma: no cover
        values.byteswap()
    expected = sum(_product(spec.get("shape", [])) for spec in specs)
    if expected != len(values):
        raise NotModelFormatError(
            f"the weights of {source} hold {len(values)} numbers; its manifest describes {expected}"
        )
    return values


def _product(shape: Sequence[int]) -> int:
    out = 1
    for size in shape:
        out *= int(size)
    return out


def _input_units(layer: Any, source: str) -> int:
    config = layer.get("config", {}) if isinstance(layer, Mapping) else {}
    shape = config.get("batch_input_shape") or ([None, *config["input_shape"]] if "input_shape" in config else None)
    if not isinstance(shape, list) or len(shape) != 2 or not isinstance(shape[1], int):
        raise NotModelFormatError(f"{source}: the first layer has no batch_input_shape [null, inputs]")
    return shape[1]


def _dense_config(layer: Any, index: int, source: str) -> tuple[int, str]:
    if not isinstance(layer, Mapping) or layer.get("class_name") != "Dense":
        found = layer.get("class_name") if isinstance(layer, Mapping) else layer
        raise NotModelFormatError(f"{source}: layer {index} is a {found!r}; only Dense layers are supported")
    config = layer.get("config", {})
    activation = config.get("activation", "linear")
    if activation not in ACTIVATIONS:
        raise NotModelFormatError(f"{source}: layer {index}'s activation {activation!r} is not one of {ACTIVATIONS}")
    if config.get("use_bias", True) is not True:
        raise NotModelFormatError(f"{source}: layer {index} has no bias; ml5's dense layers have one")
    return int(config["units"]), activation
