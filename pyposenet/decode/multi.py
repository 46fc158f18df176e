"""Multi-person decoding: a pure-Python port of posenet 2.2.2 ``multi_pose/``.

``decode_multiple_poses`` mirrors ``decodeMultiplePoses``; the helpers below mirror
``buildPartWithScoreQueue``, ``decodePose`` / ``traverseToTargetKeypoint`` and the
``util.ts`` functions they use. Everything works on flat HWC sequences with index
arithmetic: this runs once per video frame inside Pyodide.
"""

from itertools import compress
from math import floor
from operator import itemgetter

from ..parts import NUM_KEYPOINTS, PARENT_CHILD_IDS, PART_NAMES
from .max_heap import MaxHeap
from .root_hints import hinted_roots
from .scan import OrderedScores, can_scan, level_of

LOCAL_MAXIMUM_RADIUS = 1
"""Reference ``kLocalMaximumRadius``."""

BULK_AFTER = 32
"""After one score in this many went through the one-by-one search for roots, the possible local
maxima among the rest are found all at once (``OrderedScores.local_maxima``) ..."""
BULK_WORTH = 16
"""... when at least one score in this many is left above the threshold: finding them all costs
about as much, in Pyodide, as going through that many one by one."""

NUM_EDGES = len(PARENT_CHILD_IDS)  # 16
_PARENTS = tuple(parent for parent, _child in PARENT_CHILD_IDS)  # childToParentEdges
_CHILDREN = tuple(child for _parent, child in PARENT_CHILD_IDS)  # parentToChildEdges


def _traversal_plan(root_id):
    """decodePose's steps from a root part: (backward steps, forward steps), each (edge, source id, target id).

    The reference walks the edges in reverse with the backward displacements (child -> parent),
    then in order with the forward ones (parent -> child), decoding each target whose source is
    decoded and which is not yet; which parts are decoded depends only on the root's part, so the
    16 steps are known in advance.
    """
    decoded = {root_id}
    backward = []
    for edge in reversed(range(NUM_EDGES)):
        source, target = _CHILDREN[edge], _PARENTS[edge]
        if source in decoded and target not in decoded:
            backward.append((edge, source, target))
            decoded.add(target)
    forward = []
    for edge in range(NUM_EDGES):
        source, target = _PARENTS[edge], _CHILDREN[edge]
        if source in decoded and target not in decoded:
            forward.append((edge, source, target))
            decoded.add(target)
    return tuple(backward), tuple(forward)


_PLANS = tuple(_traversal_plan(root_id) for root_id in range(NUM_KEYPOINTS))


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


_WINDOW_CACHE = {}
_NO_NEIGHBOURS = object()  # the window of a cell without neighbours (a 1x1 grid)


def _neighbour_windows(height, width):
    """Per flat heatmap index, its local window's other scores as ``(itemgetter, indices)``.

    Filled on demand (``_new_window``) and kept per grid shape across frames: ``getter(heatmap)``
    reads the whole window in one C call.
    """
    key = (height, width)
    windows = _WINDOW_CACHE.get(key)
    if windows is None:
        if len(_WINDOW_CACHE) > 2:
            _WINDOW_CACHE.clear()
        windows = _WINDOW_CACHE[key] = {}
    return windows


