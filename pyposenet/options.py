"""ml5's poseNet option names, their defaults, validation, the model file a configuration needs, and the
one reading of options written as text (parse_option_text: the CLI's and the HTTP API's).

ml5 0.x merged options with `||`, so `scoreThreshold: 0` silently became 0.5; here every explicit
value is kept, 0 and False included.
"""

from __future__ import annotations

import difflib
import json
import math
import warnings
from collections.abc import Mapping
from typing import Any, NoReturn

OFFICIAL_MODEL_ROOT = "https://storage.googleapis.com/tfjs-models/"

# ml5 0.12 defaults, except quantBytes: ml5 used 2 (the quant2 files), which are not available
# offline here, so the float weights (quantBytes 4) are the default. They agree within 0.2 px.
DEFAULTS: dict[str, Any] = {
    "architecture": "MobileNetV1",
    "multiplier": 0.75,
    "outputStride": 16,
    "inputResolution": 257,
    "quantBytes": 4,
    "modelUrl": None,
    "flipHorizontal": False,
    "minConfidence": 0.5,
    "maxPoseDetections": 5,
    "scoreThreshold": 0.5,
    "nmsRadius": 20,
    "detectionType": "multiple",
    "backend": "webgl",
    "flipLabels": False,
    "smoothing": False,
    "tracking": False,
}

# Accepted for ml5 0.x sketches, mapped onto today's options (see resolve_options).
DEPRECATED = {"imageScaleFactor": "inputResolution"}
SMOOTHING_KEYS = ("minCutoff", "beta", "derivateCutoff")
TRACKING_KEYS = ("maxAge", "maxDistance")

ARCHITECTURES = ("MobileNetV1", "ResNet50")
DETECTION_TYPES = ("single", "multiple")
BACKENDS = ("webgl", "wasm", "cpu", "webgpu", "auto")
MOBILENET_MULTIPLIERS = (0.5, 0.75, 1.0)
QUANT_BYTES = (1, 2, 4)
OUTPUT_STRIDES = {"MobileNetV1": (8, 16, 32), "ResNet50": (16, 32)}


PAGE_OPTIONS = ("backend",)


def set_page_defaults(values: Mapping[str, Any]) -> None:
    """Defaults chosen by the page's URL (`?backend=wasm`) for nets that don't set them."""
    for name, value in values.items():
        if name in PAGE_OPTIONS:
            _check_choice(name, value, BACKENDS)
            DEFAULTS[name] = value


def _fail(name: str, value: Any, allowed: str) -> NoReturn:
    raise ValueError(f"poseNet option {name!r}: got {value!r}; allowed: {allowed}")


def _check_choice(name: str, value: Any, choices) -> None:
    if isinstance(value, bool) or value not in choices:
        _fail(name, value, ", ".join(repr(c) for c in choices))


def _number_rule(low: float, high: float = math.inf, integer: bool = False) -> str:
    kind = "an integer" if integer else "a number"
    upper = "" if high == math.inf else f" and <= {high}"
    return f"{kind} >= {low}{upper}"


