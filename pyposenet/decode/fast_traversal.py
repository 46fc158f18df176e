"""The fast path of ``decode_pose.decode_pose``: the same traversal, with look-up tables, where they apply.

``decode_pose`` (decode_pose.py) is the reference algorithm step by step. For a power-of-two output
stride >= 2 (PoseNet's 8, 16 and 32), ``decode_pose_tabled`` gives the same keypoints, bit for bit,
with ``getStridedIndexNearPoint`` as table look-ups (``grid_tables``), the edges each root part
decodes known in advance (``EDGE_STEPS``), and the second refinement step (and the score look-up) skipped
where the first lands back in its own cell, where they would read the same offsets again.
``decode_multiple_poses`` (multi.py) uses it where ``tables_for`` gives tables, and ``decode_pose``
elsewhere and for a position outside the tables (``KeyError``).

Held equal to the reference by: tests/unit/test_decode_fast_paths.py
(``test_multi_fast_and_generic_paths_equal_the_literal_port``: random and adversarial outputs at strides
8, 12, 16 and 32 against ``decode_pose`` and the reference heap;
``test_grid_tables_round_every_position_as_get_strided_index_near_point``;
``test_positions_outside_the_tables_are_computed``), and tests/unit/test_decode_multi.py (posenet 2.2.2's
own outputs on every shared frame, bit-exact).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..parts import NUM_KEYPOINTS
from .decode_pose import CHILD_TO_PARENT_EDGES, NUM_EDGES, PARENT_TO_CHILD_EDGES

if TYPE_CHECKING:
    from collections.abc import Sequence

    GridTables = tuple[dict[int, int], dict[int, int], tuple[float, ...], tuple[float, ...], float]
    Step = tuple[int, int, int, int, int]

GRID_MARGIN = 8
"""Positions up to this many strides outside the grid are in the tables of ``grid_tables``."""

_GRID_TABLES: dict[tuple[int, int, int], GridTables] = {}


def _is_power_of_two(stride: float) -> bool:
    return stride == int(stride) and stride >= 1 and int(stride) & (int(stride) - 1) == 0


def grid_tables(height: int, width: int, stride: int) -> GridTables:
    """For a power-of-two ``stride >= 2``: ``getStridedIndexNearPoint`` as look-ups, cached per shape.

    ``(rows, cols, cell_ys, cell_xs, half)``: ``rows[int(y)]`` is the row's first cell (``iy * width``),
    ``cols[int(x)]`` the column, ``cell_ys[cell]`` / ``cell_xs[cell]`` the cell's corner in pixels
    (floats), ``half`` is ``stride / 2``. ``Math.round(p / stride)`` changes value only at
    ``k * stride - stride / 2``, an
    integer, halves going up: on ``[n, n + 1)`` it is ``(n + stride // 2) // stride``, and ``int(p)``
    (truncation) differs from ``floor(p)`` only below 0, where the clamped index is 0 either way.
    Positions outside the tables raise ``KeyError`` (as do none of a real frame's).
    """
    key = (height, width, stride)
    tables = _GRID_TABLES.get(key)
    if tables is None:
        half = stride // 2
        margin = GRID_MARGIN * stride

        def index_table(size: int, scale: int) -> dict[int, int]:
            return {
                n: min(max((n + half) // stride, 0), size - 1) * scale
                for n in range(-margin, (size - 1) * stride + margin)
            }

        cells = range(height * width)
        tables = (
            index_table(height, width),
            index_table(width, 1),
            tuple(float(cell // width * stride) for cell in cells),
            tuple(float(cell % width * stride) for cell in cells),
            stride / 2,
        )
        if len(_GRID_TABLES) > 4:
            _GRID_TABLES.clear()
        _GRID_TABLES[key] = tables
    return tables


def tables_for(stride: float, height: int, width: int) -> GridTables | None:
    """``grid_tables`` where they apply (a power-of-two stride >= 2), else None."""
    if stride >= 2 and _is_power_of_two(stride):
        return grid_tables(height, width, int(stride))
    return None


def _traversal_plan(root_id: int) -> tuple[tuple[Step, ...], tuple[Step, ...]]:
    """decodePose's steps from a root part: (backward steps, forward steps), each
    ``(edge, edge + 16, source id, target id, target id + 17)`` (the x columns of the edge and the target).

    The reference walks the edges in reverse with the backward displacements (child -> parent),
    then in order with the forward ones (parent -> child), decoding each target whose source is
    decoded and which is not yet; which parts are decoded depends only on the root's part, so the
    16 steps are known in advance.
    """
    decoded = {root_id}
    backward = []
    for edge in reversed(range(NUM_EDGES)):
        source, target = PARENT_TO_CHILD_EDGES[edge], CHILD_TO_PARENT_EDGES[edge]
        if source in decoded and target not in decoded:
            backward.append((edge, edge + NUM_EDGES, source, target, target + NUM_KEYPOINTS))
            decoded.add(target)
    forward = []
    for edge in range(NUM_EDGES):
        source, target = CHILD_TO_PARENT_EDGES[edge], PARENT_TO_CHILD_EDGES[edge]
        if source in decoded and target not in decoded:
            forward.append((edge, edge + NUM_EDGES, source, target, target + NUM_KEYPOINTS))
            decoded.add(target)
    return tuple(backward), tuple(forward)


EDGE_STEPS = tuple(_traversal_plan(root_id) for root_id in range(NUM_KEYPOINTS))
"""Per root part id, ``_traversal_plan``."""


def decode_pose_tabled(
    root_index: int,
    heatmap: Sequence[float],
    offsets: Sequence[float],
    fwd: Sequence[float],
    bwd: Sequence[float],
    tables: GridTables,
) -> tuple[list[float], list[float], list[float]]:
    """``decode_pose.decode_pose`` with ``getStridedIndexNearPoint`` looked up in ``tables`` (``grid_tables``).

    A point ``cell * stride + offset`` with ``-stride / 2 <= offset < stride / 2`` rounds back to
    ``cell`` (for a power-of-two stride the division is exact): then the second refinement would
    read the same offsets again and the score comes from the same cell, so both are skipped, and
    the keypoint's cell is kept for the edges that start from it.

    Returns three 17-long lists: scores, ys, xs, indexed by part id. Raises ``KeyError`` for a
    position outside the tables.
    """
    nk = NUM_KEYPOINTS
    off_col = 2 * nk
    dis_col = 2 * NUM_EDGES
    rows, cols, cell_ys, cell_xs, half = tables
    low = -half

    scores = [0.0] * nk
    ys = [0.0] * nk
    xs = [0.0] * nk
    cells = [-1] * nk  # the flat cell index of a keypoint known to round to its own cell

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

    backward, forward = EDGE_STEPS[root_id]
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
