"""What runs on a Dask worker: load the model once per worker process, turn one chunk into an Arrow table.

The functions here are what the client submits (`warm_up`, `scan`, `process_chunk`); Dask pickles them by
reference, so every worker needs pyposenet installed with the `host` and `batch` extras. The model is kept
in a per-process cache (`ModelCache`): the first task on a worker loads it, the rest reuse it, and a worker
that restarts (a nanny after a crash) loads it again by itself. Results go back to the client as a small
Arrow table per chunk; nothing is written here, so workers need no access to the output folder.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..smoothing import VideoTime
from .chunks import Chunk
from .models import rows_for
from .schema import Rows
from .video_frames import VideoScan, read_frames, scan_video

__all__ = ["WorkerSettings", "ChunkOutput", "ModelCache", "warm_up", "scan", "process_chunk"]


@dataclass(frozen=True)
class WorkerSettings:
    """Everything a worker needs besides the chunk (sent with every task: small)."""

    options: dict[str, Any] = field(default_factory=dict)  # ml5 poseNet options as given (camelCase)
    multi: bool = False
    models_dir: str | None = None  # None: the worker's own default ($PYPOSENET_MODELS, ...)
    cache_dir: str | None = None
    download: bool = True
    model: str = "posenet"  # or "blazepose" (models.py): then options holds flipHorizontal at most

    def model_key(self) -> str:
        if self.model == "blazepose":
            return "blazepose"  # one mediapipe solution per process, whatever the options
        from .._host.kept_model import model_key

        return json.dumps([model_key(self.options), self.models_dir, self.cache_dir, self.download])


@dataclass
class ChunkOutput:
    """A chunk's rows (a pyarrow.Table) and what happened (JSON-able: it goes into the file and the manifest).
    `error`: why the chunk could not be done (a video that fails to decode part-way): then nothing is written,
    and a rerun tries it again."""

    table: Any
    summary: dict[str, Any]
    error: str | None = None


class ModelCache:
    """Runtimes with their loaded model, one per model and place, for the life of the worker process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runtimes: dict[str, Any] = {}

    def runtime(self, settings: WorkerSettings):
        """A runtime whose model is loaded (the first call in this process loads it; the rest wait for it)."""
        key = settings.model_key()
        with self._lock:
            found = self._runtimes.get(key)
            if found is None:
                found = self._runtimes[key] = _load(settings)
            return found


def _load(settings: WorkerSettings):
    """A KeptModelRuntime with the settings' model loaded (a missing or broken model fails here, in warm_up);
    for BlazePose the process's MediaPipe solution, started (mediapipe missing fails here too)."""
    if settings.model == "blazepose":
        from ..bodypose.blazepose_detect import BlazePoseDetector

        return asyncio.run(BlazePoseDetector.load()).engine
    from .._host.kept_model import KeptModelRuntime
    from ..options import OFFICIAL_MODEL_ROOT, resolve_options

    runtime = KeptModelRuntime(
        settings.models_dir, settings.cache_dir, base_url=OFFICIAL_MODEL_ROOT if settings.download else None
    )
    runtime.model(resolve_options(settings.options))
    return runtime


MODELS = ModelCache()
BLAZEPOSE_SOURCE = "mediapipe: pose_landmark_full.tflite"
_BLAS: Any = None


def _blas_limit():
    """One BLAS thread while a chunk runs (each worker has one core), unless $OPENBLAS_NUM_THREADS says."""
    global _BLAS
    if _BLAS is None:
        from .._host.blas import BlasThreads, threads_from_environment

        _BLAS = BlasThreads(threads_from_environment())
    return _BLAS


def warm_up(settings: WorkerSettings) -> dict[str, Any]:
    """Load the model on this worker now (the client asks every worker once, to report a missing model early)."""
    from ..options import resolve_options

    started = time.perf_counter()
    runtime = MODELS.runtime(settings)
    if settings.model == "blazepose":
        source = BLAZEPOSE_SOURCE
    else:
        source = runtime.model(resolve_options(settings.options)).source
    return {"pid": os.getpid(), "model": source, "seconds": round(time.perf_counter() - started, 3)}


