"""ml5's KNNClassifier file: what `knn.save()` writes and `knn.load()` reads, in ml5's JavaScript and here.

ml5 (ml5-library src/KNNClassifier/index.js) writes `JSON.stringify({dataset, tensors})`, where `dataset`
maps each class index ("0", "1", ...) to its TF.js tensor of examples (unit length, one row each) with the
class's `label` added, and `tensors` lists each class's values as `JSON.stringify` writes a Float32Array:
an object {"0": v0, "1": v1, ...}. ml5's load() reads only each entry's `shape`, `dtype` and `label`, and
pairs `tensors[i]` with `dataset[i]`: class indices must run 0, 1, 2, ... with no gap.

Written here: each tensor's `shape`, `dtype`, `size`, `strides`, `rankType` and `label` (TF.js's runtime
bookkeeping, `id`, `dataId`, `kept`, `scopeId`, is left out: nothing reads it), values rounded to float32
as ml5's are, classes renumbered 0, 1, ... in order when one was cleared (ml5 could not load the gap).
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

EXPECTED = (
    'ml5\'s KNNClassifier format: a JSON object with "dataset" (one entry per class, '
    '{"shape": [examples, length], "dtype": "float32", "label": "..."}) and "tensors" '
    "(one list of numbers per class, in the same order)"
)


class NotKNNFormatError(ValueError):
    """A file or object that is not ml5's KNNClassifier format (the message names what was expected)."""


@dataclass(frozen=True)
class KNNDataset:
    """A classifier's examples: `classes[i]` the rows of class i, `labels[i]` its label (None: index only)."""

    classes: list[list[list[float]]]
    labels: list[str | None]


def to_ml5_json(dataset: KNNDataset) -> str:
    """The JSON text ml5's save() would write for these classes (compact, as JSON.stringify writes)."""
    entries: dict[str, dict] = {}
    tensors: list[dict[str, float]] = []
    for index, (rows, label) in enumerate(zip(dataset.classes, dataset.labels, strict=True)):
        length = len(rows[0])
        entry: dict[str, object] = {
            "shape": [len(rows), length],
            "dtype": "float32",
            "size": len(rows) * length,
            "strides": [length],
            "rankType": "2",
        }
        if label:
            entry["label"] = label
        entries[str(index)] = entry
        values = [v for row in rows for v in row]
        float32 = struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values))
        tensors.append({str(i): v for i, v in enumerate(float32)})
    return json.dumps({"dataset": entries, "tensors": tensors}, separators=(",", ":"), allow_nan=False)


def parse_ml5_json(text: str | bytes, source: str) -> KNNDataset:
    """The dataset in ml5's JSON text `text`, read from `source` (named in errors)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise NotKNNFormatError(f"{source} is not JSON ({exc}); expected {EXPECTED}") from None
    return from_ml5(data, source)


def from_ml5(data: object, source: str) -> KNNDataset:
    """The dataset in `data`, ml5's JSON already parsed (as ml5's load() also takes an object)."""
    if not isinstance(data, Mapping) or "dataset" not in data or "tensors" not in data:
        raise NotKNNFormatError(f"{source} is not {EXPECTED}; {_what_it_is(data)}")
    entries, tensors = data["dataset"], data["tensors"]
    if not isinstance(entries, Mapping) or not isinstance(tensors, list):
        raise NotKNNFormatError(
            f'{source}: "dataset" must be an object and "tensors" a list ({EXPECTED}); '
            f"got {type(entries).__name__} and {type(tensors).__name__}"
        )
    keys = _class_keys(entries, source)
    if len(keys) != len(tensors):
        raise NotKNNFormatError(
            f'{source}: "dataset" has {len(keys)} classes but "tensors" has {len(tensors)}: one list of numbers '
            "per class is expected"
        )
    classes, labels = [], []
    length = None
    for key, tensor in zip(keys, tensors, strict=True):
        entry = entries[key]
        rows = [] if tensor is None else _rows(entry, tensor, f'{source}: class "{key}"')
        if rows:
            if length is not None and len(rows[0]) != length:
                raise NotKNNFormatError(
                    f'{source}: class "{key}" has examples of {len(rows[0])} numbers, an earlier class {length}: '
                    "every example of a classifier is the same length"
                )
            length = len(rows[0])
        label = entry.get("label") if isinstance(entry, Mapping) else None
        if label is not None and not isinstance(label, str):
            raise NotKNNFormatError(f'{source}: class "{key}" has label {label!r}; a label is a string')
        classes.append(rows)
        labels.append(label)
    return KNNDataset(classes, labels)


def _what_it_is(data: object) -> str:
    if isinstance(data, Mapping):
        if "data" in data:
            return 'found "data": that is ml5 neuralNetwork\'s saveData() format, not a KNNClassifier file'
        if "modelTopology" in data:
            return "found a TF.js model.json, not a KNNClassifier file"
        return f"found an object with keys {', '.join(map(str, data)) or '(none)'}"
    return f"found {type(data).__name__}"


def _class_keys(entries: Mapping, source: str) -> list[str]:
    try:
        numbers = sorted((int(key), key) for key in entries)
    except ValueError:
        raise NotKNNFormatError(
            f'{source}: "dataset" keys are class indices "0", "1", ...; found {", ".join(map(str, entries))}'
        ) from None
    return [key for _, key in numbers]


def _rows(entry: object, tensor: object, where: str) -> list[list[float]]:
    shape = entry.get("shape") if isinstance(entry, Mapping) else None
    if (
        not isinstance(shape, list)
        or len(shape) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
    ):
        raise NotKNNFormatError(f"{where}: its shape is {shape!r}; expected [examples, length]")
    values = _values(tensor, where)
    count, length = shape
    if len(values) != count * length:
        raise NotKNNFormatError(f"{where}: shape {shape} needs {count * length} numbers, its tensor has {len(values)}")
    return [values[i * length : (i + 1) * length] for i in range(count)]


def _values(tensor: object, where: str) -> list[float]:
    """A Float32Array as JSON.stringify writes it ({"0": v0, ...}), or a plain list."""
    if isinstance(tensor, Mapping):
        try:
            ordered = sorted((int(i), v) for i, v in tensor.items())
        except ValueError:
            raise NotKNNFormatError(f'{where}: its tensor\'s keys are positions "0", "1", ...') from None
        if [i for i, _ in ordered] != list(range(len(ordered))):
            raise NotKNNFormatError(f'{where}: its tensor\'s keys must run "0", "1", ... with no gap')
        items: Sequence = [v for _, v in ordered]
    elif isinstance(tensor, list):
        items = tensor
    else:
        raise NotKNNFormatError(f"{where}: its tensor is {type(tensor).__name__}; expected a list of numbers")
    for v in items:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise NotKNNFormatError(f"{where}: its tensor holds {v!r}; expected finite numbers")
    return [float(v) for v in items]
