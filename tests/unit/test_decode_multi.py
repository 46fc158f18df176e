"""decode_multiple_poses against posenet 2.2.2's decodeMultiplePoses, plus its pieces by hand."""

import json
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pyposenet.decode import decode_multiple_poses
from pyposenet.decode.build_part_with_score_queue import build_part_with_score_queue
from pyposenet.decode.max_heap import MaxHeap
from pyposenet.decode.multi import reference_decode_multiple_poses
from pyposenet.decode.util import js_round
from pyposenet.parts import PART_NAMES
from tests.support.decode import EXPECTED_JS_CASES, STRIDE, f32_view, load_coreml, load_expected_js, outputs_from

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_MAX_HEAP_JS = REPO_ROOT / "node_modules/@tensorflow-models/posenet/dist/multi_pose/max_heap.js"

# (key in expected_decode_js.json, max detections, score threshold, nms radius)
COREML_CONFIGS = [
    ("decodeMultiplePoses_max5_thr0.5_nms20", 5, 0.5, 20),
    ("decodeMultiplePoses_max15_thr0.15_nms20", 15, 0.15, 20),
]


def assert_poses_match(got, expected):
    assert len(got) == len(expected)
    for i, (g_pose, e_pose) in enumerate(zip(got, expected, strict=True)):
        assert [kp["part"] for kp in g_pose["keypoints"]] == list(PART_NAMES)
        assert [kp["part"] for kp in e_pose["keypoints"]] == list(PART_NAMES)
        for g, e in zip(g_pose["keypoints"], e_pose["keypoints"], strict=True):
            where = f"pose {i} {g['part']}"
            assert abs(g["score"] - e["score"]) <= 1e-6, where
            assert abs(g["position"]["x"] - e["position"]["x"]) <= 1e-4, where
            assert abs(g["position"]["y"] - e["position"]["y"]) <= 1e-4, where
        assert abs(g_pose["score"] - e_pose["score"]) <= 1e-6, f"pose {i} score"


# ---------------------------------------------------------------- reference fixtures


@pytest.mark.parametrize("case", EXPECTED_JS_CASES)
@pytest.mark.parametrize("kind", ["memoryview", "list"])
def test_matches_reference_on_expected_js_fixture(testdata_dir, case, kind):
    arrays, expected = load_expected_js(testdata_dir, case)
    model, image = case.split("/")
    index = json.loads((testdata_dir / "expected-js" / model / "index.json").read_text())
    cfg = index["multi_config"]
    assert (cfg["maxDetections"], cfg["scoreThreshold"], cfg["nmsRadius"]) == (5, 0.5, 20)
    assert index["load_config"]["outputStride"] == STRIDE
    got = decode_multiple_poses(outputs_from(arrays, kind), STRIDE, 5, 0.5, 20)
    assert_poses_match(got, expected["decodeMultiplePoses_raw_model_coords"])
    assert len(got) == index["images"][image]["n_multi"]


@pytest.mark.parametrize("key, max_poses, threshold, nms", COREML_CONFIGS, ids=["max5-thr0.5", "max15-thr0.15"])
@pytest.mark.parametrize("kind", ["memoryview", "list"])
def test_matches_reference_on_coreml_fixture(testdata_dir, key, max_poses, threshold, nms, kind):
    arrays, expected = load_coreml(testdata_dir)
    got = decode_multiple_poses(
        outputs_from(arrays, kind), STRIDE, max_pose_detections=max_poses, score_threshold=threshold, nms_radius=nms
    )
    assert len(got) == max_poses  # both configs fill up (5 and 15 poses)
    assert_poses_match(got, expected[key])


def _plain(poses):
    return [
        [pose["score"]] + [(k["part"], k["score"], k["position"]["x"], k["position"]["y"]) for k in pose["keypoints"]]
        for pose in poses
    ]


def test_bit_exact_on_every_fixture(testdata_dir):
    # Stronger than the tolerances above: same double arithmetic in the same order as the
    # reference, so the JSON doubles come back exactly.
    # The reference version (every step the reference's own, the tests' oracle for the fast paths) too.
    for decode in (decode_multiple_poses, reference_decode_multiple_poses):
        for case in EXPECTED_JS_CASES:
            arrays, expected = load_expected_js(testdata_dir, case)
            got = decode(outputs_from(arrays), STRIDE, 5, 0.5, 20)
            assert _plain(got) == _plain(expected["decodeMultiplePoses_raw_model_coords"]), (decode.__name__, case)
        arrays, expected = load_coreml(testdata_dir)
        for key, max_poses, threshold, nms in COREML_CONFIGS:
            got = decode(outputs_from(arrays), STRIDE, max_poses, threshold, nms)
            assert _plain(got) == _plain(expected[key]), (decode.__name__, key)


