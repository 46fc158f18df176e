"""bodyPose("BlazePose") in a real browser on the fake camera: one page on the bodypose_blazepose_keypoints example.

The landmarks lie where the body is and, for the 17 COCO keypoints BlazePose shares with PoseNet, near PoseNet's
on the same frame; keypoints3D are there in metres; every file comes from the app (no request elsewhere) under
the page's CSP (no violation); the heavy model, absent from the app, is refused in words. Last, the same page swaps
in bodypose_blazepose_3d.py: keypoints3D drawn as a figure in p5's WEBGL mode.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import REPO_ROOT
from tests.support.browser import FAKE_WEBCAM_640, PageWatch, launch_chromium
from tests.support.sketch_poll import SKETCH_NAMESPACE as NAMESPACE
from tests.support.sketch_poll import poll

EXAMPLE = REPO_ROOT / "pyposenet" / "examples" / "bodypose_blazepose_keypoints.py"
CSP_WATCH = """window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"""
#: How far BlazePose's COCO keypoints may lie from PoseNet's, as a share of the person's height. The two models
#: were trained on different annotations (BlazePose's hips and ears sit elsewhere than COCO's), so they agree to a
#: few percent of the body, not to the pixel: measured here 0.3-6 % for head, torso and most joints over three
#: runs. A dancer's fast limbs differ more from frame to frame (an elbow or ankle 17-50 %: one model or the other
#: strays), so only the median over all points and the torso (shoulders, hips) each are held to a bound.
MEDIAN_TOLERANCE = 0.08
TORSO_TOLERANCE = 0.1
TORSO = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")


@pytest.fixture(scope="module")
def page(playwright_instance, serve):
    context, profile = launch_chromium(playwright_instance, FAKE_WEBCAM_640)
    context.add_init_script(CSP_WATCH)
    watch = PageWatch(context.new_page())
    watch.page.goto(serve(EXAMPLE) + "/?backend=wasm")
    poll(watch, "ns['poses']")
    yield watch
    context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def frame(page) -> dict:
    """BlazePose's and PoseNet's poses on one paused frame of the fake camera."""
    return json.loads(
        page.python(
            NAMESPACE
            + """
import js, json
from pyposenet import bodyPose, poseNet
body_pose = ns['body_pose']
body_pose.detectStop()
element = js.document.querySelector('video')
element.pause()
# a second instance shares the page's one solution; unsmoothed, its landmarks are this frame's own
unsmoothed = await bodyPose("BlazePose", {"enableSmoothing": False})
poses = await unsmoothed.detect(element)
net = await poseNet({"detectionType": "single"})
reference = await net.singlePose(element)
json.dumps({"poses": poses, "reference": [{"score": r.pose.score, "keypoints": r.pose.keypoints} for r in reference],
            "connections": body_pose.getSkeleton(), "model": unsmoothed.modelName})
"""
        )
    )


def test_landmarks_lie_on_the_person_near_posenets(frame):
    from pyposenet.bodypose.blazepose_keypoints import COCO_INDEX

    assert frame["model"] == "BlazePose"
    assert len(frame["connections"]) == 35 and [11, 12] in frame["connections"]
    (pose,) = frame["poses"]
    assert len(pose["keypoints"]) == 33 and pose["keypoints"][15]["name"] == "left_wrist"
    assert pose["left_wrist"]["x"] == pose["keypoints"][15]["x"]
    ref = frame["reference"][0]["keypoints"]
    height = pose["box"]["height"]
    assert height > 100, pose["box"]
    distances = {}
    for coco, (name, index) in enumerate(COCO_INDEX.items()):
        ours, theirs = pose["keypoints"][index], ref[coco]
        if ours["confidence"] > 0.5 and theirs["score"] > 0.5:
            dx, dy = ours["x"] - theirs["position"]["x"], ours["y"] - theirs["position"]["y"]
            distances[name] = (dx * dx + dy * dy) ** 0.5 / height
    assert len(distances) >= 8, distances
    assert sorted(distances.values())[len(distances) // 2] < MEDIAN_TOLERANCE, distances
    assert all(distances[name] < TORSO_TOLERANCE for name in TORSO if name in distances), distances
    assert sum(name in distances for name in TORSO) >= 3, distances


def test_keypoints3d_in_metres(frame):
    (pose,) = frame["poses"]
    points = pose["keypoints3D"]
    assert [p["name"] for p in points] == [p["name"] for p in pose["keypoints"]]
    assert all(abs(p[axis]) < 2 for p in points for axis in "xyz")  # metres, origin between the hips
    hips = [points[23], points[24]]
    assert all(abs(hips[0][axis] + hips[1][axis]) / 2 < 0.05 for axis in "xyz")
    assert pose["left_wrist"]["keypoint3D"]["z"] == points[15]["z"]


def test_everything_from_the_app_under_its_csp(page, frame):
    assert not page.outside_requests(), page.outside_requests()
    mediapipe = [url for url in page.requests if "@mediapipe/pose/" in url]
    assert any(url.endswith(".wasm") for url in mediapipe) and any(url.endswith(".tflite") for url in mediapipe)
    assert page.page.evaluate("window.cspViolations") == []
    assert not page.page_errors


def test_heavy_model_absent_is_said(page, frame):
    message = page.python(
        """
