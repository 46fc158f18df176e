"""The net: ml5's poseNet object. Events, the detection loop, singlePose / multiPose.

Runtime-agnostic: everything that touches a model or a video goes through a `runtime`, an object with
the methods of `pyposenet.runtime.Runtime` (load_model, run(model, image, roots), next_frame, has_frame,
set_status, report_error) and, where videos come from a camera, optionally those of
`pyposenet.runtime.CameraRuntime` (video_problem, show_notice). See pyposenet/runtime.py for the
contract and the runtimes that implement it (`pyposenet._browser.runtime.BrowserRuntime` in the page,
`pyposenet._host.runtime.HostRuntime` under CPython, fakes in the unit tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import time
import weakref
from collections.abc import Callable
from typing import cast

from ._compat import is_js_object, to_js_plain
from .callbacks import call_with_fitting_args, positional_arity
from .decode import decode_multiple_poses, decode_single_pose
from .decode.finite import decode_finite
from .decode.root_hints import root_candidate_count
from .frame_wait import NO_FRAMES_NOTICE_S, FrameWait
from .options import resolve_options
from .results import to_ml5_results
from .runtime import Runtime
from .smoothing import Clock, PoseSmoother
from .stats import FrameStats
from .tracking import PoseTracker

_live_nets: weakref.WeakSet[PoseNet] = weakref.WeakSet()


def live_nets() -> list[PoseNet]:
    """Every net created in this Python session and not yet garbage-collected (for tests and the console)."""
    return list(_live_nets)


EVENTS = ("pose", "error", "ready")


class PoseNet:
    """What `poseNet(...)` returns. Use `on("pose", fn)`, `singlePose()`, `multiPose()`, `stop()`, `start()`."""

    #: Seconds a video may show no frame before the `error` event and a notice say so (frame_wait.py).
    no_frames_notice_s = NO_FRAMES_NOTICE_S
    #: Smoothing's time in seconds (a smoothing.Clock); None: when each frame's outputs arrive. Work on a recorded
    #: video gives its frame times instead (pyposenet batch), so a rerun smooths alike.
    clock: Clock | None = None

    def __init__(
        self,
        runtime: Runtime,
        video=None,
        options: dict | None = None,
        detection_type: str | None = None,
        callback: Callable | None = None,
    ):
        self.options = resolve_options(options, detection_type)
        self.detectionType = self.options["detectionType"]
        self.video = video
        self._runtime = runtime
        self._listeners: dict[str, list[Callable]] = {name: [] for name in EVENTS}
        self._model = None
        self._running = False
        self._stopped_by_user = False
        self._closed = False
        self._loop_task: asyncio.Task | None = None
        self._load_callback = callback
        self._callback_tasks: set[asyncio.Task] = set()  # `async def` callbacks still running
        self._listener_broke = False  # one broken listener is reported once, until detection restarts
        self.stats = FrameStats()
        self._smoother = _make_smoother(self.options["smoothing"])
        self._tracker = _make_tracker(self.options["tracking"], self.options["smoothing"])
        self.ready: asyncio.Future = asyncio.get_event_loop().create_future()
        runtime.set_status("loading model")
        self._load_task = asyncio.ensure_future(self._load())
        _live_nets.add(self)

    def __await__(self):
        return self._wait_ready().__await__()

    async def _wait_ready(self):
        await self.ready
        return self

    # -- events -------------------------------------------------------------------------------------

    def on(self, event: str, fn: Callable) -> PoseNet:
        """Call `fn(results)` on every `pose` (or `fn(error)` on `error`, `fn(net)` on `ready`)."""
        self._check_event(event)
        if not callable(fn):
            raise TypeError(f"poseNet.on({event!r}, fn): fn must be callable, got {type(fn).__name__}")
        self._listeners[event].append(fn)
        if event == "ready" and self.ready.done() and not self.ready.exception():
            fn(self)
        return self

    def off(self, event: str, fn: Callable | None = None) -> PoseNet:
        """Remove `fn` from `event`, or every listener of `event` when `fn` is None."""
        self._check_event(event)
        if fn is None:
            self._listeners[event].clear()
        elif fn in self._listeners[event]:
            self._listeners[event].remove(fn)
        return self

    @staticmethod
    def _check_event(event: str) -> None:
        if event not in EVENTS:
            raise ValueError(f"poseNet has no event {event!r}; events: {', '.join(EVENTS)}")

    def _emit(self, event: str, value) -> None:
        if self._closed and event != "error":
            return
        for fn in list(self._listeners[event]):
            try:
                # A JavaScript listener gets plain JS objects, a Python one gets Records.
                returned = fn(to_js_plain(value) if is_js_object(fn) and isinstance(value, list) else value)
            except Exception as exc:  # a broken listener stops detection, shown to the person
                self._listener_failed(exc, event)
                raise _ListenerFailed from exc
            if not is_js_object(fn):
                self._run_async_callback(returned, functools.partial(self._listener_failed, event=event))

    def _listener_failed(self, exc: BaseException, event: str) -> None:
        self._running = False
        if self._listener_broke:
            return  # an `async def` listener of a frame already running when the first one failed
        self._listener_broke = True
        self._runtime.report_error(exc, f"your {event!r} callback")

    def _run_async_callback(self, returned, on_failure: Callable[[BaseException], None]) -> None:
        """An `async def` callback returns a coroutine: run it as a task (it would otherwise never run)
        and report its exception as a plain callback's. Its frame's detection does not wait for it."""
        if not inspect.isawaitable(returned):
            return
        task = asyncio.ensure_future(returned)
        self._callback_tasks.add(task)  # the event loop keeps only a weak reference to a task

        def finished(task: asyncio.Task) -> None:
            self._callback_tasks.discard(task)
            error = None if task.cancelled() else task.exception()
            if error is not None:
                on_failure(error)

        task.add_done_callback(finished)

    # -- loading ------------------------------------------------------------------------------------

    async def _load(self) -> None:
        try:
            self._model = await self._runtime.load_model(self.options)
        except Exception as exc:
            self.ready.set_exception(exc)
            self.ready.exception()  # mark retrieved: the error is reported below
            self._runtime.report_error(exc, "loading the PoseNet model")
            self._call_load_callback(exc)
            if self._listeners["error"]:
                self._emit_quietly("error", exc)
            return
        self.ready.set_result(self)
        self._call_load_callback(None)
        self._emit_quietly("ready", self)
        if self.video is not None and not self._stopped_by_user:
            self.start()
        else:
            self._runtime.set_status("running")

    def _call_load_callback(self, error) -> None:
        cb = self._load_callback
        if cb is None or (self._closed and error is None):
            return
        arity = positional_arity(cb)
        if error is not None and arity == 0:
            return  # the p5-preload form has no error argument; the error event and the page show it

        def failed(exc: BaseException) -> None:
            self._runtime.report_error(exc, "your model-ready callback")

        try:
            returned = call_with_fitting_args(cb, error, None if error else self)
        except Exception as exc:
            failed(exc)
            return
        if not is_js_object(cb):
            self._run_async_callback(returned, failed)

    def _emit_quietly(self, event: str, value) -> None:
        with contextlib.suppress(_ListenerFailed):
            self._emit(event, value)

    # -- continuous detection ------------------------------------------------------------------------

    def start(self, video=None) -> None:
        """Start (or restart) detecting on the video, one frame in flight at a time."""
        if self._closed:
            raise RuntimeError("poseNet.start(): this net was closed (the sketch that made it stopped)")
        if video is not None:
            self.video = video
        self._listener_broke = False
        self._stopped_by_user = False
        if self.video is None:
            raise ValueError("poseNet.start(): no video to detect on; pass one to poseNet(video, ...) or start(video)")
        self._running = True
        if self._model is not None and (self._loop_task is None or self._loop_task.done()):
            self._loop_task = asyncio.ensure_future(self._detect_loop())

    def detectStart(self, video=None, callback: Callable | None = None) -> None:
        """ml5 1.x's name: start continuous detection on `video`, calling `callback(results)` each frame."""
        if callback is not None and callback not in self._listeners["pose"]:
            self.on("pose", callback)
        self.start(video)

    def detectStop(self) -> None:
        """ml5 1.x's name for stop()."""
        self.stop()

    detect_start = detectStart
    detect_stop = detectStop

    @property
    def detection_type(self) -> str:
        return self.detectionType

    def stop(self) -> None:
        """Stop continuous detection after the frame in flight (or before it starts); start() resumes it."""
        self._running = False
        self._stopped_by_user = True

    def close(self) -> None:
        """Stop for good: no results are delivered any more, not even the frame in flight's (no `pose` or
        `ready` event, no load callback with a net); errors are still reported. The page closes a
        sketch's nets when the sketch stops."""
        self.stop()
        self._closed = True

    @property
    def running(self) -> bool:
        return self._running

    async def _detect_loop(self) -> None:
        runtime = self._runtime
        status = None
        wait = FrameWait(self.no_frames_notice_s)
        video_problem = getattr(runtime, "video_problem", None)
        show_notice = getattr(runtime, "show_notice", None)
        while self._running:
            if not runtime.has_frame(self.video):
                if status != "waiting for camera":
                    status = "waiting for camera"
                    runtime.set_status(status)
                problem = wait.waiting(video_problem(self.video) if video_problem else None)
                if problem is not None:  # told once; the loop keeps waiting: frames may still come
                    if show_notice:
                        show_notice(f"poseNet: {problem}")
                    self._emit_quietly("error", problem)
                await runtime.next_frame(self.video)
                continue
            if wait.frame_arrived() and show_notice:
                show_notice(None)
            try:
                await self._estimate(self.video, self.detectionType)
            except _ListenerFailed:
                return
            except Exception as exc:
                self._running = False
                runtime.report_error(exc, "detecting poses")
                self._emit_quietly("error", exc)
                return
            if status != "running":
                status = "running"
                runtime.set_status(status)
            await runtime.next_frame(self.video)

    # -- one-shot detection -------------------------------------------------------------------------

    def singlePose(self, input=None, callback: Callable | None = None) -> asyncio.Future:
        """Detect one pose in `input` (default: the video); emits `pose`, calls `callback(results)`, returns the
        results."""
        return self._schedule(self._one_shot(input, "single", callback))

    def multiPose(self, input=None, callback: Callable | None = None) -> asyncio.Future:
        """Detect up to maxPoseDetections poses in `input` (default: the video); like singlePose."""
        return self._schedule(self._one_shot(input, "multiple", callback))

    single_pose = singlePose
    multi_pose = multiPose

    def estimate(self, input, detection_type: str | None = None) -> asyncio.Future:
        """The poses in `input`, with no `pose` event and no callback (bodyPose's detect() runs on this)."""
        return self._schedule(self._one_shot(input, detection_type or self.detectionType, None, emit=False))

    @staticmethod
    def _schedule(coroutine) -> asyncio.Future:
        """Run now, awaited or not (ml5 style: results arrive through on("pose")).

        Every error of a one-shot detection is reported to the person where it happens, so an
        un-awaited future's exception is marked retrieved instead of logged again by asyncio.
        """
        future = asyncio.ensure_future(coroutine)
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        return future

    async def _one_shot(self, input, detection_type: str, callback, emit: bool = True):
        await self.ready  # a load failure was reported by _load
        image = self.video if input is None else input
        try:
            if image is None:
                raise ValueError("singlePose()/multiPose() need an image, video or canvas when poseNet has no video")
            results = await self._estimate(image, detection_type, emit)
        except _ListenerFailed as failed:
            raise cast(BaseException, failed.__cause__)  # noqa: B904 -- reported by _emit; the listener's own exception, re-raised as is (`from` would replace its __cause__)
        except Exception as exc:
            self._runtime.report_error(exc, "detecting poses")
            raise
        if callback is not None and not self._closed:
            try:
                callback(results)
            except Exception as exc:
                self._runtime.report_error(exc, "your singlePose/multiPose callback")
                raise
        return results

    async def _estimate(self, image, detection_type: str, emit: bool = True):
        started = time.perf_counter()
        o = self.options
        roots = (
            None if detection_type == "single" else (root_candidate_count(o["maxPoseDetections"]), o["scoreThreshold"])
        )
        outputs, geometry = await self._runtime.run(self._model, image, roots)
        decoding = time.perf_counter()
        stride = o["outputStride"]
        if detection_type == "single":
            raw = [decode_finite(lambda out: decode_single_pose(out, stride), outputs)]
        else:
            limit, threshold, radius = o["maxPoseDetections"], o["scoreThreshold"], o["nmsRadius"]
            raw = decode_finite(lambda out: decode_multiple_poses(out, stride, limit, threshold, radius), outputs)
        results = to_ml5_results(
            raw,
            geometry,
            flip_horizontal=o["flipHorizontal"],
            min_confidence=o["minConfidence"],
            flip_labels=o["flipLabels"],
        )
        if image is self.video:  # smoothing and tracking follow the video over time, not unrelated images
            results = self._follow(results, detection_type, decoding if self.clock is None else self.clock())
        done = time.perf_counter()
        self.stats.add((decoding - started) * 1000, (done - decoding) * 1000)
        if emit:
            self._emit("pose", results)
        return results

    def _follow(self, results, detection_type: str, timestamp_s: float):
        """Give people stable ids (tracking) and smooth their keypoints over time (smoothing)."""
        ids = None
        if self._tracker is not None and detection_type == "multiple":
            ids = self._tracker.update(results)
            if not self.options["tracking"]:  # a tracker kept only so smoothing follows each person
                for result in results:
                    result.pop("id", None)
        if self._smoother is not None:
            results = self._smoother.smooth(results, timestamp_s, ids)
        return results


_SMOOTHING_PARAMETERS = {"minCutoff": "min_cutoff", "beta": "beta", "derivateCutoff": "derivate_cutoff"}
_TRACKING_PARAMETERS = {"maxAge": "max_age_frames", "maxDistance": "max_distance"}


def _make_smoother(option) -> PoseSmoother | None:
    if option is False:
        return None
    params = {} if option is True else {_SMOOTHING_PARAMETERS[k]: v for k, v in option.items()}
    return PoseSmoother(**params)


def _make_tracker(option, smoothing) -> PoseTracker | None:
    """A tracker when asked for, and also under smoothing: each person's filters must follow that person."""
    if option is False:
        return PoseTracker() if smoothing is not False else None
    params = {} if option is True else {_TRACKING_PARAMETERS[k]: v for k, v in option.items()}
    return PoseTracker(**params)


class _ListenerFailed(Exception):
    """A user callback raised; it has been reported already."""
