"""The dataset's columns with `--model blazepose`: one row per pose, ml5 1.x bodyPose's numbers flattened.

    file, frame, time, pose   as in schema.py (PoseNet's dataset)
    confidence     float32  the pose's confidence (ml5 1.x's `pose.confidence`: the landmarks' mean visibility)
    nose_x, nose_y, nose_confidence, left_eye_inner_x, ... right_foot_index_confidence
                   float32  each of BlazePose's 33 keypoints (ml5 1.x's snake_case names and order) in the
                            input's pixels: `pose.keypoints`
    nose_x3d, nose_y3d, nose_z3d, ...
                   float32  each keypoint's `keypoint3D` in metres, origin between the hips: `pose.keypoints3D`

A schema of its own (the manifest names it, "dataset": {"schema": "blazepose/1"}): BlazePose's 33 keypoints are
not PoseNet's 17, and it has no tracking (no person_id: each frame is a still, blazepose_host.py says why).
keypoints3D's confidence is the same visibility as the 2D keypoint's, so it is not repeated.
"""

from __future__ import annotations

from typing import Any

from ..bodypose.blazepose_keypoints import BLAZEPOSE_KEYPOINT_NAMES

__all__ = ["SCHEMA_NAME", "KEYPOINT_COLUMNS", "KEYPOINT3D_COLUMNS", "COLUMNS", "schema", "BlazePoseRows"]

SCHEMA_NAME = "blazepose/1"
KEYPOINT_COLUMNS = tuple(f"{name}_{axis}" for name in BLAZEPOSE_KEYPOINT_NAMES for axis in ("x", "y", "confidence"))
KEYPOINT3D_COLUMNS = tuple(f"{name}_{axis}3d" for name in BLAZEPOSE_KEYPOINT_NAMES for axis in ("x", "y", "z"))
COLUMNS = ("file", "frame", "time", "pose", "confidence", *KEYPOINT_COLUMNS, *KEYPOINT3D_COLUMNS)


def schema(metadata: dict[bytes, bytes] | None = None):
    """The Arrow schema of every chunk file of a BlazePose run."""
    import pyarrow as pa  # type: ignore[import-untyped]  # pyarrow ships no type information

    fields = [
        pa.field("file", pa.string(), nullable=False),
        pa.field("frame", pa.int64(), nullable=False),
        pa.field("time", pa.float64()),
        pa.field("pose", pa.int16(), nullable=False),
        pa.field("confidence", pa.float32(), nullable=False),
        *(pa.field(name, pa.float32(), nullable=False) for name in (*KEYPOINT_COLUMNS, *KEYPOINT3D_COLUMNS)),
    ]
    return pa.schema(fields, metadata=metadata)


class BlazePoseRows:  # implements schema.Rows
    """ml5 1.x bodyPose results collected column by column, then one Arrow table."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}

    def __len__(self) -> int:
        return len(self.columns["file"])

    def add(self, file: str, frame: int, time: float | None, results: list) -> None:
        """One frame's (or image's) poses (ml5 1.x's list: BlazePose gives at most one)."""
        columns = self.columns
        for place, pose in enumerate(results):
            columns["file"].append(file)
            columns["frame"].append(frame)
            columns["time"].append(time)
            columns["pose"].append(place)
            columns["confidence"].append(pose["confidence"])
            for point, point3d in zip(pose["keypoints"], pose["keypoints3D"], strict=True):
                name = point["name"]
                columns[f"{name}_x"].append(point["x"])
                columns[f"{name}_y"].append(point["y"])
                columns[f"{name}_confidence"].append(point["confidence"])
                columns[f"{name}_x3d"].append(point3d["x"])
                columns[f"{name}_y3d"].append(point3d["y"])
                columns[f"{name}_z3d"].append(point3d["z"])

    def table(self, metadata: dict[bytes, bytes] | None = None):
        import pyarrow as pa

        return pa.Table.from_pydict(self.columns, schema=schema(metadata))
