"""poseNet options: ml5's names and defaults, explicit falsy values kept, validation messages, model files."""

import itertools

import pytest

from pyposenet.options import (
    DEFAULTS,
    input_size,
    model_path,
    model_url,
    resolve_options,
    valid_input_resolution,
)

ML5_DEFAULTS = {
    "architecture": "MobileNetV1",
    "multiplier": 0.75,
    "outputStride": 16,
    "inputResolution": 257,
    "quantBytes": 4,
    "modelUrl": None,
    "minConfidence": 0.5,
    "maxPoseDetections": 5,
    "scoreThreshold": 0.5,
    "nmsRadius": 20,
    "detectionType": "multiple",
    "flipHorizontal": False,
    "backend": "webgl",
    # beyond ml5 0.x, all off by default
    "flipLabels": False,
    "smoothing": False,
    "tracking": False,
}

KNOWN = (
    "architecture, multiplier, outputStride, inputResolution, quantBytes, modelUrl, flipHorizontal, "
    "minConfidence, maxPoseDetections, scoreThreshold, nmsRadius, detectionType, backend, "
    "flipLabels, smoothing, tracking"
)


# -- defaults -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", [None, {}])
def test_defaults_are_ml5s(user):
    assert resolve_options(user) == ML5_DEFAULTS


def test_defaults_table_has_exactly_the_ml5_names():
    assert set(DEFAULTS) == set(ML5_DEFAULTS)


def test_resolve_does_not_mutate_defaults_or_user_dict():
    user = {"scoreThreshold": 0.1}
    options = resolve_options(user, "single")
    options["nmsRadius"] = 99
    assert user == {"scoreThreshold": 0.1}
    assert DEFAULTS["nmsRadius"] == 20
    assert DEFAULTS["detectionType"] == "multiple"


# -- explicit values, falsy ones included (ml5 0.x's `||` turned them into the defaults) -------------


@pytest.mark.parametrize(
    "name, value",
    [
        ("scoreThreshold", 0),
        ("scoreThreshold", 0.0),
        ("minConfidence", 0),
        ("minConfidence", 0.0),
        ("flipHorizontal", False),
        ("flipHorizontal", True),
        ("nmsRadius", 0),
        ("maxPoseDetections", 1),
        ("scoreThreshold", 1),
        ("minConfidence", 1.0),
        ("nmsRadius", 7.5),
        ("detectionType", "single"),
        ("backend", "wasm"),
        ("backend", "cpu"),
        ("multiplier", 0.5),
        ("multiplier", 1.0),
        ("outputStride", 8),
        ("inputResolution", 513),
        ("inputResolution", {"width": 321, "height": 241}),
        ("quantBytes", 1),
        ("quantBytes", 2),
        ("modelUrl", "/my/model.json"),
    ],
)
def test_explicit_value_is_kept(name, value):
    options = resolve_options({name: value})
    assert options[name] == value
    assert type(options[name]) is type(value)  # 0 stays 0, False stays False
    others = {k: v for k, v in options.items() if k != name}
    assert others == {k: v for k, v in ML5_DEFAULTS.items() if k != name}


def test_all_falsy_values_together_are_kept():
    options = resolve_options({"scoreThreshold": 0, "minConfidence": 0, "flipHorizontal": False, "nmsRadius": 0})
    assert (options["scoreThreshold"], options["minConfidence"], options["flipHorizontal"], options["nmsRadius"]) == (
        0,
        0,
        False,
        0,
    )


@pytest.mark.parametrize(
    "detection_type, in_options, expected",
    [
        (None, None, "multiple"),
        ("single", None, "single"),
        ("multiple", None, "multiple"),
        (None, "single", "single"),
        ("single", "multiple", "single"),  # the string argument beats options["detectionType"]
        ("multiple", "single", "multiple"),
    ],
)
def test_detection_type_argument_beats_option(detection_type, in_options, expected):
    user = {} if in_options is None else {"detectionType": in_options}
    assert resolve_options(user, detection_type)["detectionType"] == expected


def test_detection_type_argument_is_validated():
    with pytest.raises(ValueError) as info:
        resolve_options(None, "singel")
    assert str(info.value) == "poseNet option 'detectionType': got 'singel'; allowed: 'single', 'multiple'"


