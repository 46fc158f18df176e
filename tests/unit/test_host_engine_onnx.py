"""The onnxruntime engine (pyposenet/_host/engines/): the TF.js graph rewritten as ONNX computes what the numpy
executor computes, op by op on small graphs and end to end on the shared models and images. onnxruntime parses and
checks every model these tests build, which checks onnx_proto.py's hand-written protobuf too (its bytes were equal
to onnx.helper's when written; the `onnx` package is not a dependency: importing it takes about a second)."""

import asyncio
import dataclasses
import math

import numpy as np
import pytest

from pyposenet import poseNet
from pyposenet._host.blas import BlasThreads
from pyposenet._host.engines import EngineUnavailableError, NumpyEngine, make_engine
from pyposenet._host.graph import GraphModel, UnsupportedOpError
from pyposenet._host.images import load_image
from pyposenet._host.runtime import HostRuntime
from pyposenet.options import resolve_options
from tests.support.graph_nodes import ints_attr, node, s_attr, strings_attr

pytest.importorskip("onnxruntime", reason="onnxruntime (the onnxruntime extra) is not installed")
from pyposenet._host.engines.onnx_graph import to_onnx  # noqa: E402 - only with onnxruntime installed
from pyposenet._host.engines.onnxruntime_engine import OnnxRuntimeEngine, blas_limit  # noqa: E402 - (as above)

IMAGES = ("baseball.jpg", "pose.jpg", "runner.jpg", "starter.png", "tennis_in_crowd.jpg", "three_people.jpg")


def conv_node(name, op, inputs, stride=1, padding="SAME", dilation=1, fused=(), explicit=None):
    attr = {
        "strides": ints_attr([1, stride, stride, 1]),
        "padding": s_attr(padding),
        "dilations": ints_attr([1, dilation, dilation, 1]),
        "data_format": s_attr("NHWC"),
    }
    if fused:
        attr["fused_ops"] = strings_attr(fused)
        attr["num_args"] = {"i": str(len(inputs) - 2)}
    if explicit:
        attr["explicit_paddings"] = ints_attr(explicit)
    return node(name, op, inputs, **attr)


def both_engines(nodes, weights, size, output="y"):
    """(numpy's output, onnxruntime's output) of a graph with input x [1, size, size, 3]."""
    graph = GraphModel({"node": [node("x", "Placeholder"), *nodes]}, weights)
    x = np.random.default_rng(1).normal(0, 2, (1, size, size, 3)).astype(np.float32)
    engine = OnnxRuntimeEngine.from_graph(graph, [output], size, size)
    return graph.execute(x, [output])[0], engine.run(x)[0]


def weights_for(rng, **shapes):
    weights = {name: rng.normal(0, 0.5, shape).astype(np.float32) for name, shape in shapes.items()}
    return weights, [node(name, "Const") for name in shapes]


