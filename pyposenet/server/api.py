"""`POST /api/pose`: an uploaded image in, ml5-shaped JSON out, for clients without WebGL.

The server runs PoseNet itself with the host runtime (numpy, `pyposenet._host`), on the models the page
gets: the models folder, then the download cache, then one download from the official storage.

    curl -F image=@photo.jpg 'http://127.0.0.1:5000/api/pose?detectionType=single'
    curl --data-binary @photo.jpg -H 'Content-Type: image/jpeg' 'http://127.0.0.1:5000/api/pose?flipHorizontal=true'

Request: multipart/form-data with the file in the field `image` (options as further form fields or query
arguments), or the image as the raw body with an `image/*` Content-Type (options as query arguments). Options
have poseNet's names (`detection` is short for `detectionType`) and are checked by `resolve_options`, the
Python API's own validation, after `parse_option_text` (pyposenet/options.py, shared with the CLI) read the
text: booleans as true/false, 1/0, yes/no or on/off, inputResolution as 257, 353x257 or JSON. The image's type
is sniffed from the bytes, never taken from names or headers.

Response: {"poses": [ml5 results], "width", "height", "model": {...}, "ms": {...}} (see `pose_response`);
every error is {"error": "..."} with its status: 400 bad request or option, 405 not POST, 413 too big
(bytes or pixels), 415 not an allowed image type, 422 a damaged image, 501 numpy/Pillow missing, 503 the
model cannot be found. Nothing is written to disk: uploads are parsed in memory (MAX_CONTENT_LENGTH bounds them).

Config (create_app's config, defaults in DEFAULTS): MAX_CONTENT_LENGTH (Flask's), POSE_API_MAX_PIXELS,
POSE_API_IMAGE_TYPES, POSE_API_BLAS_THREADS (inference runs inside pyposenet._host.blas.BlasThreads, as the
CLI's detect does).
"""

from __future__ import annotations

import asyncio
import difflib
import io
import json
import threading
import time

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.formparser import FormDataParser

from ..options import input_size, model_path, parse_option_text, resolve_options
from ..results_json import dumps, image_entry
from ..runtime import Runtime

ROUTE = "/api/pose"
FIELD = "image"
DEFAULTS = {
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,  # bytes of a request body (Flask's own setting: 413 beyond)
    "POSE_API_MAX_PIXELS": 4096 * 4096,  # width x height of an uploaded image (413 beyond)
    "POSE_API_IMAGE_TYPES": ("JPEG", "PNG", "WEBP", "GIF", "BMP"),  # Pillow format names, sniffed
    "POSE_API_BLAS_THREADS": 1,  # BLAS threads during inference (None: numpy's default, one per core)
}
TYPE_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF (first frame)", "BMP": "BMP"}
HOST_EXTRA = 'pip install "pyposenet[host]"'

# The poseNet options a request may set. Not here: modelUrl (the server loads only its own models, never
# a path or URL a client names), backend (the page's), smoothing and tracking (they follow a video).
REQUEST_OPTIONS = (
    "detectionType",
    "flipHorizontal",
    "flipLabels",
    "minConfidence",
    "maxPoseDetections",
    "scoreThreshold",
    "nmsRadius",
    "inputResolution",
    "architecture",
    "multiplier",
    "outputStride",
    "quantBytes",
)
ALIASES = {"detection": "detectionType"}
NOT_FOR_REQUESTS = {
    "modelUrl": "the server loads only the models in its own models folder",
    "backend": "the server runs the network with numpy",
    "smoothing": "it follows people across video frames",
    "tracking": "it follows people across video frames",
    "imageScaleFactor": "use inputResolution",
}
MODEL_KEYS = ("architecture", "multiplier", "outputStride", "quantBytes", "inputResolution")


