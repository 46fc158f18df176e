"""Long run: the default sketch detects 2,000 pose frames on the fake camera and nothing grows.

The default sketch runs as written except for its size: a 320x240 canvas and `inputResolution` 161 on the 0.50
model, fed by a 60 frames/s camera, so the same draw/detect/callback path turns over about 2.5 times as many
frames a second as at 640x480 and 257 (`make soak` runs the sketch unchanged, for minutes).

Measured at pose frame 200 (warm: model, caches and p5 settled) and at 2,000, with detection paused and
garbage collected in Python and JavaScript (tests/support/soak.py; `make soak` runs it for longer):
tensors on the page and in the worker and live PyProxies and JS objects held by Python are equal, the JS
heap grows < 5 %, Pyodide's and the worker's wasm memory and Python's object count stay within the
bounds tests/support/soak.py explains. How long it takes: docs/testing.md#long-runs.
"""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT
from tests.support.browser import FAKE_WEBCAM_320_15FPS
from tests.support.soak import Soak, verdict

DEFAULT_SKETCH = REPO_ROOT / "pyposenet" / "examples" / "webcam_skeleton.py"
# The default sketch's lines the soak changes, and what it puts in their place.
SMALLER = {
    "createCanvas(640, 480)": "createCanvas(320, 240)",
    "poseNet(video, model_ready)": 'poseNet(video, {"inputResolution": 161, "multiplier": 0.5}, model_ready)',
}
FRAMES = 2000
WARMUP = 200
PER_FRAME_TIMEOUT_S = 0.4  # the camera gives 60 frames/s; 2.5/s would be a stall, even at load 8


@pytest.fixture
def small_default_sketch(tmp_path):
    source = DEFAULT_SKETCH.read_text()
    for line, smaller in SMALLER.items():
        assert source.count(line) == 1, f"the default sketch no longer says {line!r}: update SMALLER"
        source = source.replace(line, smaller)
    sketch = tmp_path / "soak" / "webcam_skeleton.py"
    sketch.parent.mkdir()
    sketch.write_text(source)
    return sketch


@pytest.fixture
def camera_60fps(tmp_path):
    """The 320x240 fake-camera video with its header saying 60 frames/s: Chromium plays it at that rate."""
    video = FAKE_WEBCAM_320_15FPS.read_bytes()
    header, _, frames = video.partition(b"\n")
    assert b" F15:1 " in header, header
    faster = tmp_path / "pose_1_320x240_60fps.y4m"
    faster.write_bytes(header.replace(b" F15:1 ", b" F60:1 ") + b"\n" + frames)
    return faster


def test_2000_pose_frames_leak_no_tensor_proxy_or_memory(serve, open_page, small_default_sketch, camera_60fps):
    watch = open_page(serve(small_default_sketch) + "/?backend=wasm", fake_video=camera_60fps)
    watch.wait_for_status("running")
    soak = Soak(watch.page)
    lines = []
    warm, end = soak.run(
        WARMUP,
        every=600,
        frames=FRAMES,
        per_frame_timeout_s=PER_FRAME_TIMEOUT_S,
        report=lambda line: lines.append(line) or print("\n" + line, end=""),
    )
    assert end.poses >= FRAMES
    assert end.tensors_worker is not None and end.tensors_worker > 0, "the network did not run in the worker"
    assert end.frame - warm.frame >= (end.poses - warm.poses) // 2, "draw() did not keep running during the soak"
    problems = verdict(warm, end)
    assert not problems, "\n".join(problems + ["", *lines])
    assert watch.page.eval_on_selector("#status", "e => e.dataset.state") == "running"
    assert not watch.page_errors and not soak.page_errors, watch.page_errors + soak.page_errors
