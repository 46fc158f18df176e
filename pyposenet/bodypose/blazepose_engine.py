"""The seam between bodyPose("BlazePose") and whatever runs BlazePose: `BlazePoseEngine`, and the frame it gives.

In the page the engine is `blazepose_page.PageBlazePose` (MediaPipe's solution on the page's thread); under CPython
`blazepose_host.HostBlazePose` (MediaPipe's Python wheel, the `blazepose` extra), where it is installed; the unit
tests pass a fake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from .._compat import IN_BROWSER
from .blazepose_options import BlazePoseOptions

LANDMARK_COUNT = 33


@dataclass(frozen=True)
class BlazePoseFrame:
    """One frame's pose, as the solution gives it: `landmarks` (x, y in 0..1 of the image, z, visibility) and
    `world` (x, y, z in metres from the hips' centre, visibility), 33 each; the size keypoints are reported in
    (the element as displayed, as for PoseNet)."""

    landmarks: tuple[tuple[float, float, float, float], ...]
    world: tuple[tuple[float, float, float, float], ...]
    display_width: float
    display_height: float


class BlazePoseEngine(Protocol):
    """Runs BlazePose on a sketch's media."""

    async def load(self, options: BlazePoseOptions) -> None:
        """Be ready to run `options`' model; raise UnavailableModelError when its file is absent."""

    async def estimate(self, media: Any, options: BlazePoseOptions) -> BlazePoseFrame | None:
        """The pose in `media`'s current frame, or None where BlazePose finds nobody."""


def engine_for(runtime: Any) -> BlazePoseEngine:
    """The runtime's own BlazePose engine (`runtime.blazepose_engine()`, as a test's fake has), else the page's,
    else (CPython) MediaPipe's wheel's: UnavailableModelError saying how to install it where it is not."""
    own = getattr(runtime, "blazepose_engine", None)
    if own is not None:
        return own()
    if not IN_BROWSER:
        from .blazepose_host import HostBlazePose

        return HostBlazePose.shared()
    from .blazepose_page import PageBlazePose  # the page only: it imports js

    return PageBlazePose.shared()
