"""PoseCollector: a label key, a countdown, then poses collected for a neuralNetwork or a KNNClassifier, and the
state drawn on the canvas; on a fake clock and fake poses."""

from __future__ import annotations

import pytest

from pyposenet import ml5
from pyposenet.classify import PoseCollector, poseFeatures
from pyposenet.parts import PART_NAMES
from pyposenet.results import Record


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class RecordingCanvas:
    """p5's drawing calls, recorded."""

    width = 640

    def __init__(self):
        self.calls: list[tuple] = []

    def __getattr__(self, name):
        return lambda *args: self.calls.append((name, *args))

    def texts(self) -> list[str]:
        return [call[1] for call in self.calls if call[0] == "text"]


def a_pose(arm_up: bool, score: float = 0.9, shift: float = 0.0) -> Record:
    """An ml5 result: a standing person, the left wrist raised or lowered."""
    keypoints = []
    for i, part in enumerate(PART_NAMES):
        x, y = 300 + 4 * i + shift, 100 + 20 * i
        if part == "leftWrist":
            y = 50 if arm_up else 300
        keypoints.append(Record(score=score, part=part, position=Record(x=x, y=y)))
    return Record(pose=Record(score=score, keypoints=keypoints), skeleton=[])


@pytest.fixture
def clock():
    return FakeClock()


def brain():
    return ml5.neuralNetwork({"inputs": 34, "outputs": 2, "task": "classification"})


def labels_added(network) -> list[str]:
    return [item["ys"]["0"] for item in network.getData()]


def test_a_label_key_counts_down_then_collects_for_the_given_seconds(clock):
    network = brain()
    collector = PoseCollector(network, keys={"a": "up"}, countdown=3, seconds=2, clock=clock)
    assert collector.keyPressed("a") is True
    assert (collector.state, collector.label) == ("countdown", "up")
    clock.now += 2.75
    assert collector.add(a_pose(True)) is False  # still counting down: nothing learnt while getting into the pose
    clock.now += 0.25
    for _ in range(5):
        assert collector.add(a_pose(True)) is True
        clock.now += 0.25
    assert collector.state == "collecting"
    clock.now += 0.75  # 2 s after the countdown ended
    assert collector.add(a_pose(True)) is False
    assert collector.state == "waiting"
    assert labels_added(network) == ["up"] * 5
    assert collector.counts == {"up": 5}


def test_samples_stops_after_that_many_poses_and_counts_add_up_per_label(clock):
    network = brain()
    collector = PoseCollector(network, keys="ab", countdown=0, seconds=None, samples=3, clock=clock)
    collector.keyPressed("a")
    added_a = [collector.add(a_pose(True)) for _ in range(5)]
    assert collector.state == "waiting"
    collector.keyPressed("b")
    added_b = [collector.add(a_pose(False)) for _ in range(4)]
    assert added_a == [True, True, True, False, False]
    assert added_b == [True, True, True, False]
    assert collector.counts == {"a": 3, "b": 3}
    assert labels_added(network) == ["a"] * 3 + ["b"] * 3


def test_the_features_added_are_pose_features_as_asked(clock):
    network = brain()
    collector = PoseCollector(network, keys="a", countdown=0, seconds=10, bodyRelative=True, clock=clock)
    collector.keyPressed("a")
    pose = a_pose(True, shift=120)
    collector.add(pose)
    (item,) = network.getData()
    assert list(item["xs"].values()) == poseFeatures(pose, bodyRelative=True)
    assert list(item["xs"].values()) == poseFeatures(a_pose(True), bodyRelative=True)  # wherever the person stands


def test_it_collects_for_a_knn_classifier_too(clock):
    knn = ml5.KNNClassifier()
    collector = PoseCollector(knn, keys={"a": "up", "b": "down"}, countdown=1, seconds=1, clock=clock)
    for key, pose in (("a", a_pose(True)), ("b", a_pose(False))):
        collector.keyPressed(key)
        clock.now += 1
        collector.add(pose)
        collector.add(pose)
        clock.now += 1
    assert knn.getCountByLabel() == {"up": 2, "down": 2} == collector.counts
    assert knn.classify(poseFeatures(a_pose(True))).label == "up"


