"""Multi-person decoding: a pure-Python port of posenet 2.2.2 ``multi_pose/``.

``decode_multiple_poses`` mirrors ``decodeMultiplePoses``; the helpers below mirror
``buildPartWithScoreQueue``, ``decodePose`` / ``traverseToTargetKeypoint`` and the
``util.ts`` functions they use. Everything works on flat HWC sequences with index
arithmetic: this runs once per video frame inside Pyodide.
"""

from math import floor

from ..parts import NUM_KEYPOINTS, PARENT_CHILD_IDS, PART_NAMES
from .max_heap import MaxHeap
from .scan import can_scan, maybe_at_least

LOCAL_MAXIMUM_RADIUS = 1
"""Reference ``kLocalMaximumRadius``."""

SCAN_FROM = 0.05
"""Thresholds from this up find their candidates with ``scan`` (below, most scores pass)."""

NUM_EDGES = len(PARENT_CHILD_IDS)  # 16
_PARENTS = tuple(parent for parent, _child in PARENT_CHILD_IDS)  # childToParentEdges
_CHILDREN = tuple(child for _parent, child in PARENT_CHILD_IDS)  # parentToChildEdges
# decodePose's traversal plan as (edge, source id, target id): first up the tree with the
# backward displacements (edges in reverse, child -> parent), then down with the forward
# ones (parent -> child).
_BACKWARD_STEPS = tuple((e, _CHILDREN[e], _PARENTS[e]) for e in reversed(range(NUM_EDGES)))
_FORWARD_STEPS = tuple((e, _PARENTS[e], _CHILDREN[e]) for e in range(NUM_EDGES))


def js_round(value):
    """JavaScript ``Math.round``: nearest integer, halves rounded up (towards +inf).

    ``-2.5 -> -2``, ``2.5 -> 3``, ``0.49999999999999994 -> 0`` (``floor(v + 0.5)`` would
    give 1 there). Python's ``round`` rounds halves to even and must not be used.
    """
    r = floor(value)
    return r + 1 if value - r >= 0.5 else r


_NEIGHBOUR_CACHE = {}


def _neighbour_offsets(height, width, radius):
    """Per grid cell, the flat-index offsets (in heatmap elements) of the other cells of
    its ``(2 * radius + 1)``-square window, clipped at the grid border. Cached per shape."""
    key = (height, width, radius)
    table = _NEIGHBOUR_CACHE.get(key)
    if table is None:
        nk = NUM_KEYPOINTS
        table = []
        for hy in range(height):
            for hx in range(width):
                offs = []
                for y in range(max(hy - radius, 0), min(hy + radius + 1, height)):
                    for x in range(max(hx - radius, 0), min(hx + radius + 1, width)):
                        if y != hy or x != hx:
                            offs.append(((y - hy) * width + (x - hx)) * nk)
                table.append(tuple(offs))
        if len(_NEIGHBOUR_CACHE) > 16:
            _NEIGHBOUR_CACHE.clear()
        _NEIGHBOUR_CACHE[key] = table
    return table


def as_list(values):
    """The values as a Python list (``memoryview.tolist()`` and friends run in C).

    The decoders index the heatmap thousands of times per frame: list items are ready-made
    floats, a memoryview makes a new float object on every read.
    """
    if type(values) is list:
        return values
    tolist = getattr(values, "tolist", None)
    return tolist() if tolist is not None else list(values)


def _threshold_candidates(heatmap, scores, score_threshold):
    """Flat indices, ascending, of the scores that are not ``< score_threshold`` (NaN included).

    For the page's float32 memoryview and a threshold that most scores miss, the scan runs in C
    (``scan``), then the reference comparison filters its superset; a threshold near 0 lets most
    scores through, and a plain comparison over the list is cheaper.
    """
    if can_scan(heatmap) and SCAN_FROM <= score_threshold <= 1e38:
        return [i for i in maybe_at_least(heatmap, score_threshold) if not scores[i] < score_threshold]
    return [i for i, score in enumerate(scores) if not score < score_threshold]


