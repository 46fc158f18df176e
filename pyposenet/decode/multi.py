"""Multi-person decoding: a pure-Python port of posenet 2.2.2 ``multi_pose/decode_multiple_poses.ts``.

One module per step of the reference, as in ``multi_pose/``:

* build_part_with_score_queue.py: the root candidates, in the order the reference's ``MaxHeap``
  (max_heap.py) hands them out (``heap_roots``);
* decode_pose.py: ``decodePose`` / ``traverseToTargetKeypoint``, one pose from its root;
* util.py: ``util.ts`` (``getImageCoords``, ``getOffsetPoint``, ``clamp``) and ``Math.round``;
* this module: ``decodeMultiplePoses`` and ``getInstanceScore``, with
  ``withinNmsRadiusOfCorrespondingPoint`` inline where they use it (it runs for every root and keypoint).

The first two steps have fast paths that give the same results, used where they apply:
fast_roots.py (and root_hints.py: root candidates found in the browser) for the roots,
fast_traversal.py for ``decodePose``. ``reference_decode_multiple_poses`` takes none of them: it is
the oracle the tests hold the fast paths to.

Everything works on flat HWC sequences with index arithmetic (outputs.py): this runs once per
video frame inside Pyodide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..parts import NUM_KEYPOINTS, PART_NAMES
from .build_part_with_score_queue import LOCAL_MAXIMUM_RADIUS, heap_roots
from .decode_pose import decode_pose
from .fast_roots import own_roots, roots_in_byte_order, roots_in_score_order
from .fast_traversal import decode_pose_tabled, tables_for
from .root_hints import hinted_roots
from .scan import OrderedScores
from .util import as_list

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from .outputs import ModelOutputs

    Keypoints = tuple[list[float], list[float], list[float]]
    """A decoded pose's keypoints: scores, ys, xs, each indexed by part id."""
    Positions = tuple[list[float], list[float]]
    """A decoded pose's keypoint positions: ys, xs."""

__all__ = ["LOCAL_MAXIMUM_RADIUS", "decode_multiple_poses", "get_instance_score", "reference_decode_multiple_poses"]


def get_instance_score(
    existing_poses: Sequence[Positions],
    squared_nms_radius: float,
    scores: Sequence[float],
    ys: Sequence[float],
    xs: Sequence[float],
) -> float:
    """Reference ``getInstanceScore``: the mean over the 17 parts of the scores of the keypoints that no
    earlier pose's same keypoint is within the NMS radius of, summed in part order."""
    total = 0.0
    if existing_poses:
        for k in range(NUM_KEYPOINTS):
            y = ys[k]
            x = xs[k]
            for pose_ys, pose_xs in existing_poses:  # withinNmsRadiusOfCorrespondingPoint, inline
                dy = pose_ys[k] - y
                dx = pose_xs[k] - x
                if dy * dy + dx * dx <= squared_nms_radius:
                    break
            else:
                total += scores[k]
    else:
        for score in scores:
            total += score
    return total / NUM_KEYPOINTS


def decode_multiple_poses(
    outputs: ModelOutputs,
    output_stride: float,
    max_pose_detections: int = 5,
    score_threshold: float = 0.5,
    nms_radius: float = 20,
) -> list[dict[str, Any]]:
    """Reference ``decodeMultiplePoses``.

    Root candidates (local heatmap maxima ``>= score_threshold``) are taken in the order the
    reference ``MaxHeap`` hands them out (decreasing score); a candidate within ``nms_radius``
    pixels (``<=``) of the same part of an earlier pose is skipped, otherwise the pose is
    decoded from it along the displacement fields. A pose's score is the sum of the scores
    of its keypoints not within ``nms_radius`` of the same keypoint of an earlier pose,
    divided by 17. At most ``max_pose_detections`` poses.

    ``outputs.root_candidates``, where the browser found them (root_hints.py), spare the search for
    roots; the results are the same without them.

    Returns ``[{"score": float, "keypoints": [{"score", "part", "position": {"x", "y"}}]}]``
    with positions in model-input pixels.
    """
    if max_pose_detections <= 0:
        return []
    heatmap = outputs.heatmap_scores
    offsets = outputs.offsets
    fwd = outputs.displacement_fwd
    bwd = outputs.displacement_bwd
    height = outputs.height
    width = outputs.width

    # The roots in the reference queue's order: fast_roots.py (or the browser's list) where it applies.
    roots: Iterable[int]
    hint = outputs.root_candidates
    if hint is not None and not hint.nan:  # found in the browser (root_hints.py), checked as taken
        roots = hinted_roots(hint, heatmap, score_threshold, own_roots(heatmap, score_threshold, height, width))
    else:
        ordered = OrderedScores.of(heatmap)
        if ordered is not None:
            roots = roots_in_byte_order(ordered, score_threshold, height, width)
        else:  # negative or NaN scores, or not a float32 memoryview
            heatmap = as_list(heatmap)
            roots = roots_in_score_order(heatmap, score_threshold, height, width)

    # decodePose: fast_traversal.py where its tables apply (a power-of-two stride), else the reference.
    tables = tables_for(output_stride, height, width)

    def decode(root: int) -> Keypoints:
        if tables is not None:
            try:
                return decode_pose_tabled(root, heatmap, offsets, fwd, bwd, tables)
            except KeyError:  # a position far outside the grid: computed
                pass
        return decode_pose(root, heatmap, offsets, output_stride, fwd, bwd, height, width)

    return _decode_poses(roots, decode, offsets, output_stride, width, max_pose_detections, nms_radius)


