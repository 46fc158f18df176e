"""ml5 1.x's bodyPose examples in a real browser on the fake camera (one page for every check: wasm backend).

bodypose_skeletal_connections.py runs first: its keypoints lie on the person, they are poseNet's on the same
frame, its canvas shows them in green and the skeleton in red. Then the page swaps in bodypose_keypoints.py
(the same Pyodide, a new p5 sketch): setup() waits for the model (p5's preload), the keypoints are drawn.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import REPO_ROOT, TESTDATA_DIR
from tests.support.browser import FAKE_WEBCAM_640, PageWatch, launch_chromium
from tests.support.sketch_poll import SKETCH_NAMESPACE as NAMESPACE
from tests.support.sketch_poll import poll

EXAMPLES = REPO_ROOT / "pyposenet" / "examples"

# Pixels of the sketch's canvas at points in sketch coordinates, read in the same task as a redraw.
CANVAS_PIXELS = """(points) => {
    const canvas = document.querySelector('#sketch canvas');
    const density = canvas.width / canvas.clientWidth;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const inside = (x, y) => x >= 0 && y >= 0 && x < canvas.clientWidth && y < canvas.clientHeight;
    return points.map(([x, y]) => inside(x, y)
        ? Array.from(ctx.getImageData(Math.floor(x * density), Math.floor(y * density), 1, 1).data.slice(0, 3))
        : null);  // a keypoint past the canvas's edge (PoseNet's can be): drawn off the canvas, nothing to read
}"""


def close(a, b, tolerance=3) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def freeze_and_read(watch: PageWatch, points_code: str) -> dict:
    """Stop the sketch's loop, draw once more, and read the canvas at the points `points_code` (Python) lists
    (and their "kinds", if it gives them); points past the canvas's edge are left out."""
    data = json.loads(watch.python(NAMESPACE + "bridge.p5.noLoop()\nbridge.p5.redraw()\n" + points_code))
    drawn = watch.page.evaluate(CANVAS_PIXELS, data["points"])
    kept = [i for i, pixel in enumerate(drawn) if pixel is not None]
    data["drawn"] = [drawn[i] for i in kept]
    data["points"] = [data["points"][i] for i in kept]
    if "kinds" in data:
        data["kinds"] = [data["kinds"][i] for i in kept]
    return data


@pytest.fixture(scope="module")
def page(playwright_instance, serve):
    """One page on the skeletal-connections example, for every test here (in order)."""
    context, profile = launch_chromium(playwright_instance, FAKE_WEBCAM_640)
    watch = PageWatch(context.new_page())
    watch.page.goto(serve(EXAMPLES / "bodypose_skeletal_connections.py") + "/?backend=wasm")
    poll(watch, "ns['poses']")
    yield watch
    context.close()
    shutil.rmtree(profile, ignore_errors=True)


def person_region() -> tuple[float, float, float, float]:
    """Where the dancer of pose_1.mp4 is in the 640x480 fake camera (576x576 scaled to 480 and centred), over
    the whole video, from the MoveNet keypoints shipped with it, 20 px wider on each side."""
    frames = json.loads((TESTDATA_DIR / "video" / "pose_1.json").read_text())
    scale, left = 480 / 576, (640 - 480) / 2
    xs = [left + point["x"] * scale for frame in frames for point in frame.values()]
    ys = [point["y"] * scale for frame in frames for point in frame.values()]
    return min(xs) - 20, min(ys) - 20, max(xs) + 20, max(ys) + 20


