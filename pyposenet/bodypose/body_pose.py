"""The object `bodyPose()` returns: ml5 1.x's BodyPose (src/BodyPose/index.js), running on a PoseNet net.

It owns one `PoseNet` (pyposenet/net.py) and adds nothing to its frame path: the same runtime, worker,
decoding, smoothing and tracking; only the results change shape (results.py). detectStart's loop is the
net's loop; `detect()` is the net's one-shot detection without its `pose` event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from .._compat import is_js_object, to_js_plain
from ..callbacks import call_with_fitting_args, positional_arity
from ..net import PoseNet
from ..runtime import Runtime
from .arguments import sort_media_arguments
from .keypoints import COCO_CONNECTED_KEYPOINTS_PAIRS
from .models import resolve_model_name
from .options import resolve_body_pose_options
from .preload import PreloadCounter, hold_preload_until
from .results import to_body_poses


class BodyPose:
    """What `bodyPose()` returns: `detectStart(video, fn)`, `detectStop()`, `await detect(image)`,
    `getConnections()`; `await body_pose` (or `body_pose.ready`) waits for the model."""

    def __new__(cls, runtime: Runtime, model: str | None = None, options: Mapping[str, Any] | None = None, *_, **__):
        """bodyPose("BlazePose") is a BlazePoseBody (blazepose_body.py); every other model this class."""
        if cls is BodyPose and resolve_model_name(model, dict(options or {})) == "BlazePose":
            from .blazepose_body import BlazePoseBody  # imports this module

            return super().__new__(BlazePoseBody)
        return super().__new__(cls)

    def __init__(
        self,
        runtime: Runtime,
        model: str | None = None,
        options: Mapping[str, Any] | None = None,
        callback: Callable | None = None,
        preload_counter: PreloadCounter | None = None,
    ):
        self.modelName = resolve_model_name(model, dict(options or {}))
        self.config = resolve_body_pose_options(options)
        self.userOptions = dict(options or {})
        self._runtime = runtime
        self._load_callback = callback
        self._detect_callback: Callable | None = None
        #: The net that runs the model (ml5 1.x's `model` is its TF.js detector).
        self.model = self.net = PoseNet(
            runtime, options=self.config.posenet, callback=self._model_loaded if callback is not None else None
        )
        self.net.on("pose", self._deliver)  # only detectStart's loop emits: detect() does not
        self.ready: asyncio.Future = asyncio.ensure_future(self._wait_ready())
        self.ready.add_done_callback(lambda f: f.cancelled() or f.exception())  # reported by the net
        hold_preload_until(self.ready, preload_counter)

    def __await__(self):
        return self.ready.__await__()

    async def _wait_ready(self) -> BodyPose:
        await self.net.ready
        return self

    def _model_loaded(self, error, _net):
        """ml5 1.x calls the load callback with (bodyPose) or (undefined, error); a function taking no
        argument is called on success only (the error is on the page and in `ready`)."""
        callback = self._load_callback
        if callback is None or (error is not None and positional_arity(callback) == 0):
            return None
        return call_with_fitting_args(callback, None if error is not None else self, error)

    # -- continuous detection ---------------------------------------------------------------------------

    def detectStart(self, *args) -> None:
        """Detect on every new frame of `media`, calling `callback(poses)` each time (ml5 1.x: both required,
        any order). Called again, the latest media and callback are used."""
        found = sort_media_arguments("bodyPose.detectStart()", args, callback_required=True)
        self._detect_callback = found.callback
        self.net.start(found.media)

    def detectStop(self) -> None:
        """Stop detecting after the frame in flight; detectStart() resumes."""
        self.net.stop()

    @property
    def detecting(self) -> bool:
        return self.net.running

    def _deliver(self, results):
        callback = self._detect_callback
        if callback is None:
            return None
        poses = self._body_poses(results)
        return callback(to_js_plain(poses) if is_js_object(callback) else poses)

    # -- one-shot detection -----------------------------------------------------------------------------

    def detect(self, *args) -> asyncio.Future:
        """The poses in `media` (any order with an optional `callback(poses)`); await it for the poses. On
        detectStart's media, the poses are smoothed and tracked with that video's (as pose-detection's
        detector is stateful on a video); on anything else, they are the frame's own."""
        found = sort_media_arguments("bodyPose.detect()", args, callback_required=False)
        future = asyncio.ensure_future(self._detect(found.media, found.callback))
        future.add_done_callback(lambda f: f.cancelled() or f.exception())  # reported where it happened
        return future

    async def _detect(self, media, callback: Callable | None):
        poses = self._body_poses(await self.net.estimate(media))
        if callback is not None:
            try:
                callback(to_js_plain(poses) if is_js_object(callback) else poses)
            except Exception as exc:
                self._runtime.report_error(exc, "your bodyPose.detect() callback")
                raise
        return poses

    def _body_poses(self, results):
        shift = 1.0 if self.config.flipped else 0.0  # poseNet mirrors to width - 1 - x, ml5 1.x to width - x
        return to_body_poses(results, self.config.min_pose_score, shift)

    # -- the skeleton -----------------------------------------------------------------------------------

    def getConnections(self) -> list[list[int]]:
        """The skeleton as pairs of keypoint indices (pose-detection's getAdjacentPairs for the model)."""
        return [list(pair) for pair in COCO_CONNECTED_KEYPOINTS_PAIRS]

    def getSkeleton(self) -> list[list[int]]:
        """ml5 1.x's other name for getConnections()."""
        return self.getConnections()

    def close(self) -> None:
        """Stop for good (the page closes a sketch's models when it stops)."""
        self.net.close()

    detect_start = detectStart
    detect_stop = detectStop
    get_connections = getConnections
    get_skeleton = getSkeleton

    @property
    def model_name(self) -> str:
        return self.modelName
