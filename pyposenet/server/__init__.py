"""pyposenet's web app: the page, its files, the sketch, the model files and POST /api/pose.

    from pyposenet.server import create_app
    app = create_app({"SKETCH": "my/sketch.py", "MODELS_DIR": "models/"})   # config: see config.py

`pyposenet serve` (serve.py) runs it with Flask's development server or waitress; `pyposenet export`
writes the same page into a static folder. Every response carries the security headers (security.py);
dot-files are never served.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response

from .api import register_pose_api
from .config import build_config
from .routes import PageState, blueprint
from .security import SECURITY_HEADERS

__all__ = ["create_app"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The Flask app; `config` overrides the defaults (see config.build_config)."""
    app = Flask(__name__, static_folder=None)
    app.url_map.merge_slashes = False  # "//etc/x" is a plain 404, not a redirect
    app.config.update(build_config(config))
    app.extensions["pyposenet"] = PageState(app.config)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        response.headers["Content-Security-Policy"] = app.config["CONTENT_SECURITY_POLICY"]
        return response

    register_pose_api(app)
    app.register_blueprint(blueprint)
    return app
