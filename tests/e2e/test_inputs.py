"""ml5's poseNet inputs, geometry and models in a real page (wasm backend: fast on a CPU-only machine)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import TESTDATA_DIR
from tests.support.browser import FAKE_WEBCAM_640

EXPECTED = TESTDATA_DIR / "expected-js"


def reference(model: str, key: str = "estimateSinglePose"):
    data = json.loads((EXPECTED / model / "starter" / "expected.json").read_text())
    return data[key]


NOSE_075 = reference("mobilenet-float-075-stride16")["keypoints"][0]["position"]
NOSE_075_FLIPPED = reference("mobilenet-float-075-stride16", "estimateSinglePose_flipHorizontal")["keypoints"][0][
    "position"
]
NOSE_050 = reference("mobilenet-float-050-stride16")["keypoints"][0]["position"]

SETUP = """
from pyposenet import poseNet
import asyncio
import js
from pyodide.ffi import create_once_callable
img = js.document.createElement('img')
img.src = 'starter.png'
await img.decode()
def nose(results):
    return [results[0].pose.nose.x, results[0].pose.nose.y]
def canvas_of(img):
    canvas = js.document.createElement('canvas')
    canvas.width = img.naturalWidth
    canvas.height = img.naturalHeight
    canvas.getContext('2d').drawImage(img, 0, 0)
    return canvas
async def p5_image(path):
    loaded = asyncio.get_running_loop().create_future()
    js.window.pyposenet.bridge.p5.loadImage(path, create_once_callable(loaded.set_result))
    return await loaded
"""


@pytest.fixture
def blank_page(serve, open_page, image_sketch_dir):
    watch = open_page(serve(image_sketch_dir / "blank.py") + "/?backend=wasm")
    watch.wait_for_status("running")
    watch.python(SETUP)
    yield watch
    assert not watch.outside_requests(), watch.outside_requests()


@pytest.mark.parametrize(
    "make_input",
    [
        "img",
        # a canvas with the image drawn at its natural size
        "canvas_of(img)",
        # a p5.Image, as loadImage gives it
        "await p5_image('starter.png')",
        # an ImageBitmap
        "await js.createImageBitmap(img)",
    ],
    ids=["img", "canvas", "p5.Image", "ImageBitmap"],
)
def test_every_image_input_gives_the_reference_nose(blank_page, make_input):
    x, y = blank_page.python(f"""
net = await poseNet("single")
source = {make_input}
nose(await net.singlePose(source))
""")
    assert x == pytest.approx(NOSE_075["x"], abs=2) and y == pytest.approx(NOSE_075["y"], abs=2)


def test_flip_horizontal_mirrors_like_the_reference(blank_page):
    x, y = blank_page.python('net = await poseNet("single", {"flipHorizontal": True})\nnose(await net.singlePose(img))')
    assert x == pytest.approx(NOSE_075_FLIPPED["x"], abs=2) and y == pytest.approx(NOSE_075_FLIPPED["y"], abs=2)


def test_multiplier_050_model_gives_its_reference_nose(blank_page):
    x, y = blank_page.python('net = await poseNet("single", {"multiplier": 0.5})\nnose(await net.singlePose(img))')
    assert x == pytest.approx(NOSE_050["x"], abs=2) and y == pytest.approx(NOSE_050["y"], abs=2)


def test_fixed_size_385_model_with_outputs_in_another_order(blank_page):
    """extra/human-posenet-385: the same weights exported for a 385x385 input, outputs fwd, heatmap, bwd, offset."""
    theirs, ours = blank_page.python("""
net385 = await poseNet("single", {"modelUrl": "pyposenet/models/extra/human-posenet-385/posenet.json"})
net075 = await poseNet("single", {"inputResolution": 385})
[nose(await net385.singlePose(img)), nose(await net075.singlePose(img))]
""")
    assert theirs == pytest.approx(ours, abs=0.01)
    assert theirs[0] == pytest.approx(NOSE_075["x"], abs=4)


def test_keypoints_come_in_the_size_the_video_is_displayed(serve, open_page, image_sketch_dir):
    watch = open_page(serve(image_sketch_dir / "blank.py") + "/?backend=wasm", fake_video=FAKE_WEBCAM_640)
    watch.wait_for_status("running")
    full, half = watch.python("""
from pyposenet import poseNet
import js
from pyodide.ffi import to_js
stream = await js.navigator.mediaDevices.getUserMedia(to_js({"video": {"width": 640, "height": 480}}, dict_converter=js.Object.fromEntries))
video = js.document.createElement('video')
video.muted = True
video.srcObject = stream
js.document.body.appendChild(video)
await video.play()
video.pause()
net = await poseNet("single")
full = (await net.singlePose(video))[0].pose
video.width = 320
video.height = 240
half = (await net.singlePose(video))[0].pose
[[full.nose.x, full.nose.y, full.leftAnkle.x], [half.nose.x, half.nose.y, half.leftAnkle.x]]
""")
    assert half == pytest.approx([v / 2 for v in full], abs=0.01)


def test_stop_and_restart_continuous_detection(serve, open_page, image_sketch_dir):
    watch = open_page(serve(image_sketch_dir / "blank.py") + "/?backend=wasm", fake_video=FAKE_WEBCAM_640)
    watch.wait_for_status("running")
    watch.python("""
from pyposenet import poseNet
import js, asyncio
from pyodide.ffi import to_js
stream = await js.navigator.mediaDevices.getUserMedia(to_js({"video": True}, dict_converter=js.Object.fromEntries))
video = js.document.createElement('video')
video.muted = True
video.srcObject = stream
js.document.body.appendChild(video)
await video.play()
counts = []
net = await poseNet(video, "single")
net.on("pose", lambda results: counts.append(len(results)))
async def events_during(seconds):
    before = len(counts)
    await asyncio.sleep(seconds)
    return len(counts) - before
""")
    running = watch.python("await events_during(1.5)")
    stopped = watch.python("net.stop()\nawait asyncio.sleep(0.5)\nawait events_during(1.5)")
    restarted = watch.python("net.start()\nawait events_during(1.5)")
    assert running >= 3, running
    assert stopped == 0, stopped
    assert restarted >= 3, restarted


def test_auto_backend_picks_wasm_when_webgl_is_software(blank_page):
    renderer, backend = blank_page.python("""
net = await poseNet("single", {"backend": "auto"})
await net.singlePose(img)
from pyposenet_js import model
[model.webglRenderer(), js.tf.getBackend()]
""")
    assert "SwiftShader" in renderer  # headless Chromium on a machine without a GPU
    assert backend == "wasm"


def test_webgpu_runs_where_the_browser_can_else_says_why(blank_page):
    """WebGPU's script is served by the app; without a usable GPU adapter the error names the way out."""
    outcome = blank_page.python("""
try:
    net = await poseNet("single", {"backend": "webgpu"})
    outcome = ["ran", js.tf.getBackend(), nose(await net.singlePose(img))]
except Exception as exc:
    outcome = ["error", str(exc), None]
outcome
""")
    kind, detail, found = outcome
    if kind == "ran":
        assert detail == "webgpu"
        assert found == pytest.approx([NOSE_075["x"], NOSE_075["y"]], abs=2)
    else:
        assert 'backend "webgpu"' in detail and ("could not start" in detail or "needs WebGPU" in detail), detail
