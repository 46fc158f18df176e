"""The few ONNX protobuf messages onnx_graph.py writes, encoded directly (no `onnx` package at run time).

`import onnx` takes about a second (onnx 1.23: docs/host-cli-convert.md#engines-onnxruntime-or-numpy), which
`pyposenet detect photo.jpg` would pay on every run, and the package is 31 MB; a PoseNet needs nodes, int/ints/float
attributes, float32 tensors and static tensor types only. Field numbers are onnx.proto's (onnx 1.23); repeated
scalars are written unpacked, which every protobuf parser reads. Written, the bytes were equal to what `onnx.helper`
makes of the same model; onnxruntime checks every model tests/unit/test_host_engine_onnx.py builds.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

_VARINT, _FIXED32, _BYTES = 0, 5, 2
_FLOAT = 1  # TensorProto.DataType.FLOAT, and TypeProto.Tensor.elem_type for float tensors
_ATTRIBUTE_FLOAT, _ATTRIBUTE_INT, _ATTRIBUTE_INTS = 1, 2, 7  # AttributeProto.AttributeType


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64s as ten bytes, as protobuf does
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _int(field: int, value: int) -> bytes:
    return _key(field, _VARINT) + _varint(value)


def _ints(field: int, values: Iterable[int]) -> bytes:
    return b"".join(_int(field, v) for v in values)


def _bytes(field: int, value: bytes) -> bytes:
    return _key(field, _BYTES) + _varint(len(value)) + value


def _text(field: int, value: str) -> bytes:
    return _bytes(field, value.encode("utf-8"))


def _messages(field: int, values: Iterable[bytes]) -> bytes:
    return b"".join(_bytes(field, v) for v in values)


def attribute(name: str, value: int | float | Sequence[int]) -> bytes:
    """AttributeProto: an int, a float or a list of ints."""
    if isinstance(value, bool) or not isinstance(value, (int, float, list, tuple)):
        raise TypeError(f"attribute {name!r}: {value!r} is not an int, a float or a list of ints")
    if isinstance(value, float):
        return _text(1, name) + _key(2, _FIXED32) + struct.pack("<f", value) + _int(20, _ATTRIBUTE_FLOAT)
    if isinstance(value, int):
        return _text(1, name) + _int(3, value) + _int(20, _ATTRIBUTE_INT)
    return _text(1, name) + _ints(8, [int(v) for v in value]) + _int(20, _ATTRIBUTE_INTS)


def node(op_type: str, inputs: Sequence[str], outputs: Sequence[str], name: str, **attributes) -> bytes:
    """NodeProto of the default (ai.onnx) domain; attributes sorted by name, as onnx.helper writes them."""
    return (
        b"".join(_text(1, i) for i in inputs)
        + b"".join(_text(2, o) for o in outputs)
        + _text(3, name)
        + _text(4, op_type)
        + _messages(5, (attribute(k, v) for k, v in sorted(attributes.items())))
    )


def tensor(name: str, array: np.ndarray) -> bytes:
    """TensorProto of a float32 array (its bytes as raw_data, little-endian)."""
    data = np.ascontiguousarray(array, dtype="<f4")
    return _ints(1, data.shape) + _int(2, _FLOAT) + _text(8, name) + _bytes(9, data.tobytes())


def value_info(name: str, shape: Sequence[int]) -> bytes:
    """ValueInfoProto of a float32 tensor with a static shape."""
    dims = _messages(1, (_int(1, d) for d in shape))
    tensor_type = _int(1, _FLOAT) + _bytes(2, dims)
    return _text(1, name) + _bytes(2, _bytes(1, tensor_type))


def graph(
    nodes: Sequence[bytes],
    name: str,
    inputs: Sequence[bytes],
    outputs: Sequence[bytes],
    initializers: Sequence[bytes],
) -> bytes:
    """GraphProto from encoded nodes, value infos and tensors."""
    return (
        _messages(1, nodes)
        + _text(2, name)
        + _messages(5, initializers)
        + _messages(11, inputs)
        + _messages(12, outputs)
    )


def model(graph_bytes: bytes, opsets: Mapping[str, int], ir_version: int, producer: str) -> bytes:
    """A serialized ModelProto: what onnxruntime.InferenceSession takes."""
    opset_ids = (_text(1, domain) + _int(2, version) for domain, version in opsets.items())
    return _int(1, ir_version) + _text(2, producer) + _bytes(7, graph_bytes) + _messages(8, opset_ids)
