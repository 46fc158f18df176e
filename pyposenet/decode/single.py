"""Single-person decoding: a pure-Python port of posenet 2.2.2 ``single_pose/decode_single_pose.ts``."""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING, Any

from ..parts import NUM_KEYPOINTS, PART_NAMES
from .scan import OrderedScores

if TYPE_CHECKING:
    from .outputs import ModelOutputs


def decode_single_pose(outputs: ModelOutputs, output_stride: float) -> dict[str, Any]:
    """Reference ``decodeSinglePose``.

    For each part, the grid cell with the highest heatmap score (``argmax2d``: the first
    maximum in row-major y-then-x order wins, as ``tf.argMax`` does) gives the keypoint
    ``(heatmapY * stride + offsetY, heatmapX * stride + offsetX)`` with that score; the
    pose score is the mean keypoint score. Positions are in model-input pixels, rounded to
    float32 as the reference's tensor arithmetic does.

    Returns ``{"score": float, "keypoints": [{"score", "part", "position": {"x", "y"}}]}``.
    """
    heatmap = outputs.heatmap_scores
    offsets = outputs.offsets
    width = outputs.width
    nk = NUM_KEYPOINTS
    off_channels = 2 * nk

    ordered = OrderedScores.of(heatmap)
    if ordered is not None:  # the argmax over the scores' bytes, in C
        cells = [ordered.part_argmax(k, nk) for k in range(nk)]
        scores = [heatmap[cell * nk + k] for k, cell in enumerate(cells)]
    else:  # negative or NaN scores, or not a float32 memoryview: compare every score as a float
        cells = []
        scores = []
        for k in range(nk):
            column = list(heatmap[k::nk])  # part k over the grid, row-major (y, x)
            best = max(column)  # keeps the first of equal maxima, like tf.argMax
            cells.append(column.index(best))
            scores.append(best)

    ys = []
    xs = []
    for k, cell in enumerate(cells):
        hy, hx = divmod(cell, width)
        base = cell * off_channels + k
        ys.append(hy * output_stride + offsets[base])
        xs.append(hx * output_stride + offsets[base + nk])

    # getPointsConfidence / getOffsetPoints produce float32 arrays: round the same way.
    scores = array("f", scores).tolist()
    ys = array("f", ys).tolist()
    xs = array("f", xs).tolist()

    total = 0.0
    for score in scores:
        total += score
    return {
        "score": total / nk,
        "keypoints": [
            {"score": score, "part": part, "position": {"x": x, "y": y}}
            for score, part, x, y in zip(scores, PART_NAMES, xs, ys, strict=False)
        ],
    }
