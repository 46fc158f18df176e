"""ml5.neuralNetwork's data, in pure Python (ml5-library src/NeuralNetwork/NeuralNetworkData.js and index.js).

What ml5 does with the data before TF.js sees it, and the two files it writes about them:
  - addData(xs, ys): each item becomes {"xs": {name: value}, "ys": {name: value}}. Names come from the options'
    `inputs` / `outputs` when both are lists of strings, else from the values themselves: an object's keys, and
    an array's positions ("0", "1", ...: ml5 reads an array's keys, as the tutorials' 34-number poses show).
  - metadata (model_meta.json): per name its dtype ("number", "string", "array"), min and max, and for strings
    the unique values in order of first appearance with their one-hot legend; inputUnits ([n]), outputUnits, and
    isNormalized.
  - the training rows: strings one-hot encoded, numbers scaled to (v - min) / (max - min) once normalizeData()
    was called; an input to classify/predict is turned into numbers the same way.
  - saveData() writes {"data": [{"xs": ..., "ys": ...}, ...]}; loadData() reads that (or "entries").
Where ml5 divides by zero (a number whose min equals its max) it gets NaN and trains on it; here it is 0.
ml5 computes the metadata once (at normalizeData() or train()) and trains on the data as it was then; here data
added later is described and trained on too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

DTYPES = ("number", "string", "array")


class NeuralNetworkDataError(ValueError):
    """Data that ml5's neuralNetwork cannot take (the message says what was wrong and what is allowed)."""


def dtype_of(value: Any) -> str:
    """ml5's getDataType: "number", "string" or "array" (anything else is refused)."""
    if isinstance(value, bool):
        raise NeuralNetworkDataError(f"{value!r}: a value is a number, a string or a list of numbers")
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    raise NeuralNetworkDataError(f"{value!r}: a value is a number, a string or a list of numbers")


def _as_object(values: Any, labels: Sequence[str] | None, what: str) -> dict[str, Any]:
    """ml5's formatDataAsObject: an object as it is, an array by position (its positions, or `labels`)."""
    if isinstance(values, Mapping):
        return {str(k): v for k, v in values.items()}
    if isinstance(values, list | tuple):
        names = list(labels) if labels is not None else [str(i) for i in range(len(values))]
        if len(names) != len(values):
            raise NeuralNetworkDataError(
                f"{what}: {len(values)} values for {len(names)} names ({', '.join(names)}): give one value per name"
            )
        return dict(zip(names, values, strict=True))
    raise NeuralNetworkDataError(f"{what}: give a list of values or an object {{name: value}}, got {values!r}")


