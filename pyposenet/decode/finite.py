"""Poses from network outputs that hold NaN or ±inf: what a model with damaged weights (a flipped bit in a
shard loads without a word) or a misbehaving backend gives. The reference's decoders then crash (``int(inf)``)
or hand NaN coordinates to the sketch.

The decoders stay exact ports, with no checks in their loops: ``decode_finite`` runs them as they are and only
when a non-finite value broke them or reached the poses does it decode again with every non-finite output
value taken as 0 (no confidence, no offset). Ordinary frames pay one finiteness check of the poses.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .outputs import ModelOutputs

Poses = TypeVar("Poses")

__all__ = ["decode_finite", "finite_outputs", "poses_are_finite"]


def decode_finite(decode: Callable[[ModelOutputs], Poses], outputs: ModelOutputs) -> Poses:
    """``decode(outputs)``; where NaN or ±inf in the outputs broke the decoder or reached the poses, the poses
    of the same outputs with those values as 0."""
    try:
        poses = decode(outputs)
    except (OverflowError, ValueError):  # int(inf), floor(nan): only ever from non-finite outputs
        if _all_finite(outputs):
            raise
    else:
        if poses_are_finite(poses):
            return poses
    return decode(finite_outputs(outputs))


def finite_outputs(outputs: ModelOutputs) -> ModelOutputs:
    """A copy of `outputs` with every NaN and ±inf as 0.0 (the browser's root hints dropped: they were found in
    the same values)."""
    heatmap, offsets, forward, backward = (
        array("f", [v if math.isfinite(v) else 0.0 for v in tensor])
        for tensor in (outputs.heatmap_scores, outputs.offsets, outputs.displacement_fwd, outputs.displacement_bwd)
    )
    return ModelOutputs(outputs.height, outputs.width, heatmap, offsets, forward, backward)


def poses_are_finite(poses: Any) -> bool:
    """Every score and coordinate of one decoded pose (a dict) or a list of them is a finite number."""
    for pose in [poses] if isinstance(poses, dict) else poses:
        if not math.isfinite(pose["score"]):
            return False
        for keypoint in pose["keypoints"]:
            position = keypoint["position"]
            if not (math.isfinite(keypoint["score"]) and math.isfinite(position["x"]) and math.isfinite(position["y"])):
                return False
    return True


def _all_finite(outputs: ModelOutputs) -> bool:
    tensors: Iterable = (outputs.heatmap_scores, outputs.offsets, outputs.displacement_fwd, outputs.displacement_bwd)
    return all(math.isfinite(v) for tensor in tensors for v in tensor)
