"""PoseNet with a fake runtime: poseNet() arguments, loading, events, singlePose/multiPose, the detection loop."""

import asyncio
import gc
import itertools

import pytest

import pyposenet
from pyposenet import PoseNet, poseNet, set_runtime
from pyposenet.net import EVENTS
from pyposenet.parts import CONNECTED_PART_NAMES
from tests.support.fake_runtime import CallableVideo, FakeImage, FakeRuntime, FakeVideo, settle, until

TOLERANCE_PX = 1e-3


def assert_same_pose(result, expected_pose):
    assert result.pose.score == pytest.approx(expected_pose["score"], abs=1e-6)
    assert len(result.pose.keypoints) == len(expected_pose["keypoints"]) == 17
    for kp, want in zip(result.pose.keypoints, expected_pose["keypoints"], strict=True):
        assert kp.part == want["part"]
        assert kp.score == pytest.approx(want["score"], abs=1e-6)
        assert abs(kp.position.x - want["position"]["x"]) <= TOLERANCE_PX, (kp.part, kp.position, want)
        assert abs(kp.position.y - want["position"]["y"]) <= TOLERANCE_PX, (kp.part, kp.position, want)
        assert result.pose[kp.part] == {"x": kp.position.x, "y": kp.position.y, "confidence": kp.score}


# -- poseNet(...) arguments --------------------------------------------------------------------------


def ready_callback():
    pass


ARGUMENTS = {
    "video": FakeVideo(),
    "detection type": "single",
    "options": {"minConfidence": 0.2},
    "callback": ready_callback,
}


@pytest.mark.parametrize("order", list(itertools.permutations(ARGUMENTS)), ids=lambda o: ",".join(o))
def test_sort_arguments_any_order(order):
    args = [ARGUMENTS[kind] for kind in order]
    assert pyposenet.sort_arguments(args) == ARGUMENTS
    assert pyposenet.sort_arguments([None, *args[:2], None, *args[2:]]) == ARGUMENTS


@pytest.mark.parametrize(
    "arg, kind",
    [
        ("multiple", "detection type"),
        ({"nmsRadius": 3}, "options"),
        (ready_callback, "callback"),
        (lambda err, net: None, "callback"),
        (FakeVideo(), "video"),
        (CallableVideo(), "video"),
        (FakeImage(), "video"),
        (object(), "video"),
    ],
)
def test_sort_arguments_kinds(arg, kind):
    assert pyposenet.sort_arguments([arg]) == {kind: arg}


def test_sort_arguments_skips_none():
    assert pyposenet.sort_arguments([None, None]) == {}


@pytest.mark.parametrize(
    "first, second, kind",
    [
        ("single", "multiple", "detection type"),
        ({"a": 1}, {"b": 2}, "options"),
        (ready_callback, print, "callback"),
        (FakeVideo(), FakeImage(), "video"),
    ],
)
def test_two_arguments_of_one_kind(first, second, kind):
    with pytest.raises(TypeError) as info:
        pyposenet.sort_arguments([first, None, second])
    assert str(info.value) == (
        f"poseNet() got two {kind} arguments: {first!r} and {second!r}; pass one (arguments are sorted by "
        "kind: a string is the detection type, a function the callback, a dict the options, anything else "
        "the video)"
    )


def test_pose_net_two_callbacks_raises_before_anything_loads():
    runtime = FakeRuntime()
    with pytest.raises(TypeError, match="got two callback arguments"):
        poseNet(ready_callback, ready_callback, runtime=runtime)
    assert runtime.statuses == [] and runtime.loaded_with is None


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (3, 2, 1, 0), (2, 0, 3, 1), (1, 3, 0, 2)])
def test_pose_net_uses_sorted_arguments(order):
    video = FakeVideo()
    calls = []

    def loaded():
        calls.append("loaded")

    async def main():
        runtime = FakeRuntime()
        args = [video, "single", {"minConfidence": 0.2, "detectionType": "multiple"}, loaded]
        net = poseNet(*[args[i] for i in order], runtime=runtime)
        assert isinstance(net, PoseNet)
        assert net.video is video
        assert net.detectionType == "single"
        assert net.options["minConfidence"] == 0.2
        await net
        assert calls == ["loaded"]
        assert runtime.loaded_with["minConfidence"] == 0.2
        net.stop()

    asyncio.run(main())


