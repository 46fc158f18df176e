"""`pyposenet detect --model blazepose`: BlazePose under CPython (blazepose_host.py, the `blazepose` extra) behind
the two calls detect's loop makes of a PoseNet net, giving ml5 1.x bodyPose's results (blazepose_results.py).

Every image and video frame is a still: no tracking or smoothing from frame to frame (blazepose_host.py says
why). BlazePose finds one person, so `--multi` gives the same single pose. Only the `full` landmark model runs
here (the one mediapipe's wheel carries).
"""

from __future__ import annotations

from typing import Any

from .blazepose_engine import BlazePoseEngine
from .blazepose_options import resolve_blazepose_options
from .blazepose_results import to_blazepose_poses


class BlazePoseDetector:
    """What `pyposenet detect` calls as it calls a PoseNet net: singlePose / multiPose on pixels or on `video`."""

    def __init__(self, engine: BlazePoseEngine | None = None, flipped: bool = False):
        if engine is None:
            from .blazepose_host import HostBlazePose

            engine = HostBlazePose.shared()
        self._engine = engine
        self.options = resolve_blazepose_options({"flipped": flipped, "enableSmoothing": False})
        self.video: Any = None  # detect's video loop sets the frame here, as on a PoseNet net
        self.clock: Any = None  # batch sets a video clock here, as on a PoseNet net: unused (each frame a still)

    @property
    def engine(self) -> BlazePoseEngine:
        """What runs the model (batch keeps it for the worker process and gives it to each chunk's detector)."""
        return self._engine

    def close(self) -> None:
        """Nothing to free: the engine outlives the detector (one per process, blazepose_host.py)."""

    @classmethod
    async def load(cls, engine: BlazePoseEngine | None = None, flipped: bool = False) -> BlazePoseDetector:
        detector = cls(engine, flipped)
        await detector._engine.load(detector.options)
        return detector

    async def singlePose(self, pixels: Any = None) -> list[dict]:
        """ml5 1.x's poses (at most one) in `pixels` (an HxWx3 uint8 array, a path, a PIL image) or `video`."""
        frame = await self._engine.estimate(self.video if pixels is None else pixels, self.options)
        return [dict(pose) for pose in to_blazepose_poses(frame, self.options.flipped)]

    multiPose = singlePose
