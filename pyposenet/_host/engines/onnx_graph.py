"""A TF.js PoseNet graph (a loaded `GraphModel`) rewritten as an ONNX model for onnxruntime.

The graph is NHWC, ONNX's Conv is NCHW: the model takes the same NHWC input, transposes it once, runs every
convolution in NCHW and transposes each output back, so callers see the numpy executor's shapes. It is built for
one input size: paddings are explicit (TensorFlow's SAME puts the odd pixel after, computed per layer) and every
shape is static, which lets onnxruntime pick its blocked (NCHWc) convolutions. Weights are the graph's, re-laid
out: Conv2D filters HWIO -> OIHW, depthwise filters [kh, kw, cin, mult] -> [cin*mult, 1, kh, kw] with group=cin
(output channel c*mult + m, as TensorFlow numbers them).

Ops: Conv2D, DepthwiseConv2dNative, their fused forms (_FusedConv2D / FusedDepthwiseConv2dNative with BiasAdd and
Relu / Relu6 / Sigmoid / Elu / LeakyRelu), BiasAdd, Relu, Relu6, Sigmoid, Elu, LeakyRelu, Add / AddV2 and Identity:
what the MobileNet PoseNets (official, converted, quantized, stride-rewritten) use. Any other op raises
`UnsupportedOpError` naming it; the engine choice then keeps the numpy executor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..graph import GraphModel, Node, UnsupportedOpError, conv_geometry
from . import onnx_proto

#: ONNX opset and IR version written: onnxruntime 1.31 runs both (Clip takes min/max as inputs from opset 11).
OPSET = 17
IR_VERSION = 8
INPUT_NAME = "input"

_CONVS = {  # op -> depthwise
    "Conv2D": False,
    "_FusedConv2D": False,
    "DepthwiseConv2dNative": True,
    "DepthwiseConv2d": True,
    "FusedDepthwiseConv2dNative": True,
}
_ACTIVATIONS = ("Relu", "Relu6", "Sigmoid", "Elu", "LeakyRelu")
_FUSED_ACTIVATIONS = tuple(a.lower() for a in _ACTIVATIONS)
SUPPORTED_OPS = tuple(sorted({*_CONVS, *_ACTIVATIONS, "BiasAdd", "Add", "AddV2", "Identity", "Placeholder", "Const"}))


@dataclass(frozen=True)
class _Tensor:
    """A TF tensor as the ONNX graph holds it: its value's name and NCHW shape (channels, height, width)."""

    name: str
    channels: int
    height: int
    width: int


