"""The bundled examples in a real browser: each draws its colour at the keypoints it got (canvas pixels)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, TESTDATA_DIR
from tests.support.browser import FAKE_WEBCAM_640

EXAMPLES = REPO_ROOT / "pyposenet" / "examples"
WASM = "?backend=wasm"  # software WebGL is slow here: WASM gives many frames

# Python run in the page: stop the loop, draw once more with what the sketch has now, and say what was
# drawn where. The pixels are read in the same JavaScript task, so no frame can come in between.
FREEZE_AND_REDRAW = """
import json
from pyposenet._browser.sketch import current_bridge
bridge = current_bridge()
ns = bridge.runner.namespace
bridge.p5.noLoop()
bridge.p5.redraw()
"""

READ_PIXELS = """([code, mirrored]) => {
    const data = JSON.parse(window.pyposenet.pyodide.runPython(code));
    const canvas = document.querySelector('#sketch canvas');
    const density = canvas.width / data.width;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const at = (c, [x, y]) => Array.from(c.getImageData(Math.floor(x * density), Math.floor(y * density), 1, 1).data.slice(0, 3));
    data.drawn = data.points.map((p) => at(ctx, p));
    const video = document.querySelector('video');
    if (video) {  // the camera's own picture at the same places: the colour must come from the sketch
        const frame = document.createElement('canvas');
        frame.width = canvas.width; frame.height = canvas.height;
        const f = frame.getContext('2d', { willReadFrequently: true });
        if (mirrored) { f.translate(frame.width, 0); f.scale(-1, 1); }
        f.drawImage(video, 0, 0, frame.width, frame.height);
        data.camera = data.points.map((p) => at(f, p));
        data.grid = [];
        for (let y = 20; y < data.height; y += 40) for (let x = 20; x < data.width; x += 40) {
            data.grid.push([at(ctx, [x, y]), at(f, [x, y]), at(f, [data.width - 1 - x, y])]);
        }
    }
    return data;
}"""


def close(a, b, tolerance=3) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))


def wait_for_sketch(watch, condition: str, timeout_ms: int = 90_000) -> None:
    """Wait until the Python expression `condition` holds in the sketch's namespace."""
    watch.page.wait_for_function(
        """(cond) => {
            const p = window.pyposenet;
            if (document.getElementById('status').dataset.state === 'error') return true;
            return !!(p && p.bridge && p.pyodide.runPython(
                `from pyposenet._browser.sketch import current_bridge\\nns = current_bridge().runner.namespace\\nbool(${cond})`));
        }""",
        arg=condition,
        timeout=timeout_ms,
    )
    assert watch.page.eval_on_selector("#status", "e => e.dataset.state") != "error", watch.page.inner_text("#error")


def keypoints_json(poses_expr: str = "ns['poses']", min_score: float = 0.2) -> str:
    """Python: JSON of every confident keypoint of every pose (its pose index too), and the canvas size."""
    return (
        FREEZE_AND_REDRAW
        + f"""
points, owners = [], []
for index, result in enumerate({poses_expr}):
    for k in result.pose.keypoints:
        if k.score > {min_score}:
            points.append([k.position.x, k.position.y]); owners.append(index)
json.dumps({{"points": points, "owners": owners, "width": bridge.p5.width, "height": bridge.p5.height}})
"""
    )


def assert_drawn(data, colour_of_owner, share=0.9):
    """Most keypoints show the example's colour on the canvas, and the camera's picture there does not."""
    points = data["points"]
    assert len(points) >= 5, f"only {len(points)} confident keypoints"
    hits = [close(px, colour_of_owner(owner)) for px, owner in zip(data["drawn"], data["owners"], strict=False)]
    assert sum(hits) >= share * len(hits), list(zip(points, data["drawn"], strict=False))
    if "camera" in data:
        natural = [close(px, colour_of_owner(owner)) for px, owner in zip(data["camera"], data["owners"], strict=False)]
        assert sum(natural) <= 0.2 * len(natural), "the camera's picture already has that colour there"


def ns_value(watch, expr: str):
    return watch.python(
        f"from pyposenet._browser.sketch import current_bridge\nns = current_bridge().runner.namespace\n{expr}"
    )


# --------------------------------------------------------------------------------------------- examples