@pytest.mark.parametrize(
    "args, expected",
    [
        ((), "multiple"),
        (({"detectionType": "single"},), "single"),
        (("single", {"detectionType": "multiple"}), "single"),
        (({"detectionType": "single"}, "multiple"), "multiple"),
        (("multiple",), "multiple"),
    ],
)
def test_detection_type_string_beats_option(args, expected):
    async def main():
        net = poseNet(*args, runtime=FakeRuntime())
        assert net.detectionType == expected == net.options["detectionType"]
        await net

    asyncio.run(main())


def test_bad_option_raises_from_pose_net():
    async def main():
        runtime = FakeRuntime()
        with pytest.raises(ValueError, match=r"^poseNet option 'nmsRadius': got -1; allowed: a number >= 0$"):
            poseNet({"nmsRadius": -1}, runtime=runtime)
        assert runtime.loaded_with is None

    asyncio.run(main())


def test_set_runtime_is_used_by_pose_net(monkeypatch):
    monkeypatch.setattr(pyposenet, "_runtime", None)
    runtime = FakeRuntime()

    async def main():
        set_runtime(runtime)
        net = await poseNet()
        assert net._runtime is runtime

    asyncio.run(main())
    assert runtime.statuses == ["loading model", "running"]


def test_without_runtime_under_cpython_the_host_runtime_is_used(monkeypatch):
    from pyposenet._host.runtime import HostRuntime

    monkeypatch.setattr(pyposenet, "_runtime", None)
    assert isinstance(pyposenet._default_runtime(), HostRuntime)


def test_pose_net_snake_case_alias():
    assert pyposenet.pose_net is poseNet


# -- loading -------------------------------------------------------------------------------------------


def test_await_pose_net_returns_the_net():
    async def main():
        runtime = FakeRuntime()
        net = poseNet(runtime=runtime)
        assert not net.ready.done()
        assert runtime.statuses == ["loading model"]
        same = await net
        assert same is net
        assert await net is net  # awaiting twice is fine
        assert net.ready.result() is net
        assert runtime.statuses == ["loading model", "running"]
        assert runtime.loaded_with == net.options

    asyncio.run(main())


def test_await_pose_net_expression_directly():
    async def main():
        net = await poseNet("single", runtime=FakeRuntime())
        assert isinstance(net, PoseNet) and net.detectionType == "single"

    asyncio.run(main())


def test_load_callback_without_arguments():
    calls = []

    async def main():
        net = poseNet(lambda: calls.append("ready"), runtime=FakeRuntime())
        assert calls == []
        await net
        assert calls == ["ready"]

    asyncio.run(main())


def test_load_callback_with_error_and_net():
    calls = []

    async def main():
        net = poseNet(lambda err, model: calls.append((err, model)), runtime=FakeRuntime())
        await net
        assert calls == [(None, net)]

    asyncio.run(main())


def test_load_callback_with_varargs_gets_error_and_net():
    calls = []

    async def main():
        net = await poseNet(lambda *args: calls.append(args), runtime=FakeRuntime())
        assert calls == [(None, net)]

    asyncio.run(main())


def test_load_failure_reaches_callback_error_event_report_and_await():
    failure = OSError("model.json: 404")
    calls, errors, readies = [], [], []

    async def main():
        runtime = FakeRuntime(load_error=failure)
        net = poseNet(lambda err, model: calls.append((err, model)), runtime=runtime)
        net.on("error", errors.append)
        net.on("ready", readies.append)
        with pytest.raises(OSError) as info:
            await net
        assert info.value is failure
        assert calls == [(failure, None)]
        assert errors == [failure]
        assert readies == []
        assert runtime.errors == [(failure, "loading the PoseNet model")]
        assert runtime.statuses == ["loading model"]
        with pytest.raises(OSError):
            await net.singlePose(FakeImage())

    asyncio.run(main())


def test_load_failure_does_not_call_a_callback_without_arguments():
    calls = []

    async def main():
        runtime = FakeRuntime(load_error=RuntimeError("no WebGL"))
        net = poseNet(lambda: calls.append("ready"), runtime=runtime)
        with pytest.raises(RuntimeError):
            await net
        assert calls == []
        assert len(runtime.errors) == 1

    asyncio.run(main())


