"""Part tables and getAdjacentKeyPoints, checked against posenet 2.2.2's keypoints.ts / util.ts."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pyposenet.parts import (
    CONNECTED_PART_INDICES,
    CONNECTED_PART_NAMES,
    NUM_KEYPOINTS,
    PARENT_CHILD_IDS,
    PART_IDS,
    PART_NAMES,
    POSE_CHAIN,
    adjacent_keypoints,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_KEYPOINTS_JS = REPO_ROOT / "node_modules/@tensorflow-models/posenet/dist/keypoints.js"

# Transcribed from keypoints.ts of @tensorflow-models/posenet@2.2.2.
EXPECTED_PART_NAMES = [
    "nose", "leftEye", "rightEye", "leftEar", "rightEar", "leftShoulder",
    "rightShoulder", "leftElbow", "rightElbow", "leftWrist", "rightWrist",
    "leftHip", "rightHip", "leftKnee", "rightKnee", "leftAnkle", "rightAnkle",
]  # fmt: skip
EXPECTED_POSE_CHAIN = [
    ["nose", "leftEye"], ["leftEye", "leftEar"], ["nose", "rightEye"],
    ["rightEye", "rightEar"], ["nose", "leftShoulder"],
    ["leftShoulder", "leftElbow"], ["leftElbow", "leftWrist"],
    ["leftShoulder", "leftHip"], ["leftHip", "leftKnee"],
    ["leftKnee", "leftAnkle"], ["nose", "rightShoulder"],
    ["rightShoulder", "rightElbow"], ["rightElbow", "rightWrist"],
    ["rightShoulder", "rightHip"], ["rightHip", "rightKnee"],
    ["rightKnee", "rightAnkle"],
]  # fmt: skip
EXPECTED_CONNECTED = [
    ["leftHip", "leftShoulder"], ["leftElbow", "leftShoulder"],
    ["leftElbow", "leftWrist"], ["leftHip", "leftKnee"],
    ["leftKnee", "leftAnkle"], ["rightHip", "rightShoulder"],
    ["rightElbow", "rightShoulder"], ["rightElbow", "rightWrist"],
    ["rightHip", "rightKnee"], ["rightKnee", "rightAnkle"],
    ["leftShoulder", "rightShoulder"], ["leftHip", "rightHip"],
]  # fmt: skip


def test_part_names_and_ids():
    assert list(PART_NAMES) == EXPECTED_PART_NAMES
    assert NUM_KEYPOINTS == 17
    assert {name: i for i, name in enumerate(EXPECTED_PART_NAMES)} == PART_IDS


def test_pose_chain_is_the_reference_tree():
    assert [list(pair) for pair in POSE_CHAIN] == EXPECTED_POSE_CHAIN
    assert [list(p) for p in PARENT_CHILD_IDS] == [[PART_IDS[a], PART_IDS[b]] for a, b in EXPECTED_POSE_CHAIN]
    # A tree rooted at the nose: every other part is a child exactly once.
    children = sorted(child for _parent, child in PARENT_CHILD_IDS)
    assert children == list(range(1, 17))


def test_connected_parts():
    assert [list(pair) for pair in CONNECTED_PART_NAMES] == EXPECTED_CONNECTED
    assert [list(p) for p in CONNECTED_PART_INDICES] == [
        [11, 5], [7, 5], [7, 9], [11, 13], [13, 15], [12, 6], [8, 6], [8, 10], [12, 14], [14, 16], [5, 6], [11, 12],
    ]  # fmt: skip


@pytest.mark.skipif(
    shutil.which("node") is None or not REFERENCE_KEYPOINTS_JS.is_file(),
    reason="node or node_modules/@tensorflow-models/posenet not available",
)
def test_tables_match_installed_reference_js():
    script = (
        "const k = require(process.argv[1]);"
        "console.log(JSON.stringify({names: k.partNames, chain: k.poseChain, conn: k.connectedPartIndices}));"
    )
    out = subprocess.run(
        ["node", "-e", script, str(REFERENCE_KEYPOINTS_JS)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    ref = json.loads(out)
    assert ref["names"] == list(PART_NAMES)
    assert ref["chain"] == [list(p) for p in POSE_CHAIN]
    assert ref["conn"] == [list(p) for p in CONNECTED_PART_INDICES]


def _keypoints(scores):
    return [{"score": s, "part": name, "position": {"x": float(i), "y": 0.0}} for i, (name, s) in
            enumerate(zip(PART_NAMES, scores, strict=True))]  # fmt: skip


def test_adjacent_keypoints_all_confident_returns_every_segment_in_order():
    kps = _keypoints([0.9] * 17)
    pairs = adjacent_keypoints(kps, 0.5)
    assert len(pairs) == 12
    assert [[a["part"], b["part"]] for a, b in pairs] == EXPECTED_CONNECTED
    # The keypoint objects themselves are returned, not copies.
    assert pairs[0][0] is kps[PART_IDS["leftHip"]]
    assert pairs[0][1] is kps[PART_IDS["leftShoulder"]]


@pytest.mark.parametrize(
    "low_part, n_kept",
    [
        ("leftElbow", 10),  # only ever the first keypoint of its pairs
        ("rightShoulder", 9),  # only ever the second keypoint of its pairs
        ("nose", 12),  # in no segment
    ],
)
def test_adjacent_keypoints_drops_pair_when_either_score_below(low_part, n_kept):
    scores = [0.9] * 17
    scores[PART_IDS[low_part]] = 0.49
    pairs = adjacent_keypoints(_keypoints(scores), 0.5)
    names = [[a["part"], b["part"]] for a, b in pairs]
    assert names == [pair for pair in EXPECTED_CONNECTED if low_part not in pair]
    assert len(names) == n_kept


def test_adjacent_keypoints_keeps_scores_equal_to_threshold():
    scores = [0.9] * 17
    scores[PART_IDS["leftShoulder"]] = 0.5
    scores[PART_IDS["rightShoulder"]] = 0.5
    pairs = adjacent_keypoints(_keypoints(scores), 0.5)
    assert len(pairs) == 12
    # Just below the threshold on the second element of a pair drops it.
    scores[PART_IDS["rightShoulder"]] = 0.5 - 1e-9
    names = [[a["part"], b["part"]] for a, b in adjacent_keypoints(_keypoints(scores), 0.5)]
    assert ["leftShoulder", "rightShoulder"] not in names
    assert ["rightHip", "rightShoulder"] not in names
    assert len(names) == 9


def test_adjacent_keypoints_threshold_zero_and_above_one():
    kps = _keypoints([0.0] * 17)
    assert len(adjacent_keypoints(kps, 0.0)) == 12
    assert adjacent_keypoints(_keypoints([1.0] * 17), 1.01) == []


def test_adjacent_keypoints_accepts_any_sequence_of_mappings():
    kps = tuple({"score": 0.8} for _ in range(17))
    pairs = adjacent_keypoints(kps, 0.8)
    assert len(pairs) == 12 and all(isinstance(p, list) and len(p) == 2 for p in pairs)
