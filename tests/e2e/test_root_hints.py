"""Multi-pose root candidates found in the browser (web/root-candidates.js, pyposenet/decode/root_hints.py).

A multi-pose frame comes back from the network with the heatmap's local maxima not below the
threshold, highest first, found by the reference's own loop in JavaScript. Here, on every shared image,
with the network in the worker, on the page and on webgl: the list is exactly what the unit tests'
Python version of that loop gives on the same scores, and the page decodes the same poses with it as
without it. Then crafted heatmaps (plateaus, ties, zeros, NaN, tiny grids, odd thresholds) go through
the JavaScript function directly.
"""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import pytest

from tests.conftest import TESTDATA_DIR
from tests.support.browser import BOOT_TIMEOUT_MS
from tests.support.decode import browser_candidates

IMAGES = sorted(p.name for p in (TESTDATA_DIR / "images").iterdir() if p.suffix in (".png", ".jpg"))
COUNT = 64

PAGE_SETUP = """
import base64, json, js
from pyodide.ffi import to_js
from pyposenet import poseNet
from pyposenet.decode import ModelOutputs, decode_multiple_poses
from pyposenet.decode.outputs import as_float_view
from pyposenet.decode.root_hints import RootCandidates
net = await poseNet("multiple")

async def hinted(name, count, threshold):
    img = js.document.createElement("img")
    img.src = name
    await img.decode()
    request = to_js({"count": count, "threshold": threshold}, dict_converter=js.Object.fromEntries)
    r = await net._model.estimate(img, request)
    data = as_float_view(r.data.to_memoryview())
    roots = as_float_view(r.roots.data.to_memoryview())
    h, w = int(r.gridHeight), int(r.gridWidth)
    hint = RootCandidates.from_flat(roots, r.roots.found, r.roots.threshold, r.roots.nan)
    same = all(decode_multiple_poses(ModelOutputs.from_flat(data, h, w, hint), 16, poses, threshold, 20)
               == decode_multiple_poses(ModelOutputs.from_flat(data, h, w), 16, poses, threshold, 20)
               for poses in (1, 5, 10))
    return json.dumps({"h": h, "w": w, "found": r.roots.found, "nan": r.roots.nan, "same": same,
                       "heatmap": base64.b64encode(data[:h * w * 17].cast("B")).decode(),
                       "roots": base64.b64encode(roots.cast("B")).decode()})
"""


def floats(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), "<f4")


def assert_same_list(got_flat: np.ndarray, got_found: int, expected, label: str) -> None:
    half = len(got_flat) // 2
    assert got_found == expected.found, label
    np.testing.assert_array_equal(got_flat[:half], np.asarray(expected.values), err_msg=label)
    np.testing.assert_array_equal(got_flat[half:], np.asarray(expected.indices), err_msg=label)


@pytest.mark.parametrize("backend, where", [("wasm", "worker"), ("wasm", "main"), ("webgl", "main")])
def test_the_pages_root_candidates_are_the_references_and_decode_the_same(
    open_page, serve, image_sketch_dir, backend, where
):
    query = f"backend={backend}" + (f"&worker={int(where == 'worker')}" if backend == "wasm" else "")
    watch = open_page(serve(image_sketch_dir / "blank.py") + "/?" + query)
    watch.wait_for_status("running", BOOT_TIMEOUT_MS)
    watch.python(PAGE_SETUP)
    assert watch.python("net._model.where") == where
    images = IMAGES if backend == "wasm" else IMAGES[:2]  # software WebGL is slow (docs/benchmarks.md)
    listed = 0
    for name in images:
        for threshold in (0.5, 0.0):
            found = json.loads(watch.python(f"await hinted({name!r}, {COUNT}, {threshold})"))
            heatmap = floats(found["heatmap"]).reshape(found["h"], found["w"], 17)
            expected = browser_candidates(heatmap, threshold, COUNT)
            assert_same_list(floats(found["roots"]), found["found"], expected, f"{name} at {threshold}")
            assert found["nan"] is False
            if threshold == 0.0:
                assert found["found"] > COUNT, name  # cut short: the decoder's own search stays ready
            listed += found["found"] if threshold else 0
            assert found["same"], f"{name} at {threshold}: decoding with the list differs"
    assert listed > 10  # at 0.5, over the images
    assert watch.page_errors == []


CRAFTED_JS = """async ({b64, h, w, threshold, count}) => {
    const { rootCandidates } = await import('/pyposenet/web/root-candidates.js');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const { data, found, nan } = rootCandidates(new Float32Array(bytes.buffer), h, w, threshold, count);
    let text = '';
    new Uint8Array(data.buffer).forEach((b) => { text += String.fromCharCode(b); });
    return { roots: btoa(text), found, nan };
}"""


def crafted_heatmaps():
    rng = np.random.default_rng(7)
    yield "random 9x7", rng.random((9, 7, 17), dtype=np.float32)
    yield "plateaus and ties", (np.round(rng.random((8, 8, 17), dtype=np.float32) * 3) / 3).astype(np.float32)
    yield "all zeros", np.zeros((5, 5, 17), np.float32)
    yield "one cell", rng.random((1, 1, 17), dtype=np.float32)
    yield "one row", rng.random((1, 6, 17), dtype=np.float32)
    yield "one column", rng.random((6, 1, 17), dtype=np.float32)
    close = (np.float32(0.75) + rng.integers(0, 3, (6, 6, 17)) * np.float32(2**-20)).astype(np.float32)
    yield "scores one ulp apart", close
    wide = rng.random((6, 6, 17), dtype=np.float32) * np.float32(2.0) ** rng.integers(-140, 60, (6, 6, 17))
    yield "denormals to 2**60", wide.astype(np.float32)


def test_crafted_heatmaps_give_the_references_local_maxima(open_page, serve, image_sketch_dir):
    watch = open_page(serve(image_sketch_dir / "blank.py") + "/?backend=wasm")
    watch.wait_for_status("running", BOOT_TIMEOUT_MS)
    checked = 0
    for label, heat in crafted_heatmaps():
        h, w = heat.shape[:2]
        b64 = base64.b64encode(np.ascontiguousarray(heat, "<f4").tobytes()).decode()
        for threshold in (0.5, 0.0, 1.0, -math.inf, 0.75):
            for count in (3, 1000):
                got = watch.page.evaluate(
                    CRAFTED_JS, {"b64": b64, "h": h, "w": w, "threshold": threshold, "count": count}
                )
                expected = browser_candidates(heat, threshold, count)
                assert_same_list(floats(got["roots"]), got["found"], expected, f"{label}, {threshold}, {count}")
                assert got["nan"] is False
                checked += 1
    assert checked == 8 * 5 * 2

    # NaN: ``score < threshold`` skips no NaN, and no neighbour is greater than NaN, so it is listed as
    # the reference enqueues it (Python then leaves the list unused: the heap's order is no sorted order).
    heat = np.full((3, 3, 17), 0.25, np.float32)
    heat[1, 1, 4] = np.nan
    b64 = base64.b64encode(heat.tobytes()).decode()
    got = watch.page.evaluate(CRAFTED_JS, {"b64": b64, "h": 3, "w": 3, "threshold": 0.5, "count": 10})
    flat = floats(got["roots"])
    assert got["found"] == 1 and math.isnan(flat[0]) and flat[1] == (1 * 3 + 1) * 17 + 4
    assert got["nan"] is True
