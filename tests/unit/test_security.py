"""Serving only what it should: hostile paths against every file route, security headers, binding.

Each hostile request goes through Flask's test client and, because the test client normalises
some paths, also over a real socket (http.client) to werkzeug's server and to waitress. A canary
file outside every served folder, and every dot-file inside them, hold SECRET: no response may
contain it, and every response must be a 4xx (400/403/404), never a 500.
"""

from __future__ import annotations

import http.client
import http.server
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from werkzeug.serving import make_server

from pyposenet import cli
from pyposenet.models import is_model_name
from pyposenet.server import create_app, serve
from pyposenet.server.files import MAX_SUBPATH, is_plain_subpath, is_regular_file, resolve_inside
from pyposenet.server.security import CONTENT_SECURITY_POLICY
from tests.support.page import PAGE_HTML

SECRET = "pyposenet-canary-3f9c1d"
PASSWD_MARK = b"root:x:0:0"
ALLOWED_STATUSES = {400, 403, 404}

# route -> (its URL, prefix inside the route that reaches a real folder, depth of that folder below BASE)
ROUTES = {
    "sketch": ("/", "", 1),  # BASE/sketch, at the page's own level
    "sketch-subfolder": ("/data/", "", 2),  # BASE/sketch/data
    "models": ("/pyposenet/models/", "", 1),  # BASE/models
    "web": ("/pyposenet/web/", "", 1),  # BASE/web
    "examples": ("/pyposenet/examples/", "", 1),  # BASE/examples
    "vendor": ("/pyposenet/web/vendor/", "pyodide/", 3),  # BASE/web/vendor/pyodide
    "wheel": ("/pyposenet/wheel/", "", 1),  # made in memory: no folder at all
}
# A legitimate file per route: proves each folder is really served, so the 404s below mean something.
GOOD_FILES = {
    "sketch": "ok.json",
    "sketch-subfolder": "ok.json",
    "models": "m/ok.json",
    "web": "ok.json",
    "examples": "ok.json",
    "vendor": "pyodide/ok.json",
}

# Patterns over {p} (the route's prefix), {up} (enough "../" to reach BASE) and {abs} (the canary's
# absolute path without its leading slash). The canary is BASE/canary.json: a .json, so even the
# models route's name filter would let it through if the path checks were missing.
PATTERNS = [
    "{p}{up}canary.json",  # plain ../
    "{p}{up_enc}canary.json",  # %2e%2e/
    "{p}{up_enc_slash}canary.json",  # %2e%2e%2f
    "{p}{up_enc_upper}canary.json",  # %2E%2E%2F
    "{p}{up_mixed}canary.json",  # .%2e/ and %2e./
    "{p}{up_double}canary.json",  # %252e%252e%252f (double-encoded)
    "{p}{up_double_dots}canary.json",  # %252e%252e/
    "{p}{up_backslash}canary.json",  # ..\
    "{p}{up_5c}canary.json",  # ..%5c
    "{p}{up_255c}canary.json",  # ..%255c
    "{p}ok.json/{up}{up}canary.json",  # through a file
    "{p}sub/../{up}canary.json",  # sub/../../
    "{p}./{up}canary.json",  # ./../
    "{p}{up_semicolon}canary.json",  # ..;/ (servlet-style)
    "/{abs}",  # absolute path (double slash)
    "%2f{abs}",  # absolute path, encoded slash
    "/etc/passwd",  # //etc/passwd
    "//etc/passwd",  # ///etc/passwd
    "{p}{deep}etc/passwd",  # far too many ../
    "{p}{deep_enc}etc/passwd",  # far too many %2e%2e%2f
    "{p}ok.json%00",  # NUL after a real name
    "{p}%00",  # NUL alone
    "{p}{up}canary.json%00.png",  # NUL truncation trick
    "{p}" + "a" * 10_000,  # 10,000-character name
    "{p}" + "a/" * 5_000 + "x",  # 10,000 characters, 5,000 folders
    "{p}" + "../" * 3_340 + "canary.json",  # 10,000 characters of ../
    "{p}.env",  # dot-file beside the sketch
    "{p}.git/config",  # dot-folder
    "{p}%2eenv",  # encoded dot-file
    "{p}sub/../.env",  # dot-file after a ..
    "{p}.",  # the folder itself
    "{p}..",  # its parent
    "{p}...",  # three dots
    "{p}hidden-link.json",  # symlink to a dot-file inside the folder
    "{p}out-link.json",  # symlink to the canary outside the folder
    "{p}out-dir/canary.json",  # symlink to the folder outside
    "{p}{up_fullwidth}canary.json",  # fullwidth ．．／
    "{p}{up_overlong}canary.json",  # overlong UTF-8 %c0%ae%c0%ae%c0%af
    "{p}{up_u}canary.json",  # %u002e%u002e%u2215 (IIS-style)
    "{p}{up_leader}canary.json",  # one-dot leaders ․․/ (U+2024)
    "{p}..%E2%88%95canary.json",  # division slash ∕ (U+2215)
    "{p}C:%5cWindows%5cwin.ini",  # Windows drive path
    "{p}ok.json%20",  # trailing space
]


