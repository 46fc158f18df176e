"""The app as users get it: an installed wheel (no checkout, no node), a static export on a plain file
server, and relative URLs that find the files beside the sketch, served and exported alike."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pyposenet.export import export_sketch
from tests.conftest import MODELS_DIR, REPO_ROOT, TESTDATA_DIR
from tests.support.browser import FAKE_WEBCAM_640, SKETCHES

NAMESPACE = "from pyposenet._browser.sketch import current_bridge\nns = current_bridge().runner.namespace\n"
DEFAULT_SKETCH = REPO_ROOT / "pyposenet" / "examples" / "webcam_skeleton.py"
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_url(url: str, process: subprocess.Popen, timeout_s: float = START_TIMEOUT_S) -> None:
    """Until `url` answers 200 (or fail with the process's output if it exits)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited ({process.returncode}): {process.stdout.read() if process.stdout else ''}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {timeout_s} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_python(watch, condition: str, timeout_ms: int = 90_000) -> None:
    """Until the Python expression `condition` (with `ns`, the sketch's namespace) holds in the page."""
    deadline = time.monotonic() + timeout_ms / 1000
    code = NAMESPACE + f"bool({condition})"
    while time.monotonic() < deadline:
        if watch.page.evaluate(
            "(code) => Boolean(window.pyposenet && window.pyposenet.bridge "
            "&& window.pyposenet.pyodide.runPython(code))",
            code,
        ):
            return
        time.sleep(0.25)
    pytest.fail(f"{condition} did not hold within {timeout_ms / 1000} s")


def assert_skeleton(watch) -> None:
    """The default sketch's dancer gets a skeleton: poses with most keypoints found, drawn on the canvas."""
    watch.wait_for_status("running")
    wait_python(watch, "len(ns['poses']) > 0 and sum(k.score > 0.5 for k in ns['poses'][0].pose.keypoints) >= 10")
    red = watch.page.evaluate(
        "() => { const c = document.querySelector('#sketch canvas'); const d = c.getContext('2d')"
        ".getImageData(0, 0, c.width, c.height).data; let n = 0;"
        " for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] < 60 && d[i + 2] < 60) n++; return n; }"
    )
    assert red > 100, f"only {red} red pixels: no skeleton drawn"


def requests_outside(watch, prefix: str) -> list[str]:
    return [
        url for url in watch.requests if urlsplit(url).scheme not in ("data", "blob") and not url.startswith(prefix)
    ]


# ------------------------------------------------------------------------------------- static export


@pytest.fixture(scope="module")
def static_host(tmp_path_factory):
    """`python -m http.server` (not our Flask) over a folder: (folder, base URL)."""
    root = tmp_path_factory.mktemp("static-host")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    (root / "up.txt").write_text("up")
    wait_for_url(f"http://127.0.0.1:{port}/up.txt", process)
    yield root, f"http://127.0.0.1:{port}/"
    stop(process)


def test_an_export_runs_on_a_plain_static_host(static_host, tmp_path, open_page):
    root, base = static_host
    sketch_dir = tmp_path / "dance"
    sketch_dir.mkdir()
    shutil.copy(DEFAULT_SKETCH, sketch_dir / "sketch.py")
    report = export_sketch(sketch_dir / "sketch.py", root / "site" / "dance", models_dir=MODELS_DIR, base_url=None)
    assert (root / "site" / "dance" / "index.html").is_file() and report.files > 20
    # served from a sub-folder, as GitHub Pages serves a project: every URL must be relative
    watch = open_page(f"{base}site/dance/?backend=wasm", FAKE_WEBCAM_640)
    assert_skeleton(watch)
    assert requests_outside(watch, f"{base}site/dance/") == []
    meta = watch.page.eval_on_selector('meta[http-equiv="Content-Security-Policy"]', "m => m.content")
    assert "script-src 'self' 'wasm-unsafe-eval'" in meta and "frame-ancestors" not in meta
    assert watch.page_errors == []


def test_an_export_names_a_model_it_left_out(static_host, tmp_path, open_page):
    root, base = static_host
    sketch_dir = tmp_path / "half"
    sketch_dir.mkdir()
    (sketch_dir / "half.py").write_text(
        "from pyposenet import poseNet\n\ndef setup():\n    createCanvas(100, 100)\n"
        "    net = poseNet({'multiplier': 0.5})\n"
    )
    export_sketch(sketch_dir / "half.py", root / "half", models_dir=MODELS_DIR, base_url=None)
    watch = open_page(f"{base}half/?backend=wasm")
    watch.page.wait_for_selector("#error", state="visible", timeout=90_000)
    details = watch.page.inner_text("#error")
    assert "savedmodel/posenet/mobilenet/float/050/model-stride16.json is not in this export" in details
    assert (
        "pyposenet export SKETCH.py --out DIR --model savedmodel/posenet/mobilenet/float/050/model-stride16.json"
        in details
    )
    assert requests_outside(watch, f"{base}half/") == []


def test_an_export_opened_as_a_file_says_to_serve_it(tmp_path, open_page):
    out = tmp_path / "site"
    export_sketch(SKETCHES / "blank.py", out, models_dir=MODELS_DIR, base_url=None)
    watch = open_page((out / "index.html").as_uri())
    watch.page.wait_for_selector("#error", state="visible", timeout=10_000)
    assert watch.page.inner_text("#error-title") == "this page must be served, not opened as a file"
    assert "python -m http.server" in watch.page.inner_text("#error-details")


# ---------------------------------------------------------------------------------- relative URLs


@pytest.fixture
def relative_sketch(tmp_path) -> Path:
    """tests/e2e/sketches/relative_urls.py with data.json, starter.png and notes/hello.txt beside it."""
    folder = tmp_path / "relative"
    (folder / "notes").mkdir(parents=True)
    shutil.copy(SKETCHES / "relative_urls.py", folder / "relative_urls.py")
    shutil.copy(TESTDATA_DIR / "images" / "starter.png", folder / "starter.png")
    (folder / "data.json").write_text('{"answer": 42}')
    (folder / "notes" / "hello.txt").write_text("hello from beside the sketch\n")
    return folder / "relative_urls.py"


EXPECTED_FOUND = {"loadJSON": 42, "fetch": 42, "pyfetch": "hello from beside the sketch"}


def check_relative_urls(watch) -> None:
    wait_python(watch, "len(ns['found']) == 4", timeout_ms=60_000)
    found = watch.python(NAMESPACE + "import json\njson.dumps(ns['found'])")
    found = json.loads(found)
    width, height = found.pop("img")
    assert found == EXPECTED_FOUND
    assert width > 100 and height > 100  # starter.png, decoded


def test_relative_urls_find_the_files_beside_a_served_sketch(serve, relative_sketch, open_page):
    watch = open_page(serve(relative_sketch) + "/?backend=wasm")
    check_relative_urls(watch)


def test_relative_urls_find_the_files_beside_an_exported_sketch(static_host, relative_sketch, open_page):
    root, base = static_host
    export_sketch(relative_sketch, root / "relative", models_dir=MODELS_DIR, base_url=None)
    watch = open_page(f"{base}relative/?backend=wasm")
    check_relative_urls(watch)
    assert requests_outside(watch, f"{base}relative/") == []


# ------------------------------------------------------------------------------------ installed wheel


@pytest.fixture(scope="module")
def installed_app(tmp_path_factory) -> dict:
    """The wheel built from the package alone, installed into a fresh venv; an environment without node."""
    work = tmp_path_factory.mktemp("installed")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    shutil.copytree(REPO_ROOT / "pyposenet", source / "pyposenet", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(work / "dist"),
            str(source),
        ],
        check=True,
        timeout=300,
    )
    wheels = list((work / "dist").glob("pyposenet-*.whl"))
    assert len(wheels) == 1
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", str(wheels[0])],
        check=True,
        timeout=600,
    )
    shutil.rmtree(source)  # nothing of a checkout left to lean on
    env = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYPOSENET_MODELS", "VIRTUAL_ENV")
    }
    env["PATH"] = str(venv / "bin")  # no node, no npm: only the venv's own commands
    env["PYPOSENET_CACHE"] = str(work / "cache")
    assert shutil.which("node", path=env["PATH"]) is None
    sketch_dir = work / "my-sketch"
    sketch_dir.mkdir()
    shutil.copy(DEFAULT_SKETCH, sketch_dir / "sketch.py")
    return {"venv": venv, "env": env, "sketch": sketch_dir / "sketch.py", "wheel": wheels[0], "cwd": work}


