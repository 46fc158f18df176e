"""`pyposenet convert SOURCE`: a TensorFlow SavedModel / frozen graph -> TF.js graph model (tensorflowjs).

TensorFlow 2.19 needs numpy < 2.2, so the converter lives in its own venv (.venv-convert, `make convert-env`);
these tests run it there by subprocess, and TensorFlow there too for the reference outputs, and read the
results here with pyposenet's numpy executor. Source: the shared TF1 frozen graph of PoseNet MobileNet 0.50
(models/PROVENANCE.md 3.), from which the shared float/050 model was converted with tensorflowjs 4.22 (4.).
`pyposenet convert quantize` (numpy only) is checked here too: byte for byte against tensorflowjs's own
write_weights on the shared float models.
Without the convert venv only the tests that need no TensorFlow run (the rest skip, saying so); `make test`
creates the venv, `make unit` does not.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pyposenet import cli
from pyposenet._host.graph import load_graph_model
from pyposenet._host.images import load_image
from pyposenet._host.preprocess import preprocess
from pyposenet.convert.quantize import quantize_array
from pyposenet.graph_outputs import identify_outputs
from tests.conftest import REPO_ROOT
from tests.support.convert_env import CONVERT_PYTHON, FLOAT_050, FROZEN, needs_convert_venv, require_convert_venv

FLOAT_075 = "savedmodel/posenet/mobilenet/float/075/model-stride16.json"
ROLES = ("offsets", "heatmap", "displacement_fwd", "displacement_bwd")  # Google's order, as model.json must list them
FROZEN_NODES = {
    "offsets": "offset_2",
    "heatmap": "heatmap_2",
    "displacement_fwd": "displacement_fwd_2",
    "displacement_bwd": "displacement_bwd_2",
}
# numpy (im2col matmuls) and TensorFlow sum float32 products in different orders: over 14 layers that moves an
# output by a few 1e-6 of its largest magnitude (docs/host-cli-convert.md). 1e-5 of it leaves a 3x margin;
# a wrong weight, output or layout is off by about the output's whole size.
RELATIVE_BOUND = 1e-5

# Run in the convert venv: TensorFlow's own outputs for the frozen graph, and the SavedModels and bad graphs
# the tests convert. argv: frozen .pb, input .npy, work folder.
TF_FIXTURES = r"""
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import tensorflow as tf
pb, input_path, work = sys.argv[1:4]
graph_def = tf.compat.v1.GraphDef()
graph_def.ParseFromString(open(pb, "rb").read())
batch = np.load(input_path)

graph = tf.Graph()
with graph.as_default():
    tf.import_graph_def(graph_def, name="")
with tf.compat.v1.Session(graph=graph) as session:
    names = ["offset_2", "heatmap_2", "displacement_fwd_2", "displacement_bwd_2"]
    values = session.run([n + ":0" for n in names], {"image:0": batch})
np.savez(os.path.join(work, "reference.npz"), **dict(zip(["offsets", "heatmap", "displacement_fwd", "displacement_bwd"], values)))

# SavedModels wrapping the frozen graph: outputs keyed by role (heatmap = the Sigmoid), or output_0..3.
def imported(image):
    return tf.graph_util.import_graph_def(graph_def, input_map={"image:0": image},
        return_elements=["heatmap:0", "offset_2:0", "displacement_fwd_2:0", "displacement_bwd_2:0"])
wrapped = tf.compat.v1.wrap_function(imported, [tf.TensorSpec([1, None, None, 3], tf.float32)])
for style in ("named", "unnamed"):
    class PoseNet(tf.Module):
        def __init__(self):
            super().__init__()
            self.graph = wrapped
        @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.float32, name="image")])
        def serve(self, image):
            heatmap, offsets, fwd, bwd = self.graph(image)
            if style == "named":
                return {"heatmap": heatmap, "offsets": offsets, "displacement_fwd": fwd, "displacement_bwd": bwd}
            return {"output_0": heatmap, "output_1": offsets, "output_2": fwd, "output_3": bwd}
    module = PoseNet()
    tf.saved_model.save(module, os.path.join(work, f"saved_model_{style}"), signatures={"serving_default": module.serve})

# A frozen graph with a heatmap and nothing else.
small = tf.Graph()
with small.as_default():
    image = tf.compat.v1.placeholder(tf.float32, [1, None, None, 3], name="image")
    weights = tf.constant(np.ones((1, 1, 3, 17), np.float32))
    tf.nn.conv2d(image, weights, 1, "SAME", name="heatmap_2")