def test_webcam_skeleton_draws_red_keypoints(serve, open_page):
    watch = open_page(serve(EXAMPLES / "webcam_skeleton.py") + "/" + WASM, fake_video=FAKE_WEBCAM_640)
    wait_for_sketch(watch, "ns['poses']")
    data = watch.page.evaluate(READ_PIXELS, [keypoints_json(), False])
    assert_drawn(data, lambda owner: (255, 0, 0))
    assert not watch.page_errors


@pytest.fixture(scope="session")
def runner_sketch_dir(tmp_path_factory) -> Path:
    """image_single.py with the shared runner.jpg beside it (copied: shared images are never committed)."""
    folder = tmp_path_factory.mktemp("image-single")
    shutil.copy(EXAMPLES / "image_single.py", folder / "image_single.py")
    shutil.copy(TESTDATA_DIR / "images" / "runner.jpg", folder / "runner.jpg")
    return folder


def test_image_single_draws_the_runner_pose(serve, open_page, runner_sketch_dir):
    watch = open_page(serve(runner_sketch_dir / "image_single.py") + "/" + WASM)
    wait_for_sketch(watch, "ns['poses']")
    data = watch.page.evaluate(READ_PIXELS, [keypoints_json(), False])
    assert (data["width"], data["height"]) == (640, 360)  # the canvas takes the image's size
    colour = tuple(ns_value(watch, "list(ns['KEYPOINT_COLOR'])"))
    assert_drawn(data, lambda owner: colour, share=1.0)
    assert len(data["owners"]) >= 12 and set(data["owners"]) == {0}
    # the picture itself is drawn under the pose: the canvas is not blank where no keypoint is
    corner = watch.page.evaluate(
        "() => Array.from(document.querySelector('canvas').getContext('2d').getImageData(5, 5, 1, 1).data)"
    )
    assert corner[3] == 255 and corner[:3] != [240, 240, 240]
    assert not watch.page_errors


def test_image_single_says_when_the_image_is_missing(serve, open_page):
    """On the bundled pyposenet/examples/ route there is no runner.jpg: the sketch says what to do."""
    watch = open_page(serve(EXAMPLES / "webcam_skeleton.py") + "/?example=image_single.py&backend=wasm")
    wait_for_sketch(watch, "'missing' in ns['message']")
    message = ns_value(watch, "ns['message']")
    assert "runner.jpg" in message and "beside image_single.py" in message
    assert watch.page.eval_on_selector("#status", "e => e.dataset.state") != "error"
    assert watch.page.inner_text("#sketch-name") == "image_single.py"


def test_follow_nose_draws_a_circle_on_the_nose(serve, open_page):
    watch = open_page(serve(EXAMPLES / "follow_nose.py") + "/" + WASM, fake_video=FAKE_WEBCAM_640)
    watch.wait_for_status("running")
    watch.python(
        "from pyposenet.net import live_nets\nnoses = []\n"  # a statement: no PyProxy goes back
        "_ = live_nets()[0].on('pose', lambda r: r and noses.append((r[0].pose.nose.x, r[0].pose.nose.y)))"
    )
    wait_for_sketch(watch, "ns['nose_x'] is not None")
    watch.page.wait_for_function("() => window.pyposenet.pyodide.runPython('len(noses) >= 3')", timeout=60_000)
    code = (
        FREEZE_AND_REDRAW
        + """
from __main__ import noses
x, y = ns['nose_x'], ns['nose_y']
json.dumps({"points": [[x, y], [x - 18, y], [x + 18, y], [x, y - 18], [x, y + 18]], "owners": [0] * 5,
            "nose": noses[-1], "width": bridge.p5.width, "height": bridge.p5.height})
"""
    )
    data = watch.page.evaluate(READ_PIXELS, [code, False])
    colour = tuple(ns_value(watch, "list(ns['NOSE_COLOR'])"))
    assert all(close(px, colour) for px in data["drawn"]), data["drawn"]  # a 50 px disc around the point
    (x, y), (nx, ny) = data["points"][0], data["nose"]
    assert abs(x - nx) < 60 and abs(y - ny) < 60, ((x, y), (nx, ny))  # it follows the nose (eased)
    assert 80 <= nx <= 560