@pytest.mark.parametrize(
    "op,kernel,stride,padding,dilation,size,multiplier",
    [
        ("Conv2D", 3, 1, "SAME", 1, 9, None),
        ("Conv2D", 3, 2, "SAME", 1, 9, None),
        ("Conv2D", 3, 2, "SAME", 1, 10, None),  # SAME with an odd total: the extra pixel goes after
        ("Conv2D", 1, 2, "VALID", 1, 9, None),
        ("Conv2D", 3, 1, "SAME", 2, 11, None),  # stride-8 graphs: dilated convolutions
        ("Conv2D", 5, 1, "VALID", 1, 9, None),
        ("DepthwiseConv2dNative", 3, 2, "SAME", 1, 10, 1),
        ("DepthwiseConv2dNative", 3, 1, "SAME", 2, 9, 2),  # channel c*2 + m, as TensorFlow numbers them
        ("DepthwiseConv2dNative", 3, 2, "VALID", 1, 11, 1),
    ],
)
def test_convolutions_equal_the_numpy_executors(op, kernel, stride, padding, dilation, size, multiplier):
    rng = np.random.default_rng(0)
    filter_shape = (kernel, kernel, 3, multiplier or 6)
    weights, consts = weights_for(rng, w=filter_shape)
    expected, got = both_engines([*consts, conv_node("y", op, ["x", "w"], stride, padding, dilation)], weights, size)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_explicit_paddings_are_taken_as_given():
    rng = np.random.default_rng(2)
    weights, consts = weights_for(rng, w=(3, 3, 3, 5))
    explicit = [0, 0, 1, 2, 0, 1, 0, 0]
    y = conv_node("y", "Conv2D", ["x", "w"], 2, "EXPLICIT", explicit=explicit)
    expected, got = both_engines([*consts, y], weights, 9)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "op,filter_shape,activation",
    [
        ("_FusedConv2D", (3, 3, 3, 6), "Relu6"),  # the form tfjs-converter writes (the shared 0.50 model)
        ("FusedDepthwiseConv2dNative", (3, 3, 3, 2), "Relu"),
        ("_FusedConv2D", (1, 1, 3, 6), None),
        ("_FusedConv2D", (3, 3, 3, 6), "LeakyRelu"),
        ("_FusedConv2D", (3, 3, 3, 6), "Elu"),
        ("_FusedConv2D", (3, 3, 3, 6), "Sigmoid"),
    ],
)
def test_fused_convolutions_equal_the_numpy_executors(op, filter_shape, activation):
    rng = np.random.default_rng(3)
    weights, consts = weights_for(rng, w=filter_shape, b=(filter_shape[3] * (3 if "Depthwise" in op else 1),))
    weights["b"] *= 8  # enough bias that Relu6 clips at both ends
    fused = ["BiasAdd", activation] if activation else ["BiasAdd"]
    y = conv_node("y", op, ["x", "w", "b"], 2, "SAME", fused=fused)
    expected, got = both_engines([*consts, y], weights, 9)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_the_unfused_chain_bias_as_add_and_the_sum_of_two_branches():
    """The official 0.75 model's Conv2D -> BiasAdd -> Relu6; a TF1 graph's bias added with Add; two branches added."""
    rng = np.random.default_rng(4)
    weights, consts = weights_for(rng, w=(3, 3, 3, 3), v=(1, 1, 3, 1), b=(3,), c=(3,))
    weights["b"] *= 8
    nodes = [
        *consts,
        conv_node("conv", "Conv2D", ["x", "w"]),
        node("biased", "BiasAdd", ["conv", "b"]),
        node("clipped", "Relu6", ["biased"]),
        conv_node("other", "DepthwiseConv2dNative", ["x", "v"]),
        node("other_biased", "Add", ["other", "c"]),
        node("sum", "AddV2", ["clipped", "other_biased"]),
        node("y", "Sigmoid", ["sum"]),
    ]
    expected, got = both_engines(nodes, weights, 9)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_an_op_without_an_onnx_form_is_named_and_auto_keeps_numpy():
    graph = GraphModel(
        {
            "node": [
                node("x", "Placeholder"),
                node(
                    "y",
                    "MaxPool",
                    ["x"],
                    ksize=ints_attr([1, 2, 2, 1]),
                    strides=ints_attr([1, 2, 2, 1]),
                    padding=s_attr("VALID"),
                ),
            ]
        },
        {},
        source="pool.json",
    )
    with pytest.raises(UnsupportedOpError, match=r"pool\.json: node 'y' uses op 'MaxPool'.*supported: .*Conv2D"):
        to_onnx(graph, ["y"], 8, 8)
    assert isinstance(make_engine("auto", graph, ["y"], 8, 8), NumpyEngine)
    with pytest.raises(EngineUnavailableError, match="engine 'onnxruntime' cannot run this model: .*MaxPool"):
        make_engine("onnxruntime", graph, ["y"], 8, 8)


# -- the shared models and images ----------------------------------------------------------------------


class Recording:  # an Engine
    """An engine that keeps every output it computed."""

    def __init__(self, engine):
        self.engine, self.name, self.outputs = engine, engine.name, []

    def run(self, batch):
        self.outputs.append(self.engine.run(batch))
        return self.outputs[-1]


class PreloadedRuntime(HostRuntime):
    """HostRuntime with its model already loaded, running the network once per image (single and multi share it)."""

    def __init__(self, model):
        super().__init__(base_url=None)
        self.model = model
        self.ran: dict[int, tuple] = {}

    async def load_model(self, options):
        return self.model

    async def run(self, model, image, roots=None):
        if id(image) not in self.ran:
            self.ran[id(image)] = (image, self.infer(model, image))  # the image is kept: its id stays its own
        return self.ran[id(image)][1]


