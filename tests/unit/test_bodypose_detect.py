"""bodyPose's detection and results with a fake runtime (and once on the host runtime): ml5 1.x's result shape,
names, flipped, the box, detectStart / detectStop / detect, getConnections."""

import asyncio
import json

import pytest

from pyposenet import bodyPose, poseNet
from pyposenet.bodypose import COCO_KEYPOINT_NAMES
from pyposenet.bodypose.results import BOX_MIN_CONFIDENCE
from tests.conftest import MODELS_DIR, TESTDATA_DIR
from tests.support.fake_runtime import FakeImage, FakeRuntime, FakeVideo, until

#: pose-detection 2.1.3 src/constants.ts COCO_CONNECTED_KEYPOINTS_PAIRS (what ml5 1.x's getConnections gives).
POSE_DETECTION_COCO_PAIRS = [
    [0, 1], [0, 2], [1, 3], [2, 4], [5, 6], [5, 7], [5, 11], [6, 8], [6, 12],
    [7, 9], [8, 10], [11, 12], [11, 13], [12, 14], [13, 15], [14, 16],
]  # fmt: skip


def detect_both(options=None, image="three_people"):
    """bodyPose's and poseNet's poses on the same frame (the fake runtime's outputs for `image`)."""

    async def main():
        runtime = FakeRuntime(image)
        body_pose = await bodyPose(options, runtime=runtime)
        net = await poseNet(runtime=runtime)
        return await body_pose.detect(FakeImage()), await net.multiPose(FakeImage()), runtime

    return asyncio.run(main())


def test_ml5_1x_result_shape_on_posenets_keypoints():
    poses, results, _ = detect_both({"minPoseScore": 0})
    assert len(poses) == len(results) == 4
    for pose, result in zip(poses, results, strict=True):
        assert set(pose) == {"keypoints", "confidence", "box", *COCO_KEYPOINT_NAMES}  # no id: an image, not a video
        assert pose.confidence == result.pose.score
        assert [kp.name for kp in pose.keypoints] == list(COCO_KEYPOINT_NAMES)
        for kp, posenet_kp in zip(pose.keypoints, result.pose.keypoints, strict=True):
            assert set(kp) == {"x", "y", "confidence", "name"}
            assert (kp.x, kp.y, kp.confidence) == (posenet_kp.position.x, posenet_kp.position.y, posenet_kp.score)
            assert pose[kp.name] == {"x": kp.x, "y": kp.y, "confidence": kp.confidence}
        assert pose.left_wrist.x == pose["left_wrist"]["x"] == result.pose.leftWrist.x
    json.dumps(poses)  # plain dicts underneath


def test_min_pose_score_leaves_out_weak_poses():
    poses, results, _ = detect_both()  # ml5 1.x's minPoseScore: 0.25
    kept = [r.pose.score for r in results if r.pose.score >= 0.25]
    assert 0 < len(kept) < len(results)  # three_people: three people and one weak pose
    assert [p.confidence for p in poses] == kept


def test_box_bounds_the_confident_keypoints():
    poses, _, _ = detect_both({"minPoseScore": 0})
    for pose in poses:
        confident = [kp for kp in pose.keypoints if kp.confidence >= BOX_MIN_CONFIDENCE] or pose.keypoints
        box = pose.box
        assert (box.xMin, box.xMax) == (min(kp.x for kp in confident), max(kp.x for kp in confident))
        assert (box.yMin, box.yMax) == (min(kp.y for kp in confident), max(kp.y for kp in confident))
        assert box.width == box.xMax - box.xMin and box.height == box.yMax - box.yMin


def test_flipped_mirrors_x_as_ml5_1x_does():
    plain, _, runtime = detect_both({"minPoseScore": 0})
    mirrored, _, _ = detect_both({"minPoseScore": 0, "flipped": True})
    width = runtime.geometry.source_width
    for a, b in zip(plain, mirrored, strict=True):
        for kp, flipped_kp in zip(a.keypoints, b.keypoints, strict=True):
            assert flipped_kp.name == kp.name  # labels stay (ml5 1.x does not swap them)
            assert flipped_kp.x == pytest.approx(width - kp.x, abs=1e-9)  # ml5 1.x: width - x
            assert flipped_kp.y == kp.y
        assert b.box.xMin == pytest.approx(width - a.box.xMax, abs=1e-9)
        assert b.nose.x == b.keypoints[0].x