@pytest.fixture(scope="session")
def three_people_camera(tmp_path_factory) -> Path:
    """A fake camera (MJPEG: JPEG frames one after the other) showing the shared three_people.jpg at 640x480."""
    from PIL import Image

    picture = Image.open(TESTDATA_DIR / "images" / "three_people.jpg").convert("RGB")
    picture.thumbnail((640, 480))
    frame = Image.new("RGB", (640, 480))
    frame.paste(picture, ((640 - picture.width) // 2, (480 - picture.height) // 2))
    buffer = io.BytesIO()
    frame.save(buffer, "JPEG", quality=92)
    path = tmp_path_factory.mktemp("camera") / "three_people_640x480.mjpeg"
    path.write_bytes(buffer.getvalue() * 30)
    return path


def test_multi_pose_colors_gives_each_person_a_colour(serve, open_page, three_people_camera):
    watch = open_page(serve(EXAMPLES / "multi_pose_colors.py") + "/" + WASM, fake_video=three_people_camera)
    wait_for_sketch(watch, "len(ns['poses']) >= 3")  # three people
    data = watch.page.evaluate(READ_PIXELS, [keypoints_json(), False])
    colours = [tuple(c) for c in ns_value(watch, "[list(ns['color_of'](i)) for i in range(len(ns['poses']))]")]
    assert len(set(data["owners"])) >= 3 and len(set(colours)) == len(colours)
    # later people are drawn over earlier ones where they overlap: most, not all, keep their own colour
    assert_drawn(data, lambda owner: colours[owner], share=0.8)
    for owner in set(data["owners"]):
        mine = [px for px, o in zip(data["drawn"], data["owners"], strict=False) if o == owner]
        assert sum(close(px, colours[owner]) for px in mine) >= 0.6 * len(mine), (owner, mine)


def test_mirrored_webcam_draws_the_skeleton_on_the_mirrored_person(serve, open_page):
    watch = open_page(serve(EXAMPLES / "mirrored_webcam.py") + "/" + WASM, fake_video=FAKE_WEBCAM_640)
    wait_for_sketch(watch, "ns['poses']")
    # Freeze the camera; detect on that frame mirrored (the example's net) and plain (a second net).
    noses = watch.python("""
from pyposenet import poseNet
from pyposenet.net import live_nets
import js
net = live_nets()[0]
net.stop()
video = js.document.querySelector('video')
video.pause()
mirrored = await net.singlePose()   # emits "pose": the sketch now holds this frame's poses
plain_net = await poseNet("single")
plain = await plain_net.singlePose(video)
[mirrored[0].pose.nose.x, plain[0].pose.nose.x, mirrored[0].pose.nose.y, plain[0].pose.nose.y]
""")
    assert noses[0] == pytest.approx(639 - noses[1], abs=1.0)
    assert noses[2] == pytest.approx(noses[3], abs=1.0)
    data = watch.page.evaluate(READ_PIXELS, [keypoints_json(), True])
    colour = tuple(ns_value(watch, "list(ns['KEYPOINT_COLOR'])"))
    assert_drawn(data, lambda owner: colour)
    # The picture under the skeleton is the camera's, mirrored: compare a grid of pixels both ways.
    mirrored_diff = sum(sum(abs(a - b) for a, b in zip(drawn, m, strict=False)) for drawn, m, _ in data["grid"])
    plain_diff = sum(sum(abs(a - b) for a, b in zip(drawn, p, strict=False)) for drawn, _, p in data["grid"])
    assert mirrored_diff < 0.25 * plain_diff, (mirrored_diff, plain_diff)
    assert not watch.page_errors


def test_examples_are_listed_in_the_picker(serve, open_page):
    watch = open_page(serve(EXAMPLES / "webcam_skeleton.py") + "/" + WASM, fake_video=FAKE_WEBCAM_640)
    watch.wait_for_status("running")
    values = watch.page.eval_on_selector_all("#examples option", "os => os.map(o => o.value)")
    for name in (
        "webcam_skeleton.py",
        "image_single.py",
        "follow_nose.py",
        "multi_pose_colors.py",
        "mirrored_webcam.py",
        "bodypose_keypoints.py",  # tests/e2e/test_bodypose.py runs these two
        "bodypose_skeletal_connections.py",
        "bodypose_blazepose_keypoints.py",  # tests/e2e/test_bodypose_blazepose.py runs these two
        "bodypose_blazepose_3d.py",
        "collect_poses.py",  # tests/e2e/test_classify_nn_examples.py runs these two
        "classify_poses.py",
        "train_poses.py",  # tests/e2e/test_classify_nn_train.py runs it
    ):
        assert name in values
