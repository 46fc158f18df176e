"""What the page is told, the same whether the server or a static export delivers it.

The page sits in the sketch's folder (like p5's index.html beside sketch.js), so every relative URL a
sketch uses finds the files beside it; the app's own files live under one folder, `pyposenet/`:

    index.html                       the page (CSP as a <meta> too)
    SKETCH.py, data.json, img/...    the sketch and the files beside it
    pyposenet/app-config.json        which sketch, which wheel, which examples and models
    pyposenet/web/...                the page's scripts; web/vendor/: Pyodide, TF.js, p5
    pyposenet/wheel/NAME.whl         the browser wheel
    pyposenet/models/...             model files, laid out like the official storage
    pyposenet/examples/NAME.py       the bundled examples (served only)
    api/pose                         POST: poses in an uploaded image (served only, server/api.py)
"""

from __future__ import annotations

import html
import urllib.parse
from pathlib import Path

from .security import meta_policy

APP_FOLDER = "pyposenet"  # the one folder name a sketch's own files cannot use
WEB_DIR = Path(__file__).resolve().parent.parent / "web"
PAGE_TEMPLATE = "index.html"
CSP_MARKER = "<!-- pyposenet: content security policy -->"
# Names the app takes in the sketch's folder (the page, its folder, POST /api/pose): a sketch's own files by
# these names are not served.
RESERVED_NAMES = (APP_FOLDER, "index.html", "api")


def render_page(policy: str, web_dir: Path = WEB_DIR) -> str:
    """The page's HTML with `policy` in a <meta> (what a browser accepts there of it)."""
    template = (web_dir / PAGE_TEMPLATE).read_text(encoding="utf-8")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(meta_policy(policy))}">'
    if CSP_MARKER not in template:
        raise ValueError(f"{web_dir / PAGE_TEMPLATE} lacks the marker {CSP_MARKER!r} for the page's policy")
    return template.replace(CSP_MARKER, meta)


def app_config(sketch_name: str, wheel_name: str, examples: list[str], models: list[str] | None = None) -> dict:
    """app-config.json: URLs relative to the page. `models`: the model.json files an export holds
    (None when served: the server finds or downloads any official model)."""
    quote = urllib.parse.quote
    return {
        "sketch": {"name": sketch_name, "url": quote(sketch_name)},
        "wheel": f"{APP_FOLDER}/wheel/{quote(wheel_name)}",
        "examples": examples,
        "static": models is not None,
        "models": models,
    }
