"""The decoders' fast paths (scores handled as bytes, traversal with tables) against the reference version.

The fixtures in test_decode_single/multi pin the decoders to posenet 2.2.2's outputs on real
frames. Here random and adversarial outputs (ties, zeros, scores above 1, tiny and huge values,
negative and NaN scores, large offsets, odd strides and thresholds) go through the decoders as a
float32 memoryview (the fast paths where they apply) and as a list (the generic paths), and both
must equal the reference version, step by step (tests/support/decode.py: ``reference_multi`` is
``multi.reference_decode_multiple_poses``, every score compared, the whole MaxHeap built, every
refinement step taken; ``reference_single`` is decodeSinglePose literally).
"""

import math
import random
from itertools import pairwise

import numpy as np
import pytest

from pyposenet.decode import decode_multiple_poses, decode_single_pose, fast_roots, fast_traversal, scan
from pyposenet.decode.decode_pose import decode_pose
from pyposenet.decode.scan import OrderedScores, level_of
from pyposenet.decode.util import js_round
from pyposenet.parts import NUM_KEYPOINTS
from tests.support.decode import f32_view, flat, outputs, random_case, reference_multi, reference_single

NK = NUM_KEYPOINTS


CASES = [
    (h, w, scores, spread)
    for h, w in [(1, 1), (1, 2), (2, 3), (5, 4), (9, 9)]
    for scores in ("uniform", "ties", "zeros", "wide", "close")
    for spread in (4.0, 40.0)
]
CASES += [(17, 17, "uniform", 40.0), (17, 17, "ties", 4.0), (17, 17, "close", 40.0), (17, 17, "wide", 4.0)]


@pytest.mark.parametrize("h, w, scores, spread", CASES)
def test_single_fast_and_generic_paths_equal_the_reference(h, w, scores, spread):
    rng = np.random.default_rng(hash((h, w, scores, spread)) % 2**32)
    heat, offsets, fwd, bwd = random_case(rng, h, w, scores, spread)
    for stride in (16, 8, 12):
        expected = reference_single(flat(heat), flat(offsets), h, w, stride)
        for kind in ("memoryview", "list"):
            assert decode_single_pose(outputs(heat, offsets, fwd, bwd, kind), stride) == expected, (kind, stride)


THRESHOLDS = [0.5, 0.0, 0.3, 1.0, -1.0, math.nan, 1e39, math.inf, 0.75]


@pytest.mark.parametrize("h, w, scores, spread", CASES)
def test_multi_fast_and_generic_paths_equal_the_reference(h, w, scores, spread):
    rng = np.random.default_rng(hash((h, w, scores, spread, "multi")) % 2**32)
    heat, offsets, fwd, bwd = random_case(rng, h, w, scores, spread)
    lists = [flat(a) for a in (heat, offsets, fwd, bwd)]
    configs = [(16, 5, 20), (8, 15, 5), (12, 3, 40), (32, 40, 0)]  # stride, max poses, NMS radius
    for i, threshold in enumerate(THRESHOLDS):
        for stride, max_poses, nms in (configs[i % 4], configs[(i + 1) % 4]):
            expected = reference_multi(*lists, h, w, stride, max_poses, threshold, nms)
            for kind in ("memoryview", "list"):
                got = decode_multiple_poses(outputs(heat, offsets, fwd, bwd, kind), stride, max_poses, threshold, nms)
                assert got == expected, (kind, threshold, stride, max_poses, nms)