# -- bad values: the message names the option, the value and what is allowed --------------------------

BAD_VALUES = [
    ({"architecture": "mobilenet"}, "architecture", "'mobilenet'", "'MobileNetV1', 'ResNet50'"),
    ({"architecture": None}, "architecture", "None", "'MobileNetV1', 'ResNet50'"),
    ({"multiplier": 0.6}, "multiplier", "0.6", "0.5, 0.75, 1.0"),
    ({"multiplier": "0.75"}, "multiplier", "'0.75'", "0.5, 0.75, 1.0"),
    ({"multiplier": True}, "multiplier", "True", "0.5, 0.75, 1.0"),  # True == 1.0 must not pass
    ({"architecture": "ResNet50", "multiplier": 0.5}, "multiplier", "0.5", "1.0"),
    ({"outputStride": 12}, "outputStride", "12", "8, 16, 32"),
    ({"architecture": "ResNet50", "multiplier": 1.0, "outputStride": 8}, "outputStride", "8", "16, 32"),
    ({"outputStride": 32}, "outputStride", "32", "8 or 16 with multiplier 0.5 or 0.75 (32 needs multiplier 1.0)"),
    (
        {"multiplier": 0.5, "outputStride": 32},
        "outputStride",
        "32",
        "8 or 16 with multiplier 0.5 or 0.75 (32 needs multiplier 1.0)",
    ),
    ({"inputResolution": 10}, "inputResolution", "10", "a number >= 33 and <= 2049"),
    ({"inputResolution": 4000}, "inputResolution", "4000", "a number >= 33 and <= 2049"),
    ({"inputResolution": "257"}, "inputResolution", "'257'", "a number >= 33 and <= 2049"),
    (
        {"inputResolution": {"width": 300}},
        "inputResolution",
        "{'width': 300}",
        "a number, or {'width': w, 'height': h}",
    ),
    ({"inputResolution": {"width": 300, "height": 20}}, "inputResolution.height", "20", "a number >= 33 and <= 2049"),
    ({"quantBytes": 3}, "quantBytes", "3", "1, 2, 4"),
    ({"quantBytes": 4.5}, "quantBytes", "4.5", "1, 2, 4"),
    ({"modelUrl": 5}, "modelUrl", "5", "None or a URL string"),
    ({"flipHorizontal": 0}, "flipHorizontal", "0", "True or False"),
    ({"flipHorizontal": "yes"}, "flipHorizontal", "'yes'", "True or False"),
    ({"minConfidence": 1.5}, "minConfidence", "1.5", "a number >= 0 and <= 1"),
    ({"minConfidence": -0.1}, "minConfidence", "-0.1", "a number >= 0 and <= 1"),
    ({"minConfidence": True}, "minConfidence", "True", "a number >= 0 and <= 1"),
    ({"minConfidence": float("nan")}, "minConfidence", "nan", "a number >= 0 and <= 1"),
    ({"maxPoseDetections": 0}, "maxPoseDetections", "0", "an integer >= 1"),
    ({"maxPoseDetections": 2.5}, "maxPoseDetections", "2.5", "an integer >= 1"),
    ({"maxPoseDetections": None}, "maxPoseDetections", "None", "an integer >= 1"),
    ({"scoreThreshold": 2}, "scoreThreshold", "2", "a number >= 0 and <= 1"),
    ({"scoreThreshold": None}, "scoreThreshold", "None", "a number >= 0 and <= 1"),
    ({"nmsRadius": -1}, "nmsRadius", "-1", "a number >= 0"),
    ({"nmsRadius": float("inf")}, "nmsRadius", "inf", "a number >= 0"),
    ({"detectionType": "single-pose"}, "detectionType", "'single-pose'", "'single', 'multiple'"),
    ({"backend": "metal"}, "backend", "'metal'", "'webgl', 'wasm', 'cpu', 'webgpu', 'auto'"),
    ({"flipLabels": 1}, "flipLabels", "1", "True or False"),
    ({"smoothing": "yes"}, "smoothing", "'yes'", "True, False, or a dict with any of minCutoff, beta, derivateCutoff"),
    ({"smoothing": {"cutoff": 1}}, "smoothing.cutoff", "1", "parameters minCutoff, beta, derivateCutoff"),
    ({"smoothing": {"beta": -1}}, "smoothing.beta", "-1", "a number >= 0"),
    ({"tracking": 3}, "tracking", "3", "True, False, or a dict with any of maxAge, maxDistance"),
    ({"tracking": {"maxAge": "x"}}, "tracking.maxAge", "'x'", "a number >= 0"),
    ({"imageScaleFactor": 0.1}, "imageScaleFactor", "0.1", "a number >= 0.2 and <= 1.0"),
    ({"imageScaleFactor": "big"}, "imageScaleFactor", "'big'", "a number >= 0.2 and <= 1.0"),
]


