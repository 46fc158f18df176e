"""Multi-pose root candidates computed by TF.js beside the network (web/model-core.js rootCandidates).

On the CPU backends the page's multi-pose frames carry the heatmap's highest 3x3 local maxima, found
with maxPool + topk (pyposenet/decode/root_hints.py). Here, on every shared image, in the worker and on
the page: TF.js's list is exactly what the unit tests' float32 emulation computes from the same
scores, and the page decodes the same poses with it as without it. On webgl none are asked of TF.js
(its topk would read the tensor back synchronously): the frames carry none.
"""
from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from tests.conftest import TESTDATA_DIR
from tests.e2e.conftest import BOOT_TIMEOUT_MS
from tests.unit.test_decode_root_hints import model_side_candidates

IMAGES = sorted(p.name for p in (TESTDATA_DIR / "images").iterdir() if p.suffix in (".png", ".jpg"))
COUNT = 64

PAGE_SETUP = """
import base64, json, js
from pyposenet import poseNet
from pyposenet.decode import ModelOutputs, decode_multiple_poses
net = await poseNet("multiple")

async def hinted(name, count):
    img = js.document.createElement("img")
    img.src = "/sketch/" + name
    await img.decode()
    r = await net._model.estimate(img, count)
    data = r.data.to_memoryview()
    if data.format != "f":
        data = data.cast("B").cast("f")
    h, w, k = int(r.gridHeight), int(r.gridWidth), int(r.rootCount)
    with_hint = ModelOutputs.from_flat(data, h, w, k)
    without = ModelOutputs.from_flat(data[:h * w * 115], h, w)
    same = all(decode_multiple_poses(with_hint, 16, poses, threshold, 20)
               == decode_multiple_poses(without, 16, poses, threshold, 20)
               for threshold in (0.5, 0.1, 0.0) for poses in (1, 5, 10))
    poses = len(decode_multiple_poses(with_hint, 16, 5, 0.0, 20))
    return json.dumps({"h": h, "w": w, "count": k, "same": same, "poses": poses,
                       "data": base64.b64encode(data.cast("B")).decode()})
"""


def page_hint(watch, name: str) -> dict:
    found = json.loads(watch.python(f"await hinted({name!r}, {COUNT})"))
    flat = np.frombuffer(base64.b64decode(found["data"]), "<f4")
    h, w, k = found["h"], found["w"], found["count"]
    found["heatmap"] = flat[:h * w * 17].reshape(h, w, 17)
    found["values"], found["indices"] = flat[h * w * 115:h * w * 115 + k], flat[h * w * 115 + k:]
    return found


@pytest.mark.parametrize("where", ["worker", "main"])
def test_tfjs_root_candidates_are_the_emulated_ones_and_decode_the_same(open_page, serve, image_sketch_dir, where):
    watch = open_page(serve(image_sketch_dir / "blank.py") + f"/?backend=wasm&worker={int(where == 'worker')}")
    watch.wait_for_status("running", BOOT_TIMEOUT_MS)
    watch.python(PAGE_SETUP)
    assert watch.python("net._model.where") == where
    for name in IMAGES:
        found = page_hint(watch, name)
        assert found["count"] == COUNT, name
        values, indices = model_side_candidates(found["heatmap"], COUNT)
        np.testing.assert_array_equal(found["values"], values, err_msg=name)
        assert sorted(zip(found["values"], found["indices"])) == sorted(zip(values, indices)), name
        assert (found["values"] >= 0).sum() > 10, name  # real local maxima, not padding
        assert found["same"], f"{name}: decoding with the hint differs"
        assert found["poses"] == 5, name
    assert watch.page_errors == []


def test_webgl_frames_carry_no_root_candidates(open_page, serve, image_sketch_dir):
    watch = open_page(serve(image_sketch_dir / "blank.py") + "/?backend=webgl")
    watch.wait_for_status("running", BOOT_TIMEOUT_MS)
    watch.python(PAGE_SETUP)
    found = page_hint(watch, "starter.png")
    assert found["count"] == 0
    assert found["same"] and found["poses"] == 5
