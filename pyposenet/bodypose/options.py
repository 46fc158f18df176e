"""bodyPose's options (ml5 1.x's names and defaults) and the poseNet options they become on PoseNet.

ml5 1.x (src/BodyPose/index.js) checks options against a schema per model and, on a bad value, warns and
uses the default. Here a bad value or an unknown name is a ValueError naming the option and what is allowed,
as for poseNet (pyposenet/options.py). Its defaults: `enableSmoothing` and `enableTracking` True,
`minPoseScore` 0.25, `flipHorizontal` (alias `flipped`) False, `trackerType` "boundingBox".
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from ..options import resolve_options

#: ml5 1.x's own options that bodyPose takes on PoseNet, with ml5 1.x's defaults.
BODYPOSE_DEFAULTS: dict[str, Any] = {
    "flipHorizontal": False,
    "enableSmoothing": True,
    "enableTracking": True,
    "minPoseScore": 0.25,
    "trackerType": "boundingBox",
    "trackerConfig": None,
    "modelType": None,
}
FLIPPED_ALIAS = "flipped"
TRACKER_TYPES = ("boundingBox", "keypoint")
#: MoveNet's modelType, as the pose count it asks for (PoseNet has one network for both).
MOVENET_MODEL_TYPES = {
    "SINGLEPOSE_LIGHTNING": "single",
    "SINGLEPOSE_THUNDER": "single",
    "MULTIPOSE_LIGHTNING": "multiple",
}
#: poseNet's options bodyPose passes through unchanged when it runs PoseNet (pyposenet/options.py).
POSENET_OPTIONS = (
    "architecture",
    "multiplier",
    "outputStride",
    "inputResolution",
    "quantBytes",
    "modelUrl",
    "maxPoseDetections",
    "scoreThreshold",
    "nmsRadius",
    "detectionType",
    "backend",
    "flipLabels",
)
#: Options of ml5 1.x's other models, which mean nothing to PoseNet: named in the refusal.
OTHER_MODELS_OPTIONS = {
    "multiPoseMaxDimension": "MoveNet's input size; on PoseNet set inputResolution",
    "runtime": "BlazePose's",
    "enableSegmentation": "BlazePose's",
    "smoothSegmentation": "BlazePose's",
    "solutionPath": "BlazePose's",
    "detectorModelUrl": "BlazePose's",
    "landmarkModelUrl": "BlazePose's",
}
KNOWN_OPTIONS = (*BODYPOSE_DEFAULTS, FLIPPED_ALIAS, *POSENET_OPTIONS)


@dataclass(frozen=True)
class BodyPoseOptions:
    """What bodyPose does itself (`flipped`, `minPoseScore`, `trackerType`) and the poseNet options of its net."""

    flipped: bool
    min_pose_score: float
    tracker_type: str
    posenet: dict[str, Any]


def _fail(name: str, value: Any, allowed: str) -> NoReturn:
    raise ValueError(f"bodyPose option {name!r}: got {value!r}; allowed: {allowed}")


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        _fail(name, value, "True or False")
    return value


def _flipped(user: Mapping[str, Any]) -> bool:
    """`flipHorizontal` or its alias `flipped` (ml5 1.x takes either; given both, they must agree)."""
    given = {name: _check_bool(name, user[name]) for name in ("flipHorizontal", FLIPPED_ALIAS) if name in user}
    if len(set(given.values())) > 1:
        _fail(
            FLIPPED_ALIAS,
            user[FLIPPED_ALIAS],
            f"the same as flipHorizontal ({user['flipHorizontal']!r}), or leave one out",
        )
    return next(iter(given.values()), BODYPOSE_DEFAULTS["flipHorizontal"])


def _min_pose_score(value: Any) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not 0 <= value <= 1:
        _fail("minPoseScore", value, "a number >= 0 and <= 1")
    return float(value)


def _tracker_type(value: Any) -> str:
    """Either of ml5's names, any case (ml5's enums are case-insensitive)."""
    for known in TRACKER_TYPES:
        if isinstance(value, str) and value.lower() == known.lower():
            return known
    _fail("trackerType", value, ", ".join(repr(t) for t in TRACKER_TYPES))


def _detection_type(user: Mapping[str, Any]) -> str | None:
    """poseNet's detectionType, or the one MoveNet's modelType asks for (SINGLEPOSE_* -> "single")."""
    model_type = user.get("modelType")
    if model_type is None:
        return user.get("detectionType")
    wanted = MOVENET_MODEL_TYPES.get(model_type.upper()) if isinstance(model_type, str) else None
    if wanted is None:
        _fail("modelType", model_type, ", ".join(repr(t) for t in MOVENET_MODEL_TYPES) + " (MoveNet's, any case)")
    if user.get("detectionType", wanted) != wanted:
        _fail("detectionType", user["detectionType"], f"{wanted!r} with modelType {model_type!r}, or leave one out")
    return wanted


def _check_names(user: Mapping[str, Any]) -> None:
    for name in user:
        if name in KNOWN_OPTIONS:
            continue
        if name in OTHER_MODELS_OPTIONS:
            raise ValueError(
                f"bodyPose option {name!r} is {OTHER_MODELS_OPTIONS[name]}: bodyPose('PoseNet') does not take it"
            )
        close = difflib.get_close_matches(name, KNOWN_OPTIONS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "."
        raise ValueError(f"unknown bodyPose option {name!r}{hint} Known options: {', '.join(KNOWN_OPTIONS)}")


def resolve_body_pose_options(user: Mapping[str, Any] | None = None) -> BodyPoseOptions:
    """Check `user` (ml5 1.x's options, and poseNet's where PoseNet runs) and split it: what bodyPose does,
    and the poseNet options of the net it runs (smoothing and tracking from enableSmoothing/enableTracking)."""
    user = dict(user or {})
    _check_names(user)
    if user.get("trackerConfig") is not None:
        _fail(
            "trackerConfig",
            user["trackerConfig"],
            "None: it configures pose-detection's trackers, which pyposenet does not run; bodyPose('PoseNet') "
            "tracks people with pyposenet's tracker and its defaults (docs/bodypose.md)",
        )
    smoothing = _check_bool("enableSmoothing", user.get("enableSmoothing", BODYPOSE_DEFAULTS["enableSmoothing"]))
    tracking = _check_bool("enableTracking", user.get("enableTracking", BODYPOSE_DEFAULTS["enableTracking"]))
    posenet = {name: user[name] for name in POSENET_OPTIONS if name in user}
    detection_type = _detection_type(user)
    if detection_type is not None:
        posenet["detectionType"] = detection_type
    flipped = _flipped(user)
    # poseNet mirrors x to width - 1 - x; bodyPose adds the 1 back (ml5 1.x's width - x): results.py
    posenet.update(flipHorizontal=flipped, smoothing=smoothing, tracking=tracking)
    try:
        resolved = resolve_options(posenet)
    except ValueError as error:
        raise ValueError(f"bodyPose('PoseNet'): {error}") from None
    return BodyPoseOptions(
        flipped=flipped,
        min_pose_score=_min_pose_score(user.get("minPoseScore", BODYPOSE_DEFAULTS["minPoseScore"])),
        tracker_type=_tracker_type(user.get("trackerType", BODYPOSE_DEFAULTS["trackerType"])),
        posenet=resolved,
    )