def test_load_failure_with_nobody_awaiting_is_only_reported():
    """No "exception was never retrieved" noise from asyncio: the error was shown once, by the runtime."""
    unhandled = []

    async def main():
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: unhandled.append(context))
        runtime = FakeRuntime(load_error=RuntimeError("no WebGL"))
        net = poseNet(runtime=runtime)
        await settle()
        assert net.ready.done()
        assert [where for _exc, where in runtime.errors] == ["loading the PoseNet model"]
        del net
        gc.collect()
        await settle()

    asyncio.run(main())
    gc.collect()
    assert unhandled == []


def test_broken_load_callback_is_reported():
    boom = ValueError("in my callback")

    def ready(err, net):
        raise boom

    async def main():
        runtime = FakeRuntime()
        net = await poseNet(ready, runtime=runtime)
        assert runtime.errors == [(boom, "your model-ready callback")]
        assert net.ready.result() is net

    asyncio.run(main())


def test_ready_event_before_and_after_loading():
    seen = []

    async def main():
        net = poseNet(runtime=FakeRuntime())
        net.on("ready", lambda n: seen.append(("early", n)))
        await net
        net.on("ready", lambda n: seen.append(("late", n)))
        assert seen == [("early", net), ("late", net)]

    asyncio.run(main())


# -- one-shot detection ----------------------------------------------------------------------------------


def test_single_pose_matches_estimate_single_pose():
    image = FakeImage()
    heard, called = [], []

    async def main():
        runtime = FakeRuntime("starter")
        net = await poseNet(runtime=runtime)
        net.on("pose", heard.append)
        results = await net.singlePose(image, called.append)
        assert runtime.images == [image]
        assert len(results) == 1
        assert_same_pose(results[0], runtime.expected["estimateSinglePose"])
        assert heard == [results]
        assert called == [results]
        assert heard[0] is results and called[0] is results

    asyncio.run(main())


@pytest.mark.parametrize("image", ["starter", "runner", "pose", "baseball", "three_people", "tennis_in_crowd"])
def test_single_pose_every_image(image):
    async def main():
        runtime = FakeRuntime(image)
        net = await poseNet("multiple", runtime=runtime)  # the one-shot method decides, not the detection type
        results = await net.singlePose(FakeImage())
        assert len(results) == 1
        assert_same_pose(results[0], runtime.expected["estimateSinglePose"])

    asyncio.run(main())


def test_single_pose_flip_horizontal_option():
    async def main():
        runtime = FakeRuntime("starter")
        net = await poseNet({"flipHorizontal": True}, runtime=runtime)
        results = await net.singlePose(FakeImage())
        assert_same_pose(results[0], runtime.expected["estimateSinglePose_flipHorizontal"])

    asyncio.run(main())


@pytest.mark.parametrize("image", ["starter", "pose", "baseball", "three_people", "tennis_in_crowd", "runner"])
def test_multi_pose_matches_estimate_multiple_poses(image):
    heard = []

    async def main():
        runtime = FakeRuntime(image)
        net = await poseNet("single", runtime=runtime)
        net.on("pose", heard.append)
        results = await net.multiPose(FakeImage())
        expected = runtime.expected["estimateMultiplePoses"]
        assert len(results) == len(expected)
        for result, want in zip(results, expected, strict=True):
            assert_same_pose(result, want)
        assert heard == [results]

    asyncio.run(main())


def test_multi_pose_options_reach_the_decoder():
    async def main():
        runtime = FakeRuntime("three_people")
        assert len(runtime.expected["estimateMultiplePoses"]) == 4
        net = await poseNet({"maxPoseDetections": 2}, runtime=runtime)
        results = await net.multiPose(FakeImage())
        assert len(results) == 2
        for result, want in zip(results, runtime.expected["estimateMultiplePoses"][:2], strict=True):
            assert_same_pose(result, want)
        net_strict = await poseNet({"scoreThreshold": 1.0}, runtime=runtime)
        assert await net_strict.multiPose(FakeImage()) == []

    asyncio.run(main())


