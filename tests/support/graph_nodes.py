"""Tiny TF.js graph-model nodes for the tests that build graphs by hand (the host executor, the ONNX
translation, the fused-graph rewrite): attributes encoded as model.json encodes them."""

from __future__ import annotations

import base64


def s_attr(text: str) -> dict:
    """A string attribute (model.json holds its bytes in base64)."""
    return {"s": base64.b64encode(text.encode()).decode()}


def ints_attr(values) -> dict:
    """A list-of-ints attribute (model.json writes the ints as strings)."""
    return {"list": {"i": [str(v) for v in values]}}


def strings_attr(values) -> dict:
    """A list-of-strings attribute, e.g. a fused op's `fused_ops`."""
    return {"list": {"s": [base64.b64encode(v.encode()).decode() for v in values]}}


def node(name: str, op: str, inputs=(), **attr) -> dict:
    return {"name": name, "op": op, "input": list(inputs), "attr": attr}
