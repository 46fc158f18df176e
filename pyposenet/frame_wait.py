"""A net's wait for its video's frames: when to tell the person something is wrong, and when it is over.

Continuous detection waits while the video has no frame to read. That is normal for a moment (the
camera starting); it is a problem when the camera was refused or is missing (the page knows at
once: `runtime.video_problem(video)`), or when no frame has come for `notice_after_s`. Each problem
is reported once, as a `CameraError` (the net's `error` event and a notice on the page); when
frames arrive detection starts by itself and the notice goes away.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: Seconds without a frame before the person is told (a webcam starts in well under this).
NO_FRAMES_NOTICE_S = 5.0


class CameraError(RuntimeError):
    """The video gives no frames to detect on: camera refused or missing, or no frames yet."""


def no_frames_message(waited_s: float) -> str:
    return (
        f"the video has shown no frame for {waited_s:.0f} s. A camera: is it in use by another program, "
        "or covered, or unplugged? A video file: is its source set, and does it load? Detection starts "
        "by itself when frames arrive."
    )


class FrameWait:
    """Follow one detection loop's waiting: `waiting()` each time it finds no frame, `frame_arrived()` when one
    comes."""

    def __init__(self, notice_after_s: float = NO_FRAMES_NOTICE_S, clock: Callable[[], float] = time.monotonic):
        self.notice_after_s = notice_after_s
        self.clock = clock
        self.since: float | None = None
        self.reported: str | None = None

    def waiting(self, known_problem: str | None = None) -> CameraError | None:
        """No frame yet. Returns a problem to report now (each one once), else None.

        `known_problem`: what the page knows is wrong (camera refused, no camera), or None.
        """
        now = self.clock()
        if self.since is None:
            self.since = now
        if known_problem:
            message = known_problem
        elif now - self.since >= self.notice_after_s:
            message = no_frames_message(now - self.since) if self.reported is None else self.reported
        else:
            return None
        if message == self.reported:
            return None
        self.reported = message
        return CameraError(message)

    def frame_arrived(self) -> bool:
        """A frame came: the wait is over. True when a problem had been reported (its notice must go)."""
        had_problem = self.reported is not None
        self.since = None
        self.reported = None
        return had_problem
