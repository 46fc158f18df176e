"""`pyposenet serve`: run the app for one sketch, with Flask's development server or waitress.

    pyposenet serve [SKETCH.py] [--models DIR] [--host 127.0.0.1] [--port 5000] [--production] [--threads N]

The command line itself is pyposenet/cli.py's (it imports this module only to serve).
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from flask import Flask

from . import create_app

PRODUCTION_THREADS = 8  # app calls are short: waitress streams file bodies from its I/O loop
LOOPBACK_NAMES = ("localhost",)
SERVER_NAME = "pyposenet"


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
        config["MODELS_DIR"] = Path(args.models).expanduser().resolve()
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
        print(
            f"WARNING: binding to {host}: the app is reachable from the network ({server_kind}, no authentication).",
            file=sys.stderr,
            flush=True,
        )


def announce(app: Flask, host: str, port: int, how: str = "") -> None:
    """On stdout: which sketch is served at which URL."""
    shown = f"[{host}]" if ":" in host else host
    print(f"pyposenet: serving {app.config['SKETCH']} at http://{shown}:{port}/{how}", flush=True)


def serve_development(app: Flask, host: str, port: int) -> None:
    """Print where to look (and a warning off loopback), then run Flask's threaded server."""
    warn_if_exposed(host, "development server")
    announce(app, host, port)
    app.run(host=host, port=port, threaded=True)


def create_production_server(app: Flask, host: str, port: int, threads: int):
    """A bound, not yet running waitress server for `app`."""
    import waitress

    return waitress.create_server(app, host=host, port=port, threads=threads, ident=SERVER_NAME)


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


def run(args: argparse.Namespace) -> int:
    """Serve what `args` asks for (sketch, models, host, port, production, threads: checked by the CLI),
    until interrupted."""
    app = create_app(config_from_args(args))
    problem = sketch_problem(app.config["SKETCH"])
    if problem:
        sys.exit(f"pyposenet serve: error: {problem}")
    if args.production:
        serve_production(app, args.host, args.port, args.threads)
    else:
        serve_development(app, args.host, args.port)
    return 0
