"""A TF.js graph model (model.json + weight shards) read and executed with numpy, no TensorFlow.

Reading follows tfjs-core / tfjs-converter 4.x:
* `modelTopology.node` is a TF GraphDef as JSON (attrs are proto JSON: strings base64, ints as strings);
* the weight shards of every `weightsManifest` group are concatenated in manifest order and the
  weights decoded one after the other; quantized weights (`quantization: {dtype, scale, min}`) are
  dequantized as `decodeWeight` does: `v * scale + min` in double precision stored as float32
  (uint8/uint16), or an IEEE half -> float32 conversion (float16);
* the graph's outputs are the signature's outputs when it lists any, else every node nothing consumes,
  in node order; its inputs are the signature's inputs, else the Placeholders.

Execution: the nodes the requested outputs need, in topological order, each by a numpy kernel built
once per plan (conv filters are laid out for a matmul at that point). Conv2D / DepthwiseConv2dNative
followed by a BiasAdd and a Relu/Relu6 is run as one fused step, as the converter's `_FusedConv2D`
would; the arithmetic is the same, only temporaries are saved. Everything is float32 and NHWC.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..models import checks

__all__ = ["GraphModel", "TensorInfo", "UnsupportedOpError", "ModelFormatError", "load_graph_model", "SUPPORTED_OPS"]


class ModelFormatError(ValueError):
    """model.json or its weights are not a TF.js graph model this reader understands."""


class UnsupportedOpError(NotImplementedError):
    """The graph uses an op the numpy executor has no kernel for."""


@dataclass(frozen=True)
class TensorInfo:
    """A graph input or output: node name, declared shape (None or -1 where unknown), dtype."""

    name: str
    shape: tuple[int, ...] | None = None
    dtype: str = "float32"


# ----------------------------------------------------------------------------------------- reading

_DTYPES: dict[str, np.dtype] = {"float32": np.dtype("<f4"), "int32": np.dtype("<i4"), "bool": np.dtype("u1")}
_QUANT_DTYPES: dict[str, np.dtype] = {"uint8": np.dtype("u1"), "uint16": np.dtype("<u2"), "float16": np.dtype("<f2")}


def dequantize(raw: np.ndarray, dtype: str, quantization: Mapping) -> np.ndarray:
    """Quantized weight values -> `dtype`, as tfjs-core's decodeWeight does."""
    qtype = quantization.get("dtype")
    if qtype in ("uint8", "uint16"):
        if "scale" not in quantization or "min" not in quantization:
            raise ModelFormatError(f"{qtype} quantization needs 'scale' and 'min', got {dict(quantization)}")
        # JavaScript numbers are doubles: v * scale + min is computed in float64, then stored.
        values = raw.astype(np.float64) * float(quantization["scale"]) + float(quantization["min"])
        if dtype == "int32":
            return np.floor(values + 0.5).astype(np.int32)  # Math.round
        if dtype == "float32":
            return values.astype(np.float32)
    elif qtype == "float16" and dtype == "float32":
        return raw.astype(np.float32)  # exact, denormals included, like tfjs's float16 decoder
    raise ModelFormatError(
        f"unsupported quantization {qtype!r} for a {dtype} weight "
        "(tfjs supports uint8/uint16 for float32 and int32, float16 for float32)"
    )


def decode_weights(specs: Sequence[Mapping], data: bytes | memoryview, model: str = "model") -> dict[str, np.ndarray]:
    """The weights of a manifest (its groups' `weights` in order) from the concatenated shard bytes."""
    out: dict[str, np.ndarray] = {}
    offset = 0
    buffer = memoryview(data)
    for spec in specs:
        name, dtype, shape = spec["name"], spec.get("dtype", "float32"), tuple(int(d) for d in spec.get("shape", ()))
        size = math.prod(shape)
        quant = spec.get("quantization")
        if quant is not None:
            stored = _QUANT_DTYPES.get(quant.get("dtype"))
            if stored is None:
                raise ModelFormatError(
                    f"{model}: weight {name!r} has unknown quantization dtype "
                    f"{quant.get('dtype')!r}; supported: uint8, uint16, float16"
                )
        elif dtype in _DTYPES:
            stored = _DTYPES[dtype]
        else:
            raise ModelFormatError(f"{model}: weight {name!r} has dtype {dtype!r}; supported: {', '.join(_DTYPES)}")
        nbytes = size * stored.itemsize
        if offset + nbytes > len(buffer):
            raise ModelFormatError(
                f"{model}: the weight shards hold {len(buffer)} bytes but weight {name!r} "
                f"needs bytes {offset}..{offset + nbytes}; a shard is missing or truncated"
            )
        raw = np.frombuffer(buffer[offset : offset + nbytes], dtype=stored).reshape(shape)
        offset += nbytes
        if quant is not None:
            value = dequantize(raw, dtype, quant)
        elif dtype == "bool":
            value = raw.astype(bool)
        else:
            value = raw.astype(stored.newbyteorder("="), copy=True)  # own the memory, native order
        out[name] = value
    if offset != len(buffer):
        raise ModelFormatError(
            f"{model}: the manifest describes {offset} bytes of weights but the shards hold {len(buffer)}"
        )
    return out


