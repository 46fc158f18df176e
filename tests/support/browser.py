"""Browser-test helpers: a live Flask server in a thread, Chromium (Debian's, through Playwright) with a fake
camera, and PageWatch (what a page requested and complained about). tests/e2e/conftest.py builds its fixtures
on these; a test that needs one directly imports it from here."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from pyposenet.server import create_app
from tests.conftest import REPO_ROOT, TESTDATA_DIR
from tests.support.reference import add_reference_route

CHROMIUM = os.environ.get("PYPOSENET_CHROMIUM", "/usr/bin/chromium")
#: Debian's Chromium, quiet and offline: no sandbox (root), no QUIC, no first-run or background traffic.
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: A fake camera, allowed without asking (add --use-file-for-fake-video-capture=FILE to play a video in it).
FAKE_CAMERA_FLAGS = ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")
FAKE_WEBCAM_640 = TESTDATA_DIR / "video" / "fake-webcam" / "pose_1_640x480.mjpeg"
FAKE_WEBCAM_320_15FPS = TESTDATA_DIR / "video" / "fake-webcam" / "pose_1_320x240_15fps_2s.y4m"
SKETCHES = REPO_ROOT / "tests" / "e2e" / "sketches"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
# Software WebGL (SwiftShader) and Pyodide's start make the first pose slow on a 2-core machine.
BOOT_TIMEOUT_MS = 120_000
# How often a test server's loop looks for shutdown(): socketserver's 0.5 s default is half a second a test.
SHUTDOWN_POLL_S = 0.02


class LiveServer:
    """create_app(...) served by werkzeug in a thread, on a free loopback port; `middleware(app)` may wrap it.

    The app also serves the reference @tensorflow-models/posenet at /reference/posenet/ (tests/support/reference.py)."""

    def __init__(self, config: dict, middleware=None):
        self.app = add_reference_route(create_app(config))
        served = middleware(self.app) if middleware is not None else self.app
        self._server = make_server("127.0.0.1", 0, served, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(SHUTDOWN_POLL_S,), daemon=True)
        self._thread.start()

    def close(self):
        self._server.shutdown()


CAMERAS = ("fake", "denied", "none")


def launch_chromium(playwright, fake_video: Path | None = None, camera: str = "fake"):
    """A fresh Chromium context (fresh profile) -> (context, profile folder to remove after closing it).

    camera: "fake" (a fake camera, allowed without asking; `fake_video` plays in it), "denied" (the fake
    camera exists but every permission prompt is refused), "none" (no camera device at all).
    """
    if camera not in CAMERAS:
        raise ValueError(f"camera must be one of {CAMERAS}, got {camera!r}")
    args = list(CHROMIUM_FLAGS)
    if camera == "fake":
        args.append("--use-fake-ui-for-media-stream")
    if camera == "denied":
        args.append("--deny-permission-prompts")
    if camera != "none":
        args.append("--use-fake-device-for-media-stream")
    if fake_video is not None:
        args.append(f"--use-file-for-fake-video-capture={fake_video}")
    profile = tempfile.mkdtemp(prefix="pyposenet-chromium-")
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path=CHROMIUM, headless=True, args=args, viewport={"width": 800, "height": 600}
    )
    return context, profile


class PageWatch:
    """Everything a page asked for and complained about, for assertions."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))

    def outside_requests(self) -> list[str]:
        """Requests to anything but this machine (data: and blob: URLs stay in the page)."""
        outside = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob"):
                continue
            if parts.hostname not in LOOPBACK_HOSTS:
                outside.append(url)
        return outside

    def wait_for_status(self, state: str, timeout_ms: int = BOOT_TIMEOUT_MS) -> None:
        self.page.wait_for_function(
            "([want]) => { const s = document.getElementById('status').dataset.state;"
            " return s === want || s === 'error'; }",
            arg=[state],
            timeout=timeout_ms,
        )
        current = self.page.eval_on_selector("#status", "e => e.dataset.state")
        if current == "error":
            pytest.fail(f"page shows an error: {self.page.inner_text('#error')}")

    def python(self, code: str):
        """Run Python in the page (top-level await allowed); returns the value converted to JS."""
        return self.page.evaluate(
            """async (code) => {
                const value = await window.pyposenet.pyodide.runPythonAsync(code);
                if (value && typeof value.toJs === 'function') {
                    const js = value.toJs({dict_converter: Object.fromEntries}); value.destroy(); return js;
                }
                return value;
            }""",
            code,
        )
