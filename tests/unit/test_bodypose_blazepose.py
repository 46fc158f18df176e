"""bodyPose("BlazePose") with a fake BlazePose engine: model choice and options, ml5 1.x's BlazePose result shape
(33 named keypoints in pixels, keypoints3D in metres, box, confidence, parts by name), flipping, the skeleton,
detectStart / detectStop / detect, the load callback, and what it says where it cannot run."""

import asyncio

import pytest

from pyposenet import bodyPose
from pyposenet.bodypose import UnavailableModelError
from pyposenet.bodypose.blazepose_body import BlazePoseBody
from pyposenet.bodypose.blazepose_engine import BlazePoseFrame
from pyposenet.bodypose.blazepose_keypoints import BLAZEPOSE_KEYPOINT_NAMES, COCO_INDEX
from pyposenet.bodypose.keypoints import COCO_KEYPOINT_NAMES
from tests.support.fake_runtime import FakeImage, FakeRuntime, FakeVideo, until

# A pose in normalised coordinates: landmark i at x = 0.1 + 0.02 i, y = 0.2 + 0.01 i; visibility 0.9 but the
# last eight (legs) 0.05; world landmarks i / 100 metres.
LANDMARKS = tuple((0.1 + 0.02 * i, 0.2 + 0.01 * i, -0.1, 0.9 if i < 25 else 0.05) for i in range(33))
WORLD = tuple((i / 100, -i / 100, i / 200, 0.9 if i < 25 else 0.05) for i in range(33))
FRAME = BlazePoseFrame(landmarks=LANDMARKS, world=WORLD, display_width=640.0, display_height=480.0)


class FakeEngine:
    def __init__(self, frame=FRAME, load_error=None):
        self.frame, self.load_error = frame, load_error
        self.loaded, self.estimated = [], []

    async def load(self, options):
        await asyncio.sleep(0)
        if self.load_error:
            raise self.load_error
        self.loaded.append(options)

    async def estimate(self, media, options):
        await asyncio.sleep(0)
        self.estimated.append((media, options))
        return self.frame


class BlazePoseRuntime(FakeRuntime):
    def __init__(self, engine=None, **kwargs):
        super().__init__(**kwargs)
        self.engine = engine or FakeEngine()

    def blazepose_engine(self):
        return self.engine


def run(coro):
    return asyncio.run(coro)


def test_blazepose_is_chosen_by_name_with_its_model_types():
    async def main():
        runtime = BlazePoseRuntime()
        for name, options, complexity in (
            ("BlazePose", {}, 1),  # ml5 1.x's default modelType: full
            ("blazepose", {"modelType": "lite"}, 0),
            ("BlazePose", {"modelType": "HEAVY", "enableSmoothing": False}, 2),
        ):
            body_pose = await bodyPose(name, options, runtime=runtime)
            assert isinstance(body_pose, BlazePoseBody) and body_pose.modelName == "BlazePose"
            assert runtime.engine.loaded[-1].solution_options() == {
                "modelComplexity": complexity,
                "smoothLandmarks": options.get("enableSmoothing", True),
            }

    run(main())


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"modelType": "medium"}, ["modelType", "'lite'", "'heavy'"]),
        ({"enableSmoothing": "yes"}, ["enableSmoothing", "True or False"]),
        ({"solutionPath": "https://cdn.jsdelivr.net/npm/@mediapipe/pose"}, ["solutionPath", "served by this app"]),
        ({"enableSegmentation": True}, ["segmentation"]),
        ({"runtime": "onnx"}, ["runtime", "'mediapipe'"]),
        ({"modelTyp": "lite"}, ["did you mean 'modelType'"]),
        ({"flipped": True, "flipHorizontal": False}, ["flipped", "flipHorizontal"]),
    ],
)
def test_bad_options_say_what_is_allowed(options, words):
    with pytest.raises(ValueError) as error:
        bodyPose("BlazePose", options, runtime=BlazePoseRuntime())
    for word in words:
        assert word in str(error.value)


def test_results_have_ml5s_blazepose_shape():
    async def main():
        body_pose = await bodyPose("BlazePose", runtime=BlazePoseRuntime())
        return await body_pose.detect(FakeImage())

    (pose,) = run(main())
    assert [kp.name for kp in pose.keypoints] == list(BLAZEPOSE_KEYPOINT_NAMES)
    wrist = pose.keypoints[15]
    assert (wrist.name, wrist.x, wrist.y, wrist.confidence) == ("left_wrist", 0.4 * 640, 0.35 * 480, 0.9)
    assert "z" not in wrist  # ml5 1.x drops the 2D keypoints' z
    assert pose.keypoints3D[15] == {"x": 0.15, "y": -0.15, "z": 0.075, "confidence": 0.9, "name": "left_wrist"}
    assert pose.left_wrist == {
        "x": wrist.x,
        "y": wrist.y,
        "confidence": 0.9,
        "keypoint3D": {"x": 0.15, "y": -0.15, "z": 0.075, "confidence": 0.9},
    }
    assert pose.confidence == pytest.approx((25 * 0.9 + 8 * 0.05) / 33)
    # the box bounds the confident keypoints only (the legs' visibility is 0.05)
    assert (pose.box.xMin, pose.box.xMax) == pytest.approx((0.1 * 640, (0.1 + 0.02 * 24) * 640))
    assert pose.box.height == pytest.approx(0.24 * 480)
    assert [COCO_INDEX[name] for name in COCO_KEYPOINT_NAMES][:3] == [0, 2, 5]