def render(pattern: str, prefix: str, depth: int, canary: Path) -> str:
    """One hostile subpath for a route whose folder lies `depth` levels below the canary's folder."""

    def up(step: str) -> str:
        return step * depth

    return pattern.format(
        p=prefix,
        abs=str(canary).lstrip("/"),
        up=up("../"),
        up_enc=up("%2e%2e/"),
        up_enc_slash=up("%2e%2e%2f"),
        up_enc_upper=up("%2E%2E%2F"),
        up_mixed=up(".%2e/"),
        up_double=up("%252e%252e%252f"),
        up_double_dots=up("%252e%252e/"),
        up_backslash=up("..\\"),
        up_5c=up("..%5c"),
        up_255c=up("..%255c"),
        up_semicolon=up("..;/"),
        up_fullwidth=up("%EF%BC%8E%EF%BC%8E%EF%BC%8F"),
        up_overlong=up("%c0%ae%c0%ae%c0%af"),
        up_u=up("%u002e%u002e%u2215"),
        up_leader=up("%E2%80%A4%E2%80%A4/"),
        deep="../" * 12,
        deep_enc="%2e%2e%2f" * 12,
    )


def hostile_cases(canary: Path) -> list[tuple[str, str]]:
    """(route, URL path) for every pattern on every route."""
    return [
        (route, url + render(pattern, prefix, depth, canary))
        for route, (url, prefix, depth) in ROUTES.items()
        for pattern in PATTERNS
    ]


CASE_IDS = [f"{route}-{index}" for route in ROUTES for index in range(len(PATTERNS))]


# ------------------------------------------------------------------------ the tree


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def plant_served_folder(folder: Path, base: Path) -> None:
    """A served folder with a real file, dot-files holding SECRET, and symlinks out and to dot-files."""
    write(folder / "ok.json", '{"ok": true}')
    write(folder / ".env", SECRET)
    write(folder / ".git" / "config", SECRET)
    (folder / "hidden-link.json").symlink_to(folder / ".env")
    (folder / "out-link.json").symlink_to(base / "canary.json")
    (folder / "out-dir").symlink_to(base, target_is_directory=True)


