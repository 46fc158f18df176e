"""Fixtures for the server's unit tests: an app wired to tmp folders (Flask tutorial style)."""
import socket
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
import server  # noqa: E402  (server.py lives at the repo root)

FAKE_PYPROJECT = """\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "pyposenet"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[tool.setuptools.packages.find]
include = ["pyposenet*"]

[tool.setuptools.package-data]
pyposenet = ["examples/*.py"]
"""


def closed_port() -> int:
    """A localhost port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def package_root(tmp_path) -> Path:
    """A tiny package tree shaped like the repo's: pyproject.toml + pyposenet/ with examples."""
    root = tmp_path / "pkg"
    examples = root / "pyposenet" / "examples"
    examples.mkdir(parents=True)
    (root / "pyproject.toml").write_text(FAKE_PYPROJECT)
    (root / "pyposenet" / "__init__.py").write_text('VERSION = "fake-1"\n')
    (examples / "webcam_skeleton.py").write_text("# webcam example\n")
    (examples / "image_single_pose.py").write_text("# image example\n")
    return root


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
    folder = tmp_path / "web"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html><title>pyposenet</title>")
    (folder / "main.mjs").write_text("export const x = 1;\n")
    return folder


@pytest.fixture
def config(tmp_path, package_root, sketch_dir, web_dir) -> dict:
    """Config with every folder in tmp_path; downloads point at a closed localhost port."""
    (tmp_path / "models").mkdir()
    return {
        "TESTING": True,
        "PACKAGE_ROOT": package_root,
        "MODELS_DIR": tmp_path / "models",
        "MODEL_CACHE_DIR": tmp_path / "cache",
        "MODEL_BASE_URL": f"http://127.0.0.1:{closed_port()}/tfjs-models/",
        "MODEL_DOWNLOAD_TIMEOUT": 5,
        "SKETCH": sketch_dir / "my_sketch.py",
        "WHEEL_DIR": tmp_path / "wheel",
        "WEB_DIR": web_dir,
        "VENDOR_DIR": REPO_ROOT / "node_modules",
    }


@pytest.fixture
def app(config):
    return server.create_app(config)


@pytest.fixture
def client(app):
    return app.test_client()
