"""A pose sketch in a page on the pose-video camera (tests/support/pose_videos.py), read in one call: the marker of
the frame the camera shows now, and what the sketch holds (Python run in the page, giving JSON)."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.support.browser import PageWatch
from tests.support.pose_videos import FRAME_SIZE, MARKER_SQUARE, READ_MARKER_JS, Marker, read_marker

#: Prepended to the `state` code: `ns` is the sketch's namespace, `frames` the pose results so far.
STATE_PRELUDE = """
import json
from pyposenet._browser.sketch import current_bridge
from pyposenet.net import live_nets
ns = current_bridge().runner.namespace
_nets = live_nets()
frames = _nets[0].stats.frames if _nets else 0
"""
SAMPLE_JS = f"""([square, frameWidth, code]) => {{
    const p = window.pyposenet;
    const state = p && p.bridge ? p.pyodide.runPython(code) : null;  // null: the sketch has not started yet
    return [({READ_MARKER_JS})([square, frameWidth]), state];
}}"""


class PoseSketchPage:
    """`state`: Python whose last line is a JSON string with at least "frame" (e.g. `json.dumps({"frame": frames})`)."""

    def __init__(self, watch: PageWatch, state: str):
        self.watch = watch
        self.state_code = STATE_PRELUDE + state

    def sample(self) -> tuple[Marker | None, dict[str, Any]]:
        """The camera's marker now (None before its first frame), the sketch's state ({"frame": 0} before it runs)."""
        pixels, state = self.watch.page.evaluate(SAMPLE_JS, [MARKER_SQUARE, FRAME_SIZE[0], self.state_code])
        return (read_marker(pixels) if pixels is not None else None), json.loads(state or '{"frame": 0}')

    def python(self, code: str):
        """Run `code` in the page with `ns`, the sketch's namespace."""
        prelude = "from pyposenet._browser.sketch import current_bridge\nns = current_bridge().runner.namespace\n"
        return self.watch.python(prelude + code)

    def error(self) -> str:
        return self.watch.page.inner_text("#error") if self.watch.page.is_visible("#error") else ""

    def wait_for_first_pose(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self.sample()[1]["frame"] < 1:
            assert time.monotonic() < deadline and not self.error(), self.error() or "no pose in time"
            self.watch.page.wait_for_timeout(200)