@pytest.mark.parametrize("user, name, shown, allowed", BAD_VALUES, ids=[repr(b[0]) for b in BAD_VALUES])
def test_bad_value_message_names_option_value_and_allowed(user, name, shown, allowed):
    with pytest.raises(ValueError) as info:
        resolve_options(user)
    assert str(info.value) == f"poseNet option {name!r}: got {shown}; allowed: {allowed}"


def test_unknown_option_suggests_the_close_match():
    with pytest.raises(ValueError) as info:
        resolve_options({"scoreTreshold": 0.2})
    assert str(info.value) == (
        f"unknown poseNet option 'scoreTreshold'; did you mean 'scoreThreshold'? Known options: {KNOWN}"
    )


@pytest.mark.parametrize(
    "typo, meant",
    [
        ("minconfidence", "minConfidence"),
        ("nmsradius", "nmsRadius"),
        ("outputstride", "outputStride"),
        ("flipHorizonal", "flipHorizontal"),
    ],
)
def test_unknown_option_hints(typo, meant):
    with pytest.raises(ValueError, match=f"did you mean '{meant}'"):
        resolve_options({typo: 1})


def test_unknown_option_without_close_match_lists_known_options():
    with pytest.raises(ValueError) as info:
        resolve_options({"zzz": 1})
    message = str(info.value)
    assert message.startswith("unknown poseNet option 'zzz'")
    assert "did you mean" not in message
    assert message.endswith(f"Known options: {KNOWN}")


# -- ResNet50 ------------------------------------------------------------------------------------------


def test_resnet50_with_multiplier_1():
    options = resolve_options({"architecture": "ResNet50", "multiplier": 1.0, "outputStride": 32})
    assert options["architecture"] == "ResNet50"
    assert options["outputStride"] == 32


def test_resnet50_without_multiplier_works_like_ml5():
    options = resolve_options({"architecture": "ResNet50"})
    assert options["multiplier"] == 1.0
    assert model_path(options) == "savedmodel/posenet/resnet50/float/model-stride16.json"


# -- input resolution ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "resolution, stride, expected",
    [
        (257, 16, 257),
        (256, 16, 257),
        (500, 16, 497),
        (513, 16, 513),
        (353, 16, 353),
        (300, 16, 289),
        (33, 16, 33),
        (257, 8, 257),
        (260, 8, 257),
        (513, 32, 513),
        (500, 32, 481),
        (257, 32, 257),
        (640, 16, 641),
        (480, 16, 481),
    ],
)
def test_valid_input_resolution(resolution, stride, expected):
    got = valid_input_resolution(resolution, stride)
    assert got == expected
    assert (got - 1) % stride == 0
    assert isinstance(got, int)


@pytest.mark.parametrize(
    "resolution, stride, expected",
    [
        (257, 16, (257, 257)),
        (500, 16, (497, 497)),
        ({"width": 640, "height": 480}, 16, (481, 641)),
        ({"width": 257, "height": 353}, 16, (353, 257)),
        ({"width": 500, "height": 300}, 32, (289, 481)),
    ],
)
def test_input_size_is_height_width(resolution, stride, expected):
    options = resolve_options(
        {"inputResolution": resolution, "outputStride": stride, **({"multiplier": 1.0} if stride == 32 else {})}
    )
    assert input_size(options) == expected


# -- model files ---------------------------------------------------------------------------------------

MULTIPLIER_DIRS = {0.5: "050", 0.75: "075", 1.0: "100"}
QUANT_DIRS = {1: "quant1", 2: "quant2", 4: "float"}


def _mobilenet_combinations():
    for multiplier, quant, stride in itertools.product((0.5, 0.75, 1.0), (1, 2, 4), (8, 16, 32)):
        if stride == 32 and multiplier != 1.0:
            continue
        yield multiplier, quant, stride


