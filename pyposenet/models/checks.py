"""Checks of a TF.js graph model's files: which file is wrong, and how.

Two users: the host's graph loader (pyposenet/_host/graph.py) checks model.json and the shards it has
read, with the same rules and messages as the page's model-files.js, so the host and the browser say
the same thing about the same broken download: model.json that is not JSON or not a graph model, a
manifest entry whose dtype is unknown or whose dtype/shape differs from the graph's Const node, a
weight shard shorter or longer than the manifest needs (named, with both sizes). And `check_model`,
the report `pyposenet models list|verify|fetch` and `convert` make of a model.json on disk: it
parses, every weight shard its `weightsManifest` names exists beside it, and each group's shards
hold exactly the bytes its weights need.

A weight takes prod(shape) x bytes per value in the shards, where a quantized weight takes its
quantization dtype's size (uint8: 1, uint16 and float16: 2) instead of its dtype's (`weight_bytes`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard, cast

from .names import ANY_SUFFIX, check_model_name

__all__ = [
    "DTYPE_BYTES",
    "QUANTIZED_BYTES",
    "GRAPH_DTYPES",
    "CONVERTER_SHARD_BYTES",
    "ModelFileError",
    "weight_bytes",
    "parse_model_json",
    "check_manifest_against_graph",
    "group_bytes",
    "shard_problem",
    "ModelCheck",
    "check_model",
]

#: Bytes per value of each weight dtype TF.js reads (string weights carry their own lengths).
DTYPE_BYTES = {"float32": 4, "int32": 4, "bool": 1, "complex64": 8}
QUANTIZED_BYTES = {"uint8": 1, "uint16": 2, "float16": 2}
GRAPH_DTYPES = {
    "DT_FLOAT": "float32",
    "DT_INT32": "int32",
    "DT_BOOL": "bool",
    "DT_COMPLEX64": "complex64",
    "DT_STRING": "string",
}
#: tensorflowjs_converter's default shard size: every shard of a group but the last has it.
CONVERTER_SHARD_BYTES = 4 * 1024 * 1024


class ModelFileError(ValueError):
    """A model file is broken; the message names it and says what is wrong."""


def weight_bytes(weight: Mapping, file: str = "model.json") -> int | None:
    """The bytes one manifest entry occupies in the shards: prod(shape) x bytes per stored value, the
    quantization dtype's when quantized (None for string weights, whose values carry their own lengths).
    ModelFileError, naming `file`, for a shape or dtype TF.js cannot read."""
    name, shape, dtype, quantization = (
        weight.get("name"),
        weight.get("shape"),
        weight.get("dtype"),
        weight.get("quantization"),
    )
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise ModelFileError(
            f"{file}: weight {name!r} has shape {json.dumps(shape)} in the weights manifest; "
            "a shape is a list of whole numbers ≥ 0"
        )
    count = math.prod(shape)
    if quantization:
        qtype = quantization.get("dtype")
        if qtype not in QUANTIZED_BYTES:
            raise ModelFileError(
                f"{file}: weight {name!r} has quantization dtype {qtype!r} in the weights "
                f"manifest; allowed: {', '.join(QUANTIZED_BYTES)}"
            )
        return count * QUANTIZED_BYTES[qtype]
    if dtype == "string":
        return None
    if dtype not in DTYPE_BYTES:
        raise ModelFileError(
            f"{file}: weight {name!r} has dtype {dtype!r} in the weights manifest; allowed: "
            f"{', '.join(DTYPE_BYTES)}, string (or quantized: {', '.join(QUANTIZED_BYTES)})"
        )
    return count * DTYPE_BYTES[dtype]


def parse_model_json(text: str, path: str) -> dict:
    """The parsed model.json at `path`, or ModelFileError naming it and what is wrong."""
    file = Path(path).name
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        start = text.strip()[:40]
        raise ModelFileError(
            f"{file} ({path}) is not valid JSON: {exc}"
            + (f"; it starts with {json.dumps(start)}" if start else "; it is empty")
            + " (a cut-off download, or not a model file)"
        ) from None
    topology = spec.get("modelTopology") if isinstance(spec, dict) else None
    nodes = topology.get("node") if isinstance(topology, dict) else None
    if not isinstance(nodes, list) or not isinstance(spec.get("weightsManifest"), list):
        has = ", ".join(spec) or "nothing" if isinstance(spec, dict) else type(spec).__name__
        missing = (
            "modelTopology"
            if not topology
            else "modelTopology.node"
            if not isinstance(nodes, list)
            else "weightsManifest"
        )
        fmt = f" (its format is {spec['format']!r})" if isinstance(spec, dict) and spec.get("format") else ""
        raise ModelFileError(
            f"{file} ({path}) is not a TF.js graph model{fmt}: it has no {missing} (it has: {has}); "
            "PoseNet needs a graph model (model.json with modelTopology.node and weightsManifest)"
        )
    check_structure(spec, file)
    return spec


def _kind(value) -> str:
    """A JSON value's kind in JSON's words, for messages (the page's checks say the same)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _is_string_list(value) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def check_structure(spec: Mapping, file: str) -> None:
    """Every part of model.json the loaders read has the JSON type they read it as, or ModelFileError naming
    the file and the first part that does not: a damaged model.json is reported, never a crash further on."""
    problem = _topology_problem(spec) or _manifest_problem(spec["weightsManifest"])
    for key in ("signature", "userDefinedMetadata"):
        if problem is None and spec.get(key) is not None and not isinstance(spec[key], dict):
            problem = f"{key} is {_kind(spec[key])}, not an object"
    if problem is None and spec.get("format") is not None and not isinstance(spec["format"], str):
        problem = f"format is {_kind(spec['format'])}, not a string"
    if problem is not None:
        raise ModelFileError(f"{file} is damaged or not a TF.js graph model: {problem}")


def _topology_problem(spec: Mapping) -> str | None:
    for i, node in enumerate(spec["modelTopology"]["node"]):
        where = f"modelTopology.node[{i}]"
        if not isinstance(node, dict):
            return f"{where} is {_kind(node)}, not an object"
        for key in ("name", "op"):
            if not isinstance(node.get(key), str) or not node[key]:
                return f"{where} has {key} {json.dumps(node.get(key))}; a node's {key} is a non-empty string"
        if node.get("input") is not None and not _is_string_list(node["input"]):
            return f"{where} ({node['name']}) has input {json.dumps(node['input'])}; inputs are a list of names"
        if node.get("attr") is not None and not isinstance(node["attr"], dict):
            return f"{where} ({node['name']}) has attr of {_kind(node['attr'])}, not an object"
    return None


def _manifest_problem(manifest: list) -> str | None:
    for g, group in enumerate(manifest):
        where = f"weightsManifest[{g}]"
        if not isinstance(group, dict):
            return f"{where} is {_kind(group)}, not an object"
        paths, weights = group.get("paths"), group.get("weights")
        if not _is_string_list(paths) or not all(paths):
            return f"{where}.paths is {json.dumps(paths)}; it is a list of weight shard file names"
        if not isinstance(weights, list):
            return f"{where}.weights is {_kind(weights)}, not a list"
        for w, weight in enumerate(weights):
            if not isinstance(weight, dict):
                return f"{where}.weights[{w}] is {_kind(weight)}, not an object"
            for key in ("name", "dtype"):
                if not isinstance(weight.get(key), str):
                    return f"{where}.weights[{w}] has {key} {json.dumps(weight.get(key))}; it is a string"
            quantization = weight.get("quantization")
            if quantization is not None and not isinstance(quantization, dict):
                return f"{where}.weights[{w}] ({weight['name']}) has quantization of {_kind(quantization)}"
    return None


def _member(value, key: str):
    """value[key] when value is an object, else None: for the graph's nested attributes, any of which a damaged
    file may have replaced with another kind of value."""
    return value.get(key) if isinstance(value, dict) else None


def _graph_shape(dims: list) -> list[int] | None:
    """The sizes of a TensorShapeProto's dims ({"size": "3"} each; {} is 0), or None when they are not whole
    numbers."""
    sizes = []
    for dim in dims:
        if not isinstance(dim, dict):
            return None
        try:
            sizes.append(int(dim.get("size", 0)))
        except (TypeError, ValueError, OverflowError):
            return None
    return sizes


def check_manifest_against_graph(spec: Mapping, file: str) -> None:
    """Every manifest entry against the graph's Const node of the same name: dtype and shape (after
    check_structure: nodes and manifest entries are objects with string names)."""
    consts = {node["name"]: node for node in spec["modelTopology"]["node"] if node.get("op") == "Const"}
    for group in spec["weightsManifest"]:
        for weight in group["weights"]:
            weight_bytes(weight, file)
            tensor = _member(_member(_member(consts.get(weight["name"]), "attr"), "value"), "tensor")
            if not isinstance(tensor, dict):
                continue
            graph_dtype = GRAPH_DTYPES.get(tensor["dtype"]) if isinstance(tensor.get("dtype"), str) else None
            if graph_dtype and graph_dtype != weight["dtype"]:
                raise ModelFileError(
                    f"{file}: weight {weight['name']!r} has dtype {weight['dtype']!r} in the "
                    f"weights manifest but {graph_dtype!r} in the graph"
                )
            dims = _member(tensor.get("tensorShape"), "dim")
            if isinstance(dims, list):
                graph_shape = _graph_shape(dims)
                if graph_shape != list(weight["shape"]):
                    shown = json.dumps(graph_shape) if graph_shape is not None else f"{json.dumps(dims)[:80]}"
                    raise ModelFileError(
                        f"{file}: weight {weight['name']!r} has shape {json.dumps(weight['shape'])} "
                        f"in the weights manifest but {shown} in the graph"
                    )


def group_bytes(group: Mapping, file: str) -> int | None:
    """The bytes a manifest group's weights need in its shards (None with string weights: not checkable)."""
    total = 0
    for weight in group["weights"]:
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
        how = (
            "cut short (an interrupted download?)"
            if sizes[i] < expected[i]
            else "longer than the weights it should hold"
        )
        layout = "its one shard" if n == 1 else f"{n} shards, {' + '.join(map(str, expected))} bytes"
        return (
            f"weight shard {names[i]} is {sizes[i]} bytes, the manifest of {file} needs {expected[i]} "
            f"({layout}): the file is {how}"
        )
    listed = ", ".join(f"{name} {size} bytes" for name, size in zip(names, sizes, strict=False))
    return (
        f"the weight shards of {file} ({listed}) hold {total} bytes, the manifest needs {needed}: "
        "a shard is cut short, too long, or from another model"
    )


# ------------------------------------------------------------------------- check_model: a model on disk


@dataclass
class ModelCheck:
    """What check_model found: ok, the problems (empty when ok), the byte and shard counts."""

    path: Path
    ok: bool
    problems: list[str]
    expected_bytes: int = 0
    actual_bytes: int = 0
    shards: int = 0

    def summary(self) -> str:
        if self.ok:
            return f"{self.actual_bytes:,} bytes of weights in {self.shards} shard{'s' * (self.shards != 1)}"
        return "; ".join(self.problems)


def _blame(names: list[str], sizes: list[int], expected: int) -> tuple[str, int]:
    """Which shard of a group is the wrong size, and what it should be.

    tensorflowjs_converter writes every shard but the last at the same size (4 MiB by default) and
    the last with the rest; so the odd one out among the others is to blame, else the last.
    """
    if len(names) == 1:
        return names[0], expected
    others = sizes[:-1]
    usual = max(set(others), key=others.count) if len(others) > 1 else CONVERTER_SHARD_BYTES
    for name, size in zip(names[:-1], others, strict=False):
        if size != usual:
            return name, usual
    return names[-1], expected - sum(others)


def check_model(json_path: Path) -> ModelCheck:
    """Does this model.json parse, and do its shards exist and hold exactly the bytes its manifest needs?"""
    json_path = Path(json_path)
    check = ModelCheck(json_path, False, [])
    try:
        model = json.loads(json_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        check.problems.append(f"{json_path.name} not found")
        return check
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        check.problems.append(f"{json_path.name} does not parse: {error}")
        return check
    manifest = model.get("weightsManifest") if isinstance(model, dict) else None
    if not isinstance(manifest, list) or not manifest:
        check.problems.append(f"{json_path.name} has no weightsManifest (not a TF.js model)")
        return check
    if "modelTopology" not in model:
        check.problems.append(f"{json_path.name} has no modelTopology (not a TF.js model)")
    for number, group in enumerate(manifest, 1):
        try:
            names = [check_model_name(p, ANY_SUFFIX) for p in group["paths"]]
            expected = group_bytes(group, json_path.name)
        except (KeyError, TypeError, ValueError, AttributeError) as error:  # ModelFileError is a ValueError
            check.problems.append(f"weightsManifest group {number} is malformed: {error}")
            continue
        sizes: list[int | None] = []
        for name in names:
            shard = json_path.parent / name
            if not shard.is_file():
                check.problems.append(f"shard {name} is missing")
                sizes.append(None)
            else:
                sizes.append(shard.stat().st_size)
        check.shards += len(names)
        check.expected_bytes += expected or 0
        if None in sizes:
            continue
        known = cast(list[int], sizes)  # no None left
        actual = sum(known)
        check.actual_bytes += actual
        if expected is not None and actual != expected:  # None: string weights, sizes not checkable
            name, should = _blame(names, known, expected)
            size = known[names.index(name)]
            state = "truncated" if size < should else "too long"
            check.problems.append(
                f"shard {name} is {state}: {size:,} bytes, expected {should:,} "
                f"(the manifest's weights need {expected:,} bytes, the shards hold {actual:,})"
            )
    check.ok = not check.problems
    return check