def test_result_is_plain_json_data(testdata_dir):
    arrays, _ = load_coreml(testdata_dir)
    poses = decode_multiple_poses(outputs_from(arrays), STRIDE)
    assert poses and json.loads(json.dumps(poses)) == poses
    for pose in poses:
        assert set(pose) == {"score", "keypoints"} and type(pose["score"]) is float
        for kp in pose["keypoints"]:
            assert set(kp) == {"score", "part", "position"} and set(kp["position"]) == {"x", "y"}
            assert type(kp["score"]) is float and type(kp["position"]["x"]) is float


# ---------------------------------------------------------------- Math.round


@pytest.mark.parametrize(
    "value, expected",
    [
        (2.5, 3),  # Python's round(2.5) == 2
        (0.5, 1),  # round(0.5) == 0
        (1.5, 2),
        (-0.5, 0),  # Math.round(-0.5) is -0
        (-2.5, -2),  # halves go towards +infinity, also for negatives
        (-3.5, -3),
        (-2.5000001, -3),
        (2.4999999, 2),
        (0.49999999999999994, 0),  # floor(v + 0.5) would give 1
        (3.0, 3),
        (-7.0, -7),
        (1e15 + 0.5, 10**15 + 1),
    ],
)
def test_js_round(value, expected):
    result = js_round(value)
    assert result == expected
    assert isinstance(result, int)


def _synthetic(h, w):
    heat = np.zeros((h, w, 17), np.float32)
    offsets = np.zeros((h, w, 34), np.float32)
    fwd = np.zeros((h, w, 32), np.float32)
    bwd = np.zeros((h, w, 32), np.float32)
    return heat, offsets, fwd, bwd


def test_decoder_rounds_half_cells_up_like_javascript():
    # The nose root lands at (40, 40) = cell 2.5: Math.round gives cell 3 (banker's
    # rounding would give 2), so every traversed part is refined from cell (3, 3).
    heat, offsets, fwd, bwd = _synthetic(5, 5)
    heat[0, 0, 0] = 0.9
    offsets[0, 0, 0] = offsets[0, 0, 17] = 40.0
    heat[3, 3, 1:] = 0.3
    heat[2, 2, 1:] = 0.2
    poses = decode_multiple_poses(outputs_from([heat, offsets, fwd, bwd]), 16)
    assert len(poses) == 1
    kps = poses[0]["keypoints"]
    assert kps[0]["position"] == {"x": 40.0, "y": 40.0} and kps[0]["score"] == pytest.approx(0.9)
    for kp in kps[1:]:
        assert kp["position"] == {"x": 48.0, "y": 48.0}, kp["part"]
        assert kp["score"] == pytest.approx(0.3)
    assert poses[0]["score"] == pytest.approx((0.9 + 16 * 0.3) / 17)


def test_decoder_clamps_and_uses_the_right_channels():
    heat, offsets, fwd, bwd = _synthetic(5, 5)
    heat[4, 4, 9] = 0.95  # root: leftWrist at the bottom-right cell, position (64, 64)
    heat[4, 4, 7] = 0.25  # leftElbow score where its refinement ends
    # Backward edge 6 (leftElbow -> leftWrist) followed from the wrist's cell: far out of the grid.
    bwd[4, 4, 6], bwd[4, 4, 16 + 6] = 1000.0, 1000.0
    # Offsets of leftElbow (id 7) at the clamped cell: y channel 7, x channel 17 + 7.
    offsets[4, 4, 7], offsets[4, 4, 24] = 3.0, -2.0
    # Decoys on the channels a mix-up would read.
    bwd[4, 4, 16 + 7] = bwd[4, 4, 7] = -500.0
    fwd[4, 4, 6] = fwd[4, 4, 22] = -500.0
    offsets[4, 4, 9 + 17] = 0.0
    pose = decode_multiple_poses(outputs_from([heat, offsets, fwd, bwd]), 16)[0]
    wrist, elbow = pose["keypoints"][9], pose["keypoints"][7]
    assert wrist["position"] == {"x": 64.0, "y": 64.0} and wrist["score"] == pytest.approx(0.95)
    # (1064, 1064) -> cell (67, 67) clamped to (4, 4) -> (64 + 3, 64 - 2); again cell (4, 4).
    assert elbow["position"] == {"x": 62.0, "y": 67.0}
    assert elbow["score"] == pytest.approx(0.25)


