"""ml5.neuralNetwork(options) (ml5-library 0.12, src/NeuralNetwork/index.js): addData, normalizeData, train,
classify / predict (and their Multiple forms), saveData / loadData, save / load, in ml5's names, defaults, results
and files. The data and files are pure Python (nn_data.py, nn_model_format.py); the network is a backend
(nn_backend.NetworkBackend: numpy under CPython, TF.js in the page).
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from .._compat import is_js_object, to_js_plain
from ..callbacks import call_with_fitting_args, positional_arity
from ..results import Record
from .files import ClassifierFiles, Done, default_files
from .nn_backend import NetworkBackend, default_backend
from .nn_data import NeuralNetworkData, NeuralNetworkDataError, find_entries
from .nn_model_format import model_files, parse_model_json, read_layers, weights_paths
from .nn_options import (
    TASKS,
    NeuralNetworkOptionError,
    default_layers,
    layer_specs,
    resolve_options,
    sort_train_arguments,
    train_settings,
)

DEFAULT_MODEL_NAME = "model"


class Results(list):
    """ml5's results: a list, returned at once and awaitable too (`await nn.classify(...)`, as in ml5's JavaScript)."""

    __slots__ = ()

    def __await__(self):
        return self
        yield  # a generator: awaiting it returns at once


class NeuralNetwork:
    """ml5.neuralNetwork(options): see docs/classify.md. `backend` and `files` replace the network and the place
    files go (tests; the page)."""

    def __init__(
        self,
        options: Mapping[str, Any] | None = None,
        callback: Callable | None = None,
        *,
        backend: NetworkBackend | None = None,
        files: ClassifierFiles | None = None,
    ):
        if is_js_object(options):
            options = options.to_py()  # type: ignore[union-attr]
        self.options = resolve_options(options)
        self._backend = backend
        self._files = files
        self._data = NeuralNetworkData(self.options["inputs"], self.options["outputs"])
        self._layers_built = False
        self._trained = False
        self.ready: Any = True
        if self.options["noTraining"]:
            self._build_without_training()
        if self.options["dataUrl"] is not None:
            self.ready = self._load_data_url(self.options["dataUrl"], callback)
        elif self.options["modelUrl"] is not None:
            self.ready = self.load(self.options["modelUrl"], callback)

    def __repr__(self) -> str:
        state = "trained" if self._trained else f"{len(self._data.raw)} items, not trained"
        return f"NeuralNetwork(task={self.options['task']!r}, {state})"

    @property
    def data(self) -> NeuralNetworkData:
        """The data (`data.raw`: the items added, `data.meta`: model_meta.json's metadata)."""
        return self._data

    # -- data ---------------------------------------------------------------------------------------

    def addData(self, xs: Any, ys: Any, options: Mapping[str, Any] | None = None) -> None:
        """One example: `xs` the inputs (a list, e.g. 34 pose numbers, or {name: value}), `ys` the outputs (e.g.
        ['A'] for a classification, [0.5, 0.2] or {name: value} for a regression)."""
        self._data.add_data(_plain(xs), _plain(ys), _plain(options))

    def normalizeData(self) -> None:
        """From now on every number is scaled to 0..1 by its name's min and max in the data (inputs given to
        classify/predict too; a regression's outputs are scaled back)."""
        self._data.normalize()

    def getData(self) -> list[dict[str, dict[str, Any]]]:
        """The items added, as {"xs": {...}, "ys": {...}}."""
        return self._data.raw

    # -- training -----------------------------------------------------------------------------------

    def train(self, optionsOrCallback: Any = None, optionsOrWhileTraining: Any = None, callback: Any = None):  # noqa: N803
        """ml5's train(options?, whileTraining?, done?): options epochs (10), batchSize (32), validationSplit
        (0.1), learningRate; whileTraining(epoch, logs) after each epoch (logs.loss, logs.val_loss, ...);
        done() at the end. Under CPython it has finished when it returns; awaitable either way."""
        options, while_training, done = sort_train_arguments(optionsOrCallback, optionsOrWhileTraining, callback)
        task = self._task()
        settings = train_settings(options, task, self.options["learningRate"])
        rows = self._data.training_rows()
        if task == "classification":
            self._data.class_labels()  # names outputs that are not labels
        layers = self._layer_specs(task)
        backend = self._network()
        backend.build(layers, len(rows[0][0]))
        self._layers_built = True
        xs, ys = [row[0] for row in rows], [row[1] for row in rows]

        def on_epoch_end(epoch: int, logs: dict[str, float]) -> Any:
            if while_training is not None:
                return call_with_fitting_args(while_training, epoch, Record(logs))
            return None

        finished = backend.train(xs, ys, settings, on_epoch_end)
        return self._after(finished, done)

    def _after(self, finished: Any, done: Callable | None):
        if isinstance(finished, Done):
            self._trained = True
            if done is not None:
                call_with_fitting_args(done, None, None)
            return Done(None)

        async def wait() -> None:
            await finished
            self._trained = True
            if done is not None:
                returned = call_with_fitting_args(done, None, None)
                if inspect.isawaitable(returned):
                    await returned

        return self._storage().run(wait(), "neuralNetwork.train()")

    def _task(self) -> str:
        task = self.options["task"]
        if task not in TASKS:
            raise NeuralNetworkOptionError(
                "train() needs a task: neuralNetwork({'task': 'classification', ...}) or 'regression'"
            )
        return task

    def _layer_specs(self, task: str):
        output_units = self._data.meta["outputUnits"]
        if self.options["layers"]:
            return layer_specs(self.options["layers"], output_units)
        return default_layers(task, self.options["hiddenUnits"], output_units)

    def _build_without_training(self) -> None:
        """ml5's noTraining: a network with fresh weights for inputs/outputs (neuroevolution)."""
        inputs, outputs, task = self.options["inputs"], self.options["outputs"], self._task()
        if not isinstance(inputs, int):
            raise NeuralNetworkOptionError("noTraining needs inputs as a count, e.g. {'inputs': 4}")
        if task == "classification":
            for label in outputs if isinstance(outputs, list | tuple) else []:
                self._data.add_data([0] * inputs, [label])
        else:
            self._data.add_data([0] * inputs, [0] * int(outputs))
        self._data.create_metadata()
        self._network().build(self._layer_specs(task), inputs)
        self._layers_built = self._trained = True

    # -- classify / predict -------------------------------------------------------------------------

    def classify(self, inputs: Any, callback: Callable | None = None) -> Results:
        """The labels for `inputs` (the same kinds of values as addData's xs), most confident first:
        [{label, confidence}, ...] (each also keyed by its label). A list of inputs gives a list of those."""
        labels = self._data.class_labels() if self._ready_to_run("classify") else []
        results = [
            Results(
                sorted(
                    (Record({label: p, "label": label, "confidence": p}) for label, p in zip(labels, row, strict=True)),
                    key=lambda r: -r["confidence"],
                )
            )
            for row in self._run(inputs)
        ]
        return _answer(results, callback)

    def predict(self, inputs: Any, callback: Callable | None = None) -> Results:
        """A regression's outputs for `inputs`: [{value, label}, ...] (label: the output's name; value in the data's
        units; unNormalizedValue: the network's own number, when the data were normalized)."""
        self._ready_to_run("predict")
        results = []
        for row in self._run(inputs):
            formatted = Results()
            for name, value, number in self._data.output_values(row):
                item = Record({name: value, "label": name, "value": value})
                if self._data.meta["isNormalized"]:  # ml5 adds it to every output then, 0 included
                    item["unNormalizedValue"] = number
                formatted.append(item)
            results.append(formatted)
        return _answer(results, callback)

    classifyMultiple = classify
    predictMultiple = predict
    classifySync = classify
    predictSync = predict

    def _ready_to_run(self, what: str) -> bool:
        if not self._trained:
            raise RuntimeError(
                f"{what}() needs a trained network: train() it first (after addData or loadData), or load() a saved one"
            )
        return True

    def _run(self, inputs: Any) -> list[list[float]]:
        inputs = _plain(inputs)
        many = isinstance(inputs, list | tuple) and bool(inputs) and all(isinstance(i, list | tuple) for i in inputs)
        rows = [self._data.input_numbers(item) for item in (inputs if many else [inputs])]
        expected = self._data.meta["inputUnits"]
        width = expected[0] if isinstance(expected, list) and expected else expected
        for row in rows:
            if isinstance(width, int) and len(row) != width:
                raise NeuralNetworkDataError(f"the input gives {len(row)} numbers; the network takes {width}")
        return self._network().predict(rows)

    # -- files --------------------------------------------------------------------------------------

    def saveData(self, name: str | None = None) -> str:
        """ml5's data file {"data": [{"xs", "ys"}, ...]} as NAME.json (default: the date and time, as ml5 names
        it): the page downloads it, CPython writes it. Returns where it went."""
        if not self._data.raw:
            raise RuntimeError("saveData() has nothing to save: add data with addData(xs, ys) first")
        if name is None:
            now = time.localtime()
            name = f"{now.tm_year}-{now.tm_mon}-{now.tm_mday}_{now.tm_hour}-{now.tm_min}-{now.tm_sec}"
        _check_name(name, "saveData")
        return self._storage().save_text(f"{name}.json", self._data.data_json())

    def loadData(self, source: Any, callback: Callable | None = None):
        """Replace the data with a saveData() file: a file name (beside the sketch in the page), a URL, or the
        parsed JSON; then callback(). Awaitable; under CPython it has finished when it returns."""
        if isinstance(source, str):
            storage = self._storage()
            return storage.run(self._load_data_file(storage, source, callback), f"neuralNetwork.loadData({source!r})")
        self._data.load_data(_plain(source), "the object given to loadData()")
        return _finish_load(callback, self)

    async def _load_data_file(self, storage: ClassifierFiles, source: str, callback: Callable | None):
        self._data.load_data(_parse_json(await storage.read_text(source), source, "a saveData() file"), source)
        returned = _finish_load(callback, self)
        if inspect.isawaitable(returned):
            await returned
        return self

    def _load_data_url(self, source: str, callback: Callable | None):
        """The dataUrl option: a JSON file ({"data"|"entries": [...]}) or a CSV, its columns named by inputs and
        outputs (ml5's loadDataFromUrl)."""
        storage = self._storage()

        async def load():
            text = await storage.read_text(source)
            if source.lower().endswith(".csv"):
                rows: list[Any] = [
                    {k: _number_or_text(v) for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))
                ]
            else:
                parsed = _parse_json(text, source, "ml5's data JSON")
                rows = _entries(parsed, source)
                if rows and isinstance(rows[0], Mapping) and "xs" in rows[0] and "ys" in rows[0]:
                    self._data.load_data(parsed, source)  # saveData()'s own format
                    rows = []
            if rows:
                names = self.options["inputs"], self.options["outputs"]
                if not all(isinstance(n, list | tuple) for n in names):
                    raise NeuralNetworkOptionError(
                        f"dataUrl {source!r} has columns: give inputs and outputs as lists of their names"
                    )
                self._data.load_table(rows, *names, source)
            returned = _finish_load(callback, self)
            if inspect.isawaitable(returned):
                await returned
            return self

        return storage.run(load(), f"neuralNetwork dataUrl {source!r}")

    def save(self, nameOrCallback: Any = None, callback: Callable | None = None) -> list[str]:  # noqa: N803
        """ml5's three files: NAME.json (the model), NAME.weights.bin, NAME_meta.json (default NAME: model). The
        page downloads them; CPython writes them. Returns where they went."""
        name, callback = (None, nameOrCallback) if callable(nameOrCallback) else (nameOrCallback, callback)
        name = DEFAULT_MODEL_NAME if name is None else name
        _check_name(name, "save")
        if not self._trained:
            raise RuntimeError("save() needs a trained network: train() it first, or load() one")
        model_json, weights = model_files(self._network().weights(), name[name.rfind("/") + 1 :])  # beside it
        storage = self._storage()
        where = [
            storage.save_bytes(f"{name}.weights.bin", weights),
            storage.save_text(f"{name}.json", model_json),
            storage.save_text(f"{name}_meta.json", self._data.meta_json()),
        ]
        if callback is not None:
            call_with_fitting_args(callback, None, where)
        return where

    def load(self, source: Any, callback: Callable | None = None):
        """A saved model: the path or URL of its model.json (model_meta.json and the weights are read beside it,
        as ml5 reads them), or {"model": ..., "metadata": ..., "weights": ...}. Then callback(). Awaitable; under
        CPython it has finished when it returns."""
        source = _plain(source)
        if isinstance(source, str):
            folder = source[: source.rfind("/") + 1]
            stem = source[len(folder) :].removesuffix(".json")
            paths = {"model": source, "metadata": f"{folder}{stem}_meta.json", "weights": None}
        elif isinstance(source, Mapping) and "model" in source and "metadata" in source:
            paths = {"model": source["model"], "metadata": source["metadata"], "weights": source.get("weights")}
        else:
            raise TypeError(
                "load() takes the path of model.json, or {'model': 'model.json', 'metadata': 'model_meta.json', "
                f"'weights': 'model.weights.bin'}}, got {source!r}"
            )
        storage = self._storage()
        return storage.run(self._load_model(storage, paths, callback), f"neuralNetwork.load({source!r})")

    async def _load_model(self, storage: ClassifierFiles, paths: Mapping[str, Any], callback: Callable | None):
        model_path = paths["model"]
        model = parse_model_json(await storage.read_text(model_path), model_path)
        folder = model_path[: model_path.rfind("/") + 1]
        weight_files = (
            [paths["weights"]] if paths["weights"] else [folder + p.removeprefix("./") for p in weights_paths(model)]
        )
        weights = b"".join([await storage.read_bytes(path) for path in weight_files])
        layers = read_layers(model, weights, model_path)
        meta_path = paths["metadata"]
        self._data.load_meta(
            _parse_json(await storage.read_text(meta_path), meta_path, "ml5's model_meta.json"), meta_path
        )
        units = self._data.meta["inputUnits"]
        if isinstance(units, list) and units and units[0] != layers[0].input_units:
            raise NeuralNetworkDataError(
                f"{meta_path} describes {units[0]} inputs but {model_path} takes {layers[0].input_units}: "
                "they are not of the same model"
            )
        if self.options["task"] is None:
            self.options["task"] = "classification" if layers[-1].activation == "softmax" else "regression"
        self._network().set_weights(layers)
        self._trained = self._layers_built = True
        returned = _finish_load(callback, self)
        if inspect.isawaitable(returned):
            await returned
        return self

    def dispose(self) -> None:
        """Free the network (ml5 frees its TF.js tensors)."""
        if self._backend is not None:
            self._backend.dispose()
        self._trained = self._layers_built = False

    def _network(self) -> NetworkBackend:
        if self._backend is None:
            self._backend = default_backend(debug=bool(self.options["debug"]))
        return self._backend

    def _storage(self) -> ClassifierFiles:
        return self._files if self._files is not None else default_files()

    # -- snake_case aliases -------------------------------------------------------------------------

    add_data = addData
    normalize_data = normalizeData
    get_data = getData
    classify_multiple = classifyMultiple
    predict_multiple = predictMultiple
    save_data = saveData
    load_data = loadData