from pyposenet.bodypose.blazepose_options import resolve_blazepose_options
from pyposenet.bodypose.blazepose_page import PageBlazePose
from pyposenet.bodypose.models import UnavailableModelError
try:
    await PageBlazePose.shared().load(resolve_blazepose_options({"modelType": "heavy"}))
    message = "loaded"
except UnavailableModelError as error:
    message = str(error)
message
"""
    )
    assert "pose_landmark_heavy.tflite" in message and "'full'" in message


THREE_D_EXAMPLE = "pyposenet/examples/bodypose_blazepose_3d.py"
#: The WEBGL canvas read back through a 2D canvas: the bounds of what is not background, and the red (bones) and
#: green (joints) pixels. p5 keeps WEBGL's drawing buffer (preserveDrawingBuffer), so it can be read after draw().
WEBGL_PIXELS = """() => {
    const source = document.querySelector('#sketch canvas');
    const copy = document.createElement('canvas');
    copy.width = source.width; copy.height = source.height;
    const ctx = copy.getContext('2d');
    ctx.drawImage(source, 0, 0);
    const data = ctx.getImageData(0, 0, copy.width, copy.height).data;
    let red = 0, green = 0, top = copy.height, bottom = -1;
    for (let i = 0; i < data.length; i += 4) {
        const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
        if (r > 150 && g < 100 && b < 100) red += 1;
        if (g > 150 && r < 100 && b < 100) green += 1;
        if (r + g + b > 150) { const y = Math.floor(i / 4 / copy.width); top = Math.min(top, y); bottom = Math.max(bottom, y); }
    }
    return { webgl: !!source.getContext('webgl2') || !!source.getContext('webgl'), red, green, top, bottom,
             height: copy.height };
}"""


def test_3d_example_draws_the_world_landmarks_in_webgl(page, frame):
    """Last here: it swaps the page's sketch for bodypose_blazepose_3d.py (the one BlazePose solution is shared)."""
    page.python(
        f"""
import js
from pyodide.http import pyfetch
from pyposenet._browser.sketch import current_bridge, start_sketch
url = {THREE_D_EXAMPLE!r}
source = await (await pyfetch(url)).string()
current_bridge().dispose()
start_sketch(source, 'bodypose_blazepose_3d.py', js.document.getElementById('sketch'), None, url)
"""
    )
    poll(page, "ns['poses'] and len(ns['poses'][0].keypoints3D) == 33 and current_bridge().p5.frameCount > 2")
    page.python(NAMESPACE + "current_bridge().p5.noLoop()\ncurrent_bridge().p5.redraw()")
    drawn = page.page.evaluate(WEBGL_PIXELS)
    assert drawn["webgl"], drawn
    assert drawn["red"] > 200 and drawn["green"] > 50, drawn  # bones and joints drawn
    # a standing figure of ~1.5 m at 200 px/m: much of the canvas's height, not a dot
    assert drawn["bottom"] - drawn["top"] > 0.3 * drawn["height"], drawn
    assert not page.page_errors
