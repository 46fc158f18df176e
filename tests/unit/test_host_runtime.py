"""pyposenet._host: preprocessing, image loading, model lookup, and poseNet end to end under CPython,
against the reference JavaScript's results in ../shared/testdata/expected-js."""

import asyncio
import functools
import http.server
import json
import logging
import math
import shutil
import socket
import threading

import numpy as np
import pytest
from PIL import Image

import pyposenet
from pyposenet import poseNet
from pyposenet._host.graph import UnsupportedOpError
from pyposenet._host.images import load_image
from pyposenet._host.preprocess import js_round, normalize, pad_and_resize, padding_for
from pyposenet._host.runtime import HostRuntime, ModelNotFoundError
from pyposenet.decode import ModelOutputs
from pyposenet.options import resolve_options
from pyposenet.results import FrameGeometry

MODEL_075 = "savedmodel/posenet/mobilenet/float/075/model-stride16.json"
MODEL_050 = "savedmodel/posenet/mobilenet/float/050/model-stride16.json"
MODEL_385 = "extra/human-posenet-385/posenet.json"
CASES = {0.75: "mobilenet-float-075-stride16", 0.5: "mobilenet-float-050-stride16"}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def distance(keypoint, reference) -> float:
    position = reference["position"]
    return math.hypot(keypoint.position.x - position["x"], keypoint.position.y - position["y"])


# -- preprocessing --------------------------------------------------------------------------------


def test_js_round_rounds_halves_up():
    assert [js_round(v) for v in (0.5, 1.5, 2.5, -0.5, -1.5, 0.49999999999999994, 95.99)] == [1, 2, 3, 0, -1, 0, 96]


def test_padding_is_the_references(testdata_dir):
    checked = 0
    for expected_file in (testdata_dir / "expected-js").glob("*/*/expected.json"):
        expected = json.loads(expected_file.read_text())
        padding = padding_for(*expected["image_hw"], *expected["input_resolution_hw"])
        assert dict(zip(("top", "bottom", "left", "right"), padding, strict=True)) == expected["padding"], expected_file
        checked += 1
    assert checked >= 9
    assert padding_for(10, 20, 257, 257) == (5, 5, 0, 0) and padding_for(21, 10, 257, 257) == (0, 0, 6, 6)


def tfjs_resize_bilinear(image, new_h, new_w):
    """tfjs-backend-cpu ResizeBilinear (alignCorners=false, halfPixelCenters=false), loop for loop,
    in Python floats (JavaScript numbers), stored as float32 like its Float32Array."""
    old_h, old_w, channels = image.shape
    out = np.zeros((new_h, new_w, channels), np.float32)
    row_ratio, col_ratio = old_h / new_h, old_w / new_w
    for r in range(new_h):
        frac_r = row_ratio * r
        r0 = max(0, math.floor(frac_r))
        r1 = min(old_h - 1, math.ceil(frac_r))
        for c in range(new_w):
            frac_c = col_ratio * c
            c0 = max(0, math.floor(frac_c))
            c1 = min(old_w - 1, math.ceil(frac_c))
            for d in range(channels):
                tl, tr = float(image[r0, c0, d]), float(image[r0, c1, d])
                bl, br = float(image[r1, c0, d]), float(image[r1, c1, d])
                top = tl + (tr - tl) * (frac_c - c0)
                bottom = bl + (br - bl) * (frac_c - c0)
                out[r, c, d] = top + (bottom - top) * (frac_r - r0)
    return out


@pytest.mark.parametrize(
    "shape,target,padding",
    [
        ((13, 7, 3), (9, 9), None),
        ((5, 11, 3), (17, 17), None),
        ((20, 20, 3), (20, 20), None),
        ((9, 6, 3), (7, 11), (1, 2, 3, 0)),
        ((40, 30, 3), (9, 9), None),
    ],
)
def test_resize_is_tfjs_resize_bilinear_bit_for_bit(shape, target, padding):
    image = np.random.default_rng(3).integers(0, 256, shape, dtype=np.uint8)
    resized, used = pad_and_resize(image, *target, padding=padding)
    top, bottom, left, right = used
    padded = np.pad(image, ((top, bottom), (left, right), (0, 0)))
    np.testing.assert_array_equal(resized, tfjs_resize_bilinear(padded, *target))
    assert resized.dtype == np.float32