open(os.path.join(work, "heatmap_only.pb"), "wb").write(small.as_graph_def().SerializeToString())
"""

# Run in the convert venv: `pyposenet convert ...` (cli.main) once per case, in one process (TensorFlow
# imports once). argv: a JSON file {case: argv}; prints {case: [exit status, stdout, stderr]}.
CLI_CASES = r"""
import contextlib, io, json, sys
from pyposenet import cli
results = {}
for case, argv in json.load(open(sys.argv[1])).items():
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    results[case] = [code, out.getvalue(), err.getvalue()]
print(json.dumps(results))
"""


def in_convert_venv(*argv, timeout=600) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", OPENBLAS_NUM_THREADS="1")
    return subprocess.run(
        [str(CONVERT_PYTHON), *map(str, argv)], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def convert_frozen_as_a_user(frozen: Path, out: Path) -> dict[str, list]:
    """`pyposenet convert` in a process of its own, then again onto its own output (each imports TensorFlow)."""
    results = {}
    for case, extra in (("frozen", []), ("exists", ["--no-check"])):
        run = in_convert_venv("-m", "pyposenet.cli", "convert", frozen, "--out", out, *extra)
        results[case] = [run.returncode, run.stdout, run.stderr]
    return results


def relative_error(ours: np.ndarray, reference: np.ndarray) -> float:
    return float(np.abs(ours - reference).max() / max(1.0, float(np.abs(reference).max())))


@pytest.fixture(scope="module")
def work(models_dir, testdata_dir, tmp_path_factory) -> dict:
    """TensorFlow's reference outputs, the SavedModels, and every conversion the tests look at."""
    require_convert_venv()
    root = tmp_path_factory.mktemp("convert-tf")
    # starter.png as the network sees it, 257 high and 353 wide (not square: a swapped H/W would show).
    batch, _ = preprocess(load_image(testdata_dir / "images" / "starter.png"), 257, 353)
    np.save(root / "input.npy", np.ascontiguousarray(batch, np.float32))
    # Two lanes, one per core (each process spends seconds importing TensorFlow): the user's conversions of
    # the frozen graph beside the fixtures and the in-process cases that need them.
    with concurrent.futures.ThreadPoolExecutor(1) as lane:
        as_a_user = lane.submit(convert_frozen_as_a_user, models_dir / FROZEN, root / "frozen")
        fixtures = _fixtures_and_cli_cases(models_dir, root)
        fixtures["results"].update(as_a_user.result())
    return fixtures


def _fixtures_and_cli_cases(models_dir: Path, root: Path) -> dict:
    made = in_convert_venv("-c", TF_FIXTURES, models_dir / FROZEN, root / "input.npy", root)
    assert made.returncode == 0, made.stderr[-3000:]
    (root / "not-a-model.pb").write_text("this is not a graph\n")
    (root / "empty-folder").mkdir()
    frozen, out = models_dir / FROZEN, lambda name: root / name
    cases = {
        "saved_model": ["convert", root / "saved_model_named", "--out", out("saved_model")],
        "unnamed": ["convert", root / "saved_model_unnamed", "--out", out("unnamed-failed")],
        "unnamed_with_outputs": [
            "convert",
            root / "saved_model_unnamed",
            "--out",
            out("unnamed"),
            "--outputs",
            "heatmap=output_0,offsets=output_1,displacement_fwd=output_2,displacement_bwd=output_3",
        ],
        "quant2": ["convert", frozen, "--out", out("quant2"), "--quant-bytes", "2"],
        "quant1": ["convert", frozen, "--out", out("quant1"), "--quant-bytes", "1", "--no-check"],
        "not_a_model": ["convert", root / "not-a-model.pb", "--out", out("x1")],
        "missing_source": ["convert", root / "nothing-here.pb", "--out", out("x2")],
        "folder_not_saved_model": ["convert", root / "empty-folder", "--out", out("x3")],
        "tfjs_folder": ["convert", models_dir / "savedmodel/posenet/mobilenet/float/050", "--out", out("x4")],
        "heatmap_only": ["convert", root / "heatmap_only.pb", "--out", out("x5")],
        "missing_node": ["convert", frozen, "--out", out("x6"), "--outputs", "displacement_fwd=no_such_node"],
        "wrong_channels": ["convert", frozen, "--out", out("x7"), "--outputs", "heatmap=offset_2"],
        "bad_outputs_option": ["convert", frozen, "--out", out("x8"), "--outputs", "nose=offset_2"],
        "bad_input": ["convert", frozen, "--out", out("x9"), "--input", "pixels"],
    }
    (root / "cases.json").write_text(json.dumps({k: [str(a) for a in v] for k, v in cases.items()}))
    ran = in_convert_venv("-c", CLI_CASES, root / "cases.json")
    assert ran.returncode == 0, ran.stderr[-3000:]
    results = json.loads(ran.stdout.strip().splitlines()[-1])
    reference = dict(np.load(root / "reference.npz"))
    return {"root": root, "results": results, "reference": reference, "input": np.load(root / "input.npy")}