def test_multi_pose_asks_the_model_side_for_root_candidates_for_its_pose_count():
    """Multi-pose frames ask for root candidates (24 + 8 per pose asked for, at the threshold), single-pose ones not."""

    async def main():
        runtime = FakeRuntime("three_people")
        net = await poseNet({"maxPoseDetections": 2}, runtime=runtime)
        await net.multiPose(FakeImage())
        await net.singlePose(FakeImage())
        net.options["maxPoseDetections"] = 10
        net.options["scoreThreshold"] = 0.25
        await net.multiPose(FakeImage())
        assert runtime.roots == [(40, 0.5), None, (104, 0.25)]

    asyncio.run(main())


@pytest.mark.parametrize("min_confidence", [0, 0.5, 0.99])
def test_min_confidence_option_reaches_the_skeleton(min_confidence):
    async def main():
        runtime = FakeRuntime("runner")
        net = await poseNet({"minConfidence": min_confidence}, runtime=runtime)
        [result] = await net.singlePose(FakeImage())
        for a, b in result.skeleton:
            assert a.score >= min_confidence and b.score >= min_confidence
        scores = {kp.part: kp.score for kp in result.pose.keypoints}
        assert len(result.skeleton) == sum(
            scores[a] >= min_confidence and scores[b] >= min_confidence for a, b in CONNECTED_PART_NAMES
        )
        if min_confidence == 0:
            assert len(result.skeleton) == 12

    asyncio.run(main())


def test_single_pose_before_loading_waits_for_the_model():
    async def main():
        runtime = FakeRuntime()
        net = poseNet(runtime=runtime)
        pending = net.singlePose(FakeImage())
        assert not net.ready.done()
        results = await pending
        assert len(results) == 1 and runtime.runs == 1

    asyncio.run(main())


def test_single_pose_defaults_to_the_video():
    video = FakeVideo()

    async def main():
        runtime = FakeRuntime(has_frame=False)  # keep the loop from running frames
        net = await poseNet(video, runtime=runtime)
        await net.singlePose()
        assert runtime.images == [video]
        net.stop()

    asyncio.run(main())


def test_single_pose_without_image_or_video():
    async def main():
        net = await poseNet(runtime=FakeRuntime())
        with pytest.raises(ValueError) as info:
            await net.singlePose()
        assert str(info.value) == ("singlePose()/multiPose() need an image, video or canvas when poseNet has no video")

    asyncio.run(main())


def test_snake_case_aliases():
    assert PoseNet.single_pose is PoseNet.singlePose
    assert PoseNet.multi_pose is PoseNet.multiPose

    async def main():
        runtime = FakeRuntime("three_people")
        net = await poseNet(runtime=runtime)
        assert len(await net.single_pose(FakeImage())) == 1
        assert len(await net.multi_pose(FakeImage())) == 4

    asyncio.run(main())


def test_stats_count_frames():
    async def main():
        net = await poseNet(runtime=FakeRuntime())
        assert net.stats.frames == 0
        assert net.stats.summary() == {"frames": 0, "model_ms": None, "decode_ms": None}
        await net.singlePose(FakeImage())
        await net.multiPose(FakeImage())
        await net.singlePose(FakeImage())
        summary = net.stats.summary()
        assert net.stats.frames == summary["frames"] == 3
        assert summary["model_ms"] >= 0 and summary["decode_ms"] > 0

    asyncio.run(main())


# -- continuous detection -------------------------------------------------------------------------------


def test_video_detection_starts_after_load_stops_and_resumes():
    video = FakeVideo()
    heard = []

    async def main():
        runtime = FakeRuntime("starter")
        net = poseNet(video, "single", runtime=runtime)
        net.on("pose", heard.append)
        await settle(3)
        assert runtime.runs == 0  # not before the model is loaded
        await net
        await until(lambda: runtime.runs >= 3)
        assert net.running
        assert runtime.images and all(image is video for image in runtime.images)
        assert len(heard) >= 3
        assert_same_pose(heard[0][0], runtime.expected["estimateSinglePose"])

        net.stop()
        assert not net.running
        await settle()
        stopped_at = runtime.runs
        await settle(100)
        assert runtime.runs == stopped_at
        assert len(heard) == stopped_at
        assert net._loop_task.done()

        net.start()
        assert net.running
        await until(lambda: runtime.runs >= stopped_at + 3)
        net.stop()
        await settle()
        assert runtime.errors == []
        assert runtime.max_in_flight == 1

    asyncio.run(main())


