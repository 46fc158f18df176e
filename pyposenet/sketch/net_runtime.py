"""pyposenet's runtime, as a sketch uses it: a sketch's videos and images arrive as JavaScript objects.

`poseNet(video)` keeps the sketch's `video` (a P5Object) and gives it to its runtime on every frame.
Pyodide would turn a Python wrapper into a short-lived PyProxy there, so this runtime unwraps it
first; it also stops the sketch when the net reports an error (the page shows it, once).
"""

from __future__ import annotations

from collections.abc import Callable

from ..runtime import Runtime
from .wrapping import unwrap


class SketchNetRuntime:  # implements pyposenet.runtime.CameraRuntime (and so Runtime)
    """Wraps another runtime (pyposenet/runtime.py): unwraps P5Objects, stops the sketch on errors. Methods it
    does not define (show_notice) are the inner runtime's."""

    def __init__(self, inner: Runtime, on_error: Callable[[], None] | None = None):
        self.inner = inner
        self.on_error = on_error

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    async def load_model(self, options):
        return await self.inner.load_model(options)

    async def run(self, model, image, roots=None):
        return await self.inner.run(model, unwrap(image), roots)

    async def next_frame(self, video) -> None:
        await self.inner.next_frame(unwrap(video))

    def has_frame(self, video) -> bool:
        return self.inner.has_frame(unwrap(video))

    def video_problem(self, video) -> str | None:
        check = getattr(self.inner, "video_problem", None)
        return check(unwrap(video)) if check is not None else None

    def set_status(self, text: str) -> None:
        self.inner.set_status(text)

    def report_error(self, exc: BaseException, where: str) -> None:
        self.inner.report_error(exc, where)
        if self.on_error is not None:
            self.on_error()
