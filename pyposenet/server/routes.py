"""The page and its files (see page.py for the URL layout): one blueprint."""

from __future__ import annotations

import threading

from flask import Blueprint, Response, abort, current_app, jsonify

from ..models import ModelNameError, ModelNotFoundError, ModelStore, is_model_name
from .browser_wheel import BrowserWheel, WheelCache
from .files import send_inside, send_path
from .page import APP_FOLDER, RESERVED_NAMES, app_config, render_page

blueprint = Blueprint("page", __name__)


class PageState:
    """Per app: the browser wheel (remade when its sources change) and the model store."""

    def __init__(self, config):
        self.wheels = WheelCache()
        self.wheel_lock = threading.Lock()
        self.models = ModelStore(
            config["MODELS_DIR"],
            config["MODEL_CACHE_DIR"],
            config["MODEL_BASE_URL"] or None,
            config["MODEL_DOWNLOAD_TIMEOUT"],
        )

    def wheel(self) -> BrowserWheel:
        with self.wheel_lock:
            return self.wheels.current()


def state() -> PageState:
    return current_app.extensions["pyposenet"]


def examples() -> list[str]:
    folder = current_app.config["EXAMPLES_DIR"]
    return sorted(p.name for p in folder.glob("*.py")) if folder.is_dir() else []


@blueprint.get("/")
@blueprint.get("/index.html")
def page():
    html = render_page(current_app.config["CONTENT_SECURITY_POLICY"], current_app.config["WEB_DIR"])
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-cache"})


@blueprint.get(f"/{APP_FOLDER}/app-config.json")
def config_json():
    response = jsonify(app_config(current_app.config["SKETCH"].name, state().wheel().name, examples()))
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get(f"/{APP_FOLDER}/web/<path:subpath>")
def web(subpath):
    return send_inside(current_app.config["WEB_DIR"], subpath)


@blueprint.get(f"/{APP_FOLDER}/wheel/<filename>")
def wheel(filename):
    current = state().wheel()
    if filename != current.name:
        abort(404)
    return Response(
        current.data,
        mimetype="application/octet-stream",
        headers={"Cache-Control": "no-cache", "Content-Length": str(len(current.data))},
    )


@blueprint.get(f"/{APP_FOLDER}/models/<path:subpath>")
def models(subpath):
    if not is_model_name(subpath):
        abort(404)
    try:
        return send_path(state().models.find(subpath))
    except ModelNameError:  # leads out of its folder (a symlink)
        abort(404)
    except ModelNotFoundError as error:
        current_app.logger.warning("%s", error)
        return Response(f"{error}\n", status=404, mimetype="text/plain")


@blueprint.get(f"/{APP_FOLDER}/examples/<path:subpath>")
def example(subpath):
    return send_inside(current_app.config["EXAMPLES_DIR"], subpath)


@blueprint.get("/<path:subpath>")
def sketch_file(subpath):
    """The sketch and every file beside it, at the page's own level (p5's relative URLs)."""
    if subpath.split("/", 1)[0] in RESERVED_NAMES:
        abort(404)
    return send_inside(current_app.config["SKETCH"].parent, subpath)
