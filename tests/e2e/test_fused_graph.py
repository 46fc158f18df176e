"""The fused graph in TF.js computes what the stored one does: in one page, the official 0.75 graph loaded as
stored (`fuse=false`) and rewritten at load time (pyposenet/web/fuse-graph.js), each shared image through both
(model-core.js PoseGraph.run, as the worker runs a frame): heatmap scores within 1e-4, offsets and displacements
within 0.01 px, every keypoint within 0.01 px in the image's own pixels (single pose on each image, multi-pose on
the five-person one), on wasm (every image, 257 px) and WebGL (software: SwiftShader; the five-person image at
161 px). TF.js's profile shows the fused graph really runs fused kernels and no separate bias or ReLU6.

No Pyodide here: a plain document of the app (under its CSP and headers) loads TF.js and model-core.js, so
the two graphs are compared straight; the decoding is pyposenet's own, run in this process.
"""

from __future__ import annotations

import base64
import shutil

import numpy as np
import pytest

from pyposenet.decode import ModelOutputs, decode_multiple_poses, decode_single_pose
from pyposenet.results import FrameGeometry
from tests.conftest import MODELS_DIR, TESTDATA_DIR
from tests.support.browser import SKETCHES, LiveServer

MODEL_URL = "/pyposenet/models/savedmodel/posenet/mobilenet/float/075/model-stride16.json"
STRIDE = 16
OUTPUT_NAMES = [f"MobilenetV1/{h}_2/BiasAdd" for h in ("heatmap", "offset", "displacement_fwd", "displacement_bwd")]
IMAGES = sorted(p.name for p in (TESTDATA_DIR / "images").iterdir() if p.suffix in (".png", ".jpg"))
FIVE_PEOPLE = "tennis_in_crowd.jpg"
SCORE_TOLERANCE = 1e-4  # heatmap scores (after the sigmoid) and pose scores
# Offsets and displacements are input pixels (values up to ~240). On wasm, XNNPACK's fused convolution starts
# its sum from the bias where the stored graph adds it after: another rounding order, which 14 layers grow to
# a few thousandths of a pixel (figures: docs/benchmarks.md); WebGL's fused shaders give the same bits.
OFFSET_TOLERANCE_PX = 0.01
KEYPOINT_TOLERANCE_PX = 0.01  # in the image's own pixels
WEBGL_SIZE = 161  # software WebGL: a smaller input (the same shaders) keeps the test short

SETUP_JS = """async ({backend, modelUrl, outputNames, size}) => {
    for (const script of ['tf-prelude.js', 'vendor/@tensorflow/tfjs/dist/tf.min.js',
                          'vendor/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js']) {
        await new Promise((resolve, reject) => {
            const s = document.createElement('script');
            s.src = '/pyposenet/web/' + script; s.onload = resolve; s.onerror = reject;
            document.head.appendChild(s);
        });
    }
    const core = await import('/pyposenet/web/model-core.js');
    await core.setBackend(backend, core.WASM_DIR);
    const graphs = {};
    const kernels = {};
    for (const [name, fuse] of [['stored', false], ['fused', true]]) {
        const graph = new core.PoseGraph(await core.loadGraph(modelUrl, undefined, fuse));
        graph.configure(outputNames, size, size, 'mobilenet');
        await graph.warmUp();
        const input = tf.zeros([1, size, size, 3]);
        const profile = await tf.profile(() => tf.dispose(graph.graph.execute(input, outputNames)));
        input.dispose();
        kernels[name] = profile.kernelNames;
        graphs[name] = graph;
    }
    window.fusedTest = { graphs };
    return { backend: tf.getBackend(), kernels, fusedNodes: graphs.fused.fusedNodes };
}"""

RUN_JS = """async (image) => {
    const blob = await (await fetch(image)).blob();
    const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none' });
    const out = {};
    try {
        for (const [name, graph] of Object.entries(window.fusedTest.graphs)) {
            const r = await graph.run(bitmap);
            const bytes = new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);
            let binary = '';
            for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
            out[name] = { b64: btoa(binary), grid: [r.gridHeight, r.gridWidth], geometry: [r.inputHeight, r.inputWidth,
                r.sourceHeight, r.sourceWidth, r.padTop, r.padBottom, r.padLeft, r.padRight] };
        }
    } finally { bitmap.close(); }
    return out;
}"""


@pytest.fixture(scope="module")
def image_server(tmp_path_factory):
    """The app serving a folder with the blank sketch and the shared images beside it."""
    folder = tmp_path_factory.mktemp("fused-images")
    shutil.copy(SKETCHES / "blank.py", folder / "blank.py")
    for name in IMAGES:
        shutil.copy(TESTDATA_DIR / "images" / name, folder / name)
    live = LiveServer(
        {"SKETCH": folder / "blank.py", "MODELS_DIR": MODELS_DIR, "MODEL_BASE_URL": "http://127.0.0.1:9/x/"}
    )
    yield live.url
    live.close()


