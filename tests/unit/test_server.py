"""server.py: routes, model lookup/download, vendor allow-list, path safety, wheel builds, CLI.

Everything runs through Flask's real test client on real files; downloads go to a local
http.server on 127.0.0.1 (or a closed localhost port for the failure path).
"""
import hashlib
import http.server
import io
import logging
import shutil
import threading
import time
import zipfile
from pathlib import Path

import pytest

import server  # importable thanks to tests/unit/conftest.py

REPO_ROOT = Path(__file__).resolve().parents[2]

MODEL_075 = "savedmodel/posenet/mobilenet/float/075/model-stride16.json"
SHARD_075 = "savedmodel/posenet/mobilenet/float/075/group1-shard1of2.bin"
MODEL_075_SHA256 = "dd63bf2d3b983e8c80020749f135164beda00a33374c8a7be230b9598f24f798"
WHEEL_NAME = "pyposenet-0.1.0-py3-none-any.whl"


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


@pytest.fixture
def build_count(monkeypatch) -> list:
    """Spy on server.build_wheel: the list grows by one per real build."""
    calls, real = [], server.build_wheel

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(server, "build_wheel", spy)
    return calls


# ------------------------------------------------------------------ page & headers


def test_index_serves_web_index_html(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"<title>pyposenet</title>" in response.data
    assert response.mimetype == "text/html"


def test_web_files_served_with_javascript_mime(client):
    response = client.get("/web/main.mjs")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript"
    assert client.get("/web/missing.js").status_code == 404


@pytest.mark.parametrize("url", ["/", "/web/main.mjs", "/web/nope", "/vendor/yargs/index.js", "/no-such-route"])
def test_every_response_has_nosniff(client, url):
    assert client.get(url).headers["X-Content-Type-Options"] == "nosniff"


# -------------------------------------------------------------------------- models


def test_models_served_from_the_shared_models_folder(models_dir, config):
    client = server.create_app({**config, "MODELS_DIR": models_dir}).test_client()
    response = client.get(f"/models/{MODEL_075}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert hashlib.sha256(response.data).hexdigest() == MODEL_075_SHA256
    shard = client.get(f"/models/{SHARD_075}")
    assert shard.status_code == 200
    assert len(shard.data) == (models_dir / SHARD_075).stat().st_size


def test_models_served_from_a_tmp_models_dir(app, client):
    write(app.config["MODELS_DIR"] / "savedmodel/m/model.json", '{"format": "graph-model"}')
    response = client.get("/models/savedmodel/m/model.json")
    assert response.status_code == 200
    assert response.json == {"format": "graph-model"}


def test_models_models_dir_wins_over_cache(app, client):
    write(app.config["MODELS_DIR"] / "m/model.json", "{}")
    write(app.config["MODEL_CACHE_DIR"] / "m/model.json", '{"from": "cache"}')
    assert client.get("/models/m/model.json").json == {}


def test_models_cache_hit_needs_no_download(app, client):
    # MODEL_BASE_URL is a closed port: this only passes if the cache is used
    write(app.config["MODEL_CACHE_DIR"] / "m/group1-shard1of1.bin", b"\x00\x01weights")
    response = client.get("/models/m/group1-shard1of1.bin")
    assert response.status_code == 200
    assert response.data == b"\x00\x01weights"


def test_models_downloaded_once_into_the_cache(config):
    with FakeModelStorage({f"/tfjs-models/{MODEL_075}": b'{"downloaded": true}'}) as storage:
        app = server.create_app({**config, "MODEL_BASE_URL": storage.base_url})
        client = app.test_client()
        first = client.get(f"/models/{MODEL_075}")
        assert first.status_code == 200
        assert first.json == {"downloaded": True}
        cached = app.config["MODEL_CACHE_DIR"] / MODEL_075
        assert cached.read_bytes() == b'{"downloaded": true}'
        assert [p.name for p in cached.parent.iterdir()] == ["model-stride16.json"]  # no temp files left

        second = client.get(f"/models/{MODEL_075}")
        assert second.status_code == 200 and second.json == {"downloaded": True}
        # a fresh app sharing the cache doesn't download either
        assert server.create_app({**config, "MODEL_BASE_URL": storage.base_url}).test_client().get(
            f"/models/{MODEL_075}").status_code == 200
    assert storage.hits == [f"/tfjs-models/{MODEL_075}"]


def test_models_concurrent_requests_download_once(config):
    with FakeModelStorage({"/tfjs-models/m/w.bin": b"w" * 1000}, delay_s=0.3) as storage:
        app = server.create_app({**config, "MODEL_BASE_URL": storage.base_url})
        results = []

        def fetch():
            results.append(app.test_client().get("/models/m/w.bin").status_code)

        threads = [threading.Thread(target=fetch) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == [200] * 4
    assert storage.hits == ["/tfjs-models/m/w.bin"]


def test_models_download_failure_names_file_and_places_looked(app, client, caplog):
    caplog.set_level(logging.WARNING)
    response = client.get(f"/models/{MODEL_075}")
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
        client = server.create_app({**config, "MODEL_BASE_URL": storage.base_url}).test_client()
        response = client.get("/models/m/absent.json")
    assert response.status_code == 404
    assert "failed: HTTP 404" in response.get_data(as_text=True)
    assert not Path(config["MODEL_CACHE_DIR"]).exists()


def test_models_with_no_models_dir_still_use_cache_and_say_so(config, monkeypatch, tmp_path):
    monkeypatch.setattr(server, "default_models_dir", lambda repo: None)
    app = server.create_app({**config, "MODELS_DIR": None})
    body = app.test_client().get("/models/m/x.json").get_data(as_text=True)
    assert "no models directory configured" in body and "not in cache" in body


@pytest.mark.parametrize("name", ["m/notes.txt", "m/model.json.part", "m/evil.py", "m/model",
                                  "m/a b.json", "m/x.json;rm", "m\\x.json", "m/./x.json"])
def test_models_only_json_and_bin_are_fetched(config, name):
    write(Path(config["MODELS_DIR"]) / name, "present but not a model file")
    with FakeModelStorage({f"/tfjs-models/{name}": b"x"}) as storage:
        client = server.create_app({**config, "MODEL_BASE_URL": storage.base_url}).test_client()
        response = client.get(f"/models/{name}")
    assert response.status_code == 404
    assert "not found:" not in response.get_data(as_text=True)
    assert storage.hits == []


# -------------------------------------------------------------------------- vendor


def test_vendor_serves_pyodide_wasm(client):
    response = client.get("/vendor/pyodide/pyodide.asm.wasm")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/wasm"
    assert response.data[:4] == b"\x00asm"


@pytest.mark.parametrize("path", [
    "pyodide/pyodide.mjs",
    "@tensorflow/tfjs/dist/tf.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js",
    "@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js",
    "p5/lib/p5.min.js",
    "@tensorflow-models/posenet/dist/posenet.min.js",
])
def test_vendor_allow_listed_scripts(client, path):
    if not (REPO_ROOT / "node_modules" / path).is_file():
        pytest.skip(f"node_modules/{path} not installed")
    response = client.get(f"/vendor/{path}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript"


@pytest.mark.parametrize("path", [
    "yargs/index.cjs",
    "p5/package.json",
    "pyodide",
    "@tensorflow/tfjs/package.json",
    "@tensorflow/tfjs-core/dist/tf-core.min.js",
    "@tensorflow/tfjs-backend-wasm/package.json",
    "@tensorflow-models/posenet/package.json",
    "pyodide/../yargs/package.json",
    "pyodide/%2e%2e/p5/package.json",
    "p5/lib/../package.json",
])
def test_vendor_paths_outside_the_allow_list_404(client, path):
    assert client.get(f"/vendor/{path}").status_code == 404


def test_vendor_symlink_escaping_its_prefix_404(config, tmp_path):
    vendor = tmp_path / "node_modules"
    write(vendor / "pyodide/pyodide.mjs", "export {};")
    write(tmp_path / "outside.js", "secret")
    (vendor / "pyodide/leak.js").symlink_to(tmp_path / "outside.js")
    client = server.create_app({**config, "VENDOR_DIR": vendor}).test_client()
    assert client.get("/vendor/pyodide/pyodide.mjs").status_code == 200
    assert client.get("/vendor/pyodide/leak.js").status_code == 404


# ------------------------------------------------------------------ path traversal


TRAVERSALS = ["../{f}", "%2e%2e/{f}", "%2E%2E%2F{f}", "sub/../../{f}", "..%5c{f}", "./../{f}",
              "{abs}", "%2F{rel}", "%2f%2e%2e%2f{f}"]


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file next to (outside) every served folder."""
    return write(tmp_path / "secret.json", '{"secret": true}')


@pytest.mark.parametrize("pattern", TRAVERSALS)
@pytest.mark.parametrize("route", ["sketch", "models", "vendor", "web", "examples"])
def test_traversal_attempts_404(config, secret, route, pattern):
    with FakeModelStorage({}) as storage:
        client = server.create_app({**config, "MODEL_BASE_URL": storage.base_url}).test_client()
        url = f"/{route}/" + pattern.format(f=secret.name, abs=secret, rel=str(secret).lstrip("/"))
        response = client.get(url)
    assert response.status_code == 404, url
    assert b"secret" not in response.data
    assert storage.hits == []  # never turned into a download


@pytest.mark.parametrize("route,folder_key", [("sketch", None), ("models", "MODELS_DIR"), ("web", "WEB_DIR")])
def test_symlinks_out_of_the_root_404(config, secret, route, folder_key):
    folder = Path(config[folder_key]) if folder_key else Path(config["SKETCH"]).parent
    (folder / "link.json").symlink_to(secret)
    (folder / "linkdir").symlink_to(secret.parent, target_is_directory=True)
    client = server.create_app(config).test_client()
    assert client.get(f"/{route}/link.json").status_code == 404
    assert client.get(f"/{route}/linkdir/secret.json").status_code == 404


def test_model_names():
    assert server.is_model_name(MODEL_075) and server.is_model_name("m/group1-shard1of2.bin")
    for bad in ["../x.json", "a/../x.json", "/x.json", "a//x.json", "a\\x.json", "x.txt", "a/./x.bin", "x.json?"]:
        assert not server.is_model_name(bad), bad


def test_resolve_inside():
    root = REPO_ROOT / "web"
    assert server.resolve_inside(root, "a/b.js") == (root / "a/b.js").resolve()
    for bad in ["../x", "a/../../x", "/etc/passwd", "..", "a/../.."]:
        assert server.resolve_inside(root, bad) is None, bad
    assert server.resolve_inside(None, "x") is None


# ---------------------------------------------------------------- sketch & examples


def test_sketch_and_its_assets_served_from_the_sketch_folder(client):
    sketch = client.get("/sketch/my_sketch.py")
    assert sketch.status_code == 200
    assert sketch.headers["Content-Type"] == "text/x-python; charset=utf-8"
    assert b"def setup" in sketch.data
    image = client.get("/sketch/runner.jpg")
    assert image.status_code == 200
    assert image.mimetype == "image/jpeg"
    assert image.data.endswith(b"fake-jpeg")
    assert client.get("/sketch/missing.png").status_code == 404


def test_examples_served_from_the_package(client):
    response = client.get("/examples/webcam_skeleton.py")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/x-python; charset=utf-8"
    assert response.data == b"# webcam example\n"
    assert client.get("/examples/nope.py").status_code == 404


# ------------------------------------------------------------------- app config


def test_app_config_json(client):
    response = client.get("/app-config.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Content-Type"] == "application/json"
    assert response.json == {
        "sketch": {"name": "my_sketch.py", "url": "/sketch/my_sketch.py"},
        "wheel": f"/wheel/{WHEEL_NAME}",
        "examples": ["image_single_pose.py", "webcam_skeleton.py"],
    }
    wheel = client.get(response.json["wheel"])
    assert wheel.status_code == 200


def test_app_config_without_examples_folder(config, tmp_path):
    shutil.rmtree(Path(config["PACKAGE_ROOT"]) / "pyposenet" / "examples")
    client = server.create_app(config).test_client()
    assert client.get("/app-config.json").json["examples"] == []


# ------------------------------------------------------------------------- wheel


def test_wheel_built_once_and_rebuilt_after_a_source_change(app, client, build_count, config):
    response = client.get(f"/wheel/{WHEEL_NAME}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert "pyposenet/__init__.py" in wheel_names(response.data)
    assert "pyposenet/examples/webcam_skeleton.py" in wheel_names(response.data)
    assert len(build_count) == 1
    wheel_file = app.config["WHEEL_DIR"] / WHEEL_NAME
    first_mtime = wheel_file.stat().st_mtime_ns

    assert client.get(f"/wheel/{WHEEL_NAME}").status_code == 200
    assert client.get("/app-config.json").status_code == 200
    assert server.create_app(config).test_client().get(f"/wheel/{WHEEL_NAME}").status_code == 200
    pkg = Path(config["PACKAGE_ROOT"]) / "pyposenet"
    write(pkg / "__pycache__" / "__init__.cpython-311.pyc", b"bytecode")  # ignored by the hash
    assert client.get(f"/wheel/{WHEEL_NAME}").status_code == 200
    assert len(build_count) == 1
    assert wheel_file.stat().st_mtime_ns == first_mtime

    write(pkg / "__init__.py", 'VERSION = "fake-2"\n')
    rebuilt = client.get(f"/wheel/{WHEEL_NAME}")
    assert len(build_count) == 2
    with zipfile.ZipFile(io.BytesIO(rebuilt.data)) as wheel:
        assert wheel.read("pyposenet/__init__.py") == b'VERSION = "fake-2"\n'

    write(pkg / "new_module.py", "X = 1\n")
    assert "pyposenet/new_module.py" in wheel_names(client.get(f"/wheel/{WHEEL_NAME}").data)
    assert len(build_count) == 3
    assert sorted(p.name for p in app.config["WHEEL_DIR"].glob("*.whl")) == [WHEEL_NAME]


def test_wheel_build_leaves_the_source_tree_clean_and_ignores_stale_build_lib(client, config):
    root = Path(config["PACKAGE_ROOT"])
    write(root / "build/lib/pyposenet/stale.py", "OLD = True\n")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    names = wheel_names(client.get(f"/wheel/{WHEEL_NAME}").data)
    assert "pyposenet/__init__.py" in names
    assert "pyposenet/stale.py" not in names
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before  # no egg-info, no new build/


def test_wheel_concurrent_first_requests_build_once(app, build_count):
    statuses = []

    def fetch(url):
        statuses.append(app.test_client().get(url).status_code)

    urls = ["/app-config.json", f"/wheel/{WHEEL_NAME}"] * 3
    threads = [threading.Thread(target=fetch, args=(u,)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * len(urls)
    assert len(build_count) == 1


def test_wheel_unknown_filename_404(client):
    assert client.get("/wheel/pyposenet-9.9.9-py3-none-any.whl").status_code == 404
    assert client.get("/wheel/..%2Fwheel.whl").status_code == 404


def test_wheel_build_failure_is_a_plain_text_500(config, caplog):
    write(Path(config["PACKAGE_ROOT"]) / "pyproject.toml", "this is [not toml\n")
    client = server.create_app(config).test_client()
    response = client.get("/app-config.json")
    assert response.status_code == 500
    assert response.mimetype == "text/plain"
    assert "building the pyposenet wheel failed" in response.get_data(as_text=True)
    assert "wheel build failed" in caplog.text


def test_the_repos_own_package_builds(tmp_path, config):
    """The real pyproject.toml + pyposenet/, copied to a tmp tree (the real tree is not touched)."""
    if not (REPO_ROOT / "pyposenet" / "__init__.py").is_file():
        pytest.skip("pyposenet/__init__.py not written yet")
    copy = tmp_path / "repo-copy"
    copy.mkdir()
    shutil.copy2(REPO_ROOT / "pyproject.toml", copy)
    if (REPO_ROOT / "README.md").is_file():
        shutil.copy2(REPO_ROOT / "README.md", copy)
    shutil.copytree(REPO_ROOT / "pyposenet", copy / "pyposenet",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    client = server.create_app({**config, "PACKAGE_ROOT": copy}).test_client()
    wheel_url = client.get("/app-config.json").json["wheel"]
    assert "pyposenet/__init__.py" in wheel_names(client.get(wheel_url).data)


# ------------------------------------------------------------------------ config


def test_config_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("PYPOSENET_MODELS", raising=False)
    monkeypatch.setenv("PYPOSENET_CACHE", str(tmp_path / "c"))
    cfg = server.create_app().config
    assert cfg["MODEL_BASE_URL"] == "https://storage.googleapis.com/tfjs-models/"
    assert cfg["MODEL_CACHE_DIR"] == tmp_path / "c"
    assert cfg["SKETCH"] == REPO_ROOT / "pyposenet" / "examples" / "webcam_skeleton.py"
    assert cfg["WHEEL_DIR"] == REPO_ROOT / "build" / "wheel"
    assert cfg["WEB_DIR"] == REPO_ROOT / "web"
    assert cfg["VENDOR_DIR"] == REPO_ROOT / "node_modules"
    shared = REPO_ROOT.parent / "shared" / "models"
    assert cfg["MODELS_DIR"] == (shared.absolute() if shared.is_dir() else None)


def test_config_models_and_cache_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PYPOSENET_MODELS", str(tmp_path / "m"))
    monkeypatch.delenv("PYPOSENET_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    cfg = server.create_app().config
    assert cfg["MODELS_DIR"] == tmp_path / "m"
    assert cfg["MODEL_CACHE_DIR"] == tmp_path / "home" / ".cache" / "pyposenet" / "models"


def test_config_repo_root_moves_the_derived_defaults(tmp_path):
    cfg = server.create_app({"REPO_ROOT": tmp_path, "MODELS_DIR": tmp_path / "m"}).config
    assert cfg["WEB_DIR"] == tmp_path / "web"
    assert cfg["SKETCH"] == tmp_path / "pyposenet" / "examples" / "webcam_skeleton.py"
    assert cfg["WHEEL_DIR"] == tmp_path / "build" / "wheel"


# --------------------------------------------------------------------------- CLI


def test_cli_defaults(monkeypatch):
    monkeypatch.delenv("PYPOSENET_MODELS", raising=False)
    args = server.parse_args([])
    assert (args.sketch, args.models, args.host, args.port) == (None, None, "127.0.0.1", 5000)
    assert server.config_from_args(args) == {}


def test_cli_sketch_models_host_port(monkeypatch, sketch_dir, tmp_path):
    monkeypatch.delenv("PYPOSENET_MODELS", raising=False)
    args = server.parse_args([str(sketch_dir / "my_sketch.py"), "--models", str(tmp_path),
                              "--host", "0.0.0.0", "--port", "8123"])
    assert args.host == "0.0.0.0" and args.port == 8123
    assert server.config_from_args(args) == {"SKETCH": sketch_dir / "my_sketch.py", "MODELS_DIR": tmp_path}


def test_cli_models_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PYPOSENET_MODELS", str(tmp_path))
    assert server.config_from_args(server.parse_args([]))["MODELS_DIR"] == tmp_path


@pytest.mark.parametrize("argv,message", [
    (["missing.py"], "does not exist"),
    (["{sketch_dir}/runner.jpg"], "is not a .py file"),
    (["{sketch_dir}"], "does not exist"),
    (["--models", "/no/such/models/dir"], "models folder"),
])
def test_cli_bad_arguments_exit_with_a_message(argv, message, sketch_dir, capsys, monkeypatch):
    monkeypatch.delenv("PYPOSENET_MODELS", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        server.parse_args([a.format(sketch_dir=sketch_dir) for a in argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.fixture
def fake_run(monkeypatch) -> list:
    """Replace Flask.run so main() parses, builds the app and prints, but serves nothing."""
    runs = []
    monkeypatch.setattr(server.Flask, "run", lambda app, **kw: runs.append((app, kw)))
    return runs


def test_main_serves_threaded_on_loopback(fake_run, sketch_dir, capsys):
    assert server.main([str(sketch_dir / "my_sketch.py"), "--port", "5123"]) == 0
    (app, kwargs), = fake_run
    assert kwargs == {"host": "127.0.0.1", "port": 5123, "threaded": True}
    assert app.config["SKETCH"] == sketch_dir / "my_sketch.py"
    out, err = capsys.readouterr()
    assert "http://127.0.0.1:5123/" in out
    assert "WARNING" not in err


def test_main_warns_when_reachable_from_the_network(fake_run, sketch_dir, capsys):
    server.main([str(sketch_dir / "my_sketch.py"), "--host", "0.0.0.0"])
    assert fake_run[0][1]["host"] == "0.0.0.0"
    assert "reachable from the network" in capsys.readouterr().err


def test_main_exits_when_the_default_sketch_is_missing(fake_run, monkeypatch, tmp_path):
    monkeypatch.setattr(server, "REPO_ROOT", tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        server.main([])
    assert "webcam_skeleton.py" in str(exit_info.value.code)
    assert fake_run == []


@pytest.mark.parametrize("host,loopback", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("192.168.1.4", False), ("::", False), ("example.org", False),
])
def test_is_loopback(host, loopback):
    assert server.is_loopback(host) is loopback
