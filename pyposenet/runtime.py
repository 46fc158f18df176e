"""The runtime contract: what `pyposenet.net.PoseNet` asks of whatever runs the network and shows the video.

A net never touches a model, a video or the page itself; it calls its runtime, an object with the
methods of `Runtime` below (structural typing: a runtime need not inherit from it). The runtimes:

  pyposenet._browser.runtime.BrowserRuntime   the page: TF.js runs the network (web/model.js)
  pyposenet._host.runtime.HostRuntime         plain CPython: numpy runs the network
  pyposenet._host.kept_model.KeptModelRuntime `pyposenet detect` and `batch`: HostRuntime, models kept, silent
  pyposenet.server.api.ServiceRuntime         POST /api/pose: the service's models, silent
  pyposenet.sketch.net_runtime.SketchNetRuntime  wraps another one for a sketch (unwraps P5Objects)

and the unit tests' fakes. tests/unit/test_runtime_contract.py checks that each runtime has every method
with these parameter names. Where videos come from a camera, a runtime may also have the methods of
`CameraRuntime`; the net looks them up with getattr and goes without them.

Pure standard library: the page imports it (pyposenet/server/browser_wheel.py BROWSER_MODULES).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .decode import ModelOutputs
    from .results import FrameGeometry

__all__ = ["Runtime", "CameraRuntime", "RUNTIME_METHODS", "CAMERA_METHODS"]


@runtime_checkable
class Runtime(Protocol):
    """What every runtime provides. The net calls these from its asyncio loop, one frame at a time."""

    async def load_model(self, options: dict[str, Any]) -> Any:
        """Load and warm up the network that `options` (resolved by pyposenet.options.resolve_options)
        name; the result is opaque to the net, which hands it back to `run`. Raise when it cannot be
        loaded: the net reports it with `report_error` and fails its `ready` future."""

    async def run(
        self, model: Any, image: Any, roots: tuple[int, float] | None = None
    ) -> tuple[ModelOutputs, FrameGeometry]:
        """One frame of `image` (a video, an image, a canvas, a path or pixels: whatever this runtime
        reads) through `model`: the network's outputs and how the image was fitted to its input.
        `roots`: None for a single pose, else ``(count, score_threshold)``: a runtime may attach that many
        multi-pose root candidates to the outputs (pyposenet.decode.root_hints), or ignore it."""

    async def next_frame(self, video: Any) -> None:
        """Resolve when `video` shows a new frame (or at once, where there is no video clock)."""

    def has_frame(self, video: Any) -> bool:
        """Whether `video` has a frame to read now."""

    def set_status(self, text: str) -> None:
        """Show what the net is doing ("loading model", "running", "waiting for camera"), or log it."""

    def report_error(self, exc: BaseException, where: str) -> None:
        """Tell the person about `exc`, which happened in `where` ("loading the PoseNet model", "your
        'pose' callback"...). Must not raise. Runtimes whose caller reports errors itself do nothing."""


@runtime_checkable
class CameraRuntime(Runtime, Protocol):
    """A runtime whose videos may come from a camera (the page's); both methods are optional for the net."""

    def video_problem(self, video: Any) -> str | None:
        """Why `video` will give no frames (camera refused, none found), or None."""

    def show_notice(self, text: str | None) -> None:
        """Show a problem the page may recover from (None: remove the notice)."""


#: Method names of each protocol, for checks that cannot import a runtime (the browser's).
RUNTIME_METHODS = ("load_model", "run", "next_frame", "has_frame", "set_status", "report_error")
CAMERA_METHODS = ("video_problem", "show_notice")
