"""Results in ml5's shape: Record access, FrameGeometry (padding, display scaling, flip) against posenet 2.2.2."""

import copy
import json
import math

import pytest

from pyposenet.results import FrameGeometry, Record, to_ml5_result, to_ml5_results

from ..conftest import TESTDATA_DIR

EXPECTED_JS = TESTDATA_DIR / "expected-js"
MODEL_FOLDERS = ("mobilenet-float-075-stride16", "mobilenet-float-050-stride16")
IMAGE_FOLDERS = sorted(
    f"{model}/{image.name}"
    for model in MODEL_FOLDERS
    for image in (EXPECTED_JS / model).iterdir()
    if (image / "expected.json").is_file()
)
TOLERANCE_PX = 1e-3

PART_NAMES = [
    "nose",
    "leftEye",
    "rightEye",
    "leftEar",
    "rightEar",
    "leftShoulder",
    "rightShoulder",
    "leftElbow",
    "rightElbow",
    "leftWrist",
    "rightWrist",
    "leftHip",
    "rightHip",
    "leftKnee",
    "rightKnee",
    "leftAnkle",
    "rightAnkle",
]
# posenet 2.2.2 keypoints.ts connectedPartNames, the order getAdjacentKeyPoints returns segments in.
CONNECTED = [
    ("leftHip", "leftShoulder"),
    ("leftElbow", "leftShoulder"),
    ("leftElbow", "leftWrist"),
    ("leftHip", "leftKnee"),
    ("leftKnee", "leftAnkle"),
    ("rightHip", "rightShoulder"),
    ("rightElbow", "rightShoulder"),
    ("rightElbow", "rightWrist"),
    ("rightHip", "rightKnee"),
    ("rightKnee", "rightAnkle"),
    ("leftShoulder", "rightShoulder"),
    ("leftHip", "rightHip"),
]


def load_expected(folder: str) -> dict:
    return json.loads((EXPECTED_JS / folder / "expected.json").read_text())


def geometry_of(expected: dict, **display) -> FrameGeometry:
    (in_h, in_w), (src_h, src_w), pad = expected["input_resolution_hw"], expected["image_hw"], expected["padding"]
    return FrameGeometry(
        input_height=in_h,
        input_width=in_w,
        source_height=src_h,
        source_width=src_w,
        pad_top=pad["top"],
        pad_bottom=pad["bottom"],
        pad_left=pad["left"],
        pad_right=pad["right"],
        **display,
    )


def reference_skeleton(keypoints, min_confidence):
    """getAdjacentKeyPoints: a segment is kept unless one end scores below min_confidence."""
    by_part = {kp["part"]: kp for kp in keypoints}
    return [
        (a, b)
        for a, b in CONNECTED
        if not (by_part[a]["score"] < min_confidence or by_part[b]["score"] < min_confidence)
    ]


def assert_ml5_pose(result, expected_pose, min_confidence=0.5):
    """`result` is ml5's {pose, skeleton} for the reference's `expected_pose` (original-image pixels)."""
    assert set(result) == {"pose", "skeleton"}
    pose = result.pose
    assert set(pose) == {"score", "keypoints", *PART_NAMES}
    assert pose.score == pytest.approx(expected_pose["score"], abs=1e-9)
    assert [kp.part for kp in pose.keypoints] == PART_NAMES
    for kp, want in zip(pose.keypoints, expected_pose["keypoints"], strict=True):
        assert set(kp) == {"score", "part", "position"}
        assert set(kp.position) == {"x", "y"}
        assert kp.part == want["part"]
        assert kp.score == pytest.approx(want["score"], abs=1e-9)
        assert abs(kp.position.x - want["position"]["x"]) <= TOLERANCE_PX, (kp.part, kp.position, want)
        assert abs(kp.position.y - want["position"]["y"]) <= TOLERANCE_PX, (kp.part, kp.position, want)
        named = pose[kp.part]
        assert named == {"x": kp.position.x, "y": kp.position.y, "confidence": kp.score}
        assert (named.x, named.y, named.confidence) == (kp.position.x, kp.position.y, kp.score)
    want_pairs = reference_skeleton(expected_pose["keypoints"], min_confidence)
    assert [(a.part, b.part) for a, b in result.skeleton] == want_pairs
    by_part = {kp.part: kp for kp in pose.keypoints}
    for a, b in result.skeleton:
        assert a == by_part[a.part] and b == by_part[b.part]


