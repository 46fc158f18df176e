"""Port of posenet 2.2.2 ``multi_pose/decode_pose.ts``: one pose, decoded from its root part.

The root's position is its cell's corner plus its offset; from there the pose chain is followed
up the tree with the backward displacements (child -> parent, edges in reverse order), then down
with the forward ones (parent -> child, edges in order), each new part placed by its displacement
from the part before it and refined twice with its own offsets (``traverse_to_target_keypoint``).

This is the reference algorithm step by step; fast_traversal.py does the same with look-up tables
where they apply (a power-of-two stride) and falls back to ``decode_pose`` elsewhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..parts import NUM_KEYPOINTS, PARENT_CHILD_IDS
from .util import clamp, get_image_coords, get_offset_point, js_round

if TYPE_CHECKING:
    from collections.abc import Sequence

NUM_EDGES = len(PARENT_CHILD_IDS)  # 16
PARENT_TO_CHILD_EDGES = tuple(child for _parent, child in PARENT_CHILD_IDS)
"""Reference ``parentToChildEdges``: the child part of each edge."""
CHILD_TO_PARENT_EDGES = tuple(parent for parent, _child in PARENT_CHILD_IDS)
"""Reference ``childToParentEdges``: the parent part of each edge."""
OFFSET_REFINE_STEP = 2
"""Reference ``offsetRefineStep`` (traverseToTargetKeypoint's default)."""


def get_displacement(edge_id: int, y: int, x: int, displacements: Sequence[float], width: int) -> tuple[float, float]:
    """Reference ``getDisplacement``: the (y, x) displacement along edge ``edge_id`` at cell ``(y, x)``."""
    d = (y * width + x) * 2 * NUM_EDGES + edge_id
    return displacements[d], displacements[d + NUM_EDGES]


def get_strided_index_near_point(y: float, x: float, output_stride: float, height: int, width: int) -> tuple[int, int]:
    """Reference ``getStridedIndexNearPoint``: the cell (y, x) nearest a position, clamped to the grid."""
    return (clamp(js_round(y / output_stride), 0, height - 1), clamp(js_round(x / output_stride), 0, width - 1))


def traverse_to_target_keypoint(
    edge_id: int,
    source_y: float,
    source_x: float,
    target_id: int,
    scores: Sequence[float],
    offsets: Sequence[float],
    output_stride: float,
    displacements: Sequence[float],
    height: int,
    width: int,
    offset_refine_step: int = OFFSET_REFINE_STEP,
) -> tuple[float, float, float]:
    """Reference ``traverseToTargetKeypoint``: the target part's (score, y, x), from the source part's position."""
    # Nearest neighbour interpolation for the source -> target displacements.
    cell_y, cell_x = get_strided_index_near_point(source_y, source_x, output_stride, height, width)
    displacement_y, displacement_x = get_displacement(edge_id, cell_y, cell_x, displacements, width)
    y = source_y + displacement_y
    x = source_x + displacement_x
    for _ in range(offset_refine_step):
        cell_y, cell_x = get_strided_index_near_point(y, x, output_stride, height, width)
        offset_y, offset_x = get_offset_point(cell_y, cell_x, target_id, offsets, width)
        y = cell_y * output_stride + offset_y
        x = cell_x * output_stride + offset_x
    cell_y, cell_x = get_strided_index_near_point(y, x, output_stride, height, width)
    return scores[(cell_y * width + cell_x) * NUM_KEYPOINTS + target_id], y, x


def decode_pose(
    root: int,
    scores: Sequence[float],
    offsets: Sequence[float],
    output_stride: float,
    displacements_fwd: Sequence[float],
    displacements_bwd: Sequence[float],
    height: int,
    width: int,
) -> tuple[list[float], list[float], list[float]]:
    """Reference ``decodePose`` from the root part ``root`` (a flat heatmap index).

    Returns three 17-long lists, indexed by part id: the keypoints' scores, ys and xs (model-input pixels).
    """
    keypoints: list[tuple[float, float, float] | None] = [None] * NUM_KEYPOINTS  # (score, y, x) per part
    cell, root_id = divmod(root, NUM_KEYPOINTS)
    heatmap_y, heatmap_x = divmod(cell, width)
    root_y, root_x = get_image_coords(heatmap_y, heatmap_x, root_id, output_stride, offsets, width)
    keypoints[root_id] = (scores[root], root_y, root_x)

    # Decode the part positions upwards in the tree, following the backward displacements.
    for edge in reversed(range(NUM_EDGES)):
        source_id = PARENT_TO_CHILD_EDGES[edge]
        target_id = CHILD_TO_PARENT_EDGES[edge]
        source = keypoints[source_id]
        if source is not None and keypoints[target_id] is None:
            keypoints[target_id] = traverse_to_target_keypoint(
                edge, source[1], source[2], target_id, scores, offsets, output_stride, displacements_bwd, height, width
            )

    # Decode the part positions downwards in the tree, following the forward displacements.
    for edge in range(NUM_EDGES):
        source_id = CHILD_TO_PARENT_EDGES[edge]
        target_id = PARENT_TO_CHILD_EDGES[edge]
        source = keypoints[source_id]
        if source is not None and keypoints[target_id] is None:
            keypoints[target_id] = traverse_to_target_keypoint(
                edge, source[1], source[2], target_id, scores, offsets, output_stride, displacements_fwd, height, width
            )

    decoded = [keypoint for keypoint in keypoints if keypoint is not None]  # the chain reaches every part
    return [k[0] for k in decoded], [k[1] for k in decoded], [k[2] for k in decoded]