class NeuralNetworkData:
    """The items added so far (`raw`), their metadata (`meta`, ml5's model_meta.json) and the rows to train on."""

    def __init__(self, inputs: Any = None, outputs: Any = None):
        self.input_labels = list(inputs) if _all_strings(inputs) and _all_strings(outputs) else None
        self.output_labels = list(outputs) if self.input_labels is not None else None
        self.raw: list[dict[str, dict[str, Any]]] = []
        self._described = -1  # how many items the metadata describes (-1: none; loaded metadata: any)
        self.meta: dict[str, Any] = {
            "inputUnits": None,
            "outputUnits": None,
            "inputs": {},
            "outputs": {},
            "isNormalized": False,
        }

    # -- adding -------------------------------------------------------------------------------------

    def add_data(self, xs: Any, ys: Any, labels: Mapping[str, Any] | None = None) -> None:
        """One item; `labels` is ml5's addData options {inputLabels, outputLabels} naming array values."""
        input_labels = (labels or {}).get("inputLabels", self.input_labels)
        output_labels = (labels or {}).get("outputLabels", self.output_labels)
        item = {"xs": _as_object(xs, input_labels, "addData xs"), "ys": _as_object(ys, output_labels, "addData ys")}
        if self.raw:
            for side in ("xs", "ys"):
                if list(item[side]) != list(self.raw[0][side]):
                    raise NeuralNetworkDataError(
                        f"addData {side}: names {', '.join(item[side])} differ from the first item's "
                        f"({', '.join(self.raw[0][side])}): every item has the same names, in the same order"
                    )
        for side in ("xs", "ys"):
            for name, value in item[side].items():
                dtype_of(value)
                if isinstance(value, float) and not math.isfinite(value):
                    raise NeuralNetworkDataError(f"addData {side} {name!r} is {value}: numbers must be finite")
        self.raw.append(item)

    # -- metadata -----------------------------------------------------------------------------------

    def create_metadata(self) -> dict[str, Any]:
        """ml5's createMetadata: dtypes (from the first item), min/max, one-hot legends, units."""
        if not self.raw:
            raise NeuralNetworkDataError("there is no data yet: add some with addData(xs, ys) or loadData()")
        meta = self.meta
        for side, key in (("inputs", "xs"), ("outputs", "ys")):
            meta[side] = {}
            for name, first in self.raw[0][key].items():
                values = [item[key][name] for item in self.raw]
                meta[side][name] = _describe(name, first, values, key)
        meta["inputUnits"] = [_units(meta["inputs"], self.raw[0]["xs"])]
        meta["outputUnits"] = _units(meta["outputs"], self.raw[0]["ys"])
        self._described = len(self.raw)
        return meta

    def has_metadata(self) -> bool:
        return bool(self.meta["inputs"])

    def _describe_if_stale(self) -> None:
        if self.raw and self._described != len(self.raw):
            self.create_metadata()

    def normalize(self) -> None:
        """normalizeData(): from now on numbers are scaled to 0..1 by each name's min and max."""
        self._describe_if_stale()
        if not self.has_metadata():
            self.create_metadata()  # names what is missing
        self.meta["isNormalized"] = True

    def training_rows(self) -> list[tuple[list[float], list[float]]]:
        """(input numbers, output numbers) per item: strings one-hot, numbers normalized when normalize() was called."""
        self._describe_if_stale()
        if not self.has_metadata():
            self.create_metadata()  # names what is missing
        return [
            (self._numbers(item["xs"], self.meta["inputs"]), self._numbers(item["ys"], self.meta["outputs"]))
            for item in self.raw
        ]

    def input_numbers(self, value: Any) -> list[float]:
        """An input to classify/predict as the network's numbers (ml5's formatInputsForPrediction)."""
        names = list(self.meta["inputs"])
        if isinstance(value, Mapping) and ("keypoints" in value or "pose" in value) and "keypoints" not in names:
            raise NeuralNetworkDataError(
                "the input is a pose; give its numbers: poseFeatures(pose) (34 numbers, as the data had)"
            )
        if isinstance(value, Mapping):
            missing = [name for name in names if name not in value]
            if missing:
                raise NeuralNetworkDataError(f"the input has no {', '.join(missing)}; it needs {', '.join(names)}")
            item = {name: value[name] for name in names}
        else:
            item = _as_object(value, names, "the input")
        return self._numbers(item, self.meta["inputs"])

    def _numbers(self, item: Mapping[str, Any], described: Mapping[str, dict]) -> list[float]:
        out: list[float] = []
        for name, info in described.items():
            value = item[name]
            if info["dtype"] == "string":
                if value not in info["legend"]:
                    known = ", ".join(map(repr, info["uniqueValues"]))
                    raise NeuralNetworkDataError(f"{name!r} is {value!r}; the data had {known}")
                out += info["legend"][value]
            elif info["dtype"] == "number":
                out.append(self._scaled(float(value), info))
            else:
                out += [self._scaled(float(v), info) for v in value]
        return out

    def output_values(self, outputs: list[float]) -> list[tuple[str, float, float]]:
        """The network's outputs of a regression as (name, value, the network's own number): values in the data's
        units when the data were normalized (ml5's unnormalizeValue), else as they are."""
        out = []
        for (name, info), number in zip(self.meta["outputs"].items(), outputs, strict=False):
            value = number
            if self.meta["isNormalized"]:
                value = number * (info["max"] - info["min"]) + info["min"]
            out.append((name, value, number))
        return out

    def class_labels(self) -> list[str]:
        """The labels of a classification, in the order of the network's outputs (their one-hot positions)."""
        outputs = self.meta["outputs"]
        if not outputs:
            raise NeuralNetworkDataError("there is no metadata yet: train() or load() the model first")
        name, info = next(iter(outputs.items()))
        if info.get("dtype") != "string":
            raise NeuralNetworkDataError(
                f"classification needs labels that are strings, but the output {name!r} holds {info.get('dtype')}s: "
                "give labels such as ['A'] (a number label 1 as '1'), or use task 'regression'"
            )
        legend = info["legend"]
        return sorted(legend, key=lambda label: list(legend[label]).index(1))

    def _scaled(self, value: float, info: Mapping[str, Any]) -> float:
        if not self.meta["isNormalized"]:
            return value
        low, high = info["min"], info["max"]
        return (value - low) / (high - low) if high != low else 0.0

    # -- files --------------------------------------------------------------------------------------

    def data_json(self) -> str:
        """What ml5's saveData() writes: {"data": [{"xs": {...}, "ys": {...}}, ...]}."""
        return json.dumps({"data": self.raw}, separators=(",", ":"))

    def load_data(self, data: Any, source: str) -> None:
        """Replace the items with those of ml5's saveData() file (already parsed), read from `source`."""
        items = find_entries(data)
        if items is None:
            raise NeuralNetworkDataError(
                f'{source} is not ml5\'s neuralNetwork data: expected a JSON object with "data" (or "entries"): '
                '[{"xs": {name: value}, "ys": {name: value}}, ...]'
            )
        self.raw = []
        for index, item in enumerate(items):
            if (
                not isinstance(item, Mapping)
                or not isinstance(item.get("xs"), Mapping)
                or not isinstance(item.get("ys"), Mapping)
            ):
                raise NeuralNetworkDataError(f'{source}: item {index} is not {{"xs": {{...}}, "ys": {{...}}}}')
            self.add_data(item["xs"], item["ys"])
        self._described = -1

    def load_meta(self, meta: Any, source: str) -> None:
        """Use ml5's model_meta.json (parsed), read from `source`; checked to describe inputs and outputs."""
        expected = (
            'expected ml5\'s model_meta.json: {"inputUnits": [n], "outputUnits": n, "inputs": {name: {"dtype", '
            '"min", "max"}}, "outputs": {...}, "isNormalized": true|false}'
        )
        if not isinstance(meta, Mapping):
            raise NeuralNetworkDataError(f"{source} holds a {type(meta).__name__}; {expected}")
        missing = [key for key in ("inputs", "outputs", "inputUnits", "outputUnits") if key not in meta]
        if missing:
            hint = " (that is a model file)" if "modelTopology" in meta else ""
            hint = hint or (" (that is a saveData() file)" if "data" in meta else "")
            raise NeuralNetworkDataError(f"{source} has no {', '.join(missing)}{hint}; {expected}")
        for side in ("inputs", "outputs"):
            described = meta[side]
            if not isinstance(described, Mapping) or not described:
                raise NeuralNetworkDataError(f"{source}: {side} describes nothing; {expected}")
            for name, info in described.items():
                if not isinstance(info, Mapping) or info.get("dtype") not in DTYPES:
                    raise NeuralNetworkDataError(f"{source}: {side} {name!r} has no dtype of {DTYPES}; {expected}")
                if info["dtype"] == "string" and not isinstance(info.get("legend"), Mapping):
                    raise NeuralNetworkDataError(f"{source}: {side} {name!r} is a string without its legend")
                if info["dtype"] != "string" and not all(isinstance(info.get(k), int | float) for k in ("min", "max")):
                    raise NeuralNetworkDataError(f"{source}: {side} {name!r} has no numbers min and max")
        self.meta = {
            "inputUnits": meta["inputUnits"],
            "outputUnits": meta["outputUnits"],
            "inputs": dict(meta["inputs"]),
            "outputs": dict(meta["outputs"]),
            "isNormalized": bool(meta.get("isNormalized", False)),
        }
        self._described = len(self.raw)

    def load_table(self, rows: list[Any], input_names: Sequence[str], output_names: Sequence[str], source: str) -> None:
        """ml5's formatRawData (the dataUrl option): each row an object with a value per input and output name."""
        self.raw = []
        for index, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise NeuralNetworkDataError(f"{source}: row {index} is not an object {{name: value}}")
            absent = [name for name in (*input_names, *output_names) if name not in row]
            if absent:
                raise NeuralNetworkDataError(f"{source}: row {index} has no {', '.join(absent)}")
            self.add_data({n: row[n] for n in input_names}, {n: row[n] for n in output_names})
        self._described = -1

    def meta_json(self) -> str:
        """model_meta.json, as ml5's save() writes it beside model.json."""
        return json.dumps(self.meta, separators=(",", ":"))


