"""pyposenet.server: the page and its URL layout, model lookup/download, the front-end files, path safety,
the browser wheel, config, and `pyposenet serve`.

Everything runs through Flask's real test client on real files; downloads go to a local
http.server on 127.0.0.1 (or a closed localhost port for the failure path).
"""

import argparse
import base64
import csv
import hashlib
import html
import http.server
import io
import logging
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

import pyposenet
from pyposenet import cli
from pyposenet.models import is_model_name
from pyposenet.server import browser_wheel, create_app, serve
from pyposenet.server import config as server_config
from pyposenet.server.files import resolve_inside
from pyposenet.server.front_end import FRONT_END_FILES
from pyposenet.server.page import APP_FOLDER, CSP_MARKER, RESERVED_NAMES, app_config
from pyposenet.server.security import CONTENT_SECURITY_POLICY, meta_policy

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = REPO_ROOT / "pyposenet"

MODEL_075 = "savedmodel/posenet/mobilenet/float/075/model-stride16.json"
SHARD_075 = "savedmodel/posenet/mobilenet/float/075/group1-shard1of2.bin"
MODEL_075_SHA256 = "dd63bf2d3b983e8c80020749f135164beda00a33374c8a7be230b9598f24f798"
WHEEL_NAME = f"pyposenet-{pyposenet.__version__}-py3-none-any.whl"
WHEEL_URL = f"/pyposenet/wheel/{WHEEL_NAME}"
# What the page never needs: none of it may be in the browser wheel.
NOT_IN_THE_BROWSER = (
    "pyposenet/server/",
    "pyposenet/_host/",
    "pyposenet/convert/",
    "pyposenet/models/",
    "pyposenet/examples/",
    "pyposenet/web/",
    "pyposenet/cli.py",
    "pyposenet/__main__.py",
    "pyposenet/export.py",
)


# ----------------------------------------------------------------------- helpers


class FakeModelStorage:
    """A local stand-in for storage.googleapis.com/tfjs-models/ that counts requests."""

    def __init__(self, files: dict[str, bytes], delay_s: float = 0.0):
        self.files, self.delay_s, self.hits = files, delay_s, []
        storage = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                storage.hits.append(self.path)
                time.sleep(storage.delay_s)
                body = storage.files.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/tfjs-models/"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def wheel_names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def copy_package(dest: Path) -> Path:
    """A copy of the real pyposenet/ source tree (no bytecode, no front-end files)."""
    shutil.copytree(PACKAGE_DIR, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "vendor"))
    return dest


@pytest.fixture
def build_count(monkeypatch) -> list:
    """Spy on browser_wheel.build_browser_wheel: the list grows by one per real build."""
    calls, real = [], browser_wheel.build_browser_wheel

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(browser_wheel, "build_browser_wheel", spy)
    return calls


@pytest.fixture
def real_web_client(config):
    """The app with the package's own web folder (front-end files in web/vendor/)."""
    missing = [name for name in FRONT_END_FILES if not (PACKAGE_DIR / "web" / "vendor" / name).is_file()]
    if missing:
        pytest.fail(f"pyposenet/web/vendor/ lacks {', '.join(missing)}: run `make setup`")
    return create_app({k: v for k, v in config.items() if k != "WEB_DIR"}).test_client()


# ------------------------------------------------------------------ page & headers


