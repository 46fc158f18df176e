"""ml5 1.x's bodyPose() with a fake runtime: argument forms, model names, options, loading, p5's preload."""

import asyncio
import itertools

import pytest

import pyposenet
from pyposenet import BodyPose, UnavailableModelError, bodyPose, ml5
from pyposenet.bodypose import sort_model_arguments
from pyposenet.bodypose.arguments import ModelArguments
from pyposenet.bodypose.options import resolve_body_pose_options
from tests.support.fake_runtime import FakeRuntime, FakeVideo, settle


def loaded(body_pose):
    pass


ARGUMENTS = {"model": "PoseNet", "options": {"minPoseScore": 0.3}, "callback": loaded}


@pytest.mark.parametrize("order", list(itertools.permutations(ARGUMENTS)), ids=lambda o: ",".join(o))
def test_arguments_in_any_order(order):
    args = [ARGUMENTS[kind] for kind in order]
    assert sort_model_arguments([None, *args]) == ModelArguments(**ARGUMENTS)


def test_a_video_given_to_body_pose_says_where_it_goes():
    runtime = FakeRuntime()
    with pytest.raises(TypeError, match=r"detectStart\(video, callback\) or detect\(image\)"):
        bodyPose(FakeVideo(), runtime=runtime)
    assert runtime.loaded_with is None


@pytest.mark.parametrize("first, second", [("PoseNet", "posenet"), ({}, {"flipped": True}), (loaded, print)])
def test_two_arguments_of_one_kind(first, second):
    with pytest.raises(TypeError, match="got two .* arguments"):
        bodyPose(first, second, runtime=FakeRuntime())


# -- model names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [None, "PoseNet", "posenet", "POSENET"])
def test_posenet_by_any_case_and_by_default(name):
    async def main():
        runtime = FakeRuntime()
        body_pose = await bodyPose(name, runtime=runtime)
        assert body_pose.modelName == body_pose.model_name == "PoseNet"
        assert runtime.loaded_with["architecture"] == "MobileNetV1"  # the app's PoseNet

    asyncio.run(main())


def test_an_unknown_model_names_the_allowed_ones():
    runtime = FakeRuntime()
    with pytest.raises(ValueError) as info:
        bodyPose("OpenPose", runtime=runtime)
    assert str(info.value) == (
        "bodyPose(): unknown model 'OpenPose'; allowed: 'PoseNet', 'MoveNet', 'BlazePose' (or none: 'PoseNet')"
    )
    assert runtime.loaded_with is None and runtime.statuses == []


@pytest.mark.parametrize("name", ["MoveNet", "movenet"])
def test_movenet_says_no_weights_are_here_and_what_to_use(name):
    runtime = FakeRuntime()
    with pytest.raises(UnavailableModelError) as info:
        bodyPose(name, runtime=runtime)
    message = str(info.value)
    assert "no MoveNet weights are available offline here" in message
    assert "bodyPose('PoseNet')" in message and "docs/bodypose.md" in message
    assert runtime.loaded_with is None and runtime.statuses == []


def test_movenet_from_a_model_url_says_it_does_not_run_yet():
    with pytest.raises(UnavailableModelError) as info:
        bodyPose("MoveNet", {"modelUrl": "movenet/model.json"}, runtime=FakeRuntime())
    assert "'modelUrl': 'movenet/model.json'" in str(info.value)
    assert "does not run MoveNet yet" in str(info.value)


def test_blazepose_under_cpython_without_mediapipe_says_how_to_get_it(monkeypatch):
    from pyposenet.bodypose import blazepose_host

    monkeypatch.setattr(blazepose_host, "available", lambda: False)
    monkeypatch.setattr(blazepose_host.HostBlazePose, "_shared", None)
    with pytest.raises(UnavailableModelError, match=r"pip install 'pyposenet\[blazepose\]'.*bodyPose\(\) \(PoseNet\)"):
        bodyPose("blazepose", runtime=FakeRuntime())


# -- options ---------------------------------------------------------------------------------------


def test_ml5_1x_defaults_on_posenet():
    options = resolve_body_pose_options()
    assert (options.flipped, options.min_pose_score, options.tracker_type) == (False, 0.25, "boundingBox")
    assert options.posenet["smoothing"] is True and options.posenet["tracking"] is True  # enableSmoothing/Tracking
    assert options.posenet["detectionType"] == "multiple"  # MoveNet's default model is multi-pose
    assert options.posenet["flipHorizontal"] is False


def test_options_become_the_nets_options():
    async def main():
        runtime = FakeRuntime()
        body_pose = await bodyPose(
            {"enableSmoothing": False, "enableTracking": False, "flipped": True, "maxPoseDetections": 2},
            runtime=runtime,
        )
        assert runtime.loaded_with["maxPoseDetections"] == 2
        assert body_pose.net.options["smoothing"] is False and body_pose.net.options["tracking"] is False
        assert body_pose.net.options["flipHorizontal"] is True

    asyncio.run(main())