def _attr_value(raw: Mapping):
    """One TF AttrValue in proto JSON -> a Python value."""
    if "s" in raw:
        return base64.b64decode(raw["s"]).decode("utf-8", "replace")
    if "i" in raw:
        return int(raw["i"])
    if "f" in raw:
        return float(raw["f"])
    if "b" in raw:
        return bool(raw["b"])
    if "type" in raw:
        return raw["type"]
    if "shape" in raw:
        return _shape_of(raw["shape"])
    if "list" in raw:
        items = raw["list"]
        if "i" in items:
            return [int(v) for v in items["i"]]
        if "s" in items:
            return [base64.b64decode(v).decode("utf-8", "replace") for v in items["s"]]
        if "f" in items:
            return [float(v) for v in items["f"]]
        if "b" in items:
            return [bool(v) for v in items["b"]]
        if "type" in items:
            return list(items["type"])
        if "shape" in items:
            return [_shape_of(s) for s in items["shape"]]
        return []
    if "tensor" in raw:
        return raw["tensor"]
    return None


def _shape_of(shape: Mapping | None) -> tuple[int, ...] | None:
    if not shape or shape.get("unknownRank"):
        return None
    return tuple(int(d.get("size", -1)) for d in shape.get("dim", []))


def _split_input(name: str) -> tuple[str, int]:
    """'node' -> ('node', 0); 'node:1' -> ('node', 1)."""
    base, sep, index = name.rpartition(":")
    if sep and index.isdigit():
        return base, int(index)
    return name, 0


@dataclass
class Node:
    name: str
    op: str
    inputs: list[tuple[str, int]]
    attr: dict = field(default_factory=dict)

    def get(self, key: str, default=None):
        raw = self.attr.get(key)
        if raw is None:
            return default
        value = _attr_value(raw)
        return default if value is None else value


# --------------------------------------------------------------------------------------- kernels
# A kernel builder takes (node, consts, model) where consts[i] is input i's value when it is a
# Const (else None), and returns a function of the list of input arrays. Builders do the per-model
# work once: filter layouts, paddings, attribute parsing.

Kernel = Callable[[list], np.ndarray]