# ---------------------------------------------------------------- MaxHeap


def _drain(heap):
    out = []
    while not heap.empty():
        out.append(heap.dequeue())
    return out


def test_max_heap_tie_order_hand_case():
    # Reference algorithm, 0-based with half(k) = floor(k / 2) and children 2k, 2k + 1:
    # enqueue A1 B1 C1: no swaps -> [A, B, C]. Enqueue D2 at 3: swim 3 -> parent 1 (B < D,
    # swap) -> [A, D, C, B]; 1 -> parent 0 (A < D, swap) -> [D, A, C, B].
    # dequeue D: swap 0 and 3 -> [B, A, C]; sink(0): j = 0, less(0, 1)? 1 < 1 no; stop.
    # dequeue B: swap 0 and 2 -> [C, A]; sink(0): less(0, 1)? no; stop.
    # dequeue C, then A.   => D B C A  (a stable order would be D A B C)
    heap = MaxHeap()
    for value, item in [(1, "A"), (1, "B"), (1, "C"), (2, "D")]:
        heap.enqueue(value, item)
    assert heap.size() == 4 and heap.max() == "D"
    assert _drain(heap) == ["D", "B", "C", "A"]


def test_max_heap_sink_prefers_left_child_on_ties():
    # enqueue A0 B1 C1 D1 E0 F1 (swims: B over A; C over A; F over A) -> [B, C, F, D, E, A].
    # dequeue B: A to the top; sink: 0 -> 1 (A < C) -> [C, A, F, D, E]; at 1 the children
    # F (2) and D (3) tie, less(2, 3) is false so j stays 2 -> [C, F, A, D, E].
    # dequeue C: E to the top; sink 0 -> 1 (F), then 1 -> 3 (A < D) -> [F, D, A, E].
    # dequeue F -> [D, E, A]; dequeue D -> [A, E] (A < E is false: no swap); then A, E.
    heap = MaxHeap()
    for value, item in zip([0, 1, 1, 1, 0, 1], "ABCDEF", strict=True):
        heap.enqueue(value, item)
    assert "".join(_drain(heap)) == "BCFDAE"


def test_max_heap_all_equal():
    # Hand-traced like above (and what the reference JS gives): A stays on top (no swaps on
    # enqueue); every dequeue then moves the last element to the top, where it stays.
    heap = MaxHeap()
    for i in range(6):
        heap.enqueue(5, "ABCDEF"[i])
    assert "".join(_drain(heap)) == "AFEDCB"


def test_max_heap_orders_distinct_values():
    rng = random.Random(7)
    values = rng.sample(range(1000), 200)
    heap = MaxHeap()
    for v in values:
        heap.enqueue(v, v)
    assert len(heap) == 200
    assert _drain(heap) == sorted(values, reverse=True)
    assert heap.empty() and heap.max() is None


