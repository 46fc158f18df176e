"""What the decoder tests share: PoseNet outputs as the decoders take them, the saved reference fixtures,
random and adversarial outputs, and the reference decoders the fast paths are held to.

``reference_multi`` is the package's own reference version (``multi.reference_decode_multiple_poses``:
build_part_with_score_queue.py, max_heap.py, decode_pose.py step by step, no fast path), which
tests/unit/test_decode_multi.py pins to posenet 2.2.2's outputs and its MaxHeap to the reference JS.
``reference_single`` is decodeSinglePose literally: every score compared, positions rounded to float32.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from pyposenet.decode import ModelOutputs
from pyposenet.decode.multi import reference_decode_multiple_poses
from pyposenet.decode.root_hints import RootCandidates
from pyposenet.parts import NUM_KEYPOINTS, PART_NAMES
from tests.conftest import TESTDATA_DIR

NK = NUM_KEYPOINTS
STRIDE = 16
"""The output stride of every saved reference fixture."""
NPY_NAMES = ["heatmapScores", "offsets", "displacementFwd", "displacementBwd"]
BIN_NAMES = ["heatmapScores", "offsets", "displacementsFwd", "displacementsBwd"]
CHANNELS = [17, 34, 32, 32]


# ---------------------------------------------------------------- outputs as the decoders take them


def f32_view(a) -> memoryview[float]:
    """What the browser hands over: a flat float32 memoryview."""
    data = np.ascontiguousarray(a, dtype="<f4").ravel()
    return memoryview(data).cast("B").cast("f")  # type: ignore[arg-type]  # numpy's stubs: __buffer__ is 3.12+


def flat(a) -> list[float]:
    """The array as a flat list of float32 values (the decoders' generic path)."""
    return np.asarray(a, np.float32).ravel().tolist()


def outputs_from(arrays, kind: str = "memoryview") -> ModelOutputs:
    """``ModelOutputs`` from four HWC arrays (heatmap, offsets, fwd, bwd), as float32 memoryviews or lists."""
    h, w = arrays[0].shape[:2]
    for a, c in zip(arrays, CHANNELS, strict=True):
        assert a.shape == (h, w, c) and a.dtype == np.float32
    convert = f32_view if kind == "memoryview" else flat
    heat, offsets, fwd, bwd = (convert(a) for a in arrays)
    return ModelOutputs(h, w, heat, offsets, fwd, bwd)


def outputs(heat, offsets, fwd, bwd, kind: str) -> ModelOutputs:
    return outputs_from([heat, offsets, fwd, bwd], kind)


# ---------------------------------------------------------------- saved reference fixtures


def _expected_js_cases() -> list[str]:
    """Every ``model/image`` case under testdata/expected-js: listed in an index.json, or with an expected.json.

    Only used to list the cases at collection time; the tests load through the ``testdata_dir``
    fixture, which fails loudly when the data is missing.
    """
    cases: set[str] = set()
    for index in sorted((TESTDATA_DIR / "expected-js").glob("*/index.json")):
        cases.update(f"{index.parent.name}/{name}" for name in json.loads(index.read_text())["images"])
    for expected in (TESTDATA_DIR / "expected-js").glob("*/*/expected.json"):
        cases.add(f"{expected.parent.parent.name}/{expected.parent.name}")
    return sorted(cases) or ["missing-testdata"]


EXPECTED_JS_CASES = _expected_js_cases()


def load_expected_js(testdata_dir: Path, case: str):
    """(arrays, expected.json) of an expected-js case."""
    folder = testdata_dir / "expected-js" / case
    arrays = [np.load(folder / f"{name}.npy") for name in NPY_NAMES]
    return arrays, json.loads((folder / "expected.json").read_text())


def load_coreml(testdata_dir: Path):
    """(arrays, expected_decode_js.json) of the 33x33 five-person fixture."""
    folder = testdata_dir / "coreml-decode-fixture"
    arrays = [
        np.fromfile(folder / f"{name}.bin", dtype="<f4").reshape(33, 33, c)
        for name, c in zip(BIN_NAMES, CHANNELS, strict=True)
    ]
    return arrays, json.loads((folder / "expected_decode_js.json").read_text())


# ---------------------------------------------------------------- random and adversarial outputs


def random_case(rng, h, w, scores="uniform", spread=8.0):
    """(heat, offsets, fwd, bwd) HWC float32 arrays; ``scores`` picks the heatmap's kind."""
    heat = rng.random((h, w, NK), dtype=np.float32)
    if scores == "ties":  # few distinct values: equal neighbours, equal maxima, equal roots
        heat = np.round(heat * 4) / 4
    elif scores == "zeros":
        heat[:] = 0
        heat[h // 2, w // 2, ::3] = 0.75
    elif scores == "wide":  # from denormals to above 2 (the high byte's whole non-negative range but 0x7F)
        heat = (heat * np.float32(2.0) ** rng.integers(-140, 60, heat.shape)).astype(np.float32)
    elif scores == "close":  # many scores sharing high byte and second byte: the finest splits
        heat = (np.float32(0.75) + rng.integers(0, 3, heat.shape) * np.float32(2**-20)).astype(np.float32)
    offsets = rng.normal(0, spread, (h, w, 2 * NK)).astype(np.float32)
    offsets[rng.random(offsets.shape) < 0.1] = 8.0  # exactly half a stride-16 cell: rounds up
    offsets[rng.random(offsets.shape) < 0.1] = -8.0
    fwd = rng.normal(0, 3 * spread, (h, w, 2 * (NK - 1))).astype(np.float32)
    bwd = rng.normal(0, 3 * spread, (h, w, 2 * (NK - 1))).astype(np.float32)
    return heat, offsets, fwd, bwd


# ---------------------------------------------------------------- the reference decoders


def reference_single(heat, offsets, h, w, stride):
    """decodeSinglePose literally, on flat lists: tf.argMax per part, float32 positions and scores."""
    keypoints = []
    total = 0.0
    for k in range(NK):
        best_cell, best = 0, heat[k]
        for cell in range(1, h * w):  # tf.argMax: replaced only by a strictly greater score
            if heat[cell * NK + k] > best:
                best_cell, best = cell, heat[cell * NK + k]
        hy, hx = best_cell // w, best_cell % w
        y = float(np.float32(hy * stride + offsets[best_cell * 2 * NK + k]))
        x = float(np.float32(hx * stride + offsets[best_cell * 2 * NK + NK + k]))
        score = float(np.float32(best))
        total += score
        keypoints.append({"score": score, "part": PART_NAMES[k], "position": {"x": x, "y": y}})
    return {"score": total / NK, "keypoints": keypoints}


def reference_multi(heat, offsets, fwd, bwd, h, w, stride, max_poses, threshold, nms_radius):
    """decodeMultiplePoses on flat lists, every step the reference's own (no fast path)."""
    return reference_decode_multiple_poses(
        ModelOutputs(h, w, heat, offsets, fwd, bwd), stride, max_poses, threshold, nms_radius
    )


def browser_candidates(heat, threshold, count):
    """What web/root-candidates.js hands over: RootCandidates over float32 memoryviews."""
    s = np.ascontiguousarray(heat, np.float32)
    h, w = s.shape[:2]
    found = []
    for y in range(h):
        for x in range(w):
            window = s[max(y - 1, 0) : y + 2, max(x - 1, 0) : x + 2]
            for k in range(NK):
                score = s[y, x, k]
                if score < threshold:
                    continue
                if not (window[:, :, k] > score).any():
                    found.append((y * w + x) * NK + k)
    flat = s.ravel()
    found.sort(key=lambda i: (-flat[i], i))
    kept = found[:count]
    data = np.concatenate([flat[kept], np.array(kept, np.float32)]).astype("<f4")
    nan = bool(np.isnan(flat).any())  # a NaN is never below the threshold, and always a local maximum
    view = memoryview(data).cast("B").cast("f")  # type: ignore[arg-type]  # numpy's stubs: __buffer__ is 3.12+
    return RootCandidates.from_flat(view, len(found), threshold, nan)