def test_normalize_is_x_over_127_5_minus_1_in_float32():
    x = np.array([0, 1, 127.5, 200.25, 255], np.float32)
    expected = (x / np.float32(127.5)) - np.float32(1)
    np.testing.assert_array_equal(normalize(x), expected)
    assert normalize(x).dtype == np.float32 and normalize(x)[0] == -1 and normalize(x)[-1] == 1


# -- images ---------------------------------------------------------------------------------------


def test_a_path_a_pil_image_and_an_array_give_the_same_pixels(testdata_dir):
    path = testdata_dir / "images" / "starter.png"
    from_path = load_image(path)
    with Image.open(path) as image:
        assert image.mode == "RGBA"
        from_pil = load_image(image)
        rgba = np.asarray(image)
    assert from_path.shape == (564, 756, 3) and from_path.dtype == np.uint8
    np.testing.assert_array_equal(from_path, from_pil)
    np.testing.assert_array_equal(load_image(rgba), rgba[:, :, :3])  # alpha dropped, not composited
    np.testing.assert_array_equal(load_image(str(path)), from_path)


def test_image_edge_cases():
    transparent = Image.new("RGBA", (4, 3), (10, 20, 30, 0))
    assert load_image(transparent)[0, 0].tolist() == [10, 20, 30]
    grey = np.full((2, 3), 7, np.uint8)
    assert load_image(grey).shape == (2, 3, 3) and (load_image(grey) == 7).all()
    assert load_image(Image.new("P", (2, 2))).shape == (2, 2, 3)
    with pytest.raises(TypeError, match="uint8"):
        load_image(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="HxWx3"):
        load_image(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(TypeError, match="image path, a PIL image"):
        load_image(42)
    with pytest.raises(FileNotFoundError, match="no-such.png"):
        load_image("no-such.png")


# -- the runtime end to end -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runtime(models_dir, tmp_path_factory):
    return HostRuntime(models_dir=models_dir, cache_dir=tmp_path_factory.mktemp("cache"), base_url=None)


@pytest.fixture(scope="module")
def nets(runtime):
    """One loaded net per multiplier (loading reads ~5 MB and warms up once)."""

    async def load():
        return {m: await poseNet({"multiplier": m}, runtime=runtime) for m in CASES}

    loop = asyncio.new_event_loop()
    made = loop.run_until_complete(load())
    yield loop, made
    loop.close()


def detect(nets, multiplier, kind, image):
    loop, made = nets
    net = made[multiplier]

    async def call():
        return await (net.singlePose(image) if kind == "single" else net.multiPose(image))

    return loop.run_until_complete(call())


def reference(testdata_dir, multiplier, image):
    return json.loads((testdata_dir / "expected-js" / CASES[multiplier] / image / "expected.json").read_text())


def test_single_pose_on_starter_is_the_references(nets, testdata_dir):
    """The ml5 check: nose (448.75, 255.87), score 0.999 (075). PNG pixels equal pngjs's, so every
    keypoint of both models matches the reference JavaScript to float32 noise."""
    path = testdata_dir / "images" / "starter.png"
    [result] = detect(nets, 0.75, "single", path)
    assert abs(result.pose.nose.x - 448.75) <= 0.5 and abs(result.pose.nose.y - 255.87) <= 0.5
    assert abs(result.pose.nose.confidence - 0.999) <= 0.01
    for multiplier in CASES:
        [result] = detect(nets, multiplier, "single", path)
        expected = reference(testdata_dir, multiplier, "starter")["estimateSinglePose"]
        assert abs(result.pose.score - expected["score"]) <= 1e-4
        for keypoint, ref in zip(result.pose.keypoints, expected["keypoints"], strict=True):
            assert keypoint.part == ref["part"]
            assert distance(keypoint, ref) <= 0.01 and abs(keypoint.score - ref["score"]) <= 1e-4


def test_multi_pose_matches_the_reference(nets, testdata_dir):
    """PNG: same poses, same order, within 0.01 px. JPEG (decoders differ, see test_host_graph): every
    reference pose scoring >= 0.3 has a host pose within 0.05 in score whose confident keypoints
    (reference score > 0.5) are a median 1.5 px away (observed <= 0.7 px, Pillow 13.0.0), and the
    counts differ by at most one (a pose right at scoreThreshold may come or go; observed: pose.jpg
    2 -> 1, a pose scoring 0.07)."""
    for multiplier, case in CASES.items():
        index = json.loads((testdata_dir / "expected-js" / case / "index.json").read_text())
        for image in index["images"]:
            expected = reference(testdata_dir, multiplier, image)
            results = detect(nets, multiplier, "multi", testdata_dir / expected["source_image"])
            poses = expected["estimateMultiplePoses"]
            assert len(poses) == index["images"][image]["n_multi"]
            if expected["source_image"].endswith(".png"):
                assert len(results) == len(poses)
                for result, pose in zip(results, poses, strict=True):
                    assert abs(result.pose.score - pose["score"]) <= 1e-4
                    assert (
                        max(distance(k, r) for k, r in zip(result.pose.keypoints, pose["keypoints"], strict=True))
                        <= 0.01
                    )
                continue
            assert abs(len(results) - len(poses)) <= 1, (image, len(results), len(poses))
            for pose in (p for p in poses if p["score"] >= 0.3):

                def gap(result, pose=pose):
                    return float(
                        np.median(
                            [
                                distance(k, r)
                                for k, r in zip(result.pose.keypoints, pose["keypoints"], strict=True)
                                if r["score"] > 0.5
                            ]
                        )
                    )

                best = min(results, key=gap)
                assert gap(best) <= 1.5 and abs(best.pose.score - pose["score"]) <= 0.05, (image, pose["score"])


def test_run_hands_over_outputs_and_geometry(runtime, testdata_dir):
    model = runtime.load_model_sync(resolve_options({"multiplier": 0.5}))
    image = load_image(testdata_dir / "images" / "starter.png")
    outputs, geometry = asyncio.run(runtime.run(model, image[:, :700]))
    assert isinstance(outputs, ModelOutputs) and (outputs.height, outputs.width) == (17, 17)
    assert isinstance(outputs.heatmap_scores[0], float) and 0 < outputs.heatmap_scores[0] < 1
    assert geometry == FrameGeometry(
        input_height=257,
        input_width=257,
        source_height=564,
        source_width=700,
        pad_top=68,
        pad_bottom=68,
        pad_left=0,
        pad_right=0,
        display_height=564,
        display_width=700,
    )
    assert runtime.has_frame(image) and not runtime.has_frame(None)


def test_pose_net_runs_on_the_host_by_default(monkeypatch, models_dir, testdata_dir):
    monkeypatch.setattr(pyposenet, "_runtime", None)
    monkeypatch.setenv("PYPOSENET_MODELS", str(models_dir))

    async def main():
        net = await poseNet("single")
        assert isinstance(net._runtime, HostRuntime)
        return await net.singlePose(str(testdata_dir / "images" / "starter.png"))

    [result] = asyncio.run(main())
    assert abs(result.pose.nose.x - 448.75) <= 0.5 and abs(result.pose.nose.y - 255.87) <= 0.5


def test_the_fixed_385_model_runs_like_the_075_model_at_385(runtime, models_dir, testdata_dir):
    fixed = runtime.load_model_sync(resolve_options({"modelUrl": str(models_dir / MODEL_385)}))
    assert (fixed.input_height, fixed.input_width) == (385, 385)  # the graph's own size wins
    official = runtime.load_model_sync(resolve_options({"inputResolution": 385}))
    path = testdata_dir / "images" / "starter.png"
    (a, geometry_a), (b, geometry_b) = runtime.infer(fixed, path), runtime.infer(official, path)
    assert geometry_a == geometry_b and (a.height, a.width) == (25, 25)
    for name in ("heatmap_scores", "offsets", "displacement_fwd", "displacement_bwd"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes()


# -- finding models -------------------------------------------------------------------------------


def test_a_missing_model_names_the_file_and_every_place_looked(tmp_path, caplog):
    port = closed_port()
    runtime = HostRuntime(
        models_dir=tmp_path / "models",
        cache_dir=tmp_path / "cache",
        base_url=f"http://127.0.0.1:{port}/tfjs-models/",
        download_timeout=5,
    )

    async def main():
        return await poseNet({"multiplier": 1.0}, runtime=runtime)

    with caplog.at_level(logging.ERROR, logger="pyposenet"), pytest.raises(ModelNotFoundError) as info:
        asyncio.run(main())
    message = str(info.value)
    assert "'savedmodel/posenet/mobilenet/float/100/model-stride16.json' not found" in message
    assert f"not in models directory {tmp_path / 'models'}" in message
    assert f"not in cache {tmp_path / 'cache'}" in message
    assert f"download from http://127.0.0.1:{port}/tfjs-models/savedmodel/posenet/mobilenet/float/100" in message
    assert "loading the PoseNet model" in caplog.text


def test_a_missing_model_url_or_shard_is_named(tmp_path, models_dir):
    runtime = HostRuntime(models_dir=tmp_path / "models", cache_dir=tmp_path / "cache", base_url=None)
    with pytest.raises(ModelNotFoundError, match=r"model file '.*nowhere/model.json' not found.*local path"):
        runtime.load_model_sync(resolve_options({"modelUrl": str(tmp_path / "nowhere" / "model.json")}))
    half = tmp_path / "models" / "savedmodel/posenet/mobilenet/float/075"
    half.mkdir(parents=True)
    shutil.copy(models_dir / MODEL_075, half)
    with pytest.raises(
        ModelNotFoundError,
        match=r"'savedmodel/posenet/mobilenet/float/075/group1-shard1of2.bin' "
        r"not found: .*downloads disabled",
    ):
        runtime.load_model_sync(resolve_options({}))


def test_models_are_looked_for_where_the_server_looks(monkeypatch, tmp_path, models_dir):
    monkeypatch.setenv("PYPOSENET_MODELS", str(tmp_path / "mine"))
    monkeypatch.setenv("PYPOSENET_CACHE", str(tmp_path / "cache"))
    files = HostRuntime().files()
    assert (files.models_dir, files.cache_dir) == (tmp_path / "mine", tmp_path / "cache")
    monkeypatch.delenv("PYPOSENET_MODELS")
    assert HostRuntime().files().models_dir.resolve() == models_dir.resolve()  # <repo>/../shared/models
    # A sketch written for the page may name the app's models folder as the page does (relative), from the
    # site's root, or as earlier versions' /models/ route.
    runtime = HostRuntime(models_dir=models_dir, cache_dir=tmp_path / "cache", base_url=None)
    for prefix in ("pyposenet/models/", "/pyposenet/models/", "/models/"):
        model = runtime.load_model_sync(resolve_options({"modelUrl": prefix + MODEL_050}))
        assert model.source == str(models_dir / MODEL_050)


def test_a_model_is_downloaded_once_into_the_cache(tmp_path, models_dir):
    served = tmp_path / "served"
    served.mkdir()
    (served / "tfjs-models").symlink_to(models_dir)  # laid out like the official root
    (served / "elsewhere").symlink_to(models_dir / "extra" / "human-posenet-385")  # an http modelUrl
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    runtime = HostRuntime(
        models_dir=tmp_path / "empty",
        cache_dir=tmp_path / "cache",
        base_url=f"http://127.0.0.1:{server.server_address[1]}/tfjs-models/",
    )
    options = resolve_options({"multiplier": 0.5})
    port = server.server_address[1]
    try:
        runtime.load_model_sync(options)
        elsewhere = resolve_options({"modelUrl": f"http://127.0.0.1:{port}/elsewhere/posenet.json"})
        other = runtime.load_model_sync(elsewhere)
    finally:
        server.shutdown()
        server.server_close()
    cached = tmp_path / "cache" / "savedmodel/posenet/mobilenet/float/050"
    assert sorted(p.name for p in cached.iterdir()) == ["group1-shard1of1.bin", "model-stride16.json"]
    shard = (models_dir / MODEL_050).with_name("group1-shard1of1.bin")
    assert (cached / "group1-shard1of1.bin").read_bytes() == shard.read_bytes()
    model = runtime.load_model_sync(options)  # the server is gone: from the cache
    assert model.source == str(cached / "model-stride16.json")
    assert other.source == str(tmp_path / "cache" / f"urls/127.0.0.1_{port}/elsewhere/posenet.json")
    assert (tmp_path / "cache" / f"urls/127.0.0.1_{port}/elsewhere/posenet.bin").is_file()


def test_an_unsupported_op_fails_loading_with_its_name(tmp_path, models_dir):
    spec = json.loads((models_dir / MODEL_050).read_text())
    victim = next(n for n in spec["modelTopology"]["node"] if n["op"] == "FusedDepthwiseConv2dNative")
    victim["op"] = "FancyDepthwise"
    (tmp_path / "model.json").write_text(json.dumps(spec))
    shutil.copy((models_dir / MODEL_050).with_name("group1-shard1of1.bin"), tmp_path)
    runtime = HostRuntime(models_dir=tmp_path, cache_dir=tmp_path / "cache", base_url=None)
    with pytest.raises(UnsupportedOpError) as info:
        runtime.load_model_sync(resolve_options({"modelUrl": str(tmp_path / "model.json")}))
    assert "FancyDepthwise" in str(info.value) and victim["name"] in str(info.value)
    assert str(tmp_path / "model.json") in str(info.value)
