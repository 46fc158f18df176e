"""The keypoint names and skeleton pairs bodyPose gives: pose-detection's COCO tables.

`@tensorflow-models/pose-detection` (which ml5 1.x wraps) names the 17 COCO keypoints in snake_case, in the
same order as PoseNet's parts (pyposenet/parts.py), and `util.getAdjacentPairs` gives the same 16 index pairs
for MoveNet and PoseNet (`COCO_CONNECTED_KEYPOINTS_PAIRS` in its constants.ts): what ml5 1.x's
`bodyPose.getConnections()` returns for MoveNet.
"""

from __future__ import annotations

from ..parts import PART_NAMES

COCO_KEYPOINT_NAMES = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
"""pose-detection's ``COCO_KEYPOINTS``: keypoint index -> name."""

SNAKE_CASE_NAME = dict(zip(PART_NAMES, COCO_KEYPOINT_NAMES, strict=True))
"""PoseNet's part name -> bodyPose's keypoint name (``leftWrist`` -> ``left_wrist``)."""

COCO_CONNECTED_KEYPOINTS_PAIRS = (
    (0, 1),
    (0, 2),
    (1, 3),
    (2, 4),
    (5, 6),
    (5, 7),
    (5, 11),
    (6, 8),
    (6, 12),
    (7, 9),
    (8, 10),
    (11, 12),
    (11, 13),
    (12, 14),
    (13, 15),
    (14, 16),
)
"""pose-detection's ``COCO_CONNECTED_KEYPOINTS_PAIRS``: the skeleton as pairs of keypoint indices."""
