"""pyposenet._host.graph: the TF.js graph-model reader and numpy executor.

Small hand-built graphs check each op against naive float64 references (TF's padding rules are
re-derived here, not imported); the real models check the raw PoseNet outputs against the reference
JavaScript's tensors in ../shared/testdata/expected-js.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from pyposenet._host.graph import (
    ModelFormatError,
    UnsupportedOpError,
    decode_weights,
    dequantize,
    load_graph_model,
)
from pyposenet._host.images import load_image
from pyposenet._host.preprocess import preprocess
from pyposenet.graph_outputs import ROLES, identify_outputs
from tests.support.graph_nodes import ints_attr, node, s_attr, strings_attr

MODEL_075 = "savedmodel/posenet/mobilenet/float/075/model-stride16.json"
MODEL_050 = "savedmodel/posenet/mobilenet/float/050/model-stride16.json"
MODEL_385 = "extra/human-posenet-385/posenet.json"
NPY_NAMES = ["heatmapScores", "offsets", "displacementFwd", "displacementBwd"]


# -- building tiny TF.js graph models -------------------------------------------------------------


def conv_attrs(strides=1, padding="SAME", dilations=1, fused=None):
    attrs = {
        "strides": ints_attr([1, strides, strides, 1]),
        "padding": s_attr(padding),
        "dilations": ints_attr([1, dilations, dilations, 1]),
        "data_format": s_attr("NHWC"),
    }
    if fused:
        attrs["fused_ops"] = strings_attr(fused)
        attrs["num_args"] = {"i": "1"}
    return attrs


def placeholder(name="x", shape=(-1, -1, -1, -1)):
    return node(
        name, "Placeholder", dtype={"type": "DT_FLOAT"}, shape={"shape": {"dim": [{"size": str(d)} for d in shape]}}
    )


def write_model(folder: Path, nodes, consts: dict, signature=None, name="model.json") -> Path:
    """model.json + one shard holding `consts` (float32, or int32 for integer arrays)."""
    folder.mkdir(parents=True, exist_ok=True)
    specs, blob = [], b""
    for const_name, value in consts.items():
        value = np.asarray(value)
        dtype = "int32" if value.dtype.kind in "iu" else "float32"
        specs.append({"name": const_name, "shape": list(value.shape), "dtype": dtype})
        blob += value.astype("<i4" if dtype == "int32" else "<f4").tobytes()
        nodes = [node(const_name, "Const")] + list(nodes)
    spec = {
        "format": "graph-model",
        "modelTopology": {"node": nodes},
        "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}],
    }
    if signature:
        spec["signature"] = signature
    (folder / "weights.bin").write_bytes(blob)
    path = folder / name
    path.write_text(json.dumps(spec))
    return path


def run_single(tmp_path, nodes, consts, x, output="y"):
    graph = load_graph_model(write_model(tmp_path, nodes, consts))
    return graph.execute(np.asarray(x, np.float32), [output])[0]


# -- naive references (float64, one output pixel at a time) -----------------------------------------


def tf_pads(size, k, stride, dilation, padding):
    """TensorFlow's rule: SAME gives ceil(size/stride) outputs, the odd padding pixel goes after."""
    eff = (k - 1) * dilation + 1
    if padding == "VALID":
        return (size - eff) // stride + 1, 0
    out = math.ceil(size / stride)
    return out, max((out - 1) * stride + eff - size, 0) // 2


def naive_conv(x, w, stride, padding, dilation=1, depthwise=False):
    n, h, wd, c = x.shape
    kh, kw = w.shape[:2]
    ho, top = tf_pads(h, kh, stride, dilation, padding)
    wo, left = tf_pads(wd, kw, stride, dilation, padding)
    cout = c * w.shape[3] if depthwise else w.shape[3]
    y = np.zeros((n, ho, wo, cout))
    for oy in range(ho):
        for ox in range(wo):
            for i in range(kh):
                for j in range(kw):
                    iy, ix = oy * stride + i * dilation - top, ox * stride + j * dilation - left
                    if 0 <= iy < h and 0 <= ix < wd:
                        pixel = x[:, iy, ix, :].astype(np.float64)
                        if depthwise:
                            y[:, oy, ox, :] += (pixel[:, :, None] * w[i, j]).reshape(n, -1)
                        else:
                            y[:, oy, ox, :] += pixel @ w[i, j]
    return y