def neuralNetwork(
    inputsOrOptions: Any = None,  # noqa: N803 -- ml5's names
    outputsOrCallback: Any = None,  # noqa: N803
    callback: Callable | None = None,
    **keywords: Any,
) -> NeuralNetwork:
    """ml5.neuralNetwork(options, callback?) or neuralNetwork(inputs, outputs, callback?)."""
    inputs_or_options = _plain(inputsOrOptions)
    if inputs_or_options is None or isinstance(inputs_or_options, Mapping):
        return NeuralNetwork(inputs_or_options, outputsOrCallback, **keywords)
    return NeuralNetwork({"inputs": inputs_or_options, "outputs": _plain(outputsOrCallback)}, callback, **keywords)


neural_network = neuralNetwork


def _plain(value: Any) -> Any:
    return value.to_py() if is_js_object(value) else value


def _check_name(name: Any, what: str) -> None:
    if not isinstance(name, str) or not name:
        raise TypeError(f"{what}() takes a file name (a string such as 'model'), got {name!r}")


def _parse_json(text: str, source: str, expected: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise NeuralNetworkDataError(f"{source} is not JSON ({exc}); expected {expected}") from None


def _entries(parsed: Any, source: str) -> list[Any]:
    entries = find_entries(parsed)
    if entries is None:
        raise NeuralNetworkDataError(f'{source}: expected a JSON object with "data" or "entries": [...]')
    return entries


def _number_or_text(text: str | None) -> Any:
    """A CSV cell as tf.data.csv gives it: a number when it reads as one."""
    if text is None:
        return ""
    try:
        return float(text)
    except ValueError:
        return text


def _finish_load(callback: Callable | None, network: NeuralNetwork) -> Any:
    if callback is not None:
        return call_with_fitting_args(callback, None, network)
    return Done(network)


def _answer(results: list[Results], callback: Callable | None) -> Results:
    """One input's results as they are, several as a list of them (ml5 gives a single list when fewer than 2)."""
    answer = results[0] if len(results) < 2 else Results(results)
    if callback is not None:
        if is_js_object(callback):
            callback(None, to_js_plain([dict(r) for r in answer] if len(results) < 2 else answer))
        elif positional_arity(callback) == 1:
            callback(answer)
        else:
            call_with_fitting_args(callback, None, answer)
    return answer