def _is_local_maximum(i, scores, neighbours):
    """Reference ``scoreIsMaximumInLocalWindow``: no score of the same part nearby is strictly greater."""
    score = scores[i]
    for d in neighbours[i // NUM_KEYPOINTS]:
        if scores[i + d] > score:
            return False
    return True


def _local_maxima(score_threshold, local_maximum_radius, heatmap, scores, height, width):
    """Flat HWC indices, ascending, of the parts ``buildPartWithScoreQueue`` enqueues.

    ``scores`` is the heatmap as a list. A part is kept when ``not score < score_threshold`` and no
    score of the same part within the radius is strictly greater (the reference's comparisons: a
    NaN passes the threshold and never loses to a neighbour).
    """
    neighbours = _neighbour_offsets(height, width, local_maximum_radius)
    return [i for i in _threshold_candidates(heatmap, scores, score_threshold)
            if _is_local_maximum(i, scores, neighbours)]


def build_part_with_score_queue(score_threshold, local_maximum_radius, heatmap, height, width):
    """Reference ``buildPartWithScoreQueue``: a ``MaxHeap`` of local-maximum parts.

    A part at ``(y, x)`` is a root candidate when its score is ``>= score_threshold`` and no
    score of the same part within ``local_maximum_radius`` cells (``scoreIsMaximumInLocalWindow``)
    is strictly greater. Candidates are enqueued in the reference's loop order
    (y, x, part), which is the flat HWC index order; the heap items are those flat indices.
    """
    scores = as_list(heatmap)
    queue = MaxHeap()
    enqueue = queue.enqueue
    for i in _local_maxima(score_threshold, local_maximum_radius, heatmap, scores, height, width):
        enqueue(scores[i], i)
    return queue


def _roots_in_queue_order(candidates, scores, neighbours):
    """The root candidates in the order the reference's ``MaxHeap`` dequeues them, lazily.

    ``candidates``: the flat indices over the threshold, ascending. A max-heap hands out a strictly
    largest value first whatever its layout, so while scores are distinct (and not NaN) the order
    is by decreasing score: the candidates are sorted (in C) and only as many are tested for being
    local maxima as the decoder takes roots, plus one to look ahead for a tie. From the first tie
    on, the order depends on the heap's layout: the reference heap is built as the reference
    builds it (every local maximum, in flat order), the roots handed out already are dequeued from
    it, and it takes over. With a NaN anywhere, the heap does it all.
    """
    handed_out = 0
    total = sum(scores)
    if total == total:  # no NaN (nor +inf with -inf): scores order totally
        order = sorted(candidates, key=scores.__getitem__, reverse=True)
        maxima = (i for i in order if _is_local_maximum(i, scores, neighbours))
        current = next(maxima, None)
        while current is not None:
            following = next(maxima, None)
            if following is not None and scores[following] == scores[current]:
                break  # a tie: the heap decides from here
            yield current
            handed_out += 1
            current = following
        else:
            return
    queue = MaxHeap()
    enqueue = queue.enqueue
    for i in candidates:
        if _is_local_maximum(i, scores, neighbours):
            enqueue(scores[i], i)
    for _ in range(handed_out):
        queue.dequeue()
    while not queue.empty():
        yield queue.dequeue()


def _decode_pose(root_index, heatmap, offsets, fwd, bwd, stride, height, width):
    """Reference ``decodePose`` (with ``traverseToTargetKeypoint``, two refinement steps).

    Returns three 17-long lists: scores, ys, xs, indexed by part id. Positions are in
    model-input pixels.
    """
    nk = NUM_KEYPOINTS
    nk2 = 2 * nk
    ne = NUM_EDGES
    ne2 = 2 * ne
    hmax = height - 1
    wmax = width - 1
    _floor = floor

    scores = [None] * nk
    ys = [0.0] * nk
    xs = [0.0] * nk

    # Root: getImageCoords(root.part, ...)
    cell, root_id = divmod(root_index, nk)
    hy, hx = divmod(cell, width)
    o = cell * nk2 + root_id
    scores[root_id] = heatmap[root_index]
    ys[root_id] = hy * stride + offsets[o]
    xs[root_id] = hx * stride + offsets[o + nk]

    for steps, displacements in ((_BACKWARD_STEPS, bwd), (_FORWARD_STEPS, fwd)):
        for edge, source, target in steps:
            if scores[source] is None or scores[target] is not None:
                continue
            # traverseToTargetKeypoint. Four getStridedIndexNearPoint lookups (the rounding
            # is inlined: clamp(js_round(p / stride))): step 0 follows the displacement at
            # the source, steps 1 and 2 refine with the target's offsets (offsetRefineStep
            # = 2), step 3 reads the target's score.
            ty = ys[source]
            tx = xs[source]
            for step in range(4):
                v = ty / stride
                iy = _floor(v)
                if v - iy >= 0.5:
                    iy += 1
                iy = 0 if iy < 0 else (hmax if iy > hmax else iy)
                v = tx / stride
                ix = _floor(v)
                if v - ix >= 0.5:
                    ix += 1
                ix = 0 if ix < 0 else (wmax if ix > wmax else ix)
                cell = iy * width + ix
                if step == 0:
                    d = cell * ne2 + edge
                    ty += displacements[d]
                    tx += displacements[d + ne]
                elif step < 3:
                    o = cell * nk2 + target
                    ty = iy * stride + offsets[o]
                    tx = ix * stride + offsets[o + nk]
                else:
                    scores[target] = heatmap[cell * nk + target]
            ys[target] = ty
            xs[target] = tx
    return scores, ys, xs


def _within_nms_radius(poses_ys, poses_xs, squared_nms_radius, y, x, keypoint_id):
    """Reference ``withinNmsRadiusOfCorrespondingPoint``."""
    for pys, pxs in zip(poses_ys, poses_xs):
        dy = pys[keypoint_id] - y
        dx = pxs[keypoint_id] - x
        if dy * dy + dx * dx <= squared_nms_radius:
            return True
    return False


def decode_multiple_poses(outputs, output_stride, max_pose_detections=5, score_threshold=0.5, nms_radius=20):
    """Reference ``decodeMultiplePoses``.

    Root candidates (local heatmap maxima ``>= score_threshold``) are taken from the
    reference ``MaxHeap`` in decreasing score order; a candidate within ``nms_radius``
    pixels (``<=``) of the same part of an earlier pose is skipped, otherwise the pose is
    decoded from it along the displacement fields. A pose's score is the sum of the scores
    of its keypoints not within ``nms_radius`` of the same keypoint of an earlier pose,
    divided by 17. At most ``max_pose_detections`` poses.

    Returns ``[{"score": float, "keypoints": [{"score", "part", "position": {"x", "y"}}]}]``
    with positions in model-input pixels.
    """
    heatmap = outputs.heatmap_scores
    offsets = outputs.offsets
    fwd = outputs.displacement_fwd
    bwd = outputs.displacement_bwd
    height = outputs.height
    width = outputs.width
    nk = NUM_KEYPOINTS
    nk2 = 2 * nk

    scores = as_list(heatmap)
    candidates = _threshold_candidates(heatmap, scores, score_threshold)
    neighbours = _neighbour_offsets(height, width, LOCAL_MAXIMUM_RADIUS)
    squared_nms_radius = nms_radius * nms_radius

    poses_scores = []
    poses_ys = []
    poses_xs = []
    instance_scores = []
    for root_index in _roots_in_queue_order(candidates, scores, neighbours):
        if len(poses_ys) >= max_pose_detections:
            break
        # Part-based NMS on the root's image coordinates (getImageCoords).
        cell, root_id = divmod(root_index, nk)
        hy, hx = divmod(cell, width)
        o = cell * nk2 + root_id
        root_y = hy * output_stride + offsets[o]
        root_x = hx * output_stride + offsets[o + nk]
        if _within_nms_radius(poses_ys, poses_xs, squared_nms_radius, root_y, root_x, root_id):
            continue
        keypoint_scores, ys, xs = _decode_pose(root_index, scores, offsets, fwd, bwd, output_stride, height, width)
        # getInstanceScore
        total = 0.0
        for k in range(nk):
            if not _within_nms_radius(poses_ys, poses_xs, squared_nms_radius, ys[k], xs[k], k):
                total += keypoint_scores[k]
        instance_scores.append(total / nk)
        poses_scores.append(keypoint_scores)
        poses_ys.append(ys)
        poses_xs.append(xs)

    names = PART_NAMES
    return [
        {
            "score": instance_score,
            "keypoints": [
                {"score": kp_scores[k], "part": names[k], "position": {"x": xs[k], "y": ys[k]}} for k in range(nk)
            ],
        }
        for instance_score, kp_scores, ys, xs in zip(instance_scores, poses_scores, poses_ys, poses_xs)
    ]
