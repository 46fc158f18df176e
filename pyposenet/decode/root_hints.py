"""Multi-pose root candidates found where the scores arrive, checked here before they are used.

Finding the roots is most of multi-pose decoding: every one of the heatmap's 17 x H x W scores is
compared with the threshold and, above it, with its 3x3 window (``buildPartWithScoreQueue``). That
is one hot loop over thousands of floats, which Pyodide runs several times slower than posenet's JIT
does whatever the tricks (scan.py; docs/benchmarks.md), and nothing else in decoding is. So in the browser
web/root-candidates.js runs the reference's own loop on the scores as they are read back, and hands
over the local maxima not below the threshold, highest first (``RootCandidates``).

That is the reference heap's order while the scores are distinct. ``hinted_roots`` yields roots from
the list only while each step holds: the value is the score at its index, the next value is strictly
lower (a tie leaves the order to the heap's layout), and the list was made for this threshold or a
lower one. Where that stops, or at the end of a list cut short, the decoder's own search (``rest``,
the same sequence from the start) takes over after the roots already handed out. The list is not
used when a score is NaN (``RootCandidates.nan``: the reference heap's order is then no sorted order).
"""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING

from .outputs import as_float_view

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

HINT_BASE = 24
HINT_PER_POSE = 8
"""``root_candidate_count``: 24 + 8 per pose asked for, more than the shared frames took for five, ten
and twenty poses (a crowd at threshold 0); the counts are in docs/benchmarks.md."""


def root_candidate_count(max_pose_detections: int) -> int:
    """How many root candidates to ask for, for up to ``max_pose_detections`` poses."""
    return HINT_BASE + HINT_PER_POSE * max(int(max_pose_detections), 0)


class RootCandidates:
    """Local maxima of a heatmap not below ``threshold``, highest first: ``values`` (their scores) and
    ``indices`` (flat HWC, as floats), the first ``len(values)`` of ``found`` in all. ``nan``: some
    score is NaN (then the list is not used)."""

    __slots__ = ("values", "indices", "found", "threshold", "nan")

    def __init__(
        self, values: Sequence[float], indices: Sequence[float], found: int, threshold: float, nan: bool = False
    ) -> None:
        if len(values) != len(indices):
            raise ValueError(f"root candidates: {len(values)} values but {len(indices)} indices")
        if found < len(values):
            raise ValueError(f"root candidates: {len(values)} listed but only {found} found")
        self.values = values
        self.indices = indices
        self.found = int(found)
        self.threshold = threshold
        self.nan = bool(nan)

    @classmethod
    def from_flat(cls, flat: Sequence[float], found: int, threshold: float, nan: bool = False) -> RootCandidates:
        """From one float32 sequence (a byte memoryview is read as float32): the values, then as many
        indices (web/root-candidates.js)."""
        flat = as_float_view(flat)
        if len(flat) % 2:
            raise ValueError(f"root candidates: an even number of floats is needed, got {len(flat)}")
        half = len(flat) // 2
        return cls(flat[:half], flat[half:], found, threshold, nan)

    def __repr__(self) -> str:
        return f"RootCandidates({len(self.values)} of {self.found}, threshold={self.threshold})"


def hinted_roots(
    hint: RootCandidates, heatmap: Sequence[float], score_threshold: float, rest: Iterator[int]
) -> Iterator[int]:
    """The decoder's roots, in the reference's order: from ``hint`` while it is provably right, then ``rest``.

    ``heatmap``: the scores, none NaN. ``rest``: an iterator of the same roots from the first one on,
    used only where the hint cannot go on.
    """
    if not hint.threshold <= score_threshold:  # made for a higher threshold: roots may be missing
        yield from rest
        return
    values = hint.values
    indices = hint.indices
    size = len(heatmap)
    last = len(values) - 1
    complete = hint.found == len(values)
    handed_out = 0
    while handed_out <= last:
        value = values[handed_out]
        if value < score_threshold:
            return  # the rest are lower still: no root left at this threshold
        if handed_out < last:
            if not values[handed_out + 1] < value:
                break  # a tie (or not in order): the heap's layout decides
        elif not complete:
            break  # the next local maximum was left off the list
        index = int(indices[handed_out])
        if not (0 <= index < size and heatmap[index] == value):
            break  # not the score at that index: not to be trusted from here
        yield index
        handed_out += 1
    else:
        if complete:
            return  # every local maximum was on the list
    yield from islice(rest, handed_out, None)
