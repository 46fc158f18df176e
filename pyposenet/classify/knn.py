"""ml5's KNNClassifier in pure Python (it runs in the page and under CPython alike).

The algorithm is @tensorflow-models/knn-classifier's, which ml5 wraps: each example is stored at unit length;
an input is compared with every example by cosine similarity; the k most similar (ties: the earlier example,
classes in index order) vote, and each class's confidence is its share of the k votes; the top class is the
first with the most votes. The names, argument forms, result and file format are ml5's
(ml5-library src/KNNClassifier/index.js): a string label gets the next class index on first use, a number is
a class index itself. Where ml5 misbehaves (a cleared class in the middle shifts its votes; a saved gap cannot
be loaded) this does what ml5 meant. docs/classify.md has the details.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any

from .._compat import is_js_object, to_js_plain
from ..callbacks import call_with_fitting_args, positional_arity
from ..results import Record
from .files import ClassifierFiles, Done, default_files
from .ml5_knn_format import KNNDataset, from_ml5, parse_ml5_json, to_ml5_json
from .nearest import ExampleIndex

DEFAULT_K = 3
DEFAULT_FILE_NAME = "myKNN.json"


class ClassifyResult(Record):
    """ml5's result: `label`, `classIndex`, `confidences` {class index: share of the k votes} and
    `confidencesByLabel` {label: share}. Awaitable too (`await knn.classify(...)`, as in ml5's JavaScript)."""

    __slots__ = ()

    def __await__(self):
        return self
        yield  # a generator: awaiting it returns at once


class KNNClassifier:
    """ml5.KNNClassifier(): addExample, classify, getCount(ByLabel), clearLabel, clearAllLabels, save, load."""

    def __init__(self, files: ClassifierFiles | None = None):
        self._files = files
        self._labels: list[str] = []  # ml5's mapStringToIndex: a label's position is its class index
        self._examples = ExampleIndex()  # by class index, unit length
        self._length: int | None = None  # how many numbers every example has

    def __repr__(self) -> str:
        return f"KNNClassifier({self.getCountByLabel()!r})"

    # -- examples -----------------------------------------------------------------------------------

    def addExample(self, features: Any, labelOrIndex: str | int) -> None:  # noqa: N803 -- ml5's name
        """Add `features` (a list of numbers, e.g. pose_features(pose)) as an example of a class: a string label
        (given the next class index on first use) or a class index (a whole number ≥ 0)."""
        class_index = self._class_index_for(labelOrIndex)
        row = self._unit_vector(features, "addExample()")
        self._examples.add(class_index, row)

    def getCount(self) -> dict[int, int]:
        """{class index: number of examples}, for every class that has examples."""
        return {index: self._examples.count(index) for index in self._examples.classes()}

    def getCountByLabel(self) -> dict[str | int, int]:
        """{label: number of examples}; a class without a label is keyed by its index."""
        return {self._label_of(index): count for index, count in self.getCount().items()}

    def getNumLabels(self) -> int:
        """How many classes have examples."""
        return len(self._examples.classes())

    def clearLabel(self, labelOrIndex: str | int) -> None:  # noqa: N803 -- ml5's name
        """Remove every example of one class (a label or a class index). The label keeps its index, as in ml5."""
        index = self._existing_class(labelOrIndex)
        self._examples.remove(index)
        if not self._examples.classes():
            self._length = None

    def clearAllLabels(self) -> None:
        """Remove every example and forget every label."""
        self._labels = []
        self._examples = ExampleIndex()
        self._length = None

    def getClassifierDataset(self) -> dict[int, list[list[float]]]:
        """{class index: its examples (unit length)}: a copy."""
        return {index: [list(row) for row in self._examples.rows(index)] for index in self._examples.classes()}

    def setClassifierDataset(self, dataset: Mapping[int, list[list[float]]]) -> None:
        """Replace every class's examples with `dataset` (as getClassifierDataset gives); labels stay."""
        labels = self._labels
        self._use(KNNDataset([], []))
        self._labels = labels
        for index, rows in sorted(dataset.items()):
            for row in rows:
                self.addExample(row, self._check_index(index))

    def dispose(self) -> None:
        """Nothing to free here (ml5 frees its TF.js tensors): clears the examples."""
        self.clearAllLabels()

    # -- classifying --------------------------------------------------------------------------------

    def classify(self, features: Any, kOrCallback: int | Callable | None = None, callback: Callable | None = None):  # noqa: N803
        """The class of `features` by its k (default 3) most similar examples: an ml5 result (see
        ClassifyResult). `callback(error, result)` (or `callback(result)`) is called with it too."""
        if callable(kOrCallback) and not isinstance(kOrCallback, int):
            k, callback = DEFAULT_K, kOrCallback
        else:
            k = DEFAULT_K if kOrCallback is None else kOrCallback
        k = _check_k(k)
        if not self._examples.classes():
            raise RuntimeError(
                "classify() needs examples first: add some with addExample(features, label), or load() saved ones"
            )
        result = self._classify(self._unit_vector(features, "classify()"), k)
        if callback is not None:
            _call_back(callback, result)
        return result

    def _classify(self, unit_input: list[float], k: int) -> ClassifyResult:
        votes = min(k, self._examples.total())
        counts = dict.fromkeys(self._examples.classes(), 0)
        for class_index in self._examples.nearest(unit_input, votes):
            counts[class_index] += 1
        top_index, top_count = -1, 0
        for index, count in counts.items():
            if count > top_count:
                top_index, top_count = index, count
        confidences = {index: count / votes for index, count in counts.items()}
        return ClassifyResult(
            label=self._label_of(top_index),
            classIndex=top_index,
            confidencesByLabel={self._label_of(index): share for index, share in confidences.items()},
            confidences=confidences,
        )

    # -- files --------------------------------------------------------------------------------------

    def save(self, name: str | None = None) -> str:
        """Save every example in ml5's JSON format as `name` (default myKNN.json; `.json` is added when missing):
        the page downloads it, CPython writes it. Returns where it went."""
        if name is None:
            name = DEFAULT_FILE_NAME
        if not isinstance(name, str) or not name:
            raise TypeError(f"save() takes a file name (a string such as 'myKNN.json'), got {name!r}")
        if not self._examples.classes():
            raise RuntimeError("save() has nothing to save: add examples with addExample(features, label) first")
        file_name = name if name.endswith(".json") else f"{name}.json"
        return self._storage().save_text(file_name, to_ml5_json(self._dataset()))

    def load(self, source: Any, callback: Callable | None = None):
        """Replace every example and label with those saved in ml5's format: `source` a file name (beside the
        sketch in the page), a URL, or the parsed JSON. Then `callback()` is called. Awaitable: in the page it
        finishes when the file has arrived; under CPython it has finished when it returns."""
        if isinstance(source, str):
            storage = self._storage()
            return storage.run(self._load_file(storage, source, callback), f"knn.load({source!r})")
        if is_js_object(source):
            source = source.to_py()
        self._use(from_ml5(source, "the object given to load()"))
        if callback is not None:
            _call_back(callback, self, on_result_only=False)
        return Done(self)

    async def _load_file(self, storage: ClassifierFiles, source: str, callback: Callable | None):
        text = await storage.read_text(source)
        self._use(parse_ml5_json(text, source))
        if callback is not None:
            returned = _call_back(callback, self, on_result_only=False)
            if inspect.isawaitable(returned):
                await returned
        return self

    def _storage(self) -> ClassifierFiles:
        return self._files if self._files is not None else default_files()

    def _dataset(self) -> KNNDataset:
        indices = self._examples.classes()
        labels = [self._labels[i] if i < len(self._labels) and self._labels[i] else None for i in indices]
        return KNNDataset([self._examples.rows(i) for i in indices], labels)

    def _use(self, dataset: KNNDataset) -> None:
        self._labels = [label if label is not None else "" for label in dataset.labels]
        while self._labels and not self._labels[-1]:
            self._labels.pop()
        self._examples = ExampleIndex()
        for index, rows in enumerate(dataset.classes):
            for row in rows:
                self._examples.add(index, list(row))
        lengths = {len(rows[0]) for rows in dataset.classes if rows}
        self._length = lengths.pop() if lengths else None

    # -- checks -------------------------------------------------------------------------------------

    def _class_index_for(self, label_or_index: object) -> int:
        if isinstance(label_or_index, str):
            if label_or_index not in self._labels:
                self._labels.append(label_or_index)
            return self._labels.index(label_or_index)
        return self._check_index(label_or_index)

    @staticmethod
    def _check_index(index: object) -> int:
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise TypeError(f"a class is a string label or a class index (a whole number ≥ 0), got {index!r}")
        return index

    def _existing_class(self, label_or_index: object) -> int:
        if isinstance(label_or_index, str):
            index = self._labels.index(label_or_index) if label_or_index in self._labels else None
        else:
            index = self._check_index(label_or_index)
        if index is None or index not in self._examples.classes():
            known = ", ".join(repr(self._label_of(i)) for i in self._examples.classes()) or "none yet"
            raise ValueError(f"no class {label_or_index!r} has examples; the classes with examples: {known}")
        return index

    def _label_of(self, index: int) -> str | int:
        return self._labels[index] if 0 <= index < len(self._labels) and self._labels[index] else index

    def _unit_vector(self, features: Any, where: str) -> list[float]:
        values = _numbers(features, where)
        if self._length is not None and len(values) != self._length:
            raise ValueError(
                f"{where}: features of {len(values)} numbers, but this classifier's examples have {self._length}: "
                "every example and every input has the same length (pose_features gives 34: 17 keypoints × x, y)"
            )
        norm = math.sqrt(math.fsum(v * v for v in values))
        if norm == 0:
            raise ValueError(
                f"{where}: the features are all zero; a KNN classifier compares directions (cosine similarity), "
                "and all zeros have none"
            )
        if self._length is None and where == "addExample()":
            self._length = len(values)
        return [v / norm for v in values]

    # -- snake_case aliases -------------------------------------------------------------------------

    add_example = addExample
    get_count = getCount
    get_count_by_label = getCountByLabel
    get_num_labels = getNumLabels
    clear_label = clearLabel
    clear_all_labels = clearAllLabels
    get_classifier_dataset = getClassifierDataset
    set_classifier_dataset = setClassifierDataset


def _check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k is how many of the most similar examples vote: a whole number ≥ 1, got {k!r}")
    return k


def _numbers(features: Any, where: str) -> list[float]:
    """`features` flattened into floats (ml5 takes nested arrays: its PoseNet example gives [[score, x, y], ...])."""
    if is_js_object(features):
        features = features.to_py()
    if isinstance(features, list | tuple) and all(type(v) is float or type(v) is int for v in features):
        values = [float(v) for v in features]  # the usual case, checked quickly
    else:
        values = []
        _flatten_into(features, values, where)
    if not values:
        raise ValueError(f"{where}: the features are empty; give a list of numbers, e.g. pose_features(pose)")
    if not all(map(math.isfinite, values)):
        bad = next(v for v in values if not math.isfinite(v))
        raise ValueError(f"{where}: the features hold {bad}; every feature is a finite number")
    return values


def _flatten_into(value: Any, out: list[float], where: str) -> None:
    if isinstance(value, Mapping):
        is_pose = "keypoints" in value or "pose" in value
        hint = " (a pose: turn it into numbers with pose_features(pose))" if is_pose else ""
        raise TypeError(f"{where}: features are a list of numbers, got a mapping{hint}")
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        raise TypeError(f"{where}: features are a list of numbers (pose_features(pose)), got {type(value).__name__}")
    for item in value:
        if isinstance(item, bool | str | bytes):
            raise TypeError(f"{where}: features are numbers, got {item!r}")
        if isinstance(item, int | float):
            out.append(float(item))
        else:
            _flatten_into(item, out, where)


def _call_back(callback: Callable, value: Any, on_result_only: bool = True):
    """ml5's callback(error, result); a one-argument callback gets the result alone (classify)."""
    if is_js_object(callback):
        return callback(None, to_js_plain(value) if isinstance(value, dict) else value)
    if on_result_only and positional_arity(callback) == 1:
        return callback(value)
    return call_with_fitting_args(callback, None, value)
