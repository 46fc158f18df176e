"""decode_single_pose against posenet 2.2.2's decodeSinglePose on every saved fixture."""

import json

import numpy as np
import pytest

from pyposenet.decode import decode_single_pose
from pyposenet.parts import PART_NAMES
from tests.support.decode import EXPECTED_JS_CASES, NPY_NAMES, STRIDE, load_coreml, load_expected_js, outputs_from

#: Every saved posenet 2.2.2 case (testdata/expected-js/<model>/<image>): what the tests here go through.
SHARED_CASES = [f"mobilenet-float-050-stride16/{image}" for image in ("starter", "tennis_in_crowd", "three_people")] + [
    f"mobilenet-float-075-stride16/{image}"
    for image in ("baseball", "pose", "runner", "starter", "tennis_in_crowd", "three_people")
]


def assert_pose_matches(got, expected):
    assert [kp["part"] for kp in got["keypoints"]] == list(PART_NAMES)
    assert [kp["part"] for kp in expected["keypoints"]] == list(PART_NAMES)
    for g, e in zip(got["keypoints"], expected["keypoints"], strict=True):
        assert abs(g["score"] - e["score"]) <= 1e-6, g["part"]
        assert abs(g["position"]["x"] - e["position"]["x"]) <= 1e-4, g["part"]
        assert abs(g["position"]["y"] - e["position"]["y"]) <= 1e-4, g["part"]
    assert abs(got["score"] - expected["score"]) <= 1e-6


@pytest.mark.parametrize("case", EXPECTED_JS_CASES)
@pytest.mark.parametrize("kind", ["memoryview", "list"])
def test_matches_reference_on_expected_js_fixture(testdata_dir, case, kind):
    arrays, expected = load_expected_js(testdata_dir, case)
    got = decode_single_pose(outputs_from(arrays, kind), STRIDE)
    assert_pose_matches(got, expected["decodeSinglePose_raw_model_coords"])


@pytest.mark.parametrize("kind", ["memoryview", "list"])
def test_matches_reference_on_coreml_fixture(testdata_dir, kind):
    arrays, expected = load_coreml(testdata_dir)
    got = decode_single_pose(outputs_from(arrays, kind), STRIDE)
    assert_pose_matches(got, expected["decodeSinglePose"])


def _plain(pose):
    keypoints = [(kp["part"], kp["score"], kp["position"]["x"], kp["position"]["y"]) for kp in pose["keypoints"]]
    return [pose["score"]] + keypoints


def test_bit_exact_on_every_fixture(testdata_dir):
    # Stronger than the tolerances above: the port reproduces the reference's float32
    # position arithmetic, so the JSON doubles come back exactly.
    for case in EXPECTED_JS_CASES:
        arrays, expected = load_expected_js(testdata_dir, case)
        got = decode_single_pose(outputs_from(arrays), STRIDE)
        assert _plain(got) == _plain(expected["decodeSinglePose_raw_model_coords"]), case
    arrays, expected = load_coreml(testdata_dir)
    assert _plain(decode_single_pose(outputs_from(arrays), STRIDE)) == _plain(expected["decodeSinglePose"])


def test_every_shared_case_is_collected_with_its_reference_outputs(testdata_dir):
    # The cases the tests above go through are the shared ones, each with the network's outputs and
    # posenet 2.2.2's results on them: a case missing, added or left without its files fails here.
    assert sorted(SHARED_CASES) == EXPECTED_JS_CASES
    for index in sorted((testdata_dir / "expected-js").glob("*/index.json")):
        images = json.loads(index.read_text())["images"]
        assert sorted(f"{index.parent.name}/{name}" for name in images) == sorted(
            case for case in SHARED_CASES if case.startswith(f"{index.parent.name}/")
        )
    for case in SHARED_CASES:
        folder = testdata_dir / "expected-js" / case
        assert all((folder / f"{name}.npy").is_file() for name in NPY_NAMES), case
        expected = json.loads((folder / "expected.json").read_text())
        assert len(expected["decodeSinglePose_raw_model_coords"]["keypoints"]) == 17, case
        assert isinstance(expected["decodeMultiplePoses_raw_model_coords"], list), case


def test_result_is_plain_json_data(testdata_dir):
    arrays, _ = load_expected_js(testdata_dir, EXPECTED_JS_CASES[0])
    got = decode_single_pose(outputs_from(arrays), STRIDE)
    assert set(got) == {"score", "keypoints"}
    for kp in got["keypoints"]:
        assert set(kp) == {"score", "part", "position"} and set(kp["position"]) == {"x", "y"}
    assert type(got["score"]) is float
    assert all(type(kp["position"]["x"]) is float and type(kp["score"]) is float for kp in got["keypoints"])
    assert json.loads(json.dumps(got)) == got


def _synthetic(h, w):
    heat = np.zeros((h, w, 17), np.float32)
    offsets = np.zeros((h, w, 34), np.float32)
    disp = np.zeros((h, w, 32), np.float32)
    return heat, offsets, disp


def test_argmax_first_maximum_wins_row_major():
    h, w = 4, 5
    heat, offsets, disp = _synthetic(h, w)
    heat[..., :] = 0.1
    # Part 0: equal maxima at (1, 4) and (2, 0): (1, 4) comes first in y-then-x order.
    heat[1, 4, 0] = 0.75
    heat[2, 0, 0] = 0.75
    # Part 3: equal maxima at (3, 1) and (3, 2): same row, smaller x first.
    heat[3, 2, 3] = 0.5
    heat[3, 1, 3] = 0.5
    offsets[1, 4, 0], offsets[1, 4, 17] = 1.5, -2.25  # part 0 offsets (y, x) at (1, 4)
    offsets[2, 0, 0], offsets[2, 0, 17] = 100.0, 100.0  # would show if the second max won
    pose = decode_single_pose(outputs_from([heat, offsets, disp, disp]), 8)
    nose = pose["keypoints"][0]
    assert nose["score"] == 0.75
    assert nose["position"] == {"x": 4 * 8 - 2.25, "y": 1 * 8 + 1.5}
    left_ear = pose["keypoints"][3]
    assert left_ear["position"] == {"x": 1 * 8.0, "y": 3 * 8.0}
    # Every other part: all cells equal 0.1 -> the first cell (0, 0).
    assert pose["keypoints"][5]["position"] == {"x": 0.0, "y": 0.0}
    assert pose["keypoints"][5]["score"] == pytest.approx(0.1)
    assert pose["score"] == pytest.approx((0.75 + 0.5 + 15 * float(np.float32(0.1))) / 17, abs=1e-12)


def test_positions_use_offsets_of_their_own_part_and_stride():
    h, w = 3, 3
    heat, offsets, disp = _synthetic(h, w)
    rng = np.random.default_rng(1)
    offsets[:] = rng.normal(0, 5, offsets.shape).astype(np.float32)
    cells = [(k % 3, (k * 2) % 3) for k in range(17)]
    for k, (y, x) in enumerate(cells):
        heat[y, x, k] = 0.5 + k / 100
    pose = decode_single_pose(outputs_from([heat, offsets, disp, disp], "list"), 32)
    for k, (y, x) in enumerate(cells):
        kp = pose["keypoints"][k]
        assert kp["part"] == PART_NAMES[k]
        assert kp["score"] == pytest.approx(0.5 + k / 100, abs=1e-7)
        assert kp["position"]["y"] == pytest.approx(y * 32 + float(offsets[y, x, k]), abs=1e-5)
        assert kp["position"]["x"] == pytest.approx(x * 32 + float(offsets[y, x, 17 + k]), abs=1e-5)
