"""Sending files from a folder without ever leaving it: no `..`, no symlinks out, no dot-files."""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, send_file

# The one set of path rules, shared with the model files (which the server serves too).
from ..models.names import MAX_NAME as MAX_SUBPATH
from ..models.names import is_hidden, is_plain_subpath, is_regular_file, resolve_inside

__all__ = [
    "MIME_TYPES",
    "MAX_SUBPATH",
    "is_hidden",
    "is_plain_subpath",
    "resolve_inside",
    "is_regular_file",
    "send_path",
    "send_inside",
]

MIME_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".py": "text/x-python; charset=utf-8",
}


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
    if path is None or not is_regular_file(path):
        abort(404)
    return send_path(path)
