"""Work items: a video's chosen frames cut into frame ranges, images in groups; each with a stable name.

A chunk's name says what it holds and is derived from everything that makes its rows (the run's model and
options, the file's path, size and modification time, the frame numbers), so a finished chunk file with
that name can be skipped when the same command runs again, and a changed input gets new names.

Frame numbers count every frame of the video from 0 (as `pyposenet detect` numbers them); `every` and
`max_frames` choose frames 0, every, 2*every, ... and the chosen ones are cut into ranges of `chunk_frames`,
so frames of one file spread over many workers. With `smoothing` or `tracking` a video stays one chunk:
both follow people from frame to frame, and a cut would restart them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import PurePath

from .inputs import SourceFile
from .video_frames import VideoScan

__all__ = ["Chunk", "chosen_frames", "video_chunks", "image_chunks", "digest", "DEFAULT_CHUNK_FRAMES"]

#: Frames per video chunk: long enough that the seek to its first frame (decoding from the keyframe before
#: it) costs little beside the network, short enough to spread a file over many workers.
DEFAULT_CHUNK_FRAMES = 256
#: Images per chunk: one Parquet file each.
DEFAULT_CHUNK_IMAGES = 32


def digest(value, length: int = 16) -> str:
    """A short stable hash of a JSON-able value."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


@dataclass(frozen=True)
class Chunk:
    """One task: frames of one video, or a group of images. `frames` holds (frame number, pts) for a video
    chunk (pts None when the container gives none: then the file is read from its start)."""

    name: str
    kind: str  # "video" or "images"
    sources: tuple[SourceFile, ...]
    frames: tuple[tuple[int, int | None], ...] = ()
    fps: float = 0.0
    time_base: tuple[int, int] = (1, 1)

    @property
    def size(self) -> int:
        """Frames (video) or images (group) to do: the progress bar's unit."""
        return len(self.frames) if self.kind == "video" else len(self.sources)

    @property
    def files(self) -> list[str]:
        return [s.path for s in self.sources]

    def describe(self) -> str:
        if self.kind == "video":
            return f"{self.sources[0].path} frames {self.frames[0][0]}-{self.frames[-1][0]}"
        return f"{len(self.sources)} images from {self.sources[0].path}"


def chosen_frames(count: int, every: int = 1, max_frames: int | None = None) -> range:
    """The frame numbers `every` and `max_frames` choose from a video of `count` frames."""
    if every < 1:
        raise ValueError(f"every must be a whole number >= 1, got {every}")
    chosen = range(0, count, every)
    return chosen if max_frames is None else chosen[:max_frames]


def video_chunks(
    source: SourceFile,
    scan: VideoScan,
    run_key: str,
    *,
    every: int = 1,
    max_frames: int | None = None,
    chunk_frames: int | None = DEFAULT_CHUNK_FRAMES,
) -> list[Chunk]:
    """The chunks of one scanned video; `chunk_frames` None keeps the whole video in one chunk."""
    numbers = chosen_frames(scan.frame_count, every, max_frames)
    step = chunk_frames or max(1, len(numbers))
    stem = _safe_stem(source.path)
    file_key = digest(source.path, 8)
    chunks = []
    for start in range(0, len(numbers), step):
        picked = numbers[start : start + step]
        frames = tuple((n, scan.pts[n] if scan.pts is not None else None) for n in picked)
        key = digest([run_key, source.identity, [n for n, _ in frames]])
        name = f"{stem}.{file_key}.f{picked[0]:09d}-{picked[-1]:09d}.{key}"
        chunks.append(Chunk(name, "video", (source,), frames, scan.fps, scan.time_base))
    return chunks


def image_chunks(images: list[SourceFile], run_key: str, chunk_images: int = DEFAULT_CHUNK_IMAGES) -> list[Chunk]:
    """Images in the order given, in groups of `chunk_images`."""
    chunks = []
    for start in range(0, len(images), chunk_images):
        group = tuple(images[start : start + chunk_images])
        key = digest([run_key, [s.identity for s in group]])
        name = f"images.{_safe_stem(group[0].path)}.{key}"
        chunks.append(Chunk(name, "images", group))
    return chunks


def _safe_stem(path: str) -> str:
    """A file's stem as a plain name part (the chunk file's name starts with it, for people browsing)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", PurePath(path).stem)[:40] or "file"
