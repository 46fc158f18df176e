"""A video's frames by number, from anywhere in the file: the scan that numbers them, and the seeking read.

`scan_video` reads the container's packets (no decoding: quick) and numbers the frames in presentation
order, as `pyposenet detect` numbers the frames it decodes (pyposenet/_host/video.py). `read_frames` then
gives chosen frames by number: it seeks to the keyframe before the first one and decodes from there, so a
chunk late in a long video costs its own frames, not the whole file before them. Where a seek lands past
the first frame wanted it decodes from the start instead; where the container gives no timestamps, frames
are numbered as they are decoded (from the start).

Frames are decoded on one thread: each Dask worker has one core.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .._host.video import DEFAULT_FPS

__all__ = ["VideoScan", "scan_video", "read_frames"]


@dataclass(frozen=True)
class VideoScan:
    """What planning a video needs: its size, rate, and each frame's timestamp (pts) by frame number."""

    path: str
    fps: float
    width: int
    height: int
    frame_count: int
    pts: tuple[int, ...] | None  # by frame number; None when the container gives none
    time_base: tuple[int, int]

    def time_of(self, number: int) -> float:
        if self.pts is None:
            return number / self.fps
        return float(self.pts[number] * Fraction(*self.time_base))


def _open(path: str):
    import av

    try:
        container = av.open(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ValueError(f"{path}: not a video PyAV (ffmpeg) can read ({reason})") from exc
    if not container.streams.video:
        container.close()
        raise ValueError(f"{path}: has no video stream")
    stream = container.streams.video[0]
    stream.thread_count = 1
    return container, stream


def scan_video(path: str) -> VideoScan:
    """Number the frames of `path`'s first video stream (ValueError naming the file when it is unreadable)."""
    import av

    path = os.fspath(path)
    container, stream = _open(path)
    try:
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else DEFAULT_FPS
        time_base = Fraction(stream.time_base) if stream.time_base else Fraction(1, 1)
        stamps: list[int] = []
        missing = False
        try:
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue  # the demuxer's flush packet
                if packet.pts is None:
                    missing = True
                else:
                    stamps.append(int(packet.pts))
            stamps.sort()
            if missing or len(set(stamps)) != len(stamps):
                return _scan_by_decoding(path, fps, time_base)
        except av.error.FFmpegError as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise ValueError(f"{path}: reading the video failed after {len(stamps)} frames ({reason})") from exc
        if not stamps:
            raise ValueError(f"{path}: the video stream holds no frames")
        width, height = stream.codec_context.width, stream.codec_context.height
        return VideoScan(
            path, fps, width, height, len(stamps), tuple(stamps), (time_base.numerator, time_base.denominator)
        )
    finally:
        container.close()


def _scan_by_decoding(path: str, fps: float, time_base: Fraction) -> VideoScan:
    """The slow way, for containers without usable timestamps: count the frames by decoding them all."""
    import av

    container, stream = _open(path)
    count = 0
    try:
        for _ in container.decode(stream):
            count += 1
    except av.error.FFmpegError as exc:
        raise ValueError(f"{path}: decoding failed after {count} frames ({exc})") from exc
    finally:
        width, height = stream.codec_context.width, stream.codec_context.height
        container.close()
    if not count:
        raise ValueError(f"{path}: the video stream holds no frames")
    return VideoScan(path, fps, width, height, count, None, (time_base.numerator, time_base.denominator))


def read_frames(
    path: str, frames: Sequence[tuple[int, int | None]], fps: float, time_base: tuple[int, int]
) -> Iterator[tuple[int, float, np.ndarray]]:
    """(frame number, time in seconds, HxWx3 uint8 RGB) for each wanted (number, pts), in order.

    A wanted frame the decoder never gives is left out: the caller compares what it got with what it asked.
    """
    if not frames:
        return
    if frames[0][1] is None:
        yield from _read_counting(path, frames, fps)
        return
    unit = Fraction(*time_base)
    wanted = {pts: number for number, pts in frames}
    first, last = frames[0][1], frames[-1][1]
    for seek in (True, False):
        container, stream = _open(path)
        try:
            if seek:
                container.seek(first, stream=stream, backward=True, any_frame=False)
            decoded = _decode(container, stream, path)
            head = next((f for f in decoded if f.pts is not None), None)
            if head is None:
                return
            if seek and head.pts > first:
                continue  # landed past the first frame wanted: decode from the start instead
            for frame in _chain(head, decoded):
                if frame.pts is None:
                    continue
                number = wanted.get(frame.pts)
                if number is not None:
                    yield number, float(frame.pts * unit), frame.to_ndarray(format="rgb24")
                if frame.pts >= last:
                    return
            return
        finally:
            container.close()


def _read_counting(path: str, frames: Sequence[tuple[int, int | None]], fps: float):
    wanted = {number for number, _ in frames}
    last = frames[-1][0]
    container, stream = _open(path)
    try:
        for number, frame in enumerate(_decode(container, stream, path)):
            if number in wanted:
                time = frame.time if frame.time is not None else number / fps
                yield number, float(time), frame.to_ndarray(format="rgb24")
            if number >= last:
                return
    finally:
        container.close()


def _decode(container, stream, path: str):
    import av

    try:
        yield from container.decode(stream)
    except av.error.FFmpegError as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ValueError(f"{path}: decoding failed ({reason})") from exc


def _chain(head, rest):
    yield head
    yield from rest
