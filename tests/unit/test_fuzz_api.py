"""POST /api/pose fuzzed: damaged images of every allowed type with random option strings, through Flask's test
client and through the production server (waitress, a real socket). Every answer is JSON; the only 5xx is 503
(the model for those options is missing); the server answers a good request afterwards.

The defect these found: Pillow raises OSError ("Truncated File Read", WebP's "could not create decoder object")
from Image.open itself for a header cut short, before any pixel is decoded; that was a 500 (issue 21).
"""

from __future__ import annotations

import http.client
import io
import json
import math

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from PIL import Image

from pyposenet.server import create_app
from pyposenet.server.api import ALIASES, NOT_FOR_REQUESTS, REQUEST_OPTIONS
from tests.support.fuzz import examples, mutated, seed_images
from tests.support.production import ProductionServer

ALLOWED_STATUSES = {200, 400, 413, 415, 422, 503}
CONTENT_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/x-anything")

# Option text a client might send: good values, near misses and garbage.
OPTION_TEXT = st.one_of(
    st.sampled_from(
        [
            "single",
            "multiple",
            "true",
            "false",
            "0",
            "1",
            "yes",
            "257",
            "353x257",
            "[257, 353]",
            '{"width": 257, "height": 257}',
            "MobileNetV1",
            "ResNet50",
            "0.75",
            "0.5",
            "16",
            "8",
            "4",
            "-1",
            "1e309",
            "nan",
            "inf",
            "",
            " ",
            "null",
            "[]",
            "{}",
            "0x10",
            "٣",
            "\x00",
        ]
    ),
    st.text(max_size=20),
)
OPTION_NAME = st.one_of(
    st.sampled_from([*REQUEST_OPTIONS, *ALIASES, *NOT_FOR_REQUESTS]), st.text(min_size=1, max_size=12)
)
GOOD_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "detectionType": st.sampled_from(["single", "multiple"]),
        "flipHorizontal": st.sampled_from(["true", "false"]),
        "minConfidence": st.sampled_from(["0", "0.1", "0.5"]),
        "maxPoseDetections": st.sampled_from(["1", "5"]),
        "inputResolution": st.sampled_from(["161", "257", "353x257"]),
    },
)
# A third without options, a third with good ones (so that images that still decode reach the network), a third
# with anything.
OPTIONS = st.one_of(st.just({}), GOOD_OPTIONS, st.dictionaries(OPTION_NAME, OPTION_TEXT, max_size=4))


@pytest.fixture(scope="module")
def seeds(testdata_dir) -> dict[str, bytes]:
    with Image.open(testdata_dir / "images" / "starter.png") as image:
        return seed_images(image)


@pytest.fixture(scope="module")
def client(models_dir, tmp_path_factory):
    app = create_app(
        {
            "TESTING": True,
            "MODELS_DIR": models_dir,
            "MODEL_CACHE_DIR": tmp_path_factory.mktemp("cache"),
            "MODEL_BASE_URL": None,
        }
    )
    return app.test_client()


def assert_a_json_answer(status: int, body: bytes) -> dict:
    event(f"HTTP {status}")  # counts per status: pytest --hypothesis-show-statistics
    assert status in ALLOWED_STATUSES, (status, body[:300])
    answer = json.loads(body)
    if status == 200:
        for pose in answer["poses"]:
            points = [(k["position"]["x"], k["position"]["y"], k["score"]) for k in pose["pose"]["keypoints"]]
            assert all(math.isfinite(v) for point in points for v in point), pose
    else:
        assert isinstance(answer["error"], str) and answer["error"], answer
    return answer


def multipart_body(data: bytes, options: dict[str, str]) -> tuple[bytes, str]:
    boundary = "fuzz-boundary-7d1c"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="upload"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    ]
    for name, value in options.items():
        safe = name.replace('"', "").replace("\r", "").replace("\n", "")
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{safe}"\r\n\r\n'.encode()
            + value.encode("utf-8", "surrogatepass")
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@st.composite
def requests(draw, seeds: dict[str, bytes]):
    """(body, Content-Type, query): a damaged image as a raw body (options in the query) or as a form upload
    (options as form fields)."""
    good = seeds[draw(st.sampled_from(sorted(seeds)))]
    data = draw(mutated(good))
    options = draw(OPTIONS)
    if draw(st.booleans()):
        return data, draw(st.sampled_from(CONTENT_TYPES)), options
    body, content_type = multipart_body(data, options)
    return body, content_type, {}


def test_every_truncation_of_a_header_is_a_422_or_415(client, seeds):
    """The exact defect, walked exhaustively: every cut of the first 80 bytes of a PNG, a JPEG and a WebP."""
    for name in ("rgb.png", "baseline.jpg", "lossy.webp"):
        good = seeds[name]
        for length in range(1, 81):
            response = client.post("/api/pose", data=good[:length], content_type="image/png")
            assert response.status_code in (415, 422), (name, length, response.get_json())
            if response.status_code == 422:
                assert "damaged or truncated" in response.get_json()["error"]


@given(data=st.data())
@examples(200)
def test_damaged_uploads_with_random_options_get_json_and_never_a_500(client, seeds, data):
    body, content_type, query = data.draw(requests(seeds))
    response = client.post("/api/pose", data=body, content_type=content_type, query_string=query)
    assert response.mimetype == "application/json"
    assert_a_json_answer(response.status_code, response.data)


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-production")
    server = ProductionServer(folder / "server.log", folder / "cache")
    yield server
    server.close()


def post(port: int, body: bytes, content_type: str) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", "/api/pose", body=body, headers={"Content-Type": content_type})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


@given(data=st.data())
@examples(40)
def test_the_production_server_answers_damaged_uploads_in_json(production, seeds, data):
    body, content_type, _ = data.draw(requests(seeds))
    if content_type.startswith("image/"):
        body, content_type = multipart_body(body, {})
    status, kind, answer = post(production.port, body, content_type)
    assert kind.startswith("application/json"), (status, kind, answer[:200])
    assert_a_json_answer(status, answer)


def test_the_production_server_still_serves_after_the_fuzzing(production, seeds):
    """Run after the fuzz test above (same module-scoped server): still up, still right."""
    status, _, answer = post(production.port, *multipart_body(seeds["rgb.png"], {"detection": "single"}))
    assert status == 200 and len(json.loads(answer)["poses"]) == 1
    assert production.proc.poll() is None
    assert "Traceback" not in production.output()


def test_a_damaged_image_is_never_partly_used(client, seeds):
    """The pixels are decoded in full before the network runs: a JPEG cut in its scan data is refused, not
    padded with grey (Pillow's LOAD_TRUNCATED_IMAGES stays off)."""
    good = seeds["baseline.jpg"]
    cut = good[: len(good) - 200]
    with pytest.raises(OSError):
        Image.open(io.BytesIO(cut)).load()
    response = client.post("/api/pose", data=cut, content_type="image/jpeg")
    assert response.status_code == 422 and "the JPEG image is damaged or truncated" in response.get_json()["error"]


def test_a_form_field_without_a_readable_name_is_a_400(client, seeds):
    """Found by the fuzzer: a part named `"\\"` reaches the form without a name (werkzeug gives None); that was a
    500 (TypeError in the close-match hint)."""
    body, content_type = multipart_body(seeds["rgb.png"], {"\\": "single"})
    response = client.post("/api/pose", data=body, content_type=content_type)
    assert response.status_code == 400 and "a form field has no name" in response.get_json()["error"]
