"""A batch run: inputs -> chunks -> Dask tasks -> Parquet chunk files and a manifest.

    from pyposenet.batch import extract
    manifest = extract(["videos/", "extra/*.mp4"], "out/", multi=True, every=2, multiplier=0.5)
    manifest = extract(paths, "out/", client=Client("tcp://scheduler:8786"))   # a running cluster

The client (this process) expands the inputs, asks the workers to number each video's frames (`scan`),
plans the chunks, skips the ones already in OUT, submits the rest, and writes each chunk's rows as soon as
they arrive (nothing accumulates here). Dask reruns the tasks of a worker that dies; a task that fails is
named in the manifest and the run goes on. Exit statuses (`BatchResult.exit_status`): 0 every input done;
1 some failed (or the model could not be loaded); 2 no input could be used; 130 interrupted.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..options import model_path, resolve_options
from .chunks import DEFAULT_CHUNK_FRAMES, DEFAULT_CHUNK_IMAGES, Chunk, digest, image_chunks, video_chunks
from .cluster import local_cluster, local_workers
from .feed import TaskFeed
from .inputs import Inputs, SourceFile, expand_inputs
from .manifest import MANIFEST_NAME, build_manifest, check_out_folder, now, write_json
from .models import check_model, dataset_description
from .video_frames import VideoScan
from .worker import BLAZEPOSE_SOURCE, ChunkOutput, WorkerSettings, warm_up
from .writer import ParquetChunkStore

__all__ = ["BatchJob", "BatchResult", "BatchError", "run_batch", "extract", "local_workers"]

EXIT_OK, EXIT_SOME_FAILED, EXIT_NOTHING_DONE, EXIT_INTERRUPTED = 0, 1, 2, 130
PROG = "pyposenet batch"
#: How long a run on a scheduler waits for its first worker.
WORKER_WAIT_S = 60.0
CONNECT_TIMEOUT_S = 20


class BatchError(RuntimeError):
    """The run cannot start or go on (no worker, the model missing on a worker); the message says why."""


@dataclass
class BatchJob:
    """Everything `pyposenet batch` was asked to do."""

    inputs: list[str]
    out: Path
    multi: bool = False
    options: dict[str, Any] = field(default_factory=dict)  # ml5 poseNet options (camelCase), as given
    every: int = 1
    max_frames: int | None = None
    chunk_frames: int = DEFAULT_CHUNK_FRAMES
    chunk_images: int = DEFAULT_CHUNK_IMAGES
    models_dir: Path | None = None
    cache_dir: Path | None = None
    download: bool = True
    scheduler: str | None = None  # tcp://HOST:PORT; None: a LocalCluster
    workers: int | None = None  # the LocalCluster's worker processes (default: one per core)
    progress: bool = True
    model: str = "posenet"  # or "blazepose": ml5 1.x bodyPose's results in their own schema (models.py)


@dataclass
class BatchResult:
    manifest: dict[str, Any]
    exit_status: int


def extract(
    paths: list[str] | str,
    out: str | os.PathLike,
    client=None,
    *,
    multi: bool = False,
    every: int = 1,
    max_frames: int | None = None,
    chunk_frames: int = DEFAULT_CHUNK_FRAMES,
    chunk_images: int = DEFAULT_CHUNK_IMAGES,
    models_dir: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    download: bool = True,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = False,
    model: str = "posenet",
    **options,
) -> dict[str, Any]:
    """Poses of every frame and image in `paths` into Parquet files under `out`; returns the manifest.

    `options` are ml5's poseNet options (`multiplier=0.5`, `maxPoseDetections=10`, ...). Without `client`
    or `scheduler` a LocalCluster with one single-threaded worker per core runs it. `model="blazepose"`: BlazePose
    full's 33 keypoints and keypoints3D (schema_blazepose.py; options: flipHorizontal only). ValueError when no input
    can be used (each named), or for bad options; BatchError when no work can start."""
    job = BatchJob(
        inputs=[os.fspath(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)],
        out=Path(out),
        multi=multi,
        options=dict(options),
        every=every,
        max_frames=max_frames,
        chunk_frames=chunk_frames,
        chunk_images=chunk_images,
        models_dir=Path(models_dir) if models_dir is not None else None,
        cache_dir=Path(cache_dir) if cache_dir is not None else None,
        download=download,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        model=model,
    )
    result = run_batch(job, client=client)
    if result.exit_status == EXIT_NOTHING_DONE:
        raise ValueError(f"no input could be used: {'; '.join(f['error'] for f in result.manifest['failures'])}")
    return result.manifest


def run_batch(job: BatchJob, client=None, stderr: TextIO | None = None) -> BatchResult:
    """Run the job (ValueError for bad options or arguments, BatchError when no work can start)."""
    return _Run(job, stderr or sys.stderr).run(client)


def _check_job(job: BatchJob) -> None:
    for name in ("every", "chunk_frames", "chunk_images"):
        value = getattr(job, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    if job.max_frames is not None and (not isinstance(job.max_frames, int) or job.max_frames < 1):
        raise ValueError(f"max_frames must be None or a whole number >= 1, got {job.max_frames!r}")
    if job.workers is not None and (not isinstance(job.workers, int) or job.workers < 1):
        raise ValueError(f"workers must be None or a whole number >= 1, got {job.workers!r}")
    check_model(job.model, job.options)


def _dashboard(client) -> str | None:
    """The scheduler's dashboard link when it has one: its HTTP server runs without bokeh too, showing none.
    (Asked of the scheduler, not fetched: a fetched page starts a dashboard session that updates for a while.)"""
    try:
        has_bokeh = client.run_on_scheduler(lambda: __import__("importlib.util").util.find_spec("bokeh") is not None)
    except Exception:  # noqa: BLE001 - a scheduler that refuses run_on_scheduler: say nothing about a dashboard
        return None
    return client.dashboard_link if has_bokeh else None


class _Run:
    """One run's state: what was planned, written, skipped and failed, kept so an interrupt loses none of it."""

    def __init__(self, job: BatchJob, stderr: TextIO):
        _check_job(job)
        self.job = job
        self.stderr = stderr
        self.resolved = resolve_options(job.options)
        self.settings = WorkerSettings(
            options=dict(job.options),
            multi=job.multi,
            models_dir=os.fspath(job.models_dir.resolve()) if job.models_dir is not None else None,
            cache_dir=os.fspath(job.cache_dir.expanduser().resolve()) if job.cache_dir is not None else None,
            download=job.download,
            model=job.model,
        )
        if job.model == "blazepose":  # each frame a still: chunks need not keep a video whole
            options = {"flipHorizontal": bool(job.options.get("flipHorizontal", False))}
            self.model = {"name": "blazepose", "file": BLAZEPOSE_SOURCE, "options": options, "multi": job.multi}
            follows = False
        else:  # PoseNet's model entry as it always was: its run_key, and so its resumes, unchanged
            self.model = {
                "file": self.resolved["modelUrl"] or model_path(self.resolved),
                "options": self.resolved,
                "multi": job.multi,
            }
            # Chunks must restart smoothing and tracking: with either, a video stays whole.
            follows = self.resolved["smoothing"] is not False or self.resolved["tracking"] is not False
        self.run_key = digest(self.model, 24)
        self.chunk_frames: int | None = None if follows else job.chunk_frames
        self.inputs = Inputs()
        self.videos: dict[str, dict[str, Any]] = {}  # file -> its size, rate and frame count (from its scan)
        self.planned: dict[str, list[str]] = {}  # file -> the names of its chunks
        self.failures: list[dict[str, Any]] = []
        self.counts = {"chunks": 0, "chunks_written": 0, "chunks_skipped": 0, "chunks_failed": 0}
        self.cluster_info: dict[str, Any] = {}
        self.started = time.perf_counter()
        self.started_at = now()
        self.store = ParquetChunkStore(job.out)
        self.bar: Any = None

    # -- the run ---------------------------------------------------------------------------------------

    def run(self, client) -> BatchResult:
        job = self.job
        check_out_folder(job.out, self.run_key, self.model)
        self.inputs = expand_inputs(job.inputs)
        for failure in self.inputs.failures:
            self.say(f"error: {failure.error}")
        if not self.inputs.files:
            self.say(f"no input could be used ({len(self.inputs.failures)} failed); nothing was written")
            failures = [{"file": f.file, "error": f.error} for f in self.inputs.failures]
            return BatchResult({"status": "nothing done", "failures": failures}, EXIT_NOTHING_DONE)
        status = "complete"
        with ExitStack() as stack:
            client = client or self._client(stack)
            self.store.open()
            for name in self.store.damaged:
                self.say(f"removed a damaged chunk file (it is made again): {name}")
            try:
                self._work(client)
            except KeyboardInterrupt:
                status = "interrupted"
            finally:
                if self.bar is not None:
                    self.bar.close()
        failed = bool(self.failures) or any(s.get("failures") for s in self._summaries().values())
        if status == "complete" and failed:
            status = "incomplete"
        manifest = self._manifest(status)
        write_json(job.out / MANIFEST_NAME, manifest)
        self._report(manifest)
        if status == "interrupted":
            return BatchResult(manifest, EXIT_INTERRUPTED)
        return BatchResult(manifest, EXIT_SOME_FAILED if manifest["counts"]["failures"] else EXIT_OK)

    def _client(self, stack: ExitStack):
        from distributed import Client

        if self.job.scheduler:
            try:
                client = stack.enter_context(Client(self.job.scheduler, timeout=f"{CONNECT_TIMEOUT_S}s"))
            except (OSError, TimeoutError, ValueError) as error:
                raise BatchError(
                    f"cannot reach the Dask scheduler at {self.job.scheduler} ({error}); start one with "
                    "`dask scheduler` and give the address it prints, like tcp://10.0.0.5:8786"
                ) from None
            self.cluster_info = {"scheduler": self.job.scheduler}
            return client
        workers = self.job.workers or local_workers()
        cluster = stack.enter_context(local_cluster(workers))
        self.cluster_info = {"scheduler": "LocalCluster", "local_workers": workers}
        return stack.enter_context(Client(cluster))

    def _work(self, client) -> None:
        self._start(client)
        feed = TaskFeed(client, self.settings)
        feed.add_scans(self.inputs.videos)
        self._plan(feed, image_chunks(self.inputs.images, self.run_key, self.job.chunk_images))
        try:
            for kind, item, future in feed.finished():
                if kind == "scan":
                    self._scanned(feed, item, future)
                else:
                    self._finished(item, future)
        finally:
            feed.cancel()

    def _start(self, client) -> None:
        """Wait for a worker, print the dashboard, load the model on every worker (a missing one stops here)."""
        if not client.scheduler_info()["workers"]:
            self.say(f"waiting up to {WORKER_WAIT_S:.0f} s for a worker at {self.job.scheduler} ...")
            try:
                client.wait_for_workers(1, timeout=WORKER_WAIT_S)
            except TimeoutError:
                raise BatchError(f"no Dask worker joined {self.job.scheduler} in {WORKER_WAIT_S:.0f} s") from None
        info = client.scheduler_info()
        workers = sorted(info["workers"])
        self.cluster_info.update(address=info.get("address"), workers=len(workers))
        dashboard = _dashboard(client)
        if dashboard is not None:
            self.cluster_info["dashboard"] = dashboard
            self.say(f"Dask dashboard: {dashboard}")
        else:
            self.say("no Dask dashboard (the scheduler's machine needs bokeh, which the batch extra installs)")
        self.say(f"{len(workers)} worker{'s' * (len(workers) != 1)} at {info.get('address')}")
        loads = {
            w: client.submit(warm_up, self.settings, workers=[w], allow_other_workers=False, pure=False)
            for w in workers
        }
        for worker, future in loads.items():
            try:
                future.result()
            except Exception as error:  # noqa: BLE001 - any failure to load stops the run, naming the worker
                name = "BlazePose" if self.job.model == "blazepose" else "PoseNet"
                raise BatchError(f"cannot load the {name} model on worker {worker}: {error}") from error

    def _plan(self, feed: TaskFeed, chunks: list[Chunk]) -> None:
        """Skip the finished chunks, drop files they replace, queue the rest."""
        for name in self.store.drop_superseded(chunks):
            self.say(f"removed {name} (made from the same input with other frames or chunk sizes)")
        for chunk in chunks:
            for path in chunk.files:
                self.planned.setdefault(path, []).append(chunk.name)
        self.counts["chunks"] += len(chunks)
        self._bar_total(sum(c.size for c in chunks))
        for chunk in chunks:
            if self.store.finished(chunk) is not None:
                self.counts["chunks_skipped"] += 1
                self._step(chunk)
            else:
                feed.add_chunk(chunk)

    def _scanned(self, feed: TaskFeed, source: SourceFile, future) -> None:
        try:
            scanned: VideoScan | str = future.result()
        except Exception as error:  # noqa: BLE001 - a task that broke (not a bad file): named, the rest goes on
            scanned = f"{source.path}: {type(error).__name__}: {error}"
        if isinstance(scanned, str):  # the file cannot be read
            self._fail(source.path, None, scanned)
            return
        self.videos[source.path] = {
            "width": scanned.width,
            "height": scanned.height,
            "fps": scanned.fps,
            "frame_count": scanned.frame_count,
        }
        chunks = video_chunks(
            source,
            scanned,
            self.run_key,
            every=self.job.every,
            max_frames=self.job.max_frames,
            chunk_frames=self.chunk_frames,
        )
        self._plan(feed, chunks)

    def _finished(self, chunk: Chunk, future) -> None:
        try:
            output: ChunkOutput = future.result()
        except Exception as error:  # noqa: BLE001 - a failed chunk is named, the rest goes on
            output = ChunkOutput(None, {}, f"{type(error).__name__}: {error}")
        if output.error is not None:
            self.counts["chunks_failed"] += 1
            self._fail(chunk.files[0], chunk, output.error)
            self._step(chunk)
            return
        self.store.write(chunk, output)
        self.counts["chunks_written"] += 1
        for failure in output.summary.get("failures", ()):
            self.say(f"error: {failure['error']}")
        self._step(chunk)

    def _fail(self, path: str, chunk: Chunk | None, text: str) -> None:
        if chunk is not None:
            text = f"{chunk.describe()}: {text.removeprefix(path + ': ')}"
        failure: dict[str, Any] = {"file": path, "error": text}
        if chunk is not None:
            failure["chunk"] = chunk.name
        self.failures.append(failure)
        self.say(f"error: {text}")

    # -- reporting ------------------------------------------------------------------------------------

    def _summaries(self) -> dict[str, dict[str, Any]]:
        return self.store.summaries()

    def _manifest(self, status: str) -> dict[str, Any]:
        run = {
            "run_key": self.run_key,
            "model": {key: self.model[key] for key in ("name", "file", "options") if key in self.model},
            "multi": self.job.multi,
            "frames": {
                "every": self.job.every,
                "max_frames": self.job.max_frames,
                "chunk_frames": self.chunk_frames,
                "chunk_images": self.job.chunk_images,
            },
            "cluster": self.cluster_info,
            "started": self.started_at,
            "seconds": round(time.perf_counter() - self.started, 3),
        }
        return build_manifest(
            status=status,
            run=run,
            sources=self.inputs.files,
            videos=self.videos,
            planned=self.planned,
            summaries=self._summaries(),
            failures=self.failures,
            input_failures=self.inputs.failures,
            counts=self.counts,
            dataset=dataset_description(self.job.model),
        )

    def _report(self, manifest: dict[str, Any]) -> None:
        counts = manifest["counts"]
        seconds = manifest["seconds"]
        self.say(
            f"{manifest['status']}: {counts['frames']} frames and images, {counts['poses']} poses "
            f"({counts['chunks_written']} chunks written, {counts['chunks_skipped']} already there, "
            f"{counts['chunks_failed']} failed) in {seconds:.1f} s; {self.job.out / 'poses'}, "
            f"manifest {self.job.out / MANIFEST_NAME}"
        )
        if manifest["failures"]:
            self.say(f"{len(manifest['failures'])} failure{'s' * (len(manifest['failures']) != 1)}:")
            for failure in manifest["failures"]:
                print(f"  {failure['error']}", file=self.stderr, flush=True)

    def say(self, message: str) -> None:
        text = f"{PROG}: {message}"
        if self.bar is not None:
            self.bar.write(text, file=self.stderr)
        else:
            print(text, file=self.stderr, flush=True)

    def _bar_total(self, frames: int) -> None:
        if not self.job.progress:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=0, unit="frame", file=self.stderr, dynamic_ncols=True, desc="batch")
        self.bar.total += frames
        self.bar.refresh()

    def _step(self, chunk: Chunk) -> None:
        if self.bar is not None:
            self.bar.update(chunk.size)
