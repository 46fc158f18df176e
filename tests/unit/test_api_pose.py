"""POST /api/pose with Flask's test client and under waitress: real model (../shared/models), real images
(../shared/testdata/images), results against the host runtime, `pyposenet detect --json` and the reference
JavaScript (../shared/testdata/expected-js), and every refusal with its status code and message."""

from __future__ import annotations

import asyncio
import http.client
import io
import json
import math
import socket
import struct
import sys
import threading
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from pyposenet import poseNet
from pyposenet._host.runtime import HostRuntime
from pyposenet.server import create_app

STARTER, TENNIS = "starter.png", "tennis_in_crowd.jpg"
REFERENCE = "mobilenet-float-075-stride16"
ALLOWED_TYPES = "allowed image types: JPEG, PNG, WebP, GIF (first frame), BMP"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api_config(models_dir, cache_dir, **extra) -> dict:
    return {
        "TESTING": True,
        "MODELS_DIR": models_dir,
        "MODEL_CACHE_DIR": cache_dir,
        "MODEL_BASE_URL": f"http://127.0.0.1:{closed_port()}/tfjs-models/",
        "MODEL_DOWNLOAD_TIMEOUT": 5,
        **extra,
    }


@pytest.fixture(scope="module")
def app(models_dir, tmp_path_factory):
    """One app for the module: the model is loaded once, by the first request."""
    return create_app(api_config(models_dir, tmp_path_factory.mktemp("cache")))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def images(testdata_dir) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in (testdata_dir / "images").iterdir()}


def post_file(client, data: bytes, filename: str = "upload", query=None, **fields):
    return client.post(
        "/api/pose",
        query_string=query or {},
        data={"image": (io.BytesIO(data), filename), **fields},
        content_type="multipart/form-data",
    )


def post_raw(client, data: bytes, content_type: str = "image/png", query=None):
    return client.post("/api/pose", data=data, content_type=content_type, query_string=query or {})


def reference(testdata_dir, image: str) -> dict:
    return json.loads((testdata_dir / "expected-js" / REFERENCE / image / "expected.json").read_text())


def distance(a: dict, b: dict) -> float:
    return math.hypot(a["position"]["x"] - b["position"]["x"], a["position"]["y"] - b["position"]["y"])


def host_results(models_dir, tmp_path, path, detection: str, **options):
    """The same image through the host runtime's poseNet (the Python API), as plain JSON values."""
    runtime = HostRuntime(models_dir=models_dir, cache_dir=tmp_path / "cache", base_url=None)

    async def run():
        net = await poseNet(detection, options, runtime=runtime)
        return await (net.singlePose(path) if detection == "single" else net.multiPose(path))

    return json.loads(json.dumps(asyncio.run(run())))


def assert_same_poses(got: list, expected: list, px: float, score: float = 1e-4) -> None:
    assert len(got) == len(expected)
    for result, pose in zip(got, expected, strict=True):
        assert abs(result["pose"]["score"] - pose["score"]) <= score
        for keypoint, ref in zip(result["pose"]["keypoints"], pose["keypoints"], strict=True):
            assert keypoint["part"] == ref["part"]
            assert distance(keypoint, ref) <= px and abs(keypoint["score"] - ref["score"]) <= score


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height pixels but holds no pixel data (a 'decompression bomb' header)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


# -- results ---------------------------------------------------------------------------------------


def test_single_pose_on_starter_is_the_host_runtimes_and_the_references(
    client, images, testdata_dir, models_dir, tmp_path
):
    response = post_file(client, images[STARTER], STARTER, detectionType="single")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert (body["width"], body["height"]) == (756, 564)
    [result] = body["poses"]
    nose = result["pose"]["nose"]
    assert abs(nose["x"] - 448.75) <= 0.5 and abs(nose["y"] - 255.87) <= 0.5 and nose["confidence"] > 0.99
    assert_same_poses(body["poses"], [reference(testdata_dir, "starter")["estimateSinglePose"]], px=0.01)
    host = host_results(models_dir, tmp_path, testdata_dir / "images" / STARTER, "single")
    assert_same_poses(body["poses"], [r["pose"] for r in host], px=1e-3, score=1e-6)

    def edges(result):
        return [(a["part"], b["part"]) for a, b in result["skeleton"]]

    assert edges(body["poses"][0]) == edges(host[0]) and len(edges(host[0])) >= 1
    assert body["model"] == {
        "architecture": "MobileNetV1",
        "multiplier": 0.75,
        "outputStride": 16,
        "quantBytes": 4,
        "inputResolution": {"width": 257, "height": 257},
        "file": "savedmodel/posenet/mobilenet/float/075/model-stride16.json",
        "detectionType": "single",
    }
    assert set(body["ms"]) == {"decode", "model", "network", "poses", "total"}
    assert response.headers["Cache-Control"] == "no-store"