def _check_number(name: str, value: Any, *, low: float, high: float = math.inf, integer: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and integer:
        ok = float(value).is_integer()
    if not ok or not (low <= value <= high):
        _fail(name, value, _number_rule(low, high, integer))


#: The numeric options checked by range (resolve_options), and the limits.
NUMBER_RULES: dict[str, dict[str, Any]] = {
    "minConfidence": {"low": 0, "high": 1},
    "maxPoseDetections": {"low": 1, "integer": True},
    "scoreThreshold": {"low": 0, "high": 1},
    "nmsRadius": {"low": 0},
}


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        _fail(name, value, "True or False")


def valid_input_resolution(resolution: int, output_stride: int) -> int:
    """The reference's toValidInputResolution: sizes must be k*stride + 1."""
    if (resolution - 1) % output_stride == 0:
        return int(resolution)
    return int(resolution // output_stride * output_stride + 1)


def input_size(options: Mapping[str, Any]) -> tuple[int, int]:
    """(height, width) of the network input for these options."""
    res = options["inputResolution"]
    stride = options["outputStride"]
    if isinstance(res, Mapping):
        return valid_input_resolution(res["height"], stride), valid_input_resolution(res["width"], stride)
    size = valid_input_resolution(res, stride)
    return size, size


def _validate_resolution(value: Any) -> None:
    if isinstance(value, Mapping):
        if set(value) != {"width", "height"}:
            _fail("inputResolution", value, "a number, or {'width': w, 'height': h}")
        for key in ("width", "height"):
            _check_number(f"inputResolution.{key}", value[key], low=33, high=2049)
    else:
        _check_number("inputResolution", value, low=33, high=2049)


def resolve_options(user: Mapping[str, Any] | None = None, detection_type: str | None = None) -> dict[str, Any]:
    """Merge user options over the defaults, keeping every explicit value, and validate them all."""
    user = dict(user or {})
    _map_deprecated(user)
    unknown = [k for k in user if k not in DEFAULTS]
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, DEFAULTS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "."
        raise ValueError(f"unknown poseNet option {name!r}{hint} Known options: {', '.join(DEFAULTS)}")
    options = {**DEFAULTS, **user}
    if options["architecture"] == "ResNet50" and "multiplier" not in user:
        options["multiplier"] = 1.0  # ResNet50 has one width; MobileNet's default doesn't apply
    if detection_type is not None:
        options["detectionType"] = detection_type
    _check_choice("architecture", options["architecture"], ARCHITECTURES)
    if options["architecture"] == "MobileNetV1":
        _check_choice("multiplier", options["multiplier"], MOBILENET_MULTIPLIERS)
    else:
        _check_choice("multiplier", options["multiplier"], (1.0,))
    _check_choice("outputStride", options["outputStride"], OUTPUT_STRIDES[options["architecture"]])
    if options["architecture"] == "MobileNetV1" and options["outputStride"] == 32 and options["multiplier"] != 1.0:
        _fail("outputStride", 32, "8 or 16 with multiplier 0.5 or 0.75 (32 needs multiplier 1.0)")
    _validate_resolution(options["inputResolution"])
    _check_choice("quantBytes", options["quantBytes"], QUANT_BYTES)
    if options["modelUrl"] is not None and not isinstance(options["modelUrl"], str):
        _fail("modelUrl", options["modelUrl"], "None or a URL string")
    _check_bool("flipHorizontal", options["flipHorizontal"])
    for name in ("minConfidence", "maxPoseDetections", "scoreThreshold", "nmsRadius"):
        _check_number(name, options[name], **NUMBER_RULES[name])
    _check_choice("detectionType", options["detectionType"], DETECTION_TYPES)
    _check_choice("backend", options["backend"], BACKENDS)
    _check_bool("flipLabels", options["flipLabels"])
    _check_switch("smoothing", options["smoothing"], SMOOTHING_KEYS)
    _check_switch("tracking", options["tracking"], TRACKING_KEYS)
    return options


def _map_deprecated(user: dict) -> None:
    """ml5 0.x's imageScaleFactor scaled a 513 input; it becomes an inputResolution (unless one is given)."""
    if "imageScaleFactor" not in user:
        return
    factor = user.pop("imageScaleFactor")
    _check_number("imageScaleFactor", factor, low=0.2, high=1.0)
    warnings.warn(
        "poseNet option 'imageScaleFactor' is deprecated: use inputResolution "
        f"(imageScaleFactor {factor} is taken as inputResolution {round(513 * factor)})",
        DeprecationWarning,
        stacklevel=3,
    )
    user.setdefault("inputResolution", max(33, round(513 * factor)))


def _check_switch(name: str, value: Any, keys: tuple[str, ...]) -> None:
    """An on/off feature: False, True, or a dict of its numeric parameters."""
    if isinstance(value, bool):
        return
    if not isinstance(value, Mapping):
        _fail(name, value, f"True, False, or a dict with any of {', '.join(keys)}")
    for key, number in value.items():
        if key not in keys:
            _fail(f"{name}.{key}", number, f"parameters {', '.join(keys)}")
        _check_number(f"{name}.{key}", number, low=0)


def model_path(options: Mapping[str, Any]) -> str:
    """The model.json path under the official root for these options (as the reference builds it)."""
    quant = "float" if options["quantBytes"] == 4 else f"quant{options['quantBytes']}"
    stride = options["outputStride"]
    if options["architecture"] == "ResNet50":
        return f"savedmodel/posenet/resnet50/{quant}/model-stride{stride}.json"
    multiplier = {0.5: "050", 0.75: "075", 1.0: "100"}[options["multiplier"]]
    return f"savedmodel/posenet/mobilenet/{quant}/{multiplier}/model-stride{stride}.json"


#: Where the page finds the app's model files, relative to the page (see pyposenet/server/page.py).
PAGE_MODELS_FOLDER = "pyposenet/models/"


def model_url(options: Mapping[str, Any], models_base: str = PAGE_MODELS_FOLDER) -> str:
    """Where the page loads the model from: `modelUrl` if given (relative: to the sketch's folder), else the
    app's own models folder."""
    return options["modelUrl"] or models_base + model_path(options)


# -- options written as text --------------------------------------------------------------------------
# The command line (`pyposenet detect --nms-radius 30 --option NAME=VALUE`) and the HTTP API's query and
# form fields (`POST /api/pose?flipHorizontal=true`) give options as text; parse_option_text is the one
# reading of it. It only turns text into Python values; resolve_options then checks them.

TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")
BOOLEAN_OPTIONS = ("flipHorizontal", "flipLabels")
NUMBER_OPTIONS = (
    "minConfidence",
    "maxPoseDetections",
    "scoreThreshold",
    "nmsRadius",
    "multiplier",
    "outputStride",
    "quantBytes",
)
#: Number options whose values are whole numbers: "16.0" is read as 16 (the model file's name uses it).
INTEGER_OPTIONS = ("maxPoseDetections", "outputStride", "quantBytes")
SWITCH_OPTIONS = {"smoothing": SMOOTHING_KEYS, "tracking": TRACKING_KEYS}
BOOLEAN_TEXT = "true or false (also 1/0, yes/no, on/off, any case)"
RESOLUTION_TEXT = 'a size like 257, WIDTHxHEIGHT like 353x257, or JSON like {"width": 353, "height": 257}'


def _number_text(name: str) -> str:
    """What a number option allows, as the refusal names it."""
    if name in NUMBER_RULES:
        return _number_rule(**NUMBER_RULES[name])
    choices = {
        "multiplier": MOBILENET_MULTIPLIERS,
        "quantBytes": QUANT_BYTES,
        "outputStride": sorted({s for strides in OUTPUT_STRIDES.values() for s in strides}),
    }[name]
    return ", ".join(repr(c) for c in choices)


def _parse_number(text: str) -> int | float | None:
    """'20' -> 20, '0.5' -> 0.5, '1e3' -> 1000.0; None when the text is not a number."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def _parse_boolean(text: str) -> bool | None:
    lowered = text.lower()
    return True if lowered in TRUE_WORDS else False if lowered in FALSE_WORDS else None


def _parse_json_object(name: str, text: str, allowed: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise ValueError(
            f"poseNet option {name!r}: got {text!r}, which is not valid JSON ({error}); allowed: {allowed}"
        ) from None
    if not isinstance(value, dict):
        _fail(name, text, allowed)
    return value


def parse_option_text(name: str, text: str) -> Any:
    """A poseNet option given as text (a command-line value, a query or form field) as the Python value
    resolve_options takes, which then checks it. Surrounding spaces are ignored. Accepted:

      flipHorizontal, flipLabels   true/false, 1/0, yes/no, on/off (any case)
      number options               what Python's int() or float() reads: 20, 0.5, 1e3 (a whole
                                   maxPoseDetections/outputStride/quantBytes like 16.0 is read as 16)
      inputResolution              257; WIDTHxHEIGHT like 353x257 (or 353×257); JSON {"width": 353, "height": 257}
      smoothing, tracking          a boolean word as above, or a JSON object: {"beta": 0.05}
      any other name               the text as JSON when it parses ("null", "\"x\""), else the text itself

    ValueError naming the option, the text and what is allowed when the text is none of these."""
    text = text.strip()
    if name in BOOLEAN_OPTIONS:
        value = _parse_boolean(text)
        if value is None:
            _fail(name, text, BOOLEAN_TEXT)
        return value
    if name in NUMBER_OPTIONS:
        number = _parse_number(text)
        if number is None:
            _fail(name, text, _number_text(name))
        if name in INTEGER_OPTIONS and isinstance(number, float) and number.is_integer():
            number = int(number)
        return number
    if name == "inputResolution":
        if text.startswith("{"):
            return _parse_json_object(name, text, RESOLUTION_TEXT)
        parts = [_parse_number(part.strip()) for part in text.lower().replace("×", "x").split("x")]
        if None in parts or len(parts) > 2:
            _fail(name, text, RESOLUTION_TEXT)
        return parts[0] if len(parts) == 1 else {"width": parts[0], "height": parts[1]}
    if name in SWITCH_OPTIONS:
        allowed = f"{BOOLEAN_TEXT}, or a JSON object with any of {', '.join(SWITCH_OPTIONS[name])}"
        if text.startswith("{"):
            return _parse_json_object(name, text, allowed)
        value = _parse_boolean(text)
        if value is None:
            _fail(name, text, allowed)
        return value
    try:
        return json.loads(text)
    except ValueError:
        return text