class _Builder:
    """Collects ONNX nodes and initializers while walking the TF graph in topological order."""

    def __init__(self, graph: GraphModel):
        self.graph = graph
        self.nodes: list[bytes] = []
        self.initializers: list[bytes] = []
        self.values: dict[str, _Tensor] = {}
        self._names: set[str] = set()

    def unique(self, base: str) -> str:
        name, number = base, 1
        while name in self._names:
            number += 1
            name = f"{base}_{number}"
        self._names.add(name)
        return name

    def constant(self, base: str, array: np.ndarray) -> str:
        name = self.unique(base)
        self.initializers.append(onnx_proto.tensor(name, array))
        return name

    def add(self, op: str, inputs: list[str], base: str, **attrs) -> str:
        output = self.unique(base)
        self.nodes.append(onnx_proto.node(op, inputs, [output], output, **attrs))
        return output

    def const_input(self, node: Node, index: int, what: str) -> np.ndarray:
        source = node.inputs[index][0]
        if self.graph.nodes[source].op != "Const":
            raise UnsupportedOpError(
                f"{self.graph.source}: node {node.name!r} ({node.op}) computes its {what} at run time; "
                "the ONNX conversion needs it to be a Const"
            )
        return np.asarray(self.graph.consts[source], np.float32)

    def activation(self, op: str, x: str, base: str, alpha: float = 0.2) -> str:
        if op == "relu":
            return self.add("Relu", [x], base)
        if op == "relu6":
            low = self.constant(base + "/min", np.array(0.0, np.float32))
            high = self.constant(base + "/max", np.array(6.0, np.float32))
            return self.add("Clip", [x, low, high], base)
        if op == "sigmoid":
            return self.add("Sigmoid", [x], base)
        if op == "elu":
            return self.add("Elu", [x], base, alpha=1.0)
        if op == "leakyrelu":
            return self.add("LeakyRelu", [x], base, alpha=alpha)
        raise UnsupportedOpError(f"activation {op!r}")

    # -- one TF node -> ONNX nodes ----------------------------------------------------------------------

    def convert(self, node: Node) -> None:
        op = node.op
        if op in _CONVS:
            self.values[node.name] = self.conv(node, depthwise=_CONVS[op])
        elif op == "BiasAdd" or (op in ("Add", "AddV2") and self.graph.nodes[node.inputs[1][0]].op == "Const"):
            self.values[node.name] = self.bias_add(node)
        elif op in _ACTIVATIONS:
            x = self.activation_input(node, 0)
            name = self.activation(op.lower(), x.name, node.name, float(node.get("alpha", 0.2)))
            self.values[node.name] = _Tensor(name, x.channels, x.height, x.width)
        elif op in ("Add", "AddV2"):
            a, b = self.activation_input(node, 0), self.activation_input(node, 1)
            if (a.channels, a.height, a.width) != (b.channels, b.height, b.width):
                raise UnsupportedOpError(f"{self.graph.source}: node {node.name!r} ({op}) broadcasts")
            name = self.add("Add", [a.name, b.name], node.name)
            self.values[node.name] = _Tensor(name, a.channels, a.height, a.width)
        elif op == "Identity":
            self.values[node.name] = self.activation_input(node, 0)
        else:
            raise UnsupportedOpError(
                f"{self.graph.source}: node {node.name!r} uses op {op!r}, which the ONNX conversion does not "
                f"support (supported: {', '.join(SUPPORTED_OPS)})"
            )

    def bias_add(self, node: Node) -> _Tensor:
        """BiasAdd, or an Add of a per-channel Const (as TF1 graphs add the first layer's bias)."""
        x = self.activation_input(node, 0)
        bias = self.const_input(node, 1, "bias")
        if bias.size != x.channels or bias.ndim not in (1, 4) or bias.shape[-1] != x.channels:
            raise UnsupportedOpError(
                f"{self.graph.source}: node {node.name!r} ({node.op}) adds a {list(bias.shape)} constant to "
                f"{x.channels} channels; the ONNX conversion takes one value per channel"
            )
        constant = self.constant(node.name + "/bias", bias.reshape(1, -1, 1, 1))
        return _Tensor(self.add("Add", [x.name, constant], node.name), x.channels, x.height, x.width)

    def activation_input(self, node: Node, index: int) -> _Tensor:
        source = node.inputs[index][0]
        if source not in self.values:
            raise UnsupportedOpError(
                f"{self.graph.source}: node {node.name!r} ({node.op}) reads {source!r} "
                f"({self.graph.nodes[source].op}), which is not an image-shaped activation"
            )
        return self.values[source]

    def conv(self, node: Node, depthwise: bool) -> _Tensor:
        """Conv2D or a depthwise convolution (group = input channels), with a fused bias and activation."""
        layout = node.get("data_format", "NHWC")
        if layout != "NHWC":
            raise UnsupportedOpError(f"{self.graph.source}: node {node.name!r} has data_format {layout}; only NHWC")
        x = self.activation_input(node, 0)
        filt = self.const_input(node, 1, "filter")
        kh, kw, cin, cout = filt.shape
        if cin != x.channels:
            raise UnsupportedOpError(f"{self.graph.source}: node {node.name!r}'s filter takes {cin} channels")
        if depthwise:  # [kh, kw, cin, multiplier] -> [cin * multiplier, 1, kh, kw]
            weights, cout, group = filt.transpose(2, 3, 0, 1).reshape(cin * cout, 1, kh, kw), cin * cout, cin
        else:  # HWIO -> OIHW
            weights, group = filt.transpose(3, 2, 0, 1), 1
        try:  # TensorFlow's paddings, as the numpy executor computes them (SAME: the odd pixel after)
            ho, wo, (top, bottom, left, right), strides, dilations = conv_geometry(
                node, (1, x.height, x.width, x.channels), kh, kw
            )
        except ValueError as error:  # a padding other than SAME, VALID, EXPLICIT
            raise UnsupportedOpError(f"{self.graph.source}: node {node.name!r}: {error}") from error
        inputs = [x.name, self.constant(node.name + "/weights", weights)]
        has_bias, activation = self.fused_ops(node)
        if has_bias:
            bias = self.const_input(node, 2, "bias").reshape(-1)
            if bias.size != cout:
                raise UnsupportedOpError(f"{self.graph.source}: node {node.name!r} has {bias.size} biases, not {cout}")
            inputs.append(self.constant(node.name + "/bias", bias))
        name = self.add(
            "Conv",
            inputs,
            node.name + ("/conv" if activation else ""),
            kernel_shape=[kh, kw],
            strides=list(strides),
            dilations=list(dilations),
            pads=[top, left, bottom, right],
            group=group,
        )
        if activation:
            name = self.activation(activation, name, node.name, float(node.get("leakyrelu_alpha", 0.2)))
        return _Tensor(name, cout, ho, wo)

    def fused_ops(self, node: Node) -> tuple[bool, str | None]:
        """A fused convolution's epilogue: (adds a bias, activation or None), as tfjs reads `fused_ops`."""
        fused = [op.lower() for op in node.get("fused_ops", [])]
        has_bias = fused[:1] == ["biasadd"]
        rest = fused[1:] if has_bias else fused
        if len(rest) > 1 or (rest and rest[0] not in _FUSED_ACTIVATIONS):
            raise UnsupportedOpError(
                f"{self.graph.source}: node {node.name!r} ({node.op}) has fused_ops {node.get('fused_ops')}; the "
                f"ONNX conversion takes BiasAdd and one of {', '.join(_FUSED_ACTIVATIONS)}"
            )
        return has_bias, (rest[0] if rest else None)


