"""knn_poses.py in a real page on the fake camera: it learns two poses from held keys, names them on frames it
was not trained on, and its files are ml5's (ml5's KNN, run on the page's TF.js, reads what it saves, and it
reads what ml5 saves). One page for the module: the tests run in order on the trained sketch.

The camera plays a video made at run time (tests/support/pose_videos.py): Warrior II and a sprinter's start, cut
from the shared photos, small on the left in the training segments, larger on the right in the test segments;
a marker in the corner says which pose and which segment a frame belongs to.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.support.browser import PageWatch, launch_chromium
from tests.support.ml5_knn import REFERENCE_JS
from tests.support.pose_videos import FRAME_SIZE, MARKER_SQUARE, READ_MARKER_JS, Marker, read_marker, write_pose_video

EXAMPLE = REPO_ROOT / "pyposenet" / "examples" / "knn_poses.py"
KEY_OF = {"A": "a", "B": "b"}
MIN_EXAMPLES = 4  # per pose, from one steady window of each training segment
HELD_OUT_SAMPLES = 8  # per pose: distinct pose results on test frames
BOOT_S, TRAIN_S, TEST_S = 120, 45, 45

# Python run in the page: what the sketch holds now, as JSON.
STATE = """
import json
from pyposenet._browser.sketch import current_bridge
from pyposenet.net import live_nets
ns = current_bridge().runner.namespace
_nets = live_nets()
_poses = ns['poses']
json.dumps({
    "frame": _nets[0].stats.frames if _nets else 0,
    "label": ns['label'],
    "counts": ns['knn'].getCountByLabel(),
    "features": ns['features_of'](_poses[0]) if _poses else None,
})
"""
SAMPLE_JS = f"""([square, frameWidth, code]) => {{
    const p = window.pyposenet;
    const state = p && p.bridge ? p.pyodide.runPython(code) : null;  // null: the sketch has not started yet
    return [({READ_MARKER_JS})([square, frameWidth]), state];
}}"""


class KnnPage:
    def __init__(self, watch: PageWatch, folder: Path):
        self.watch = watch
        self.folder = folder
        self.queries: dict[str, list[list[float]]] = {"A": [], "B": []}  # features of held-out frames

    def sample(self) -> tuple[Marker | None, dict]:
        pixels, state = self.watch.page.evaluate(SAMPLE_JS, [MARKER_SQUARE, FRAME_SIZE[0], STATE])
        return (read_marker(pixels) if pixels is not None else None), json.loads(state or '{"frame": 0}')

    def python(self, code: str):
        prelude = "from pyposenet._browser.sketch import current_bridge\nns = current_bridge().runner.namespace\n"
        return self.watch.python(prelude + code)

    def error(self) -> str:
        return self.watch.page.inner_text("#error") if self.watch.page.is_visible("#error") else ""


@pytest.fixture(scope="module")
def knn_page(playwright_instance, serve, tmp_path_factory):
    folder = tmp_path_factory.mktemp("knn-poses")
    shutil.copy(EXAMPLE, folder / EXAMPLE.name)
    video = write_pose_video(tmp_path_factory.mktemp("camera") / "two_poses_640x480.mjpeg")
    context, profile = launch_chromium(playwright_instance, video)
    try:
        watch = PageWatch(context.new_page())
        watch.page.goto(serve(folder / EXAMPLE.name) + "/?backend=wasm")
        page = KnnPage(watch, folder)
        deadline = time.monotonic() + BOOT_S
        while page.sample()[1]["frame"] < 1:
            assert time.monotonic() < deadline and not page.error(), page.error() or "no pose in time"
            watch.page.wait_for_timeout(200)
        yield page
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


def test_held_keys_teach_two_poses_and_it_names_them_on_frames_not_trained_on(knn_page):
    page, keyboard = knn_page, knn_page.watch.page.keyboard
    held = None
    deadline = time.monotonic() + TRAIN_S
    while True:  # hold A or B while the steady part of a training segment shows that pose
        marker, state = page.sample()
        want = KEY_OF[marker.pose] if marker and marker.pose and marker.phase == "train" and marker.steady else None
        if want != held:
            if held:
                keyboard.up(held)
            if want:
                keyboard.down(want)
            held = want
        counts = state["counts"]
        if held is None and min(counts.get("A", 0), counts.get("B", 0)) >= MIN_EXAMPLES:
            break
        assert time.monotonic() < deadline and not page.error(), page.error() or f"too few examples: {counts}"
        page.watch.page.wait_for_timeout(40)
    trained = counts

    verdicts: dict[int, tuple[str, str]] = {}  # pose result (frame number) -> (pose shown, label given)
    deadline = time.monotonic() + TEST_S
    while min(sum(1 for shown, _ in verdicts.values() if shown == pose) for pose in KEY_OF) < HELD_OUT_SAMPLES:
        marker, state = page.sample()
        if marker and marker.pose and marker.phase == "test" and marker.steady and state["frame"] not in verdicts:
            verdicts[state["frame"]] = (marker.pose, state["label"])
            if len(page.queries[marker.pose]) < 10:
                page.queries[marker.pose].append(state["features"])
        assert time.monotonic() < deadline and not page.error(), page.error() or f"too few test frames: {verdicts}"
        page.watch.page.wait_for_timeout(40)

    assert page.sample()[1]["counts"] == trained  # no example was added while testing
    right = sum(shown == label for shown, label in verdicts.values())
    accuracy = right / len(verdicts)
    print(f"\nknn_poses.py: {trained} examples; held-out accuracy {right}/{len(verdicts)} = {accuracy:.0%}")
    assert accuracy >= 0.9, verdicts
    for pose in KEY_OF:  # each pose is named, not one label for everything
        assert sum(label == pose for shown, label in verdicts.values() if shown == pose) >= 0.8 * HELD_OUT_SAMPLES


def test_s_downloads_ml5_json_that_ml5_classifies_alike(knn_page):
    page = knn_page
    assert page.queries["A"] and page.queries["B"], "the first test collects the held-out frames"
    with page.watch.page.expect_download() as download_info:
        page.watch.page.keyboard.press("s")
    download = download_info.value
    assert download.suggested_filename == "myKNN.json"
    text = Path(download.path()).read_text()
    saved = json.loads(text)
    counts = json.loads(page.python("json.dumps(list(ns['knn'].getCountByLabel().items()))"))  # in class order
    assert sorted(label for label, _ in counts) == ["A", "B"]
    assert [[entry["label"], entry["shape"][0]] for entry in saved["dataset"].values()] == counts

    queries = page.queries["A"] + page.queries["B"]
    ml5 = page.watch.page.evaluate(REFERENCE_JS.read_text(), {"load": text, "queries": queries, "k": 3})
    ours = json.loads(page.python(f"json.dumps([dict(ns['knn'].classify(q)) for q in {queries!r}])"))
    for mine, theirs in zip(ours, ml5["results"], strict=True):
        assert (mine["label"], mine["classIndex"]) == (theirs["label"], theirs["classIndex"])
        assert mine["confidencesByLabel"] == pytest.approx(theirs["confidencesByLabel"])


def test_l_loads_a_file_ml5_saved_beside_the_sketch(knn_page):
    page = knn_page
    dataset = json.loads(page.python("json.dumps(list(ns['knn'].getClassifierDataset().values()))"))
    labels = json.loads(page.python("json.dumps(list(ns['knn'].getCountByLabel()))"))  # in class order
    # ml5 gets the last class's examples first: its file numbers the classes the other way round
    examples = [[row, label] for rows, label in reversed(list(zip(dataset, labels, strict=True))) for row in rows]
    queries = page.queries["A"] + page.queries["B"]
    ml5 = page.watch.page.evaluate(REFERENCE_JS.read_text(), {"examples": examples, "queries": queries, "k": 5})
    (page.folder / "myKNN.json").write_text(ml5["saved"])

    page.python("ns['knn'].clearAllLabels()")
    page.watch.page.keyboard.press("l")
    expected = {label: len(rows) for rows, label in reversed(list(zip(dataset, labels, strict=True)))}
    deadline = time.monotonic() + 20
    while json.loads(page.python("json.dumps(ns['knn'].getCountByLabel())")) != expected:
        assert time.monotonic() < deadline and not page.error(), page.error() or "myKNN.json was not loaded"
        page.watch.page.wait_for_timeout(100)
    ours = json.loads(page.python(f"json.dumps([dict(ns['knn'].classify(q, 5)) for q in {queries!r}])"))
    for mine, theirs in zip(ours, ml5["results"], strict=True):
        assert (mine["label"], mine["classIndex"]) == (theirs["label"], theirs["classIndex"])
        assert mine["confidencesByLabel"] == pytest.approx(theirs["confidencesByLabel"])
    assert not page.watch.page_errors


def test_loading_a_file_that_is_not_ml5s_knn_format_is_named_on_the_page(knn_page):
    page = knn_page
    (page.folder / "notKNN.json").write_text('{"data": [{"xs": [1, 2], "ys": ["A"]}]}')
    page.python("_ = ns['knn'].load('notKNN.json')")
    page.watch.page.wait_for_selector("#error", state="visible", timeout=20_000)
    message = page.watch.page.inner_text("#error")
    assert "notKNN.json" in message and "neuralNetwork" in message and '"dataset"' in message, message
