"""The page's graph rewrite (pyposenet/web/fuse-graph.js), run in node: each Conv2D / DepthwiseConv2dNative with
the BiasAdd and Relu6 after it becomes one `_FusedConv2D` / `FusedDepthwiseConv2dNative` (the ops TF.js runs
fused), weights untouched, names kept; chains it cannot fuse safely are left as they are. The host executor
(pyposenet/_host/graph.py) runs the rewritten graph to the same bits as the stored one. That it computes the
same in the browser (TF.js's fused kernels) is tests/e2e/test_fused_graph.py."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections import Counter

import numpy as np
import pytest

from pyposenet._host.graph import GraphModel, load_graph_model
from tests.conftest import MODELS_DIR, REPO_ROOT
from tests.support.graph_nodes import node

FUSE_JS = REPO_ROOT / "pyposenet" / "web" / "fuse-graph.js"
RUNNER = REPO_ROOT / "tests" / "support" / "fuse_graph.mjs"
OFFICIAL_075 = MODELS_DIR / "savedmodel" / "posenet" / "mobilenet" / "float" / "075" / "model-stride16.json"
CONVERTED_050 = MODELS_DIR / "savedmodel" / "posenet" / "mobilenet" / "float" / "050" / "model-stride16.json"
HEADS = ("heatmap", "offset", "displacement_fwd", "displacement_bwd")
NHWC = {"s": base64.b64encode(b"NHWC").decode()}
NCHW = {"s": base64.b64encode(b"NCHW").decode()}


def fuse(*requests: tuple[dict, dict | None]) -> list[dict]:
    """fuseConvolutions(topology, signatureOutputs(signature)) for each (topology, signature), in one node run."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run the page's graph rewrite (make setup installs the npm packages)")
    payload = json.dumps([{"topology": t, "signature": s} for t, s in requests])
    run = subprocess.run(
        [node, "--no-warnings", str(RUNNER), str(FUSE_JS)], input=payload, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def fused_ops(node: dict) -> list[str]:
    return [base64.b64decode(s).decode() for s in node["attr"]["fused_ops"]["list"]["s"]]


def ops(topology: dict) -> Counter:
    return Counter(n["op"] for n in topology["node"])


@pytest.fixture(scope="module")
def official() -> dict:
    return json.loads(OFFICIAL_075.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rewritten(official) -> dict:
    converted = json.loads(CONVERTED_050.read_text(encoding="utf-8"))
    answers = fuse(
        (official["modelTopology"], official.get("signature")), (converted["modelTopology"], converted["signature"])
    )
    return {"official": answers[0], "converted": answers[1], "converted_input": converted["modelTopology"]}


def test_the_official_graph_becomes_the_converters_fused_graph(official, rewritten):
    before, after = official["modelTopology"], rewritten["official"]["topology"]
    assert ops(before) == {"Const": 62, "BiasAdd": 31, "Relu6": 27, "Conv2D": 18, "DepthwiseConv2dNative": 13,
                           "Placeholder": 1}  # fmt: skip
    assert ops(after) == {"Const": 62, "_FusedConv2D": 18, "FusedDepthwiseConv2dNative": 13, "Placeholder": 1}
    assert (rewritten["official"]["fused"], rewritten["official"]["removed"]) == (31, 58)
    # the same op set tensorflowjs_converter writes for the same network (the 0.50 graph, converted here)
    assert ops(after) - Counter({"Const": 62}) == ops(rewritten["converted_input"]) - Counter({"Const": 62})


def test_fused_nodes_keep_the_last_name_and_read_the_same_weights(official, rewritten):
    before = {n["name"]: n for n in official["modelTopology"]["node"]}
    fused = [n for n in rewritten["official"]["topology"]["node"] if n["op"] not in ("Const", "Placeholder")]
    heads = {n["name"] for n in fused if fused_ops(n) == ["BiasAdd"]}
    assert heads == {f"MobilenetV1/{head}_2/BiasAdd" for head in HEADS}
    for fused_node in fused:
        last = before[fused_node["name"]]  # the name of the node it ends with: a Relu6, or a head's BiasAdd
        bias = last if last["op"] == "BiasAdd" else before[last["input"][0]]
        conv = before[bias["input"][0]]
        assert fused_ops(fused_node) == (["BiasAdd"] if last is bias else ["BiasAdd", "Relu6"])
        assert fused_node["input"] == [*conv["input"], bias["input"][1]]
        assert fused_node["attr"]["num_args"] == {"i": "1"}
        assert {k: v for k, v in fused_node["attr"].items() if k in conv["attr"]} == conv["attr"]
    consts = [n for n in official["modelTopology"]["node"] if n["op"] == "Const"]
    assert [n for n in rewritten["official"]["topology"]["node"] if n["op"] == "Const"] == consts


def test_a_graph_fused_already_is_left_as_it_is(rewritten):
    assert (rewritten["converted"]["fused"], rewritten["converted"]["removed"]) == (0, 0)
    assert rewritten["converted"]["topology"] == rewritten["converted_input"]


def test_the_host_runs_the_rewritten_graph_to_the_same_bits(rewritten):
    stored = load_graph_model(OFFICIAL_075)
    fused = GraphModel(rewritten["official"]["topology"], stored.consts, None, source="fused")
    image = np.random.default_rng(16).uniform(-1, 1, (1, 129, 97, 3)).astype(np.float32)
    names = [o.name for o in stored.outputs]
    assert sorted(names) == sorted(o.name for o in fused.outputs)
    for a, b in zip(stored.execute(image, names), fused.execute(image, names), strict=True):
        assert a.shape == b.shape and np.array_equal(a, b)


# ------------------------------------------------------------------------ what is not fused


def chain(*tail: dict, conv_attr: dict | None = None, bias_input: str = "b") -> dict:
    """x -> Conv2D c (weights w) -> BiasAdd a (bias `bias_input`), then `tail`."""
    return {
        "node": [
            node("x", "Placeholder", []),
            node("w", "Const", []),
            node("b", "Const", []),
            node("c", "Conv2D", ["x", "w"], **(conv_attr or {"data_format": NHWC})),
            node("a", "BiasAdd", ["c", bias_input], data_format=NHWC),
            *tail,
        ]
    }


CASES = {
    # name: (topology, signature, expected ops of the non-Const, non-Placeholder nodes, in order)
    "conv, bias, relu6": (chain(node("r", "Relu6", ["a"])), None, [("r", "_FusedConv2D", ["BiasAdd", "Relu6"])]),
    "conv, bias, relu": (chain(node("r", "Relu", ["a:0"])), None, [("r", "_FusedConv2D", ["BiasAdd", "Relu"])]),
    "conv, bias, sigmoid": (
        chain(node("s", "Sigmoid", ["a"])),
        None,
        [("a", "_FusedConv2D", ["BiasAdd"]), ("s", "Sigmoid", None)],
    ),
    "the bias is an output too": (
        chain(node("r", "Relu6", ["a"])),
        {"outputs": {"a": {"name": "a:0"}, "r": {"name": "r"}}},
        [("a", "_FusedConv2D", ["BiasAdd"]), ("r", "Relu6", None)],
    ),
    "the conv is read twice": (
        chain(node("r", "Relu6", ["a"]), node("t", "Relu", ["c"])),
        None,
        [("c", "Conv2D", None), ("a", "BiasAdd", None), ("r", "Relu6", None), ("t", "Relu", None)],
    ),
    "the bias is computed": (
        chain(node("r", "Relu6", ["a"]), node("n", "Neg", ["b"]), bias_input="n"),
        None,
        [("c", "Conv2D", None), ("a", "BiasAdd", None), ("r", "Relu6", None), ("n", "Neg", None)],
    ),
    "NCHW": (
        chain(node("r", "Relu6", ["a"]), conv_attr={"data_format": NCHW}),
        None,
        [("c", "Conv2D", None), ("a", "BiasAdd", None), ("r", "Relu6", None)],
    ),
}


def test_only_chains_that_compute_the_same_are_fused():
    answers = fuse(*[(topology, signature) for topology, signature, _ in CASES.values()])
    for (name, (_, _, expected)), answer in zip(CASES.items(), answers, strict=True):
        got = [
            (n["name"], n["op"], fused_ops(n) if "fused_ops" in n["attr"] else None)
            for n in answer["topology"]["node"]
            if n["op"] not in ("Const", "Placeholder")
        ]
        assert got == expected, name


def test_the_input_topology_is_not_changed():
    [answer] = fuse((chain(node("r", "Relu6", ["a"])), None))
    assert answer["fused"] == 1 and answer["inputKept"] is True
