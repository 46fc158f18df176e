"""Another output stride for a MobileNet PoseNet graph, as posenet 1.x built it (the weights do not change).

posenet 1.x (mobilenet.ts) ran one MobileNet v1 at any output stride with `toOutputStridedLayers`:
walking the convolutions in order, once the running product of strides reaches the output stride,
every later convolution runs with stride 1, and from the next one on the depthwise convolutions are
dilated (atrous) by the product of the strides so skipped. The 2.x graph models are that network
written out per stride; this module rewrites the `strides` and `dilations` attributes of the conv
nodes of one such graph to get another, keeping every weight, node and name.

The convolution strides as designed (posenet's `mobileNet100Architecture` and friends) are
recovered from the graph: a conv's design stride is its stride times how much the rate grows at the
next spatial convolution. They are 2,1,2,1,2,1,2,1,1,1,1,1,2,1 for multiplier 1.0, but
2,1,2,1,2,1,2,1,1,1,1,1,1,1 for 0.75 and 0.50 (block 12 keeps stride 1), so those two downsample by
16 at most: an output stride of 32 exists only for 1.0, as the official set has it.

Dilations are written as TensorFlow defines them, [1, r, r, 1], which TF.js and the numpy runner
read as rate r along y and x. Google's published 2.x files (tfjs-converter 1.1.2, whose executor then
passed dilations[0..1] on) wrote [r, r, 1, 1]; in May 2019 tfjs-converter started passing
dilations[1..2] (tensorflow/tfjs#1587, tfjs-converter#363; 4.22 still does), so since then those files
run with rate r along y only (and 1 along x). `published_layout=True` writes that layout, for what
ml5 users actually ran. Source graphs in either layout are understood.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from .source import ConvertError, SourceModel

__all__ = [
    "CONV_OPS",
    "Conv",
    "StrideChange",
    "design_strides",
    "find_convs",
    "output_strided_layers",
    "restride_model",
]

CONV_OPS = ("Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative", "DepthwiseConv2d")
DEPTHWISE_OPS = ("DepthwiseConv2dNative", "FusedDepthwiseConv2dNative", "DepthwiseConv2d")
_REFUSED_OPS = {
    "SpaceToBatchND": "atrous convolution written as SpaceToBatchND/BatchToSpaceND (TF's other form)",
    "BatchToSpaceND": "atrous convolution written as SpaceToBatchND/BatchToSpaceND (TF's other form)",
    "MaxPool": "a pooling layer",
    "AvgPool": "a pooling layer",
    "Conv2DBackpropInput": "a transposed convolution",
    "ResizeBilinear": "a resize",
}


def _ints(attr: dict | None, default: list[int]) -> list[int]:
    if not attr:
        return list(default)
    values = attr.get("list", {}).get("i")
    return [int(v) for v in values] if values else list(default)


def _ints_attr(values: list[int]) -> dict:
    return {"list": {"i": [str(v) for v in values]}}


def _base(name: str) -> str:
    name = name[1:] if name.startswith("^") else name
    head, sep, tail = name.rpartition(":")
    return head if sep and tail.isdigit() else name


@dataclass
class Conv:
    """One convolution node on the backbone, in input-to-output order."""

    node: dict
    kernel: tuple[int, int]
    stride: int
    rate: int
    published_layout: bool  # its dilations were written [r, r, 1, 1]

    @property
    def name(self) -> str:
        return self.node["name"]

    @property
    def spatial(self) -> bool:
        """Does its stride or rate matter (a 1x1 stride-1 conv is the same at any rate)?"""
        return self.kernel != (1, 1) or self.stride != 1


def _stride_of(node: dict) -> int:
    strides = _ints(node.get("attr", {}).get("strides"), [1, 1, 1, 1])
    if len(strides) != 4 or strides[0] != 1 or strides[3] != 1 or strides[1] != strides[2]:
        raise ConvertError(
            f"node {node['name']!r} has strides {strides}; only square NHWC strides [1, s, s, 1] are supported"
        )
    return strides[1]


def _rate_of(node: dict) -> tuple[int, bool]:
    """(rate, written in the published [r, r, 1, 1] layout)."""
    dilations = _ints(node.get("attr", {}).get("dilations"), [1, 1, 1, 1])
    if len(dilations) != 4:
        raise ConvertError(f"node {node['name']!r} has dilations {dilations}; expected 4 numbers")
    if dilations[0] == 1 and dilations[3] == 1 and dilations[1] == dilations[2]:
        return dilations[1], False
    if dilations[2] == 1 and dilations[3] == 1 and dilations[0] == dilations[1]:
        return dilations[0], True  # Google's 2.x stride-8 files: [2, 2, 1, 1]
    raise ConvertError(
        f"node {node['name']!r} has dilations {dilations}; only [1, r, r, 1] (and the published "
        "posenet files' [r, r, 1, 1]) are supported"
    )


def find_convs(spec: dict) -> list[Conv]:
    """The convolutions from the input to the outputs, checking the graph is one plain chain of
    layers (MobileNet: each layer reads the one before it; the output heads all read the last)."""
    nodes = spec["modelTopology"]["node"]
    shapes = {w["name"]: w.get("shape", []) for g in spec.get("weightsManifest", []) for w in g["weights"]}
    _check_ops(nodes)
    chain = _backbone(nodes)
    convs = [_chain_conv(node, shapes) for node in chain if node["op"] in CONV_OPS]
    _check_heads(nodes, {n["name"] for n in chain}, shapes)
    if not convs:
        raise ConvertError("the graph has no convolutions")
    return convs


def _check_ops(nodes: list[dict]) -> None:
    """No layer but convolutions can change output stride (no pooling, resize, ...), and every one is NHWC."""
    for node in nodes:
        if node["op"] in _REFUSED_OPS:
            raise ConvertError(
                f"node {node['name']!r} ({node['op']}) is {_REFUSED_OPS[node['op']]}; only MobileNet "
                "graphs made of convolutions can change output stride"
            )
        if node["op"] in DEPTHWISE_OPS or node["op"] in CONV_OPS:
            fmt = node.get("attr", {}).get("data_format", {}).get("s")
            if fmt not in (None, "TkhXQw=="):  # base64 "NHWC"
                raise ConvertError(f"node {node['name']!r} is not NHWC")


def _data_inputs(node: dict, by_name: dict[str, dict]) -> list[str]:
    """The computed (non-Const) tensors `node` reads, control inputs left out."""
    found = []
    for raw in node.get("input", []):
        if raw.startswith("^"):
            continue
        src = by_name.get(_base(raw))
        if src is None:
            raise ConvertError(f"node {node['name']!r} reads {raw!r}, which is not in the graph")
        if src["op"] != "Const":
            found.append(src["name"])
    return found


def _backbone(nodes: list[dict]) -> list[dict]:
    """The backbone, input first: from the first output back to the input, each node reading exactly one tensor."""
    by_name = {n["name"]: n for n in nodes}
    consumed = {_base(i) for n in nodes for i in n.get("input", [])}
    outputs = [n for n in nodes if n["name"] not in consumed and n["op"] not in ("Const", "NoOp")]
    if not outputs:
        raise ConvertError("the graph has no outputs")
    chain, node = [], outputs[0]
    while node["op"] not in ("Placeholder", "PlaceholderWithDefault"):
        chain.append(node)
        inputs = _data_inputs(node, by_name)
        if len(inputs) != 1:
            raise ConvertError(
                f"node {node['name']!r} ({node['op']}) reads {len(inputs)} computed tensors; only a "
                "plain chain of layers (MobileNet) can change output stride, not a graph with "
                "branches (ResNet)"
            )
        node = by_name[inputs[0]]
    chain.reverse()
    return chain


def _chain_conv(node: dict, shapes: dict[str, list]) -> Conv:
    """A backbone convolution with its kernel size (from the manifest's filter shape), stride and rate."""
    inputs = node.get("input", [])
    shape = shapes.get(_base(inputs[1])) if len(inputs) > 1 else None
    if not shape or len(shape) != 4:
        raise ConvertError(f"node {node['name']!r} ({node['op']}): its filter is not a weight of the manifest")
    rate, published = _rate_of(node)
    return Conv(node, (int(shape[0]), int(shape[1])), _stride_of(node), rate, published)


def _check_heads(nodes: list[dict], on_chain: set[str], shapes: dict[str, list]) -> None:
    """Every other conv (the output heads) must be a 1x1 stride-1 conv hanging off the backbone's end."""
    for node in nodes:
        if node["op"] in CONV_OPS and node["name"] not in on_chain:
            shape = shapes.get(_base(node["input"][1])) if len(node.get("input", [])) > 1 else None
            if _stride_of(node) != 1 or not shape or tuple(shape[:2]) != (1, 1):
                raise ConvertError(
                    f"node {node['name']!r} ({node['op']}) is a strided or spatial convolution "
                    "off the main chain; only MobileNet-like graphs are supported"
                )


def design_strides(convs: list[Conv]) -> list[int]:
    """Each spatial conv's stride as the network was designed (before any atrous rewrite)."""
    spatial = [c for c in convs if c.spatial]
    if not spatial:
        raise ConvertError("the graph has no strided or spatial convolution; nothing sets its output stride")
    if spatial[0].rate != 1:
        raise ConvertError(f"the first convolution {spatial[0].name!r} is dilated; not a posenet MobileNet")
    designed = []
    for here, after in zip(spatial, spatial[1:] + [None], strict=False):
        if after is None:
            designed.append(here.stride)  # nothing after it: its design stride changes nothing
            continue
        if after.rate % here.rate:
            raise ConvertError(
                f"rates {here.rate} -> {after.rate} from {here.name!r} to {after.name!r} are not a "
                "multiple; not a posenet-style atrous MobileNet"
            )
        growth = after.rate // here.rate
        if growth > 1 and here.stride > 1:
            raise ConvertError(
                f"{here.name!r} has stride {here.stride} and the rate grows after it; "
                "not a posenet-style atrous MobileNet"
            )
        designed.append(here.stride * growth)
    return designed


def output_strided_layers(strides: list[int], output_stride: int) -> list[tuple[int, int]]:
    """posenet 1.x's toOutputStridedLayers: (stride, rate) per layer for this output stride."""
    current, rate, layers = 1, 1, []
    for stride in strides:
        if current == output_stride:
            layers.append((1, rate))
            rate *= stride
        else:
            layers.append((stride, 1))
            current *= stride
    if current != output_stride:
        raise ValueError(current)
    return layers


@dataclass
class StrideChange:
    """The rewritten model.json and what changed: (node name, old (stride, rate), new (stride, rate))."""

    spec: dict
    source_stride: int
    output_stride: int
    changes: list[tuple[str, tuple[int, int], tuple[int, int]]]


def _set_attr(attrs: dict, key: str, value: dict) -> None:
    attrs[key] = value  # replaces in place (keeps the key's position) or appends


def restride_model(
    source: SourceModel, output_stride: int, *, published_layout: bool = False, converted_by: str | None = None
) -> StrideChange:
    """`source`'s graph at another output stride (8, 16 or 32); the weights manifest is unchanged, so
    the new model.json reads the same shards."""
    spec = copy.deepcopy(source.spec)
    convs = find_convs(spec)
    spatial = [c for c in convs if c.spatial]
    designed = design_strides(convs)
    source_stride = 1
    for conv in spatial:
        source_stride *= conv.stride
    most = 1
    for stride in designed:
        most *= stride
    try:
        layers = output_strided_layers(designed, output_stride)
    except ValueError:
        hint = ""
        if output_stride > most:
            hint = (
                f" (its convolution strides as designed are {','.join(map(str, designed))}; posenet's MobileNet "
                "0.75 and 0.50 keep stride 1 in block 12, so only multiplier 1.0 reaches 32, which is why the "
                "official files have stride 32 for 1.0 only)"
            )
        reachable = [s for s in (8, 16, 32) if s <= most and _reaches(designed, s)]
        raise ConvertError(
            f"this network cannot have output stride {output_stride}: it downsamples by {most} in "
            f"all{hint}; possible: {', '.join(map(str, reachable))}"
        ) from None
    changes = []
    for conv, (stride, rate) in zip(spatial, layers, strict=False):
        attrs = conv.node.setdefault("attr", {})
        old = (conv.stride, conv.rate)
        if rate > 1 and conv.node["op"] not in DEPTHWISE_OPS:
            raise ConvertError(
                f"{conv.name!r} ({conv.node['op']}) would need dilation {rate}; posenet dilates "
                "only depthwise convolutions"
            )
        dilations = [rate, rate, 1, 1] if published_layout and rate > 1 else [1, rate, rate, 1]
        layout_changes = rate > 1 and conv.published_layout != published_layout
        if old != (stride, rate) or layout_changes:
            changes.append((conv.name, old, (stride, rate)))
        _set_attr(attrs, "strides", _ints_attr([1, stride, stride, 1]))
        _set_attr(attrs, "dilations", _ints_attr(dilations))
    _fix_signature_shapes(spec, source_stride, output_stride)
    if converted_by:
        spec["convertedBy"] = converted_by
    return StrideChange(spec, source_stride, output_stride, changes)


def _reaches(designed: list[int], stride: int) -> bool:
    try:
        output_strided_layers(designed, stride)
    except ValueError:
        return False
    return True


def _fix_signature_shapes(spec: dict, source_stride: int, output_stride: int) -> None:
    """Output shapes in the signature with a fixed H, W follow the new stride (SAME padding:
    H -> ceil(H / stride) for the input's fixed size); unknown sizes stay unknown."""
    signature = spec.get("signature") or {}
    inputs = list((signature.get("inputs") or {}).values())
    in_dims = [int(d.get("size", -1)) for d in (inputs[0].get("tensorShape") or {}).get("dim", [])] if inputs else []
    for entry in (signature.get("outputs") or {}).values():
        dims = (entry.get("tensorShape") or {}).get("dim")
        if not dims or len(dims) != 4:
            continue
        for axis in (1, 2):
            size = int(dims[axis].get("size", -1))
            if size < 0:
                continue
            if len(in_dims) == 4 and in_dims[axis] > 0:
                dims[axis]["size"] = str(-(-in_dims[axis] // output_stride))
            else:
                dims[axis]["size"] = "-1"