@pytest.fixture
def rng():
    return np.random.default_rng(7)


# -- ops ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "k,stride,padding,dilation,size",
    [
        (3, 1, "SAME", 1, 9),
        (3, 2, "SAME", 1, 9),
        (3, 2, "SAME", 1, 8),
        (3, 1, "VALID", 1, 9),
        (3, 2, "VALID", 1, 10),
        (1, 1, "SAME", 1, 7),
        (1, 2, "SAME", 1, 8),
        (3, 1, "SAME", 2, 9),
        (5, 2, "SAME", 1, 11),
        (2, 2, "SAME", 1, 7),
    ],
)
def test_conv2d_matches_naive(tmp_path, rng, k, stride, padding, dilation, size):
    x = rng.normal(size=(2, size, size + 1, 3)).astype(np.float32)
    w = rng.normal(size=(k, k, 3, 5)).astype(np.float32)
    nodes = [placeholder(), node("y", "Conv2D", ["x", "w"], **conv_attrs(stride, padding, dilation))]
    y = run_single(tmp_path, nodes, {"w": w}, x)
    np.testing.assert_allclose(y, naive_conv(x, w, stride, padding, dilation), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "stride,padding,dilation,mult,size",
    [
        (1, "SAME", 1, 1, 9),
        (2, "SAME", 1, 1, 9),
        (2, "SAME", 1, 1, 8),
        (1, "VALID", 1, 1, 9),
        (2, "VALID", 1, 1, 10),
        (1, "SAME", 2, 1, 9),
        (1, "SAME", 1, 2, 7),
        (3, "SAME", 1, 1, 10),
    ],
)
def test_depthwise_matches_naive(tmp_path, rng, stride, padding, dilation, mult, size):
    x = rng.normal(size=(2, size, size + 2, 4)).astype(np.float32)
    w = rng.normal(size=(3, 3, 4, mult)).astype(np.float32)
    nodes = [placeholder(), node("y", "DepthwiseConv2dNative", ["x", "w"], **conv_attrs(stride, padding, dilation))]
    y = run_single(tmp_path, nodes, {"w": w}, x)
    np.testing.assert_allclose(y, naive_conv(x, w, stride, padding, dilation, depthwise=True), rtol=1e-5, atol=1e-5)


def test_same_padding_puts_the_odd_pixel_after(tmp_path):
    """4x4 input, 3x3 ones, stride 2, SAME: 1 padding pixel in all, after (TF), so output (0,0) sums
    x[0:3, 0:3] = 45; padding before (the common mistake) would give 0+1+4+5 = 10."""
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    ones = np.ones((3, 3, 1, 1), np.float32)
    for op in ("Conv2D", "DepthwiseConv2dNative"):
        nodes = [placeholder(), node("y", op, ["x", "w"], **conv_attrs(2, "SAME"))]
        y = run_single(tmp_path / op, nodes, {"w": ones}, x)
        assert y[0, :, :, 0].tolist() == [[45.0, 39.0], [66.0, 50.0]]


