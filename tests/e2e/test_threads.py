"""Threaded wasm where it can't be had: a static export (no headers, a plain file server) is not cross-origin
isolated, so TF.js finds no SharedArrayBuffer; the page falls back to the single-threaded SIMD build (even when
the address asks for threads), says so in the FPS meter's details, and detects poses as before. The served page's
threads (COOP + COEP from the app, `?wasmThreads=2`) are checked under its policy in tests/e2e/test_headers.py."""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pyposenet.export import export_sketch
from tests.conftest import MODELS_DIR, REPO_ROOT
from tests.support.browser import FAKE_WEBCAM_640
from tests.support.engine import wait_for_engine_details, worker_engine

DEFAULT_SKETCH = REPO_ROOT / "pyposenet" / "examples" / "webcam_skeleton.py"


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def static_export(tmp_path_factory):
    """The default sketch exported and served by a plain file server (no COOP, no COEP): its URL."""
    root = tmp_path_factory.mktemp("static-threads")
    shutil.copy(DEFAULT_SKETCH, root / "sketch.py")
    export_sketch(root / "sketch.py", root / "site", models_dir=MODELS_DIR, base_url=None)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietFiles, directory=str(root / "site")))
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()
    httpd.server_close()


def test_a_static_export_falls_back_to_the_single_threaded_build(static_export, open_page):
    watch = open_page(f"{static_export}?backend=wasm&wasmThreads=2", FAKE_WEBCAM_640)
    watch.wait_for_status("running")
    details = wait_for_engine_details(watch)
    assert "TF.js wasm in a worker · 1 thread (SIMD build; threads need a cross-origin isolated page)" in details
    assert worker_engine(watch) == {"isolated": False, "backend": "wasm", "threads": 1}
    assert watch.page.evaluate("() => self.crossOriginIsolated") is False
    assert not watch.page_errors


def test_a_thread_count_the_backend_cannot_run_is_refused_with_what_is_allowed(static_export, open_page):
    watch = open_page(f"{static_export}pyposenet/app-config.json")  # any document of the site: no Pyodide needed
    refused = watch.page.evaluate(
        """async () => { const core = await import('./web/model-core.js');
        return ['0', '9', '1.5', 'two'].map((v) => { try { core.parseWasmThreads(v); return null; }
                                                     catch (e) { return e.message; } }); }"""
    )
    assert refused == [f'wasmThreads must be a whole number from 1 to 8 (the wasm backend\'s threads), got "{v}"'
                       for v in ("0", "9", "1.5", "two")]  # fmt: skip