def test_the_answer_is_what_pyposenet_detect_json_writes(client, images, testdata_dir, models_dir, tmp_path):
    from pyposenet import cli

    out = tmp_path / "detect.json"
    status = cli.main(
        [
            "detect",
            str(testdata_dir / "images" / STARTER),
            "--json",
            str(out),
            "--models",
            str(models_dir),
            "--cache",
            str(tmp_path / "cache"),
            "--no-download",
            "-q",
        ]
    )
    assert status == 0
    [entry] = json.loads(out.read_text())
    body = post_file(client, images[STARTER], query={"detection": "single"}).get_json()
    assert {k: entry[k] for k in ("width", "height")} == {k: body[k] for k in ("width", "height")}
    assert_same_poses(body["poses"], [r["pose"] for r in entry["poses"]], px=1e-3, score=1e-6)
    assert list(body["poses"][0]["pose"]) == list(entry["poses"][0]["pose"])  # ml5's key order, both


def test_multi_pose_matches_the_host_runtime_and_the_reference(client, images, testdata_dir, models_dir, tmp_path):
    """starter.png: the reference's one pose within 0.01 px. tennis_in_crowd.jpg (five people): the host
    runtime's poses (same Pillow decoding) exactly, and the reference's (jpeg-js decoding) within
    test_host_runtime's JPEG tolerance."""
    body = post_file(client, images[STARTER]).get_json()  # detectionType defaults to poseNet's "multiple"
    assert body["model"]["detectionType"] == "multiple"
    assert_same_poses(body["poses"], reference(testdata_dir, "starter")["estimateMultiplePoses"], px=0.01)

    body = post_raw(client, images[TENNIS], "image/jpeg", query={"detection": "multiple"}).get_json()
    host = host_results(models_dir, tmp_path, testdata_dir / "images" / TENNIS, "multiple")
    assert len(body["poses"]) == 5
    assert_same_poses(body["poses"], [r["pose"] for r in host], px=1e-3, score=1e-6)
    expected = reference(testdata_dir, "tennis_in_crowd")["estimateMultiplePoses"]
    assert abs(len(body["poses"]) - len(expected)) <= 1
    for pose in (p for p in expected if p["score"] >= 0.3):

        def gap(result, pose=pose):
            return float(
                np.median(
                    [
                        distance(k, r)
                        for k, r in zip(result["pose"]["keypoints"], pose["keypoints"], strict=True)
                        if r["score"] > 0.5
                    ]
                )
            )

        best = min(body["poses"], key=gap)
        assert gap(best) <= 1.5 and abs(best["pose"]["score"] - pose["score"]) <= 0.05


def test_flip_horizontal_mirrors_x(client, images, testdata_dir):
    plain = post_file(client, images[STARTER], detection="single").get_json()["poses"][0]["pose"]
    flipped = post_file(client, images[STARTER], detection="single", flipHorizontal="true").get_json()
    mirrored = flipped["poses"][0]["pose"]
    for a, b in zip(plain["keypoints"], mirrored["keypoints"], strict=True):
        assert b["position"]["x"] == pytest.approx(756 - 1 - a["position"]["x"], abs=1e-6)
        assert b["position"]["y"] == pytest.approx(a["position"]["y"], abs=1e-6)
    expected = reference(testdata_dir, "starter")["estimateSinglePose_flipHorizontal"]
    assert_same_poses(flipped["poses"], [expected], px=0.01)