def scan(path: str) -> VideoScan | str:
    """Number a video's frames (a task: reading a long video's packets is best done near the file); a file
    that cannot be read gives the reason instead (an expected outcome, not a task error for Dask to log)."""
    try:
        return scan_video(path)
    except (OSError, ValueError) as error:
        return _file_error(path, error)


def _file_error(path: str, error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if path in text else f"{path}: {text}"


def process_chunk(chunk: Chunk, settings: WorkerSettings) -> ChunkOutput:
    """Every frame or image of `chunk` through the model: its rows and its summary."""
    started = time.perf_counter()
    runtime = MODELS.runtime(settings)
    rows = rows_for(settings.model)
    with _blas_limit():
        if chunk.kind == "video":
            try:
                summary = asyncio.run(_video(chunk, settings, runtime, rows))
            except (OSError, ValueError) as error:  # the file changed, vanished, or is damaged part-way
                return ChunkOutput(None, {"name": chunk.name}, _file_error(chunk.sources[0].path, error))
        else:
            summary = asyncio.run(_images(chunk, settings, runtime, rows))
    summary.update(name=chunk.name, kind=chunk.kind, rows=len(rows), seconds=round(time.perf_counter() - started, 3))
    return ChunkOutput(rows.table(), summary)


async def _open_net(settings: WorkerSettings, runtime):
    """A net per chunk (the model is shared): PoseNet's, or BlazePose's with the same singlePose / multiPose."""
    if settings.model == "blazepose":
        from ..bodypose.blazepose_detect import BlazePoseDetector

        return BlazePoseDetector(runtime, flipped=bool(settings.options.get("flipHorizontal", False)))
    from .. import poseNet

    return await poseNet(dict(settings.options), runtime=runtime)


async def _video(chunk: Chunk, settings: WorkerSettings, runtime, rows: Rows) -> dict[str, Any]:
    source = chunk.sources[0]
    net = await _open_net(settings, runtime)
    net.clock = frame_time = VideoTime()  # smoothing follows the video's clock: a rerun gives the same rows
    done: list[int] = []
    try:
        for number, when, rgb in read_frames(source.path, chunk.frames, chunk.fps, chunk.time_base):
            net.video = rgb  # the net's own video: smoothing and tracking follow it, as in `detect`
            frame_time.seconds = when
            results = await (net.multiPose() if settings.multi else net.singlePose())
            rows.add(source.path, number, when, results)
            done.append(number)
    finally:
        net.close()
    failures = []
    missing = sorted({n for n, _ in chunk.frames} - set(done))
    if missing:
        failures.append({"file": source.path, "error": _missing_text(source.path, missing)})
    return {"files": [source.path], "frames": len(done), "failures": failures}


def _missing_text(path: str, missing: list[int]) -> str:
    shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
    return f"{path}: {len(missing)} frame{'s' * (len(missing) != 1)} could not be decoded ({shown})"


async def _images(chunk: Chunk, settings: WorkerSettings, runtime, rows: Rows) -> dict[str, Any]:
    from .._host.images import load_image

    net = await _open_net(settings, runtime)
    failures = []
    sizes: dict[str, list[int]] = {}
    poses: dict[str, int] = {}
    try:
        for source in chunk.sources:
            try:
                pixels = load_image(source.path)
            except Exception as error:  # noqa: BLE001 - a damaged image is named in the manifest, the rest goes on
                failures.append({"file": source.path, "error": _file_error(source.path, error)})
                continue
            results = await (net.multiPose(pixels) if settings.multi else net.singlePose(pixels))
            rows.add(source.path, 0, None, results)
            sizes[source.path] = [int(pixels.shape[1]), int(pixels.shape[0])]
            poses[source.path] = len(results)
    finally:
        net.close()
    return {"files": chunk.files, "frames": len(sizes), "failures": failures, "sizes": sizes, "poses": poses}
