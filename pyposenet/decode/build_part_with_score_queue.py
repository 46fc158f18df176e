"""Port of posenet 2.2.2 ``multi_pose/build_part_with_score_queue.ts``: the multi-pose root candidates.

Every part at every heatmap cell whose score is not below the threshold and is the maximum of its
local window goes into the reference ``MaxHeap``; decodeMultiplePoses then dequeues the roots from
it one by one (``heap_roots``). This is the reference's order by definition: fast_roots.py finds the
same roots in the same order faster where it can, and hands over to ``heap_roots`` where it cannot
(ties, NaN scores).

Parts are flat HWC heatmap indices, ``(heatmap_y * width + heatmap_x) * 17 + id``: the reference's
loop order (y, x, part) is their ascending order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..parts import NUM_KEYPOINTS
from .max_heap import MaxHeap
from .util import as_list

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

LOCAL_MAXIMUM_RADIUS = 1
"""Reference ``kLocalMaximumRadius`` (decode_multiple_poses.ts)."""

_WINDOW_CACHE: dict[tuple[int, int, int], list[tuple[int, ...]]] = {}


def local_windows(height: int, width: int, radius: int) -> list[tuple[int, ...]]:
    """Per grid cell, the flat-index offsets (in heatmap elements) of the other cells of its
    ``(2 * radius + 1)``-square window, clipped at the grid border, as ``scoreIsMaximumInLocalWindow``
    walks them (y, then x). Cached per shape."""
    key = (height, width, radius)
    table = _WINDOW_CACHE.get(key)
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
        if len(_WINDOW_CACHE) > 16:
            _WINDOW_CACHE.clear()
        _WINDOW_CACHE[key] = table
    return table


def scores_not_below(scores: Sequence[float], score_threshold: float) -> list[int]:
    """Flat indices, ascending, of the scores the reference does not skip: ``score < scoreThreshold``
    is false (NaN scores, and every score for a NaN threshold, included)."""
    return [i for i, score in enumerate(scores) if not score < score_threshold]


def score_is_maximum_in_local_window(i: int, scores: Sequence[float], windows: Sequence[tuple[int, ...]]) -> bool:
    """Reference ``scoreIsMaximumInLocalWindow``: no score of the same part in the window (``windows``:
    ``local_windows``) is strictly greater than score ``i``."""
    score = scores[i]
    for d in windows[i // NUM_KEYPOINTS]:  # noqa: SIM110 -- the reference's loop, kept as written
        if scores[i + d] > score:
            return False
    return True


def build_part_with_score_queue(
    score_threshold: float, local_maximum_radius: int, scores: Sequence[float], height: int, width: int
) -> MaxHeap:
    """Reference ``buildPartWithScoreQueue``: a ``MaxHeap`` of the parts (flat indices) that are root candidates.

    A part is one when its score is not ``< score_threshold`` and ``score_is_maximum_in_local_window``;
    the parts are enqueued in the reference's loop order, with their scores as values.
    """
    scores = as_list(scores)  # read thousands of times: list items are ready-made floats
    windows = local_windows(height, width, local_maximum_radius)
    queue = MaxHeap()
    enqueue = queue.enqueue
    for i in scores_not_below(scores, score_threshold):
        if score_is_maximum_in_local_window(i, scores, windows):
            enqueue(scores[i], i)
    return queue


def heap_roots(
    scores: Sequence[float], score_threshold: float, height: int, width: int, handed_out: int = 0
) -> Iterator[int]:
    """The roots as decodeMultiplePoses dequeues them from ``buildPartWithScoreQueue``'s queue, lazily,
    after the first ``handed_out`` of them."""
    queue = build_part_with_score_queue(score_threshold, LOCAL_MAXIMUM_RADIUS, scores, height, width)
    for _ in range(handed_out):
        queue.dequeue()
    while not queue.empty():
        yield queue.dequeue()