def _new_window(i, windows, neighbours):
    """``(getter, indices)`` of score ``i``'s window: ``getter(heatmap)`` reads the scores at ``indices``."""
    indices = tuple(i + d for d in neighbours[i // NUM_KEYPOINTS])
    if not indices:
        window = _NO_NEIGHBOURS
    elif len(indices) == 1:
        window = (itemgetter(indices[0], indices[0]), indices + indices)  # a tuple, like the others
    else:
        window = (itemgetter(*indices), indices)
    windows[i] = window
    return window


def as_list(values):
    """The values as a Python list (``memoryview.tolist()`` and friends run in C).

    The generic path indexes the heatmap thousands of times per frame: list items are ready-made
    floats, a memoryview makes a new float object on every read.
    """
    if type(values) is list:
        return values
    tolist = getattr(values, "tolist", None)
    return tolist() if tolist is not None else list(values)


def _threshold_candidates(scores, score_threshold):
    """Flat indices, ascending, of the scores that are not ``< score_threshold`` (NaN included)."""
    return [i for i, score in enumerate(scores) if not score < score_threshold]


def _is_local_maximum(i, scores, neighbours):
    """Reference ``scoreIsMaximumInLocalWindow``: no score of the same part nearby is strictly greater."""
    score = scores[i]
    for d in neighbours[i // NUM_KEYPOINTS]:
        if scores[i + d] > score:
            return False
    return True


def build_part_with_score_queue(score_threshold, local_maximum_radius, heatmap, height, width):
    """Reference ``buildPartWithScoreQueue``: a ``MaxHeap`` of local-maximum parts.

    A part at ``(y, x)`` is a root candidate when its score is ``>= score_threshold`` (NaN
    passes: the reference tests ``score < threshold`` to skip) and no score of the same part
    within ``local_maximum_radius`` cells (``scoreIsMaximumInLocalWindow``) is strictly greater.
    Candidates are enqueued in the reference's loop order (y, x, part), which is the flat HWC
    index order; the heap items are those flat indices.
    """
    scores = as_list(heatmap)
    neighbours = _neighbour_offsets(height, width, local_maximum_radius)
    queue = MaxHeap()
    enqueue = queue.enqueue
    for i in _threshold_candidates(scores, score_threshold):
        if _is_local_maximum(i, scores, neighbours):
            enqueue(scores[i], i)
    return queue


def _heap_roots(heatmap, score_threshold, height, width, handed_out):
    """The reference heap's order, after the first ``handed_out`` roots it has given."""
    queue = build_part_with_score_queue(score_threshold, LOCAL_MAXIMUM_RADIUS, heatmap, height, width)
    for _ in range(handed_out):
        queue.dequeue()
    while not queue.empty():
        yield queue.dequeue()


def _roots_in_score_order(scores, score_threshold, height, width):
    """The root candidates in the order the reference's ``MaxHeap`` dequeues them, lazily (any scores).

    A max-heap hands out a strictly largest value first whatever its layout, so while scores are
    distinct (and not NaN) the order is by decreasing score: the candidates are sorted (in C) and
    only as many are tested for being local maxima as the decoder takes roots, plus one to look
    ahead for a tie. From the first tie on, the order depends on the heap's layout: the reference
    heap is built as the reference builds it (every local maximum, in flat order), the roots
    handed out already are dequeued from it, and it takes over. With a NaN anywhere, the heap does
    it all.
    """
    neighbours = _neighbour_offsets(height, width, LOCAL_MAXIMUM_RADIUS)
    handed_out = 0
    total = sum(scores)
    if total == total:  # no NaN (nor +inf with -inf): scores order totally
        order = sorted(_threshold_candidates(scores, score_threshold), key=scores.__getitem__, reverse=True)
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
    yield from _heap_roots(scores, score_threshold, height, width, handed_out)


def _roots_in_byte_order(ordered, score_threshold, height, width):
    """``_roots_in_score_order`` for scores that order like their bytes (``OrderedScores``).

    The scores come from ``ordered.descending`` a few at a time, highest first, so that only those
    the decoder reaches are read as floats, sorted and tested for being local maxima. A test reads
    the window's scores with one cached ``itemgetter``; a local maximum marks its neighbours below
    it, which then have a greater neighbour and are skipped unread when their turn comes. Once more
    than one in ``BULK_AFTER`` of the scores were gone through with many left (a low threshold and
    few people: the roots are among many small scores), the scores that may be local maxima are
    found all at once (``OrderedScores.local_maxima``) and the descent goes on through them alone,
    each tested exactly. A tie hands over to the reference heap.
    """
    heatmap = ordered.values
    get = heatmap.__getitem__
    windows = _neighbour_windows(height, width)
    neighbours = None
    dominated = set()
    current = None
    current_score = None
    handed_out = 0
    floor_level = level_of(score_threshold)
    count = len(ordered.high)
    budget = count // BULK_AFTER  # in scores gone through one by one, before finding all maxima at once
    if ordered.count_from(floor_level) - budget < count // BULK_WORTH:
        budget = count  # not enough scores left under the threshold for that to pay
    below = None  # in bulk mode: the scores from here down are left
    for group in ordered.descending(floor_level):
        if len(group) > 1:
            group.sort(key=get, reverse=True)
        for i in group:
            if i in dominated:
                continue
            score = get(i)
            if score < score_threshold:  # the rest is lower still
                if current is not None:
                    yield current
                return
            window = windows.get(i)
            if window is None:
                if neighbours is None:
                    neighbours = _neighbour_offsets(height, width, LOCAL_MAXIMUM_RADIUS)
                window = _new_window(i, windows, neighbours)
            if window is not _NO_NEIGHBOURS:
                getter, indices = window
                values = getter(heatmap)
                top = max(values)
                if top > score:
                    continue  # not a local maximum
                if top < score:  # every neighbour is smaller: none of them is a local maximum
                    dominated.update(indices)
                else:  # some equal: those may still be
                    dominated.update(compress(indices, map(score.__gt__, values)))
            if current is not None:
                if score == current_score:
                    yield from _heap_roots(heatmap, score_threshold, height, width, handed_out)
                    return  # a tie: the heap decides from here
                yield current
                handed_out += 1
            current = i
            current_score = score
        budget -= len(group)
        if budget < 0:
            below = get(group[-1])  # every score from it up has been gone through
            break
    if below is not None:
        for group in ordered.local_maxima(height, width, NUM_KEYPOINTS).descending(floor_level):
            if len(group) > 1:
                group.sort(key=get, reverse=True)
            for i in group:
                score = get(i)
                if score >= below:
                    continue  # gone through already
                if score < score_threshold:
                    if current is not None:
                        yield current
                    return
                window = windows.get(i)
                if window is None:
                    if neighbours is None:
                        neighbours = _neighbour_offsets(height, width, LOCAL_MAXIMUM_RADIUS)
                    window = _new_window(i, windows, neighbours)
                if window is not _NO_NEIGHBOURS and max(window[0](heatmap)) > score:
                    continue  # its key ties a neighbour's, and the neighbour is greater
                if current is not None:
                    if score == current_score:
                        yield from _heap_roots(heatmap, score_threshold, height, width, handed_out)
                        return
                    yield current
                    handed_out += 1
                current = i
                current_score = score
    if current is not None:
        yield current


def _own_roots(heatmap, score_threshold, height, width):
    """The decoder's own search for roots (the byte-level one where it applies), started only when the
    first root is asked for: behind a list of root candidates it is seldom needed."""
    ordered = OrderedScores.of(heatmap)
    if ordered is not None:
        yield from _roots_in_byte_order(ordered, score_threshold, height, width)
    else:
        yield from _roots_in_score_order(as_list(heatmap), score_threshold, height, width)


def _is_power_of_two(stride):
    return stride == int(stride) and stride >= 1 and int(stride) & (int(stride) - 1) == 0


_GRID_TABLES = {}
GRID_MARGIN = 8
"""Positions up to this many strides outside the grid are in the tables of ``_grid_tables``."""


def _grid_tables(height, width, stride):
    """For a power-of-two ``stride >= 2``: ``getStridedIndexNearPoint`` as look-ups, cached per shape.

    ``(rows, cols, cell_ys, cell_xs, half)``: ``rows[int(y)]`` is the row's first cell (``iy * width``),
    ``cols[int(x)]`` the column, ``cell_ys[cell]`` / ``cell_xs[cell]`` the cell's corner in pixels
    (floats), ``half`` is ``stride / 2``. ``Math.round(p / stride)`` changes value only at ``k * stride - stride / 2``, an
    integer, halves going up: on ``[n, n + 1)`` it is ``(n + stride // 2) // stride``, and ``int(p)``
    (truncation) differs from ``floor(p)`` only below 0, where the clamped index is 0 either way.
    Positions outside the tables raise ``KeyError`` (as do none of a real frame's).
    """
    key = (height, width, stride)
    tables = _GRID_TABLES.get(key)
    if tables is None:
        half = stride // 2
        margin = GRID_MARGIN * stride

        def index_table(size, scale):
            return {n: min(max((n + half) // stride, 0), size - 1) * scale
                    for n in range(-margin, (size - 1) * stride + margin)}

        cells = range(height * width)
        tables = (index_table(height, width), index_table(width, 1),
                  tuple(float(cell // width * stride) for cell in cells),
                  tuple(float(cell % width * stride) for cell in cells), stride / 2)
        if len(_GRID_TABLES) > 4:
            _GRID_TABLES.clear()
        _GRID_TABLES[key] = tables
    return tables


_EDGE_STEPS = tuple(
    (tuple((edge, edge + NUM_EDGES, source, target, target + NUM_KEYPOINTS) for edge, source, target in backward),
     tuple((edge, edge + NUM_EDGES, source, target, target + NUM_KEYPOINTS) for edge, source, target in forward))
    for backward, forward in _PLANS)
"""``_PLANS`` with each step's x columns: (edge, edge + 16, source, target, target + 17)."""


def _tables_for(stride, height, width):
    """``_grid_tables`` where they apply (a power-of-two stride >= 2), else None."""
    if stride >= 2 and _is_power_of_two(stride):
        return _grid_tables(height, width, int(stride))
    return None


def _decode_pose(root_index, heatmap, offsets, fwd, bwd, stride, height, width, tables=False):
    """Reference ``decodePose``: ``_decode_pose_tabled`` with ``tables`` (``_tables_for``, looked up
    when not given), else ``_decode_pose_any``."""
    if tables is False:
        tables = _tables_for(stride, height, width)
    if tables is not None:
        try:
            return _decode_pose_tabled(root_index, heatmap, offsets, fwd, bwd, tables)
        except KeyError:  # a position far outside the grid: computed
            pass
    return _decode_pose_any(root_index, heatmap, offsets, fwd, bwd, stride, height, width)


def _decode_pose_tabled(root_index, heatmap, offsets, fwd, bwd, tables):
    """``_decode_pose_any`` with ``getStridedIndexNearPoint`` looked up in ``tables`` (``_grid_tables``).

    Raises ``KeyError`` for a position outside the tables.
    """
    nk = NUM_KEYPOINTS
    off_col = 2 * nk
    dis_col = 2 * NUM_EDGES
    rows, cols, cell_ys, cell_xs, half = tables
    low = -half

    scores = [None] * nk
    ys = [0.0] * nk
    xs = [0.0] * nk
    cells = [-1] * nk

    cell = root_index // nk
    root_id = root_index - cell * nk
    o = cell * off_col + root_id
    scores[root_id] = heatmap[root_index]
    oy = offsets[o]
    ox = offsets[o + nk]
    ys[root_id] = cell_ys[cell] + oy
    xs[root_id] = cell_xs[cell] + ox
    if low <= oy < half and low <= ox < half:
        cells[root_id] = cell

    backward, forward = _EDGE_STEPS[root_id]
    for displacements, steps in ((bwd, backward), (fwd, forward)):
        for edge, edge_x, source, target, target_x in steps:
            ty = ys[source]
            tx = xs[source]
            cell = cells[source]
            if cell < 0:
                cell = rows[int(ty)] + cols[int(tx)]
            d = cell * dis_col
            ty += displacements[d + edge]
            tx += displacements[d + edge_x]
            # First refinement with the target part's offsets.
            cell = rows[int(ty)] + cols[int(tx)]
            o = cell * off_col
            oy = offsets[o + target]
            ox = offsets[o + target_x]
            if low <= oy < half and low <= ox < half:  # back to the same cell: done
                cells[target] = cell
                scores[target] = heatmap[cell * nk + target]
                ys[target] = cell_ys[cell] + oy
                xs[target] = cell_xs[cell] + ox
                continue
            # Second refinement, from wherever the first one led.
            ty = cell_ys[cell] + oy
            tx = cell_xs[cell] + ox
            cell = rows[int(ty)] + cols[int(tx)]
            o = cell * off_col
            oy = offsets[o + target]
            ox = offsets[o + target_x]
            ty = cell_ys[cell] + oy
            tx = cell_xs[cell] + ox
            ys[target] = ty
            xs[target] = tx
            # The target's score where it landed.
            if low <= oy < half and low <= ox < half:
                cells[target] = cell
            else:
                cell = rows[int(ty)] + cols[int(tx)]
            scores[target] = heatmap[cell * nk + target]
    return scores, ys, xs


def _decode_pose_any(root_index, heatmap, offsets, fwd, bwd, stride, height, width):
    """Reference ``decodePose`` (with ``traverseToTargetKeypoint``, two refinement steps).

    Returns three 17-long lists: scores, ys, xs, indexed by part id. Positions are in
    model-input pixels.

    ``getStridedIndexNearPoint`` is ``clamp(Math.round(p / stride), 0, size - 1)``, inlined as:
    below 0.5 -> 0 (Math.round gives <= 0 there, 0.49999999999999994 included), else
    ``int(v + 0.5)`` (for v >= 0.5 the sum's rounding never crosses an integer; halves go up).
    A point ``cell * stride + offset`` with ``-stride / 2 <= offset < stride / 2`` rounds back to
    ``cell`` (for a power-of-two stride the division is exact): then the second refinement would
    read the same offsets again and the score comes from the same cell, so both are skipped, and
    the keypoint's cell is kept for the edges that start from it.
    """
    nk = NUM_KEYPOINTS
    ne = NUM_EDGES
    hmax = height - 1
    wmax = width - 1
    off_col = 2 * nk
    dis_col = 2 * ne
    half = stride / 2 if _is_power_of_two(stride) else 0.0  # 0: the shortcut never applies
    low = -half
    stride = float(stride)

    scores = [None] * nk
    ys = [0.0] * nk
    xs = [0.0] * nk
    cells = [-1] * nk  # the flat cell index of a keypoint known to round to its own cell

    # Root: getImageCoords(root.part, ...)
    cell = root_index // nk
    root_id = root_index - cell * nk
    hy = cell // width
    o = cell * off_col + root_id
    scores[root_id] = heatmap[root_index]
    oy = offsets[o]
    ox = offsets[o + nk]
    ys[root_id] = hy * stride + oy
    xs[root_id] = (cell - hy * width) * stride + ox
    if low <= oy < half and low <= ox < half:
        cells[root_id] = cell

    backward, forward = _PLANS[root_id]
    for displacements, steps in ((bwd, backward), (fwd, forward)):
        for edge, source, target in steps:
            ty = ys[source]
            tx = xs[source]
            # The source's cell: its displacement along the edge.
            cell = cells[source]
            if cell < 0:
                v = ty / stride
                iy = 0 if v < 0.5 else int(v + 0.5)
                if iy > hmax:
                    iy = hmax
                v = tx / stride
                ix = 0 if v < 0.5 else int(v + 0.5)
                if ix > wmax:
                    ix = wmax
                cell = iy * width + ix
            d = cell * dis_col + edge
            ty += displacements[d]
            tx += displacements[d + ne]
            # First refinement with the target part's offsets (offsetRefineStep = 2).
            v = ty / stride
            iy = 0 if v < 0.5 else int(v + 0.5)
            if iy > hmax:
                iy = hmax
            v = tx / stride
            ix = 0 if v < 0.5 else int(v + 0.5)
            if ix > wmax:
                ix = wmax
            cell = iy * width + ix
            o = cell * off_col + target
            oy = offsets[o]
            ox = offsets[o + nk]
            if low <= oy < half and low <= ox < half:  # back to the same cell: done
                cells[target] = cell
                scores[target] = heatmap[cell * nk + target]
                ys[target] = iy * stride + oy
                xs[target] = ix * stride + ox
                continue
            # Second refinement, from wherever the first one led.
            ty = iy * stride + oy
            tx = ix * stride + ox
            v = ty / stride
            iy = 0 if v < 0.5 else int(v + 0.5)
            if iy > hmax:
                iy = hmax
            v = tx / stride
            ix = 0 if v < 0.5 else int(v + 0.5)
            if ix > wmax:
                ix = wmax
            cell = iy * width + ix
            o = cell * off_col + target
            oy = offsets[o]
            ox = offsets[o + nk]
            ty = iy * stride + oy
            tx = ix * stride + ox
            ys[target] = ty
            xs[target] = tx
            # The target's score where it landed.
            if low <= oy < half and low <= ox < half:
                cells[target] = cell
            else:
                v = ty / stride
                iy = 0 if v < 0.5 else int(v + 0.5)
                if iy > hmax:
                    iy = hmax
                v = tx / stride
                ix = 0 if v < 0.5 else int(v + 0.5)
                if ix > wmax:
                    ix = wmax
                cell = iy * width + ix
            scores[target] = heatmap[cell * nk + target]
    return scores, ys, xs


def decode_multiple_poses(outputs, output_stride, max_pose_detections=5, score_threshold=0.5, nms_radius=20):
    """Reference ``decodeMultiplePoses``.

    Root candidates (local heatmap maxima ``>= score_threshold``) are taken from the
    reference ``MaxHeap`` in decreasing score order; a candidate within ``nms_radius``
    pixels (``<=``) of the same part of an earlier pose is skipped, otherwise the pose is
    decoded from it along the displacement fields. A pose's score is the sum of the scores
    of its keypoints not within ``nms_radius`` of the same keypoint of an earlier pose,
    divided by 17. At most ``max_pose_detections`` poses.

    ``outputs.root_candidates``, where the browser found them (root_hints.py), spare the search for
    roots; the results are the same without them.

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
    if max_pose_detections <= 0:
        return []

    hint = outputs.root_candidates
    if hint is not None and not hint.nan:  # found in the browser (root_hints.py), checked as taken
        roots = hinted_roots(hint, heatmap, score_threshold, _own_roots(heatmap, score_threshold, height, width))
    else:
        ordered = OrderedScores.of(heatmap)
        if ordered is not None:
            roots = _roots_in_byte_order(ordered, score_threshold, height, width)
        else:  # negative or NaN scores, or not a float32 memoryview
            heatmap = as_list(heatmap)
            roots = _roots_in_score_order(heatmap, score_threshold, height, width)
    squared_nms_radius = nms_radius * nms_radius
    tables = _tables_for(output_stride, height, width)

    poses = []  # (instance score, keypoint scores, ys, xs)
    claimed = []  # (ys, xs) of the poses so far, for withinNmsRadiusOfCorrespondingPoint
    for root_index in roots:
        # Part-based NMS on the root's image coordinates (getImageCoords).
        cell = root_index // nk
        root_id = root_index - cell * nk
        hy = cell // width
        o = cell * nk2 + root_id
        y = hy * output_stride + offsets[o]
        x = (cell - hy * width) * output_stride + offsets[o + nk]
        for pys, pxs in claimed:
            dy = pys[root_id] - y
            dx = pxs[root_id] - x
            if dy * dy + dx * dx <= squared_nms_radius:
                break
        else:
            keypoint_scores, ys, xs = _decode_pose(root_index, heatmap, offsets, fwd, bwd, output_stride,
                                                   height, width, tables)
            # getInstanceScore: the keypoints no earlier pose claims, summed in order
            total = 0.0
            if claimed:
                for k in range(nk):
                    y = ys[k]
                    x = xs[k]
                    for pys, pxs in claimed:
                        dy = pys[k] - y
                        dx = pxs[k] - x
                        if dy * dy + dx * dx <= squared_nms_radius:
                            break
                    else:
                        total += keypoint_scores[k]
            else:
                for score in keypoint_scores:
                    total += score
            poses.append((total / nk, keypoint_scores, ys, xs))
            claimed.append((ys, xs))
            if len(poses) >= max_pose_detections:
                break

    names = PART_NAMES
    return [
        {
            "score": instance_score,
            "keypoints": [
                {"score": score, "part": part, "position": {"x": x, "y": y}}
                for score, part, x, y in zip(kp_scores, names, xs, ys)
            ],
        }
        for instance_score, kp_scores, ys, xs in poses
    ]
