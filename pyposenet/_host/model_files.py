"""Checks of a TF.js graph model's files before decoding them: which file is wrong, and how.

The same rules as the page's web/model-files.js, so the host and the browser say the same thing
about the same broken download: model.json that is not JSON or not a graph model, a manifest entry
whose dtype is unknown or whose dtype/shape differs from the graph's Const node, a weight shard
shorter or longer than the manifest needs (named, with both sizes).
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Mapping, Sequence

#: Bytes per value of each weight dtype TF.js reads (string weights carry their own lengths).
DTYPE_BYTES = {"float32": 4, "int32": 4, "bool": 1, "complex64": 8}
QUANTIZED_BYTES = {"uint8": 1, "uint16": 2, "float16": 2}
GRAPH_DTYPES = {"DT_FLOAT": "float32", "DT_INT32": "int32", "DT_BOOL": "bool", "DT_COMPLEX64": "complex64",
                "DT_STRING": "string"}
#: tensorflowjs_converter's default shard size: every shard of a group but the last has it.
CONVERTER_SHARD_BYTES = 4 * 1024 * 1024


class ModelFileError(ValueError):
    """A model file is broken; the message names it and says what is wrong."""


def weight_bytes(weight: Mapping, file: str) -> int | None:
    """The bytes one manifest entry occupies in the shards (None for string weights)."""
    name, shape, dtype, quantization = (weight.get("name"), weight.get("shape"), weight.get("dtype"),
                                        weight.get("quantization"))
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                              for d in shape):
        raise ModelFileError(f"{file}: weight {name!r} has shape {json.dumps(shape)} in the weights manifest; "
                             "a shape is a list of whole numbers ≥ 0")
    count = math.prod(shape)
    if quantization:
        qtype = quantization.get("dtype")
        if qtype not in QUANTIZED_BYTES:
            raise ModelFileError(f"{file}: weight {name!r} has quantization dtype {qtype!r} in the weights "
                                 f"manifest; allowed: {', '.join(QUANTIZED_BYTES)}")
        return count * QUANTIZED_BYTES[qtype]
    if dtype == "string":
        return None
    if dtype not in DTYPE_BYTES:
        raise ModelFileError(f"{file}: weight {name!r} has dtype {dtype!r} in the weights manifest; allowed: "
                             f"{', '.join(DTYPE_BYTES)}, string (or quantized: {', '.join(QUANTIZED_BYTES)})")
    return count * DTYPE_BYTES[dtype]


def parse_model_json(text: str, path: str) -> dict:
    """The parsed model.json at `path`, or ModelFileError naming it and what is wrong."""
    file = Path(path).name
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        start = text.strip()[:40]
        raise ModelFileError(f"{file} ({path}) is not valid JSON: {exc}"
                             + (f"; it starts with {json.dumps(start)}" if start else "; it is empty")
                             + " (a cut-off download, or not a model file)") from None
    topology = spec.get("modelTopology") if isinstance(spec, dict) else None
    nodes = topology.get("node") if isinstance(topology, dict) else None
    if not isinstance(nodes, list) or not isinstance(spec.get("weightsManifest"), list):
        has = ", ".join(spec) or "nothing" if isinstance(spec, dict) else type(spec).__name__
        missing = ("modelTopology" if not topology else "modelTopology.node" if not isinstance(nodes, list)
                   else "weightsManifest")
        fmt = f" (its format is {spec['format']!r})" if isinstance(spec, dict) and spec.get("format") else ""
        raise ModelFileError(f"{file} ({path}) is not a TF.js graph model{fmt}: it has no {missing} (it has: {has}); "
                             "PoseNet needs a graph model (model.json with modelTopology.node and weightsManifest)")
    return spec


def check_manifest_against_graph(spec: Mapping, file: str) -> None:
    """Every manifest entry against the graph's Const node of the same name: dtype and shape."""
    consts = {node["name"]: node for node in spec["modelTopology"]["node"] if node.get("op") == "Const"}
    for group in spec["weightsManifest"]:
        for weight in group.get("weights", []):
            weight_bytes(weight, file)
            tensor = (((consts.get(weight["name"]) or {}).get("attr") or {}).get("value") or {}).get("tensor")
            if not tensor:
                continue
            graph_dtype = GRAPH_DTYPES.get(tensor.get("dtype"))
            if graph_dtype and graph_dtype != weight.get("dtype"):
                raise ModelFileError(f"{file}: weight {weight['name']!r} has dtype {weight.get('dtype')!r} in the "
                                     f"weights manifest but {graph_dtype!r} in the graph")
            dims = (tensor.get("tensorShape") or {}).get("dim")
            if isinstance(dims, list):
                graph_shape = [int(d.get("size", 0)) for d in dims]
                if graph_shape != list(weight["shape"]):
                    raise ModelFileError(f"{file}: weight {weight['name']!r} has shape {json.dumps(weight['shape'])} "
                                         f"in the weights manifest but {json.dumps(graph_shape)} in the graph")


def group_bytes(group: Mapping, file: str) -> int | None:
    """The bytes a manifest group's weights need in its shards (None with string weights: not checkable)."""
    total = 0
    for weight in group.get("weights", []):
        size = weight_bytes(weight, file)
        if size is None:
            return None
        total += size
    return total


def shard_problem(names: Sequence[str], sizes: Sequence[int], needed: int | None, file: str) -> str | None:
    """What is wrong with one manifest group's shards (byte lengths `sizes`), or None."""
    total = sum(sizes)
    if needed is None or total == needed:
        return None
    n = len(names)
    last = needed - CONVERTER_SHARD_BYTES * (n - 1)
    if 0 < last <= CONVERTER_SHARD_BYTES:  # the converter's layout: name the shard that differs
        expected = [CONVERTER_SHARD_BYTES] * (n - 1) + [last]
        i = next(k for k, size in enumerate(sizes) if size != expected[k])
        how = "cut short (an interrupted download?)" if sizes[i] < expected[i] else "longer than the weights it should hold"
        layout = "its one shard" if n == 1 else f"{n} shards, {' + '.join(map(str, expected))} bytes"
        return (f"weight shard {names[i]} is {sizes[i]} bytes, the manifest of {file} needs {expected[i]} "
                f"({layout}): the file is {how}")
    listed = ", ".join(f"{name} {size} bytes" for name, size in zip(names, sizes))
    return (f"the weight shards of {file} ({listed}) hold {total} bytes, the manifest needs {needed}: "
            "a shard is cut short, too long, or from another model")