@pytest.mark.parametrize(
    "model_type, detection_type",
    [("SINGLEPOSE_LIGHTNING", "single"), ("singlepose_thunder", "single"), ("MULTIPOSE_LIGHTNING", "multiple")],
)
def test_movenet_model_type_picks_single_or_multiple(model_type, detection_type):
    assert resolve_body_pose_options({"modelType": model_type}).posenet["detectionType"] == detection_type


@pytest.mark.parametrize(
    "options, message",
    [
        ({"enableSmoothing": 1}, "bodyPose option 'enableSmoothing': got 1; allowed: True or False"),
        ({"flipped": "yes"}, "bodyPose option 'flipped': got 'yes'; allowed: True or False"),
        ({"flipped": True, "flipHorizontal": False}, "the same as flipHorizontal"),
        ({"minPoseScore": 1.5}, "bodyPose option 'minPoseScore': got 1.5; allowed: a number >= 0 and <= 1"),
        ({"trackerType": "centroid"}, "allowed: 'boundingBox', 'keypoint'"),
        ({"trackerConfig": {"maxTracks": 4}}, "pose-detection's trackers, which pyposenet does not run"),
        ({"modelType": "lite"}, "bodyPose option 'modelType': got 'lite'; allowed: 'SINGLEPOSE_LIGHTNING'"),
        ({"modelType": "SINGLEPOSE_THUNDER", "detectionType": "multiple"}, "'single' with modelType"),
        ({"enableSmoothin": True}, "unknown bodyPose option 'enableSmoothin'; did you mean 'enableSmoothing'?"),
        ({"runtime": "tfjs"}, "bodyPose option 'runtime' is BlazePose's: bodyPose('PoseNet') does not take it"),
        ({"multiPoseMaxDimension": 256}, "MoveNet's input size; on PoseNet set inputResolution"),
        ({"multiplier": 0.6}, "bodyPose('PoseNet'): poseNet option 'multiplier': got 0.6"),
    ],
)
def test_bad_options_name_the_option_and_what_is_allowed(options, message):
    runtime = FakeRuntime()
    with pytest.raises(ValueError) as info:
        bodyPose(options, runtime=runtime)
    assert message in str(info.value)
    assert runtime.loaded_with is None


def test_tracker_types_any_case():
    assert resolve_body_pose_options({"trackerType": "KEYPOINT"}).tracker_type == "keypoint"


# -- loading ---------------------------------------------------------------------------------------


def test_await_gives_the_body_pose_and_the_callback_gets_it():
    got = []

    async def main():
        body_pose = bodyPose(got.append, runtime=FakeRuntime())
        assert isinstance(body_pose, BodyPose) and got == []
        assert await body_pose is body_pose
        assert await body_pose.ready is body_pose
        assert got == [body_pose]

    asyncio.run(main())


def test_a_load_error_reaches_ready_and_the_callback_as_ml5_1x_gives_it():
    error = OSError("model-stride16.json: not found")
    calls = []

    def two(result, err):
        calls.append(("two", result, err))

    def none():
        calls.append("none")

    async def main():
        runtime = FakeRuntime(load_error=error)
        first, second = bodyPose(two, runtime=runtime), bodyPose(none, runtime=runtime)
        for body_pose in (first, second):
            with pytest.raises(OSError, match="not found"):
                await body_pose
        await settle()
        assert calls == [("two", None, error)]  # ml5 1.x: callback(undefined, error); no-argument form: success only
        assert [where for _, where in runtime.errors] == ["loading the PoseNet model"] * 2

    asyncio.run(main())


class FakeP5Preload:
    """p5's preload counter (p5 calls setup() when it is back to 0)."""

    def __init__(self):
        self.count = 0
        self.calls = []

    def _incrementPreload(self):
        self.count += 1
        self.calls.append("+")

    def _decrementPreload(self):
        self.count -= 1
        self.calls.append("-")


def test_preload_holds_setup_until_the_model_is_ready():
    async def main():
        counter = FakeP5Preload()
        body_pose = BodyPose(FakeRuntime(), preload_counter=counter)
        assert counter.calls == ["+"]  # at once, inside preload()
        await body_pose
        await settle()
        assert counter.calls == ["+", "-"] and counter.count == 0

        failing = FakeP5Preload()
        broken = BodyPose(FakeRuntime(load_error=OSError("gone")), preload_counter=failing)
        with pytest.raises(OSError):
            await broken
        await settle()
        assert failing.calls == ["+"]  # setup() never runs on a model that failed (the page shows the error)

    asyncio.run(main())


def test_preload_is_held_only_in_the_page():
    assert pyposenet.bodypose.sketch_preload_counter() is None  # CPython: no p5


def test_names_for_ml5_ports_and_snake_case():
    assert ml5.bodyPose is bodyPose is pyposenet.body_pose
    assert BodyPose.detect_start is BodyPose.detectStart and BodyPose.detect_stop is BodyPose.detectStop
    assert BodyPose.get_connections is BodyPose.getConnections and BodyPose.get_skeleton is BodyPose.getSkeleton