def _needed(graph: GraphModel, outputs: Sequence[str]) -> list[Node]:
    """The nodes `outputs` depend on, each after its inputs."""
    order: list[Node] = []
    seen: set[str] = set()
    stack = [(name, False) for name in reversed(outputs)]
    while stack:
        name, expanded = stack.pop()
        if expanded:
            order.append(graph.nodes[name])
            continue
        if name in seen:
            continue
        seen.add(name)
        stack.append((name, True))
        stack.extend((source, False) for source, _ in reversed(graph.nodes[name].inputs) if source not in seen)
    return order


def to_onnx(graph: GraphModel, outputs: Sequence[str], height: int, width: int) -> bytes:
    """A serialized ONNX model computing `outputs` (NHWC, batch 1) from a [1, height, width, channels] NHWC input
    (channels: the Placeholder's declared count, else 3).

    Raises UnsupportedOpError (naming the node and op) for a graph this conversion cannot express."""
    builder = _Builder(graph)
    placeholders = [n for n in graph.nodes.values() if n.op.startswith("Placeholder")]
    if len(placeholders) != 1:
        raise UnsupportedOpError(f"{graph.source}: {len(placeholders)} inputs; the ONNX conversion takes one")
    declared = placeholders[0].get("shape")
    channels = declared[-1] if declared and declared[-1] > 0 else 3  # RGB unless the graph says otherwise
    builder.unique(INPUT_NAME)
    nchw = builder.add("Transpose", [INPUT_NAME], "input_nchw", perm=[0, 3, 1, 2])
    builder.values[placeholders[0].name] = _Tensor(nchw, channels, height, width)
    for node in _needed(graph, outputs):
        if node.name not in builder.values and node.op != "Const":
            builder.convert(node)
    graph_outputs = []
    for index, name in enumerate(outputs):
        if name not in builder.values:
            raise UnsupportedOpError(f"{graph.source}: output {name!r} is not an image-shaped activation")
        value = builder.values[name]
        nhwc = builder.add("Transpose", [value.name], f"output_{index}", perm=[0, 2, 3, 1])
        graph_outputs.append(onnx_proto.value_info(nhwc, [1, value.height, value.width, value.channels]))
    body = onnx_proto.graph(
        builder.nodes,
        "posenet",
        [onnx_proto.value_info(INPUT_NAME, [1, height, width, channels])],
        graph_outputs,
        builder.initializers,
    )
    return onnx_proto.model(body, {"": OPSET}, IR_VERSION, "pyposenet")