@pytest.mark.parametrize("multiplier, quant, stride", list(_mobilenet_combinations()))
def test_model_path_mobilenet(multiplier, quant, stride):
    options = resolve_options({"multiplier": multiplier, "quantBytes": quant, "outputStride": stride})
    assert model_path(options) == (
        f"savedmodel/posenet/mobilenet/{QUANT_DIRS[quant]}/{MULTIPLIER_DIRS[multiplier]}/model-stride{stride}.json"
    )


def test_mobilenet_combination_count():
    # 3 multipliers x 3 quantisations x strides 8/16, plus 3 quantisations at stride 32 with multiplier 1.0
    assert len(list(_mobilenet_combinations())) == 21


@pytest.mark.parametrize("quant, stride", list(itertools.product((1, 2, 4), (16, 32))))
def test_model_path_resnet50(quant, stride):
    options = resolve_options(
        {"architecture": "ResNet50", "multiplier": 1.0, "quantBytes": quant, "outputStride": stride}
    )
    assert model_path(options) == f"savedmodel/posenet/resnet50/{QUANT_DIRS[quant]}/model-stride{stride}.json"


def test_model_path_of_the_default_is_the_shared_official_model(models_dir):
    path = model_path(resolve_options())
    assert path == "savedmodel/posenet/mobilenet/float/075/model-stride16.json"
    assert (models_dir / path).is_file()


def test_model_path_accepts_integer_multiplier_1():
    options = resolve_options({"multiplier": 1, "outputStride": 32})
    assert model_path(options) == "savedmodel/posenet/mobilenet/float/100/model-stride32.json"


def test_model_url_defaults_to_the_apps_models_folder_relative_to_the_page():
    options = resolve_options()
    # relative: the page sits in the sketch's folder, the app's model files under pyposenet/models/
    assert model_url(options) == "pyposenet/models/savedmodel/posenet/mobilenet/float/075/model-stride16.json"
    assert (
        model_url(options, "https://example.org/m/")
        == "https://example.org/m/savedmodel/posenet/mobilenet/float/075/model-stride16.json"
    )


def test_model_url_uses_model_url_option():
    options = resolve_options({"modelUrl": "https://example.org/my-posenet/model.json", "multiplier": 0.5})
    assert model_url(options) == "https://example.org/my-posenet/model.json"
    assert model_url(options, "/elsewhere/") == "https://example.org/my-posenet/model.json"


def test_image_scale_factor_is_deprecated_and_mapped_to_input_resolution():
    with pytest.warns(DeprecationWarning, match="imageScaleFactor"):
        options = resolve_options({"imageScaleFactor": 0.5})
    assert "imageScaleFactor" not in options
    assert options["inputResolution"] == 256  # round(513 * 0.5); input_size() makes it 257
    assert input_size(options) == (257, 257)


def test_explicit_input_resolution_wins_over_image_scale_factor():
    with pytest.warns(DeprecationWarning):
        options = resolve_options({"imageScaleFactor": 0.3, "inputResolution": 353})
    assert options["inputResolution"] == 353


@pytest.mark.parametrize(
    "name, value",
    [
        ("smoothing", True),
        ("smoothing", {"minCutoff": 0.5, "beta": 0.01}),
        ("tracking", True),
        ("tracking", {"maxAge": 3}),
        ("flipLabels", True),
        ("backend", "auto"),
        ("backend", "webgpu"),
    ],
)
def test_features_beyond_ml5_accept_their_values(name, value):
    assert resolve_options({name: value})[name] == value


# -- options written as text (the CLI's flags and --option, the HTTP API's fields) ---------------------


