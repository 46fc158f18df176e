"""Which model a batch run uses: PoseNet (poseNet's results, schema.py) or BlazePose (ml5 1.x bodyPose's results
from BlazePose full under CPython, schema_blazepose.py; the `blazepose` extra on every worker)."""

from __future__ import annotations

from typing import Any

from .schema import COLUMNS, PoseRows, Rows

__all__ = ["MODELS", "BLAZEPOSE_OPTIONS", "check_model", "rows_for", "dataset_description"]

MODELS = ("posenet", "blazepose")
#: The one poseNet option BlazePose follows (as `flipped`); the rest are PoseNet's network and decoding.
BLAZEPOSE_OPTIONS = frozenset({"flipHorizontal"})


def check_model(model: str, options: dict[str, Any]) -> None:
    """ValueError for a model that is not one of MODELS, or poseNet options that BlazePose would ignore."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(map(repr, MODELS))}, got {model!r}")
    ignored = sorted(set(options) - BLAZEPOSE_OPTIONS) if model == "blazepose" else []
    if ignored:
        raise ValueError(
            f"model 'blazepose' does not take the poseNet option{'s' * (len(ignored) != 1)} {', '.join(ignored)} "
            "(BlazePose finds one person in each frame as a still, no smoothing or tracking); it takes "
            "flipHorizontal only"
        )


def rows_for(model: str) -> Rows:
    if model == "blazepose":
        from .schema_blazepose import BlazePoseRows

        return BlazePoseRows()
    return PoseRows()


def dataset_description(model: str) -> dict[str, Any]:
    """The manifest's "dataset" entry, less the folder: PoseNet's is as it always was (no schema name)."""
    if model == "blazepose":
        from . import schema_blazepose

        return {"schema": schema_blazepose.SCHEMA_NAME, "columns": list(schema_blazepose.COLUMNS)}
    return {"columns": list(COLUMNS)}