# -- Record ------------------------------------------------------------------------------------------


def test_record_attribute_and_key_access():
    r = Record(x=1.5, y=2, part="nose")
    assert r.x == r["x"] == 1.5
    assert r.part == r["part"] == "nose"
    r.score = 0.9
    assert r["score"] == 0.9
    r["z"] = 3
    assert r.z == 3
    del r.z
    assert "z" not in r
    assert isinstance(r, dict)


def test_record_nested_access():
    r = Record(
        pose=Record(
            nose=Record(x=1, y=2, confidence=0.5), keypoints=[Record(part="nose", position=Record(x=1, y=2), score=0.5)]
        )
    )
    assert r.pose.nose.x == r["pose"]["nose"]["x"] == 1
    assert r.pose.keypoints[0].position.y == r["pose"]["keypoints"][0]["position"]["y"] == 2


def test_record_missing_field_lists_fields():
    r = Record(x=1, y=2, confidence=0.5)
    with pytest.raises(AttributeError) as info:
        _ = r.score
    assert str(info.value) == "Record has no field 'score'; fields: x, y, confidence"
    assert not hasattr(r, "score")
    with pytest.raises(KeyError):
        r["score"]


def test_record_is_json_serialisable_and_copyable():
    r = Record(pose=Record(score=0.5, keypoints=[Record(part="nose", position=Record(x=1.25, y=2.0))]), skeleton=[])
    text = json.dumps(r)
    assert json.loads(text) == {
        "pose": {"score": 0.5, "keypoints": [{"part": "nose", "position": {"x": 1.25, "y": 2.0}}]},
        "skeleton": [],
    }
    clone = copy.deepcopy(r)
    assert clone == r and clone.pose.keypoints[0].position.x == 1.25


def test_record_repr():
    assert repr(Record(x=1)) == "Record({'x': 1})"


# -- FrameGeometry -----------------------------------------------------------------------------------


def test_to_display_without_padding_scales_input_to_source():
    g = FrameGeometry(input_height=257, input_width=257, source_height=514, source_width=514)
    assert g.to_display(0, 0) == (0, 0)
    assert g.to_display(257, 128.5) == pytest.approx((514, 257))


def test_to_display_removes_top_padding():
    # starter.png: 756x564 padded 96 top and bottom to 756x756, resized to 257x257
    g = FrameGeometry(input_height=257, input_width=257, source_height=564, source_width=756, pad_top=96, pad_bottom=96)
    scale = 756 / 257
    assert g.to_display(100, 100) == pytest.approx((100 * scale, 100 * scale - 96))
    assert g.to_display(0, 96 / scale) == pytest.approx((0, 0))


def test_to_display_removes_left_padding():
    # a portrait 360x640 frame: padded 140 left and right to 640x640
    g = FrameGeometry(
        input_height=257, input_width=257, source_height=640, source_width=360, pad_left=140, pad_right=140
    )
    assert g.to_display(128.5, 128.5) == pytest.approx((180, 320))
    assert g.to_display(140 * 257 / 640, 0) == pytest.approx((0, 0))


def test_display_scaling_halves_a_640x480_source_shown_at_320x240():
    common = dict(input_height=257, input_width=257, source_height=480, source_width=640, pad_top=80, pad_bottom=80)
    full = FrameGeometry(**common)
    half = FrameGeometry(**common, display_height=240, display_width=320)
    assert full.to_display(128.5, 128.5) == pytest.approx((320, 240))
    assert half.to_display(128.5, 128.5) == pytest.approx((160, 120))
    for x, y in [(0, 40), (33.3, 200.1), (257, 257)]:
        fx, fy = full.to_display(x, y)
        assert half.to_display(x, y) == pytest.approx((fx / 2, fy / 2))
    assert half.output_width == 320
    assert full.output_width == 640


