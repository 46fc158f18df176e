"""Broken copies of the official MobileNet 0.75 model, one folder per fault, for the e2e and unit tests.

Each fault is built in a temporary folder from the good files in ../shared/models (copied, then
edited; the shared folder is never written). `FAULTS` is the table the tests walk: the fault's name,
how to break the model, the file the error must name and words that must say what was wrong.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import MODELS_DIR

GOOD_MODEL = MODELS_DIR / "savedmodel" / "posenet" / "mobilenet" / "float" / "075"
MODEL_JSON = "model-stride16.json"
SHARD_1 = "group1-shard1of2.bin"
SHARD_2 = "group1-shard2of2.bin"
SHARD_2_BYTES = 838476  # PROVENANCE.md
BIAS = "MobilenetV1/offset_2/Conv2D_bias"  # the manifest's first weight: [34] float32


def _spec(folder: Path) -> dict:
    return json.loads((folder / MODEL_JSON).read_text())


def _write_spec(folder: Path, spec: dict) -> None:
    (folder / MODEL_JSON).write_text(json.dumps(spec))


def _manifest_weight(spec: dict, name: str) -> dict:
    return next(w for group in spec["weightsManifest"] for w in group["weights"] if w["name"] == name)


def _rename_node(spec: dict, old: str, new: str) -> None:
    """Rename a node and every reference to it (a graph output: nothing consumes it)."""
    for node in spec["modelTopology"]["node"]:
        if node["name"] == old:
            node["name"] = new
        node["input"] = [new if i == old else i for i in node.get("input", [])]


def shard_missing(folder: Path) -> None:
    (folder / SHARD_2).unlink()


def shard_truncated(folder: Path) -> None:
    data = (folder / SHARD_2).read_bytes()
    (folder / SHARD_2).write_bytes(data[: len(data) // 2])


def shard_extra_bytes(folder: Path) -> None:
    with open(folder / SHARD_2, "ab") as f:
        f.write(b"\0" * 1000)


def json_malformed(folder: Path) -> None:
    text = (folder / MODEL_JSON).read_text()
    (folder / MODEL_JSON).write_text(text[:2000])  # cut mid-way, as an interrupted download would be


def json_empty(folder: Path) -> None:
    (folder / MODEL_JSON).write_text("")


def json_is_html(folder: Path) -> None:
    """What a captive portal or a misconfigured server sends instead of the file."""
    (folder / MODEL_JSON).write_text("<!doctype html><html><body>Please log in</body></html>")


def json_not_a_graph_model(folder: Path) -> None:
    (folder / MODEL_JSON).write_text(json.dumps({"format": "layers-model", "generatedBy": "keras"}))


def manifest_unknown_dtype(folder: Path) -> None:
    spec = _spec(folder)
    _manifest_weight(spec, BIAS)["dtype"] = "float64"
    _write_spec(folder, spec)


def manifest_wrong_shape(folder: Path) -> None:
    spec = _spec(folder)
    _manifest_weight(spec, BIAS)["shape"] = [35]
    _write_spec(folder, spec)


def outputs_missing_one(folder: Path) -> None:
    spec = _spec(folder)
    _rename_node(spec, "MobilenetV1/displacement_bwd_2/BiasAdd", "MobilenetV1/extra_2/BiasAdd")
    _write_spec(folder, spec)


def outputs_wrong_channels(folder: Path) -> None:
    """heatmap and offsets swap names: the output called heatmap has 34 channels (PoseNet's has 17)."""
    spec = _spec(folder)
    _rename_node(spec, "MobilenetV1/heatmap_2/BiasAdd", "swap")
    _rename_node(spec, "MobilenetV1/offset_2/BiasAdd", "MobilenetV1/heatmap_2/BiasAdd")
    _rename_node(spec, "swap", "MobilenetV1/offset_2/BiasAdd")
    _write_spec(folder, spec)


@dataclass(frozen=True)
class Fault:
    name: str
    build: Callable[[Path], None]
    names_file: str  # the file the message must name
    says: str  # a regular expression the message must match (case-insensitive): what was wrong


FAULTS = (
    Fault("shard-missing", shard_missing, SHARD_2, r"not found"),
    Fault("shard-truncated", shard_truncated, SHARD_2, rf"is {SHARD_2_BYTES // 2} bytes.*needs {SHARD_2_BYTES}"),
    Fault("shard-extra-bytes", shard_extra_bytes, SHARD_2, rf"is {SHARD_2_BYTES + 1000} bytes.*needs {SHARD_2_BYTES}"),
    Fault("json-malformed", json_malformed, MODEL_JSON, r"not valid JSON"),
    Fault("json-empty", json_empty, MODEL_JSON, r"not valid JSON.*it is empty"),
    Fault("json-is-html", json_is_html, MODEL_JSON, r"not valid JSON.*starts with.*<!doctype html>"),
    Fault("json-not-a-graph-model", json_not_a_graph_model, MODEL_JSON, r"not a TF\.js graph model.*modelTopology"),
    Fault("manifest-unknown-dtype", manifest_unknown_dtype, MODEL_JSON, r"dtype 'float64'.*allowed"),
    Fault("manifest-wrong-shape", manifest_wrong_shape, MODEL_JSON, r"shape \[35\].*\[34\]"),
    Fault("outputs-missing-one", outputs_missing_one, MODEL_JSON, r"not a PoseNet graph.*displacement_bwd"),
    Fault("outputs-wrong-channels", outputs_wrong_channels, MODEL_JSON, r"heatmap.*34 channels.*17"),
)
FAULTS_BY_NAME = {fault.name: fault for fault in FAULTS}


def build_fault(root: Path, fault: Fault) -> Path:
    """root/faults/<name>/: a copy of the good model with `fault` injected; returns the folder."""
    folder = root / "faults" / fault.name
    if not folder.is_dir():
        shutil.copytree(GOOD_MODEL, folder)
        fault.build(folder)
    return folder


def build_all(root: Path) -> Path:
    """Every fault under root/faults/, plus root/faults/good/ (the untouched model); returns root."""
    for fault in FAULTS:
        build_fault(root, fault)
    good = root / "faults" / "good"
    if not good.is_dir():
        shutil.copytree(GOOD_MODEL, good)
    return root


def assert_message_explains(message: str, fault: Fault) -> None:
    """The message names the failing file and says what was wrong."""
    assert message, f"{fault.name}: no message"
    assert fault.names_file in message, f"{fault.name}: {fault.names_file!r} not named in {message!r}"
    assert re.search(fault.says, message, re.IGNORECASE | re.DOTALL), (
        f"{fault.name}: {fault.says!r} not found in {message!r}"
    )
