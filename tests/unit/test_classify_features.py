"""pose_features / poseFeatures: a pose as 34 numbers, as given or body-relative."""

from __future__ import annotations

import math

import pytest

from pyposenet import pose_features, poseFeatures
from pyposenet.classify import FEATURE_COUNT, FEATURE_NAMES
from pyposenet.parts import PART_IDS, PART_NAMES
from pyposenet.results import Record


def a_pose(dx: float = 0.0, dy: float = 0.0, scale: float = 1.0) -> Record:
    """An ml5 result whose keypoint i sits at (10 + 3i, 20 + 5i), with shoulders above hips, moved and scaled."""
    keypoints = []
    for i, part in enumerate(PART_NAMES):
        x, y = 10 + 3 * i, 20 + 5 * i
        if part.endswith("Shoulder"):
            y -= 100
        keypoints.append(Record(score=0.9, part=part, position=Record(x=x * scale + dx, y=y * scale + dy)))
    pose = Record(score=0.9, keypoints=keypoints)
    return Record(pose=pose, skeleton=[])


def test_features_are_each_keypoints_x_and_y_in_keypoint_order():
    features = pose_features(a_pose())
    assert len(features) == FEATURE_COUNT == 34 == len(FEATURE_NAMES)
    assert FEATURE_NAMES[:4] == ("nose.x", "nose.y", "leftEye.x", "leftEye.y")
    wrist = PART_IDS["leftWrist"]
    assert features[2 * wrist : 2 * wrist + 2] == [10 + 3 * wrist, 20 + 5 * wrist]


def test_a_result_its_pose_its_keypoints_and_ml5_1x_keypoints_give_the_same_features():
    result = a_pose()
    expected = pose_features(result)
    assert pose_features(result.pose) == expected
    assert pose_features(result.pose.keypoints) == expected
    flat = [{"name": k.part, "x": k.position.x, "y": k.position.y, "score": k.score} for k in result.pose.keypoints]
    assert pose_features({"keypoints": flat}) == expected
    assert poseFeatures(result) == expected


def test_named_keypoints_are_placed_by_name_whatever_their_order():
    result = a_pose()
    shuffled = list(reversed(result.pose.keypoints))
    assert pose_features(shuffled) == pose_features(result)


def test_body_relative_features_do_not_change_when_the_person_moves_or_the_picture_is_bigger():
    here = pose_features(a_pose(), body_relative=True)
    there = pose_features(a_pose(dx=250, dy=-40, scale=2.5), body_relative=True)
    assert there == pytest.approx(here)
    assert pose_features(a_pose(dx=250), body_relative=False) != pose_features(a_pose(), body_relative=False)


def test_body_relative_features_centre_on_the_hips_and_measure_in_torso_lengths():
    features = poseFeatures(a_pose(dx=7, scale=3), bodyRelative=True)
    point = {part: (features[2 * i], features[2 * i + 1]) for i, part in enumerate(PART_NAMES)}
    hips = [(a + b) / 2 for a, b in zip(point["leftHip"], point["rightHip"], strict=True)]
    shoulders = [(a + b) / 2 for a, b in zip(point["leftShoulder"], point["rightShoulder"], strict=True)]
    assert hips == pytest.approx([0, 0], abs=1e-12)
    assert math.dist(hips, shoulders) == pytest.approx(1.0)


def test_a_pose_without_a_torso_has_no_body_relative_features():
    keypoints = [{"part": part, "position": {"x": 5.0, "y": 5.0}} for part in PART_NAMES]
    assert len(pose_features(keypoints)) == 34
    with pytest.raises(ValueError, match="shoulders' and the hips' midpoints are at the same place"):
        pose_features(keypoints, body_relative=True)


@pytest.mark.parametrize(
    ("pose", "error", "words"),
    [
        ([{"position": {"x": 1, "y": 2}}] * 16, ValueError, "has 16"),
        ({"score": 0.5}, TypeError, "keys score"),
        ("nose", TypeError, "got str"),
        (
            [{"part": part, "position": {"x": 1, "y": 2}} for part in PART_NAMES[:-1]] + [{"part": "tail"}],
            ValueError,
            "tail",
        ),
        ([{"position": {"x": 1, "y": 2}}] * 16 + [{"score": 1}], TypeError, "rightAnkle\\) has no position"),
        ([{"position": {"x": 1, "y": 2}}] * 16 + [{"x": float("nan"), "y": 1}], ValueError, "x is nan"),
        ([{"position": {"x": 1, "y": 2}}] * 16 + [{"x": "3", "y": 1}], ValueError, "x is '3'"),
        ([{"position": {"x": 1, "y": 2}}] * 16 + [(1, 2)], TypeError, "keypoint 16"),
    ],
)
def test_what_is_not_a_pose_is_named(pose, error, words):
    with pytest.raises(error, match=words):
        pose_features(pose)
