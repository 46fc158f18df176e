"""Quantized weights (quantBytes 2 and 1, or float16) from a float graph model, byte for byte what
tensorflowjs 4.22.0's converter writes (write_weights._quantize_entry + quantization.quantize_weights).

Every float32 weight, biases included, is quantized on its own (per tensor), affine:

    "quantization": {"dtype": "uint16", "min": m, "scale": s, "original_dtype": "float32"}     quant2
    "quantization": {"dtype": "uint8", "min": m, "scale": s, "original_dtype": "float32"}      quant1
    "quantization": {"dtype": "float16", "original_dtype": "float32"}                          --float16

(keys in tensorflowjs's order; TF.js decodes value = q * s + m, and ignores original_dtype). The
official posenet files (converter v1.1.2) have the same min and scale but only {"min", "scale", "dtype"}.

tensorflowjs's arithmetic, reproduced step by step here:
* min and max of the float32 data as float64; s = (max - min) / (2^bits - 1);
* when min <= 0 <= max, min is nudged so that 0.0 is a grid point: min = -round(-min / s) * s, and
  max = (2^bits - 1) * s + min (numpy's round: half to even);
* q = round((clip(w, min, max) - min) / s) in float64: min and max are numpy float64 scalars, so
  under NumPy 2 (NEP 50; the convert extra pins numpy 2.1.3) the float32 weights are widened first.
  (NumPy 1.x's value-based casting kept the array float32, which rounds some codes one step
  differently: the converter's output depends on its numpy, and this follows NumPy 2's.)
* a constant tensor: every code 0, min = the value, scale = 1.0;
* float16: numpy's float32 -> float16 cast (round to nearest even).

Weights that are not float32 (int32 shapes, bools) are kept as they are, as the converter does.
Where tensorflowjs would write garbage, this refuses instead (ConvertError): inf/NaN weights, and
float16 values past 65504 (they would become inf).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from .._host.graph import ModelFormatError, decode_weights
from .source import ConvertError, SourceModel
from .write import SHARD_BYTES, shard_names, split_shards

__all__ = ["QUANT_DTYPES", "QuantizedModel", "affine_quantize", "quantize_array", "quantize_model", "dtype_for_bytes"]

QUANT_DTYPES: dict[str, np.dtype] = {"uint8": np.dtype("u1"), "uint16": np.dtype("<u2"), "float16": np.dtype("<f2")}
_STORED: dict[str, np.dtype] = {"float32": np.dtype("<f4"), "int32": np.dtype("<i4"), "bool": np.dtype("u1")}


def dtype_for_bytes(quant_bytes: int, float16: bool = False) -> str:
    """poseNet's quantBytes -> the quantization dtype the official files use (2 -> uint16, 1 -> uint8);
    `float16` picks float16 for 2 bytes instead."""
    if quant_bytes == 1:
        if float16:
            raise ConvertError("float16 takes 2 bytes a value: use --bytes 2 with --float16")
        return "uint8"
    if quant_bytes == 2:
        return "float16" if float16 else "uint16"
    raise ConvertError(f"quantBytes must be 1 or 2 (4 is the float model itself), got {quant_bytes}")


def affine_quantize(data: np.ndarray, dtype: str) -> tuple[np.ndarray, float, float]:
    """tensorflowjs quantization.quantize_weights for uint8/uint16: (codes, min, scale)."""
    qtype = QUANT_DTYPES[dtype]
    values = np.asarray(data, dtype=np.float32)
    if values.size == 0:
        return np.zeros(values.shape, qtype), 0.0, 1.0
    low, high = float(values.min()), float(values.max())  # float32 -> float64, exact
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ConvertError("cannot quantize a weight holding inf or NaN")
    if low == high:
        return np.zeros(values.shape, qtype), low, 1.0  # every value is `min` (converter: scale 1.0)
    top = int(np.iinfo(qtype).max)
    scale = (high - low) / top
    if low <= 0 <= high:
        zero_point = float(np.round((0 - low) / scale))
        low = -zero_point * scale
        high = top * scale + low
    # float64 throughout, as the converter's `np.round((data.clip(min, max) - min) / scale)` runs under NumPy 2
    codes = np.round((np.clip(values.astype(np.float64), low, high) - low) / scale)
    return np.clip(codes, 0, top).astype(qtype), low, scale  # (the clip never changes a code; it guards the cast)


def quantize_array(data: np.ndarray, dtype: str) -> tuple[bytes, dict]:
    """One float32 weight -> (its stored bytes, its manifest `quantization` entry, as tensorflowjs writes it)."""
    if dtype == "float16":
        with np.errstate(over="ignore"):
            half = np.asarray(data, dtype=np.float32).astype("<f2")
        if not np.isfinite(half).all():
            raise ConvertError("a weight does not fit float16 (|value| > 65504); use uint16 (--bytes 2)")
        return half.tobytes(), {"dtype": "float16", "original_dtype": "float32"}
    if dtype not in ("uint8", "uint16"):
        raise ConvertError(f"unknown quantization dtype {dtype!r}; use uint8, uint16 or float16")
    codes, low, scale = affine_quantize(data, dtype)
    return codes.tobytes(), {"dtype": dtype, "min": low, "scale": scale, "original_dtype": "float32"}


@dataclass
class QuantizedModel:
    """The new model.json (dict) and its shards (file name -> bytes), plus what was done."""

    spec: dict
    shards: dict[str, bytes]
    quantized: int
    kept: int
    requantized: bool


def quantize_model(
    source: SourceModel, dtype: str, *, shard_bytes: int = SHARD_BYTES, converted_by: str | None = None
) -> QuantizedModel:
    """Every float32 weight of `source` quantized to `dtype` (uint8, uint16 or float16), per tensor.

    A source that is already quantized is dequantized first (as TF.js would load it), which adds
    the new rounding to the old: prefer the float model as the source."""
    spec = copy.deepcopy(source.spec)
    shards: dict[str, bytes] = {}
    quantized = kept = 0
    requantized = False
    for index, (group, data) in enumerate(zip(spec["weightsManifest"], source.group_bytes, strict=False)):
        try:
            values = decode_weights(group["weights"], data, model=str(source.path))
        except ModelFormatError as error:
            raise ConvertError(str(error)) from error
        chunks, entries = [], []
        for entry in group["weights"]:
            entry = dict(entry)
            old = entry.pop("quantization", None)
            requantized |= old is not None
            value = values[entry["name"]]
            if entry.get("dtype", "float32") == "float32":
                raw, quantization = quantize_array(value, dtype)
                entry["quantization"] = quantization
                quantized += 1
            else:
                if entry.get("dtype") not in _STORED:
                    raise ConvertError(
                        f"{source.path}: weight {entry['name']!r} has dtype {entry.get('dtype')!r}, "
                        "which cannot be written back (only float32, int32 and bool)"
                    )
                raw = np.asarray(value).astype(_STORED[entry["dtype"]]).tobytes()
                kept += 1
            chunks.append(raw)
            entries.append(entry)
        blob = b"".join(chunks)
        names = shard_names(index, len(blob), shard_bytes)
        shards.update(zip(names, split_shards(blob, shard_bytes), strict=False))
        group["paths"] = names
        group["weights"] = entries
    if converted_by:
        spec["convertedBy"] = converted_by
    return QuantizedModel(spec, shards, quantized, kept, requantized)
