"""Root candidates found in the browser (decode/root_hints.py): faster multi-pose decoding, never different.

``browser_candidates`` (tests/support/decode.py) is web/root-candidates.js in Python; tests/e2e/test_root_hints.py
checks the JavaScript against it on real frames and on crafted heatmaps.
"""

import math

import numpy as np
import pytest

from pyposenet.decode import ModelOutputs, decode_multiple_poses, fast_roots, multi
from pyposenet.decode.root_hints import RootCandidates, hinted_roots, root_candidate_count
from pyposenet.decode.scan import OrderedScores
from pyposenet.parts import NUM_KEYPOINTS
from tests.support.decode import browser_candidates, f32_view, random_case, reference_multi

NK = NUM_KEYPOINTS


def decode(arrays, hint, *args):
    h, w = arrays[0].shape[:2]
    return decode_multiple_poses(ModelOutputs(h, w, *map(f32_view, arrays), root_candidates=hint), 16, *args)


def shared_outputs(testdata_dir):
    base = testdata_dir / "expected-js" / "mobilenet-float-075-stride16"
    names = ("heatmapScores", "offsets", "displacementFwd", "displacementBwd")
    for folder in sorted(p for p in base.iterdir() if (p / "heatmapScores.npy").exists()):
        yield folder.name, [np.load(folder / f"{n}.npy").astype(np.float32) for n in names]
    fixture = testdata_dir / "coreml-decode-fixture"
    bins = ("heatmapScores", "offsets", "displacementsFwd", "displacementsBwd")
    yield (
        "five-person fixture",
        [
            np.fromfile(fixture / f"{n}.bin", "<f4").reshape(33, 33, c)
            for n, c in zip(bins, (17, 34, 32, 32), strict=True)
        ],
    )


def root_order(heat, hint, threshold):
    """Every root the decoder would take, in order: from ``hint`` or, with None, from its own search."""
    h, w = heat.shape[:2]
    view = f32_view(heat)
    own = fast_roots.roots_in_byte_order(OrderedScores.of(view), threshold, h, w)
    return list(own if hint is None else hinted_roots(hint, view, threshold, own))


def test_hinted_decoding_equals_unhinted_on_every_shared_frame(testdata_dir):
    checked = 0
    for name, arrays in shared_outputs(testdata_dir):
        for threshold in (0.5, 0.3, 0.1, 0.0):
            for max_poses in (1, 5, 20):
                expected = decode(arrays, None, max_poses, threshold, 20)
                for made_at in (threshold, 0.0, -1.0):  # a list made for this threshold or a lower one
                    hint = browser_candidates(arrays[0], made_at, root_candidate_count(max_poses))
                    assert decode(arrays, hint, max_poses, threshold, 20) == expected, (name, threshold, max_poses)
                    checked += 1
    assert checked == 7 * 4 * 3 * 3  # every shared frame was there


def test_the_hint_alone_finds_the_roots_at_the_defaults(testdata_dir, monkeypatch):
    """The speed-up: with five poses asked for, the decoder's own search never runs on a shared frame."""

    def must_not_run(*args):
        raise AssertionError("the decoder searched for roots itself")
        yield  # a generator, like the one it replaces

    monkeypatch.setattr(fast_roots, "roots_in_byte_order", must_not_run)
    poses = 0
    for _name, arrays in shared_outputs(testdata_dir):
        for threshold in (0.5, 0.0):
            hint = browser_candidates(arrays[0], threshold, root_candidate_count(5))
            poses += len(decode(arrays, hint, 5, threshold, 20))
    assert poses > 40


@pytest.mark.parametrize("h, w", [(1, 1), (2, 3), (5, 4), (9, 9), (17, 17)])
@pytest.mark.parametrize("scores", ["uniform", "ties", "zeros", "wide", "close"])
@pytest.mark.parametrize("count", [1, 3, 8, 10_000])
def test_any_list_length_gives_the_reference_poses(h, w, scores, count):
    """Random scores, plateaus and ties, lists too short to finish: always the literal port's poses."""
    rng = np.random.default_rng(hash((h, w, scores, count)) % 2**32)
    arrays = random_case(rng, h, w, scores, 16.0)
    lists = [a.ravel().tolist() for a in arrays]
    for threshold, max_poses in ((0.5, 5), (0.0, 10), (0.25, 3), (1.0, 5)):
        hint = browser_candidates(arrays[0], threshold, count)
        expected = reference_multi(*lists, h, w, 16, max_poses, threshold, 20)
        assert decode(arrays, hint, max_poses, threshold, 20) == expected, (threshold, max_poses)


def test_negative_scores_decode_the_same_with_a_list():
    """Not a sigmoid's, but the list's order is still the reference's: the literal port's poses."""
    rng = np.random.default_rng(11)
    arrays = list(random_case(rng, 9, 9))
    arrays[0] = (arrays[0] - np.float32(0.5)).astype(np.float32)
    lists = [a.ravel().tolist() for a in arrays]
    for threshold in (0.2, -0.3, -1.0):
        expected = reference_multi(*lists, 9, 9, 16, 10, threshold, 20)
        assert decode(arrays, browser_candidates(arrays[0], threshold, 12), 10, threshold, 20) == expected


def corrupted(hint, how):
    values = np.array(hint.values, np.float32)
    indices = np.array(hint.indices, np.float32)
    if how == "not the score there":
        values[1] = np.float32(values[1] * 0.999)
    elif how == "indices swapped":
        indices[1], indices[2] = indices[2], indices[1]
    elif how == "out of range":
        indices[0] = 1e9
    elif how == "negative index":
        indices[0] = -1
    elif how == "nan":
        values[2] = np.nan
    elif how == "out of order":
        values[1], values[2] = values[2], values[1]
        indices[1], indices[2] = indices[2], indices[1]
    elif how == "a tie":
        values[2] = values[1]
    return RootCandidates(f32_view(values), f32_view(indices), hint.found, hint.threshold)