def test_flipped_mirrors_2d_keypoints_to_width_minus_x():
    async def main():
        body_pose = await bodyPose("BlazePose", {"flipped": True}, runtime=BlazePoseRuntime())
        return await body_pose.detect(FakeImage())

    (pose,) = run(main())
    assert pose.nose.x == pytest.approx(640 - 0.1 * 640)
    assert pose.keypoints3D[0].x == 0.0  # as in ml5 1.x: 3D keypoints are not mirrored


def test_no_person_gives_no_pose():
    async def main():
        body_pose = await bodyPose("BlazePose", runtime=BlazePoseRuntime(FakeEngine(frame=None)))
        return await body_pose.detect(FakeImage())

    assert run(main()) == []


def test_skeleton_is_blazeposes_35_pairs():
    async def main():
        return await bodyPose("BlazePose", runtime=BlazePoseRuntime())

    body_pose = run(main())
    pairs = body_pose.getSkeleton()
    assert pairs == body_pose.getConnections() == body_pose.get_skeleton()
    assert len(pairs) == 35 and [11, 12] in pairs and [27, 31] in pairs
    assert all(0 <= a < 33 and 0 <= b < 33 for a, b in pairs)


def test_detect_start_and_stop_on_a_video():
    async def main():
        runtime = BlazePoseRuntime()
        body_pose = bodyPose("BlazePose", runtime=runtime)
        got = []
        video = FakeVideo()
        body_pose.detectStart(got.append, video)  # any order, as ml5 1.x
        await until(lambda: len(got) >= 3)
        assert body_pose.detecting
        body_pose.detectStop()
        await until(lambda: not body_pose.detecting)
        count = len(got)
        for _ in range(20):
            await asyncio.sleep(0)
        assert len(got) <= count + 1  # stops after the frame in flight
        assert all(media is video for media, _ in runtime.engine.estimated)
        assert got[0][0].keypoints[0].name == "nose"

    run(main())


def test_a_failing_callback_is_reported_and_stops_detection():
    async def main():
        runtime = BlazePoseRuntime()
        body_pose = bodyPose("BlazePose", runtime=runtime)

        def broken(_poses):
            raise ZeroDivisionError("oops")

        body_pose.detectStart(FakeVideo(), broken)
        await until(lambda: runtime.errors)
        await until(lambda: body_pose._loop is None)
        assert runtime.errors[0][1] == "your bodyPose.detectStart() callback"

    run(main())


def test_load_failure_reaches_the_callback_and_the_page():
    async def main():
        error = UnavailableModelError("no heavy model here")
        runtime = BlazePoseRuntime(FakeEngine(load_error=error))
        calls = []
        body_pose = bodyPose("BlazePose", {"modelType": "heavy"}, lambda *args: calls.append(args), runtime=runtime)
        with pytest.raises(UnavailableModelError):
            await body_pose
        assert calls == [(None, error)]
        assert runtime.errors[0][0] is error and "heavy" in runtime.errors[0][1]
        assert any("not in a Web Worker" in status for status in runtime.statuses)

    run(main())


def test_detect_commands_blazepose_calls_give_ml5_1x_poses_and_refuse_draw(capsys):
    import json

    from pyposenet.bodypose.blazepose_detect import BlazePoseDetector
    from pyposenet.cli import main

    async def main_():
        engine = FakeEngine()
        detector = await BlazePoseDetector.load(engine, flipped=True)
        single = await detector.singlePose("a.png")
        detector.video = "frame"
        from_video = await detector.multiPose()
        return engine, single, from_video

    engine, single, from_video = run(main_())
    assert engine.loaded[0].model_type == "full" and engine.loaded[0].smoothing is False
    assert [media for media, _ in engine.estimated] == ["a.png", "frame"]
    (pose,) = json.loads(json.dumps(single))
    assert pose["keypoints"][0] == {"x": 640.0 - 0.1 * 640, "y": 0.2 * 480, "confidence": 0.9, "name": "nose"}
    assert pose["keypoints3D"][1]["x"] == 0.01 and from_video == single
    with pytest.raises(SystemExit):
        main(["detect", "--model", "blazepose", "--draw", "out", "a.png"])
    assert "--draw draws poseNet's results" in capsys.readouterr().err