def _padding_1d(size: int, k: int, stride: int, dilation: int, padding: str, explicit=(0, 0)) -> tuple[int, int, int]:
    """(output size, pad before, pad after) exactly as TensorFlow: SAME puts the odd pixel after."""
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        out = -(-size // stride)
        total = max((out - 1) * stride + eff - size, 0)
        return out, total // 2, total - total // 2
    if padding == "VALID":
        return (size - eff) // stride + 1, 0, 0
    if padding == "EXPLICIT":
        before, after = explicit
        return (size + before + after - eff) // stride + 1, before, after
    raise ValueError(f"unknown padding {padding!r}")


def _pad_hw(x: np.ndarray, top: int, bottom: int, left: int, right: int, value: float = 0.0) -> np.ndarray:
    if not (top or bottom or left or right):
        return x
    n, h, w, c = x.shape
    out = np.full((n, h + top + bottom, w + left + right, c), value, dtype=x.dtype)
    out[:, top : top + h, left : left + w, :] = x
    return out


def _pad_phase(x: np.ndarray, pads, stride: int, phase: int) -> np.ndarray:
    """Columns phase, phase+stride, ... of the zero-padded input, built in one copy (no padded
    intermediate): what a horizontally strided window op reads, as contiguous rows."""
    top, bottom, left, right = pads
    if stride == 1:
        return _pad_hw(x, top, bottom, left, right)
    n, h, w, c = x.shape
    wp = w + left + right
    width = len(range(phase, wp, stride))
    out = np.zeros((n, h + top + bottom, width, c), dtype=x.dtype)
    first = -(-(left - phase) // stride)  # first phase column that lands on a real pixel
    last = (w - 1 + left - phase) // stride
    if last >= first:
        start = phase + stride * first - left
        out[:, top : top + h, first : last + 1, :] = x[:, :, start : start + stride * (last - first) + 1 : stride, :]
    return out


def conv_geometry(
    node: Node, x_shape, kh: int, kw: int
) -> tuple[int, int, tuple[int, int, int, int], tuple[int, int], tuple[int, int]]:
    """Output size, paddings, strides and dilations of a 2-D window op on an NHWC input (the numpy executor's and
    the ONNX translation's: engines/onnx_graph.py)."""
    fmt = node.get("data_format", "NHWC")
    if fmt != "NHWC":
        raise UnsupportedOpError(f"node {node.name!r} ({node.op}) has data_format {fmt}; only NHWC is supported")
    strides = node.get("strides", [1, 1, 1, 1])
    dilations = node.get("dilations", [1, 1, 1, 1]) or [1, 1, 1, 1]
    padding = node.get("padding", "VALID")
    explicit = node.get("explicit_paddings", []) or [0] * 8
    _, h, w, _ = x_shape
    ho, top, bottom = _padding_1d(h, kh, strides[1], dilations[1], padding, tuple(explicit[2:4]))
    wo, left, right = _padding_1d(w, kw, strides[2], dilations[2], padding, tuple(explicit[4:6]))
    return ho, wo, (top, bottom, left, right), (strides[1], strides[2]), (dilations[1], dilations[2])


def _check_extent(x: np.ndarray, rows: int, cols: int, node: Node) -> None:
    """Guard for the as_strided views below: they must never reach past the array."""
    if rows > x.shape[1] or cols > x.shape[2]:
        raise RuntimeError(
            f"internal error in node {node.name!r} ({node.op}): a window of {rows}x{cols} "
            f"pixels does not fit the {x.shape[1]}x{x.shape[2]} padded input"
        )


def _window(xp: np.ndarray, i: int, j: int, ho: int, wo: int, s, d) -> np.ndarray:
    """The strided view of padded input xp that filter tap (i, j) multiplies."""
    r, c = i * d[0], j * d[1]
    return xp[:, r : r + s[0] * (ho - 1) + 1 : s[0], c : c + s[1] * (wo - 1) + 1 : s[1], :]


def _relu(y):
    return np.maximum(y, 0, out=y)


def _relu6(y):
    return np.clip(y, 0, 6, out=y)


def _sigmoid(y):
    np.negative(y, out=y)
    np.exp(y, out=y)
    y += 1
    return np.reciprocal(y, out=y)


def _elu(y):
    neg = y < 0
    y[neg] = np.expm1(y[neg])
    return y


def _epilogue(node: Node, model: str):
    """The fused ops of _FusedConv2D / FusedDepthwiseConv2dNative: (bias, activation(y, args))."""
    fused = [op.lower() for op in node.get("fused_ops", [])]
    if not fused:
        return None, None
    if fused[0] == "fusedbatchnorm":
        raise UnsupportedOpError(
            f"{model}: node {node.name!r} ({node.op}) fuses FusedBatchNorm, which TF.js does not support either"
        )
    has_bias = fused[0] == "biasadd"
    activation = fused[1] if has_bias and len(fused) > 1 else (None if has_bias else fused[0])
    if len(fused) > 2 or activation not in (None, "relu", "relu6", "prelu", "elu", "sigmoid", "leakyrelu"):
        raise UnsupportedOpError(
            f"{model}: node {node.name!r} ({node.op}) has fused_ops "
            f"{node.get('fused_ops')}, which the numpy executor does not support"
        )
    bias_index = 2 if has_bias else None
    alpha_index = (3 if has_bias else 2) if activation == "prelu" else None
    leaky = float(node.get("leakyrelu_alpha", 0.2))

    def act(y, inputs):
        if activation == "relu":
            _relu(y)
        elif activation == "relu6":
            _relu6(y)
        elif activation == "sigmoid":
            _sigmoid(y)
        elif activation == "elu":
            _elu(y)
        elif activation == "leakyrelu":
            y[...] = np.where(y < 0, y * np.float32(leaky), y)  # (np.where takes no out=)
        elif activation == "prelu":
            alpha = inputs[alpha_index]
            y[...] = np.where(y < 0, y * alpha, y)
        return y

    return bias_index, (act if activation else None)


def _conv2d(node: Node, consts: list, model: str) -> Kernel:
    """Conv2D / _FusedConv2D: 1x1 as one matmul, larger kernels via an im2col matrix and one matmul."""
    bias_index, act = _epilogue(node, model)

    def prepare(filt):
        kh, kw, cin, cout = filt.shape
        return kh, kw, np.ascontiguousarray(filt.reshape(kh * kw * cin, cout), dtype=np.float32)

    prepared = prepare(consts[1]) if consts[1] is not None else None
    if node.get("data_format", "NHWC") != "NHWC":
        raise UnsupportedOpError(
            f"{model}: node {node.name!r} ({node.op}) uses data_format "
            f"{node.get('data_format')}; only NHWC is supported"
        )

    def run(inputs):
        x = inputs[0]
        kh, kw, wmat = prepared or prepare(inputs[1])
        n, h, w, c = x.shape
        ho, wo, (top, bottom, left, right), s, d = conv_geometry(node, x.shape, kh, kw)
        if kh == kw == 1 and not (top or bottom or left or right):
            xs = x if s == (1, 1) else x[:, : s[0] * (ho - 1) + 1 : s[0], : s[1] * (wo - 1) + 1 : s[1], :]
            y = np.matmul(xs.reshape(-1, c), wmat)
        else:
            xp = _pad_hw(x, top, bottom, left, right)
            if d[1] == 1:
                # im2col from a strided view: a tap row's kw pixels are kw*c contiguous floats.
                _check_extent(xp, d[0] * (kh - 1) + s[0] * (ho - 1) + 1, s[1] * (wo - 1) + kw, node)
                flat = xp.reshape(n, xp.shape[1], xp.shape[2] * c)
                bs, rs, es = flat.strides
                view = np.lib.stride_tricks.as_strided(
                    flat,
                    shape=(n, ho, wo, kh, kw * c),
                    strides=(bs, s[0] * rs, s[1] * c * es, d[0] * rs, es),
                    writeable=False,
                )
                cols = np.ascontiguousarray(view)
            else:
                cols = np.empty((n, ho, wo, kh, kw, c), dtype=np.float32)
                for i in range(kh):
                    for j in range(kw):
                        cols[:, :, :, i, j, :] = _window(xp, i, j, ho, wo, s, d)
            y = np.matmul(cols.reshape(n * ho * wo, kh * kw * c), wmat)
        y = y.reshape(n, ho, wo, wmat.shape[1])
        if bias_index is not None:
            y += inputs[bias_index]
        return act(y, inputs) if act else y

    return run


def _depthwise(node: Node, consts: list, model: str) -> Kernel:
    """DepthwiseConv2dNative / FusedDepthwiseConv2dNative: y = sum over taps of w[tap] * shifted x.

    Speed (this is most of MobileNet's time in numpy): each image row is one vector of W*C floats,
    each tap's weights are tiled to that length, and the taps are a strided view of the padded input,
    so one `einsum` does all the multiply-adds in one pass with long contiguous inner loops (faster
    than a loop over taps on NHWC: docs/benchmarks.md). A horizontal stride first splits the padded input into its
    column phases, so each tap still reads contiguous row pieces: one einsum per phase."""
    bias_index, act = _epilogue(node, model)
    static = consts[1] is not None and (bias_index is None or consts[bias_index] is not None)
    tiled: dict[int, tuple] = {}

    def prepare(filt, wo: int, bias):
        kh, kw, cin, mult = filt.shape  # output channel c*mult + m, as TF
        taps = np.tile(np.asarray(filt, np.float32).reshape(kh, kw, cin * mult), (1, 1, wo))
        b = None if bias is None else np.tile(np.asarray(bias, np.float32).reshape(-1), wo)
        return mult, taps, b

    def run(inputs):
        x, filt = inputs[0], inputs[1]
        bias = inputs[bias_index] if bias_index is not None else None
        kh, kw = filt.shape[:2]
        ho, wo, pads, (sh, sw), (dh, dw) = conv_geometry(node, x.shape, kh, kw)
        if not static:
            mult, taps, b = prepare(filt, wo, bias)
        else:
            if wo not in tiled:
                tiled[wo] = prepare(filt, wo, bias)
            mult, taps, b = tiled[wo]
        if mult > 1:
            x = np.repeat(x, mult, axis=3)
        n, c = x.shape[0], x.shape[3]
        y: np.ndarray | None = None
        for phase in range(sw):
            cols = [j for j in range(kw) if (j * dw) % sw == phase]
            if not cols:
                continue
            source = _pad_phase(x, pads, sw, phase)
            first = (cols[0] * dw) // sw
            step = ((cols[1] * dw) // sw - first) if len(cols) > 1 else 1
            _check_extent(source, dh * (kh - 1) + sh * (ho - 1) + 1, first + step * (len(cols) - 1) + wo, node)
            flat = source.reshape(n, source.shape[1], source.shape[2] * c)
            bs, rs, es = flat.strides
            window = np.lib.stride_tricks.as_strided(
                flat[:, :, first * c :],
                shape=(n, kh, len(cols), ho, wo * c),
                strides=(bs, dh * rs, step * c * es, sh * rs, es),
                writeable=False,
            )
            part = np.einsum("nabij,abj->nij", window, taps[:, cols[0] :: sw // math.gcd(sw, dw)][:, : len(cols)])
            y = part if y is None else np.add(y, part, out=y)
        assert y is not None  # some phase has taps: column 0 is in phase 0
        if b is not None:
            y += b
        y = y.reshape(n, ho, wo, c)
        return act(y, inputs) if act else y

    return run


def _pool(node: Node, consts: list, model: str) -> Kernel:
    """MaxPool / AvgPool (AvgPool divides by the number of real, unpadded pixels, like TF)."""
    ksize = node.get("ksize", [1, 1, 1, 1])
    if ksize[0] != 1 or ksize[3] != 1:
        raise UnsupportedOpError(f"{model}: node {node.name!r} ({node.op}) pools over batch or channels")
    kh, kw = ksize[1], ksize[2]
    is_max = node.op == "MaxPool"

    def run(inputs):
        x = inputs[0]
        ho, wo, pads, s, d = conv_geometry(node, x.shape, kh, kw)
        xp = _pad_hw(x, *pads, value=-np.inf if is_max else 0.0)
        y = _window(xp, 0, 0, ho, wo, s, d).copy()
        reduce = np.maximum if is_max else np.add
        for i in range(kh):
            for j in range(kw):
                if i or j:
                    reduce(y, _window(xp, i, j, ho, wo, s, d), out=y)
        if not is_max:
            ones = _pad_hw(np.ones((1,) + x.shape[1:3] + (1,), np.float32), *pads)
            count = sum(_window(ones, i, j, ho, wo, s, d) for i in range(kh) for j in range(kw))
            y /= count
        return y

    return run


def _const_arg(node: Node, consts: list, index: int, model: str, what: str) -> np.ndarray:
    if consts[index] is None:
        raise UnsupportedOpError(
            f"{model}: node {node.name!r} ({node.op}) computes its {what} at run time; "
            "the numpy executor needs it to be a Const"
        )
    return np.asarray(consts[index])


def _space_to_batch(node: Node, consts: list, model: str) -> Kernel:
    """SpaceToBatchND over H, W (the first half of a dilated convolution as TF1 exported it)."""
    bh, bw = (int(v) for v in _const_arg(node, consts, 1, model, "block shape"))
    (pt, pb), (pl, pr) = _const_arg(node, consts, 2, model, "paddings").astype(int).tolist()

    def run(inputs):
        x = _pad_hw(inputs[0], pt, pb, pl, pr)
        n, h, w, c = x.shape
        y = x.reshape(n, h // bh, bh, w // bw, bw, c).transpose(2, 4, 0, 1, 3, 5)
        return np.ascontiguousarray(y).reshape(bh * bw * n, h // bh, w // bw, c)

    return run


def _batch_to_space(node: Node, consts: list, model: str) -> Kernel:
    """BatchToSpaceND over H, W (the second half of a dilated convolution)."""
    bh, bw = (int(v) for v in _const_arg(node, consts, 1, model, "block shape"))
    (ct, cb), (cl, cr) = _const_arg(node, consts, 2, model, "crops").astype(int).tolist()

    def run(inputs):
        x = inputs[0]
        nb, h, w, c = x.shape
        n = nb // (bh * bw)
        y = x.reshape(bh, bw, n, h, w, c).transpose(2, 3, 0, 4, 1, 5).reshape(n, h * bh, w * bw, c)
        return np.ascontiguousarray(y[:, ct : h * bh - cb, cl : w * bw - cr, :])

    return run


def _elementwise(fn) -> Callable:
    def build(node: Node, consts: list, model: str) -> Kernel:
        return lambda inputs: fn(*inputs[:2]).astype(np.result_type(inputs[0]), copy=False)

    return build


def _unary(fn) -> Callable:
    def build(node: Node, consts: list, model: str) -> Kernel:
        return lambda inputs: fn(np.array(inputs[0], dtype=np.float32))

    return build


def _identity(node: Node, consts: list, model: str) -> Kernel:
    return lambda inputs: inputs[0]


def _bias_add(node: Node, consts: list, model: str) -> Kernel:
    if node.get("data_format", "NHWC") != "NHWC":
        raise UnsupportedOpError(f"{model}: node {node.name!r} (BiasAdd) uses data_format {node.get('data_format')}")
    return lambda inputs: inputs[0] + inputs[1]


def _mean(node: Node, consts: list, model: str) -> Kernel:
    keep = bool(node.get("keep_dims", False))

    def run(inputs):
        axis = tuple(int(a) for a in np.atleast_1d(inputs[1]))
        return np.mean(inputs[0], axis=axis, keepdims=keep, dtype=np.float32)

    return run


def _squeeze(node: Node, consts: list, model: str) -> Kernel:
    axes = node.get("squeeze_dims", None) or node.get("axis", None) or None

    def run(inputs):
        return np.squeeze(inputs[0], axis=tuple(axes) if axes else None)

    return run


def _reshape(node: Node, consts: list, model: str) -> Kernel:
    return lambda inputs: inputs[0].reshape(tuple(int(v) for v in inputs[1]))


def _pad(node: Node, consts: list, model: str) -> Kernel:
    def run(inputs):
        value = float(inputs[2]) if len(inputs) > 2 else 0.0
        return np.pad(inputs[0], np.asarray(inputs[1]).astype(int).tolist(), constant_values=value)

    return run


def _concat(node: Node, consts: list, model: str) -> Kernel:
    return lambda inputs: np.concatenate(inputs[:-1], axis=int(inputs[-1]))


_KERNELS: dict[str, Callable[[Node, list, str], Kernel]] = {
    "Identity": _identity,
    "StopGradient": _identity,
    "PlaceholderWithDefault": _identity,  # run only when nothing is fed: its default
    "Conv2D": _conv2d,
    "_FusedConv2D": _conv2d,
    "DepthwiseConv2dNative": _depthwise,
    "DepthwiseConv2d": _depthwise,
    "FusedDepthwiseConv2dNative": _depthwise,
    "BiasAdd": _bias_add,
    "Add": _elementwise(np.add),
    "AddV2": _elementwise(np.add),
    "Sub": _elementwise(np.subtract),
    "Mul": _elementwise(np.multiply),
    "RealDiv": _elementwise(np.divide),
    "Maximum": _elementwise(np.maximum),
    "Minimum": _elementwise(np.minimum),
    "Relu": _unary(_relu),
    "Relu6": _unary(_relu6),
    "Sigmoid": _unary(_sigmoid),
    "Elu": _unary(_elu),
    "MaxPool": _pool,
    "AvgPool": _pool,
    "Mean": _mean,
    "Squeeze": _squeeze,
    "Reshape": _reshape,
    "Pad": _pad,
    "PadV2": _pad,
    "ConcatV2": _concat,
    "SpaceToBatchND": _space_to_batch,
    "BatchToSpaceND": _batch_to_space,
}

SUPPORTED_OPS = tuple(sorted(set(_KERNELS) | {"Placeholder", "Const"}))

_FUSABLE = {
    "Conv2D": "_FusedConv2D",
    "DepthwiseConv2dNative": "FusedDepthwiseConv2dNative",
    "DepthwiseConv2d": "FusedDepthwiseConv2dNative",
}
_FUSABLE_ACTIVATIONS = ("Relu", "Relu6")


# ------------------------------------------------------------------------------------------ graph


@dataclass
class _Step:
    name: str
    inputs: list[tuple[str, int]]
    kernel: Kernel
    free_after: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    steps: list[_Step]
    feeds: list[str]
    outputs: list[str]


def _free_after_last_use(steps: list[_Step], keep: set[str]) -> None:
    """Free every intermediate (not in `keep`) after its last reader, so big activations don't pile up."""
    last_use: dict[str, int] = {}
    for index, step in enumerate(steps):
        for src, _ in step.inputs:
            last_use[src] = index
    for name, index in last_use.items():
        if name not in keep:
            steps[index].free_after.append(name)


class GraphModel:
    """A loaded TF.js graph model. `execute(x, names)` runs it on a float32 NHWC batch."""

    def __init__(
        self,
        topology: Mapping,
        weights: Mapping[str, np.ndarray],
        signature: Mapping | None = None,
        source: str = "model.json",
    ):
        self.source = source
        self.nodes: dict[str, Node] = {}
        for raw in topology.get("node", []):
            inputs = [_split_input(i) for i in raw.get("input", []) if not i.startswith("^")]
            self.nodes[raw["name"]] = Node(raw["name"], raw["op"], inputs, dict(raw.get("attr", {})))
        if not self.nodes:
            raise ModelFormatError(f"{source}: modelTopology has no nodes")
        for node in self.nodes.values():
            for name, _ in node.inputs:
                if name not in self.nodes:
                    raise ModelFormatError(f"{source}: node {node.name!r} reads {name!r}, which is not in the graph")
        self.consts: dict[str, np.ndarray] = {}
        for node in self.nodes.values():
            if node.op == "Const":
                if node.name not in weights:
                    raise ModelFormatError(f"{source}: Const node {node.name!r} has no weight in the weightsManifest")
                self.consts[node.name] = weights[node.name]
        self.inputs = self._find_inputs(signature or {})
        self.outputs = self._find_outputs(signature or {})
        self._plans: dict[tuple[str, ...], _Plan] = {}

    # -- inputs and outputs, as tfjs-converter's OperationMapper finds them ---------------------------

    def _find_inputs(self, signature: Mapping) -> list[TensorInfo]:
        found = []
        for key, entry in (signature.get("inputs") or {}).items():
            name = _split_input(entry.get("name", key))[0]
            if name in self.nodes:
                shape = _shape_of(entry.get("tensorShape")) or self.nodes[name].get("shape")
                found.append(TensorInfo(name, shape, _dtype_name(entry.get("dtype"))))
        if not found:
            found = [
                TensorInfo(n.name, n.get("shape"), _dtype_name(n.get("dtype")))
                for n in self.nodes.values()
                if n.op.startswith("Placeholder")
            ]
        return found

    def _find_outputs(self, signature: Mapping) -> list[TensorInfo]:
        found = []
        for key, entry in (signature.get("outputs") or {}).items():
            name = _split_input(entry.get("name", key))[0]
            if name in self.nodes:
                found.append(TensorInfo(name, _shape_of(entry.get("tensorShape")), _dtype_name(entry.get("dtype"))))
        if not found:
            consumed = {name for node in self.nodes.values() for name, _ in node.inputs}
            found = [TensorInfo(n.name) for n in self.nodes.values() if n.name not in consumed]
        return found

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        return self.inputs[0].shape if self.inputs else None

    # -- execution -----------------------------------------------------------------------------------

    def execute(self, feeds, outputs: Sequence[str] | str | None = None) -> list[np.ndarray]:
        """Run the graph: `feeds` is one array (the single input) or {input name: array};
        returns the requested outputs (default: all graph outputs) as numpy arrays, in order."""
        if outputs is None:
            names = [o.name for o in self.outputs]
        else:
            names = [outputs] if isinstance(outputs, str) else list(outputs)
        names = [_split_input(n)[0] for n in names]
        if not isinstance(feeds, Mapping):
            if len(self.inputs) != 1:
                raise ValueError(f"{self.source} has {len(self.inputs)} inputs; pass a dict name -> array")
            feeds = {self.inputs[0].name: feeds}
        feeds = {_split_input(k)[0]: v for k, v in feeds.items()}
        plan = self.plan(names)
        values: dict[str, np.ndarray] = {}
        for name in plan.feeds:
            if name not in feeds:
                node = self.nodes[name]
                if node.op == "PlaceholderWithDefault":
                    continue
                raise ValueError(
                    f"{self.source}: no value fed for input {name!r}; inputs: {', '.join(i.name for i in self.inputs)}"
                )
            values[name] = self._check_feed(name, feeds[name])
        consts = self.consts
        for step in plan.steps:
            if step.name in values:  # a PlaceholderWithDefault that was fed
                continue
            args = [values[n] if n in values else consts[n] for n, _ in step.inputs]
            values[step.name] = step.kernel(args)
            for dead in step.free_after:
                values.pop(dead, None)
        return [values[n] if n in values else consts[n] for n in names]

    def _check_feed(self, name: str, value) -> np.ndarray:
        array = np.ascontiguousarray(value, dtype=np.float32)
        declared = next((i.shape for i in self.inputs if i.name == name), None) or self.nodes[name].get("shape")
        if declared is not None:
            ok = len(declared) == array.ndim and all(
                d in (-1, None) or d == a for d, a in zip(declared, array.shape, strict=False)
            )
            if not ok:
                raise ValueError(
                    f"{self.source}: input {name!r} must have shape {list(declared)} (-1: any), got {list(array.shape)}"
                )
        return array

    def plan(self, outputs: Sequence[str]) -> _Plan:
        """The steps computing `outputs` (built once per output list; checks every op is supported)."""
        key = tuple(outputs)
        if key not in self._plans:
            self._plans[key] = self._build_plan(list(outputs))
        return self._plans[key]

    def _build_plan(self, outputs: list[str]) -> _Plan:
        for name in outputs:
            if name not in self.nodes:
                listed = ", ".join(o.name for o in self.outputs)
                raise ValueError(f"{self.source} has no node {name!r}; its outputs: {listed}")
        order = self._topological(outputs)
        nodes = self._fuse(order, self._consumer_counts(order, outputs))
        steps, feeds = [], []
        for node in nodes:
            if node.op == "Const":
                continue
            if node.op in ("Placeholder", "PlaceholderWithDefault"):
                feeds.append(node.name)
                if node.op == "Placeholder":
                    continue
            steps.append(self._kernel_step(node))
        _free_after_last_use(steps, set(outputs) | set(self.consts))
        return _Plan(steps, feeds, outputs)

    def _consumer_counts(self, order: list[str], outputs: list[str]) -> dict[str, int]:
        """How many times each node in `order` is read: by other nodes' inputs, and once more as a plan output."""
        consumers: dict[str, int] = {n: 0 for n in order}
        for name in order:
            for src, _ in self.nodes[name].inputs:
                consumers[src] += 1
        for name in outputs:
            consumers[name] += 1
        return consumers

    def _kernel_step(self, node: Node) -> _Step:
        """The plan step running `node`: its op's kernel, built with the inputs that are constants."""
        builder = _KERNELS.get(node.op)
        if builder is None:
            raise UnsupportedOpError(
                f"{self.source}: node {node.name!r} uses op {node.op!r}, which pyposenet's numpy executor "
                f"does not support (supported: {', '.join(SUPPORTED_OPS)})"
            )
        consts = [self.consts.get(src) if self.nodes[src].op == "Const" else None for src, _ in node.inputs]
        try:
            kernel = builder(node, consts, self.source)
        except UnsupportedOpError:
            raise
        except Exception as exc:
            raise ModelFormatError(f"{self.source}: node {node.name!r} ({node.op}): {exc}") from exc
        return _Step(node.name, node.inputs, kernel)

    def _topological(self, outputs: list[str]) -> list[str]:
        """The nodes `outputs` depend on, each after its inputs (iterative DFS: deep graphs are fine)."""
        order: list[str] = []
        state: dict[str, str] = {}  # "open", then "done"
        for root in outputs:
            stack = [(root, False)]
            while stack:
                name, expanded = stack.pop()
                if expanded:
                    if state.get(name) != "done":
                        state[name] = "done"
                        order.append(name)
                    continue
                if state.get(name) == "done":
                    continue
                if state.get(name) == "open":
                    raise ModelFormatError(f"{self.source}: the graph has a cycle through {name!r}")
                state[name] = "open"
                stack.append((name, True))
                for src, _ in reversed(self.nodes[name].inputs):
                    if state.get(src) != "done":
                        if state.get(src) == "open":
                            raise ModelFormatError(f"{self.source}: the graph has a cycle through {src!r}")
                        stack.append((src, False))
        return order

    def _fuse(self, order: list[str], consumers: dict[str, int]) -> list[Node]:
        """Conv2D/Depthwise -> BiasAdd(const) [-> Relu/Relu6] as one fused node named like the last one."""
        nodes = self.nodes
        single_reader: dict[str, str] = {}
        for name in order:
            for src, _ in nodes[name].inputs:
                single_reader[src] = name if consumers[src] == 1 else ""
        skip, result = set(), []
        for name in order:
            node = nodes[name]
            if name in skip:
                continue
            if node.op in _FUSABLE and consumers[name] == 1:
                add = nodes.get(single_reader.get(name, ""))
                if (
                    add is not None
                    and add.op == "BiasAdd"
                    and add.inputs[0] == (name, 0)
                    and nodes[add.inputs[1][0]].op == "Const"
                    and add.get("data_format", "NHWC") == "NHWC"
                ):
                    fused_ops, last, args = ["BiasAdd"], add, [add.inputs[1]]
                    act = nodes.get(single_reader.get(add.name, "")) if consumers[add.name] == 1 else None
                    if act is not None and act.op in _FUSABLE_ACTIVATIONS and act.inputs[0] == (add.name, 0):
                        fused_ops.append(act.op)
                        last = act
                    attr = dict(node.attr)
                    attr["fused_ops"] = {"list": {"s": [base64.b64encode(o.encode()).decode() for o in fused_ops]}}
                    attr["num_args"] = {"i": "1"}
                    fused = Node(last.name, _FUSABLE[node.op], node.inputs[:2] + args, attr)
                    skip.update({add.name, last.name})
                    result.append(fused)
                    continue
            result.append(node)
        return result


def _dtype_name(tf_type) -> str:
    return {"DT_FLOAT": "float32", "DT_INT32": "int32", "DT_BOOL": "bool"}.get(tf_type or "DT_FLOAT", str(tf_type))


# ---------------------------------------------------------------------------------------- loading


def load_graph_model(path: str | Path, weight_path: Callable[[str], Path] | None = None) -> GraphModel:
    """Read model.json and its weight shards. `weight_path(shard)` finds a shard named in the manifest
    (default: beside model.json); it may raise FileNotFoundError with a better message."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"model file {str(path)!r} not found") from None
    except UnicodeDecodeError as exc:
        raise ModelFormatError(f"{path.name} ({path}) is not a TF.js model.json: not UTF-8 text ({exc})") from exc
    try:  # the checks the page makes too (pyposenet/web/model-files.js): name the broken file, say what is wrong
        spec = checks.parse_model_json(text, str(path))
        checks.check_manifest_against_graph(spec, path.name)
    except checks.ModelFileError as exc:
        raise ModelFormatError(str(exc)) from None
    fmt = spec.get("format", "graph-model")
    if fmt != "graph-model":
        raise ModelFormatError(f"{path}: format {fmt!r} is not a TF.js graph model (a layers model is not supported)")
    where = weight_path or (lambda shard: path.parent / shard)
    chunks, specs = [], []
    for group in spec["weightsManifest"]:
        shards = group.get("paths", [])
        data = []
        for shard in shards:
            shard_path = Path(where(shard))
            try:
                data.append(shard_path.read_bytes())
            except FileNotFoundError:
                raise FileNotFoundError(f"weight shard {shard!r} of {path} not found at {shard_path}") from None
            except OSError as exc:  # a folder, no permission, an I/O error
                raise ModelFormatError(f"weight shard {shard!r} of {path} cannot be read: {exc}") from None
        problem = checks.shard_problem(
            [Path(s).name for s in shards], [len(d) for d in data], checks.group_bytes(group, path.name), path.name
        )
        if problem:
            raise ModelFormatError(problem)
        chunks.extend(data)
        specs.extend(group.get("weights", []))
    weights = decode_weights(specs, b"".join(chunks), model=str(path))
    return GraphModel(spec["modelTopology"], weights, spec.get("signature"), source=str(path))