def test_continuous_detection_uses_the_detection_type():
    heard = []

    async def main():
        runtime = FakeRuntime("three_people")
        net = poseNet(FakeVideo(), runtime=runtime)  # "multiple" by default
        net.on("pose", heard.append)
        await until(lambda: len(heard) >= 2)
        net.stop()
        assert [len(results) for results in heard[:2]] == [4, 4]
        for result, want in zip(heard[0], runtime.expected["estimateMultiplePoses"], strict=True):
            assert_same_pose(result, want)

    asyncio.run(main())


def test_one_frame_in_flight_even_when_start_is_called_again():
    async def main():
        runtime = FakeRuntime()
        net = await poseNet(FakeVideo(), runtime=runtime)
        for _ in range(5):
            net.start()
            await asyncio.sleep(0)
        net.stop()
        net.start()  # restarted while a frame may still be in flight: still one loop
        net.start()
        await until(lambda: runtime.runs >= 10)
        net.stop()
        await settle()
        assert runtime.max_in_flight == 1
        assert runtime.errors == []

    asyncio.run(main())


def test_stop_from_a_pose_listener_stops_after_that_frame():
    async def main():
        runtime = FakeRuntime()
        net = poseNet(FakeVideo(), runtime=runtime)
        net.on("pose", lambda results: net.stop())
        await net
        await settle(100)
        assert runtime.runs == 1
        assert not net.running

    asyncio.run(main())


def test_waiting_for_camera_then_running():
    async def main():
        runtime = FakeRuntime(has_frame=False)
        net = await poseNet(FakeVideo(), runtime=runtime)
        await settle(20)
        assert runtime.statuses == ["loading model", "waiting for camera"]
        assert runtime.runs == 0
        assert runtime.frames_waited >= 2
        runtime.frame_ready = True
        await until(lambda: runtime.runs >= 3)
        assert runtime.statuses == ["loading model", "waiting for camera", "running"]
        runtime.frame_ready = False
        await settle(20)
        runtime.frame_ready = True
        await settle(20)
        net.stop()
        assert runtime.statuses == ["loading model", "waiting for camera", "running", "waiting for camera", "running"]

    asyncio.run(main())


def test_status_running_without_video():
    async def main():
        runtime = FakeRuntime()
        await poseNet(runtime=runtime)
        assert runtime.statuses == ["loading model", "running"]

    asyncio.run(main())


def test_start_later_with_a_video():
    video = FakeVideo()

    async def main():
        runtime = FakeRuntime()
        net = await poseNet(runtime=runtime)
        await settle()
        assert runtime.runs == 0 and not net.running
        net.start(video)
        assert net.video is video
        await until(lambda: runtime.runs >= 2)
        net.stop()
        assert runtime.images[0] is video

    asyncio.run(main())


def test_start_without_a_video():
    async def main():
        net = await poseNet(runtime=FakeRuntime())
        with pytest.raises(ValueError) as info:
            net.start()
        assert str(info.value) == (
            "poseNet.start(): no video to detect on; pass one to poseNet(video, ...) or start(video)"
        )

    asyncio.run(main())


def test_stop_before_the_model_loads_keeps_detection_off():
    async def main():
        runtime = FakeRuntime()
        net = poseNet(FakeVideo(), runtime=runtime)
        net.stop()
        await net
        await settle(50)
        assert runtime.runs == 0
        assert not net.running
        net.start()
        await until(lambda: runtime.runs >= 1)
        net.stop()

    asyncio.run(main())


def test_exception_in_pose_listener_is_reported_once_and_stops_the_loop():
    boom = ZeroDivisionError("division by zero")
    errors, calls = [], []

    def listener(results):
        calls.append(results)
        raise boom

    async def main():
        runtime = FakeRuntime()
        net = poseNet(FakeVideo(), runtime=runtime)
        net.on("pose", listener)
        net.on("error", errors.append)
        await net
        await settle(100)
        assert runtime.errors == [(boom, "your 'pose' callback")]
        assert len(calls) == 1
        assert runtime.runs == 1
        assert not net.running
        assert net._loop_task.done() and net._loop_task.exception() is None

    asyncio.run(main())


