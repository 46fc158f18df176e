"""Root candidates from the model side (decode/root_hints.py): faster multi-pose decoding, never different.

web/model-core.js ``rootCandidates`` is emulated here in float32 with numpy (3x3 max pool, ``s +
floor(s - p)``, top-k); tests/e2e/test_root_hints.py checks the emulation against TF.js itself.
"""
import math

import numpy as np
import pytest

from pyposenet.decode import ModelOutputs, decode_multiple_poses, multi
from pyposenet.decode.root_hints import hinted_roots, root_candidate_count
from pyposenet.decode.scan import OrderedScores
from pyposenet.parts import NUM_KEYPOINTS

from .test_decode_fast_paths import random_case, reference_multi

NK = NUM_KEYPOINTS


def model_side_candidates(heat, k, ties="stable"):
    """What web/model-core.js ``rootCandidates`` computes: (values, indices) as float32.

    ``ties``: "stable" lists equal values by ascending index (as TF.js's topk does), "reversed" the
    other way: the decoder must not depend on it.
    """
    s = np.ascontiguousarray(heat, np.float32)
    h, w = s.shape[:2]
    padded = np.full((h + 2, w + 2, NK), -np.inf, np.float32)
    padded[1:-1, 1:-1] = s
    pooled = np.max([padded[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)], axis=0)
    c = (s + np.floor(s - pooled)).astype(np.float32).ravel()
    index = np.arange(c.size)
    order = np.lexsort((index if ties == "stable" else -index, -c))[:k]
    return c[order].astype(np.float32), order.astype(np.float32)


def flat_view(arrays, hint=None):
    parts = [np.asarray(a, np.float32).ravel() for a in arrays]
    if hint is not None:
        parts += [np.asarray(hint[0], np.float32), np.asarray(hint[1], np.float32)]
    return memoryview(np.concatenate(parts).astype("<f4")).cast("B").cast("f")


def decode(arrays, hint, *args):
    h, w = arrays[0].shape[:2]
    k = 0 if hint is None else len(hint[0])
    return decode_multiple_poses(ModelOutputs.from_flat(flat_view(arrays, hint), h, w, k), 16, *args)


def shared_outputs(testdata_dir):
    base = testdata_dir / "expected-js" / "mobilenet-float-075-stride16"
    names = ("heatmapScores", "offsets", "displacementFwd", "displacementBwd")
    for folder in sorted(p for p in base.iterdir() if (p / "heatmapScores.npy").exists()):
        yield folder.name, [np.load(folder / f"{n}.npy").astype(np.float32) for n in names]
    fixture = testdata_dir / "coreml-decode-fixture"
    bins = ("heatmapScores", "offsets", "displacementsFwd", "displacementsBwd")
    channels = (17, 34, 32, 32)
    yield "five-person fixture", [np.fromfile(fixture / f"{n}.bin", "<f4").reshape(33, 33, c)
                                  for n, c in zip(bins, channels)]


def test_hinted_decoding_equals_unhinted_on_every_shared_frame(testdata_dir):
    checked = 0
    for name, arrays in shared_outputs(testdata_dir):
        for threshold in (0.5, 0.3, 0.1, 0.0, -1.0, math.nan):
            for max_poses in (1, 5, 10, 20):
                k = root_candidate_count(max_poses, arrays[0].size)
                for ties in ("stable", "reversed"):
                    hint = model_side_candidates(arrays[0], k, ties)
                    expected = decode(arrays, None, max_poses, threshold, 20)
                    assert decode(arrays, hint, max_poses, threshold, 20) == expected, (name, threshold, max_poses)
                    checked += 1
    assert checked == 7 * 6 * 4 * 2  # every shared frame was there


def test_the_hint_alone_finds_the_roots_at_the_defaults(testdata_dir, monkeypatch):
    """The speed-up: with five poses asked for, the decoder's own search is not run on any shared frame."""
    def must_not_run(*args):
        raise AssertionError("the decoder searched for roots itself")
        yield  # a generator, like the one it replaces

    monkeypatch.setattr(multi, "_roots_in_byte_order", must_not_run)
    poses = 0
    for _name, arrays in shared_outputs(testdata_dir):
        for threshold in (0.5, 0.0):
            hint = model_side_candidates(arrays[0], root_candidate_count(5, arrays[0].size))
            poses += len(decode(arrays, hint, 5, threshold, 20))
    assert poses > 40


@pytest.mark.parametrize("h, w", [(1, 1), (2, 3), (5, 4), (9, 9), (17, 17)])
@pytest.mark.parametrize("scores", ["uniform", "ties", "zeros", "close"])
@pytest.mark.parametrize("k", [1, 2, 3, 8, 64, 10_000])
def test_any_hint_length_gives_the_reference_poses(h, w, scores, k):
    """Random sigmoid-range scores, plateaus and ties, hints too short to finish: the literal port's poses."""
    rng = np.random.default_rng(hash((h, w, scores, k)) % 2 ** 32)
    heat, offsets, fwd, bwd = random_case(rng, h, w, scores, 16.0)
    arrays = [heat, offsets, fwd, bwd]
    lists = [a.ravel().tolist() for a in arrays]
    hint = model_side_candidates(heat, min(k, heat.size), "stable" if k % 2 else "reversed")
    for threshold, max_poses in ((0.5, 5), (0.0, 10), (0.25, 3), (1.0, 5)):
        expected = reference_multi(*lists, h, w, 16, max_poses, threshold, 20)
        assert decode(arrays, hint, max_poses, threshold, 20) == expected, (threshold, max_poses)


