"""`pyposenet serve --production`: the same app under waitress, as a real subprocess on 127.0.0.1.

The server picks a free port itself (`--port 0`) and prints the URL it really listens on, so there
is no race between choosing a port and binding it. All traffic stays on 127.0.0.1: model downloads
would go through an unreachable local proxy, and every model file requested exists locally.
"""

from __future__ import annotations

import http.client
import json
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pyposenet import cli
from pyposenet.server import serve
from pyposenet.server.browser_wheel import build_browser_wheel
from pyposenet.server.page import render_page
from pyposenet.server.security import CONTENT_SECURITY_POLICY
from tests.conftest import MODELS_DIR, REPO_ROOT
from tests.support.production import ProductionServer

CLIENTS = 50
MODEL_JSON = "savedmodel/posenet/mobilenet/float/075/model-stride16.json"
WEB_DIR = REPO_ROOT / "pyposenet" / "web"
# What the page loads from web/vendor/ (web/index.html, web/boot.js, Pyodide's loader).
VENDOR_ASSETS = [
    "@tensorflow/tfjs/dist/tf.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js",
    "p5/lib/p5.min.js",
    "pyodide/pyodide.js",
    "pyodide/pyodide-lock.json",
    "pyodide/pyodide.asm.js",
    "pyodide/pyodide.asm.wasm",
    "pyodide/python_stdlib.zip",
]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process handling")


# ------------------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def production(tmp_path_factory, models_dir):
    pytest.importorskip("waitress")
    folder = tmp_path_factory.mktemp("production")
    running = ProductionServer(folder / "server.log", folder / "cache")
    yield running
    running.close()