@pytest.mark.parametrize(
    "op,plain", [("_FusedConv2D", "Conv2D"), ("FusedDepthwiseConv2dNative", "DepthwiseConv2dNative")]
)
@pytest.mark.parametrize("activation", ["Relu6", "Relu"])
def test_fused_ops_equal_the_unfused_chain(tmp_path, rng, op, plain, activation):
    x = (rng.normal(size=(1, 9, 9, 4)) * 3).astype(np.float32)
    w = rng.normal(size=(3, 3, 4, 4 if plain == "Conv2D" else 1)).astype(np.float32)
    b = rng.normal(size=(4,)).astype(np.float32)
    fused = [placeholder(), node("y", op, ["x", "w", "b"], **conv_attrs(2, fused=["BiasAdd", activation]))]
    chain = [
        placeholder(),
        node("c", plain, ["x", "w"], **conv_attrs(2)),
        node("a", "BiasAdd", ["c", "b"], data_format=s_attr("NHWC")),
        node("y", activation, ["a"]),
    ]
    y_fused = run_single(tmp_path / "fused", fused, {"w": w, "b": b}, x)
    y_chain = run_single(tmp_path / "chain", chain, {"w": w, "b": b}, x)
    reference = naive_conv(x, w, 2, "SAME", depthwise=plain != "Conv2D") + b
    reference = np.clip(reference, 0, 6 if activation == "Relu6" else None)
    np.testing.assert_array_equal(y_fused, y_chain)
    np.testing.assert_allclose(y_fused, reference, rtol=1e-5, atol=1e-5)
    assert y_fused.min() == 0 and (activation == "Relu" or y_fused.max() == 6)


def test_an_intermediate_that_is_also_an_output_is_not_fused_away(tmp_path, rng):
    x = rng.normal(size=(1, 5, 5, 2)).astype(np.float32)
    w = rng.normal(size=(1, 1, 2, 3)).astype(np.float32)
    b = np.full(3, 10, np.float32)
    nodes = [
        placeholder(),
        node("c", "Conv2D", ["x", "w"], **conv_attrs()),
        node("a", "BiasAdd", ["c", "b"]),
        node("y", "Relu6", ["a"]),
    ]
    graph = load_graph_model(write_model(tmp_path, nodes, {"w": w, "b": b}))
    conv, added, y = graph.execute(x, ["c", "a", "y"])
    np.testing.assert_allclose(added, conv + 10, rtol=1e-6)
    assert (y == 6).all()


@pytest.mark.parametrize("size", [9, 10])
def test_space_to_batch_conv_batch_to_space_is_a_dilated_conv(tmp_path, rng, size):
    """TF1's atrous convolution: SpaceToBatchND -> VALID conv -> BatchToSpaceND, rate 2."""
    x = rng.normal(size=(1, size, size, 3)).astype(np.float32)
    w = rng.normal(size=(3, 3, 3, 2)).astype(np.float32)
    rate, base = 2, 2  # (k - 1) * rate // 2 on each side
    extra = (-(size + 2 * base)) % rate
    consts = {
        "w": w,
        "block": np.array([rate, rate]),
        "pads": np.array([[base, base + extra]] * 2),
        "crops": np.array([[0, extra]] * 2),
    }
    nodes = [
        placeholder(),
        node("s2b", "SpaceToBatchND", ["x", "block", "pads"]),
        node("c", "Conv2D", ["s2b", "w"], **conv_attrs(1, "VALID")),
        node("y", "BatchToSpaceND", ["c", "block", "crops"]),
    ]
    y = run_single(tmp_path, nodes, consts, x)
    np.testing.assert_allclose(y, naive_conv(x, w, 1, "SAME", dilation=rate), rtol=1e-5, atol=1e-5)


def test_resnet_style_ops(tmp_path, rng):
    """Relu, AddV2/Add, MaxPool (SAME pads with -inf), Mean, Squeeze, Sigmoid, Identity."""
    x = rng.normal(size=(1, 7, 7, 3)).astype(np.float32)
    nodes = [
        placeholder(),
        node("r", "Relu", ["x"]),
        node("s", "AddV2", ["r", "x"]),
        node("a", "Add", ["s", "x"]),
        node(
            "p",
            "MaxPool",
            ["a"],
            ksize=ints_attr([1, 3, 3, 1]),
            strides=ints_attr([1, 2, 2, 1]),
            padding=s_attr("SAME"),
            data_format=s_attr("NHWC"),
        ),
        node("m", "Mean", ["p", "axes"], keep_dims={"b": True}),
        node("q", "Squeeze", ["m"], squeeze_dims=ints_attr([1, 2])),
        node("i", "Identity", ["q"]),
        node("y", "Sigmoid", ["i"]),
    ]
    graph = load_graph_model(write_model(tmp_path, nodes, {"axes": np.array([1, 2])}))
    pooled, y = graph.execute(x, ["p", "y"])
    a = np.maximum(x, 0) + x + x
    padded = np.pad(a, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=-np.inf)
    expected_pool = np.array(
        [
            [[padded[0, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3, c].max() for c in range(3)] for j in range(4)]
            for i in range(4)
        ]
    )[None]
    np.testing.assert_allclose(pooled, expected_pool, rtol=1e-6)
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-expected_pool.mean(axis=(1, 2)))), rtol=1e-5)
    assert y.shape == (1, 3)