@pytest.mark.parametrize("bad", [-0.25, -0.0, math.nan, math.inf, 2.0**127, -math.inf])
def test_scores_the_bytes_cannot_order_take_the_generic_path_with_the_same_results(bad):
    rng = np.random.default_rng(5)
    heat, offsets, fwd, bwd = random_case(rng, 6, 5)
    heat[2, 3, 4] = bad
    heat[0, 0, 0] = bad
    view = f32_view(heat)
    assert OrderedScores.of(view) is None
    lists = [flat(a) for a in (heat, offsets, fwd, bwd)]
    got = decode_single_pose(outputs(heat, offsets, fwd, bwd, "memoryview"), 16)
    assert repr(got) == repr(reference_single(lists[0], lists[1], 6, 5, 16))  # NaN != NaN, reprs agree
    for threshold in (0.5, 0.0, -1.0):
        expected = reference_multi(*lists, 6, 5, 16, 5, threshold, 20)
        got = decode_multiple_poses(outputs(heat, offsets, fwd, bwd, "memoryview"), 16, 5, threshold, 20)
        assert repr(got) == repr(expected)  # repr: NaN scores compare unequal to themselves


def test_ordered_scores_only_for_float32_memoryviews_of_orderable_scores():
    good = np.array([0.0, 0.5, 1e-45, 3.0, 2.0**126], np.float32)
    assert OrderedScores.of(f32_view(good)) is not None
    assert OrderedScores.of(f32_view(good)).top == 0x7E  # a score of 2 or more: every level is searched
    assert OrderedScores.of(f32_view(good[:3])).top == 0x3F
    assert OrderedScores.of(good.tolist()) is None
    assert OrderedScores.of(memoryview(good.astype(np.float64))) is None


@pytest.mark.parametrize("scores", ["uniform", "ties", "wide", "close"])
@pytest.mark.parametrize("many, split", [(48, 40), (2, 1), (0, 1)])
def test_descending_groups_cover_the_levels_in_decreasing_order(monkeypatch, scores, many, split):
    # Small MANY / SPLIT_LEVEL force the second-byte splits (by nibble, then by key) on small grids.
    monkeypatch.setattr(scan, "MANY", many)
    monkeypatch.setattr(scan, "SPLIT_LEVEL", split)
    rng = np.random.default_rng(11)
    heat = random_case(rng, 9, 7, scores)[0]
    values = flat(heat)
    ordered = OrderedScores.of(f32_view(heat))
    for floor in (0, 0x3E, 0x3F, 0x40):
        groups = list(ordered.descending(floor))
        indices = [i for group in groups for i in group]
        assert sorted(indices) == [i for i, v in enumerate(values) if np.float32(v).view("<u4") >> 24 >= floor]
        assert all(group == sorted(group) and group for group in groups)
        for upper, lower in pairwise(groups):
            assert min(values[i] for i in upper) > max(values[i] for i in lower)


@pytest.mark.parametrize("few", [6, 0])
def test_part_argmax_first_of_equal_maxima_through_every_split(monkeypatch, few):
    monkeypatch.setattr(scan, "FEW_TIES", few)
    rng = np.random.default_rng(3)
    h, w = 7, 6
    for trial in range(20):
        heat = random_case(rng, h, w, ["uniform", "ties", "close", "wide"][trial % 4])[0]
        view = f32_view(heat)
        ordered = OrderedScores.of(view)
        for k in range(NK):
            column = heat[:, :, k].ravel().tolist()
            assert ordered.part_argmax(k, NK) == column.index(max(column))


def test_level_of_is_the_lowest_high_byte_a_passing_score_can_have():
    rng = random.Random(2)
    for _ in range(2000):
        threshold = rng.choice([rng.random(), rng.random() * 1e-38, rng.random() * 1e30, 2.0 ** rng.randint(-149, 127)])
        value = float(np.float32(threshold))
        for v in (
            value,
            float(np.nextafter(np.float32(value), np.float32(np.inf))),
            float(np.nextafter(np.float32(value), np.float32(0))),
        ):
            if not v < threshold:
                assert np.float32(v).view("<u4") >> 24 >= level_of(threshold)
    assert level_of(0.0) == level_of(-3.0) == level_of(math.nan) == 0
    assert level_of(math.inf) == level_of(1e39) == 0x7F