class CountingStorage:
    """A model storage on 127.0.0.1 that records every request (none may reach it)."""

    def __init__(self):
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", str(len(SECRET)))
                self.end_headers()
                self.wfile.write(SECRET.encode())

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/tfjs-models/"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """BASE: canary.json (SECRET) outside every served folder, and the folders themselves."""
    base = tmp_path_factory.mktemp("security")
    write(base / "canary.json", SECRET)
    write(base / "sketch" / "a b ü.json", '{"ok": true}')
    write(base / "web" / "index.html", PAGE_HTML)
    write(base / "sketch" / "sketch.py", "def setup():\n    pass\n")
    write(base / "examples" / "webcam_skeleton.py", "# example\n")
    # A sketch folder's own files by the app's reserved names are never served.
    write(base / "sketch" / "pyposenet" / "app-config.json", SECRET)
    write(base / "sketch" / "pyposenet" / "secret.json", SECRET)
    write(base / "sketch" / "api" / "pose", SECRET)
    write(base / "sketch" / "index.html", SECRET)
    for folder in ("sketch", "sketch/data", "models", "web", "examples", "web/vendor/pyodide"):
        plant_served_folder(base / folder, base)
    plant_served_folder(base / "models" / "m", base)
    write(base / "models" / ".hidden.json", SECRET)
    return base


@pytest.fixture(scope="module")
def storage():
    storage = CountingStorage()
    yield storage
    storage.close()


@pytest.fixture(scope="module")
def app(base, storage):
    return create_app(
        {
            "TESTING": True,
            "EXAMPLES_DIR": base / "examples",
            "SKETCH": base / "sketch" / "sketch.py",
            "MODELS_DIR": base / "models",
            "MODEL_CACHE_DIR": base / "cache",
            "MODEL_BASE_URL": storage.base_url,
            "MODEL_DOWNLOAD_TIMEOUT": 5,
            "WEB_DIR": base / "web",
        }
    )


@pytest.fixture(scope="module")
def werkzeug_port(app):
    """The app behind werkzeug's real server (what `pyposenet serve` runs) on 127.0.0.1."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()


@pytest.fixture(scope="module")
def waitress_port(app):
    """The app behind waitress (what `pyposenet serve --production` runs) on 127.0.0.1."""
    pytest.importorskip("waitress")
    wsgi_server = serve.create_production_server(app, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=wsgi_server.run, daemon=True)
    thread.start()
    yield serve.bound_address(wsgi_server)[1]
    wsgi_server.close()


@pytest.fixture(scope="module")
def cases(base) -> list[tuple[str, str]]:
    return hostile_cases(base / "canary.json")