# -- reading ----------------------------------------------------------------------------------------


def test_unknown_op_names_the_op_the_node_and_the_file(tmp_path):
    nodes = [placeholder(), node("mystery/node", "FancyResize", ["x"])]
    path = write_model(tmp_path, nodes, {})
    graph = load_graph_model(path)
    with pytest.raises(UnsupportedOpError) as info:
        graph.execute(np.zeros((1, 2, 2, 3), np.float32))
    message = str(info.value)
    assert "FancyResize" in message and "mystery/node" in message and str(path) in message


def test_a_missing_or_short_shard_is_a_clear_error(tmp_path, rng):
    nodes = [placeholder(), node("y", "Conv2D", ["x", "w"], **conv_attrs())]
    path = write_model(tmp_path, nodes, {"w": rng.normal(size=(1, 1, 3, 2))})
    data = (tmp_path / "weights.bin").read_bytes()
    (tmp_path / "weights.bin").write_bytes(data[:-4])
    with pytest.raises(ModelFormatError, match=r"weight shard weights\.bin is 20 bytes, .* needs 24 .*cut short"):
        load_graph_model(path)
    (tmp_path / "weights.bin").unlink()
    with pytest.raises(FileNotFoundError, match=r"weight shard 'weights.bin'"):
        load_graph_model(path)


def test_outputs_and_inputs_are_found_like_tfjs(tmp_path, rng):
    """No signature: inputs are the Placeholders, outputs every unconsumed node in node order.
    A signature: its entries, in its order (names may carry ':0')."""
    w = rng.normal(size=(1, 1, 3, 2)).astype(np.float32)
    nodes = [
        placeholder("img", (1, 5, 5, 3)),
        node("b", "Relu", ["img"]),
        node("a", "Conv2D", ["img", "w"], **conv_attrs()),
    ]
    plain = load_graph_model(write_model(tmp_path / "plain", nodes, {"w": w}))
    assert [o.name for o in plain.outputs] == ["b", "a"]
    assert [(i.name, i.shape) for i in plain.inputs] == [("img", (1, 5, 5, 3))]
    signature = {
        "inputs": {"img:0": {"name": "img:0", "dtype": "DT_FLOAT"}},
        "outputs": {
            "a:0": {
                "name": "a:0",
                "tensorShape": {"dim": [{"size": "1"}, {"size": "5"}, {"size": "5"}, {"size": "2"}]},
            },
            "b:0": {"name": "b:0"},
        },
    }
    signed = load_graph_model(write_model(tmp_path / "signed", nodes, {"w": w}, signature))
    assert [(o.name, o.shape) for o in signed.outputs] == [("a", (1, 5, 5, 2)), ("b", None)]
    a, b = signed.execute({"img:0": np.ones((1, 5, 5, 3))}, ["a:0", "b"])
    assert a.shape == (1, 5, 5, 2) and b.shape == (1, 5, 5, 3)
    with pytest.raises(ValueError, match=r"must have shape \[1, 5, 5, 3\]"):
        signed.execute(np.ones((1, 6, 6, 3)))