def test_connections_are_pose_detections_coco_pairs():
    async def main():
        body_pose = bodyPose(runtime=FakeRuntime())
        connections = body_pose.getConnections()
        assert connections == POSE_DETECTION_COCO_PAIRS == body_pose.getSkeleton()
        connections.clear()  # a copy: the next call is whole
        assert body_pose.getConnections() == POSE_DETECTION_COCO_PAIRS
        await body_pose

    asyncio.run(main())


def test_detect_start_before_the_model_is_ready_then_stop():
    got = []

    async def main():
        runtime = FakeRuntime("three_people")
        body_pose = bodyPose(runtime=runtime)
        body_pose.detectStart(got.append, FakeVideo())  # any order; in setup(), maybe before the model is ready
        await until(lambda: len(got) >= 3)
        assert body_pose.detecting
        body_pose.detectStop()
        await until(lambda: not body_pose.detecting)
        runs = runtime.runs
        await asyncio.sleep(0.01)
        assert runtime.runs == runs

    asyncio.run(main())
    for poses in got:
        assert len(poses) == 3
        assert [pose.id for pose in poses] == [1, 2, 3]  # enableTracking: ml5 1.x's default
        assert all(set(pose) >= {"keypoints", "confidence", "box", "nose"} for pose in poses)


def test_detect_does_not_call_detect_starts_callback():
    started, detected = [], []

    async def main():
        runtime = FakeRuntime()
        body_pose = await bodyPose({"enableTracking": False}, runtime=runtime)
        video = FakeVideo()
        body_pose.detectStart(video, started.append)
        await until(lambda: len(started) >= 1)
        body_pose.detectStop()
        await until(lambda: not body_pose.detecting)
        count = len(started)
        poses = await body_pose.detect(detected.append, FakeImage())
        assert detected == [poses] and len(started) == count
        assert "id" not in poses[0]

    asyncio.run(main())


def test_detect_start_again_takes_the_latest_callback():
    first, second = [], []

    async def main():
        body_pose = await bodyPose(runtime=FakeRuntime())
        video = FakeVideo()
        body_pose.detectStart(video, first.append)
        await until(lambda: len(first) >= 1)
        body_pose.detectStart(video, second.append)
        count = len(first)
        await until(lambda: len(second) >= 2)
        assert len(first) == count
        body_pose.detectStop()

    asyncio.run(main())


@pytest.mark.parametrize(
    "call, args, message",
    [
        ("detectStart", [FakeVideo()], r"detectStart\(\) needs a callback"),
        ("detectStart", [print], r"detectStart\(\) needs an image, video or canvas"),
        ("detect", [], r"detect\(\) needs an image"),
        ("detect", [FakeImage(), FakeImage()], "got two media arguments"),
    ],
)
def test_detection_without_what_it_needs(call, args, message):
    async def main():
        body_pose = bodyPose(runtime=FakeRuntime())
        with pytest.raises(TypeError, match=message):
            getattr(body_pose, call)(*args)
        await body_pose

    asyncio.run(main())


def test_a_broken_detect_start_callback_is_reported_and_stops_detection():
    def broken(poses):
        raise KeyError("left_wrist")

    async def main():
        runtime = FakeRuntime()
        body_pose = await bodyPose(runtime=runtime)
        body_pose.detectStart(FakeVideo(), broken)
        await until(lambda: runtime.errors)
        assert not body_pose.detecting
        assert isinstance(runtime.errors[0][0], KeyError) and runtime.errors[0][1] == "your 'pose' callback"

    asyncio.run(main())


def test_body_pose_under_cpython_on_an_image(tmp_path):
    """The host runtime (numpy or onnxruntime), as poseNet runs there: starter.png's nose where the reference
    puts it."""
    from pyposenet._host.runtime import HostRuntime

    expected = json.loads((TESTDATA_DIR / "expected-js/mobilenet-float-075-stride16/starter/expected.json").read_text())
    want = expected["estimateMultiplePoses"][0]["keypoints"][0]["position"]

    async def main():
        runtime = HostRuntime(models_dir=MODELS_DIR, cache_dir=tmp_path, base_url=None)
        body_pose = await bodyPose({"minPoseScore": 0}, runtime=runtime)
        return await body_pose.detect(str(TESTDATA_DIR / "images" / "starter.png"))

    poses = asyncio.run(main())
    assert len(poses) == 1
    assert poses[0].nose.x == pytest.approx(want["x"], abs=0.5)
    assert poses[0].nose.y == pytest.approx(want["y"], abs=0.5)