def test_keys_that_are_not_labels_change_nothing(clock):
    collector = PoseCollector(brain(), keys={"a": "up"}, countdown=0, seconds=1, clock=clock)
    assert collector.keyPressed("s") is False
    assert collector.keyPressed(None) is False
    assert (collector.state, collector.label) == ("waiting", None)
    assert collector.add(a_pose(True)) is False
    anything = PoseCollector(brain(), countdown=0, seconds=1, clock=clock)  # keys=None: any one character
    assert [anything.keyPressed(k) for k in ("Shift", "ArrowUp", " ", "y")] == [False, False, False, True]
    assert anything.label == "y"


def test_the_collecting_ends_by_the_clock_even_when_no_pose_came(clock):
    collector = PoseCollector(brain(), keys="a", countdown=1, seconds=2, clock=clock)
    collector.keyPressed("a")
    clock.now += 2.5  # no pose since the key: the countdown ended 1.5 s ago
    assert collector.update() == "collecting"
    clock.now += 0.5
    assert collector.add(a_pose(True)) is False
    assert collector.state == "waiting"


def test_another_label_key_starts_over_with_the_new_label(clock):
    network = brain()
    collector = PoseCollector(network, keys="ab", countdown=2, seconds=5, clock=clock)
    collector.keyPressed("a")
    clock.now += 2.5
    collector.add(a_pose(True))
    collector.keyPressed("b")  # while collecting a
    assert (collector.state, collector.label) == ("countdown", "b")
    assert collector.add(a_pose(False)) is False
    clock.now += 2
    assert collector.add(a_pose(False)) is True
    assert labels_added(network) == ["a", "b"]


def test_poses_scoring_under_min_pose_score_are_skipped(clock):
    network = brain()
    collector = PoseCollector(network, keys="a", countdown=0, seconds=5, minPoseScore=0.3, clock=clock)
    collector.keyPressed("a")
    assert collector.add(a_pose(True, score=0.1)) is False
    assert collector.add(a_pose(True, score=0.5)) is True
    assert collector.counts == {"a": 1}


def test_draw_shows_the_label_the_countdown_and_the_counts(clock):
    collector = PoseCollector(brain(), keys={"a": "up", "b": "down"}, countdown=3, seconds=1, clock=clock)
    canvas = RecordingCanvas()
    collector.draw(canvas)
    assert canvas.texts()[0] == "press a, b to collect a pose"
    assert ("rect", 0, 0, 640, 56) in canvas.calls
    assert canvas.calls[0] == ("push",) and canvas.calls[-1] == ("pop",)  # the sketch's style is left as it was

    collector.keyPressed("a")
    clock.now += 0.5
    canvas = RecordingCanvas()
    collector.draw(canvas)
    assert canvas.texts()[0] == "up: strike the pose... 3"
    clock.now += 1.2
    assert collector.status().startswith("up: strike the pose... 2")

    clock.now += 1.3
    collector.add(a_pose(True))
    collector.add(a_pose(True))
    canvas = RecordingCanvas()
    collector.draw(canvas)
    assert canvas.texts() == ["up: collecting 2", "up 2"]
    clock.now += 1
    assert collector.status() == "press a, b to collect a pose\nup 2"


def test_draw_outside_the_page_asks_for_a_canvas():
    with pytest.raises(RuntimeError, match=r"draw\(canvas\)"):
        PoseCollector(brain()).draw()


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"classifier": object()}, TypeError, "neuralNetwork .addData. or an ml5.KNNClassifier"),
        ({"countdown": -1}, ValueError, "countdown must be ≥ 0 seconds, got -1"),
        ({"seconds": 0}, ValueError, "seconds must be > 0 seconds"),
        ({"seconds": "5"}, ValueError, "seconds must be a number of seconds, got '5'"),
        ({"seconds": None}, ValueError, "needs seconds=... or samples="),
        ({"samples": 0}, ValueError, r"samples must be a whole number > 0 \(or None\), got 0"),
        ({"keys": ""}, ValueError, "keys: give at least one key"),
        ({"keys": {"a": ""}}, ValueError, "non-empty label"),
        ({"keys": 5}, TypeError, "keys: a string of keys"),
    ],
)
def test_bad_settings_are_named(arguments, error, message):
    settings = {"classifier": brain(), **arguments}
    with pytest.raises(error, match=message):
        PoseCollector(settings.pop("classifier"), **settings)