def test_options_are_honoured(client, images, models_dir, testdata_dir, tmp_path):
    two = post_raw(client, images[TENNIS], "image/jpeg", query={"maxPoseDetections": "2"}).get_json()
    assert len(two["poses"]) == 2
    confident = post_raw(client, images[TENNIS], "image/jpeg", query={"scoreThreshold": "0.9"}).get_json()
    assert 1 <= len(confident["poses"]) < 5  # the threshold is on each pose's root keypoint: 2 of the 5 people
    bare = post_file(client, images[STARTER], detection="single", minConfidence="1").get_json()
    assert bare["poses"][0]["skeleton"] == []
    wide = post_file(client, images[STARTER], query={"inputResolution": "353x257"}, detection="single").get_json()
    assert wide["model"]["inputResolution"] == {"width": 353, "height": 257}
    host = host_results(
        models_dir, tmp_path, testdata_dir / "images" / STARTER, "single", inputResolution={"width": 353, "height": 257}
    )
    assert_same_poses(wide["poses"], [r["pose"] for r in host], px=1e-3, score=1e-6)
    assert abs(wide["poses"][0]["pose"]["nose"]["x"] - 448.75) > 1  # not the 257x257 network's answer
    labels = post_file(client, images[STARTER], detection="single", flipLabels="on").get_json()["poses"][0]["pose"]
    plain = post_file(client, images[STARTER], detection="single").get_json()["poses"][0]["pose"]
    assert labels["leftEye"]["x"] == plain["rightEye"]["x"]
    half = post_file(client, images[STARTER], detection="single", multiplier="0.5").get_json()
    assert half["model"]["file"] == "savedmodel/posenet/mobilenet/float/050/model-stride16.json"


def test_a_raw_body_gives_what_a_form_upload_gives(client, images):
    form = post_file(client, images[STARTER], detection="single").get_json()
    raw = post_raw(client, images[STARTER], "image/png", query={"detection": "single"}).get_json()
    assert raw["poses"] == form["poses"]


def test_lossless_webp_and_bmp_give_the_pngs_poses_and_a_gif_its_first_frame(client, images):
    with Image.open(io.BytesIO(images[STARTER])) as image:
        rgb = image.convert("RGB")
    png = post_raw(client, encoded(rgb, "PNG"), query={"detection": "single"}).get_json()["poses"]
    for fmt, params in (("WEBP", {"lossless": True}), ("BMP", {})):
        response = post_raw(client, encoded(rgb, fmt, **params), "image/" + fmt.lower(), {"detection": "single"})
        assert response.status_code == 200 and response.get_json()["poses"] == png, fmt
    first, second = rgb.quantize(256), Image.new("P", rgb.size)
    gif = encoded(first, "GIF", save_all=True, append_images=[second])
    with Image.open(io.BytesIO(gif)) as check:
        assert check.n_frames == 2
        check.seek(0)
        first_frame = encoded(check.convert("RGB"), "PNG")
    from_gif = post_raw(client, gif, "image/gif", {"detection": "single"}).get_json()["poses"]
    assert from_gif == post_raw(client, first_frame, query={"detection": "single"}).get_json()["poses"]
    assert abs(from_gif[0]["pose"]["nose"]["x"] - 448.75) <= 3


# -- refusals --------------------------------------------------------------------------------------