def test_the_installed_wheel_holds_the_whole_app(installed_app):
    where = subprocess.run(
        [
            str(installed_app["venv"] / "bin" / "python"),
            "-c",
            "import pyposenet, pathlib; print(pathlib.Path(pyposenet.__file__).parent)",
        ],
        env=installed_app["env"],
        cwd=installed_app["cwd"],
        capture_output=True,
        text=True,
        check=True,
    )
    package = Path(where.stdout.strip())
    assert "site-packages" in package.parts and not package.is_relative_to(REPO_ROOT)
    assert (package / "web" / "vendor" / "pyodide" / "pyodide.asm.wasm").is_file()
    assert (package / "web" / "vendor" / "@tensorflow" / "tfjs" / "dist" / "tf.min.js").is_file()


def run_installed(installed_app: dict, command: str, *args: object) -> subprocess.Popen:
    """`command` (a script of the installed venv) with `args`, in the app's bare environment, output piped."""
    return subprocess.Popen(
        [str(installed_app["venv"] / "bin" / command), *map(str, args)],
        env=installed_app["env"],
        cwd=installed_app["cwd"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_pyposenet_serve_from_the_installed_wheel_draws_the_skeleton(installed_app, open_page):
    process = run_installed(
        installed_app,
        "pyposenet",
        "serve",
        installed_app["sketch"],
        "--models",
        MODELS_DIR,
        "--production",
        "--port",
        "0",
    )
    try:
        line = process.stdout.readline()
        match = re.search(r"at (http://127\.0\.0\.1:\d+)/", line)
        assert match, f"no URL announced: {line!r}"
        url = match.group(1)
        watch = open_page(f"{url}/?backend=wasm", FAKE_WEBCAM_640)
        assert_skeleton(watch)
        assert watch.outside_requests() == []
    finally:
        stop(process)


def test_python_m_pyposenet_serve_from_the_installed_wheel(installed_app):
    port = free_port()
    process = run_installed(
        installed_app,
        "python",
        "-m",
        "pyposenet",
        "serve",
        installed_app["sketch"],
        "--models",
        MODELS_DIR,
        "--port",
        port,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_url(base + "/", process)
        with urllib.request.urlopen(base + "/pyposenet/app-config.json", timeout=30) as response:
            config = json.load(response)
        assert config["sketch"] == {"name": "sketch.py", "url": "sketch.py"}
        with urllib.request.urlopen(f"{base}/{config['wheel']}", timeout=30) as response:
            assert response.read(2) == b"PK"
        for path in (
            "pyposenet/web/vendor/pyodide/python_stdlib.zip",
            "sketch.py",
            "pyposenet/models/savedmodel/posenet/mobilenet/float/075/model-stride16.json",
        ):
            with urllib.request.urlopen(f"{base}/{path}", timeout=30) as response:
                assert response.status == 200, path
    finally:
        stop(process)