@pytest.fixture(scope="module")
def detections(models_dir, testdata_dir):
    """{(multiplier, engine name): {image: (singlePose results, multiPose results, raw outputs)}}: both engines
    on the same loaded graph, the network run once per image and engine."""
    images = {image: load_image(testdata_dir / "images" / image) for image in IMAGES}
    found = {}
    with BlasThreads(1):  # as `pyposenet detect` runs: two BLAS threads crawl on a busy 2-core machine
        for multiplier in (0.75, 0.5):
            found.update(detect_everywhere(models_dir, multiplier, images))
    return found


def detect_everywhere(models_dir, multiplier, images):
    """{(multiplier, engine name): {image: (single, multi, raw outputs)}} for one model."""
    options = {"multiplier": multiplier}
    runtime = HostRuntime(models_dir=models_dir, base_url=None, engine="numpy")
    model = runtime.load_model_sync(resolve_options(options))
    onnx_engine = make_engine("onnxruntime", model.graph, model.output_names, model.input_height, model.input_width)
    found = {}
    for engine in (model.engine, onnx_engine):
        recording = Recording(engine)
        preloaded = PreloadedRuntime(dataclasses.replace(model, engine=recording))

        async def detect(pixels, runtime=preloaded):
            net = await poseNet(options, runtime=runtime)
            return await net.singlePose(pixels), await net.multiPose(pixels)

        found[multiplier, engine.name] = {
            image: (*asyncio.run(detect(pixels)), recording.outputs[-1]) for image, pixels in images.items()
        }
    return found


@pytest.mark.parametrize("multiplier", [0.75, 0.5])
def test_keypoints_equal_the_numpy_paths_on_the_shared_images(detections, multiplier):
    """Single and multi pose on every shared image: same poses, keypoints within 0.01 px, scores within 1e-4."""
    for image in IMAGES:
        expected_single, expected_multi, _ = detections[multiplier, "numpy"][image]
        got_single, got_multi, _ = detections[multiplier, "onnxruntime"][image]
        assert len(got_single) == len(expected_single) == 1, image
        assert len(got_multi) == len(expected_multi), image  # 0.75 finds nobody above 0.5 in runner.jpg
        for expected, got in ((expected_single, got_single), (expected_multi, got_multi)):
            for pose, reference in zip(got, expected, strict=True):
                assert abs(pose.pose.score - reference.pose.score) <= 1e-4, image
                for keypoint, other in zip(pose.pose.keypoints, reference.pose.keypoints, strict=True):
                    assert keypoint.part == other.part
                    distance = math.hypot(
                        keypoint.position.x - other.position.x, keypoint.position.y - other.position.y
                    )
                    assert distance <= 0.01 and abs(keypoint.score - other.score) <= 1e-4, (image, keypoint.part)


def test_raw_outputs_are_close_to_the_numpy_executors(detections):
    """Within 2e-4 of each output's largest magnitude (measured: 7.5e-5 at most, 0.50 on runner.jpg, where
    onnxruntime is the closer of the two to a float64 TensorFlow run: docs/host-cli-convert.md)."""
    for multiplier in (0.75, 0.5):
        for image in IMAGES:
            *_, expected_outputs = detections[multiplier, "numpy"][image]
            *_, got_outputs = detections[multiplier, "onnxruntime"][image]
            for expected, got in zip(expected_outputs, got_outputs, strict=True):
                assert got.shape == expected.shape and got.dtype == np.float32
                assert np.abs(got - expected).max() <= 2e-4 * np.abs(expected).max(), (multiplier, image)


def test_threads_follow_the_blas_limit(models_dir):
    """POST /api/pose and `pyposenet detect` hold BLAS to one thread: onnxruntime runs on one thread there too."""
    model = HostRuntime(models_dir=models_dir, base_url=None, engine="numpy").load_model_sync(
        resolve_options({"multiplier": 0.5})
    )
    engine = OnnxRuntimeEngine(to_onnx(model.graph, model.output_names, model.input_height, model.input_width))
    batch = np.zeros((1, model.input_height, model.input_width, 3), np.float32)
    with BlasThreads(1):
        assert blas_limit() == 1
        engine.run(batch)
    assert engine.thread_counts == [1]
    assert engine.session(1).get_session_options().intra_op_num_threads == 1
    from threadpoolctl import threadpool_info

    blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    engine.run(batch)
    assert engine.thread_counts == sorted({1, min(blas)})
