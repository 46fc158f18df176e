"""bodyPose("BlazePose"): ml5 1.x's BodyPose on BlazePose (33 keypoints, keypoints3D), through a BlazePoseEngine.

The same API as the PoseNet-backed BodyPose (body_pose.py), which makes this class when the model is BlazePose.
Its own loop: detectStart detects each new frame of its media (one in flight), as ml5 1.x's detectLoop.
Smoothing is the solution's own (`enableSmoothing`); BlazePose finds one person, so there is no tracking and no
`id`. In the page it runs on the main thread (web/blazepose.js says why).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from .._compat import is_js_object, to_js_plain
from ..runtime import Runtime
from .arguments import sort_media_arguments
from .blazepose_engine import engine_for
from .blazepose_keypoints import BLAZEPOSE_CONNECTED_KEYPOINTS_PAIRS
from .blazepose_options import resolve_blazepose_options
from .blazepose_results import to_blazepose_poses
from .body_pose import BodyPose
from .preload import PreloadCounter, hold_preload_until


class BlazePoseBody(BodyPose):
    """What `bodyPose("BlazePose", options?, callback?)` returns."""

    def __init__(
        self,
        runtime: Runtime,
        model: str | None = None,
        options: Mapping[str, Any] | None = None,
        callback: Callable | None = None,
        preload_counter: PreloadCounter | None = None,
    ):
        self.modelName = "BlazePose"
        self.blazepose = resolve_blazepose_options(options)
        self.userOptions = dict(options or {})
        self._runtime = runtime
        self._load_callback = callback
        self._detect_callback: Callable | None = None
        self._media: Any = None
        self._stopping = False
        self._loop: asyncio.Future | None = None
        self._engine = engine_for(runtime)
        self.model = self.net = None  # type: ignore[assignment]  # no PoseNet net: BlazePose runs beside it
        self.ready: asyncio.Future = asyncio.ensure_future(self._wait_ready())
        self.ready.add_done_callback(lambda f: f.cancelled() or f.exception())  # reported in _wait_ready
        hold_preload_until(self.ready, preload_counter)

    async def _wait_ready(self) -> BlazePoseBody:
        self._runtime.set_status(
            f"loading BlazePose ({self.blazepose.model_type}); it runs on the page's thread, not in a Web Worker"
        )
        try:
            await self._engine.load(self.blazepose)
        except Exception as error:
            self._runtime.report_error(error, f"loading BlazePose ({self.blazepose.model_type})")
            self._model_loaded(error, None)
            raise
        self._runtime.set_status(f"BlazePose ({self.blazepose.model_type}) ready")
        self._model_loaded(None, None)
        return self

    # -- continuous detection ---------------------------------------------------------------------------

    def detectStart(self, *args) -> None:
        found = sort_media_arguments("bodyPose.detectStart()", args, callback_required=True)
        self._detect_callback, self._media, self._stopping = found.callback, found.media, False
        if self._loop is None:
            self._loop = asyncio.ensure_future(self._detect_loop())

    def detectStop(self) -> None:
        self._stopping = True

    @property
    def detecting(self) -> bool:
        return self._loop is not None and not self._stopping

    async def _detect_loop(self) -> None:
        try:
            await self.ready
            while not self._stopping:
                media = self._media
                if not self._runtime.has_frame(media):
                    await self._runtime.next_frame(media)
                    continue
                frame = await self._engine.estimate(media, self.blazepose)
                if self._stopping:
                    break
                try:
                    self._deliver(to_blazepose_poses(frame, self.blazepose.flipped))
                except Exception as error:  # the sketch's: shown like any sketch error, detection stops
                    self._runtime.report_error(error, "your bodyPose.detectStart() callback")
                    break
                await self._runtime.next_frame(media)
        except Exception as error:  # reported here, once: the loop ends
            self._runtime.report_error(error, "bodyPose('BlazePose').detectStart()")
        finally:
            self._loop = None

    def _deliver(self, poses) -> None:
        callback = self._detect_callback
        if callback is None:
            return
        outcome = callback(to_js_plain(poses) if is_js_object(callback) else poses)
        if inspect.iscoroutine(outcome):  # an `async def` callback runs as a task
            asyncio.ensure_future(outcome)

    # -- one-shot detection -----------------------------------------------------------------------------

    async def _detect(self, media, callback: Callable | None):
        await self.ready
        poses = to_blazepose_poses(await self._engine.estimate(media, self.blazepose), self.blazepose.flipped)
        if callback is not None:
            try:
                callback(to_js_plain(poses) if is_js_object(callback) else poses)
            except Exception as exc:
                self._runtime.report_error(exc, "your bodyPose.detect() callback")
                raise
        return poses

    # -- the skeleton -----------------------------------------------------------------------------------

    def getConnections(self) -> list[list[int]]:
        """BlazePose's 35 pairs (pose-detection's getAdjacentPairs(BlazePose), what ml5 1.x gives)."""
        return [list(pair) for pair in BLAZEPOSE_CONNECTED_KEYPOINTS_PAIRS]

    def close(self) -> None:
        """Stop detecting. The page keeps its one BlazePose solution for the next bodyPose("BlazePose")
        (MediaPipe's close() frees none of its memory: docs/bodypose.md)."""
        self._stopping = True

    detect_start = detectStart
    detect_stop = detectStop
    get_connections = getConnections
    get_skeleton = getConnections
    getSkeleton = getConnections
