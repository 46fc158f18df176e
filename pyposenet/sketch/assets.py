"""File names in a sketch are relative to the sketch's folder, as p5's are to the sketch's page."""

from __future__ import annotations

import re

_HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def folder_of(url: str) -> str:
    """The folder part of a sketch's URL: 'pyposenet/examples/a.py' -> 'pyposenet/examples/'; 'my.py' -> ''."""
    return url[: url.rfind("/") + 1] if "/" in url else ""


def resolve_asset(path: str, base: str) -> str:
    """`path` relative to the folder URL `base`; absolute paths and URLs (http:, data:, blob:) unchanged."""
    if not base or not path or path.startswith("/") or _HAS_SCHEME.match(path):
        return path
    while path.startswith("./"):
        path = path[2:]
    return base + path