class ApiError(Exception):
    """A request the API refuses: its HTTP status and a message saying what was wrong and what is allowed."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str, headers: dict | None = None) -> Response:
    return Response(
        json.dumps({"error": message}) + "\n",
        status=status,
        mimetype="application/json",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


# ------------------------------------------------------------------------------------------- options


def request_options(args: MultiDict, form: MultiDict) -> dict:
    """poseNet options from the query and form fields (strings), read by parse_option_text, not yet checked
    by resolve_options; 400 naming the option when its text cannot be read."""
    given: dict[str, str] = {}
    for source in (args, form):
        for sent in source:
            if source is form and sent == FIELD:
                continue
            if not isinstance(sent, str) or not sent:  # a multipart part whose name werkzeug could not read
                raise ApiError(400, f"a form field has no name ({sent!r}); options: {', '.join(REQUEST_OPTIONS)}")
            values = source.getlist(sent)
            name = ALIASES.get(sent, sent)
            if name not in REQUEST_OPTIONS:
                raise ApiError(400, unknown_option_message(sent))
            if len(values) > 1 or name in given:
                raise ApiError(400, f"option {name!r} is given more than once; give it once")
            given[name] = values[0]
    return {name: typed(name, text) for name, text in given.items()}


def unknown_option_message(name: str) -> str:
    allowed = ", ".join((*REQUEST_OPTIONS, *ALIASES))
    if name in NOT_FOR_REQUESTS:
        return f"option {name!r} is not accepted by {ROUTE} ({NOT_FOR_REQUESTS[name]}); options: {allowed}"
    close = difflib.get_close_matches(name, (*REQUEST_OPTIONS, *ALIASES), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown option {name!r}{hint}; options: {allowed} (and the file field {FIELD!r})"


def typed(name: str, text: str):
    """A form/query string as the Python value poseNet takes (options.parse_option_text); 400 when it is none."""
    try:
        return parse_option_text(name, text)
    except ValueError as error:
        raise ApiError(400, f"bad option: {error}") from None


def checked_options(raw: dict) -> dict:
    """resolve_options (the Python API's validation) over the request's options; 400 naming what is wrong."""
    try:
        return resolve_options(raw)
    except ValueError as error:
        raise ApiError(400, f"bad option: {error}") from None


# --------------------------------------------------------------------------------------------- upload


def _in_memory(*_args, **_kwargs) -> io.BytesIO:
    """Werkzeug's stream factory, kept in memory (its default spools files over 500 KB to disk)."""
    return io.BytesIO()


def read_upload() -> tuple[bytes, MultiDict]:
    """The uploaded image's bytes and the form fields (empty for a raw body)."""
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        parser = FormDataParser(
            _in_memory,
            max_form_memory_size=request.max_form_memory_size,
            max_content_length=request.max_content_length,
            max_form_parts=request.max_form_parts,
            cls=MultiDict,
            silent=False,
        )
        try:
            _, form, files = parser.parse(request.stream, mimetype, request.content_length, request.mimetype_params)
        except ValueError as error:  # a malformed multipart body
            raise ApiError(400, f"cannot read the multipart/form-data body: {error}") from None
        uploads = files.getlist(FIELD)
        if not uploads:
            if FIELD in form:
                raise ApiError(
                    400, f"field {FIELD!r} is a text field; send the image as a file (curl -F {FIELD}=@photo.jpg)"
                )
            raise ApiError(
                400,
                f"missing the file field {FIELD!r}; send the image as multipart/form-data "
                f"field {FIELD!r} (curl -F {FIELD}=@photo.jpg)",
            )
        if len(uploads) > 1:
            raise ApiError(400, f"{len(uploads)} files in field {FIELD!r}; send one image per request")
        data = uploads[0].read()
        if not data:
            raise ApiError(400, f"the file in field {FIELD!r} is empty")
        return data, form
    if mimetype.startswith("image/"):
        data = request.get_data(cache=False)
        if not data:
            raise ApiError(400, "the request body is empty; send the image's bytes")
        return data, MultiDict()
    sent = f"Content-Type {mimetype!r} is not accepted" if mimetype else "no Content-Type"
    raise ApiError(
        415,
        f"{sent}; send multipart/form-data with the image in field {FIELD!r} "
        f"(curl -F {FIELD}=@photo.jpg) or the image as the body with an image/* Content-Type",
    )


def allowed_types_text(types) -> str:
    return ", ".join(TYPE_NAMES.get(t, t) for t in types)


def decode_image(data: bytes, types, max_pixels: int | None):
    """The upload's fully decoded HxWx3 uint8 pixels (the type sniffed from the bytes by Pillow, only the allowed
    types' decoders used), before the model sees anything; every way the bytes can fail is a 4xx."""
    from .._host.images import ImageReadError, read_image

    try:
        return read_image(data, formats=list(types), max_pixels=max_pixels)
    except ImageReadError as error:
        if error.problem == "unsupported":
            raise ApiError(
                415, f"the upload is {sniffed_type(data)}; allowed image types: {allowed_types_text(types)}"
            ) from None
        if error.problem == "too_large":
            limit = " (POSE_API_MAX_PIXELS)" if error.size else ""
            raise ApiError(413, f"{error}{limit}") from None
        raise ApiError(422, str(error)) from None


def sniffed_type(data: bytes) -> str:
    """What the bytes look like to Pillow's other decoders (header only, nothing decoded), for messages."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return f"a {image.format} image"
    except UnidentifiedImageError:
        return "not an image Pillow recognises"
    except Exception:  # noqa: BLE001 - only naming the type; any failure means "unknown"
        return "not an image of a known type"


# --------------------------------------------------------------------------------------------- models


class ServiceRuntime:  # implements pyposenet.runtime.Runtime
    """The runtime contract (pyposenet/runtime.py) for the API: the host runtime's inference, the service's
    model cache, and no status or error logging of its own (errors become the response)."""

    def __init__(self, pose_service: PoseService):
        self.service = pose_service

    async def load_model(self, options):
        return self.service.model(options)

    async def run(self, model, image, roots=None):
        return self.service.host.infer(model, image)

    async def next_frame(self, video) -> None:
        await asyncio.sleep(0)

    def has_frame(self, video) -> bool:
        return video is not None

    def set_status(self, text: str) -> None:
        pass

    def report_error(self, exc: BaseException, where: str) -> None:
        pass


class PoseService:
    """One per app: the host runtime on the app's model folders, each model loaded once (thread-safe)."""

    def __init__(self, app: Flask):
        from .._host.blas import BlasThreads
        from .._host.runtime import HostRuntime  # numpy: imported when the API is first used

        cfg = app.config
        self.host = HostRuntime(
            models_dir=cfg["MODELS_DIR"],
            cache_dir=cfg["MODEL_CACHE_DIR"],
            base_url=cfg["MODEL_BASE_URL"] or None,
            download_timeout=cfg["MODEL_DOWNLOAD_TIMEOUT"],
        )
        self.runtime: Runtime = ServiceRuntime(self)
        self.blas = BlasThreads(cfg["POSE_API_BLAS_THREADS"])
        self._models: dict[str, object] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.loads = 0  # models loaded so far (a cache hit loads nothing)

    @staticmethod
    def model_key(options) -> str:
        return json.dumps({"file": model_path(options), "input": input_size(options)})

    def model(self, options):
        """The loaded model for these options: from the cache, else loaded once, even when asked at once."""
        key = self.model_key(options)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._models:
                self._models[key] = self.host.load_model_sync(options)
                self.loads += 1
            return self._models[key]

    def detect(self, pixels, options) -> tuple[list, dict]:
        """ml5 results for these pixels through the Python API's own net, and where the time went (ms)."""
        from .. import poseNet

        async def run():
            started = time.perf_counter()
            net = await poseNet(dict(options), runtime=self.runtime)
            loaded = time.perf_counter()
            results = await (net.singlePose(pixels) if options["detectionType"] == "single" else net.multiPose(pixels))
            return results, (loaded - started) * 1000, net.stats

        with self.blas:
            results, load_ms, stats = asyncio.run(run())
        return results, {
            "model": round(load_ms, 2),
            "network": round(stats.model_ms[-1], 2),
            "poses": round(stats.decode_ms[-1], 2),
        }


def service(app: Flask) -> PoseService:
    """The app's PoseService, made on first use; 501 when numpy or Pillow are not installed."""
    state = app.extensions["pyposenet_api"]
    with state["guard"]:
        if state["service"] is None:
            try:
                import numpy  # noqa: F401 - imported only to check the host extra is installed
                import PIL.Image  # noqa: F401 - (as numpy)

                state["service"] = PoseService(app)
            except ImportError as error:
                raise ApiError(
                    501,
                    f"{ROUTE} runs PoseNet on the server with numpy and Pillow, which are not "
                    f"installed ({error}): {HOST_EXTRA}",
                ) from None
        return state["service"]


# -------------------------------------------------------------------------------------------- the route


def pose_response(results: list, width: int, height: int, options: dict, ms: dict) -> dict:
    """The answer: the image's entry (shared with `pyposenet detect --json`), the model used and timings."""
    height_in, width_in = input_size(options)
    model = {key: options[key] for key in MODEL_KEYS if key != "inputResolution"}
    model.update(
        inputResolution={"width": width_in, "height": height_in},
        file=model_path(options),
        detectionType=options["detectionType"],
    )
    return {**image_entry(results, width, height), "model": model, "ms": ms}


def handle_pose() -> Response:
    started = time.perf_counter()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a werkzeug LocalProxy, typed as Flask
    cfg = app.config
    pose_service = service(app)
    data, form = read_upload()
    options = checked_options(request_options(request.args, form))
    decode_start = time.perf_counter()
    pixels = decode_image(data, cfg["POSE_API_IMAGE_TYPES"], cfg["POSE_API_MAX_PIXELS"])
    decode_ms = (time.perf_counter() - decode_start) * 1000
    from .._host.runtime import ModelNotFoundError

    try:
        results, ms = pose_service.detect(pixels, options)
    except ModelNotFoundError as error:
        raise ApiError(503, f"the model for these options is not available: {error}") from None
    height, width = pixels.shape[:2]
    ms = {"decode": round(decode_ms, 2), **ms, "total": round((time.perf_counter() - started) * 1000, 2)}
    return Response(
        dumps(pose_response(results, width, height, options, ms)) + "\n",
        status=200,
        mimetype="application/json",
        headers={"Cache-Control": "no-store"},
    )


def make_blueprint() -> Blueprint:
    blueprint = Blueprint("pose_api", __name__)

    @blueprint.post(ROUTE)
    def pose():
        return handle_pose()

    @blueprint.route(ROUTE, methods=["GET", "PUT", "PATCH", "DELETE"])
    def not_post():
        raise MethodNotAllowed(valid_methods=["POST"])

    @blueprint.errorhandler(ApiError)
    def refused(error: ApiError):
        if error.status >= 500:
            current_app.logger.error("%s: %s", ROUTE, error.message)
        return error_response(error.status, error.message)

    @blueprint.errorhandler(Exception)
    def failed(error: Exception):
        if isinstance(error, HTTPException):  # 413 while reading the body
            return http_error_response(error)
        current_app.logger.exception("%s failed", ROUTE)
        return error_response(500, f"internal error in {ROUTE}: {type(error).__name__}: {error}")

    return blueprint


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MB"


def http_error_response(error: HTTPException) -> Response:
    """Werkzeug's HTTP errors under /api/ as JSON, with a message saying what is allowed."""
    if error.code == 405 and request.path != ROUTE:
        error = NotFound()  # the page's GET route for the sketch's files matches any path: here, no route
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    messages: dict[int | None, str] = {
        405: f"{request.method} is not allowed on {request.path}; use POST (see docs/http-api.md)",
        413: f"the request body is larger than the limit of {megabytes(limit)} (MAX_CONTENT_LENGTH = {limit} bytes)"
        if limit
        else "the request body is too large",
        404: f"no API route {request.path}; the API has POST {ROUTE}",
    }
    message = messages.get(error.code, error.description or error.name)
    headers = {"Allow": error.get_response().headers["Allow"]} if error.code == 405 else None
    return error_response(error.code or 500, message, headers)


def register_pose_api(app: Flask) -> None:
    """Add POST /api/pose to `app` (config defaults in DEFAULTS); HTTP errors under /api/ become JSON."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.extensions["pyposenet_api"] = {"guard": threading.Lock(), "service": None}
    app.register_blueprint(make_blueprint())

    @app.errorhandler(HTTPException)
    def api_http_error(error: HTTPException):
        if not request.path.startswith("/api/"):
            return error  # every other route keeps Flask's own error responses
        return http_error_response(error)
