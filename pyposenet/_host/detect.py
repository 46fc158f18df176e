"""`pyposenet detect`: poses in image and video files with the host runtime, as ml5-shaped JSON.

One JSON entry per input, in the order given:

    image: {"file": "a.png", "width": 756, "height": 564, "poses": [ml5 results]}
    video: {"file": "b.mp4", "fps": 30.0, "width": 576, "height": 576,
            "frames": [{"index": 0, "time": 0.0, "poses": [ml5 results]}, ...]}
    input that failed: {"file": "c.txt", "error": "why"}

(`index` is the frame's number in the video, counting every frame, so `every` keeps the numbering.)

Failures never stop the run: every input is tried, each failure is reported on stderr as it
happens and again at the end. Exit status: 0 all inputs done; 1 some failed (the JSON is written,
failed inputs carry an "error"), or the model could not be loaded (nothing is written); 2 none
could be done (bad paths, unknown types, unreadable files: nothing is written, so an earlier good
--json file is not overwritten); 130 interrupted (what was done so far is written; a video cut
short has "interrupted": true).
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, cast

import numpy as np

from .. import poseNet
from ..atomic_files import write_atomically
from ..net import PoseNet
from ..options import OFFICIAL_MODEL_ROOT
from ..results_json import dumps, image_entry
from ..runtime import Runtime
from ..smoothing import VideoTime
from .blas import DEFAULT_BLAS_THREADS, BlasThreads
from .kept_model import KeptModelRuntime
from .video import VIDEO_EXTENSIONS, Mp4Writer, VideoReader

__all__ = ["DetectJob", "run_detect", "image_extensions", "allowed_types", "classify"]

EXIT_OK, EXIT_SOME_FAILED, EXIT_NOTHING_DONE, EXIT_INTERRUPTED = 0, 1, 2, 130
COMMON_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff")


def image_extensions() -> frozenset[str]:
    """Extensions of the image formats this Pillow can read (video containers excepted)."""
    try:
        from PIL import Image
    except ImportError:
        return frozenset(COMMON_IMAGE_EXTENSIONS)
    Image.init()
    readable = {ext for ext, fmt in Image.registered_extensions().items() if fmt in Image.OPEN}
    return frozenset(readable - set(VIDEO_EXTENSIONS))


def allowed_types() -> str:
    """What `detect` takes, for error messages."""
    return (
        f"images ({', '.join(COMMON_IMAGE_EXTENSIONS)} or any format Pillow reads) and videos "
        f"({', '.join(VIDEO_EXTENSIONS)})"
    )


def classify(path: str) -> str:
    """'image' or 'video'; ValueError / FileNotFoundError (naming the file and what is allowed) otherwise."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if p.is_dir():
        raise ValueError(f"{path}: is a directory; give image or video files ({allowed_types()})")
    suffix = p.suffix.lower()
    if suffix in VIDEO_EXTENSIONS:
        return "video"
    if suffix in image_extensions():
        return "image"
    kind = f"'{p.suffix}'" if p.suffix else "without an extension"
    raise ValueError(f"{path}: unsupported file type {kind}; allowed: {allowed_types()}")


@dataclass
class DetectJob:
    """Everything `pyposenet detect` was asked to do."""

    inputs: list[str]
    multi: bool = False
    options: dict[str, Any] = field(default_factory=dict)  # ml5 poseNet options (camelCase), validated
    every: int = 1
    max_frames: int | None = None
    draw_dir: Path | None = None
    draw_video: str = "mp4"  # "mp4": one drawn video per input; "png": a folder of drawn frames
    draw_min_score: float = 0.2
    json_path: str | None = None  # None or "-": stdout
    indent: int | None = 2
    progress: bool = True
    models_dir: Path | None = None
    cache_dir: Path | None = None
    download: bool = True
    blas_threads: int | None = DEFAULT_BLAS_THREADS  # during inference (blas.py); None: BLAS's own setting
    engine: str | None = None  # "auto", "numpy" or "onnxruntime" (engines/choice.py); None: $PYPOSENET_ENGINE
    model: str = "posenet"  # "blazepose": ml5 1.x bodyPose results (bodypose/blazepose_detect.py, the blazepose extra)