@pytest.mark.parametrize(
    "how", ["not the score there", "indices swapped", "out of range", "negative index", "nan", "out of order", "a tie"]
)
def test_a_wrong_list_is_caught_before_the_first_wrong_root(testdata_dir, how):
    """Each root taken from the list is checked: the score at its index, the next value strictly below."""
    _name, arrays = next(shared_outputs(testdata_dir))
    heat = arrays[0]
    for threshold in (0.5, 0.0):
        bad = corrupted(browser_candidates(heat, threshold, 64), how)
        expected = root_order(heat, None, threshold)
        assert len(expected) > 3
        assert root_order(heat, bad, threshold) == expected, how


def test_a_list_made_for_a_higher_threshold_is_not_used(testdata_dir):
    _name, arrays = next(shared_outputs(testdata_dir))
    hint = browser_candidates(arrays[0], 0.5, 64)
    assert root_order(arrays[0], hint, 0.1) == root_order(arrays[0], None, 0.1)
    assert len(root_order(arrays[0], None, 0.1)) > hint.found


def test_nan_scores_leave_the_list_unused(monkeypatch):
    """With a NaN score the reference heap's order is no sorted order: the generic path decides."""
    rng = np.random.default_rng(3)
    arrays = random_case(rng, 6, 6)
    arrays[0][2, 2, 0] = np.nan
    hint = browser_candidates(arrays[0], 0.5, 16)
    assert hint.nan
    calls = []
    monkeypatch.setattr(multi, "hinted_roots", lambda *a: calls.append(a) or iter(()))
    lists = [a.ravel().tolist() for a in arrays]
    got = decode(arrays, hint, 5, 0.5, 20)
    assert repr(got) == repr(reference_multi(*lists, 6, 6, 16, 5, 0.5, 20))
    assert calls == []


def test_with_a_list_the_scores_are_not_scanned_unless_needed(testdata_dir, monkeypatch):
    """The decoder's own search, and its scan of the scores' bytes, start only if the list runs out."""
    scans = []
    of = OrderedScores.of
    monkeypatch.setattr(OrderedScores, "of", staticmethod(lambda values: scans.append(1) or of(values)))
    _name, arrays = next(shared_outputs(testdata_dir))
    decode(arrays, browser_candidates(arrays[0], 0.5, 64), 5, 0.5, 20)
    assert scans == []
    decode(arrays, browser_candidates(arrays[0], 0.0, 2), 5, 0.0, 20)  # two listed, more needed
    assert scans == [1]


def hint_of(values, indices, found=None, threshold=0.0):
    return RootCandidates(values, indices, len(values) if found is None else found, threshold)


def test_hinted_roots_stop_at_the_threshold_and_at_the_end_of_a_complete_list():
    heat = [0.9, 0.8, 0.7, 0.6, 0.5]
    rest = iter([0, 1, 2, 3, 4])  # the decoder's own search: never needed here
    assert list(hinted_roots(hint_of([0.9, 0.7, 0.6], [0, 2, 3]), heat, 0.65, rest)) == [0, 2]
    assert list(hinted_roots(hint_of([0.9, 0.8], [0, 1]), heat, 0.0, rest)) == [0, 1]
    assert list(hinted_roots(hint_of([], [], found=0), heat, 0.0, rest)) == []
    assert next(rest) == 0  # untouched


def test_hinted_roots_hand_over_after_what_they_gave():
    heat = [0.9, 0.8, 0.8, 0.6]
    own = [0, 2, 1, 3]  # the heap's order for the tie
    assert list(hinted_roots(hint_of([0.9, 0.8, 0.8], [0, 1, 2]), heat, 0.5, iter(own))) == own  # a tie
    cut_short = hint_of([0.9, 0.8], [0, 1], found=4)
    assert list(hinted_roots(cut_short, heat, 0.5, iter([0, 1, 2, 3]))) == [0, 1, 2, 3]
    # cut short right before a tie: its last root is not taken, since the next one may come first
    assert list(hinted_roots(cut_short, heat, 0.5, iter(own))) == own


def test_root_candidate_count():
    assert root_candidate_count(5) == 64
    assert root_candidate_count(20) == 184
    assert root_candidate_count(0) == 24
    assert root_candidate_count(-3) == 24


def test_root_candidates_from_the_browser_are_checked_for_shape():
    flat = f32_view(np.array([0.9, 0.5, 4, 7], np.float32))
    hint = RootCandidates.from_flat(flat, 3, 0.5)
    assert hint.values.tolist() == [pytest.approx(0.9), 0.5] and hint.indices.tolist() == [4, 7]
    assert (hint.found, hint.threshold) == (3, 0.5)
    as_bytes = RootCandidates.from_flat(memoryview(np.array([0.9, 0.5, 4, 7], "<f4").tobytes()), 3, 0.5)
    assert as_bytes.indices.tolist() == [4, 7]  # a byte view (a JS ArrayBuffer's) is read as float32
    with pytest.raises(ValueError, match="an even number of floats is needed, got 3"):
        RootCandidates.from_flat(f32_view(np.zeros(3, np.float32)), 3, 0.5)
    with pytest.raises(ValueError, match="2 listed but only 1 found"):
        RootCandidates.from_flat(flat, 1, 0.5)
    with pytest.raises(ValueError, match="2 values but 1 indices"):
        RootCandidates(flat[:2], flat[2:3], 2, 0.5)
    assert math.isnan(RootCandidates.from_flat(flat, 2, math.nan).threshold)