def test_display_same_as_source_changes_nothing():
    common = dict(input_height=257, input_width=257, source_height=480, source_width=640, pad_top=80, pad_bottom=80)
    assert FrameGeometry(**common, display_height=480, display_width=640).to_display(10, 20) == FrameGeometry(
        **common
    ).to_display(10, 20)


# -- to_ml5_result against the reference (every image, both models) ---------------------------------


@pytest.mark.parametrize("folder", IMAGE_FOLDERS)
def test_single_pose_matches_estimate_single_pose(folder):
    expected = load_expected(folder)
    result = to_ml5_result(expected["decodeSinglePose_raw_model_coords"], geometry_of(expected))
    assert_ml5_pose(result, expected["estimateSinglePose"])


@pytest.mark.parametrize("folder", IMAGE_FOLDERS)
def test_single_pose_flip_matches_estimate_single_pose_flip_horizontal(folder):
    expected = load_expected(folder)
    result = to_ml5_result(expected["decodeSinglePose_raw_model_coords"], geometry_of(expected), flip_horizontal=True)
    assert_ml5_pose(result, expected["estimateSinglePose_flipHorizontal"])


@pytest.mark.parametrize("folder", IMAGE_FOLDERS)
def test_multiple_poses_match_estimate_multiple_poses(folder):
    expected = load_expected(folder)
    results = to_ml5_results(expected["decodeMultiplePoses_raw_model_coords"], geometry_of(expected))
    assert len(results) == len(expected["estimateMultiplePoses"])
    for result, want in zip(results, expected["estimateMultiplePoses"], strict=True):
        assert_ml5_pose(result, want)


@pytest.mark.parametrize("folder", IMAGE_FOLDERS)
def test_results_are_plain_json(folder):
    expected = load_expected(folder)
    results = to_ml5_results(expected["decodeMultiplePoses_raw_model_coords"], geometry_of(expected))
    round_trip = json.loads(json.dumps(results))
    assert round_trip == results


def test_starter_nose_agrees_with_ml5s_own_unit_test():
    expected = load_expected("mobilenet-float-075-stride16/starter")
    result = to_ml5_result(expected["decodeSinglePose_raw_model_coords"], geometry_of(expected))
    # ml5-library src/PoseNet/index.test.js: nose x ~ 448.6, y ~ 255.9, score ~ 0.999
    assert result.pose.nose.x == pytest.approx(448.6, abs=0.5)
    assert result.pose.nose.y == pytest.approx(255.9, abs=0.5)
    assert result.pose.nose.confidence == pytest.approx(0.999, abs=1e-3)


def test_flip_with_display_scaling_flips_in_display_pixels():
    expected = load_expected("mobilenet-float-075-stride16/starter")
    raw = expected["decodeSinglePose_raw_model_coords"]
    shown = geometry_of(expected, display_height=564 / 2, display_width=756 / 2)
    plain = to_ml5_result(raw, shown)
    flipped = to_ml5_result(raw, shown, flip_horizontal=True)
    for a, b, want in zip(
        plain.pose.keypoints, flipped.pose.keypoints, expected["estimateSinglePose"]["keypoints"], strict=True
    ):
        assert a.position.x == pytest.approx(want["position"]["x"] / 2, abs=TOLERANCE_PX)
        assert a.position.y == pytest.approx(want["position"]["y"] / 2, abs=TOLERANCE_PX)
        assert b.position.x == pytest.approx(756 / 2 - 1 - a.position.x, abs=1e-9)
        assert b.position.y == a.position.y


