"""The Coding Train's pose classifier, browser → CPython → browser: collect_poses.py collects two poses on the fake
camera and downloads ml5's data file; CPython loads it, trains a neuralNetwork and saves ml5's three model files
beside classify_poses.py; that sketch names each pose on frames it was not trained on.

Two browsers, their fake cameras playing two videos made at run time (tests/support/pose_videos.py), each from
its first frame: one of Warrior II then a sprinter's start, 3 s each, small on the left (collected), the other of
the same two poses, 3.5 s each, larger on the right (classified: frames never trained on). A marker in the
corner says which pose a frame shows. Both pages open at once; the classify page waits for its files (PoseNet's
too: it stays idle while the other collects) until CPython has saved the model.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from pyposenet import ml5
from pyposenet._host.nn_numpy import NumpyNetwork
from pyposenet.classify import FEATURE_COUNT
from tests.conftest import MODELS_DIR, REPO_ROOT
from tests.support.browser import LiveServer, PageWatch, launch_chromium
from tests.support.held_files import HeldFiles
from tests.support.pose_sketch_page import PoseSketchPage
from tests.support.pose_videos import (
    CLASSIFY_POSES,
    COLLECT_COUNTDOWN_S,
    COLLECT_POSES,
    COLLECT_SECONDS,
    write_pose_video,
)

EXAMPLES = REPO_ROOT / "pyposenet" / "examples"
COLLECT, CLASSIFY = EXAMPLES / "collect_poses.py", EXAMPLES / "classify_poses.py"
KEY_OF = {"A": "a", "B": "b"}  # collect_poses.py's LABELS, the other way round
MODEL_PATHS = ("/model.json", "/model_meta.json", "/model.weights.bin")  # beside the sketch, as it loads them
POSENET_PATHS = ("/pyposenet/models/",)
UNREACHABLE = "http://127.0.0.1:9/unreachable/"  # no model download: the shared models only
NETWORK = {"inputs": 34, "outputs": 2, "task": "classification"}
HELD_OUT_SAMPLES = 5  # per pose: distinct pose results on test frames
POSE_LAG_S = 1.0  # from a frame on the camera to its pose's label on the page, at most (a 2-core machine, loaded)
BOOT_S, COLLECT_S, TEST_S = 120, 60, 45

COLLECT_STATE = """
c = ns['collector']
json.dumps({"frame": frames, "state": c.state, "counts": c.counts})
"""
CLASSIFY_STATE = """json.dumps({"frame": frames, "label": ns['pose_label'], "ready": ns['brain_ready']})"""


@dataclass(frozen=True)
class Collected:
    file_name: str  # the download's
    data_file: Path
    counts: dict[str, int]  # the sketch's count per label


@dataclass(frozen=True)
class OpeningPage:
    page: PoseSketchPage
    files: HeldFiles  # what it waits for


@pytest.fixture(scope="module")
def sketch_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pose-classifier")
    for example in (COLLECT, CLASSIFY):
        shutil.copy(example, folder / example.name)
    return folder


@contextmanager
def browser_playing(playwright, segments, video: Path):
    """A Chromium whose fake camera plays `segments`, from their first frame for each page that opens it."""
    context, profile = launch_chromium(playwright, write_pose_video(video, segments))
    try:
        yield context
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def cameras(playwright_instance, tmp_path_factory):
    """The two browsers: one shows the poses to collect, the other the poses to classify."""
    folder = tmp_path_factory.mktemp("camera")
    with (
        browser_playing(playwright_instance, COLLECT_POSES, folder / "collect.mjpeg") as collecting,
        browser_playing(playwright_instance, CLASSIFY_POSES, folder / "classify.mjpeg") as classifying,
    ):
        yield collecting, classifying


def open_sketch(context, url: str, state: str) -> PoseSketchPage:
    watch = PageWatch(context.new_page())
    watch.page.goto(url + "/?backend=wasm", wait_until="commit")  # then up to BOOT_S for a pose, not goto's 30 s
    page = PoseSketchPage(watch, state)
    page.wait_for_first_pose(BOOT_S)
    return page


@pytest.fixture(scope="module")
def classify_page(cameras, sketch_folder):
    """classify_poses.py, opened at once, so that it starts while the other page does: its requests for PoseNet's
    files and the classifier's wait until `trained` has saved the classifier (`.files.release()`), so it stays out
    of the collecting page's way (2 cores), then loads both."""
    model_files = HeldFiles(MODEL_PATHS + POSENET_PATHS, timeout_s=BOOT_S + COLLECT_S + 60)
    server = LiveServer(
        {"SKETCH": sketch_folder / CLASSIFY.name, "MODELS_DIR": MODELS_DIR, "MODEL_BASE_URL": UNREACHABLE},
        middleware=model_files,
    )
    try:
        watch = PageWatch(cameras[1].new_page())
        watch.page.goto(server.url + "/?backend=wasm", wait_until="commit")
        yield OpeningPage(PoseSketchPage(watch, CLASSIFY_STATE), model_files)
    finally:
        model_files.release()
        server.close()


