"""Damaged TF.js graph models for the fuzz tests: model.json edited as data (a manifest entry's dtype, shape or
quantization changed, entries and shard paths added, dropped or renamed, graph nodes' ops, inputs and attributes
changed, top-level keys dropped or of another type) or as bytes, and weight shards cut, flipped or extended.

`DamagedModel` is one such copy, drawn by Hypothesis from a good model's files and written into a folder."""

from __future__ import annotations

import copy
import json
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.support.fuzz import mutated

ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
DTYPES = st.sampled_from(["float32", "int32", "bool", "complex64", "string", "float16", "uint8", "float64", "x"])
DIMS = st.lists(st.one_of(st.integers(0, 40), st.integers(-3, -1), st.just(2**31), st.floats(0, 4)), max_size=5)
FILE_NAME_CHARACTERS = string.ascii_letters + string.digits + "-_."  # a renamed shard, not a URL puzzle
OPS = st.sampled_from(["Conv2D", "DepthwiseConv2dNative", "BiasAdd", "Relu6", "Relu", "Const", "Placeholder", "Foo"])


@dataclass
class DamagedModel:
    """One drawn damage: what was done (for the failure report) and the files to write."""

    edits: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)

    def __repr__(self) -> str:  # Hypothesis's printer would show the files' megabytes otherwise
        return f"DamagedModel(edits={self.edits!r})"

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in self.files.items():
            (folder / name).write_bytes(content)


@st.composite
def damaged_models(draw, good: dict[str, bytes], json_name: str) -> DamagedModel:
    """One damaged copy of the good model (`good`: file name -> bytes); at least one edit."""
    damage = DamagedModel(files=dict(good))
    spec = json.loads(good[json_name])
    for _ in range(draw(st.integers(1, 3), label="edits")):
        where = draw(st.sampled_from(["manifest", "paths", "graph", "top", "json bytes", "shard"]), label="where")
        if where == "json bytes":
            damage.files[json_name] = draw(mutated(json.dumps(spec).encode()), label="json bytes")
            damage.edits.append("model.json bytes")
            continue
        if where == "shard":
            shards = sorted(n for n in good if n != json_name)
            name = draw(st.sampled_from(shards), label="shard")
            damage.files[name] = draw(mutated(good[name]), label="shard bytes")
            damage.edits.append(f"{name} bytes")
            continue
        damage.edits.append(_edit_spec(draw, spec, where))
        damage.files[json_name] = json.dumps(spec).encode()
    return damage


def _edit_spec(draw, spec: Any, where: str) -> str:
    if not isinstance(spec, dict):
        return "(model.json is no longer an object)"
    if where == "top":
        key = draw(st.sampled_from(["modelTopology", "weightsManifest", "format", "signature"]))
        if draw(st.booleans()):
            spec.pop(key, None)
            return f"dropped {key}"
        spec[key] = draw(ANY_JSON)
        return f"{key} = {spec[key]!r}"
    manifest = spec.get("weightsManifest")
    if where in ("manifest", "paths") and isinstance(manifest, list) and manifest:
        group = draw(st.sampled_from(manifest))
        if not isinstance(group, dict):
            return "(a manifest group is not an object)"
        return _edit_paths(draw, group) if where == "paths" else _edit_weight(draw, group)
    topology = spec.get("modelTopology")
    nodes = topology.get("node") if isinstance(topology, dict) else None
    if isinstance(nodes, list) and nodes:
        return _edit_node(draw, nodes)
    return "(nothing left to edit)"


def _edit_paths(draw, group: dict) -> str:
    paths = group.get("paths")
    action = draw(st.sampled_from(["drop", "add", "rename", "reverse", "not a list"]))
    if action == "not a list" or not isinstance(paths, list):
        group["paths"] = draw(ANY_JSON)
    elif action == "drop" and paths:
        paths.pop(draw(st.integers(0, len(paths) - 1)))
    elif action == "add":
        paths.append(draw(st.sampled_from(["missing.bin", "../outside.bin", "", "model-stride16.json"])))
    elif action == "rename" and paths:
        paths[0] = draw(st.text(alphabet=FILE_NAME_CHARACTERS, min_size=1, max_size=12))
    else:
        paths.reverse()
    return f"paths: {action}"


def _edit_weight(draw, group: dict) -> str:
    weights = group.get("weights")
    if not isinstance(weights, list) or not weights:
        group["weights"] = draw(ANY_JSON)
        return "weights replaced"
    index = draw(st.integers(0, len(weights) - 1))
    weight = weights[index]
    if not isinstance(weight, dict):
        return "(a weight entry is not an object)"
    action = draw(st.sampled_from(["dtype", "shape", "drop key", "quantize", "remove", "duplicate", "name"]))
    if action == "dtype":
        weight["dtype"] = draw(DTYPES)
    elif action == "shape":
        weight["shape"] = draw(DIMS)
    elif action == "drop key":
        weight.pop(draw(st.sampled_from(["name", "shape", "dtype"])), None)
    elif action == "quantize":
        weight["quantization"] = draw(
            st.fixed_dictionaries(
                {"dtype": DTYPES},
                optional={"scale": st.floats(allow_nan=False), "min": st.floats(allow_nan=False)},
            )
        )
    elif action == "remove":
        weights.pop(index)
    elif action == "duplicate":
        weights.insert(index, copy.deepcopy(weight))
    else:
        weight["name"] = draw(st.text(max_size=12))
    return f"weight {index}: {action}"


def _edit_node(draw, nodes: list) -> str:
    index = draw(st.integers(0, len(nodes) - 1))
    node = nodes[index]
    if not isinstance(node, dict):
        return "(a node is not an object)"
    action = draw(st.sampled_from(["op", "drop input", "bad input", "attr", "remove", "not an object"]))
    inputs = node.get("input")
    if action == "op":
        node["op"] = draw(OPS)
    elif action == "drop input" and isinstance(inputs, list) and inputs:
        inputs.pop()
    elif action == "bad input":
        node["input"] = [*(inputs if isinstance(inputs, list) else []), draw(st.text(max_size=10))]
    elif action == "attr":
        attrs = node.setdefault("attr", {})
        name = draw(st.sampled_from(["strides", "padding", "dilations", "data_format", "T", "value", "dtype"]))
        if isinstance(attrs, dict):
            attrs[name] = draw(ANY_JSON)
    elif action == "remove":
        nodes.pop(index)
    else:
        nodes[index] = draw(ANY_JSON)
    return f"node {index} ({node.get('name', '?')}): {action}"