def test_dequantization_is_tfjs_decode_weight():
    """uint8/uint16: v * scale + min in double precision, stored float32 (int32: Math.round);
    float16: IEEE half -> float32."""
    q8 = np.array([0, 1, 128, 255], np.uint8)
    expected = (q8.astype(np.float64) * 0.0123 + -1.5).astype(np.float32)
    np.testing.assert_array_equal(dequantize(q8, "float32", {"dtype": "uint8", "scale": 0.0123, "min": -1.5}), expected)
    as_int = dequantize(np.array([0, 1, 2], np.uint8), "int32", {"dtype": "uint8", "scale": 0.5, "min": 0.0})
    assert as_int.tolist() == [0, 1, 1]  # Math.round(0.5) = 1
    halves = np.array([1.5, -2.0, 6.1e-5, 65504.0], np.float16)
    specs = [
        {"name": "h", "shape": [2, 2], "dtype": "float32", "quantization": {"dtype": "float16"}},
        {"name": "u", "shape": [2], "dtype": "float32", "quantization": {"dtype": "uint16", "scale": 2.0, "min": 1.0}},
        {"name": "i", "shape": [1], "dtype": "int32"},
    ]
    data = halves.astype("<f2").tobytes() + np.array([3, 65535], "<u2").tobytes() + np.array([-7], "<i4").tobytes()
    weights = decode_weights(specs, data)
    np.testing.assert_array_equal(weights["h"], halves.astype(np.float32).reshape(2, 2))
    assert weights["u"].tolist() == [7.0, 131071.0] and weights["i"].tolist() == [-7]
    with pytest.raises(ModelFormatError, match="unknown quantization dtype 'int4'"):
        decode_weights([{"name": "x", "shape": [1], "dtype": "float32", "quantization": {"dtype": "int4"}}], b"\0")


# -- the real models --------------------------------------------------------------------------------


def roles_of(graph):
    found = identify_outputs([(o.name, o.shape) for o in graph.outputs], model=graph.source)
    return [found[r] for r in ROLES]


@pytest.fixture(scope="module")
def graphs(models_dir):
    return {name: load_graph_model(models_dir / name) for name in (MODEL_075, MODEL_050)}


def reference_cases(testdata_dir):
    for model_dir, model in (("mobilenet-float-075-stride16", MODEL_075), ("mobilenet-float-050-stride16", MODEL_050)):
        index = json.loads((testdata_dir / "expected-js" / model_dir / "index.json").read_text())
        for image in index["images"]:
            yield model, testdata_dir / "expected-js" / model_dir / image


def test_raw_outputs_match_the_reference_tensors(graphs, testdata_dir):
    """PNG (starter): the same pixels as pngjs, so only float32 summation order differs. JPEG: Pillow's
    libjpeg-turbo and jpeg-js decode pixels differently (IDCT, chroma upsampling), so outputs move by
    whole pixels where the net is unsure. The tolerances below are about 1.5x the differences observed
    (docs/testing.md#tolerances)."""
    seen = set()
    for model, folder in reference_cases(testdata_dir):
        expected = json.loads((folder / "expected.json").read_text())
        pixels = load_image(testdata_dir / expected["source_image"])
        batch, padding = preprocess(pixels, *expected["input_resolution_hw"])
        assert dict(zip(("top", "bottom", "left", "right"), padding, strict=True)) == expected["padding"]
        graph = graphs[model]
        heatmap, *rest = (o[0] for o in graph.execute(batch, roles_of(graph)))
        scores = (1 / (1 + np.exp(-heatmap.astype(np.float64)))).astype(np.float32)
        ours = [scores, *rest]
        reference = [np.load(folder / f"{name}.npy") for name in NPY_NAMES]
        for name, a, b in zip(NPY_NAMES, ours, reference, strict=True):
            assert a.shape == b.shape, (folder, name)
            diff = np.abs(a - b)
            if expected["source_image"].endswith(".png"):
                assert diff.max() <= (2e-5 if name == "heatmapScores" else 5e-3), (folder, name, diff.max())
            elif name == "heatmapScores":
                assert diff.max() <= 0.06 and diff.mean() <= 2.5e-3, (folder, name, diff.max(), diff.mean())
            else:
                assert diff.mean() <= 0.5, (folder, name, diff.mean())
        seen.add((model, folder.name))
    assert (MODEL_075, "starter") in seen and (MODEL_050, "starter") in seen and len(seen) >= 9


