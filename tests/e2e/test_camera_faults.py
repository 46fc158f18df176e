"""Camera faults in a real browser: refused, missing, no frames yet. Each is said on the page in plain
words and reaches the net's `error` event; the sketch keeps drawing; frames arriving late start
detection by themselves."""

from __future__ import annotations

import pytest

from tests.support.browser import SKETCHES, PageWatch

CAMERA_SKETCH = SKETCHES / "camera_errors.py"

SKETCH_STATE = """
from pyposenet._browser.sketch import current_bridge
ns = current_bridge().runner.namespace
[list(ns["errors"]), len(ns["poses"]), ns["draws"]]
"""


def wait_for_sketch_error(watch: PageWatch, timeout_ms: int = 120_000) -> None:
    """Until the sketch's net has reported an error event (the model loads first)."""
    watch.page.wait_for_function("() => window.pyposenet && window.pyposenet.bridge", timeout=timeout_ms)
    watch.page.wait_for_function(
        """() => { const ns = window.pyposenet.bridge.runner.namespace;
                   const errors = ns.get('errors'); const n = errors.length; errors.destroy(); ns.destroy();
                   return n > 0; }""",
        timeout=timeout_ms,
        polling=500,
    )


@pytest.mark.parametrize(
    "camera,says,advice",
    [
        (
            "denied",
            "the browser refused access to it (NotAllowedError",
            "Allow the camera for this site in the browser's site settings",
        ),
        ("none", "no camera was found (NotFoundError", "Plug in a camera"),
    ],
)
def test_camera_refused_or_missing_is_said_on_the_page_and_in_the_error_event(camera, says, advice, serve, open_page):
    watch = open_page(serve(CAMERA_SKETCH) + "/?backend=wasm", camera=camera)
    notice = watch.page.wait_for_selector("#notice", state="visible", timeout=120_000)
    shown = notice.inner_text()
    assert says in shown and advice in shown and "reload the page" in shown, shown
    wait_for_sketch_error(watch)
    errors, poses, draws = watch.python(SKETCH_STATE)
    assert len(errors) == 1, errors
    assert errors[0].startswith("CameraError: ") and says in errors[0] and advice in errors[0], errors[0]
    assert poses == 0
    # The sketch keeps running: draw() goes on, the page is not in an error state.
    watch.page.wait_for_timeout(1000)
    later = watch.python(SKETCH_STATE)[2]
    assert later > draws, (draws, later)
    assert watch.page.eval_on_selector("#status", "e => e.dataset.state") == "waiting for camera"
    assert watch.page.is_hidden("#error")
    assert says in watch.page.inner_text("#notice")
    assert not watch.page_errors, watch.page_errors


def test_video_without_frames_is_reported_then_detection_starts_when_frames_arrive(serve, open_page, image_sketch_dir):
    watch = open_page(serve(image_sketch_dir / "blank.py") + "/?backend=wasm")
    watch.wait_for_status("running")
    errors = watch.python("""
from pyposenet import poseNet
import asyncio, js
video = js.document.createElement('video')
video.muted = True
js.document.body.append(video)
errors, poses = [], []
net = poseNet(video, "single")
net.no_frames_notice_s = 2.0
net.on("error", lambda err: errors.append(f"{type(err).__name__}: {err}"))
net.on("pose", lambda results: poses.append(len(results)))
await net
for _ in range(100):
    if errors:
        break
    await asyncio.sleep(0.2)
errors
""")
    assert len(errors) == 1, errors
    assert errors[0].startswith("CameraError: the video has shown no frame for 2 s"), errors[0]
    shown = watch.page.inner_text("#notice")
    assert "no frame for 2 s" in shown and "Detection starts by itself when frames arrive" in shown, shown
    assert watch.page.eval_on_selector("#status", "e => e.dataset.state") == "waiting for camera"
    assert watch.python("len(poses)") == 0
    # Frames arrive: the starter image, streamed from a canvas into the video.
    poses = watch.python("""
img = js.document.createElement('img')
img.src = 'starter.png'
await img.decode()
canvas = js.document.createElement('canvas')
canvas.width, canvas.height = img.naturalWidth, img.naturalHeight
context = canvas.getContext('2d')
context.drawImage(img, 0, 0)
video.srcObject = canvas.captureStream(10)
await video.play()
for _ in range(150):
    context.drawImage(img, 0, 0)  # keep frames coming
    if len(poses) >= 3:
        break
    await asyncio.sleep(0.2)
[len(poses), len(errors)]
""")
    assert poses[0] >= 3, f"only {poses[0]} pose events after frames arrived"
    assert poses[1] == 1, "a second error after frames arrived"
    watch.page.wait_for_selector("#notice", state="hidden", timeout=10_000)
    assert watch.page.eval_on_selector("#status", "e => e.dataset.state") == "running"
    assert not watch.page_errors, watch.page_errors