class _Reporter:
    """Progress bar and messages, all on stderr (stdout may be carrying the JSON)."""

    def __init__(self, total: int | None, enabled: bool, stream: TextIO):
        self.stream = stream
        self.bar = None
        if enabled and (total is None or total > 1):
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="frame", file=stream, dynamic_ncols=True, leave=True, desc="detect")

    def describe(self, name: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(Path(name).name, refresh=False)

    def step(self, frames: int = 1) -> None:
        if self.bar is not None and frames:
            self.bar.update(frames)

    def say(self, message: str) -> None:
        if self.bar is not None:
            self.bar.write(message, file=self.stream)
        else:
            print(message, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class _Names:
    """Output names in the draw folder: `<stem><suffix>`, then `<stem>-2<suffix>`, ...; never an input file."""

    def __init__(self, folder: Path, inputs: list[str]):
        self.folder = folder
        self.taken = {str(Path(p).resolve()) for p in inputs}

    def get(self, source: str, suffix: str) -> Path:
        stem = Path(source).stem or "input"
        number = 1
        while True:
            candidate = self.folder / (f"{stem}{suffix}" if number == 1 else f"{stem}-{number}{suffix}")
            if str(candidate.resolve()) not in self.taken:
                self.taken.add(str(candidate.resolve()))
                return candidate
            number += 1


@dataclass
class _State:
    """What a run has done so far: kept outside the event loop, so an interrupt loses none of it."""

    entries: list  # one per input: None (not reached), an entry, or {"file", "error"}
    failures: list[tuple[int, str]] = field(default_factory=list)  # (input position, message)
    started: float = field(default_factory=time.perf_counter)
    current: int | None = None  # the input being worked on

    def fail(self, position: int, path: str, error: BaseException) -> str:
        message = _message(path, error)
        self.failures.append((position, message))
        entry = self.entries[position] if isinstance(self.entries[position], dict) else {"file": path}
        entry["error"] = message
        self.entries[position] = entry
        return message

    def done_frames(self) -> int:
        """Images done plus video frames done (partly done videos included)."""
        return sum(len(e["frames"]) if "frames" in e else ("poses" in e) for e in self.entries if e is not None)


def run_detect(job: DetectJob, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the job; returns the exit status (see the module docstring)."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    state = _State([None] * len(job.inputs))
    try:
        with BlasThreads(job.blas_threads):
            status = asyncio.run(_run(job, state, stderr))
    except KeyboardInterrupt:  # Ctrl-C: keep what was done
        if state.current is not None and isinstance(state.entries[state.current], dict):
            state.entries[state.current]["interrupted"] = True  # a video cut short
        _finish(job, state, stdout, stderr, interrupted=True)
        return EXIT_INTERRUPTED
    if status is not None:
        return status
    if state.done_frames() == 0:  # nothing to show: keep an earlier --json file as it is
        _summary(state.failures, len(job.inputs), stderr)
        return EXIT_NOTHING_DONE
    _finish(job, state, stdout, stderr)
    _summary(state.failures, len(job.inputs), stderr)
    return EXIT_SOME_FAILED if state.failures else EXIT_OK


def _finish(job: DetectJob, state: _State, stdout: TextIO, stderr: TextIO, interrupted: bool = False) -> None:
    _write_json([e for e in state.entries if e is not None], job, stdout, stderr)
    where = "stdout" if job.json_path in (None, "-") else job.json_path
    frames = f"{state.done_frames()} images and frames"
    seconds = time.perf_counter() - state.started
    if interrupted:
        print(
            f"pyposenet detect: interrupted after {frames} ({seconds:.2f} s); the results so far were written "
            f"to {where}",
            file=stderr,
            flush=True,
        )
    elif job.progress:
        print(
            f"pyposenet detect: {_done_count(state.entries)} of {len(job.inputs)} inputs done ({frames}) in "
            f"{seconds:.2f} s; results written to {where}",
            file=stderr,
            flush=True,
        )


async def _run(job: DetectJob, state: _State, stderr: TextIO) -> int | None:
    """Every input into state.entries; returns an exit status when the run cannot go on, else None."""
    planned: list[tuple[int, str, str, int | None]] = []  # (position, path, kind, frames to do)
    for position, path in enumerate(job.inputs):
        try:
            kind = classify(path)
            count: int | None = 1
            if kind == "video":
                with VideoReader(path) as video:
                    count = video.planned(job.every, job.max_frames)
        except Exception as error:  # noqa: BLE001 - every failure is reported, and the rest goes on
            print(f"pyposenet detect: error: {state.fail(position, path, error)}", file=stderr, flush=True)
            continue
        planned.append((position, path, kind, count))
    if not planned:
        _summary(state.failures, len(job.inputs), stderr)
        return EXIT_NOTHING_DONE

    base_url = OFFICIAL_MODEL_ROOT if job.download else None
    runtime: Runtime = KeptModelRuntime(job.models_dir, job.cache_dir, base_url=base_url, engine=job.engine)
    try:
        net = await _load_net(job, runtime)
    except Exception as error:  # noqa: BLE001 - any failure to load is reported, exit status 1
        name = "BlazePose" if job.model == "blazepose" else "PoseNet"
        print(f"pyposenet detect: error: cannot load the {name} model: {error}", file=stderr, flush=True)
        return EXIT_SOME_FAILED
    if job.draw_dir is not None:
        job.draw_dir.mkdir(parents=True, exist_ok=True)
    names = _Names(job.draw_dir, job.inputs) if job.draw_dir is not None else None
    counts = [count for *_, count in planned]
    reporter = _Reporter(None if None in counts else sum(cast(list[int], counts)), job.progress, stderr)
    try:
        for position, path, kind, count in planned:
            state.current = position
            reporter.describe(path)
            try:
                if kind == "image":
                    state.entries[position] = await _detect_image(net, job, path, names)
                    reporter.step()
                else:
                    state.entries[position] = entry = {"file": path}
                    await _detect_video(job, runtime, path, names, entry, reporter)
            except Exception as error:  # noqa: BLE001 - every failure is reported, and the rest goes on
                reporter.say(f"pyposenet detect: error: {state.fail(position, path, error)}")
                if count:  # the bar counts this input's frames as finished
                    reporter.step(max(0, count - len(state.entries[position].get("frames", ()))))
    finally:
        reporter.close()
    state.current = None
    return None


def _done_count(entries) -> int:
    return sum(1 for e in entries if e is not None and "error" not in e and "interrupted" not in e)


def _message(path: str, error: BaseException) -> str:
    """One line naming the file, what went wrong, and (for a file that is not an image) what is allowed."""
    text = str(error) or type(error).__name__
    if isinstance(error, (FileNotFoundError, ValueError)) and text.startswith(f"{path}:"):
        return text  # classify()'s messages already name the file and what is allowed
    if isinstance(error, FileNotFoundError):
        return f"{path}: no such file"
    return f"{path}: {text}" if path in text else f"{path}: {type(error).__name__}: {text}"


def _summary(failures: list[tuple[int, str]], total: int, stderr: TextIO) -> None:
    """Every failure again, in the order of the inputs, after the progress bar is gone."""
    if not failures:
        return
    print(f"pyposenet detect: {len(failures)} of {total} input{'s' * (total != 1)} failed:", file=stderr)
    for _, message in sorted(failures):
        print(f"  {message}", file=stderr)
    stderr.flush()


def _read_image(path: str):
    """An image file's fully decoded HxWx3 uint8 RGB pixels (alpha dropped, as the reference's decoders do);
    ValueError naming the file when it is unreadable."""
    from .images import ImageReadError, read_image

    try:
        return read_image(path)
    except ImageReadError as error:
        if error.problem == "unsupported":
            raise ValueError(
                f"{path}: not an image Pillow can read (unknown or corrupt data); allowed: {allowed_types()}"
            ) from None
        raise ValueError(f"{path}: cannot read the image: {error}") from None


def _draw(pixels, results, job: DetectJob):
    """A PIL image of these pixels with the poses drawn as the default sketch draws them."""
    from PIL import Image

    from . import draw

    return draw.draw_poses(Image.fromarray(pixels), results, job.draw_min_score)


async def _load_net(job: DetectJob, runtime: Runtime):
    """A PoseNet net, or for --model blazepose BlazePose with the same singlePose / multiPose calls."""
    if job.model == "blazepose":
        from ..bodypose.blazepose_detect import BlazePoseDetector

        return await BlazePoseDetector.load(flipped=bool(job.options.get("flipHorizontal", False)))
    return await poseNet(dict(job.options), runtime=runtime)


async def _detect_image(net, job: DetectJob, path: str, names: _Names | None) -> dict:
    pixels = _read_image(path)
    results = await (net.multiPose(pixels) if job.multi else net.singlePose(pixels))
    height, width = pixels.shape[:2]
    if names is not None:
        _draw(pixels, results, job).save(names.get(path, ".png"))
    return {"file": path, **image_entry(results, width, height)}


async def _detect_video(
    job: DetectJob, runtime: Runtime, path: str, names: _Names | None, entry: dict, reporter: _Reporter
) -> None:
    # A net per video (the model is shared): smoothing and tracking start afresh on each video.
    net = await _load_net(job, runtime)
    writer = None
    frames_dir = None
    with VideoReader(path) as video:
        entry.update(fps=video.fps, width=video.width, height=video.height, frames=[])
        if names is not None:
            if job.draw_video == "png":
                frames_dir = names.get(path, "")
                frames_dir.mkdir(parents=True, exist_ok=True)
            else:
                writer = Mp4Writer(names.get(path, ".mp4"), video.rate / job.every, video.width, video.height)
        frame_time = VideoTime()
        if isinstance(net, PoseNet):
            net.clock = frame_time  # smoothing follows the video's clock: a rerun gives the same poses
        try:
            for index, when, rgb in video.frames(job.every, job.max_frames):
                frame_time.seconds = when
                net.video = rgb  # the net's own video: smoothing and tracking follow it from frame to frame
                results = await (net.multiPose() if job.multi else net.singlePose())
                entry["frames"].append({"index": index, "time": when, "poses": results})
                if names is not None:
                    drawn = _draw(rgb, results, job)
                    if writer is not None:
                        writer.write(np.asarray(drawn))
                    else:
                        assert frames_dir is not None  # PNG frames: set above
                        drawn.save(frames_dir / f"frame_{index:06d}.png")
                reporter.step()
        finally:
            if writer is not None:
                writer.close()


def _write_json(entries: list[dict], job: DetectJob, stdout: TextIO, stderr: TextIO) -> None:
    text = dumps(entries, job.indent) + "\n"
    if job.json_path in (None, "-"):
        stdout.write(text)
        stdout.flush()
        return
    target = Path(cast(str, job.json_path))  # not None: returned above
    try:
        write_atomically(target, text.encode("utf-8"))
    except OSError as error:  # nothing lost: the results go to stdout instead
        print(
            f"pyposenet detect: error: cannot write {target} ({error}); the results follow on stdout",
            file=stderr,
            flush=True,
        )
        stdout.write(text)
        stdout.flush()
