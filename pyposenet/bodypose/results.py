"""poseNet's results in ml5 1.x bodyPose's shape.

ml5 1.x gives a list of poses, each
`{keypoints: [{x, y, confidence, name}], confidence, box: {xMin, yMin, xMax, yMax, width, height}, id?}`
plus one `{x, y, confidence}` per keypoint name (`pose.left_wrist`): pose-detection's results with `score`
renamed `confidence` (src/BodyPose/index.js renameScoreToConfidence, addKeypoints). Records, so
`pose.left_wrist.x == pose["left_wrist"]["x"]`.

PoseNet has no box of its own: here `box` bounds the keypoints whose confidence is at least
BOX_MIN_CONFIDENCE (every keypoint when none is), in pixels like ml5's resized boxes.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..results import Record
from .keypoints import SNAKE_CASE_NAME

#: The confidence ml5 1.x's examples draw a keypoint from (bodyPose-keypoints: `keypoint.confidence > 0.1`).
BOX_MIN_CONFIDENCE = 0.1


def bounding_box(keypoints: list[Record]) -> Record:
    """`{xMin, yMin, xMax, yMax, width, height}` around the confident keypoints (all of them when none is)."""
    chosen = [kp for kp in keypoints if kp["confidence"] >= BOX_MIN_CONFIDENCE] or keypoints
    if not chosen:
        return Record(xMin=0.0, yMin=0.0, xMax=0.0, yMax=0.0, width=0.0, height=0.0)
    xs = [kp["x"] for kp in chosen]
    ys = [kp["y"] for kp in chosen]
    x_min, x_max, y_min, y_max = min(xs), max(xs), min(ys), max(ys)
    return Record(xMin=x_min, yMin=y_min, xMax=x_max, yMax=y_max, width=x_max - x_min, height=y_max - y_min)


def to_body_pose(result, x_shift: float = 0.0) -> Record:
    """One poseNet result (`{pose, skeleton, id?}`) as a bodyPose pose; `x_shift` is added to every x (1 turns
    poseNet's mirrored `width - 1 - x` into ml5 1.x's `width - x`)."""
    pose = result["pose"]
    keypoints = [
        Record(
            x=kp["position"]["x"] + x_shift,
            y=kp["position"]["y"],
            confidence=kp["score"],
            name=SNAKE_CASE_NAME.get(kp["part"], kp["part"]),
        )
        for kp in pose["keypoints"]
    ]
    body = Record(keypoints=keypoints, confidence=pose["score"], box=bounding_box(keypoints))
    if "id" in result:
        body["id"] = result["id"]
    for kp in keypoints:
        body[kp["name"]] = Record(x=kp["x"], y=kp["y"], confidence=kp["confidence"])
    return body


def to_body_poses(results: Iterable, min_pose_score: float, x_shift: float = 0.0) -> list[Record]:
    """poseNet's results as bodyPose's, leaving out poses whose confidence is below `min_pose_score` (MoveNet's
    minPoseScore)."""
    return [to_body_pose(result, x_shift) for result in results if result["pose"]["score"] >= min_pose_score]