@pytest.mark.parametrize(
    "name, text, value",
    [
        ("flipHorizontal", "true", True),
        ("flipHorizontal", " TRUE ", True),
        ("flipLabels", "1", True),
        ("flipLabels", "yes", True),
        ("flipHorizontal", "On", True),
        ("flipHorizontal", "false", False),
        ("flipHorizontal", "0", False),
        ("flipHorizontal", "no", False),
        ("flipLabels", "off", False),
        ("nmsRadius", "20", 20),
        ("nmsRadius", "12.5", 12.5),
        ("minConfidence", "0.2", 0.2),
        ("nmsRadius", "1e3", 1000.0),
        ("multiplier", "1", 1),
        ("multiplier", "0.75", 0.75),
        ("outputStride", "16", 16),
        ("outputStride", "16.0", 16),
        ("quantBytes", "2", 2),
        ("maxPoseDetections", "5.0", 5),
        ("maxPoseDetections", "2.5", 2.5),
        ("inputResolution", "257", 257),
        ("inputResolution", "353x257", {"width": 353, "height": 257}),
        ("inputResolution", "353X257", {"width": 353, "height": 257}),
        ("inputResolution", "353 × 257", {"width": 353, "height": 257}),
        ("inputResolution", '{"width": 353, "height": 257}', {"width": 353, "height": 257}),
        ("smoothing", "true", True),
        ("smoothing", "0", False),
        ("smoothing", '{"beta": 0.05}', {"beta": 0.05}),
        ("tracking", '{"maxAge": 3}', {"maxAge": 3}),
        ("architecture", "ResNet50", "ResNet50"),
        ("detectionType", " single ", "single"),
        ("modelUrl", "models/x/model.json", "models/x/model.json"),
        ("modelUrl", "null", None),
        ("architecture", '"ResNet50"', "ResNet50"),
        ("nmsRadiuss", "3", 3),
    ],
)
def test_option_text_is_read_once_for_every_interface(name, text, value):
    from pyposenet.options import parse_option_text

    got = parse_option_text(name, text)
    assert got == value and type(got) is type(value), (name, text, got)


@pytest.mark.parametrize(
    "name, text, message",
    [
        (
            "flipHorizontal",
            "maybe",
            "poseNet option 'flipHorizontal': got 'maybe'; allowed: true or false (also 1/0, yes/no, on/off, any case)",
        ),
        ("nmsRadius", "far", "poseNet option 'nmsRadius': got 'far'; allowed: a number >= 0"),
        ("minConfidence", "high", "poseNet option 'minConfidence': got 'high'; allowed: a number >= 0 and <= 1"),
        ("maxPoseDetections", "all", "poseNet option 'maxPoseDetections': got 'all'; allowed: an integer >= 1"),
        ("multiplier", "wide", "poseNet option 'multiplier': got 'wide'; allowed: 0.5, 0.75, 1.0"),
        ("outputStride", "x", "poseNet option 'outputStride': got 'x'; allowed: 8, 16, 32"),
        ("quantBytes", "", "poseNet option 'quantBytes': got ''; allowed: 1, 2, 4"),
        (
            "inputResolution",
            "big",
            "poseNet option 'inputResolution': got 'big'; allowed: a size like 257, "
            'WIDTHxHEIGHT like 353x257, or JSON like {"width": 353, "height": 257}',
        ),
        ("inputResolution", "353x257x3", "got '353x257x3'; allowed: a size like 257"),
        ("inputResolution", "x257", "got 'x257'"),
        ("inputResolution", "{width: 353}", "got '{width: 353}', which is not valid JSON"),
        ("smoothing", "lots", "poseNet option 'smoothing': got 'lots'; allowed: true or false"),
        (
            "tracking",
            "[1]",
            "poseNet option 'tracking': got '[1]'; allowed: true or false (also 1/0, yes/no, on/off, "
            "any case), or a JSON object with any of maxAge, maxDistance",
        ),
        ("smoothing", "[1]", "got '[1]'"),
    ],
)
def test_option_text_that_cannot_be_read_names_the_option_and_what_is_allowed(name, text, message):
    from pyposenet.options import parse_option_text

    with pytest.raises(ValueError) as error:
        parse_option_text(name, text)
    assert message in str(error.value)


def test_option_text_read_then_resolved():
    from pyposenet.options import parse_option_text

    texts = {
        "flipHorizontal": "yes",
        "inputResolution": "353x257",
        "outputStride": "8.0",
        "maxPoseDetections": "3",
        "smoothing": '{"beta": 0.05}',
    }
    options = resolve_options({name: parse_option_text(name, text) for name, text in texts.items()})
    assert options["flipHorizontal"] is True and input_size(options) == (257, 353)
    assert model_path(options) == "savedmodel/posenet/mobilenet/float/075/model-stride8.json"