def result(work, case: str, ok: bool = True) -> tuple[str, str]:
    code, out, err = work["results"][case]
    assert (code == 0) == ok, f"{case}: exit {code}\n{out}\n{err}"
    return out, err


def outputs_of(json_path: Path, batch: np.ndarray) -> tuple[dict, dict[str, np.ndarray]]:
    """The signature's output names by role (as pyposenet identifies them) and the numpy executor's outputs."""
    model = load_graph_model(json_path)
    roles = identify_outputs([(o.name, o.shape) for o in model.outputs], model=str(json_path))
    values = model.execute(batch, [roles[r] for r in ROLES])
    return roles, dict(zip(ROLES, values, strict=True))


# -- the shared frozen graph ----------------------------------------------------------------------------------


@needs_convert_venv
def test_frozen_graph_converts_to_outputs_tensorflow_agrees_with(work):
    out, err = result(work, "frozen")
    json_path = work["root"] / "frozen" / "model.json"
    assert f"wrote {json_path}" in out
    assert "converted in" in out and "tensorflowjs's converter" in out
    # The four outputs by name, the heatmap's logits rather than posenet-python's Sigmoid node `heatmap`.
    assert "heatmap is a Sigmoid; using its input heatmap_2, the logits" in err
    spec = json.loads(json_path.read_text())
    assert list(spec["signature"]["outputs"]) == [FROZEN_NODES[r] for r in ROLES]
    assert spec["signature"]["inputs"]["image:0"]["tensorShape"]["dim"] == [
        {"size": "1"},
        {"size": "-1"},
        {"size": "-1"},
        {"size": "3"},
    ]
    roles, ours = outputs_of(json_path, work["input"])
    assert roles == {r: FROZEN_NODES[r] for r in roles}
    for role in ROLES:
        assert ours[role].shape == work["reference"][role].shape == (1, 17, 23, ours[role].shape[-1])
        assert relative_error(ours[role], work["reference"][role]) < RELATIVE_BOUND, role


def without_annotations(topology: dict) -> dict:
    """The topology without the attributes TensorFlow's optimiser only annotates nodes with (`_input_shapes`
    and the like: a leading underscore, never read by TF.js). Whether grappler writes `_input_shapes` varies
    with the installed TensorFlow stack: the shared model has them, a fresh convert venv may not."""
    nodes = [
        {**node, "attr": {k: v for k, v in node.get("attr", {}).items() if not k.startswith("_")}}
        for node in topology["node"]
    ]
    return {**topology, "node": nodes}


@needs_convert_venv
def test_frozen_graph_conversion_is_the_shared_float_050_model(work, models_dir):
    """PROVENANCE 4.: float/050 was made from this graph with tensorflowjs 4.22.0 and its signature reordered
    by hand; `pyposenet convert` makes the same graph and weights, so the same outputs, bit for bit."""
    json_path = work["root"] / "frozen" / "model.json"
    ours_spec, theirs_spec = json.loads(json_path.read_text()), json.loads((models_dir / FLOAT_050).read_text())
    assert without_annotations(ours_spec["modelTopology"]) == without_annotations(theirs_spec["modelTopology"])
    assert list(ours_spec["signature"]["outputs"]) == list(theirs_spec["signature"]["outputs"])
    _, ours = outputs_of(json_path, work["input"])
    _, theirs = outputs_of(models_dir / FLOAT_050, work["input"])
    for role in ROLES:
        assert np.array_equal(ours[role], theirs[role]), role


