"""PoseNet body parts and skeleton tables.

Ported from ``@tensorflow-models/posenet@2.2.2`` ``keypoints.ts`` (part names, pose chain,
connected parts) and ``util.ts`` (``getAdjacentKeyPoints``). Orders match the reference
exactly: the decoders and anything that draws a skeleton rely on them.
"""

PART_NAMES = (
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
)
"""Reference ``partNames``: keypoint id -> part name."""

NUM_KEYPOINTS = len(PART_NAMES)

PART_IDS = {name: i for i, name in enumerate(PART_NAMES)}
"""Reference ``partIds``: part name -> keypoint id."""

POSE_CHAIN = (
    ("nose", "leftEye"),
    ("leftEye", "leftEar"),
    ("nose", "rightEye"),
    ("rightEye", "rightEar"),
    ("nose", "leftShoulder"),
    ("leftShoulder", "leftElbow"),
    ("leftElbow", "leftWrist"),
    ("leftShoulder", "leftHip"),
    ("leftHip", "leftKnee"),
    ("leftKnee", "leftAnkle"),
    ("nose", "rightShoulder"),
    ("rightShoulder", "rightElbow"),
    ("rightElbow", "rightWrist"),
    ("rightShoulder", "rightHip"),
    ("rightHip", "rightKnee"),
    ("rightKnee", "rightAnkle"),
)
"""Reference ``poseChain``: the (parent, child) tree rooted at the nose. Edge i of the
displacement tensors belongs to ``POSE_CHAIN[i]``."""

PARENT_CHILD_IDS = tuple((PART_IDS[parent], PART_IDS[child]) for parent, child in POSE_CHAIN)
"""``POSE_CHAIN`` as (parent id, child id) pairs (the reference's ``parentChildrenTuples``)."""

CONNECTED_PART_NAMES = (
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
)
"""Reference ``connectedPartNames``: the 12 skeleton segments drawn by ml5."""

CONNECTED_PART_INDICES = tuple((PART_IDS[a], PART_IDS[b]) for a, b in CONNECTED_PART_NAMES)
"""Reference ``connectedPartIndices``."""


def adjacent_keypoints(keypoints, min_confidence):
    """Reference ``getAdjacentKeyPoints``: the skeleton segments whose two ends are confident.

    ``keypoints`` is a sequence of 17 keypoint mappings (indexed by part id) with a
    ``"score"`` key. Returns ``[[kp_a, kp_b], ...]`` in ``CONNECTED_PART_INDICES`` order,
    leaving out a pair when either score is below ``min_confidence`` (a score equal to it
    is kept).
    """
    result = []
    for a, b in CONNECTED_PART_INDICES:
        kp_a = keypoints[a]
        kp_b = keypoints[b]
        if kp_a["score"] < min_confidence or kp_b["score"] < min_confidence:
            continue
        result.append([kp_a, kp_b])
    return result