def reference_decode_multiple_poses(
    outputs: ModelOutputs,
    output_stride: float,
    max_pose_detections: int = 5,
    score_threshold: float = 0.5,
    nms_radius: float = 20,
) -> list[dict[str, Any]]:
    """``decode_multiple_poses`` with every step the reference's own: no fast path, no root candidates
    from the browser. Slower; the tests' oracle for the fast paths."""
    if max_pose_detections <= 0:
        return []
    heatmap = as_list(outputs.heatmap_scores)
    offsets = outputs.offsets
    height = outputs.height
    width = outputs.width

    def decode(root: int) -> Keypoints:
        return decode_pose(
            root, heatmap, offsets, output_stride, outputs.displacement_fwd, outputs.displacement_bwd, height, width
        )

    roots = heap_roots(heatmap, score_threshold, height, width)  # buildPartWithScoreQueue, dequeued
    return _decode_poses(roots, decode, offsets, output_stride, width, max_pose_detections, nms_radius)


def _decode_poses(
    roots: Iterable[int],
    decode: Callable[[int], Keypoints],
    offsets: Sequence[float],
    output_stride: float,
    width: int,
    max_pose_detections: int,
    nms_radius: float,
) -> list[dict[str, Any]]:
    """decodeMultiplePoses's loop: up to ``max_pose_detections`` poses from ``roots`` (flat heatmap
    indices, in the queue's order), each decoded by ``decode`` (decodePose) unless part-based NMS
    rejects its root."""
    nk = NUM_KEYPOINTS
    offset_channels = 2 * nk
    squared_nms_radius = nms_radius * nms_radius
    poses: list[tuple[float, Keypoints]] = []  # (instance score, keypoints)
    claimed: list[Positions] = []  # the poses' (ys, xs) so far, for withinNmsRadiusOfCorrespondingPoint
    for root in roots:
        # The root's position: getImageCoords(root.part), inline (it runs for every root).
        cell = root // nk
        root_id = root - cell * nk
        heatmap_y = cell // width
        o = cell * offset_channels + root_id
        y = heatmap_y * output_stride + offsets[o]
        x = (cell - heatmap_y * width) * output_stride + offsets[o + nk]
        # Part-based NMS: withinNmsRadiusOfCorrespondingPoint(poses, squaredNmsRadius, root, root.id), inline.
        for ys, xs in claimed:
            dy = ys[root_id] - y
            dx = xs[root_id] - x
            if dy * dy + dx * dx <= squared_nms_radius:
                break  # within the radius of an earlier pose's same part: rejected
        else:
            # A new pose from the root.
            keypoints = decode(root)
            scores, ys, xs = keypoints
            poses.append((get_instance_score(claimed, squared_nms_radius, scores, ys, xs), keypoints))
            claimed.append((ys, xs))
            if len(poses) >= max_pose_detections:
                break

    return [
        {
            "score": instance_score,
            "keypoints": [
                {"score": score, "part": part, "position": {"x": x, "y": y}}
                for score, part, x, y in zip(scores, PART_NAMES, xs, ys, strict=False)
            ],
        }
        for instance_score, (scores, ys, xs) in poses
    ]