@needs_convert_venv
def test_built_in_check_reports_the_difference_from_tensorflow(work):
    out, _ = result(work, "frozen")
    line = next(text for text in out.splitlines() if text.strip().startswith("check:"))
    assert "numpy (this model) vs TensorFlow (the source)" in line
    for role in ROLES:
        assert f"{role} " in line


@needs_convert_venv
def test_an_existing_model_is_not_replaced_without_force(work):
    _, err = result(work, "exists", ok=False)
    assert "model.json exists; pass --force" in err


@needs_convert_venv
@pytest.mark.parametrize("case, dtype, bound", [("quant2", "uint16", 0.05), ("quant1", "uint8", None)])
def test_quant_bytes_quantize_every_weight(work, case, dtype, bound):
    _, err = result(work, case)
    assert ("too coarse for PoseNet's MobileNet" in err) == (case == "quant1")
    json_path = work["root"] / case / "model.json"
    spec = json.loads(json_path.read_text())
    weights = [w for group in spec["weightsManifest"] for w in group["weights"]]
    assert len(weights) == 62 and all(w["quantization"]["dtype"] == dtype for w in weights)
    _, ours = outputs_of(json_path, work["input"])
    if bound is not None:  # uint16: the logits stay within a few hundredths (quant1 is too coarse for MobileNet)
        assert relative_error(ours["heatmap"], work["reference"]["heatmap"]) < bound
        heat_ours = ours["heatmap"][0].reshape(-1, 17).argmax(0)
        heat_ref = work["reference"]["heatmap"][0].reshape(-1, 17).argmax(0)
        assert (heat_ours == heat_ref).sum() >= 15  # the same grid cell for (nearly) every part


# Run in the convert venv: tensorflowjs's own read_weights + write_weights (what tensorflowjs_converter calls
# with --quantize_uint16/uint8/float16 '*'), 4 MiB shards. argv: output root, then model.json paths; writes
# ROOT/<model folder name>/<dtype>/ (shards and weights_manifest.json).
TFJS_QUANTIZE = r"""
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
from tensorflowjs import read_weights, write_weights
root = sys.argv[1]
for path in sys.argv[2:]:
    manifest = json.load(open(path))["weightsManifest"]
    for dtype in ("uint16", "uint8", "float16"):
        groups = read_weights.read_weights(manifest, os.path.dirname(path))
        out = os.path.join(root, os.path.basename(os.path.dirname(path)), dtype)
        os.makedirs(out)
        write_weights.write_weights(groups, out, quantization_dtype_map={dtype: True})
"""


@needs_convert_venv
def test_convert_quantize_writes_what_tensorflowjs_writes(models_dir, tmp_path):
    """`pyposenet convert quantize` (numpy 2.4, no TensorFlow) vs tensorflowjs 4.22.0's write_weights on the
    float 0.75 and 0.50 models: the same shard bytes and the same manifest entries, as JSON text (key order,
    min and scale to the last digit, original_dtype), for uint16, uint8 and float16."""
    sources = {"075": FLOAT_075, "050": FLOAT_050}
    made = in_convert_venv("-c", TFJS_QUANTIZE, tmp_path / "tfjs", *(models_dir / s for s in sources.values()))
    assert made.returncode == 0, made.stderr[-3000:]
    for tag, source in sources.items():
        for dtype, quant, options in (("uint16", 2, []), ("uint8", 1, []), ("float16", 2, ["--float16"])):
            out = tmp_path / "ours" / tag / dtype
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
                code = cli.main(
                    [
                        "convert",
                        "quantize",
                        "--bytes",
                        str(quant),
                        *options,
                        "--from",
                        source,
                        "--models",
                        str(models_dir),
                        "--cache",
                        str(tmp_path / "no-cache"),
                        "--out",
                        str(out),
                        "--no-check",
                    ]
                )
            assert code == 0, err.getvalue()
            json_path = out / source.replace("/float/", f"/quant{quant}/")  # the official quant path
            ours = json.loads(json_path.read_text())["weightsManifest"]
            theirs_dir = tmp_path / "tfjs" / tag / dtype
            theirs_text = (theirs_dir / "weights_manifest.json").read_text()
            assert json.dumps(ours) == theirs_text, (tag, dtype)  # same keys in the same order, same float digits
            entries = [w for group in ours for w in group["weights"]]
            assert len(entries) == 62 and all(w["quantization"]["dtype"] == dtype for w in entries)
            shards = sorted(p.name for p in theirs_dir.glob("*.bin"))
            assert shards == sorted(p.name for p in json_path.parent.glob("*.bin")) == ["group1-shard1of1.bin"]
            for name in shards:
                assert (json_path.parent / name).read_bytes() == (theirs_dir / name).read_bytes(), (tag, dtype, name)