@pytest.fixture(scope="module")
def collected(cameras, serve, sketch_folder, classify_page, tmp_path_factory) -> Collected:
    """collect_poses.py: each label's key pressed as its training segment starts, then S."""
    page = open_sketch(cameras[0], serve(sketch_folder / COLLECT.name), COLLECT_STATE)
    page.python(f"ns['collector'].countdown = {COLLECT_COUNTDOWN_S}\nns['collector'].seconds = {COLLECT_SECONDS}")
    previous = None  # the segment of the last sample
    deadline = time.monotonic() + COLLECT_S
    while True:
        marker, state = page.sample()
        segment = (marker.pose, marker.phase) if marker and marker.pose else None
        counts, waiting = state["counts"], state["state"] == "waiting"
        if waiting and all(counts.get(label) for label in KEY_OF):
            break
        entered = previous is not None and segment != previous and segment is not None
        if entered and segment[1] == "train" and waiting and not counts.get(segment[0]):
            page.watch.page.keyboard.press(KEY_OF[segment[0]])
        previous = segment
        assert time.monotonic() < deadline and not page.error(), page.error() or f"not collected in time: {state}"
        page.watch.page.wait_for_timeout(30)
    with page.watch.page.expect_download() as download_info:
        page.watch.page.keyboard.press("s")
    download = download_info.value
    data_file = tmp_path_factory.mktemp("downloads") / download.suggested_filename
    download.save_as(data_file)
    assert not page.watch.page_errors
    page.watch.page.close()  # its PoseNet would slow the classify page down
    return Collected(download.suggested_filename, data_file, counts)


@pytest.fixture(scope="module")
def trained(collected, sketch_folder, classify_page) -> dict[str, int]:
    """A few lines of Python: the data file in, ml5's model files out beside classify_poses.py; their sizes."""
    brain = ml5.neuralNetwork(NETWORK, backend=NumpyNetwork(seed=1))
    brain.loadData(str(collected.data_file))
    brain.normalizeData()
    brain.train({"epochs": 50})
    saved = brain.save(str(sketch_folder / "model"))
    classify_page.files.release()
    return {Path(path).name: Path(path).stat().st_size for path in saved}


def test_collect_poses_downloads_ml5_data_that_cpython_loads_with_its_labels_and_counts(collected):
    assert collected.file_name == "poses.json"
    assert list(json.loads(collected.data_file.read_text())) == ["data"]
    brain = ml5.neuralNetwork(NETWORK)
    brain.loadData(str(collected.data_file))
    items = brain.getData()
    assert Counter(item["ys"]["0"] for item in items) == collected.counts
    assert all(len(item["xs"]) == FEATURE_COUNT for item in items)
    print(f"\ncollect_poses.py collected {collected.counts} ({collected.data_file.stat().st_size} bytes)")


def test_classify_poses_names_each_pose_on_frames_not_trained_on(trained, classify_page):
    assert set(trained) == {"model.json", "model.weights.bin", "model_meta.json"}
    page = classify_page.page
    page.wait_for_first_pose(BOOT_S)
    verdicts: dict[int, tuple[str, str]] = {}  # pose result (frame number) -> (pose shown, label drawn)
    segment, entered = None, -math.inf  # the camera's segment, and when the test saw it start (the first: -inf)
    deadline = time.monotonic() + TEST_S
    while min(sum(1 for shown, _ in verdicts.values() if shown == pose) for pose in KEY_OF) < HELD_OUT_SAMPLES:
        marker, state = page.sample()
        now_showing = (marker.pose, marker.phase) if marker and marker.pose else None
        if now_showing != segment:
            segment, entered = now_showing, (time.monotonic() if segment is not None else -math.inf)
        settled = time.monotonic() - entered > POSE_LAG_S  # the label drawn is of a pose from this segment
        if marker and marker.phase == "test" and marker.steady and settled and state["ready"]:
            verdicts.setdefault(state["frame"], (marker.pose, state["label"]))
        assert time.monotonic() < deadline and not page.error(), page.error() or f"too few test frames: {verdicts}"
        page.watch.page.wait_for_timeout(40)
    right = sum(shown == label for shown, label in verdicts.values())
    accuracy = right / len(verdicts)
    print(f"\nclassify_poses.py: held-out accuracy {right}/{len(verdicts)} = {accuracy:.0%}; model files {trained}")
    assert accuracy >= 0.9, verdicts
    for pose in KEY_OF:  # each pose is named, not one label for everything
        assert sum(label == pose for shown, label in verdicts.values() if shown == pose) >= 0.8 * HELD_OUT_SAMPLES
    assert not page.watch.page_errors
