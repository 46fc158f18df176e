"""The dataset's columns: one row per pose, ml5's numbers flattened, readable with no pyposenet installed.

    file          string   the input as given (a folder's files: folder/name)
    frame         int64    the frame's number in the video, counting every frame from 0 (an image: 0)
    time          float64  the frame's presentation time in seconds (an image: null)
    pose          int16    the pose's place among the frame's results (0 first, ml5's order)
    score         float32  the pose's score
    person_id     int32    the tracked person's id with `tracking` (null without it)
    nose_x, nose_y, nose_score, leftEye_x, ... rightAnkle_score
                  float32  each of the 17 keypoints (ml5's part names and order) in the input's pixels

Keypoints are ml5's `pose.<part>` entries ({x, y, confidence}), so flipHorizontal and flipLabels act as they
do in a sketch. A frame where no pose is found has no row: the manifest counts the frames done.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..parts import PART_NAMES

__all__ = ["KEYPOINT_COLUMNS", "COLUMNS", "schema", "Rows", "PoseRows"]

KEYPOINT_COLUMNS = tuple(f"{part}_{axis}" for part in PART_NAMES for axis in ("x", "y", "score"))
COLUMNS = ("file", "frame", "time", "pose", "score", "person_id", *KEYPOINT_COLUMNS)


def schema(metadata: dict[bytes, bytes] | None = None):
    """The Arrow schema of every chunk file (pyarrow imported here: only the batch extra needs it)."""
    import pyarrow as pa  # type: ignore[import-untyped]  # pyarrow ships no type information

    fields = [
        pa.field("file", pa.string(), nullable=False),
        pa.field("frame", pa.int64(), nullable=False),
        pa.field("time", pa.float64()),
        pa.field("pose", pa.int16(), nullable=False),
        pa.field("score", pa.float32(), nullable=False),
        pa.field("person_id", pa.int32()),
        *(pa.field(name, pa.float32(), nullable=False) for name in KEYPOINT_COLUMNS),
    ]
    return pa.schema(fields, metadata=metadata)


class Rows(Protocol):
    """A chunk's rows in one model's schema (PoseRows here, schema_blazepose.BlazePoseRows)."""

    def __len__(self) -> int: ...

    def add(self, file: str, frame: int, time: float | None, results: list) -> None: ...

    def table(self, metadata: dict[bytes, bytes] | None = None) -> Any: ...


class PoseRows:  # implements Rows
    """Rows collected column by column, then one Arrow table."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}

    def __len__(self) -> int:
        return len(self.columns["file"])

    def add(self, file: str, frame: int, time: float | None, results: list) -> None:
        """One frame's (or image's) ml5 results."""
        columns = self.columns
        for place, result in enumerate(results):
            pose = result["pose"]
            columns["file"].append(file)
            columns["frame"].append(frame)
            columns["time"].append(time)
            columns["pose"].append(place)
            columns["score"].append(pose["score"])
            columns["person_id"].append(result.get("id"))
            for part in PART_NAMES:
                point = pose[part]
                columns[f"{part}_x"].append(point["x"])
                columns[f"{part}_y"].append(point["y"])
                columns[f"{part}_score"].append(point["confidence"])

    def table(self, metadata: dict[bytes, bytes] | None = None):
        import pyarrow as pa

        return pa.Table.from_pydict(self.columns, schema=schema(metadata))