def multipart(fields: list[tuple[str, str | None, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body from (name, filename or None for a text field, bytes)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, filename, data in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        parts.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def tiff_bytes() -> bytes:
    return encoded(Image.new("RGB", (8, 8)), "TIFF")


def big_png(width: int, height: int) -> bytes:
    return encoded(Image.new("L", (width, height)), "PNG")


# (what is wrong, request, status, part of the message)
BAD_REQUESTS = [
    ("GET", dict(method="GET"), 405, "GET is not allowed on /api/pose; use POST"),
    ("PUT", dict(method="PUT", data=b"x", content_type="image/png"), 405, "PUT is not allowed"),
    ("no body", dict(), 415, "no Content-Type; send multipart/form-data with the image in field 'image'"),
    ("text body", dict(data=b"hello", content_type="text/plain"), 415, "Content-Type 'text/plain' is not accepted"),
    (
        "urlencoded form",
        dict(data={"image": "x"}, content_type="application/x-www-form-urlencoded"),
        415,
        "Content-Type 'application/x-www-form-urlencoded' is not accepted",
    ),
    ("form without image", dict(multipart=[("detection", None, b"single")]), 400, "missing the file field 'image'"),
    ("image as a text field", dict(multipart=[("image", None, b"abc")]), 400, "field 'image' is a text field"),
    (
        "two images",
        dict(multipart=[("image", "a.png", b"1"), ("image", "b.png", b"2")]),
        400,
        "2 files in field 'image'; send one image per request",
    ),
    ("empty file", dict(multipart=[("image", "a.png", b"")]), 400, "the file in field 'image' is empty"),
    ("empty raw body", dict(data=b"", content_type="image/png"), 400, "the request body is empty"),
    (
        "not an image",
        dict(data=b"hello, world", content_type="image/png"),
        415,
        "the upload is not an image Pillow recognises; " + ALLOWED_TYPES,
    ),
    ("TIFF", dict(data=tiff_bytes(), content_type="image/tiff"), 415, "the upload is a TIFF image; " + ALLOWED_TYPES),
    (
        "truncated PNG",
        dict(data="starter-truncated", content_type="image/png"),
        422,
        "the PNG image is damaged or truncated",
    ),
    (
        "truncated JPEG",
        dict(data="tennis-truncated", content_type="image/jpeg"),
        422,
        "the JPEG image is damaged or truncated",
    ),
    (
        "body over 10 MB",
        dict(data=b"\0" * (10 * 1024 * 1024 + 1), content_type="image/png"),
        413,
        "the request body is larger than the limit of 10 MB (MAX_CONTENT_LENGTH = 10485760 bytes)",
    ),
    (
        "5000x5000 pixels",
        dict(data=big_png(5000, 5000), content_type="image/png"),
        413,
        "the image is 5000x5000 = 25000000 pixels; the limit is 16777216 pixels (POSE_API_MAX_PIXELS)",
    ),
    (
        "misspelt option",
        dict(data="starter", content_type="image/png", query={"minConfidance": "0.2"}),
        400,
        "unknown option 'minConfidance'; did you mean 'minConfidence'?",
    ),
    (
        "option out of range",
        dict(data="starter", content_type="image/png", query={"minConfidence": "2"}),
        400,
        "bad option: poseNet option 'minConfidence': got 2; allowed: a number >= 0 and <= 1",
    ),
    (
        "not a number",
        dict(data="starter", content_type="image/png", query={"nmsRadius": "far"}),
        400,
        "poseNet option 'nmsRadius': got 'far'; allowed: a number >= 0",
    ),
    (
        "detection type",
        dict(data="starter", content_type="image/png", query={"detection": "both"}),
        400,
        "poseNet option 'detectionType': got 'both'; allowed: 'single', 'multiple'",
    ),
    (
        "boolean",
        dict(data="starter", content_type="image/png", query={"flipHorizontal": "maybe"}),
        400,
        "poseNet option 'flipHorizontal': got 'maybe'",
    ),
    (
        "resolution text",
        dict(data="starter", content_type="image/png", query={"inputResolution": "big"}),
        400,
        "bad option: poseNet option 'inputResolution': got 'big'; allowed: a size like 257, WIDTHxHEIGHT like 353x257",
    ),
    (
        "multiplier",
        dict(data="starter", content_type="image/png", query={"multiplier": "0.6"}),
        400,
        "poseNet option 'multiplier': got 0.6; allowed: 0.5, 0.75, 1.0",
    ),
    (
        "stride 32 with 0.75",
        dict(data="starter", content_type="image/png", query={"outputStride": "32"}),
        400,
        "32 needs multiplier 1.0",
    ),
    (
        "modelUrl",
        dict(data="starter", content_type="image/png", query={"modelUrl": "/etc/passwd"}),
        400,
        "option 'modelUrl' is not accepted by /api/pose (the server loads only the models in its own models folder)",
    ),
    (
        "option twice",
        dict(
            multipart=[("image", "s.png", "starter"), ("detection", None, b"single")],
            query={"detectionType": "multiple"},
        ),
        400,
        "option 'detectionType' is given more than once",
    ),
    (
        "model not available",
        dict(data="starter", content_type="image/png", query={"multiplier": "1.0"}),
        503,
        "the model for these options is not available: model file "
        "'savedmodel/posenet/mobilenet/float/100/model-stride16.json' not found",
    ),
    (
        "other API path",
        dict(method="POST", path="/api/poses"),
        404,
        "no API route /api/poses; the API has POST /api/pose",
    ),
]


def request_for(case: dict, images: dict) -> dict:
    """Test-client keyword arguments for a BAD_REQUESTS entry (named images are filled in here)."""
    named = {
        "starter": images[STARTER],
        "starter-truncated": images[STARTER][: len(images[STARTER]) // 2],
        "tennis-truncated": images[TENNIS][: len(images[TENNIS]) // 2],
    }
    case = dict(case)
    kwargs = {
        "method": case.pop("method", "POST"),
        "path": case.pop("path", "/api/pose"),
        "query_string": case.pop("query", {}),
    }
    if "multipart" in case:
        fields = [(n, f, named[d] if isinstance(d, str) else d) for n, f, d in case.pop("multipart")]
        kwargs["data"], kwargs["content_type"] = multipart(fields)
    elif isinstance(case.get("data"), str):
        kwargs["data"] = named[case.pop("data")]
    kwargs.update(case)
    return kwargs


@pytest.mark.parametrize("what,case,status,message", BAD_REQUESTS, ids=[c[0] for c in BAD_REQUESTS])
def test_bad_requests_get_a_status_and_a_json_message(client, images, what, case, status, message):
    kwargs = request_for(case, images)
    response = client.open(kwargs.pop("path"), **kwargs)
    assert response.status_code == status, (what, response.data[:300])
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert message in error, error
    if status == 405:  # the page's GET routes never answer for /api/pose
        allowed = set(response.headers["Allow"].split(", "))
        assert "POST" in allowed and allowed <= {"POST", "OPTIONS"}


def test_the_pixel_limit_is_pillows_decompression_bomb_check_when_unset(models_dir, tmp_path):
    app = create_app(api_config(models_dir, tmp_path / "cache", POSE_API_MAX_PIXELS=None))
    response = post_raw(app.test_client(), png_header_only(20000, 20000))
    assert response.status_code == 413
    assert "the image has too many pixels (Image size (400000000 pixels) exceeds limit" in response.get_json()["error"]


def test_limits_are_configurable(models_dir, tmp_path, images):
    app = create_app(
        api_config(
            models_dir,
            tmp_path / "cache",
            MAX_CONTENT_LENGTH=300_000,
            POSE_API_MAX_PIXELS=500 * 500,
            POSE_API_IMAGE_TYPES=("PNG",),
        )
    )
    client = app.test_client()
    big = post_raw(client, images[STARTER])
    assert big.status_code == 413 and "limit of 0.286 MB (MAX_CONTENT_LENGTH = 300000 bytes)" in big.get_json()["error"]
    with Image.open(io.BytesIO(images[STARTER])) as image:
        rgb = image.convert("RGB")
    small = rgb.resize((378, 282))
    wide = post_raw(client, big_png(600, 500))
    assert wide.status_code == 413 and "the limit is 250000 pixels" in wide.get_json()["error"]
    jpeg = post_raw(client, encoded(small, "JPEG"), "image/jpeg")
    assert jpeg.status_code == 415 and "a JPEG image; allowed image types: PNG" in jpeg.get_json()["error"]
    assert post_raw(client, encoded(small, "PNG")).status_code == 200


def test_without_numpy_the_api_says_what_to_install(monkeypatch, models_dir, tmp_path, images):
    app = create_app(api_config(models_dir, tmp_path / "cache"))
    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy -> ImportError, as with only the server extra
    response = post_raw(app.test_client(), images[STARTER])
    assert response.status_code == 501
    assert 'pip install "pyposenet[host]"' in response.get_json()["error"]


def test_other_routes_keep_flasks_own_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


# -- serving ---------------------------------------------------------------------------------------


def test_uploads_never_touch_the_disk(monkeypatch, client, images):
    """Werkzeug spools uploads over 500 KB into temporary files; the API parses them in memory."""
    import werkzeug.formparser

    def no_disk(*args, **kwargs):
        raise AssertionError("an upload was spooled to a temporary file")

    monkeypatch.setattr(werkzeug.formparser, "SpooledTemporaryFile", no_disk)
    monkeypatch.setattr(werkzeug.formparser, "TemporaryFile", no_disk, raising=False)
    assert len(images[STARTER]) > 500 * 1024
    response = post_file(client, images[STARTER], detection="single")
    assert response.status_code == 200, response.get_json()


def test_each_model_is_loaded_once_even_when_asked_at_once(models_dir, tmp_path, images):
    app = create_app(api_config(models_dir, tmp_path / "cache"))

    def one(_):
        return post_raw(app.test_client(), images[STARTER], query={"detection": "single"})

    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(one, range(4)))
    assert [r.status_code for r in responses] == [200] * 4
    assert all(r.get_json()["poses"] == responses[0].get_json()["poses"] for r in responses)
    service = app.extensions["pyposenet_api"]["service"]
    assert service.loads == 1
    post_raw(app.test_client(), images[STARTER], query={"inputResolution": "353"})
    assert service.loads == 2  # another input size is another model


@pytest.mark.parametrize(
    "name, text",
    [
        ("flipHorizontal", "yes"),
        ("flipLabels", "0"),
        ("inputResolution", "353x257"),
        ("inputResolution", "257"),
        ("inputResolution", '{"width": 353, "height": 257}'),
        ("nmsRadius", "12.5"),
        ("outputStride", "8.0"),
        ("maxPoseDetections", "3"),
        ("multiplier", "1"),
        ("detectionType", "single"),
        ("architecture", "ResNet50"),
    ],
)
def test_the_api_and_the_cli_read_option_text_the_same_way(name, text):
    from werkzeug.datastructures import MultiDict

    from pyposenet import cli
    from pyposenet.options import parse_option_text
    from pyposenet.server.api import request_options

    api = request_options(MultiDict({name: text}), MultiDict())
    command_line = cli.detect_options(cli.build_parser().parse_args(["detect", "x.png", "--option", f"{name}={text}"]))
    assert api == command_line == {name: parse_option_text(name, text)}


@pytest.mark.parametrize("limit", [1, None])
def test_blas_threads_are_limited_during_inference_only(models_dir, tmp_path, images, limit):
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    app = create_app(api_config(models_dir, tmp_path / "cache", POSE_API_BLAS_THREADS=limit))
    client = app.test_client()
    assert post_raw(client, images[STARTER]).status_code == 200
    service = app.extensions["pyposenet_api"]["service"]
    seen = []
    infer = service.host.infer

    def watched(model, image):
        seen.append(blas_threads())
        return infer(model, image)

    service.host.infer = watched
    assert post_raw(client, images[STARTER]).status_code == 200
    assert seen == [[limit] * len(before) if limit else before]
    assert blas_threads() == before  # restored once no request runs


# -- under waitress --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def production(tmp_path_factory, models_dir):
    pytest.importorskip("waitress")
    from tests.support.production import ProductionServer

    folder = tmp_path_factory.mktemp("production-api")
    running = ProductionServer(folder / "server.log", folder / "cache")
    yield running
    running.close()


def post_to(port: int, path: str, body: bytes, content_type: str) -> tuple[int, str, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": content_type})
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type"), json.loads(response.read())
    finally:
        conn.close()


def test_eight_parallel_posts_under_waitress_agree(production, images, testdata_dir):
    body, content_type = multipart([("image", STARTER, images[STARTER]), ("detection", None, b"single")])
    start_line = threading.Barrier(8)

    def one(_):
        start_line.wait()
        return post_to(production.port, "/api/pose", body, content_type)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(one, range(8)))
    assert [status for status, _, _ in answers] == [200] * 8, answers
    assert {kind for _, kind, _ in answers} == {"application/json"}
    poses = [answer["poses"] for _, _, answer in answers]
    assert all(p == poses[0] for p in poses)
    assert_same_poses(poses[0], [reference(testdata_dir, "starter")["estimateSinglePose"]], px=0.01)


def test_waitress_answers_refusals_in_json(production, images):
    status, kind, answer = post_to(production.port, "/api/pose", b"hello", "image/png")
    assert (status, kind) == (415, "application/json") and ALLOWED_TYPES in answer["error"]
    status, _, answer = post_to(production.port, "/api/pose", b"\0" * (10 * 1024 * 1024 + 1), "image/png")
    assert status == 413 and "MAX_CONTENT_LENGTH" in answer["error"]