def test_exception_while_detecting_is_reported_and_emitted():
    failure = RuntimeError("WebGL context lost")
    errors = []

    async def main():
        runtime = FakeRuntime(run_error=failure)
        net = poseNet(FakeVideo(), runtime=runtime)
        net.on("error", errors.append)
        await net
        await settle(100)
        assert runtime.errors == [(failure, "detecting poses")]
        assert errors == [failure]
        assert not net.running

    asyncio.run(main())


def test_listeners_get_every_frame_in_order_of_registration():
    order = []

    async def main():
        runtime = FakeRuntime()
        net = poseNet(FakeVideo(), runtime=runtime)
        net.on("pose", lambda r: order.append("a")).on("pose", lambda r: order.append("b"))
        await net
        await until(lambda: len(order) >= 4)
        net.stop()
        assert order[:4] == ["a", "b", "a", "b"]

    asyncio.run(main())


# -- events ---------------------------------------------------------------------------------------------


def test_on_and_off():
    a_calls, b_calls = [], []

    def a(results):
        a_calls.append(results)

    def b(results):
        b_calls.append(results)

    async def main():
        net = await poseNet(runtime=FakeRuntime())
        assert net.on("pose", a) is net
        net.on("pose", b)
        await net.singlePose(FakeImage())
        assert (len(a_calls), len(b_calls)) == (1, 1)
        assert net.off("pose", a) is net
        await net.singlePose(FakeImage())
        assert (len(a_calls), len(b_calls)) == (1, 2)
        net.off("pose", a)  # not registered any more: no error
        net.on("pose", a)
        net.off("pose")  # every listener
        await net.singlePose(FakeImage())
        assert (len(a_calls), len(b_calls)) == (1, 2)

    asyncio.run(main())


def test_events_list():
    assert EVENTS == ("pose", "error", "ready")


@pytest.mark.parametrize("method", ["on", "off"])
def test_unknown_event_name(method):
    async def main():
        net = await poseNet(runtime=FakeRuntime())
        args = ("poses", print) if method == "on" else ("poses",)
        with pytest.raises(ValueError) as info:
            getattr(net, method)(*args)
        assert str(info.value) == "poseNet has no event 'poses'; events: pose, error, ready"

    asyncio.run(main())


def test_on_needs_a_callable():
    async def main():
        net = await poseNet(runtime=FakeRuntime())
        with pytest.raises(TypeError) as info:
            net.on("pose", 42)
        assert str(info.value) == "poseNet.on('pose', fn): fn must be callable, got int"

    asyncio.run(main())


# -- user errors in one-shot detection ----------------------------------------------------------------


def test_awaited_single_pose_with_broken_listener_is_reported_once():
    boom = ZeroDivisionError("division by zero")

    def listener(results):
        raise boom

    async def main():
        runtime = FakeRuntime()
        net = await poseNet(runtime=runtime)
        net.on("pose", listener)
        with pytest.raises(Exception) as info:
            await net.singlePose(FakeImage())
        assert info.value is boom or info.value.__cause__ is boom
        assert runtime.errors == [(boom, "your 'pose' callback")]

    asyncio.run(main())


def test_fire_and_forget_single_pose_with_broken_listener_is_reported_only_once():
    unhandled = []

    def listener(results):
        raise ZeroDivisionError("division by zero")

    async def main():
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: unhandled.append(context))
        runtime = FakeRuntime()
        net = await poseNet(runtime=runtime)
        net.on("pose", listener)
        net.singlePose(FakeImage())
        await settle()
        gc.collect()
        await settle()
        assert len(runtime.errors) == 1

    asyncio.run(main())
    gc.collect()
    assert [c.get("message") for c in unhandled] == []


def test_broken_single_pose_callback_is_reported():
    boom = ValueError("bad callback")

    def callback(results):
        raise boom

    async def main():
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: None)
        runtime = FakeRuntime()
        net = await poseNet(runtime=runtime)
        net.singlePose(FakeImage(), callback)
        await settle()
        assert [(exc, where) for exc, where in runtime.errors if exc is boom]

    asyncio.run(main())


