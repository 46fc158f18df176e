"""BlazePose under CPython: MediaPipe's legacy Pose solution from the `mediapipe` wheel (the `blazepose` extra).

The same models as the page's (BlazePose GHUM 3D, MediaPipe's pose detector), run by MediaPipe's own C++ graph
on the CPU. mediapipe 0.10.14's wheel carries the detector and the **full** landmark model only: for lite and heavy
the solution downloads the file from Google the first time, which this app never does (everything offline), so
those model types are refused with the reason. Each call is a still image (the solution's static_image_mode):
under CPython detect() is given files and arrays, not a video, so there is no tracking between calls and the
solution's smoothing (`enableSmoothing`) has nothing to smooth.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import Any

from .blazepose_engine import LANDMARK_COUNT, BlazePoseFrame
from .blazepose_options import BlazePoseOptions
from .models import UnavailableModelError

NOT_INSTALLED = (
    "bodyPose('BlazePose') under CPython needs MediaPipe: pip install 'pyposenet[blazepose]' (mediapipe 0.10.14, "
    "its BlazePose models inside the wheel). Without it BlazePose runs in the page only; bodyPose() (PoseNet) "
    "runs here."
)
NOT_BUNDLED = (
    "bodyPose('BlazePose', {{'modelType': {model_type!r}}}) under CPython: mediapipe's wheel does not include "
    "{file}; the solution would download it from Google at run time, which pyposenet does not do. Use modelType "
    "'full' (the default) here; 'lite' and 'heavy' run in the page."
)
MODEL_FILES = {"lite": "pose_landmark_lite.tflite", "full": "pose_landmark_full.tflite",
               "heavy": "pose_landmark_heavy.tflite"}  # fmt: skip


def available() -> bool:
    """Whether the `blazepose` extra (mediapipe) is installed."""
    return importlib.util.find_spec("mediapipe") is not None


def _bundled(model_type: str) -> bool:
    """Whether mediapipe's wheel carries this landmark model (a file the solution would not download)."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or spec.origin is None:
        return False
    return (Path(spec.origin).parent / "modules" / "pose_landmark" / MODEL_FILES[model_type]).is_file()


def _points(landmarks: Any) -> tuple[tuple[float, float, float, float], ...]:
    return tuple((p.x, p.y, p.z, p.visibility) for p in list(landmarks.landmark)[:LANDMARK_COUNT])


class HostBlazePose:  # implements blazepose_engine.BlazePoseEngine
    """One MediaPipe Pose solution per model type, made on first use and kept (a graph takes a second to start)."""

    _shared: HostBlazePose | None = None

    @classmethod
    def shared(cls) -> HostBlazePose:
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    def __init__(self) -> None:
        if not available():
            raise UnavailableModelError(NOT_INSTALLED)
        self._solutions: dict[str, Any] = {}
        self._lock = threading.Lock()  # one MediaPipe graph, called from a Dask worker's threads too

    def _solution(self, options: BlazePoseOptions):
        model_type = options.model_type
        if not _bundled(model_type):
            raise UnavailableModelError(NOT_BUNDLED.format(model_type=model_type, file=MODEL_FILES[model_type]))
        if model_type not in self._solutions:
            os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ info and warnings off stderr
            from mediapipe.python.solutions import pose as mp_pose  # type: ignore[import-untyped,import-not-found,unused-ignore]

            self._solutions[model_type] = mp_pose.Pose(
                static_image_mode=True, model_complexity=options.complexity, enable_segmentation=False
            )
        return self._solutions[model_type]

    async def load(self, options: BlazePoseOptions) -> None:
        self._solution(options)

    async def estimate(self, media: Any, options: BlazePoseOptions) -> BlazePoseFrame | None:
        from .._host.images import load_image

        pixels = load_image(media)
        with self._lock:
            result = self._solution(options).process(pixels)
        if result.pose_landmarks is None:
            return None
        height, width = pixels.shape[:2]
        return BlazePoseFrame(
            landmarks=_points(result.pose_landmarks),
            world=_points(result.pose_world_landmarks),
            display_width=float(width),
            display_height=float(height),
        )

    def close(self) -> None:
        for solution in self._solutions.values():
            solution.close()
        self._solutions.clear()