def both_graphs(launch, url: str, backend: str, size: int):
    """A page with the graph loaded twice, as stored and fused, for `size` x `size` inputs."""
    page = launch(None).new_page()
    page.goto(f"{url}/blank.py")  # a plain document of the app: its CSP and headers, no Pyodide
    settings = {"backend": backend, "modelUrl": MODEL_URL, "outputNames": OUTPUT_NAMES, "size": size}
    info = page.evaluate(SETUP_JS, settings)
    assert info["backend"] == backend
    return page, info


def outputs_of(run: dict) -> tuple[np.ndarray, FrameGeometry, tuple[int, int]]:
    data = np.frombuffer(base64.b64decode(run["b64"]), dtype="<f4")
    ih, iw, sh, sw, top, bottom, left, right = run["geometry"]
    geometry = FrameGeometry(ih, iw, sh, sw, top, bottom, left, right)
    return data, geometry, tuple(run["grid"])


def keypoints(pose: dict, geometry: FrameGeometry) -> np.ndarray:
    """(x, y) of each keypoint in the image's own pixels."""
    return np.array([geometry.to_display(k["position"]["x"], k["position"]["y"]) for k in pose["keypoints"]])


def assert_same_poses(stored: list[dict], fused: list[dict], geometry: FrameGeometry, what: str) -> float:
    """The same poses, every keypoint within KEYPOINT_TOLERANCE_PX; returns the largest move (px)."""
    assert len(stored) == len(fused), what
    largest = 0.0
    for a, b in zip(stored, fused, strict=True):
        assert [k["part"] for k in a["keypoints"]] == [k["part"] for k in b["keypoints"]], what
        moved = float(np.abs(keypoints(a, geometry) - keypoints(b, geometry)).max())
        assert moved <= KEYPOINT_TOLERANCE_PX, f"{what}: a keypoint moved {moved:.4f} px"
        assert abs(a["score"] - b["score"]) <= SCORE_TOLERANCE, what
        largest = max(largest, moved)
    return largest


def compare_on(page, image: str) -> dict:
    """Run `image` through both graphs; assert outputs and keypoints agree; the largest differences."""
    runs = page.evaluate(RUN_JS, image)
    stored, geometry, grid = outputs_of(runs["stored"])
    fused, fused_geometry, fused_grid = outputs_of(runs["fused"])
    assert (grid, geometry) == (fused_grid, fused_geometry)
    assert stored.shape == fused.shape and np.isfinite(fused).all()
    cells = grid[0] * grid[1]
    difference = np.abs(stored - fused)
    scores, pixels = difference[: cells * 17].max(), difference[cells * 17 :].max()
    assert scores <= SCORE_TOLERANCE, f"{image}: heatmap scores differ by {scores}"
    assert pixels <= OFFSET_TOLERANCE_PX, f"{image}: offsets / displacements differ by {pixels} px"
    single = [decode_single_pose(ModelOutputs.from_flat(d, *grid), STRIDE) for d in (stored, fused)]
    moved = assert_same_poses([single[0]], [single[1]], geometry, f"{image} single")
    if image == FIVE_PEOPLE:
        multi = [decode_multiple_poses(ModelOutputs.from_flat(d, *grid), STRIDE, 5, 0.1, 20) for d in (stored, fused)]
        assert len(multi[0]) == 5
        moved = max(moved, assert_same_poses(multi[0], multi[1], geometry, f"{image} multiple"))
    return {"scores": float(scores), "offsets_px": float(pixels), "keypoints_px": moved}


def assert_runs_fused(info: dict) -> None:
    """The stored graph runs a Relu6 and an add per convolution; the fused one none, all in fused convolutions."""
    assert info["fusedNodes"] == 31
    stored, fused = set(info["kernels"]["stored"]), set(info["kernels"]["fused"])
    assert {"Relu6", "Add"} <= stored
    assert "Relu6" not in fused and "BiasAdd" not in fused and "Add" not in fused
    assert {"FusedConv2D", "FusedDepthwiseConv2D"} <= fused


def test_fused_graph_matches_the_stored_one_on_wasm(launch, image_server):
    page, info = both_graphs(launch, image_server, "wasm", 257)
    assert_runs_fused(info)
    differences = {image: compare_on(page, image) for image in IMAGES}
    print("wasm, largest differences:", differences)  # -s: the figures in docs/benchmarks.md


def test_fused_graph_matches_the_stored_one_on_webgl(launch, image_server):
    page, info = both_graphs(launch, image_server, "webgl", WEBGL_SIZE)
    assert_runs_fused(info)
    print("webgl, largest differences:", {FIVE_PEOPLE: compare_on(page, FIVE_PEOPLE)})
