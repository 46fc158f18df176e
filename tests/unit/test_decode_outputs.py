"""ModelOutputs: accepted buffer types, from_flat splitting and length validation."""

from array import array

import numpy as np
import pytest

from pyposenet.decode import ModelOutputs, decode_multiple_poses, decode_single_pose
from tests.support.decode import f32_view

CHANNELS = {"heatmap_scores": 17, "offsets": 34, "displacement_fwd": 32, "displacement_bwd": 32}


def _random_tensors(h, w, seed=0):
    rng = np.random.default_rng(seed)
    return {name: rng.random((h, w, c), dtype=np.float32) for name, c in CHANNELS.items()}


def _flat(tensors):
    return np.concatenate([tensors[name].ravel() for name in CHANNELS]).astype("<f4")


@pytest.mark.parametrize("kind", ["memoryview", "list", "array"])
def test_from_flat_round_trip(kind):
    h, w = 3, 5
    tensors = _random_tensors(h, w)
    flat = _flat(tensors)
    assert flat.size == h * w * 115
    buffer = {
        "memoryview": lambda: f32_view(flat),
        "list": lambda: flat.tolist(),
        "array": lambda: array("f", flat.tobytes()),
    }[kind]()
    out = ModelOutputs.from_flat(buffer, h, w)
    assert (out.height, out.width) == (h, w)
    for name, c in CHANNELS.items():
        part = getattr(out, name)
        assert len(part) == h * w * c
        t = tensors[name]
        # Element [y, x, c] lives at (y * width + x) * C + c.
        for y, x, ch in [(0, 0, 0), (2, 4, c - 1), (1, 3, c // 2), (2, 0, 1)]:
            assert part[(y * w + x) * c + ch] == float(t[y, x, ch])
        assert list(part) == t.ravel().tolist()


def test_from_flat_memoryview_is_zero_copy():
    h, w = 2, 2
    flat = _flat(_random_tensors(h, w))
    out = ModelOutputs.from_flat(f32_view(flat), h, w)
    assert isinstance(out.offsets, memoryview)
    flat[h * w * 17 + 5] = 42.0  # offsets element 5, written through the original buffer
    assert out.offsets[5] == 42.0
    flat[-1] = -7.0
    assert out.displacement_bwd[-1] == -7.0


def test_from_flat_accepts_byte_memoryview_as_float32():
    h, w = 2, 3
    flat = _flat(_random_tensors(h, w))
    out = ModelOutputs.from_flat(memoryview(flat.tobytes()), h, w)
    assert len(out.heatmap_scores) == h * w * 17
    assert out.displacement_fwd[7] == float(flat[h * w * (17 + 34) + 7])


@pytest.mark.parametrize("delta", [-1, 1, -115])
def test_from_flat_length_error_names_expected_and_actual(delta):
    h, w = 17, 17
    n = h * w * 115 + delta
    with pytest.raises(ValueError) as info:
        ModelOutputs.from_flat([0.0] * n, h, w)
    message = str(info.value)
    assert str(h * w * 115) in message
    assert str(n) in message


def test_from_flat_rejects_buffer_for_other_grid():
    flat = _flat(_random_tensors(9, 9))
    with pytest.raises(ValueError, match="33"):
        ModelOutputs.from_flat(f32_view(flat), 33, 33)


def test_constructor_validates_each_tensor_length():
    h, w = 4, 4
    t = {name: v.ravel().tolist() for name, v in _random_tensors(h, w).items()}
    ModelOutputs(h, w, **t)  # fine
    bad = dict(t, displacement_fwd=t["displacement_fwd"][:-1])
    with pytest.raises(ValueError, match="displacement_fwd.*512.*511"):
        ModelOutputs(h, w, **bad)


def test_has_slots():
    out = ModelOutputs.from_flat([0.0] * 115, 1, 1)
    with pytest.raises(AttributeError):
        out.something_else = 1


def test_decoders_give_same_result_through_from_flat(testdata_dir):
    folder = testdata_dir / "expected-js" / "mobilenet-float-075-stride16" / "three_people"
    names = ["heatmapScores", "offsets", "displacementFwd", "displacementBwd"]
    arrays = [np.load(folder / f"{n}.npy") for n in names]
    h, w = arrays[0].shape[:2]
    separate = ModelOutputs(h, w, *[f32_view(a) for a in arrays])
    flat = np.concatenate([a.ravel() for a in arrays]).astype("<f4")
    joined = ModelOutputs.from_flat(f32_view(flat), h, w)
    assert decode_single_pose(joined, 16) == decode_single_pose(separate, 16)
    multi = decode_multiple_poses(joined, 16)
    assert len(multi) == 4
    assert multi == decode_multiple_poses(separate, 16)