def test_the_385_export_equals_the_official_075_model(graphs, models_dir):
    """Same weights, fused ops, other names and output order, fixed 385x385 input: bit-identical."""
    human = load_graph_model(models_dir / MODEL_385)
    assert human.input_shape == (1, 385, 385, 3)
    assert [o.name for o in human.outputs][0].endswith("displacement_fwd_2/BiasAdd")
    x = np.random.default_rng(0).uniform(-1, 1, (1, 385, 385, 3)).astype(np.float32)
    official = graphs[MODEL_075]
    for a, b in zip(official.execute(x, roles_of(official)), human.execute(x, roles_of(human)), strict=True):
        assert a.shape[1:3] == (25, 25)
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"must have shape \[1, 385, 385, 3\]"):
        human.execute(np.zeros((1, 257, 257, 3), np.float32))


def quantize_like_the_converter(data: np.ndarray, dtype: str):
    """tensorflowjs.quantization.quantize_weights: float16 is a cast; uint8/uint16 is affine per tensor,
    range nudged so that 0 is exactly representable."""
    if dtype == "float16":
        return data.astype("<f2"), {}
    qmax = np.iinfo(dtype).max
    low, high = float(data.min()), float(data.max())
    if low == high:
        return np.zeros(data.shape, dtype), {"min": low, "scale": 1.0}
    scale = (high - low) / qmax
    nudged_min = -np.round(-low / scale) * scale
    quantized = np.round((np.clip(data.astype(np.float64), nudged_min, nudged_min + qmax * scale) - nudged_min) / scale)
    return quantized.astype(np.dtype(dtype).newbyteorder("<")), {"min": nudged_min, "scale": scale}


def test_quantized_copies_of_the_075_model(tmp_path, models_dir, graphs, testdata_dir):
    """uint8/uint16/float16 copies, made as the converter would, load and run: every dequantized weight
    is within a quantization step of the float one, and the heatmap stays close. Per-tensor uint8 is too coarse
    for this model (TF.js 4.22 gives the same outputs as here on it), so it gets a mean bound only."""
    source = models_dir / MODEL_075
    spec = json.loads(source.read_text())
    float_graph = graphs[MODEL_075]
    batch, _ = preprocess(load_image(testdata_dir / "images" / "starter.png"), 257, 257)
    float_heat = 1 / (1 + np.exp(-float_graph.execute(batch, roles_of(float_graph))[0].astype(np.float64)))
    bounds = {"uint8": (1.0, 0.03), "uint16": (0.05, 1e-3), "float16": (0.03, 5e-4)}
    for dtype, (max_bound, mean_bound) in bounds.items():
        chunks, weights = [], []
        for group in spec["weightsManifest"]:
            for entry in group["weights"]:
                values = float_graph.consts[entry["name"]]
                quantized, meta = quantize_like_the_converter(values, dtype)
                chunks.append(quantized.tobytes())
                weights.append(dict(entry, quantization={"dtype": dtype, **meta}))
        folder = tmp_path / dtype
        folder.mkdir()
        (folder / "group1-shard1of1.bin").write_bytes(b"".join(chunks))
        (folder / "model.json").write_text(
            json.dumps(dict(spec, weightsManifest=[{"paths": ["group1-shard1of1.bin"], "weights": weights}]))
        )
        graph = load_graph_model(folder / "model.json")
        for entry in weights:
            # half a step, plus up to half a step where the converter's zero-point nudge clipped the range
            step = entry["quantization"].get("scale", 0)
            original = float_graph.consts[entry["name"]]
            tolerance = step * 1.0001 if step else np.maximum(np.abs(original) * 2**-11, 2**-25)
            assert graph.consts[entry["name"]].dtype == np.float32
            assert (np.abs(graph.consts[entry["name"]] - original) <= tolerance).all()
        heat = 1 / (1 + np.exp(-graph.execute(batch, roles_of(graph))[0].astype(np.float64)))
        diff = np.abs(heat - float_heat)
        assert diff.max() <= max_bound and diff.mean() <= mean_bound, (dtype, diff.max(), diff.mean())
        assert diff.max() > 0  # really quantized
