"""Per-frame timings of a net, kept for the last few hundred frames (for the page, tests and benchmarks)."""

from __future__ import annotations

from collections import deque
from statistics import median


class FrameStats:
    def __init__(self, keep: int = 512):
        self.frames = 0
        self.model_ms: deque[float] = deque(maxlen=keep)  # frame -> tensor, network, read-back
        self.decode_ms: deque[float] = deque(maxlen=keep)  # Python decoding and ml5-shaping

    def add(self, model_ms: float, decode_ms: float) -> None:
        self.frames += 1
        self.model_ms.append(model_ms)
        self.decode_ms.append(decode_ms)

    def summary(self) -> dict:
        """Frames seen and median milliseconds over the kept frames (None before the first frame)."""

        def med(values):
            return round(median(values), 3) if values else None

        return {"frames": self.frames, "model_ms": med(self.model_ms), "decode_ms": med(self.decode_ms)}
