"""Single-person decoding: a pure-Python port of posenet 2.2.2 ``single_pose/decode_single_pose.ts``."""

from array import array

from ..parts import NUM_KEYPOINTS, PART_NAMES


def decode_single_pose(outputs, output_stride):
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

    scores = []
    ys = []
    xs = []
    for k in range(nk):
        column = list(heatmap[k::nk])  # part k over the grid, row-major (y, x)
        best = max(column)  # keeps the first of equal maxima, like tf.argMax
        cell = column.index(best)
        hy, hx = divmod(cell, width)
        base = cell * off_channels + k
        scores.append(best)
        ys.append(hy * output_stride + offsets[base])
        xs.append(hx * output_stride + offsets[base + nk])

    # getPointsConfidence / getOffsetPoints produce float32 arrays: round the same way.
    scores = array("f", scores)
    ys = array("f", ys)
    xs = array("f", xs)

    total = 0.0
    keypoints = []
    for k in range(nk):
        score = scores[k]
        total += score
        keypoints.append({"score": score, "part": PART_NAMES[k], "position": {"x": xs[k], "y": ys[k]}})
    return {"score": total / nk, "keypoints": keypoints}