@pytest.mark.parametrize("kind, bulk_after", [("memoryview", 24), ("memoryview", 10**9), ("list", 24)])
def test_a_tie_after_distinct_roots_hands_the_rest_to_the_heap(monkeypatch, kind, bulk_after):
    # Two distinct roots come out by score; then four equal ones, whose order only the reference's
    # quirky heap knows (it has to be built, and the two roots already handed out dequeued from it).
    h, w = 5, 9
    heat = np.zeros((h, w, NK), np.float32)
    offsets = np.zeros((h, w, 2 * NK), np.float32)
    disp = np.zeros((h, w, 2 * (NK - 1)), np.float32)
    heat[0, 0, 0], heat[0, 8, 0] = 0.9, 0.85
    for y, x, k in [(4, 0, 3), (2, 4, 5), (4, 8, 3), (0, 4, 9), (2, 0, 12)]:
        heat[y, x, k] = 0.3  # a lower high-byte level than the two first: a later group
    monkeypatch.setattr(fast_roots, "BULK_AFTER", bulk_after)  # 10**9: every local maximum found at once
    monkeypatch.setattr(fast_roots, "BULK_WORTH", bulk_after)
    lists = [flat(a) for a in (heat, offsets, disp, disp)]
    expected = reference_multi(*lists, h, w, 16, 10, 0.25, 0)
    assert len(expected) == 7
    assert [p["keypoints"][0]["score"] for p in expected[:2]] == [pytest.approx(0.9), pytest.approx(0.85)]
    got = decode_multiple_poses(outputs(heat, offsets, disp, disp, kind), 16, 10, 0.25, 0)
    assert got == expected
    # and the tied roots do not come out in flat order: the heap's layout decides
    tied_parts = [next(k for k, kp in enumerate(p["keypoints"]) if kp["score"] == pytest.approx(0.3)) for p in got[2:]]
    assert tied_parts != [3, 5, 3, 9, 12]


@pytest.mark.parametrize("scores", ["uniform", "ties", "zeros", "wide", "close"])
def test_local_maxima_found_all_at_once_give_the_same_roots(monkeypatch, scores):
    # BULK_AFTER = BULK_WORTH = 10**9: after the first group of scores, the rest of the roots come
    # from OrderedScores.local_maxima (the whole heatmap compared at once) instead of one by one.
    monkeypatch.setattr(fast_roots, "BULK_AFTER", 10**9)
    monkeypatch.setattr(fast_roots, "BULK_WORTH", 10**9)
    for h, w in [(1, 1), (1, 3), (4, 5), (9, 9)]:
        rng = np.random.default_rng(hash((h, w, scores, "bulk")) % 2**32)
        heat, offsets, fwd, bwd = random_case(rng, h, w, scores, 40.0)
        lists = [flat(a) for a in (heat, offsets, fwd, bwd)]
        for threshold in (0.5, 0.0, 0.3, math.nan):
            expected = reference_multi(*lists, h, w, 16, 8, threshold, 10)
            got = decode_multiple_poses(outputs(heat, offsets, fwd, bwd, "memoryview"), 16, 8, threshold, 10)
            assert got == expected, (h, w, threshold)


def test_local_maxima_keeps_every_score_whose_key_no_neighbour_beats():
    rng = np.random.default_rng(8)
    for h, w in [(1, 1), (2, 1), (3, 4), (8, 6)]:
        for scores in ("uniform", "ties", "zeros", "close", "wide"):
            heat = random_case(rng, h, w, scores)[0]
            maxima = OrderedScores.of(f32_view(heat)).local_maxima(h, w, NK)
            keys = (heat.view("<u4") >> 16).astype(np.int64)
            padded = np.pad(keys, ((1, 1), (1, 1), (0, 0)), constant_values=-1)
            kept = np.ones(heat.shape, bool)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    kept &= keys >= padded[1 + dy : h + 1 + dy, 1 + dx : w + 1 + dx]
            high = (np.where(kept, keys, 0) >> 8).astype(np.uint8).ravel()
            assert maxima.high == high.tobytes(), (h, w, scores)
            assert maxima.second == (np.where(kept, keys, 0) & 0xFF).astype(np.uint8).ravel().tobytes()
            assert np.array_equal(np.frombuffer(maxima.kept, np.uint8) != 0, kept.ravel())


