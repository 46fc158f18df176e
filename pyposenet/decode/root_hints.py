"""Multi-pose root candidates found beside the network, and checked here before they are used.

Finding the roots is most of multi-pose decoding: every one of the heatmap's 17 x H x W scores is
compared with the threshold and, above it, with its 3x3 window (``buildPartWithScoreQueue``). In
Pyodide that costs 3-4 times what posenet's JIT-compiled loop does, whatever the tricks
(scan.py). On the CPU backends (wasm, cpu) web/model-core.js (``rootCandidates``) therefore
computes, with the network's outputs and in the same read-back, for the sigmoid scores ``s``:

    p = maxPool(s, 3x3, stride 1, 'same')      the window's highest score, per part
    c = s + floor(s - p)                       = s where s is its window's maximum, else < 0
    values, indices = topk(c, count)           the highest ``count``, in decreasing order

For ``0 <= s <= 1`` (sigmoid's range) ``s - p`` is exactly 0 at a local maximum, so ``c`` is ``s``
itself, and in ``[-1, 0)`` elsewhere, so ``c = s - 1 < 0``. The local maxima are then the
non-negative ``values``, highest first, each with the exact score the reference enqueues.

That is the reference heap's order while the scores are distinct. ``hinted_roots`` yields roots
from the list only while each step can be proven: the value is the score at its index, all
scores are below 2.0 (for larger ones ``s - 1`` could round back to ``s``), and the next value is
strictly lower (a tie leaves the order to the heap's layout, a question for ``rest``). Where that
stops, or past the list's end, the decoder's own search (``rest``, the same sequence from the
start) takes over after the roots already handed out. So a hint can make decoding faster, never
different.
"""
from itertools import islice

HINT_BASE = 24
HINT_PER_POSE = 8
"""``root_candidate_count``: 24 + 8 per pose asked for. On the shared frames five poses took at most
38 roots (most 7 to 35), ten 66, twenty 105 (a crowd at threshold 0)."""


def root_candidate_count(max_pose_detections, heatmap_size=None):
    """How many root candidates to ask the model side for, for up to ``max_pose_detections`` poses
    (no more than the heatmap's ``heatmap_size`` scores, where known; the model side caps it too)."""
    wanted = HINT_BASE + HINT_PER_POSE * max(int(max_pose_detections), 0)
    return wanted if heatmap_size is None else max(0, min(wanted, int(heatmap_size)))


def hinted_roots(values, indices, heatmap, score_threshold, rest):
    """The decoder's roots, in the reference's order: from the hint while it is provably right, then ``rest``.

    ``values`` / ``indices``: the model side's ``topk`` (floats; the indices are whole numbers).
    ``heatmap``: the scores, all in ``[0, 2)`` (the caller checks: ``OrderedScores.top == 0x3F``).
    ``rest``: an iterator of the same roots from the first one on, used only if the hint runs out.
    """
    size = len(heatmap)
    last = len(values) - 1
    handed_out = 0
    while handed_out <= last:
        value = values[handed_out]
        if value < 0 or value < score_threshold:
            return  # no local maximum left, or none at the threshold: the reference's queue is empty
        if handed_out == last or values[handed_out + 1] == value:
            break  # the next value is unknown, or ties: the order is the heap's to give
        index = int(indices[handed_out])
        if not (0 <= index < size and heatmap[index] == value):
            break  # not the score at that index: the hint is not to be trusted from here
        yield index
        handed_out += 1
    yield from islice(rest, handed_out, None)
