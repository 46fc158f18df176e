"""BlazePose's frame in ml5 1.x bodyPose's shape (src/BodyPose/index.js on pose-detection's BlazePose).

One pose: `keypoints` (33, `{x, y, confidence, name}`: x, y in pixels of the media as displayed, confidence the
landmark's visibility), `keypoints3D` (33, `{x, y, z, confidence, name}` in metres, origin between the hips),
`confidence`, `box`, and each part by name with its `keypoint3D` (ml5 1.x's addKeypoints). `flipped` mirrors
the 2D keypoints to `width - x` as ml5 1.x does, and leaves keypoints3D as they are (as ml5 1.x does).

The MediaPipe solution gives no pose score and no box: `confidence` is the mean visibility of the 33 landmarks,
and `box` bounds the keypoints whose confidence is at least 0.1, as for PoseNet (results.py).
"""

from __future__ import annotations

from ..results import Record
from .blazepose_engine import BlazePoseFrame
from .blazepose_keypoints import BLAZEPOSE_KEYPOINT_NAMES
from .results import bounding_box


def to_blazepose_pose(frame: BlazePoseFrame, flipped: bool) -> Record:
    width, height = frame.display_width, frame.display_height
    keypoints = []
    for (x, y, _z, visibility), name in zip(frame.landmarks, BLAZEPOSE_KEYPOINT_NAMES, strict=True):
        px = x * width
        keypoints.append(Record(x=width - px if flipped else px, y=y * height, confidence=visibility, name=name))
    keypoints3d = [
        Record(x=x, y=y, z=z, confidence=visibility, name=name)
        for (x, y, z, visibility), name in zip(frame.world, BLAZEPOSE_KEYPOINT_NAMES, strict=True)
    ]
    confidence = sum(kp["confidence"] for kp in keypoints) / len(keypoints)
    pose = Record(keypoints=keypoints, keypoints3D=keypoints3d, confidence=confidence, box=bounding_box(keypoints))
    for kp, kp3d in zip(keypoints, keypoints3d, strict=True):
        pose[kp["name"]] = Record(
            x=kp["x"],
            y=kp["y"],
            confidence=kp["confidence"],
            keypoint3D=Record(x=kp3d["x"], y=kp3d["y"], z=kp3d["z"], confidence=kp3d["confidence"]),
        )
    return pose


def to_blazepose_poses(frame: BlazePoseFrame | None, flipped: bool) -> list[Record]:
    """ml5 1.x's list of poses: BlazePose finds at most one person."""
    return [] if frame is None else [to_blazepose_pose(frame, flipped)]