@pytest.mark.parametrize("stride", [2, 8, 16, 32])
def test_grid_tables_round_every_position_as_get_strided_index_near_point(stride):
    h, w = 5, 7
    rows, cols, cell_ys, cell_xs, half = fast_traversal.grid_tables(h, w, stride)
    assert half == stride / 2
    margin = fast_traversal.GRID_MARGIN * stride
    points = [-0.0, 0.49999999999999994 * stride, -margin + 0.5, -margin - 0.5]
    for k in range(-fast_traversal.GRID_MARGIN - 1, max(h, w) + fast_traversal.GRID_MARGIN + 1):
        edge = k * stride - half  # Math.round's halves go up: the first position of cell k
        points += [edge, math.nextafter(edge, -math.inf), math.nextafter(edge, math.inf), edge + 0.5, edge - 0.5]
    for p in points:
        for table, size, scale in ((rows, h, w), (cols, w, 1)):
            expected = min(max(js_round(p / stride), 0), size - 1)
            if -margin <= math.floor(p) < (size - 1) * stride + margin:
                assert table[int(p)] == expected * scale, (p, size)
            else:
                assert int(p) not in table or table[int(p)] == expected * scale, (p, size)
    for cell in range(h * w):
        assert (cell_ys[cell], cell_xs[cell]) == (float(cell // w * stride), float(cell % w * stride))


def test_positions_outside_the_tables_are_computed():
    rng = np.random.default_rng(7)
    h, w = 6, 6
    heat, offsets, fwd, bwd = random_case(rng, h, w, "uniform", 4.0)
    fwd[..., :] = 5000.0  # every forward step lands far below and right of the grid
    bwd[..., :] = -5000.0
    lists = [flat(a) for a in (heat, offsets, fwd, bwd)]
    expected = reference_multi(*lists, h, w, 16, 5, 0.3, 20)
    assert decode_multiple_poses(outputs(heat, offsets, fwd, bwd, "memoryview"), 16, 5, 0.3, 20) == expected
    root = max(range(h * w * NK), key=lists[0].__getitem__)
    args = (f32_view(heat), f32_view(offsets), f32_view(fwd), f32_view(bwd))
    with pytest.raises(KeyError):
        fast_traversal.decode_pose_tabled(root, *args, fast_traversal.grid_tables(h, w, 16))


@pytest.mark.parametrize("stride", [2, 8, 16, 32])
@pytest.mark.parametrize("scores", ["uniform", "ties"])
def test_tabled_traversal_equals_decode_pose_from_every_root(stride, scores):
    h, w = 7, 6
    rng = np.random.default_rng(hash((stride, scores, "traversal")) % 2**32)
    heat, offsets, fwd, bwd = random_case(rng, h, w, scores, stride / 2)
    offsets[rng.random(offsets.shape) < 0.1] = stride / 2  # exactly half a cell: rounds up
    offsets[rng.random(offsets.shape) < 0.1] = -stride / 2
    for kind in (f32_view, flat):
        arrays = [kind(a) for a in (heat, offsets, fwd, bwd)]
        tables = fast_traversal.tables_for(stride, h, w)
        checked = 0
        for root in range(h * w * NK):
            expected = decode_pose(root, arrays[0], arrays[1], stride, arrays[2], arrays[3], h, w)
            try:
                got = fast_traversal.decode_pose_tabled(root, *arrays, tables)
            except KeyError:  # a position outside the tables: decode_multiple_poses computes it
                continue
            assert got == expected, (kind.__name__, root)
            checked += 1
        assert checked > h * w * NK * 0.9
