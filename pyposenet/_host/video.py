"""Video files as RGB frames, and drawn frames back into an mp4, with PyAV (ffmpeg ships in its wheel).

    with VideoReader("dance.mp4") as video:
        print(video.fps, video.width, video.height, video.planned(every=2, max_frames=30))
        for index, time, rgb in video.frames(every=2, max_frames=30):   # rgb: HxWx3 uint8
            ...

`index` counts every decoded frame from 0 (so `every` skips keep the original numbering) and
`time` is the frame's presentation time in seconds (index / fps when the file has no timestamps).
Rotation metadata (phone videos) is not applied: frames are as stored.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

__all__ = ["VIDEO_EXTENSIONS", "VideoReader", "Mp4Writer", "is_video_path"]

# Containers ffmpeg reads that hold video; decided by extension before the file is opened.
VIDEO_EXTENSIONS = (
    ".mp4",
    ".m4v",
    ".mov",
    ".mkv",
    ".webm",
    ".avi",
    ".mpg",
    ".mpeg",
    ".ogv",
    ".wmv",
    ".flv",
    ".3gp",
    ".ts",
    ".mts",
    ".y4m",
    ".mjpeg",
    ".mjpg",
)
DEFAULT_FPS = 30.0


def is_video_path(path) -> bool:
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def _import_av():
    try:
        import av
    except ImportError as exc:
        raise ImportError("reading videos needs PyAV: pip install 'pyposenet[host]' (or pip install av)") from exc
    return av


class VideoReader:
    """One video file's first video stream, decoded frame by frame as RGB arrays."""

    def __init__(self, path):
        av = _import_av()
        self.path = os.fspath(path)
        try:
            self._container = av.open(self.path)
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.path}: no such file") from None
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise ValueError(f"{self.path}: not a video PyAV (ffmpeg) can read ({reason})") from exc
        if not self._container.streams.video:
            self._container.close()
            raise ValueError(f"{self.path}: has no video stream")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.fps = float(rate) if rate else DEFAULT_FPS
        self.rate = Fraction(rate) if rate else Fraction(int(DEFAULT_FPS))
        self.width = self._stream.codec_context.width
        self.height = self._stream.codec_context.height

    @property
    def frame_count(self) -> int | None:
        """Frames in the stream as the container says, else estimated from the duration; None if unknown."""
        if self._stream.frames:
            return int(self._stream.frames)
        duration = None
        if self._stream.duration is not None and self._stream.time_base is not None:
            duration = float(self._stream.duration * self._stream.time_base)
        elif self._container.duration is not None:
            duration = self._container.duration / 1_000_000
        return max(1, round(duration * self.fps)) if duration else None

    def planned(self, every: int = 1, max_frames: int | None = None) -> int | None:
        """How many frames frames(every, max_frames) should yield (None when the length is unknown)."""
        count = self.frame_count
        if count is None:
            return max_frames
        chosen = math.ceil(count / every)
        return chosen if max_frames is None else min(chosen, max_frames)

    def frames(self, every: int = 1, max_frames: int | None = None) -> Iterator[tuple[int, float, np.ndarray]]:
        """(index, time in seconds, HxWx3 uint8 RGB) for frames 0, every, 2*every, ..., at most max_frames."""
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        av = _import_av()
        yielded = 0
        if max_frames is not None and max_frames <= 0:
            return
        try:
            for index, frame in enumerate(self._container.decode(self._stream)):
                if index % every:
                    continue
                time = frame.time if frame.time is not None else index / self.fps
                yield index, float(time), frame.to_ndarray(format="rgb24")
                yielded += 1
                if max_frames is not None and yielded >= max_frames:
                    return
        except av.error.FFmpegError as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise ValueError(f"{self.path}: decoding failed after {yielded} frames ({reason})") from exc

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Mp4Writer:
    """RGB frames -> an H.264 mp4 (yuv420p, so odd sizes get one black row/column added)."""

    def __init__(self, path, rate: Fraction | float, width: int, height: int, crf: int = 18):
        av = _import_av()
        self.path = os.fspath(path)
        self.width, self.height = width + width % 2, height + height % 2
        codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
        rate = Fraction(rate).limit_denominator(1001) if not isinstance(rate, Fraction) else rate
        self._container = av.open(self.path, "w")
        self._stream = self._container.add_stream(codec, rate=rate)
        self._stream.width, self._stream.height = self.width, self.height
        self._stream.pix_fmt = "yuv420p"
        if codec == "libx264":
            self._stream.options = {"crf": str(crf), "preset": "veryfast"}
        self.frames = 0

    def write(self, rgb: np.ndarray) -> None:
        av = _import_av()
        h, w = rgb.shape[:2]
        if (h, w) != (self.height, self.width):
            padded = np.zeros((self.height, self.width, 3), np.uint8)
            padded[: min(h, self.height), : min(w, self.width)] = rgb[: self.height, : self.width, :3]
            rgb = padded
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[:, :, :3]), format="rgb24")
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames += 1

    def close(self) -> None:
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        self._container.close()

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
