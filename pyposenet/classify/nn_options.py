"""ml5.neuralNetwork's options, the layers it builds and train()'s settings (ml5-library 0.12, src/NeuralNetwork/
index.js): names, defaults and checks, in pure Python.

  neuralNetwork(options):  inputs, outputs (counts or names), task, hiddenUnits 16, learningRate 0.2, layers,
                           debug, dataUrl, modelUrl, noTraining
  the default layers:      dense(hiddenUnits, relu) then dense(outputs, softmax) for classification,
                           dense(outputs, sigmoid) for regression; kernels glorot-normal, biases zeros (TF.js's)
  compiled with:           classification categoricalCrossentropy + SGD(learningRate); regression
                           meanSquaredError + Adam(learningRate); metric "accuracy"
  train(options):          epochs 10, batchSize 32, validationSplit 0.1, shuffled each epoch
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

TASKS = ("classification", "regression")
ACTIVATIONS = ("relu", "sigmoid", "softmax", "tanh", "linear")

DEFAULTS: dict[str, Any] = {
    "inputs": [],
    "outputs": [],
    "dataUrl": None,
    "modelUrl": None,
    "layers": [],
    "task": None,
    "debug": False,
    "learningRate": 0.2,
    "hiddenUnits": 16,
    "noTraining": False,
}
TRAIN_DEFAULTS: dict[str, Any] = {"epochs": 10, "batchSize": 32, "validationSplit": 0.1, "shuffle": True}
LOSS_OF_TASK = {"classification": "categoricalCrossentropy", "regression": "meanSquaredError"}
OPTIMIZER_OF_TASK = {"classification": "sgd", "regression": "adam"}


class NeuralNetworkOptionError(ValueError):
    """An option neuralNetwork() or train() cannot take (the message says what is allowed)."""


@dataclass(frozen=True)
class LayerSpec:
    """One dense layer: how many units, which activation (the first layer's input size comes from the data)."""

    units: int
    activation: str


@dataclass(frozen=True)
class TrainSettings:
    epochs: int
    batch_size: int
    validation_split: float
    learning_rate: float
    loss: str
    optimizer: str
    shuffle: bool = True


def _unknown(name: str, known: Sequence[str], what: str) -> NeuralNetworkOptionError:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    return NeuralNetworkOptionError(f"unknown {what} {name!r}{hint} Known: {', '.join(known)}")


def resolve_options(user: Mapping[str, Any] | None) -> dict[str, Any]:
    """The options over ml5's defaults, checked."""
    user = dict(user or {})
    for name in user:
        if name not in DEFAULTS:
            raise _unknown(name, list(DEFAULTS), "neuralNetwork option")
    options = {**DEFAULTS, **user}
    task = options["task"]
    if task is not None and task not in TASKS:
        extra = " (ml5's imageClassification is not supported here)" if task == "imageClassification" else ""
        raise NeuralNetworkOptionError(f"task {task!r} is not one of {', '.join(map(repr, TASKS))}{extra}")
    _check_number("learningRate", options["learningRate"], low=0.0, integer=False, low_open=True)
    _check_number("hiddenUnits", options["hiddenUnits"], low=1, integer=True)
    for name in ("inputs", "outputs"):
        value = options[name]
        if isinstance(value, bool) or not isinstance(value, int | list | tuple):
            raise NeuralNetworkOptionError(
                f"{name} is a count (e.g. 34) or a list of names (e.g. ['x', 'y']), got {value!r}"
            )
    if options["layers"]:
        layer_specs(options["layers"], 1)  # checked now; the output size is known at train()
    return options


def _check_number(name: str, value: Any, *, low: float, integer: bool, low_open: bool = False) -> None:
    ok = not isinstance(value, bool) and isinstance(value, int if integer else int | float)
    if ok and isinstance(value, float):
        ok = math.isfinite(value)
    if ok:
        ok = value > low if low_open else value >= low
    if not ok:
        rule = f"a whole number ≥ {low:g}" if integer else f"a number {'>' if low_open else '≥'} {low:g}"
        raise NeuralNetworkOptionError(f"{name} is {rule}, got {value!r}")


def default_layers(task: str, hidden_units: int, output_units: int) -> list[LayerSpec]:
    """ml5's addDefaultLayers."""
    last = "softmax" if task == "classification" else "sigmoid"
    return [LayerSpec(hidden_units, "relu"), LayerSpec(output_units, last)]


def layer_specs(layers: Sequence[Any], output_units: int) -> list[LayerSpec]:
    """ml5's `layers` option ([{type: 'dense', units, activation}, ...], at least 2): the last layer's units
    default to the output units, as ml5's createNetworkLayers sets them."""
    if not isinstance(layers, list | tuple) or len(layers) < 2:
        raise NeuralNetworkOptionError(
            f"layers is a list of at least 2 layers ([{{'type': 'dense', 'units': 16, 'activation': 'relu'}}, "
            f"{{'type': 'dense', 'activation': 'softmax'}}]), got {layers!r}"
        )
    specs = []
    for index, layer in enumerate(layers):
        if not isinstance(layer, Mapping):
            raise NeuralNetworkOptionError(f"layers[{index}] is a dict such as {{'type': 'dense', ...}}, got {layer!r}")
        kind = layer.get("type", "dense")
        if kind != "dense":
            raise NeuralNetworkOptionError(f"layers[{index}] is of type {kind!r}: only 'dense' layers are supported")
        for key in layer:
            if key not in ("type", "units", "activation", "inputShape"):
                raise _unknown(key, ["type", "units", "activation", "inputShape"], f"key of layers[{index}]")
        last = index == len(layers) - 1
        units = layer.get("units", output_units if last else None)
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise NeuralNetworkOptionError(f"layers[{index}]['units'] is a whole number ≥ 1, got {units!r}")
        activation = layer.get("activation", "linear")
        if activation not in ACTIVATIONS:
            raise NeuralNetworkOptionError(
                f"layers[{index}]['activation'] is {activation!r}; supported: {', '.join(ACTIVATIONS)}"
            )
        specs.append(LayerSpec(units, activation))
    return specs


def sort_train_arguments(
    first: Any = None, second: Any = None, third: Any = None
) -> tuple[dict[str, Any], Callable | None, Callable | None]:
    """ml5's train(optionsOrCallback?, optionsOrWhileTraining?, callback?): (options, whileTraining, done)."""
    if isinstance(first, Mapping) or _is_plain_object(first):
        options = first
        if callable(second) and callable(third):
            return _as_dict(options), second, third
        return _as_dict(options), None, second if callable(second) else None
    if callable(first) and callable(second):
        return {}, first, second
    if first is not None and not callable(first):
        raise NeuralNetworkOptionError(
            f"train() takes (options?, whileTraining?, done?): options a dict such as {{'epochs': 50}}, got {first!r}"
        )
    return {}, None, first


def _is_plain_object(value: Any) -> bool:
    return hasattr(value, "to_py") and not callable(value)


def _as_dict(options: Any) -> dict[str, Any]:
    return dict(options.to_py() if hasattr(options, "to_py") else options)


def train_settings(user: Mapping[str, Any], task: str, learning_rate: float) -> TrainSettings:
    """train()'s options over ml5's defaults, checked (learningRate may be given here too, as ml5 reads it)."""
    known = [*TRAIN_DEFAULTS, "learningRate"]
    for name in user:
        if name not in known:
            raise _unknown(name, known, "train() option")
    merged = {**TRAIN_DEFAULTS, "learningRate": learning_rate, **user}
    _check_number("epochs", merged["epochs"], low=1, integer=True)
    _check_number("batchSize", merged["batchSize"], low=1, integer=True)
    _check_number("learningRate", merged["learningRate"], low=0.0, integer=False, low_open=True)
    split = merged["validationSplit"]
    if isinstance(split, bool) or not isinstance(split, int | float) or not 0 <= split < 1:
        raise NeuralNetworkOptionError(f"validationSplit is a fraction of the data, ≥ 0 and < 1, got {split!r}")
    return TrainSettings(
        epochs=merged["epochs"],
        batch_size=merged["batchSize"],
        validation_split=float(split),
        learning_rate=float(merged["learningRate"]),
        loss=LOSS_OF_TASK[task],
        optimizer=OPTIMIZER_OF_TASK[task],
        shuffle=bool(merged["shuffle"]),
    )
