"""The fast paths of the multi-pose root search: the reference's roots, in the reference's order, sooner.

The reference builds a ``MaxHeap`` of every local maximum not below the threshold and dequeues
the roots from it (build_part_with_score_queue.py: ``heap_roots``). A max-heap hands out a strictly
largest value first whatever its layout, so while the scores are distinct the roots come out by
decreasing score, and only as many of them need to be found as the decoder takes:

* ``roots_in_byte_order``: for a float32 memoryview of scores that order like their bytes
  (scan.py's ``OrderedScores``; what the page and the host hand over), the scores are visited from
  the highest down in groups found by C loops over their bytes, and only those reached are read.
* ``roots_in_score_order``: for any other scores without NaN, the candidates are sorted by score.
* ``own_roots``: the one of the two that applies, started lazily (behind the browser's root
  candidates, root_hints.py, it is seldom needed).

From the first tie between roots on (the order then depends on the heap's layout), and with a NaN
score anywhere, they hand over to ``heap_roots``, the reference itself.

Held equal to the reference by: tests/unit/test_decode_fast_paths.py (random and adversarial
heatmaps, both paths against ``heap_roots`` and the reference ``decode_pose``:
``test_multi_fast_and_generic_paths_equal_the_literal_port``,
``test_a_tie_after_distinct_roots_hands_the_rest_to_the_heap``,
``test_local_maxima_found_all_at_once_give_the_same_roots``,
``test_scores_the_bytes_cannot_order_take_the_generic_path_with_the_same_results``),
tests/unit/test_decode_root_hints.py and tests/unit/test_decode_multi.py (posenet 2.2.2's own
outputs on every shared frame, bit-exact).
"""

from __future__ import annotations

from itertools import compress
from operator import itemgetter
from typing import TYPE_CHECKING, cast

from ..parts import NUM_KEYPOINTS
from .build_part_with_score_queue import (
    LOCAL_MAXIMUM_RADIUS,
    heap_roots,
    local_windows,
    score_is_maximum_in_local_window,
    scores_not_below,
)
from .scan import OrderedScores, level_of
from .util import as_list

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    Window = tuple[Callable[[Sequence[float]], tuple[float, ...]], tuple[int, ...]]
    """A score's window: ``(getter, indices)``, ``getter(heatmap)`` the scores at ``indices``."""

BULK_AFTER = 32
"""After one score in this many went through the one-by-one search for roots, the possible local
maxima among the rest are found all at once (``OrderedScores.local_maxima``) ..."""
BULK_WORTH = 16
"""... when at least one score in this many is left above the threshold: finding them all costs
about as much, in Pyodide, as going through that many one by one."""


_WINDOW_CACHE: dict[tuple[int, int], dict[int, Window]] = {}
_NO_NEIGHBOURS = cast("Window", object())  # the window of a cell without neighbours (a 1x1 grid)


def _neighbour_windows(height: int, width: int) -> dict[int, Window]:
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


def _new_window(i: int, windows: dict[int, Window], neighbours: Sequence[tuple[int, ...]]) -> Window:
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


def roots_in_score_order(scores: Sequence[float], score_threshold: float, height: int, width: int) -> Iterator[int]:
    """The root candidates in the order the reference's ``MaxHeap`` dequeues them, lazily (any scores).

    A max-heap hands out a strictly largest value first whatever its layout, so while scores are
    distinct (and not NaN) the order is by decreasing score: the candidates are sorted (in C) and
    only as many are tested for being local maxima as the decoder takes roots, plus one to look
    ahead for a tie. From the first tie on, the order depends on the heap's layout: the reference
    heap is built as the reference builds it (every local maximum, in flat order), the roots
    handed out already are dequeued from it, and it takes over. With a NaN anywhere, the heap does
    it all.
    """
    neighbours = local_windows(height, width, LOCAL_MAXIMUM_RADIUS)
    handed_out = 0
    total = sum(scores)
    if total == total:  # no NaN (nor +inf with -inf): scores order totally
        order = sorted(scores_not_below(scores, score_threshold), key=scores.__getitem__, reverse=True)
        maxima = (i for i in order if score_is_maximum_in_local_window(i, scores, neighbours))
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
    yield from heap_roots(scores, score_threshold, height, width, handed_out)


def roots_in_byte_order(  # noqa: C901 -- the hot root search, one loop kept whole for speed (test_decode_fast_paths)
    ordered: OrderedScores, score_threshold: float, height: int, width: int
) -> Iterator[int]:
    """``roots_in_score_order`` for scores that order like their bytes (``OrderedScores``).

    The scores come from ``ordered.descending`` a few at a time, highest first, so that only those
    the decoder reaches are read as floats, sorted and tested for being local maxima. A test reads
    the window's scores with one cached ``itemgetter``; a local maximum marks its neighbours below
    it, which then have a greater neighbour and are skipped unread when their turn comes. Once more
    than one in ``BULK_AFTER`` of the scores were gone through with many left (a low threshold and
    few people: the roots are among many small scores), the scores that may be local maxima are
    found all at once (``OrderedScores.local_maxima``) and the descent goes on through them alone,
    each tested exactly. A tie hands over to the reference heap.
    """
    heatmap: Sequence[float] = ordered.values
    get = heatmap.__getitem__
    windows = _neighbour_windows(height, width)
    neighbours = None
    dominated: set[int] = set()
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
                    neighbours = local_windows(height, width, LOCAL_MAXIMUM_RADIUS)
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
                    yield from heap_roots(heatmap, score_threshold, height, width, handed_out)
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
                        neighbours = local_windows(height, width, LOCAL_MAXIMUM_RADIUS)
                    window = _new_window(i, windows, neighbours)
                if window is not _NO_NEIGHBOURS and max(window[0](heatmap)) > score:
                    continue  # its key ties a neighbour's, and the neighbour is greater
                if current is not None:
                    if score == current_score:
                        yield from heap_roots(heatmap, score_threshold, height, width, handed_out)
                        return
                    yield current
                    handed_out += 1
                current = i
                current_score = score
    if current is not None:
        yield current


def own_roots(heatmap: Sequence[float], score_threshold: float, height: int, width: int) -> Iterator[int]:
    """The decoder's own search for roots (the byte-level one where it applies), started only when the
    first root is asked for: behind a list of root candidates it is seldom needed."""
    ordered = OrderedScores.of(heatmap)
    if ordered is not None:
        yield from roots_in_byte_order(ordered, score_threshold, height, width)
    else:
        yield from roots_in_score_order(as_list(heatmap), score_threshold, height, width)