def _all_strings(labels: Any) -> bool:
    return isinstance(labels, list | tuple) and len(labels) > 0 and all(isinstance(v, str) for v in labels)


def _describe(name: str, first: Any, values: list[Any], key: str) -> dict[str, Any]:
    dtype = dtype_of(first)
    if any(dtype_of(v) != dtype for v in values):
        raise NeuralNetworkDataError(f"{key} {name!r} mixes kinds of values: the first is a {dtype}, so must all be")
    info: dict[str, Any] = {"dtype": dtype}
    if dtype == "string":
        unique = list(dict.fromkeys(values))
        info.update(min=0, max=1, uniqueValues=unique)
        info["legend"] = {v: [1 if i == j else 0 for j in range(len(unique))] for i, v in enumerate(unique)}
    elif dtype == "number":
        info.update(min=min(values), max=max(values))
    else:
        flat = [v for value in values for v in value]
        info.update(min=min(flat), max=max(flat))
    return info


def _units(described: Mapping[str, dict], first: Mapping[str, Any]) -> int:
    """Numbers per item: 1 a number, one per unique value a string, the length of an array (ml5 leaves arrays to an
    inputShape option)."""
    units = 0
    for name, info in described.items():
        if info["dtype"] == "string":
            units += len(info["uniqueValues"])
        else:
            units += len(first[name]) if info["dtype"] == "array" else 1
    return units


def find_entries(data: Any) -> list | None:
    """ml5's findEntries: the list under "entries" or "data" (searched one level down too)."""
    if not isinstance(data, Mapping):
        return None
    for key in ("entries", "data"):
        if isinstance(data.get(key), list):
            return data[key]
    for value in data.values():
        found = find_entries(value)
        if found is not None:
            return found
    return None