def get(port: int, path: str, conn: http.client.HTTPConnection | None = None) -> http.client.HTTPResponse:
    """GET `path` from 127.0.0.1:`port` (on `conn` if given); the body is read into `.body`."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.body = response.read()
        return response
    finally:
        if own:
            conn.close()


# ------------------------------------------------------------------------ smoke tests


def test_production_serves_the_page(production):
    response = get(production.port, "/")
    assert response.status == 200
    assert response.body == render_page(CONTENT_SECURITY_POLICY, WEB_DIR).encode()
    assert response.getheader("Content-Type").startswith("text/html")
    assert response.getheader("Server") == "pyposenet"  # waitress, identifying as the app only
    assert response.getheader("Content-Security-Policy") == CONTENT_SECURITY_POLICY
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Referrer-Policy") == "no-referrer"


def test_production_serves_the_app_config(production):
    response = get(production.port, "/pyposenet/app-config.json")
    assert response.status == 200
    config = json.loads(response.body)
    assert config["sketch"] == {"name": "webcam_skeleton.py", "url": "webcam_skeleton.py"}
    assert re.fullmatch(r"pyposenet/wheel/pyposenet-[^/]+\.whl", config["wheel"])
    assert response.getheader("Cache-Control") == "no-cache"


def test_production_serves_a_front_end_file(production):
    response = get(production.port, "/pyposenet/web/vendor/pyodide/pyodide.js")
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/javascript"
    assert response.body == (WEB_DIR / "vendor" / "pyodide" / "pyodide.js").read_bytes()


def test_production_refuses_what_the_dev_server_refuses(production):
    for path in (
        "/../cli.py",
        "/%2e%2e/cli.py",
        "/pyposenet/web/vendor/p5/package.json",
        "/node_modules/p5/package.json",
        "/vendor/pyodide/pyodide.js",
        "/pyposenet/web/.env",
        "/pyposenet/models/x.txt",
        "/pyposenet/unknown",
        "/nope",
    ):
        assert get(production.port, path).status == 404, path


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port`, from /proc/net/tcp{,6} (hex as the kernel writes it)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_production_listens_on_loopback_only_by_default(production):
    assert production.host == "127.0.0.1"
    assert production.threads == serve.PRODUCTION_THREADS
    if not Path("/proc/net/tcp").is_file():
        pytest.skip("no /proc/net/tcp to read listening sockets from")
    assert listening_addresses(production.port) == {
        "0100007F"
    }  # 127.0.0.1, little-endian hex; nothing on 0.0.0.0 or ::


def test_production_threads_option(monkeypatch, sketch_dir, capsys):
    calls = []

    class FakeWaitress:
        effective_listen = [("127.0.0.1", 7001), ("::1", 7001)]

        def run(self):
            calls.append("run")

    def fake_production_server(app, host, port, threads):
        calls.append((host, port, threads))
        return FakeWaitress()

    monkeypatch.setattr(serve, "create_production_server", fake_production_server)
    assert (
        cli.main(["serve", str(sketch_dir / "my_sketch.py"), "--production", "--threads", "3", "--port", "7001"]) == 0
    )
    assert calls == [("127.0.0.1", 7001, 3), "run"]
    assert "http://127.0.0.1:7001/ (waitress, 3 threads)" in capsys.readouterr().out


def test_production_threads_must_be_positive(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve", "--production", "--threads", "0"])
    assert exit_info.value.code == 2
    assert "--threads must be at least 1" in capsys.readouterr().err


# ------------------------------------------------------------------------------- load


def page_assets(config: dict) -> dict[str, int]:
    """URL -> size in bytes for everything the default page fetches (app-config.json excepted)."""
    assets = {"/": len(render_page(CONTENT_SECURITY_POLICY, WEB_DIR).encode())}
    for path in sorted(WEB_DIR.glob("*")):
        if path.suffix in (".js", ".css"):
            assets[f"/pyposenet/web/{path.name}"] = path.stat().st_size
    for name in VENDOR_ASSETS:
        assets[f"/pyposenet/web/vendor/{name}"] = (WEB_DIR / "vendor" / name).stat().st_size
    wheel = build_browser_wheel()
    assert config["wheel"] == f"pyposenet/wheel/{wheel.name}"
    assets["/" + config["wheel"]] = len(wheel.data)
    example = REPO_ROOT / "pyposenet" / "examples" / config["sketch"]["name"]
    assets["/" + config["sketch"]["url"]] = example.stat().st_size
    model = MODELS_DIR / MODEL_JSON
    assets[f"/pyposenet/models/{MODEL_JSON}"] = model.stat().st_size
    for group in json.loads(model.read_text())["weightsManifest"]:
        for shard in group["paths"]:
            assets[f"/pyposenet/models/{MODEL_JSON.rsplit('/', 1)[0]}/{shard}"] = (model.parent / shard).stat().st_size
    return assets


def one_client(port: int, urls: list[str]) -> list[tuple[str, int, int, int]]:
    """One browser-like client: every URL once, on one keep-alive connection.

    Returns (url, status, Content-Length, body length) per URL."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        results = []
        for url in urls:
            response = get(port, url, conn)
            results.append((url, response.status, int(response.getheader("Content-Length", -1)), len(response.body)))
        return results
    finally:
        conn.close()


def run_clients(port: int, urls: list[str], clients: int) -> tuple[list, list, float]:
    """`clients` clients at once; returns (results, errors, wall seconds)."""
    start_line = threading.Barrier(clients)

    def client(_):
        start_line.wait()
        return one_client(port, urls)

    results, errors = [], []
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(client, i) for i in range(clients)]:
            try:
                results.extend(future.result())
            except Exception as error:  # noqa: BLE001 - every failure is reported below
                errors.append(repr(error))
    return results, errors, time.perf_counter() - started


def test_fifty_clients_load_the_page_at_once(production, record_property):
    config = json.loads(get(production.port, "/pyposenet/app-config.json").body)  # also builds the wheel once
    expected = page_assets(config)
    urls = list(expected) + ["/pyposenet/app-config.json"]

    results, errors, wall_s = run_clients(production.port, urls, CLIENTS)

    assert errors == []
    assert len(results) == CLIENTS * len(urls)
    bad = [r for r in results if r[1] != 200 or r[2] != r[3] or (r[0] in expected and r[3] != expected[r[0]])]
    assert bad == [], bad[:5]
    total_bytes = sum(r[3] for r in results)
    record_property("load_wall_s", round(wall_s, 2))
    record_property("load_requests_per_s", round(len(results) / wall_s, 1))
    record_property("load_megabytes_per_s", round(total_bytes / wall_s / 1e6, 1))
    record_property("load_requests", len(results))
    assert production.proc.poll() is None, production.output()