# Run in the convert venv: tensorflowjs's quantize_weights on each array of an .npz. argv: the .npz, an output
# .npz for the codes, an output .json for the min and scale entries ({case/dtype: {...}}, floats as json writes them).
TFJS_QUANTIZE_ARRAYS = r"""
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
from tensorflowjs import quantization
codes, metadata = {}, {}
for case, data in np.load(sys.argv[1]).items():
    for dtype in (np.uint16, np.uint8, np.float16):
        quantized, meta = quantization.quantize_weights(data, dtype)
        key = case + "/" + np.dtype(dtype).name
        codes[key], metadata[key] = quantized, meta
np.savez(sys.argv[2], **codes)
open(sys.argv[3], "w").write(json.dumps(metadata))
"""


@needs_convert_venv
def test_quantization_edge_cases_round_as_tensorflowjs_rounds(tmp_path):
    """Constant tensors, ranges without 0 (not nudged), 0 at an end, a one-step range, codes half way between
    two steps, float16 ties and subnormals: the same codes, min and scale as tensorflowjs's quantize_weights."""
    rng = np.random.default_rng(7)
    cases = {
        "constant": np.full(5, 0.25, np.float32),
        "constant_zero": np.array([0.0, -0.0], np.float32),
        "one_value": np.array([-3.5], np.float32),
        "negative": np.array([-3.0, -2.0, -1.5], np.float32),
        "positive": np.array([0.5, 1.0, 7.25, 3.3], np.float32),
        "zero_is_min": np.array([0.0, 1.0, 2.0], np.float32),
        "zero_is_max": np.array([-2.0, -0.7, 0.0], np.float32),
        "one_step": np.array([1.0, np.nextafter(np.float32(1.0), np.float32(2.0))], np.float32),
        # k/2 steps of a [-1, 1] grid: half the codes fall half way (ties), where float32 and float64 part
        "half_steps": (np.arange(-255, 256, dtype=np.float64) / 255).astype(np.float32),
        "normal": (rng.normal(size=100_000) * 3 + 0.5).astype(np.float32),
        "wide": (rng.standard_cauchy(size=20_000)).astype(np.float32),
        "float16_ties": np.array([1 + 2.0**-11, 1 + 3 * 2.0**-11, 2.0**-25, 6e-8, -65504.0], np.float32),
    }
    np.savez(tmp_path / "cases.npz", **cases)
    made = in_convert_venv(
        "-c", TFJS_QUANTIZE_ARRAYS, tmp_path / "cases.npz", tmp_path / "codes.npz", tmp_path / "meta.json"
    )
    assert made.returncode == 0, made.stderr[-3000:]
    codes = dict(np.load(tmp_path / "codes.npz"))
    metadata = json.loads((tmp_path / "meta.json").read_text())
    for case, data in cases.items():
        for dtype in ("uint16", "uint8", "float16"):
            key = f"{case}/{dtype}"
            raw, entry = quantize_array(data, dtype)
            assert raw == codes[key].tobytes(), key
            theirs = dict(metadata[key], dtype=dtype, original_dtype="float32")  # write_weights adds these two
            assert json.dumps(entry, sort_keys=True) == json.dumps(theirs, sort_keys=True), key


# -- SavedModels ---------------------------------------------------------------------------------------------


@needs_convert_venv
def test_saved_model_outputs_are_found_by_key_and_named_for_posenet(work):
    out, err = result(work, "saved_model")
    assert "SavedModel, signature 'serving_default'" in out
    assert "heatmap: heatmap is a Sigmoid" in err and "the logits" in err
    json_path = work["root"] / "saved_model" / "model.json"
    spec = json.loads(json_path.read_text())
    # Named by role, in Google's order: tensorflowjs alone keys the two 32-channel outputs Identity:0 and
    # Identity_1:0 (it matches keys by shape) and sorts them displacement_bwd first.
    assert list(spec["signature"]["outputs"]) == list(ROLES)
    _, ours = outputs_of(json_path, work["input"])
    for role in ROLES:
        assert relative_error(ours[role], work["reference"][role]) < RELATIVE_BOUND, role