def _follow_video(options, frames=4):
    """Run continuous detection on a FakeVideo for `frames` frames; return each frame's results."""
    seen = []

    async def main():
        runtime = FakeRuntime(image="three_people")
        net = await poseNet(FakeVideo(), "multiple", options, runtime=runtime)
        net.on("pose", seen.append)
        await until(lambda: len(seen) >= frames)
        net.stop()
        await settle()
        assert runtime.errors == []

    asyncio.run(main())
    return seen[:frames]


def test_tracking_gives_each_person_a_stable_id_across_video_frames():
    frames = _follow_video({"tracking": True})
    first_ids = [r.id for r in frames[0]]
    assert len(first_ids) == len(set(first_ids)) >= 2
    for results in frames[1:]:
        assert [r.id for r in results] == first_ids


def test_no_ids_without_tracking_even_when_smoothing_follows_people():
    people = len(FakeRuntime(image="three_people").expected["estimateMultiplePoses"])
    assert people == 4
    for options in ({}, {"smoothing": True}):
        frames = _follow_video(options)
        assert [[list(r) for r in results] for results in frames] == [[["pose", "skeleton"]] * people] * 4


def test_smoothing_keeps_a_still_pose_still_and_the_ml5_shape():
    raw, smoothed = _follow_video({}), _follow_video({"smoothing": {"minCutoff": 0.5, "beta": 0.01}})
    assert len(smoothed[-1]) == len(raw[-1]) == 4
    for got, want in zip(smoothed[-1], raw[-1], strict=True):
        assert got.pose.nose == pytest.approx(want.pose.nose)  # the same frame repeated: nothing to smooth away
        assert got.pose.keypoints[0].position.x == got.pose.nose.x
        # The same skeleton (pairs of the pose's own keypoints) as without smoothing, for every person.
        parts = [[[kp.part for kp in pair] for pair in result.skeleton] for result in (got, want)]
        assert parts[0] == parts[1]
        assert got.skeleton  # every one of the four people has connected parts above minConfidence
        assert all(a in got.pose.keypoints and b in got.pose.keypoints for a, b in got.skeleton)


def test_one_shot_images_are_not_tracked():
    async def main():
        net = await poseNet("multiple", {"tracking": True}, runtime=FakeRuntime(image="three_people"))
        results = await net.multiPose(FakeImage())
        assert [list(r) for r in results] == [["pose", "skeleton"]] * 4

    asyncio.run(main())


def test_ml5_namespace_for_line_by_line_ports():
    from pyposenet import ml5

    async def main():
        runtime = FakeRuntime()
        net = await ml5.poseNet("single", runtime=runtime)
        assert isinstance(net, PoseNet) and net.detectionType == "single"

    asyncio.run(main())


def test_async_pose_listener_runs_for_every_frame():
    """An `async def` callback (natural in Pyodide, where awaiting is everywhere) is run, not dropped."""
    seen = []

    async def listener(results):
        await asyncio.sleep(0)
        seen.append(results[0].pose.nose.x)

    async def main():
        runtime = FakeRuntime()
        net = poseNet(FakeVideo(), runtime=runtime)
        net.on("pose", listener)
        await net
        await settle(100)
        net.stop()
        await settle(10)
        assert len(seen) >= 3 and len(seen) >= runtime.runs - 1
        assert runtime.errors == []

    asyncio.run(main())


def test_exception_in_async_pose_listener_is_reported_once_and_stops_the_loop():
    boom = KeyError("elbow")
    calls = []

    async def listener(results):
        calls.append(results)
        await asyncio.sleep(0)
        raise boom

    async def main():
        runtime = FakeRuntime()
        net = poseNet(FakeVideo(), runtime=runtime)
        net.on("pose", listener)
        await net
        await settle(100)
        assert runtime.errors == [(boom, "your 'pose' callback")]
        assert not net.running
        assert runtime.runs <= 2  # the frame in flight when it failed, at most
        assert not net._callback_tasks

    asyncio.run(main())


def test_async_load_callback_runs_and_its_exception_is_reported():
    boom = ValueError("in my async callback")
    got = []

    async def ready(err, net):
        got.append((err, net))
        await asyncio.sleep(0)
        raise boom

    async def main():
        runtime = FakeRuntime()
        net = await poseNet(ready, runtime=runtime)
        await settle(10)
        assert got == [(None, net)]
        assert runtime.errors == [(boom, "your model-ready callback")]

    asyncio.run(main())
