"""A pose as the numbers a classifier learns from: 17 keypoints × (x, y) = 34, in keypoint order.

`pose_features(pose)` gives the positions as they are (pixels of the display): the numbers ml5's tutorials
feed to `KNNClassifier` and `neuralNetwork`. A classifier trained on them also learns where the person
stood and how big they looked, so it fails when they step aside or the camera is another size.

`pose_features(pose, body_relative=True)` centres them on the hips' midpoint and divides by the torso's
length (hips' midpoint to shoulders' midpoint): the same pose gives the same numbers anywhere in the
picture, at any size. The price: where the person is cannot be learnt, and the hips and shoulders must be in
view (a webcam at a desk that sees no hips gives guessed, jittery hips, and so jittery features).
docs/classify.md says more.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from .._compat import is_js_object
from ..parts import NUM_KEYPOINTS, PART_IDS, PART_NAMES

#: What each number of pose_features() is: "nose.x", "nose.y", "leftEye.x", ... (34 names).
FEATURE_NAMES = tuple(f"{part}.{axis}" for part in PART_NAMES for axis in ("x", "y"))
FEATURE_COUNT = len(FEATURE_NAMES)

_LEFT_HIP, _RIGHT_HIP = PART_IDS["leftHip"], PART_IDS["rightHip"]
_LEFT_SHOULDER, _RIGHT_SHOULDER = PART_IDS["leftShoulder"], PART_IDS["rightShoulder"]


def pose_features(pose: Any, body_relative: bool = False) -> list[float]:
    """34 numbers for a pose: x, y of each keypoint in PART_NAMES order (see the module's docstring).

    `pose` is an ml5 result (`results[0]`), its `pose`, or a list of 17 keypoints; a keypoint has
    `position {x, y}` (ml5 0.x) or `x`, `y` (ml5 1.x), and `part` or `name` when it has a name.
    """
    points = _points_of(pose)
    if not body_relative:
        return [c for point in points for c in point]
    hip_x, hip_y = _midpoint(points[_LEFT_HIP], points[_RIGHT_HIP])
    shoulder_x, shoulder_y = _midpoint(points[_LEFT_SHOULDER], points[_RIGHT_SHOULDER])
    torso = math.hypot(shoulder_x - hip_x, shoulder_y - hip_y)
    if not torso > 0:
        raise ValueError(
            "body-relative pose features need a torso: the shoulders' and the hips' midpoints are at the same place "
            f"({hip_x}, {hip_y}); use body_relative=False, or skip poses whose score is low"
        )
    return [c for x, y in points for c in ((x - hip_x) / torso, (y - hip_y) / torso)]


def poseFeatures(pose: Any, bodyRelative: bool = False) -> list[float]:
    """pose_features(pose, body_relative) under ml5-style names."""
    return pose_features(pose, bodyRelative)


def _midpoint(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return (a[0] + b[0]) / 2, (a[1] + b[1]) / 2


def _points_of(pose: Any) -> list[tuple[float, float]]:
    """(x, y) of the 17 keypoints in PART_NAMES order."""
    if is_js_object(pose):
        pose = pose.to_py()
    keypoints = _keypoints_of(pose)
    if len(keypoints) != NUM_KEYPOINTS:
        raise ValueError(
            f"a pose has {NUM_KEYPOINTS} keypoints ({', '.join(PART_NAMES)}), this one has {len(keypoints)}"
        )
    found = [_name_of(k) for k in keypoints]
    names = [name for name in found if isinstance(name, str)]
    if len(names) == NUM_KEYPOINTS:  # by name: a reordered list still gives each part its place
        if set(names) != set(PART_IDS):
            raise ValueError(
                f"a pose's keypoints are named once each from {', '.join(PART_NAMES)}; "
                f"these are {', '.join(map(str, names))}"
            )
        keypoints = [k for _, k in sorted(zip(names, keypoints, strict=True), key=lambda pair: PART_IDS[pair[0]])]
    return [_position_of(k, i) for i, k in enumerate(keypoints)]


def _keypoints_of(pose: Any) -> Sequence:
    if isinstance(pose, Mapping):
        if "pose" in pose and isinstance(pose["pose"], Mapping):  # an ml5 result: {pose, skeleton}
            pose = pose["pose"]
        if "keypoints" not in pose:
            raise TypeError(
                "pose_features() takes an ml5 result (results[0]), its pose (with `keypoints`) or a list of 17 "
                f"keypoints; got a mapping with keys {', '.join(map(str, pose)) or '(none)'}"
            )
        pose = pose["keypoints"]
    if isinstance(pose, str | bytes) or not isinstance(pose, Sequence):
        raise TypeError(
            "pose_features() takes an ml5 result (results[0]), its pose (with `keypoints`) or a list of 17 "
            f"keypoints; got {type(pose).__name__}"
        )
    return pose


def _name_of(keypoint: Any) -> object:
    if isinstance(keypoint, Mapping):
        return keypoint.get("part", keypoint.get("name"))
    return None


def _position_of(keypoint: Any, index: int) -> tuple[float, float]:
    where = f"keypoint {index} ({PART_NAMES[index]})"
    if not isinstance(keypoint, Mapping):
        raise TypeError(f"{where} is {keypoint!r}: a keypoint has `position {{x, y}}` or `x` and `y`")
    position = keypoint.get("position", keypoint)
    try:
        x, y = position["x"], position["y"]
    except (KeyError, TypeError):
        raise TypeError(f"{where} has no position: a keypoint has `position {{x, y}}` or `x` and `y`") from None
    for axis, value in (("x", x), ("y", y)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{where}'s {axis} is {value!r}: a keypoint's position is two finite numbers")
    return float(x), float(y)
