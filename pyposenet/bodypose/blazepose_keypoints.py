"""BlazePose's 33 keypoint names and skeleton pairs, as ml5 1.x gives them (pose-detection's tables).

`@tensorflow-models/pose-detection` names BlazePose's landmarks in MediaPipe's order (`BLAZEPOSE_KEYPOINTS`) and
`util.getAdjacentPairs(SupportedModels.BlazePose)` gives `BLAZEPOSE_CONNECTED_KEYPOINTS_PAIRS`: what ml5 1.x's
`bodyPose("BlazePose").getConnections()` returns. `COCO_INDEX` maps pose-detection's 17 COCO names onto them.
"""

from __future__ import annotations

from .keypoints import COCO_KEYPOINT_NAMES

BLAZEPOSE_KEYPOINT_NAMES = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
"""pose-detection's ``BLAZEPOSE_KEYPOINTS``: landmark index -> name."""

BLAZEPOSE_CONNECTED_KEYPOINTS_PAIRS = (
    (0, 1),
    (0, 4),
    (1, 2),
    (2, 3),
    (3, 7),
    (4, 5),
    (5, 6),
    (6, 8),
    (9, 10),
    (11, 12),
    (11, 13),
    (11, 23),
    (12, 14),
    (14, 16),
    (12, 24),
    (13, 15),
    (15, 17),
    (16, 18),
    (15, 21),
    (16, 22),
    (17, 19),
    (18, 20),
    (19, 21),
    (20, 22),
    (23, 25),
    (23, 24),
    (24, 26),
    (25, 27),
    (26, 28),
    (27, 29),
    (28, 30),
    (27, 31),
    (28, 32),
    (29, 31),
    (30, 32),
)
"""pose-detection's ``BLAZEPOSE_CONNECTED_KEYPOINTS_PAIRS``: the skeleton as pairs of landmark indices."""

COCO_INDEX = {name: BLAZEPOSE_KEYPOINT_NAMES.index(name) for name in COCO_KEYPOINT_NAMES}
"""COCO keypoint name -> its BlazePose landmark index (BlazePose names all 17 the same way)."""