@pytest.mark.parametrize("url", ["/", "/index.html"])
def test_the_page_is_web_index_html_with_the_policy(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert b"<title>pyposenet</title>" in response.data
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-cache"
    assert CSP_MARKER.encode() not in response.data  # replaced by the <meta>


def test_the_page_meta_policy_is_the_header_policy_without_frame_ancestors(client):
    response = client.get("/")
    header = response.headers["Content-Security-Policy"]
    assert header == CONTENT_SECURITY_POLICY and "frame-ancestors 'none'" in header
    metas = re.findall(
        r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', response.get_data(as_text=True)
    )
    assert len(metas) == 1
    meta = html.unescape(metas[0])
    assert meta == meta_policy(header)
    assert "frame-ancestors" not in meta
    assert [d for d in header.split("; ") if not d.startswith("frame-ancestors")] == meta.split("; ")


def test_the_page_meta_follows_a_configured_policy(config):
    policy = "default-src 'self'; frame-ancestors 'self'; report-uri /csp; img-src 'self' data:"
    page = create_app({**config, "CONTENT_SECURITY_POLICY": policy}).test_client().get("/").get_data(as_text=True)
    assert f'content="{html.escape(meta_policy(policy))}"' in page
    assert meta_policy(policy) == "default-src 'self'; img-src 'self' data:"


def test_the_page_without_the_marker_fails_loudly(config, web_dir):
    (web_dir / "index.html").write_text("<!doctype html><title>no marker</title>")
    app = create_app(config)
    app.config["TESTING"] = False
    response = app.test_client().get("/")
    assert response.status_code == 500


def test_the_page_urls_are_all_relative(client):
    page = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "pyposenet/web/boot.js" in urls
    for url in urls:
        assert not url.startswith("/") and "://" not in url, url
        if not url.startswith("data:"):
            assert url.startswith(f"{APP_FOLDER}/web/"), url


def test_web_files_served_with_javascript_mime(client):
    response = client.get("/pyposenet/web/main.mjs")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript"
    assert client.get("/pyposenet/web/missing.js").status_code == 404
    assert client.get("/web/main.mjs").status_code == 404  # the old route: gone


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/pyposenet/web/main.mjs",
        "/pyposenet/web/nope",
        "/pyposenet/web/vendor/pyodide/pyodide.js",
        "/no-such-route",
    ],
)
def test_every_response_has_nosniff(client, url):
    assert client.get(url).headers["X-Content-Type-Options"] == "nosniff"


# ------------------------------------------------------------ reserved names


@pytest.mark.parametrize(
    "name", ["api/x", "api/pose", "pyposenet/x", "pyposenet/web/main.mjs", "pyposenet/app-config.json", "index.html"]
)
def test_a_sketch_folders_files_by_reserved_names_are_not_served(client, sketch_dir, name):
    write(sketch_dir / name, "the sketch folder's own file")
    response = client.get(f"/{name}")
    assert b"the sketch folder's own file" not in response.data
    if name == "index.html":
        assert b"<title>pyposenet</title>" in response.data  # the page, not the file
    elif name == "api/pose":
        assert response.status_code == 405  # POST /api/pose
    elif name == "pyposenet/web/main.mjs":
        assert response.data == b"export const x = 1;\n"  # the app's web folder's file
    elif name == "pyposenet/app-config.json":
        assert response.json["sketch"]["name"] == "my_sketch.py"
    else:
        assert response.status_code == 404


def test_reserved_names():
    assert set(RESERVED_NAMES) == {"pyposenet", "index.html", "api"}


@pytest.mark.parametrize(
    "url",
    [
        "/pyposenet/unknown",
        "/pyposenet/",
        "/pyposenet/sketch/my_sketch.py",
        "/pyposenet/vendor/pyodide/pyodide.js",
        "/pyposenet/my_sketch.py",
        "/pyposenet/wheel/",
        "/pyposenet/models/",
    ],
)
def test_unknown_app_folder_urls_404(client, url):
    assert client.get(url).status_code == 404


# -------------------------------------------------------------------------- models