def corrupted(hint, how):
    values, indices = (np.array(a, np.float32) for a in hint)
    if how == "value":
        values[1] = np.float32(values[1] * 0.999)
    elif how == "index":
        indices[1], indices[2] = indices[2], indices[1]
    elif how == "out of range":
        indices[0] = 1e9
    elif how == "negative index":
        indices[0] = -1
    elif how == "nan":
        values[2] = np.nan
    return values, indices


def root_order(heat, hint, threshold):
    """The roots the decoder takes, in order (all of them): from ``hint`` or, with None, its own search."""
    h, w = heat.shape[:2]
    view = flat_view([heat])
    own = lambda: multi._roots_in_byte_order(OrderedScores.of(view), threshold, h, w)  # noqa: E731
    return list(own() if hint is None else hinted_roots(hint[0], hint[1], view, threshold, own()))


@pytest.mark.parametrize("how", ["value", "index", "out of range", "negative index", "nan"])
def test_a_wrong_hint_is_caught_before_the_first_wrong_root(testdata_dir, how):
    """Every root taken from a hint is checked: its score at its index, the next value strictly below."""
    _name, arrays = next(shared_outputs(testdata_dir))
    heat = arrays[0]
    bad = corrupted(model_side_candidates(heat, 64), how)
    for threshold in (0.5, 0.0):
        expected = root_order(heat, None, threshold)
        assert len(expected) > 3
        assert root_order(heat, bad, threshold) == expected, how


def test_scores_outside_sigmoid_range_ignore_the_hint(monkeypatch):
    """Scores of 2.0 or more (not a sigmoid's): the hint is not consulted at all."""
    rng = np.random.default_rng(3)
    heat, offsets, fwd, bwd = random_case(rng, 6, 6)
    heat[2, 2, 0] = 3.0
    calls = []
    monkeypatch.setattr(multi, "hinted_roots", lambda *a: calls.append(a) or iter(()))
    hint = model_side_candidates(heat, 16)
    decode([heat, offsets, fwd, bwd], hint, 5, 0.5, 20)
    assert calls == []


def test_scores_between_one_and_two_make_fakes_that_are_caught():
    """Above 1.0, ``s + floor(s - p)`` is >= 0 for some scores that are not local maxima: the
    score check at each index catches them (``s - 1`` is never ``s`` below 2.0)."""
    rng = np.random.default_rng(4)
    heat, offsets, fwd, bwd = random_case(rng, 7, 7)
    heat = (heat + np.float32(0.99)).astype(np.float32)  # [0.99, 1.99)
    values, indices = model_side_candidates(heat, 200)
    genuine = values == heat.ravel()[indices.astype(int)]
    assert (~genuine & (values >= 0)).any()  # fakes there are
    lists = [a.ravel().tolist() for a in (heat, offsets, fwd, bwd)]
    for threshold in (0.5, 1.2, 0.0):
        expected = reference_multi(*lists, 7, 7, 16, 5, threshold, 20)
        assert decode([heat, offsets, fwd, bwd], (values, indices), 5, threshold, 20) == expected


def test_hinted_roots_stop_at_the_threshold_and_at_the_first_non_maximum():
    heat = [0.9, 0.8, 0.7, 0.6, 0.5]
    rest = iter([0, 1, 2, 3, 4])  # the decoder's own search, never reached here
    assert list(hinted_roots([0.9, 0.7, 0.6, -0.2], [0, 2, 3, 1], heat, 0.65, rest)) == [0, 2]
    assert list(hinted_roots([0.9, -0.2, -0.3], [0, 1, 2], heat, 0.0, rest)) == [0]
    assert next(rest) == 0  # untouched


def test_hinted_roots_hand_over_after_what_they_gave():
    heat = [0.9, 0.8, 0.8, 0.6]
    own = [0, 2, 1, 3]  # the heap's order for the tie
    assert list(hinted_roots([0.9, 0.8, 0.8], [0, 1, 2], heat, 0.5, iter(own))) == own  # a tie
    assert list(hinted_roots([0.9, 0.8], [0, 1], heat, 0.5, iter([0, 1, 2, 3]))) == [0, 1, 2, 3]  # ran out


def test_root_candidate_count():
    assert root_candidate_count(5, 4913) == 64
    assert root_candidate_count(20, 4913) == 184
    assert root_candidate_count(5, 17) == 17  # a 1x1 grid has 17 scores
    assert root_candidate_count(0, 4913) == 24
    assert root_candidate_count(-3, 4913) == 24


def test_from_flat_splits_the_root_candidates_off_the_end():
    h, w = 2, 3
    body = np.arange(h * w * 115, dtype=np.float32)
    hint_values = np.array([0.9, 0.5, -0.5], np.float32)
    hint_indices = np.array([4, 7, 0], np.float32)
    out = ModelOutputs.from_flat(flat_view([body], (hint_values, hint_indices)), h, w, 3)
    values, indices = out.root_candidates
    assert values.tolist() == pytest.approx([0.9, 0.5, -0.5]) and indices.tolist() == [4, 7, 0]
    assert out.displacement_bwd.tolist()[-1] == body[-1]
    assert ModelOutputs.from_flat(flat_view([body]), h, w).root_candidates is None
    with pytest.raises(ValueError, match=r"expected 696 floats \(2\*3\*115 \+ 2\*3 root candidates\), got 690"):
        ModelOutputs.from_flat(flat_view([body]), h, w, 3)
    with pytest.raises(ValueError, match="root_candidates must be 0 or more"):
        ModelOutputs.from_flat(flat_view([body]), h, w, -1)
