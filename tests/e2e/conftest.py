"""Real Flask, real Chromium (Debian's, driven by Playwright), real Pyodide and TF.js, fake camera.

The fixtures here; the helpers they are built on (LiveServer, launch_chromium, PageWatch, ...) are in
tests/support/browser.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import MODELS_DIR, TESTDATA_DIR
from tests.support.browser import SKETCHES, LiveServer, PageWatch, launch_chromium

E2E_DIR = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before pytest's own hook deselects by -m
def pytest_collection_modifyitems(items):
    """Every test under tests/e2e is marked `e2e` (a `pytestmark` in a conftest marks nothing), so
    `-m "not e2e"` leaves them all out. The hook sees the whole session's items: only ours are marked."""
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def serve():
    """serve(sketch_path) -> base URL of a server for that sketch (one server per sketch, reused)."""
    servers: dict[Path, LiveServer] = {}

    def start(sketch: Path) -> str:
        sketch = Path(sketch).resolve()
        if sketch not in servers:
            servers[sketch] = LiveServer(
                {"SKETCH": sketch, "MODELS_DIR": MODELS_DIR, "MODEL_BASE_URL": "http://127.0.0.1:9/unreachable/"}
            )
        return servers[sketch].url

    yield start
    for server in servers.values():
        server.close()


@pytest.fixture(scope="session")
def image_sketch_dir(tmp_path_factory) -> Path:
    """A folder with the blank test sketch and the shared test images beside it (copied, never committed)."""
    folder = tmp_path_factory.mktemp("image-sketch")
    shutil.copy(SKETCHES / "blank.py", folder / "blank.py")
    for image in (TESTDATA_DIR / "images").iterdir():
        shutil.copy(image, folder / image.name)
    return folder


@pytest.fixture(scope="module")
def playwright_instance():
    """Per module: the sync API keeps an asyncio loop running while it is open, which would break
    asyncio.run() in any test collected after it (unit tests run first, but not every invocation)."""
    with sync_playwright() as pw:
        yield pw


@pytest.fixture
def launch(playwright_instance):
    """launch(fake_video=None, camera="fake") -> a fresh Chromium context (fresh profile), closed after the test."""
    contexts = []

    def _launch(fake_video: Path | None = None, camera: str = "fake"):
        context, profile = launch_chromium(playwright_instance, fake_video, camera)
        contexts.append((context, profile))
        return context

    yield _launch
    for context, profile in contexts:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def open_page(launch):
    """open_page(url, fake_video=None, camera="fake") -> PageWatch on a loaded page (camera: see launch_chromium)."""

    def _open(url: str, fake_video: Path | None = None, camera: str = "fake") -> PageWatch:
        context = launch(fake_video, camera)
        page = context.new_page()
        watch = PageWatch(page)
        page.goto(url)
        return watch

    return _open