def socket_get(port: int, path: str) -> tuple[int, bytes]:
    """GET `path` byte for byte (no client-side normalisation) from 127.0.0.1:`port`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture(params=["test-client", "werkzeug", "waitress"])
def fetch(request, app):
    """fetch(path) -> (status, body) through one transport."""
    if request.param == "test-client":
        client = app.test_client()

        def via_client(path):
            response = client.get(path)
            return response.status_code, response.data

        return via_client
    port = request.getfixturevalue(f"{request.param}_port")
    return lambda path: socket_get(port, path)


# ----------------------------------------------------------------- hostile requests


def test_the_table_is_big_enough(cases):
    per_route = {route: sum(1 for r, _ in cases if r == route) for route in ROUTES}
    assert all(count >= 30 for count in per_route.values()), per_route
    assert len(set(cases)) == len(cases)


@pytest.mark.parametrize("index", range(len(CASE_IDS)), ids=CASE_IDS)
def test_hostile_request_is_refused_without_leaking(fetch, cases, index):
    route, path = cases[index]
    status, body = fetch(path)
    assert status in ALLOWED_STATUSES, (status, path[:200])
    assert SECRET.encode() not in body, path[:200]
    assert PASSWD_MARK not in body, path[:200]


def test_no_hostile_model_request_became_a_download(app, cases, storage, werkzeug_port):
    client = app.test_client()
    for route, path in cases:
        if route == "models":
            client.get(path)
            socket_get(werkzeug_port, path)
    assert storage.hits == []


@pytest.mark.parametrize("route", sorted(GOOD_FILES))
def test_each_folder_really_is_served(fetch, route):
    url = ROUTES[route][0]
    status, body = fetch(f"{url}{GOOD_FILES[route]}")
    assert (status, body) == (200, b'{"ok": true}')


@pytest.mark.parametrize(
    "path",
    [
        "/pyposenet/app-config.json",
        "/pyposenet/secret.json",
        "/api/pose",
        "/index.html",
        "/pyposenet/.env",
        "/api/.env",
    ],
)
def test_a_sketch_folders_files_by_reserved_names_never_leak(fetch, path):
    status, body = fetch(path)
    assert SECRET.encode() not in body, path
    assert status in ALLOWED_STATUSES | {200, 405}, path  # the app's own answer, never the file


def test_the_wheel_route_serves_only_the_current_wheel(app, fetch):
    wheel_url = app.test_client().get("/pyposenet/app-config.json").json["wheel"]
    assert fetch("/" + wheel_url)[0] == 200
    for name in ("x.whl", ".build-stamp.json", "..", "%2e%2e", "pyposenet-0.1.0-py3-none-any.whl%00"):
        assert fetch(f"/pyposenet/wheel/{name}")[0] in ALLOWED_STATUSES, name


@pytest.mark.parametrize(
    "subpath",
    [".env", "a/.git/config", "..", ".", "a/..", "a\\b", "a\x00b", "a\nb", "a\x7fb", "x" * (MAX_SUBPATH + 1), ""],
)
def test_paths_no_route_serves(subpath):
    assert not is_plain_subpath(subpath)


@pytest.mark.parametrize("subpath", ["a.js", "pyodide.asm.wasm", "a/b/c.json", "dir.d/x.bin", "x..y"])
def test_plain_paths(subpath):
    assert is_plain_subpath(subpath)


def test_dot_file_names_are_not_model_names():
    for name in (".hidden.json", "m/.git/x.json", ".m/x.bin", "m/.x.bin"):
        assert not is_model_name(name), name


def test_resolve_inside_survives_names_the_file_system_rejects(tmp_path):
    too_long = "a" * 1000  # over NAME_MAX: ENAMETOOLONG, not a 500
    assert not is_regular_file(resolve_inside(tmp_path, too_long))
    assert not is_regular_file(tmp_path / too_long)
    assert not is_regular_file(Path(str(tmp_path) + "/a\x00b"))  # ValueError, caught
    assert resolve_inside(tmp_path, "a\x00b") is None


def test_names_that_need_quoting_are_still_served(fetch):
    """Refusals come from the checks above, not from a blanket ban on unusual names."""
    assert fetch("/" + quote("a b ü.json")) == (200, b'{"ok": true}')


# -------------------------------------------------------------------------- headers


def csp_directives(policy: str) -> dict[str, list[str]]:
    """{'script-src': ["'self'", ...], ...} from a Content-Security-Policy value."""
    parsed = {}
    for directive in filter(None, (part.strip() for part in policy.split(";"))):
        name, *sources = directive.split()
        assert name not in parsed, f"{name} twice"
        parsed[name] = sources
    return parsed


def assert_security_headers(headers) -> None:
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    # cross-origin isolation (TF.js's threaded wasm): on every response, the model worker's script included
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/"),
        ("GET", "/index.html"),
        ("GET", "/pyposenet/app-config.json"),
        ("GET", "/pyposenet/web/ok.json"),
        ("GET", "/ok.json"),
        ("GET", "/data/ok.json"),
        ("GET", "/pyposenet/web/vendor/pyodide/ok.json"),
        ("GET", "/pyposenet/models/m/ok.json"),
        ("GET", "/pyposenet/examples/ok.json"),
        ("GET", "/pyposenet/web/missing.js"),
        ("GET", "/pyposenet/models/m/absent.txt"),
        ("GET", "/no-such-route"),
        ("GET", "/pyposenet/unknown"),
        ("POST", "/"),
        ("GET", "/../canary.json"),
        ("HEAD", "/pyposenet/web/ok.json"),
        ("GET", "/pyposenet/web/model-worker.js"),
        ("GET", "/pyposenet/wheel/x.whl"),
    ],
)
def test_every_response_has_the_security_headers(app, method, path):
    response = app.test_client().open(path, method=method)
    assert_security_headers(response.headers)


def test_security_headers_on_a_server_error(config, web_dir):
    (web_dir / "index.html").write_text("<!doctype html><title>no place for the policy</title>")
    app = create_app({**config, "TESTING": False})
    response = app.test_client().get("/")
    assert response.status_code == 500
    assert_security_headers(response.headers)


def test_security_headers_over_a_real_socket(werkzeug_port, waitress_port):
    for port in (werkzeug_port, waitress_port):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/pyposenet/web/ok.json")
        response = conn.getresponse()
        response.read()
        conn.close()
        assert_security_headers(response.headers)


def test_csp_allows_only_the_app_and_what_the_page_needs():
    csp = csp_directives(CONTENT_SECURITY_POLICY)
    assert csp == {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'wasm-unsafe-eval'", "blob:"],  # blob:: the threads of TF.js's threaded wasm
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:", "mediastream:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'none'"],
    }


def test_csp_names_no_other_origin_and_no_inline_script():
    csp = csp_directives(CONTENT_SECURITY_POLICY)
    for name, sources in csp.items():
        for source in sources:
            assert source.startswith("'") or source in ("data:", "blob:", "mediastream:"), (name, source)
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "data:" not in csp["script-src"] + csp["connect-src"] + csp["default-src"]


def test_csp_can_be_set_by_config(config):
    app = create_app({**config, "CONTENT_SECURITY_POLICY": "default-src 'none'"})
    assert app.test_client().get("/").headers["Content-Security-Policy"] == "default-src 'none'"


# -------------------------------------------------------------------------- binding


@pytest.fixture
def no_serving(monkeypatch) -> list:
    """Neither Flask's server nor waitress really starts; the calls are recorded."""
    calls = []

    class FakeWaitress:
        effective_host, effective_port = "127.0.0.1", 6543

        def run(self):
            calls.append(("waitress-run",))

    def fake_production_server(app, host, port, threads):
        calls.append(("waitress", {"host": host, "port": port, "threads": threads}))
        return FakeWaitress()

    monkeypatch.setattr(serve.Flask, "run", lambda app, **kw: calls.append(("flask", kw)))
    monkeypatch.setattr(serve, "create_production_server", fake_production_server)
    return calls