@pytest.mark.skipif(
    shutil.which("node") is None or not REFERENCE_MAX_HEAP_JS.is_file(),
    reason="node or node_modules/@tensorflow-models/posenet not available",
)
def test_max_heap_matches_reference_js_on_random_ties():
    rng = random.Random(3)
    ops = []
    for _ in range(300):  # enqueue/dequeue mix with many equal values
        if ops and rng.random() < 0.3:
            ops.append(None)
        else:
            ops.append(rng.randint(0, 5))
    script = (
        "const {MaxHeap} = require(process.argv[1]); const ops = JSON.parse(process.argv[2]);"
        "const h = new MaxHeap(1000, e => e.v); const out = [];"
        "ops.forEach((v, i) => { if (v === null) { if (!h.empty()) out.push(h.dequeue().i); }"
        " else h.enqueue({v: v, i: i}); });"
        "while (!h.empty()) out.push(h.dequeue().i); console.log(JSON.stringify(out));"
    )
    ref = json.loads(
        subprocess.run(
            ["node", "-e", script, str(REFERENCE_MAX_HEAP_JS), json.dumps(ops)],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout
    )  # fmt: skip
    heap = MaxHeap()
    out = []
    for i, v in enumerate(ops):
        if v is None:
            if not heap.empty():
                out.append(heap.dequeue())
        else:
            heap.enqueue(v, i)
    out += _drain(heap)
    assert out == ref
    assert out != sorted(out, key=lambda i: (-ops[i], i))  # ties really are out of insertion order


# ---------------------------------------------------------------- buildPartWithScoreQueue


def test_part_queue_local_maximum_threshold_and_tie_order():
    heat, _, _, _ = _synthetic(3, 3)
    heat[1, 1, 2] = heat[0, 0, 2] = 0.6  # equal neighbours: both are local maxima
    heat[1, 1, 5] = 0.7
    heat[2, 2, 5] = 0.71  # strictly greater neighbour: (1, 1) part 5 is not a candidate
    heat[1, 1, 7] = 0.5  # exactly the threshold: kept
    heat[0, 1, 8] = 0.4999  # below: skipped
    heat[0, 2, 9] = 0.9
    heat[2, 0, 9] = 0.95  # same part, two cells apart in x and y: not neighbours
    flat = f32_view(heat)

    def idx(y, x, k):
        return (y * 3 + x) * 17 + k

    queue = build_part_with_score_queue(0.5, 1, flat, 3, 3)
    order = _drain(queue)
    assert set(order) == {idx(1, 1, 2), idx(0, 0, 2), idx(2, 2, 5), idx(1, 1, 7), idx(0, 2, 9), idx(2, 0, 9)}
    # Score order, and the quirky heap's tie order (checked against the reference JS):
    # the later-enqueued (1, 1) part 2 comes out before (0, 0) part 2.
    assert order == [idx(2, 0, 9), idx(0, 2, 9), idx(2, 2, 5), idx(1, 1, 2), idx(0, 0, 2), idx(1, 1, 7)]


def test_part_queue_without_the_ties_of_the_first_part():
    # The reference case without the extra part-9 entries: reasoned by hand in the style of
    # test_max_heap_tie_order_hand_case, enqueue order a=(0,0,2) b=(1,1,2) c=(1,1,7) d=(2,2,5).
    heat, _, _, _ = _synthetic(3, 3)
    heat[1, 1, 2] = heat[0, 0, 2] = 0.6
    heat[1, 1, 5] = 0.7
    heat[2, 2, 5] = 0.71
    heat[1, 1, 7] = 0.5
    queue = build_part_with_score_queue(0.5, 1, heat.ravel().tolist(), 3, 3)
    assert _drain(queue) == [141, 70, 2, 75]


# ---------------------------------------------------------------- NMS and instance scores


def _two_noses():
    heat, offsets, fwd, bwd = _synthetic(1, 5)
    heat[0, 0, 0] = 0.9  # nose at (0, 0)
    heat[0, 0, 1:] = 0.4  # the other parts of the first pose (below threshold: not roots)
    heat[0, 2, 0] = 0.8  # a second nose at x = 32
    return heat, offsets, fwd, bwd


@pytest.mark.parametrize("nms_radius, n_poses", [(32, 1), (31.999, 2), (20, 2)])
def test_root_nms_uses_squared_radius_inclusive(nms_radius, n_poses):
    poses = decode_multiple_poses(outputs_from(list(_two_noses())), 16, nms_radius=nms_radius)
    assert len(poses) == n_poses
    assert poses[0]["keypoints"][0]["position"] == {"x": 0.0, "y": 0.0}
    if n_poses == 2:
        assert poses[1]["keypoints"][0]["position"] == {"x": 32.0, "y": 0.0}


def test_max_pose_detections_limits_output():
    assert len(decode_multiple_poses(outputs_from(list(_two_noses())), 16, max_pose_detections=1)) == 1
    assert decode_multiple_poses(outputs_from(list(_two_noses())), 16, max_pose_detections=0) == []
    assert decode_multiple_poses(outputs_from(list(_two_noses())), 16, score_threshold=0.95) == []


def test_instance_score_skips_keypoints_claimed_by_earlier_poses():
    heat, offsets, fwd, bwd = _two_noses()
    # From the second nose (cell 2), the first refinement reads offsets at cell 2 that pull
    # every other part to x = 2, i.e. back to cell 0, where the first pose's parts are.
    offsets[0, 2, 18:] = -30.0
    poses = decode_multiple_poses(outputs_from([heat, offsets, fwd, bwd]), 16, nms_radius=20)
    assert len(poses) == 2
    first, second = poses
    assert first["score"] == pytest.approx((0.9 + 16 * 0.4) / 17)
    assert second["keypoints"][0]["position"] == {"x": 32.0, "y": 0.0}
    for kp in second["keypoints"][1:]:
        assert kp["position"] == {"x": 0.0, "y": 0.0}, kp["part"]
        assert kp["score"] == pytest.approx(0.4)
    # Only the nose is unclaimed: 0.8 / 17 (not (0.8 + 16 * 0.4) / 17).
    assert second["score"] == pytest.approx(0.8 / 17)
