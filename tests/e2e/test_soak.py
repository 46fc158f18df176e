"""Long run: the default sketch detects 2,000 pose frames on the fake camera and nothing grows.

Measured at pose frame 200 (warm: model, caches and p5 settled) and at 2,000, with detection paused and
garbage collected in Python and JavaScript (tests/support/soak.py; `make soak` runs it for longer):
tensors on the page and in the worker and live PyProxies and JS objects held by Python are equal, the JS
heap grows < 5 %, Pyodide's and the worker's wasm memory and Python's object count stay within the
bounds tests/support/soak.py explains. How long it takes: docs/testing.md#long-runs.
"""

from __future__ import annotations

from tests.conftest import REPO_ROOT
from tests.support.browser import FAKE_WEBCAM_640
from tests.support.soak import Soak, verdict

DEFAULT_SKETCH = REPO_ROOT / "pyposenet" / "examples" / "webcam_skeleton.py"
FRAMES = 2000
WARMUP = 200
PER_FRAME_TIMEOUT_S = 0.4  # the camera gives 30 frames/s; 2.5/s would be a stall, even at load 8


def test_2000_pose_frames_leak_no_tensor_proxy_or_memory(serve, open_page):
    watch = open_page(serve(DEFAULT_SKETCH) + "/?backend=wasm", fake_video=FAKE_WEBCAM_640)
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