@pytest.mark.parametrize("production", [False, True])
def test_binds_to_loopback_by_default_without_a_warning(no_serving, sketch_dir, capsys, production):
    argv = ["serve", str(sketch_dir / "my_sketch.py")] + (["--production"] if production else [])
    assert cli.main(argv) == 0
    kind, kwargs = no_serving[0]
    assert kind == ("waitress" if production else "flask")
    assert kwargs["host"] == "127.0.0.1"
    assert "WARNING" not in capsys.readouterr().err


@pytest.mark.parametrize("production", [False, True])
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.4", "10.0.0.2", "example.org", "my-laptop.local"])
def test_warns_on_stderr_for_any_other_host(no_serving, sketch_dir, capsys, host, production):
    cli.main(["serve", str(sketch_dir / "my_sketch.py"), "--host", host] + (["--production"] if production else []))
    out, err = capsys.readouterr()
    assert "WARNING" in err and host in err and "reachable from the network" in err
    assert "WARNING" not in out


@pytest.mark.parametrize("production", [False, True])
@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.5", "localhost", "::1"])
def test_no_warning_for_loopback_hosts(no_serving, sketch_dir, capsys, host, production):
    cli.main(["serve", str(sketch_dir / "my_sketch.py"), "--host", host] + (["--production"] if production else []))
    assert "WARNING" not in capsys.readouterr().err