def test_models_served_from_the_shared_models_folder(models_dir, config):
    client = create_app({**config, "MODELS_DIR": models_dir}).test_client()
    response = client.get(f"/pyposenet/models/{MODEL_075}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert hashlib.sha256(response.data).hexdigest() == MODEL_075_SHA256
    shard = client.get(f"/pyposenet/models/{SHARD_075}")
    assert shard.status_code == 200
    assert len(shard.data) == (models_dir / SHARD_075).stat().st_size
    assert client.get(f"/models/{MODEL_075}").status_code == 404  # the old route: gone


def test_models_served_from_a_tmp_models_dir(app, client):
    write(app.config["MODELS_DIR"] / "savedmodel/m/model.json", '{"format": "graph-model"}')
    response = client.get("/pyposenet/models/savedmodel/m/model.json")
    assert response.status_code == 200
    assert response.json == {"format": "graph-model"}


def test_models_models_dir_wins_over_cache(app, client):
    write(app.config["MODELS_DIR"] / "m/model.json", "{}")
    write(app.config["MODEL_CACHE_DIR"] / "m/model.json", '{"from": "cache"}')
    assert client.get("/pyposenet/models/m/model.json").json == {}


def test_models_cache_hit_needs_no_download(app, client):
    # MODEL_BASE_URL is a closed port: this only passes if the cache is used
    write(app.config["MODEL_CACHE_DIR"] / "m/group1-shard1of1.bin", b"\x00\x01weights")
    response = client.get("/pyposenet/models/m/group1-shard1of1.bin")
    assert response.status_code == 200
    assert response.data == b"\x00\x01weights"


def test_models_downloaded_once_into_the_cache(config):
    with FakeModelStorage({f"/tfjs-models/{MODEL_075}": b'{"downloaded": true}'}) as storage:
        app = create_app({**config, "MODEL_BASE_URL": storage.base_url})
        client = app.test_client()
        first = client.get(f"/pyposenet/models/{MODEL_075}")
        assert first.status_code == 200
        assert first.json == {"downloaded": True}
        cached = app.config["MODEL_CACHE_DIR"] / MODEL_075
        assert cached.read_bytes() == b'{"downloaded": true}'
        assert [p.name for p in cached.parent.iterdir()] == ["model-stride16.json"]  # no temp files left

        second = client.get(f"/pyposenet/models/{MODEL_075}")
        assert second.status_code == 200 and second.json == {"downloaded": True}
        # a fresh app sharing the cache doesn't download either
        assert (
            create_app({**config, "MODEL_BASE_URL": storage.base_url})
            .test_client()
            .get(f"/pyposenet/models/{MODEL_075}")
            .status_code
            == 200
        )
    assert storage.hits == [f"/tfjs-models/{MODEL_075}"]


def test_models_concurrent_requests_download_once(config):
    with FakeModelStorage({"/tfjs-models/m/w.bin": b"w" * 1000}, delay_s=0.3) as storage:
        app = create_app({**config, "MODEL_BASE_URL": storage.base_url})
        results = []

        def fetch():
            results.append(app.test_client().get("/pyposenet/models/m/w.bin").status_code)

        threads = [threading.Thread(target=fetch) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == [200] * 4
    assert storage.hits == ["/tfjs-models/m/w.bin"]


def test_models_download_failure_names_file_and_places_looked(app, client, caplog):
    caplog.set_level(logging.WARNING)
    response = client.get(f"/pyposenet/models/{MODEL_075}")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert f"model file '{MODEL_075}' not found" in body
    assert f"not in models directory {app.config['MODELS_DIR']}" in body
    assert f"not in cache {app.config['MODEL_CACHE_DIR']}" in body
    assert f"download from {app.config['MODEL_BASE_URL']}{MODEL_075} failed: " in body
    assert "refused" in body.lower()
    assert MODEL_075 in caplog.text and "failed" in caplog.text
    assert not app.config["MODEL_CACHE_DIR"].exists()  # nothing created on failure


def test_models_download_http_error_reported(config):
    with FakeModelStorage({}) as storage:
        client = create_app({**config, "MODEL_BASE_URL": storage.base_url}).test_client()
        response = client.get("/pyposenet/models/m/absent.json")
    assert response.status_code == 404
    assert "failed: HTTP 404" in response.get_data(as_text=True)
    assert not Path(config["MODEL_CACHE_DIR"]).exists()


def test_models_with_no_models_dir_still_use_cache_and_say_so(config, monkeypatch):
    monkeypatch.setattr(server_config, "default_models_dir", lambda: None)
    app = create_app({**config, "MODELS_DIR": None})
    assert app.config["MODELS_DIR"] is None
    body = app.test_client().get("/pyposenet/models/m/x.json").get_data(as_text=True)
    assert "no models directory configured" in body and "not in cache" in body


def test_models_without_a_base_url_are_never_downloaded(config):
    with FakeModelStorage({"/tfjs-models/m/x.json": b"{}"}) as storage:
        client = create_app({**config, "MODEL_BASE_URL": None}).test_client()
        response = client.get("/pyposenet/models/m/x.json")
    assert response.status_code == 404
    assert "downloads disabled" in response.get_data(as_text=True)
    assert storage.hits == []


@pytest.mark.parametrize(
    "name",
    [
        "m/notes.txt",
        "m/model.json.part",
        "m/evil.py",
        "m/model",
        "m/a b.json",
        "m/x.json;rm",
        "m\\x.json",
        "m/./x.json",
    ],
)
def test_models_only_json_and_bin_are_fetched(config, name):
    write(Path(config["MODELS_DIR"]) / name, "present but not a model file")
    with FakeModelStorage({f"/tfjs-models/{name}": b"x"}) as storage:
        client = create_app({**config, "MODEL_BASE_URL": storage.base_url}).test_client()
        response = client.get(f"/pyposenet/models/{name}")
    assert response.status_code == 404
    assert "not found:" not in response.get_data(as_text=True)
    assert storage.hits == []


# ---------------------------------------------------- front-end files (web/vendor/)


def test_front_end_serves_pyodide_wasm(real_web_client):
    response = real_web_client.get("/pyposenet/web/vendor/pyodide/pyodide.asm.wasm")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/wasm"
    assert response.data[:4] == b"\x00asm"


@pytest.mark.parametrize("path", [p for p in FRONT_END_FILES if p.endswith(".js")])
def test_front_end_scripts_served_as_javascript(real_web_client, path):
    response = real_web_client.get(f"/pyposenet/web/vendor/{path}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript"
    assert response.data == (PACKAGE_DIR / "web" / "vendor" / path).read_bytes()


@pytest.mark.parametrize(
    "url",
    [
        # node_modules is never served: only the copied files, under pyposenet/web/vendor/
        "/vendor/pyodide/pyodide.js",
        "/node_modules/pyodide/pyodide.js",
        "/pyposenet/vendor/pyodide/pyodide.js",
        "/pyposenet/web/vendor/yargs/index.cjs",
        "/pyposenet/web/vendor/p5/package.json",
        "/pyposenet/web/vendor/pyodide",
        "/pyposenet/web/vendor/@tensorflow/tfjs/package.json",
        "/pyposenet/web/vendor/@tensorflow/tfjs-core/dist/tf-core.min.js",
        "/pyposenet/web/vendor/@tensorflow-models/posenet/dist/posenet.min.js",
        "/pyposenet/web/vendor/pyodide/../../index.html",
        "/pyposenet/web/vendor/pyodide/%2e%2e/p5/package.json",
        "/pyposenet/web/vendor/p5/lib/../package.json",
    ],
)
def test_files_not_copied_from_node_modules_404(real_web_client, url):
    assert real_web_client.get(url).status_code == 404


# ------------------------------------------------------------------ path traversal


TRAVERSALS = [
    "../{f}",
    "%2e%2e/{f}",
    "%2E%2E%2F{f}",
    "sub/../../{f}",
    "..%5c{f}",
    "./../{f}",
    "{abs}",
    "%2F{rel}",
    "%2f%2e%2e%2f{f}",
]


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file next to (outside) every served folder."""
    return write(tmp_path / "secret.json", '{"secret": true}')


@pytest.mark.parametrize("pattern", TRAVERSALS)
@pytest.mark.parametrize(
    "route", ["", "pyposenet/models", "pyposenet/web", "pyposenet/web/vendor", "pyposenet/examples", "sub"]
)
def test_traversal_attempts_404(config, secret, route, pattern):
    with FakeModelStorage({}) as storage:
        client = create_app({**config, "MODEL_BASE_URL": storage.base_url}).test_client()
        prefix = f"/{route}/" if route else "/"
        url = prefix + pattern.format(f=secret.name, abs=secret, rel=str(secret).lstrip("/"))
        response = client.get(url)
    assert response.status_code == 404, url
    assert b"secret" not in response.data
    assert storage.hits == []  # never turned into a download


@pytest.mark.parametrize(
    "route,folder_key",
    [
        ("", None),
        ("pyposenet/models", "MODELS_DIR"),
        ("pyposenet/web", "WEB_DIR"),
        ("pyposenet/examples", "EXAMPLES_DIR"),
    ],
)
def test_symlinks_out_of_the_root_404(config, secret, route, folder_key):
    folder = Path(config[folder_key]) if folder_key else Path(config["SKETCH"]).parent
    (folder / "link.json").symlink_to(secret)
    (folder / "linkdir").symlink_to(secret.parent, target_is_directory=True)
    client = create_app(config).test_client()
    prefix = f"/{route}/" if route else "/"
    assert client.get(f"{prefix}link.json").status_code == 404
    assert client.get(f"{prefix}linkdir/secret.json").status_code == 404


def test_model_names():
    assert is_model_name(MODEL_075) and is_model_name("m/group1-shard1of2.bin")
    for bad in ["../x.json", "a/../x.json", "/x.json", "a//x.json", "a\\x.json", "x.txt", "a/./x.bin", "x.json?"]:
        assert not is_model_name(bad), bad


def test_resolve_inside():
    root = PACKAGE_DIR / "web"
    assert resolve_inside(root, "a/b.js") == (root / "a/b.js").resolve()
    for bad in ["../x", "a/../../x", "/etc/passwd", "..", "a/../.."]:
        assert resolve_inside(root, bad) is None, bad
    assert resolve_inside(None, "x") is None


# ---------------------------------------------------------------- sketch & examples


def test_sketch_and_its_assets_served_at_the_pages_level(client):
    sketch = client.get("/my_sketch.py")
    assert sketch.status_code == 200
    assert sketch.headers["Content-Type"] == "text/x-python; charset=utf-8"
    assert b"def setup" in sketch.data
    image = client.get("/runner.jpg")
    assert image.status_code == 200
    assert image.mimetype == "image/jpeg"
    assert image.data.endswith(b"fake-jpeg")
    assert client.get("/missing.png").status_code == 404
    assert client.get("/sketch/my_sketch.py").status_code == 404  # the old route: gone


def test_sketch_subfolders_served(client, sketch_dir):
    write(sketch_dir / "data" / "poses.json", '{"poses": []}')
    write(sketch_dir / "assets" / "img" / "a b.png", b"\x89PNG fake")
    response = client.get("/data/poses.json")
    assert response.status_code == 200 and response.json == {"poses": []}
    assert client.get("/assets/img/a%20b.png").data == b"\x89PNG fake"
    assert client.get("/data/").status_code == 404  # folders are not listed
    assert client.get("/data").status_code == 404


def test_sketch_dot_files_never_served(client, sketch_dir):
    write(sketch_dir / ".env", "SECRET=1")
    write(sketch_dir / ".git" / "config", "[core]")
    write(sketch_dir / "data" / ".hidden.json", "{}")
    for url in ("/.env", "/.git/config", "/data/.hidden.json", "/%2eenv"):
        assert client.get(url).status_code == 404, url


def test_examples_served_from_the_examples_folder(client):
    response = client.get("/pyposenet/examples/webcam_skeleton.py")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/x-python; charset=utf-8"
    assert response.data == b"# webcam example\n"
    assert client.get("/pyposenet/examples/nope.py").status_code == 404
    assert client.get("/examples/webcam_skeleton.py").status_code == 404  # the old route: gone


# ------------------------------------------------------------------- app config


def test_app_config_json(client):
    response = client.get("/pyposenet/app-config.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Content-Type"] == "application/json"
    assert response.json == {
        "sketch": {"name": "my_sketch.py", "url": "my_sketch.py"},
        "wheel": f"pyposenet/wheel/{WHEEL_NAME}",
        "examples": ["image_single_pose.py", "webcam_skeleton.py"],
        "static": False,
        "models": None,
    }
    wheel = client.get("/" + response.json["wheel"])  # relative to the page at /
    assert wheel.status_code == 200
    assert client.get("/app-config.json").status_code == 404  # the old route: gone


def test_app_config_quotes_the_sketch_name(config, sketch_dir):
    sketch = write(sketch_dir / "my sketch#1.py", "def setup():\n    pass\n")
    client = create_app({**config, "SKETCH": sketch}).test_client()
    entry = client.get("/pyposenet/app-config.json").json["sketch"]
    assert entry == {"name": "my sketch#1.py", "url": "my%20sketch%231.py"}
    assert client.get("/" + entry["url"]).data == sketch.read_bytes()


def test_app_config_for_an_export():
    config = app_config("s.py", "pyposenet-0.1.0-py3-none-any.whl", ["a.py"], ["savedmodel/m/model.json"])
    assert config["static"] is True and config["models"] == ["savedmodel/m/model.json"]


def test_app_config_without_examples_folder(config, examples_dir):
    shutil.rmtree(examples_dir)
    client = create_app(config).test_client()
    assert client.get("/pyposenet/app-config.json").json["examples"] == []


# ------------------------------------------------------------------------- wheel


def test_wheel_served_from_memory_and_built_once(client, build_count):
    response = client.get(WHEEL_URL)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Content-Length"] == str(len(response.data))
    assert "pyposenet/__init__.py" in wheel_names(response.data)
    assert client.get(WHEEL_URL).data == response.data
    assert client.get("/pyposenet/app-config.json").status_code == 200
    assert len(build_count) == 1
    assert client.get("/wheel/" + WHEEL_NAME).status_code == 404  # the old route: gone


def test_wheel_holds_only_the_browser_modules(client):
    names = wheel_names(client.get(WHEEL_URL).data)
    dist_info = f"pyposenet-{pyposenet.__version__}.dist-info/"
    assert sorted(n for n in names if n.startswith(dist_info)) == [
        dist_info + n for n in ("METADATA", "RECORD", "WHEEL")
    ]
    modules = sorted(n for n in names if not n.startswith(dist_info))
    expected = sorted(p.relative_to(REPO_ROOT).as_posix() for p in browser_wheel.browser_sources(PACKAGE_DIR))
    assert modules == expected
    for name in (
        "pyposenet/__init__.py",
        "pyposenet/options.py",
        "pyposenet/_browser/sketch.py",
        "pyposenet/decode/single.py",
        "pyposenet/sketch/runner.py",
    ):
        assert name in modules
    for name in modules:
        assert name.endswith(".py") and "__pycache__" not in name, name
        assert not name.startswith(NOT_IN_THE_BROWSER), name


def test_wheel_is_a_valid_wheel(client):
    data = client.get(WHEEL_URL).data
    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        assert wheel.testzip() is None
        dist_info = f"pyposenet-{pyposenet.__version__}.dist-info"
        metadata = wheel.read(f"{dist_info}/METADATA").decode()
        assert "Name: pyposenet\n" in metadata and f"Version: {pyposenet.__version__}\n" in metadata
        assert "Tag: py3-none-any" in wheel.read(f"{dist_info}/WHEEL").decode()
        rows = list(csv.reader(io.StringIO(wheel.read(f"{dist_info}/RECORD").decode())))
        assert sorted(r[0] for r in rows) == sorted(wheel.namelist())
        for name, digest, size in rows:
            if name.endswith("RECORD"):
                assert (digest, size) == ("", "")
                continue
            body = wheel.read(name)
            assert size == str(len(body))
            assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(body).digest()).rstrip(b"=").decode()


def test_wheel_modules_import_from_the_wheel_alone(client, tmp_path):
    """Without the checkout or site-packages on the path, the wheel's modules import (all but _browser,
    which needs Pyodide's `js`)."""
    wheel = write(tmp_path / WHEEL_NAME, client.get(WHEEL_URL).data)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import pyposenet, pyposenet.decode, pyposenet.sketch.runner, "
        "pyposenet.sketch.wrapping, pyposenet.options, pyposenet.tracking, pyposenet.smoothing; "
        "print(pyposenet.__file__)"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(wheel)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{wheel}/pyposenet/__init__.py"


def test_wheel_bytes_are_deterministic(tmp_path):
    first = browser_wheel.build_browser_wheel(PACKAGE_DIR)
    again = browser_wheel.build_browser_wheel(PACKAGE_DIR)
    assert first == again
    copy = copy_package(tmp_path / "pyposenet")
    for path in copy.rglob("*.py"):  # other mtimes, same sources: the same bytes
        path.touch()
    copied = browser_wheel.build_browser_wheel(copy)
    assert (copied.name, copied.data, copied.source_hash) == (first.name, first.data, first.source_hash)


def test_wheel_cache_rebuilds_only_after_a_browser_source_changes(tmp_path, build_count):
    package = copy_package(tmp_path / "pyposenet")
    cache = browser_wheel.WheelCache(package)
    first = cache.current()
    assert cache.current() is first
    assert len(build_count) == 1

    write(package / "__pycache__" / "options.cpython-311.pyc", b"bytecode")  # ignored
    write(package / "server" / "routes.py", "# not in the browser\n")  # not a browser module
    write(package / "server_only.py", "X = 1\n")
    assert cache.current() is first
    assert len(build_count) == 1

    write(package / "options.py", (package / "options.py").read_text() + "\nEDITED = True\n")
    edited = cache.current()
    assert len(build_count) == 2
    assert edited.name == first.name and edited.data != first.data
    with zipfile.ZipFile(io.BytesIO(edited.data)) as wheel:
        assert wheel.read("pyposenet/options.py").endswith(b"\nEDITED = True\n")

    write(package / "decode" / "new_module.py", "Y = 2\n")  # a new file in a browser subpackage
    names = wheel_names(cache.current().data)
    assert "pyposenet/decode/new_module.py" in names and "pyposenet/server_only.py" not in names
    assert len(build_count) == 3


def test_wheel_build_leaves_the_source_tree_untouched(tmp_path):
    package = copy_package(tmp_path / "pyposenet")
    before = sorted((p.relative_to(tmp_path), p.stat().st_mtime_ns) for p in tmp_path.rglob("*"))
    browser_wheel.WheelCache(package).current()
    assert sorted((p.relative_to(tmp_path), p.stat().st_mtime_ns) for p in tmp_path.rglob("*")) == before


def test_wheel_with_a_browser_module_missing_names_it(tmp_path):
    package = copy_package(tmp_path / "pyposenet")
    (package / "tracking.py").unlink()
    with pytest.raises(FileNotFoundError, match="tracking.py"):
        browser_wheel.WheelCache(package).current()


def test_wheel_concurrent_first_requests_build_once(app, build_count):
    statuses = []

    def fetch(url):
        statuses.append(app.test_client().get(url).status_code)

    urls = ["/pyposenet/app-config.json", WHEEL_URL] * 3
    threads = [threading.Thread(target=fetch, args=(u,)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * len(urls)
    assert len(build_count) == 1


def test_wheel_unknown_filename_404(client):
    assert client.get("/pyposenet/wheel/pyposenet-9.9.9-py3-none-any.whl").status_code == 404
    assert client.get("/pyposenet/wheel/..%2Fwheel.whl").status_code == 404


# ------------------------------------------------------------------------ config


def test_config_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("PYPOSENET_MODELS", raising=False)
    monkeypatch.setenv("PYPOSENET_CACHE", str(tmp_path / "c"))
    cfg = create_app().config
    assert cfg["MODEL_BASE_URL"] == "https://storage.googleapis.com/tfjs-models/"
    assert cfg["MODEL_CACHE_DIR"] == tmp_path / "c"
    assert cfg["EXAMPLES_DIR"] == PACKAGE_DIR / "examples"
    assert cfg["SKETCH"] == PACKAGE_DIR / "examples" / "webcam_skeleton.py"
    assert cfg["WEB_DIR"] == PACKAGE_DIR / "web"
    assert cfg["CONTENT_SECURITY_POLICY"] == CONTENT_SECURITY_POLICY
    for gone in ("REPO_ROOT", "PACKAGE_ROOT", "WHEEL_DIR", "VENDOR_DIR"):
        assert gone not in cfg
    shared = REPO_ROOT.parent / "shared" / "models"
    assert cfg["MODELS_DIR"] == (shared.absolute() if shared.is_dir() else None)


def test_config_models_and_cache_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PYPOSENET_MODELS", str(tmp_path / "m"))
    monkeypatch.delenv("PYPOSENET_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    cfg = create_app().config
    assert cfg["MODELS_DIR"] == tmp_path / "m"
    assert cfg["MODEL_CACHE_DIR"] == tmp_path / "home" / ".cache" / "pyposenet" / "models"


def test_config_examples_dir_moves_the_default_sketch(tmp_path):
    cfg = create_app({"EXAMPLES_DIR": tmp_path, "MODELS_DIR": tmp_path / "m"}).config
    assert cfg["EXAMPLES_DIR"] == tmp_path
    assert cfg["SKETCH"] == tmp_path / "webcam_skeleton.py"
    assert cfg["WEB_DIR"] == PACKAGE_DIR / "web"


# --------------------------------------------------------------------------- CLI


def serve_args(**kwargs) -> argparse.Namespace:
    defaults = {"sketch": None, "models": None, "host": "127.0.0.1", "port": 5000, "production": False, "threads": 8}
    return argparse.Namespace(**{**defaults, **kwargs})


def test_config_from_args():
    assert serve.config_from_args(serve_args()) == {}


def test_config_from_args_sketch_and_models(sketch_dir, tmp_path):
    args = serve_args(sketch=sketch_dir / "my_sketch.py", models=str(tmp_path))
    assert serve.config_from_args(args) == {"SKETCH": sketch_dir / "my_sketch.py", "MODELS_DIR": tmp_path}


@pytest.fixture
def fake_run(monkeypatch) -> list:
    """Replace Flask.run so `pyposenet serve` parses, builds the app and prints, but serves nothing."""
    runs = []
    monkeypatch.setattr(serve.Flask, "run", lambda app, **kw: runs.append((app, kw)))
    return runs


def test_serve_models_from_env(fake_run, monkeypatch, tmp_path):
    monkeypatch.setenv("PYPOSENET_MODELS", str(tmp_path))
    assert cli.main(["serve"]) == 0
    assert fake_run[0][0].config["MODELS_DIR"] == tmp_path


@pytest.mark.parametrize(
    "argv,message",
    [
        (["missing.py"], "does not exist"),
        (["{sketch_dir}/runner.jpg"], "is not a .py file"),
        (["{sketch_dir}"], "does not exist"),
        (["--models", "/no/such/models/dir"], "models folder"),
        (["--threads", "0"], "--threads must be at least 1"),
        (["--port", "http"], "invalid int value"),
        (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    ],
)
def test_serve_bad_arguments_exit_with_a_message(argv, message, sketch_dir, capsys, monkeypatch, fake_run):
    monkeypatch.delenv("PYPOSENET_MODELS", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve"] + [a.format(sketch_dir=sketch_dir) for a in argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert fake_run == []


def test_serve_runs_threaded_on_loopback(fake_run, sketch_dir, capsys):
    assert cli.main(["serve", str(sketch_dir / "my_sketch.py"), "--port", "5123"]) == 0
    ((app, kwargs),) = fake_run
    assert kwargs == {"host": "127.0.0.1", "port": 5123, "threaded": True}
    assert app.config["SKETCH"] == sketch_dir / "my_sketch.py"
    out, err = capsys.readouterr()
    assert "http://127.0.0.1:5123/" in out and str(sketch_dir / "my_sketch.py") in out
    assert "WARNING" not in err


def test_serve_warns_when_reachable_from_the_network(fake_run, sketch_dir, capsys):
    cli.main(["serve", str(sketch_dir / "my_sketch.py"), "--host", "0.0.0.0"])
    assert fake_run[0][1]["host"] == "0.0.0.0"
    assert "reachable from the network" in capsys.readouterr().err


def test_serve_exits_when_the_default_sketch_is_missing(fake_run, monkeypatch, tmp_path):
    monkeypatch.setattr(server_config, "EXAMPLES_DIR", tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve"])
    assert "webcam_skeleton.py" in str(exit_info.value.code)
    assert fake_run == []


def test_python_dash_m_pyposenet_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "pyposenet", "serve", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "--production" in result.stdout and "SKETCH.py" in result.stdout


@pytest.mark.parametrize(
    "host,loopback",
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.4", False),
        ("::", False),
        ("example.org", False),
    ],
)
def test_is_loopback(host, loopback):
    assert serve.is_loopback(host) is loopback