# -- skeleton: getAdjacentKeyPoints semantics ---------------------------------------------------------


def _raw_pose(scores):
    return {
        "score": sum(scores) / len(scores),
        "keypoints": [
            {"score": s, "part": p, "position": {"x": float(i), "y": float(2 * i)}}
            for i, (p, s) in enumerate(zip(PART_NAMES, scores, strict=True))
        ],
    }


IDENTITY = FrameGeometry(input_height=100, input_width=100, source_height=100, source_width=100)


@pytest.mark.parametrize("min_confidence", [0.0, 0.3, 0.5, 0.7, 0.9, 1.0])
def test_skeleton_respects_min_confidence(min_confidence):
    scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.3, 0.5, 0.7, 0.9, 0.2, 0.6]
    raw = _raw_pose(scores)
    result = to_ml5_result(raw, IDENTITY, min_confidence=min_confidence)
    assert [(a.part, b.part) for a, b in result.skeleton] == reference_skeleton(raw["keypoints"], min_confidence)


def test_skeleton_keeps_a_segment_whose_ends_equal_min_confidence():
    scores = [0.5] * 17
    result = to_ml5_result(_raw_pose(scores), IDENTITY, min_confidence=0.5)
    assert [(a.part, b.part) for a, b in result.skeleton] == CONNECTED
    result = to_ml5_result(_raw_pose(scores), IDENTITY, min_confidence=0.5000001)
    assert result.skeleton == []


def test_skeleton_drops_segment_when_either_end_is_unsure():
    scores = [0.9] * 17
    scores[PART_NAMES.index("leftWrist")] = 0.1
    result = to_ml5_result(_raw_pose(scores), IDENTITY, min_confidence=0.5)
    pairs = [(a.part, b.part) for a, b in result.skeleton]
    assert ("leftElbow", "leftWrist") not in pairs
    assert pairs == [p for p in CONNECTED if p != ("leftElbow", "leftWrist")]


def test_skeleton_segments_are_the_displayed_keypoints():
    result = to_ml5_result(
        _raw_pose([0.9] * 17),
        FrameGeometry(input_height=100, input_width=100, source_height=200, source_width=200),
        flip_horizontal=True,
    )
    a, b = result.skeleton[0]
    assert (a.part, b.part) == ("leftHip", "leftShoulder")
    assert a.position == result.pose.keypoints[PART_NAMES.index("leftHip")].position
    assert a.position.x == pytest.approx(200 - 1 - 2 * PART_NAMES.index("leftHip"))
    assert math.isclose(b.position.y, 4 * PART_NAMES.index("leftShoulder"))


def test_to_ml5_result_does_not_change_the_raw_pose():
    raw = _raw_pose([0.9] * 17)
    before = json.dumps(raw, sort_keys=True)
    to_ml5_result(
        raw, FrameGeometry(input_height=100, input_width=100, source_height=300, source_width=300), flip_horizontal=True
    )
    assert json.dumps(raw, sort_keys=True) == before


def test_flip_labels_swaps_left_and_right_parts_keeping_the_order():
    geometry = FrameGeometry(input_height=100, input_width=100, source_height=100, source_width=100)
    raw = {
        "score": 0.5,
        "keypoints": [
            {"part": name, "score": 0.1 + i / 100, "position": {"x": float(i), "y": float(2 * i)}}
            for i, name in enumerate(PART_NAMES)
        ],
    }
    plain = to_ml5_result(raw, geometry, flip_horizontal=True)
    swapped = to_ml5_result(raw, geometry, flip_horizontal=True, flip_labels=True)
    assert [k.part for k in swapped.pose.keypoints] == list(PART_NAMES)
    assert swapped.pose.leftWrist == plain.pose.rightWrist
    assert swapped.pose.rightWrist == plain.pose.leftWrist
    assert swapped.pose.nose == plain.pose.nose
    assert swapped.pose.keypoints[PART_NAMES.index("leftEye")].score == plain.pose.rightEye.confidence