@needs_convert_venv
def test_saved_model_with_unnamed_outputs_needs_outputs_option(work):
    _, err = result(work, "unnamed", ok=False)
    assert "found no displacement_fwd, displacement_bwd output" in err
    assert "output_2, output_3 both have 32 channels" in err
    assert "--outputs heatmap=NAME,offsets=NAME,displacement_fwd=NAME,displacement_bwd=NAME" in err
    # Every candidate with its shape
    for key, channels in (("output_0", 17), ("output_1", 34), ("output_2", 32), ("output_3", 32)):
        assert f"{key} = " in err and f"[1, ?, ?, {channels}]" in err
    assert not (work["root"] / "unnamed-failed" / "model.json").exists()
    # Named with --outputs: fwd is fwd (swapping them would put bwd's values where fwd's belong).
    result(work, "unnamed_with_outputs")
    _, ours = outputs_of(work["root"] / "unnamed" / "model.json", work["input"])
    for role in ROLES:
        assert relative_error(ours[role], work["reference"][role]) < RELATIVE_BOUND, role
    assert relative_error(ours["displacement_fwd"], work["reference"]["displacement_bwd"]) > 0.1


# -- bad sources and options ---------------------------------------------------------------------------------


@needs_convert_venv
@pytest.mark.parametrize(
    "case, expected",
    [
        ("not_a_model", ["not-a-model.pb: not a frozen TensorFlow graph", "nor a SavedModel folder"]),
        ("missing_source", ["nothing-here.pb: no such file or folder", "SavedModel folder or a frozen graph .pb"]),
        ("folder_not_saved_model", ["without saved_model.pb, so not a SavedModel"]),
        (
            "tfjs_folder",
            [
                "not a SavedModel",
                "it holds model-stride16.json, a TF.js model: `pyposenet convert quantize|stride --from` take those",
            ],
        ),
        (
            "heatmap_only",
            [
                "found no offsets, displacement_fwd, displacement_bwd output",
                "heatmap (17 channels, logits), offsets (34), displacement_fwd (32) and displacement_bwd (32)",
                "Candidates: heatmap_2 (Conv2D, [1, ?, ?, 17])",
            ],
        ),
        (
            "missing_node",
            [
                "--outputs displacement_fwd=no_such_node",
                "not among the node names of",
                "displacement_fwd_2 (BiasAdd, [1, ?, ?, 32])",
                "offset_2 (BiasAdd, [1, ?, ?, 34])",
            ],
        ),
        ("wrong_channels", ["offset_2 (BiasAdd, [1, ?, ?, 34]) has 34 channels, but the heatmap has 17"]),
        (
            "bad_outputs_option",
            ["--outputs 'nose=offset_2'", "ROLE one of heatmap, offsets, displacement_fwd, displacement_bwd"],
        ),
        ("bad_input", ["--input pixels: no Placeholder of that name", "its inputs: image"]),
    ],
)
def test_bad_sources_and_options_are_explained(work, case, expected):
    out, err = result(work, case, ok=False)
    assert out == ""
    assert err.startswith("pyposenet convert: error: ")
    for text in expected:
        assert text in err, f"{case}: {text!r} not in {err!r}"


def test_without_tensorflowjs_says_what_to_install(tmp_path):
    """In the dev venv (numpy 2.4.6, no TensorFlow): `convert SOURCE` explains the separate environment."""
    pytest.importorskip("numpy")
    if subprocess.run([sys.executable, "-c", "import tensorflowjs"], capture_output=True).returncode == 0:
        pytest.skip("tensorflowjs is importable in this Python")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["convert", str(tmp_path / "model.pb"), "--out", str(tmp_path / "out")])
    text = err.getvalue()
    assert code == 1 and out.getvalue() == ""
    assert "needs tensorflowjs, which this Python cannot import" in text
    assert "make convert-env" in text and 'pip install "pyposenet[convert]"' in text
    assert "ydf 0.16" in text and "protobuf" in text and "numpy < 2.2" in text


def test_convert_help_offers_a_tensorflow_source(capsys):
    with pytest.raises(SystemExit):
        cli.main(["convert", "--help"])
    assert "tensorflow" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["convert", "model.pb", "--help"])  # `convert SOURCE` is `convert tensorflow SOURCE`
    text = capsys.readouterr().out
    assert "--outputs" in text and "--quant-bytes" in text and "logits" in text