def test_keypoints_are_on_the_person_and_are_posenets(page):
    frame = page.python(
        NAMESPACE
        + """
import js, json
from pyposenet import poseNet
body_pose = ns['body_pose']
body_pose.detectStop()
element = js.document.querySelector('video')
element.pause()
poses = await body_pose.detect(element)   # the element itself: not detectStart's video, so not smoothed
net = await poseNet()
reference = await net.multiPose(element)  # poseNet's own results on the same frame
json.dumps({"poses": poses, "reference": [{"score": r.pose.score, "keypoints": r.pose.keypoints} for r in reference],
            "connections": body_pose.getConnections(), "model": body_pose.modelName})
"""
    )
    data = json.loads(frame)
    assert data["model"] == "PoseNet"
    assert data["connections"][:3] == [[0, 1], [0, 2], [1, 3]] and len(data["connections"]) == 16
    poses, reference = data["poses"], data["reference"]
    assert len(poses) >= 1
    assert [pose["confidence"] for pose in poses] == [r["score"] for r in reference if r["score"] >= 0.25]
    for pose, ref in zip(poses, reference, strict=False):
        for kp, ref_kp in zip(pose["keypoints"], ref["keypoints"], strict=True):
            assert (kp["x"], kp["y"], kp["confidence"]) == (
                ref_kp["position"]["x"],
                ref_kp["position"]["y"],
                ref_kp["score"],
            )
            assert pose[kp["name"]] == {"x": kp["x"], "y": kp["y"], "confidence": kp["confidence"]}
    x0, y0, x1, y1 = person_region()
    confident = [kp for kp in poses[0]["keypoints"] if kp["confidence"] > 0.5]
    assert len(confident) >= 8
    inside = [kp for kp in confident if x0 <= kp["x"] <= x1 and y0 <= kp["y"] <= y1]
    assert len(inside) >= 0.9 * len(confident), (confident, (x0, y0, x1, y1))
    box = poses[0]["box"]
    assert x0 <= box["xMin"] < box["xMax"] <= x1 and y0 <= box["yMin"] < box["yMax"] <= y1


def test_skeletal_connections_draws_keypoints_green_and_connections_red(page):
    page.python(  # resumed on the live camera (the test above froze it), from no poses
        NAMESPACE + "import js\n_ = js.document.querySelector('video').play()\nns['poses'] = []\n"
        "ns['body_pose'].detectStart(ns['video'], ns['got_poses'])\nbridge.p5.loop()"
    )
    poll(page, "ns['poses'] and all('id' in pose for pose in ns['poses'])")  # enableTracking's ids
    data = freeze_and_read(
        page,
        """
import json
points, kinds = [], []
for pose in ns['poses']:
    for kp in pose.keypoints:
        if kp.confidence > 0.1:
            points.append([kp.x, kp.y]); kinds.append("keypoint")
    for a, b in ns['connections']:
        pa, pb = pose.keypoints[a], pose.keypoints[b]
        if pa.confidence > 0.1 and pb.confidence > 0.1 and ((pa.x - pb.x) ** 2 + (pa.y - pb.y) ** 2) ** 0.5 > 40:
            points.append([(pa.x + pb.x) / 2, (pa.y + pb.y) / 2]); kinds.append("connection")
json.dumps({"points": points, "kinds": kinds})
""",
    )
    colours = {"keypoint": (0, 255, 0), "connection": (255, 0, 0)}
    for kind, share in (("keypoint", 0.9), ("connection", 0.7)):  # a line's middle may lie under another circle
        drawn = [px for px, k in zip(data["drawn"], data["kinds"], strict=True) if k == kind]
        assert len(drawn) >= 4, data
        assert sum(close(px, colours[kind]) for px in drawn) >= share * len(drawn), (kind, drawn)
    assert not page.page_errors


def test_keypoints_example_waits_for_the_model_in_preload_then_draws(page):
    started = page.python(
        NAMESPACE
        + """
import js
from pyodide.http import pyfetch
from pyposenet._browser.sketch import start_sketch
url = 'pyposenet/examples/bodypose_keypoints.py'
source = await (await pyfetch(url)).string()
bridge.dispose()
new = start_sketch(source, 'bodypose_keypoints.py', js.document.getElementById('sketch'), None, url)
[bool(new.p5._setupDone), new.runner.namespace['body_pose'].ready.done()]
"""
    )
    assert started == [False, False]  # preload() ran, setup() waits for the model
    poll(page, "ns['poses'] and bridge.p5._setupDone")
    data = freeze_and_read(
        page,
        "import json\npoints = [[kp.x, kp.y] for pose in ns['poses'] for kp in pose.keypoints if kp.confidence > 0.1]\n"
        "json.dumps({'points': points})",
    )
    assert len(data["points"]) >= 5
    assert sum(close(px, (0, 255, 0)) for px in data["drawn"]) >= 0.9 * len(data["drawn"]), data
    assert not page.page_errors
