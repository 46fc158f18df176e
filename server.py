"""pyposenet's development server.

Serves the page in which Pyodide runs the pyposenet package (shipped as a wheel built
from this repo) and TensorFlow.js runs PoseNet: the page, the front-end packages from
node_modules, the model files (local folder, download-once cache or the official
storage), the sketch and its assets, and the bundled examples. Every response carries
the security headers below (CSP, nosniff, no referrer); dot-files are never served.

    python server.py [SKETCH.py] [--models DIR] [--host 127.0.0.1] [--port 5000] [--production]

`--production` serves the same app with waitress instead of Flask's development server.
"""
from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from pathlib import Path

from flask import Flask, Response, abort, current_app, jsonify, send_file
from werkzeug.security import safe_join

from pyposenet.api import DEFAULTS as POSE_API_DEFAULTS, register_pose_api
from pyposenet.downloads import download_reason, download_to

REPO_ROOT = Path(__file__).resolve().parent
DEFAULT_MODEL_BASE_URL = "https://storage.googleapis.com/tfjs-models/"
PACKAGE_NAME = "pyposenet"
VENDOR_PREFIXES = (
    "pyodide/",
    "@tensorflow/tfjs/dist/",
    "@tensorflow/tfjs-backend-wasm/dist/",
    "@tensorflow/tfjs-backend-webgpu/dist/",
    "p5/lib/",
    "@tensorflow-models/posenet/dist/",
)
MODEL_SUFFIXES = (".json", ".bin")
MODEL_NAME = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
MIME_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".py": "text/x-python; charset=utf-8",
}
MAX_SUBPATH = 1024  # longer request paths are refused before touching the file system
# What the page needs and nothing more: scripts, styles, fetches and workers from the app itself;
# WASM compilation (Pyodide, TF.js's wasm backend); p5's inline styles; the data: favicon and
# blob:/mediastream: camera frames; no plugins, no <base>, no framing, no form posts.
# No 'unsafe-eval': strings are never run as code (js.eval, Function(), setTimeout("...") are refused).
# tf.min.js 4.22's bundled regenerator-runtime would call Function() at load time; web/tf-prelude.js,
# loaded before it, defines the global it looks for. Pyodide 0.29 and p5 need no eval.
CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
)
CONTENT_SECURITY_POLICY = "; ".join(CSP_DIRECTIVES)
SECURITY_HEADERS = {  # on every response, with the app's CONTENT_SECURITY_POLICY
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PRODUCTION_THREADS = 8  # app calls are short: waitress streams file bodies from its I/O loop
WHEEL_STAMP = ".build-stamp.json"
WHEEL_BUILD_TIMEOUT_S = 300
LOOPBACK_NAMES = ("localhost",)


class WheelBuildError(RuntimeError):
    """Building the pyposenet wheel failed."""


# --------------------------------------------------------------------------- config


def default_models_dir(repo_root: Path) -> Path | None:
    """$PYPOSENET_MODELS, else <repo>/../shared/models if it exists, else None."""
    env = os.environ.get("PYPOSENET_MODELS")
    if env:
        return Path(env).expanduser()
    shared = repo_root.parent / "shared" / "models"
    return shared if shared.is_dir() else None


def default_cache_dir() -> Path:
    """$PYPOSENET_CACHE, else ~/.cache/pyposenet/models."""
    env = os.environ.get("PYPOSENET_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "pyposenet" / "models"


def build_config(overrides: dict | None = None) -> dict:
    """Merge `overrides` over the defaults; every path becomes an absolute Path."""
    cfg = dict(overrides or {})
    repo = Path(cfg.get("REPO_ROOT") or REPO_ROOT).resolve()
    package_root = Path(cfg.get("PACKAGE_ROOT") or repo).resolve()
    examples = Path(cfg.get("EXAMPLES_DIR") or package_root / PACKAGE_NAME / "examples")
    models = cfg.get("MODELS_DIR")
    paths = {
        "REPO_ROOT": repo,
        "PACKAGE_ROOT": package_root,
        "EXAMPLES_DIR": examples,
        "MODELS_DIR": Path(models) if models else default_models_dir(repo),
        "MODEL_CACHE_DIR": Path(cfg.get("MODEL_CACHE_DIR") or default_cache_dir()),
        "SKETCH": Path(cfg.get("SKETCH") or examples / "webcam_skeleton.py"),
        "WHEEL_DIR": Path(cfg.get("WHEEL_DIR") or repo / "build" / "wheel"),
        "WEB_DIR": Path(cfg.get("WEB_DIR") or repo / "web"),
        "VENDOR_DIR": Path(cfg.get("VENDOR_DIR") or repo / "node_modules"),
    }
    cfg.update({k: (v.expanduser().absolute() if v is not None else None) for k, v in paths.items()})
    cfg.setdefault("MODEL_BASE_URL", DEFAULT_MODEL_BASE_URL)
    cfg.setdefault("MODEL_DOWNLOAD_TIMEOUT", 30.0)
    cfg.setdefault("CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY)
    for key, value in POSE_API_DEFAULTS.items():  # POST /api/pose's limits (pyposenet/api.py)
        cfg.setdefault(key, value)
    return cfg


# ------------------------------------------------------------------------ file serving


def is_hidden(parts) -> bool:
    """True if any path part is a dot-file or dot-folder (`.env`, `.git`, `..`)."""
    return any(part.startswith(".") for part in parts)


def is_plain_subpath(subpath: str) -> bool:
    """False for what no route serves: too long, control characters, backslashes, dot-parts."""
    if not subpath or len(subpath) > MAX_SUBPATH or "\\" in subpath:
        return False
    if any(ord(char) < 0x20 or char == "\x7f" for char in subpath):
        return False
    return not is_hidden(subpath.split("/"))


def resolve_inside(root: Path | None, subpath: str) -> Path | None:
    """`root/subpath` if it stays inside `root`, off dot-parts, once symlinks are resolved; else None."""
    if root is None or not is_plain_subpath(subpath):
        return None
    joined = safe_join(str(root), subpath)
    if joined is None:
        return None
    try:
        real_root, target = root.resolve(), Path(joined).resolve()
    except (OSError, ValueError):  # name too long, symlink loop, ...
        return None
    if not target.is_relative_to(real_root) or is_hidden(target.relative_to(real_root).parts):
        return None
    return target


def is_regular_file(path: Path | None) -> bool:
    """path.is_file(), False instead of an error for names the file system rejects."""
    try:
        return path is not None and path.is_file()
    except (OSError, ValueError):
        return False


def send_path(path: Path, cache_control: str | None = None) -> Response:
    """Send one file with pyposenet's MIME types."""
    response = send_file(path, conditional=True)
    mime = MIME_TYPES.get(path.suffix.lower())
    if mime:
        response.headers["Content-Type"] = mime
    if cache_control:
        response.headers["Cache-Control"] = cache_control
    return response


def send_inside(root: Path | None, subpath: str) -> Response:
    """Send `root/subpath`, or 404 if it is missing or outside `root`."""
    path = resolve_inside(root, subpath)
    if not is_regular_file(path):
        abort(404)
    return send_path(path)


def vendor_file(vendor_dir: Path, subpath: str) -> Path | None:
    """The node_modules file for `subpath` if it lies under an allow-listed prefix."""
    for prefix in VENDOR_PREFIXES:
        if subpath.startswith(prefix):
            path = resolve_inside(vendor_dir / prefix, subpath[len(prefix):])
            return path if is_regular_file(path) else None
    return None


# -------------------------------------------------------------------------- models


def is_model_name(name: str) -> bool:
    """True for a plain relative .json/.bin path such as the official storage uses (no dot-parts)."""
    return (bool(MODEL_NAME.fullmatch(name)) and name.lower().endswith(MODEL_SUFFIXES)
            and not is_hidden(name.split("/")))


def model_url(base_url: str, name: str) -> str:
    """The download URL of model file `name` under `base_url`."""
    return base_url.rstrip("/") + "/" + urllib.parse.quote(name)


def download_lock(app: Flask, name: str) -> threading.Lock:
    """The lock serialising downloads of one model file."""
    state = app.extensions["pyposenet"]
    with state["guard"]:
        return state["download_locks"].setdefault(name, threading.Lock())


def find_model(name: str) -> tuple[Path | None, list[str]]:
    """Look for model file `name` locally, then download it once; returns (path, places looked)."""
    cfg = current_app.config
    looked = []
    for label, root in (("models directory", cfg["MODELS_DIR"]), ("cache", cfg["MODEL_CACHE_DIR"])):
        if root is None:
            looked.append(f"no {label} configured")
            continue
        path = resolve_inside(root, name)
        if path is None:
            abort(404)
        if is_regular_file(path):
            return path, looked
        looked.append(f"not in {label} {root}")
    return fetch_into_cache(name, looked)


def fetch_into_cache(name: str, looked: list[str]) -> tuple[Path | None, list[str]]:
    """Download `name` into the cache unless another request already did."""
    cfg = current_app.config
    base_url = cfg["MODEL_BASE_URL"]
    if not base_url:
        return None, looked + ["downloads disabled (no MODEL_BASE_URL)"]
    target = resolve_inside(cfg["MODEL_CACHE_DIR"], name)
    url = model_url(base_url, name)
    with download_lock(current_app._get_current_object(), name):
        if target.is_file():
            return target, looked
        try:
            download_to(url, target, cfg["MODEL_DOWNLOAD_TIMEOUT"])
        except (OSError, ValueError) as error:  # URLError and timeouts are OSErrors
            return None, looked + [f"download from {url} failed: {download_reason(error)}"]
    current_app.logger.info("downloaded %s into %s", url, target)
    return target, looked


def missing_model(name: str, looked: list[str]) -> Response:
    """404 naming the missing model file and every place looked."""
    message = f"model file '{name}' not found: " + ", ".join(looked)
    current_app.logger.warning(message)
    return Response(message + "\n", status=404, mimetype="text/plain")


# --------------------------------------------------------------------------- wheel


def package_sources(package_root: Path) -> list[Path]:
    """The files a wheel is built from: pyproject.toml, README.md and pyposenet/ (no caches)."""
    files = [package_root / "pyproject.toml", package_root / "README.md"]
    files = [f for f in files if f.is_file()]
    package = package_root / PACKAGE_NAME
    for path in sorted(package.rglob("*")):
        rel = path.relative_to(package_root)
        if path.is_file() and "__pycache__" not in rel.parts and path.suffix != ".pyc":
            files.append(path)
    return files


def sources_hash(package_root: Path) -> str:
    """sha256 over the relative names and contents of the package sources."""
    digest = hashlib.sha256()
    for path in package_sources(package_root):
        digest.update(path.relative_to(package_root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def stage_sources(package_root: Path, dest: Path) -> None:
    """Copy just the package sources to `dest`, so no stale build/ can leak into the wheel."""
    for path in package_sources(package_root):
        target = dest / path.relative_to(package_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def build_wheel(package_root: Path, out_dir: Path) -> Path:
    """Build the wheel of `package_root` into `out_dir` with pip; returns the wheel's path."""
    with tempfile.TemporaryDirectory(prefix="pyposenet-wheel-") as tmp:
        src, dist = Path(tmp) / "src", Path(tmp) / "dist"
        stage_sources(package_root, src)
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
               "--no-cache-dir", "-q", "-w", str(dist), str(src)]
        env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INDEX="1")
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                                  timeout=WHEEL_BUILD_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as error:
            raise WheelBuildError(f"pip wheel timed out after {error.timeout}s") from error
        wheels = sorted(dist.glob(f"{PACKAGE_NAME}-*.whl"))
        if proc.returncode != 0 or len(wheels) != 1:
            raise WheelBuildError(f"pip wheel failed ({proc.returncode}):\n{proc.stderr}{proc.stdout}")
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / wheels[0].name
        shutil.move(str(wheels[0]), target.with_suffix(".part"))
        os.replace(target.with_suffix(".part"), target)
        return target


def read_stamp(wheel_dir: Path) -> dict:
    """The last build's stamp ({"hash", "wheel"}), or {} if none is readable."""
    try:
        return json.loads((wheel_dir / WHEEL_STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_stamp(wheel_dir: Path, source_hash: str, wheel: Path) -> None:
    """Record which sources the current wheel was built from."""
    stamp = wheel_dir / WHEEL_STAMP
    stamp.with_suffix(".part").write_text(json.dumps({"hash": source_hash, "wheel": wheel.name}))
    os.replace(stamp.with_suffix(".part"), stamp)


def remove_old_wheels(wheel_dir: Path, keep: Path) -> None:
    """Delete wheels of earlier builds."""
    for old in wheel_dir.glob(f"{PACKAGE_NAME}-*.whl"):
        if old != keep:
            old.unlink(missing_ok=True)


def ensure_wheel(app: Flask) -> Path:
    """The current wheel, (re)built only when the package sources changed. Thread-safe."""
    cfg = app.config
    wheel_dir, package_root = cfg["WHEEL_DIR"], cfg["PACKAGE_ROOT"]
    with app.extensions["pyposenet"]["wheel_lock"]:
        source_hash = sources_hash(package_root)
        stamp = read_stamp(wheel_dir)
        current = wheel_dir / stamp.get("wheel", "-")
        if stamp.get("hash") == source_hash and current.is_file():
            return current
        app.logger.info("building the %s wheel from %s", PACKAGE_NAME, package_root)
        wheel = build_wheel(package_root, wheel_dir)
        remove_old_wheels(wheel_dir, keep=wheel)
        write_stamp(wheel_dir, source_hash, wheel)
        return wheel


# -------------------------------------------------------------------------- routes


def register_routes(app: Flask) -> None:
    """Attach every route to `app`."""

    @app.get("/")
    def index():
        return send_inside(app.config["WEB_DIR"], "index.html")

    @app.get("/app-config.json")
    def app_config():
        cfg = app.config
        sketch, wheel = cfg["SKETCH"].name, ensure_wheel(app).name
        examples = sorted(p.name for p in cfg["EXAMPLES_DIR"].glob("*.py")) if cfg["EXAMPLES_DIR"].is_dir() else []
        response = jsonify({
            "sketch": {"name": sketch, "url": f"/sketch/{urllib.parse.quote(sketch)}"},
            "wheel": f"/wheel/{urllib.parse.quote(wheel)}",
            "examples": examples,
        })
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.get("/web/<path:subpath>")
    def web(subpath):
        return send_inside(app.config["WEB_DIR"], subpath)

    @app.get("/vendor/<path:subpath>")
    def vendor(subpath):
        path = vendor_file(app.config["VENDOR_DIR"], subpath)
        if path is None:
            abort(404)
        return send_path(path)

    @app.get("/models/<path:subpath>")
    def models(subpath):
        if not is_model_name(subpath):
            abort(404)
        path, looked = find_model(subpath)
        return send_path(path) if path is not None else missing_model(subpath, looked)

    @app.get("/sketch/<path:subpath>")
    def sketch(subpath):
        return send_inside(app.config["SKETCH"].parent, subpath)

    @app.get("/examples/<path:subpath>")
    def examples(subpath):
        return send_inside(app.config["EXAMPLES_DIR"], subpath)

    @app.get("/wheel/<filename>")
    def wheel(filename):
        current = ensure_wheel(app)
        if filename != current.name:
            abort(404)
        return send_path(current, cache_control="no-cache")


def register_hooks(app: Flask) -> None:
    """Security headers on every response; wheel build errors as a plain-text 500."""

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        response.headers["Content-Security-Policy"] = app.config["CONTENT_SECURITY_POLICY"]
        return response

    @app.errorhandler(WheelBuildError)
    def wheel_failed(error: WheelBuildError):
        app.logger.error("wheel build failed: %s", error)
        return Response(f"building the {PACKAGE_NAME} wheel failed: {error}\n", 500, mimetype="text/plain")


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app; `config` overrides the defaults (see build_config)."""
    app = Flask(__name__, static_folder=None)
    app.url_map.merge_slashes = False  # "/sketch//etc/x" is a plain 404, not a redirect
    app.config.update(build_config(config))
    app.extensions["pyposenet"] = {
        "wheel_lock": threading.Lock(),
        "guard": threading.Lock(),
        "download_locks": {},
    }
    register_hooks(app)
    register_routes(app)
    register_pose_api(app)
    return app


# ----------------------------------------------------------------------------- CLI


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line; exits with a message on a bad sketch or models folder."""
    parser = argparse.ArgumentParser(description="Serve a pyposenet sketch in the browser.")
    parser.add_argument("sketch", nargs="?", type=Path, help="the Python sketch to run (default: the webcam skeleton example)")
    parser.add_argument("--models", type=Path, default=os.environ.get("PYPOSENET_MODELS") or None,
                        help="folder laid out like https://storage.googleapis.com/tfjs-models/ (env PYPOSENET_MODELS)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5000, help="port (default 5000; 0 picks a free one with --production)")
    parser.add_argument("--production", action="store_true",
                        help="serve with waitress (a production WSGI server) instead of Flask's development server")
    parser.add_argument("--threads", type=int, default=PRODUCTION_THREADS,
                        help=f"waitress worker threads with --production (default {PRODUCTION_THREADS})")
    args = parser.parse_args(argv)
    if args.sketch is not None:
        problem = sketch_problem(args.sketch)
        if problem:
            parser.error(problem)
        args.sketch = args.sketch.resolve()
    if args.models is not None and not Path(args.models).is_dir():
        parser.error(f"models folder '{args.models}' does not exist")
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    return args


def sketch_problem(path: Path) -> str | None:
    """Why `path` can't be a sketch, or None."""
    if not path.is_file():
        return f"sketch '{path}' does not exist"
    if path.suffix != ".py":
        return f"sketch '{path}' is not a .py file"
    return None


def config_from_args(args: argparse.Namespace) -> dict:
    """The create_app config the command line asks for."""
    config = {}
    if args.sketch is not None:
        config["SKETCH"] = args.sketch
    if args.models is not None:
        config["MODELS_DIR"] = Path(args.models).resolve()
    return config


def is_loopback(host: str) -> bool:
    """True if `host` is only reachable from this machine."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def warn_if_exposed(host: str, server_kind: str) -> None:
    """On stderr: a warning when `host` is reachable from other machines."""
    if not is_loopback(host):
        print(f"WARNING: binding to {host}: the app is reachable from the network "
              f"({server_kind}, no authentication).", file=sys.stderr, flush=True)


def announce(app: Flask, host: str, port: int, how: str = "") -> None:
    """On stdout: which sketch is served at which URL."""
    shown = f"[{host}]" if ":" in host else host
    print(f"pyposenet: serving {app.config['SKETCH']} at http://{shown}:{port}/{how}", flush=True)


def serve(app: Flask, host: str, port: int) -> None:
    """Print where to look (and a warning off loopback), then run Flask's threaded server."""
    warn_if_exposed(host, "development server")
    announce(app, host, port)
    app.run(host=host, port=port, threaded=True)


def create_production_server(app: Flask, host: str, port: int, threads: int):
    """A bound, not yet running waitress server for `app`; exits with a hint if waitress is missing."""
    try:
        import waitress
    except ImportError:
        sys.exit("server.py: error: --production needs waitress: pip install waitress==3.0.2")
    return waitress.create_server(app, host=host, port=port, threads=threads, ident=PACKAGE_NAME)


def bound_address(wsgi_server) -> tuple[str, int]:
    """The (host, port) a waitress server actually listens on (the first, if several)."""
    listening = getattr(wsgi_server, "effective_listen", None)
    return tuple(listening[0]) if listening else (wsgi_server.effective_host, wsgi_server.effective_port)


def serve_production(app: Flask, host: str, port: int, threads: int = PRODUCTION_THREADS) -> None:
    """Serve `app` with waitress until interrupted; prints the real URL (so --port 0 works)."""
    warn_if_exposed(host, "production server")
    wsgi_server = create_production_server(app, host, port, threads)
    bound_host, bound_port = bound_address(wsgi_server)
    announce(app, str(bound_host), int(bound_port), f" (waitress, {threads} threads)")
    wsgi_server.run()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    args = parse_args(argv)
    app = create_app(config_from_args(args))
    problem = sketch_problem(app.config["SKETCH"])
    if problem:
        sys.exit(f"server.py: error: {problem}")
    if args.production:
        serve_production(app, args.host, args.port, args.threads)
    else:
        serve(app, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
