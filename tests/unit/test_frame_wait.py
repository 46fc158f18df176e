"""A net's wait for video frames (pyposenet/frame_wait.py) and how the detection loop reports it."""

import asyncio

from pyposenet.frame_wait import CameraError, FrameWait
from pyposenet.net import PoseNet
from tests.support.fake_runtime import FakeRuntime, FakeVideo


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_no_problem_while_a_camera_starts():
    clock = Clock()
    wait = FrameWait(5.0, clock)
    assert wait.waiting() is None
    clock.now += 4.9
    assert wait.waiting() is None
    assert wait.frame_arrived() is False


def test_no_frames_for_the_limit_is_reported_once():
    clock = Clock()
    wait = FrameWait(5.0, clock)
    wait.waiting()
    clock.now += 5.0
    problem = wait.waiting()
    assert isinstance(problem, CameraError)
    assert str(problem).startswith("the video has shown no frame for 5 s")
    clock.now += 30
    assert wait.waiting() is None
    assert wait.frame_arrived() is True
    # A later stall is a new wait: reported again after the limit.
    assert wait.waiting() is None
    clock.now += 5.0
    assert isinstance(wait.waiting(), CameraError)


def test_a_known_camera_problem_is_reported_at_once_and_once():
    wait = FrameWait(5.0, Clock())
    problem = wait.waiting("no camera was found (NotFoundError). Plug in a camera")
    assert str(problem) == "no camera was found (NotFoundError). Plug in a camera"
    assert wait.waiting("no camera was found (NotFoundError). Plug in a camera") is None


class CameraRuntime(FakeRuntime):
    """FakeRuntime with a camera: a known problem, and the notices the net shows."""

    def __init__(self, problem=None):
        super().__init__(has_frame=False)
        self.problem = problem
        self.notices = []

    def video_problem(self, video):
        return self.problem

    def show_notice(self, text):
        self.notices.append(text)


def run_until(runtime, condition, net_setup=lambda net: None):
    async def go():
        net = PoseNet(runtime, FakeVideo())
        net_setup(net)
        errors, poses = [], []
        net.on("error", errors.append)
        net.on("pose", poses.append)
        await net
        for _ in range(2000):
            if condition(errors, poses):
                break
            await asyncio.sleep(0.001)
        net.stop()
        return errors, poses

    return asyncio.run(go())


def test_refused_camera_reaches_the_error_event_and_a_notice_and_the_loop_keeps_waiting():
    runtime = CameraRuntime("the camera could not be opened: refused")
    errors, poses = run_until(runtime, lambda errors, poses: runtime.frames_waited > 20)
    assert [str(e) for e in errors] == ["the camera could not be opened: refused"]
    assert isinstance(errors[0], CameraError)
    assert runtime.notices == ["poseNet: the camera could not be opened: refused"]
    assert runtime.errors == []  # not an error that stops the sketch
    assert poses == []
    assert runtime.statuses[-1] == "waiting for camera"


def test_late_frames_start_detection_and_clear_the_notice():
    runtime = CameraRuntime()

    def frames_after_error(errors, poses):
        if errors:
            runtime.frame_ready = True
        return len(poses) >= 2

    errors, poses = run_until(runtime, frames_after_error, lambda net: setattr(net, "no_frames_notice_s", 0.0))
    assert len(errors) == 1 and str(errors[0]).startswith("the video has shown no frame")
    assert len(poses) >= 2
    assert runtime.notices[0].startswith("poseNet: the video has shown no frame")
    assert runtime.notices[-1] is None
    assert runtime.statuses[-1] == "running"
