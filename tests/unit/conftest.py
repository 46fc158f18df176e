"""Fixtures for the server's unit tests: an app wired to tmp folders (Flask tutorial style)."""

import socket
from pathlib import Path

import pytest

from pyposenet.server import create_app
from pyposenet.server.page import CSP_MARKER
from tests.support.page import PAGE_HTML


def closed_port() -> int:
    """A localhost port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def examples_dir(tmp_path) -> Path:
    """A tiny examples folder (what the package's examples/ would be)."""
    folder = tmp_path / "examples"
    folder.mkdir()
    (folder / "webcam_skeleton.py").write_text("# webcam example\n")
    (folder / "image_single_pose.py").write_text("# image example\n")
    return folder


@pytest.fixture
def sketch_dir(tmp_path) -> Path:
    """A sketch folder with the sketch and an asset beside it (like p5's data/)."""
    folder = tmp_path / "sketch"
    folder.mkdir()
    (folder / "my_sketch.py").write_text("def setup():\n    pass\n")
    (folder / "runner.jpg").write_bytes(b"\xff\xd8\xff\xe0fake-jpeg")
    return folder


@pytest.fixture
def web_dir(tmp_path) -> Path:
    """A web folder: the page's index.html (with the CSP marker) and one script."""
    folder = tmp_path / "web"
    folder.mkdir()
    assert CSP_MARKER in PAGE_HTML
    (folder / "index.html").write_text(PAGE_HTML, encoding="utf-8")
    (folder / "main.mjs").write_text("export const x = 1;\n")
    return folder


@pytest.fixture
def config(tmp_path, examples_dir, sketch_dir, web_dir) -> dict:
    """Config with every folder in tmp_path; downloads point at a closed localhost port."""
    (tmp_path / "models").mkdir()
    return {
        "TESTING": True,
        "EXAMPLES_DIR": examples_dir,
        "MODELS_DIR": tmp_path / "models",
        "MODEL_CACHE_DIR": tmp_path / "cache",
        "MODEL_BASE_URL": f"http://127.0.0.1:{closed_port()}/tfjs-models/",
        "MODEL_DOWNLOAD_TIMEOUT": 5,
        "SKETCH": sketch_dir / "my_sketch.py",
        "WEB_DIR": web_dir,
    }


@pytest.fixture
def app(config):
    return create_app(config)


@pytest.fixture
def client(app):
    return app.test_client()
