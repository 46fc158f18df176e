"""train_poses.py (step 2 of the pose-classifier tutorial) in a real page: ml5.neuralNetwork trains on TF.js's
layers API in the page, draws its loss curve (debug), downloads ml5's three files, and those files load under
CPython and classify as the page does. One page for the module: the example trains as it loads, then the
tests look at what it did and train it once more.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from pathlib import Path

import pytest

from pyposenet import neuralNetwork
from tests.conftest import REPO_ROOT
from tests.support.browser import PageWatch, launch_chromium

EXAMPLE = REPO_ROOT / "pyposenet" / "examples" / "train_poses.py"
SAVED = ("model.json", "model.weights.bin", "model_meta.json")
PER_LABEL = (
    30  # rows of 34 numbers per label in the data file (the tutorial's: ~150); small: CI trains on software WebGL
)
BOOT_S, TRAIN_S = 120, 90
LOSS_COLORS = ((0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E))  # loss, val_loss (web/nn-train.js)


def pose_row(label: str, rng: random.Random) -> list[float]:
    """Pixel coordinates of a made-up pose: "A" rises along the keypoints, "B" falls; noise on each."""
    if label == "A":
        return [100 + 6 * i + rng.gauss(0, 12) for i in range(34)]
    return [320 - 5 * i + rng.gauss(0, 12) for i in range(34)]


def write_pose_data(folder: Path) -> None:
    """poses.json as step 1's saveData() writes it (ml5's {"data": [{"xs", "ys"}]})."""
    rng = random.Random(17)
    collector = neuralNetwork({"inputs": 34, "outputs": 2, "task": "classification"})
    for _ in range(PER_LABEL):
        for label in ("A", "B"):
            collector.addData(pose_row(label, rng), [label])
    collector.saveData(str(folder / "poses"))


def held_out_rows() -> tuple[list[list[float]], list[str]]:
    rng = random.Random(99)
    labels = ["A", "B"] * 10
    return [pose_row(label, rng) for label in labels], labels


class TrainPage:
    def __init__(self, watch: PageWatch, folder: Path):
        self.watch = watch
        self.folder = folder
        self.downloads: list = []
        watch.page.on("download", lambda download: self.downloads.append(download))

    def python(self, code: str):
        prelude = "import json\nfrom pyposenet._browser.sketch import current_bridge\n"
        prelude += "ns = current_bridge().runner.namespace\n"
        return self.watch.python(prelude + code)

    def state(self) -> dict:
        ready = self.watch.page.evaluate("() => !!(window.pyposenet && window.pyposenet.bridge)")
        if not ready:
            return {}
        return json.loads(self.python("json.dumps({'epoch': ns['epoch'], 'trained': ns['trained']})"))

    def error(self) -> str:
        return self.watch.page.inner_text("#error") if self.watch.page.is_visible("#error") else ""


@pytest.fixture(scope="module")
def train_page(playwright_instance, serve, tmp_path_factory):
    folder = tmp_path_factory.mktemp("train-poses")
    shutil.copy(EXAMPLE, folder / EXAMPLE.name)
    write_pose_data(folder)
    context, profile = launch_chromium(playwright_instance)
    try:
        watch = PageWatch(context.new_page())
        watch.page.goto(serve(folder / EXAMPLE.name) + "/")
        page = TrainPage(watch, folder)
        deadline = time.monotonic() + BOOT_S + TRAIN_S
        while not (page.state().get("trained") and len(page.downloads) >= len(SAVED)):
            assert time.monotonic() < deadline and not page.error(), page.error() or "not trained in time"
            watch.page.wait_for_timeout(200)
        yield page
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


def test_the_example_trains_in_the_page_and_draws_its_loss_curve(train_page):
    page = train_page
    assert page.state() == {"epoch": 50, "trained": True}  # whileTraining saw every epoch, then done() ran
    panel = page.watch.page.evaluate(
        """(colors) => {
            const canvas = document.querySelector('#sketch canvas.pyposenet-nn-loss');
            if (!canvas) return null;
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            const counts = colors.map(() => 0);
            for (let i = 0; i < data.length; i += 4) {
                colors.forEach(([r, g, b], k) => {
                    if (Math.abs(data[i] - r) < 8 && Math.abs(data[i + 1] - g) < 8 && Math.abs(data[i + 2] - b) < 8) counts[k]++;
                });
            }
            return {epochs: canvas.dataset.epochs, counts};
        }""",
        LOSS_COLORS,
    )
    assert panel is not None, "no loss panel beside the sketch"
    assert panel["epochs"] == "50"
    assert min(panel["counts"]) > 100, panel  # both curves are drawn (lines across the panel)
    assert not page.watch.page_errors


def test_the_downloaded_files_load_under_cpython_and_classify_as_the_page_does(train_page, tmp_path):
    page = train_page
    assert sorted(d.suggested_filename for d in page.downloads[-3:]) == sorted(SAVED)
    for download in page.downloads[-3:]:
        download.save_as(tmp_path / download.suggested_filename)
    rows, labels = held_out_rows()
    in_page = json.loads(page.python(f"json.dumps([[dict(r) for r in ns['brain'].classify(q)] for q in {rows!r}])"))

    on_host = neuralNetwork({"task": "classification"})
    on_host.load(str(tmp_path / "model.json"))
    here = on_host.classify(rows)
    for ours, theirs in zip(here, in_page, strict=True):
        assert [r.label for r in ours] == [r["label"] for r in theirs]
        assert [r.confidence for r in ours] == pytest.approx([r["confidence"] for r in theirs], abs=1e-5)
    right = sum(results[0]["label"] == label for results, label in zip(in_page, labels, strict=True))
    assert right >= 0.9 * len(labels), in_page  # it learned the two poses: rows it was not trained on


TRAIN_AGAIN = """
import json
import js
bridge = current_bridge()
epochs, done = [], []
tensors_before = js.tf.memory().numTensors
frame_before = bridge.p5.frameCount
def while_training(epoch, logs):
    epochs.append([epoch, bridge.p5.frameCount, sorted(logs)])
await ns['brain'].train({'epochs': 20}, while_training, lambda: done.append(bridge.p5.frameCount))
_ = [ns['brain'].classify([200.0] * 34) for _ in range(5)]
json.dumps({"epochs": epochs, "done": done, "frame_before": frame_before,
            "tensors": [tensors_before, js.tf.memory().numTensors]})
"""


def test_training_again_keeps_draw_running_and_leaves_no_tensor(train_page):
    page = train_page
    result = json.loads(page.python(TRAIN_AGAIN))
    epochs = result["epochs"]
    assert [e[0] for e in epochs] == list(range(20))
    assert all(e[2] == ["acc", "loss", "val_acc", "val_loss"] for e in epochs)
    assert len(result["done"]) == 1
    # draw() ran while it trained: p5 drew frames between the first epoch and the end
    assert result["done"][0] > epochs[0][1] >= result["frame_before"], result
    tensors_before, tensors_after = result["tensors"]
    assert tensors_after == tensors_before
    assert not page.watch.page_errors


def test_the_loss_panel_goes_with_the_sketch(train_page):
    """Last: it removes the sketch, as a reload or another sketch does."""
    page = train_page
    page.watch.python("from pyposenet._browser.sketch import current_bridge\ncurrent_bridge().dispose()")
    assert page.watch.page.evaluate("() => document.querySelectorAll('canvas.pyposenet-nn-loss').length") == 0
