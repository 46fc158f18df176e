"""ml5.neuralNetwork under CPython (pyposenet/classify/neural_network.py on numpy): ml5's options and defaults,
argument forms, results, files, and the errors for bad input. The comparison with TF.js is in
test_classify_nn_tfjs.py."""

from __future__ import annotations

import json
import random

import pytest

from pyposenet import ml5
from pyposenet._host.nn_numpy import NumpyNetwork
from pyposenet.classify import (
    NeuralNetworkDataError,
    NeuralNetworkOptionError,
    NotModelFormatError,
    neuralNetwork,
)
from pyposenet.classify.nn_options import TRAIN_DEFAULTS, default_layers, resolve_options


def two_poses(nn, per_label: int = 40, seed: int = 5) -> None:
    rng = random.Random(seed)
    for label, slope in (("up", 4.0), ("down", -4.0)):
        for _ in range(per_label):
            nn.addData([250 + slope * i + rng.gauss(0, 25) for i in range(34)], [label])


@pytest.fixture(scope="module")
def trained():
    """The tutorial's steps: options {inputs: 34, outputs: 2, task}, addData, normalizeData, train."""
    nn = ml5.neuralNetwork({"inputs": 34, "outputs": 2, "task": "classification"}, backend=NumpyNetwork(seed=0))
    two_poses(nn)
    nn.normalizeData()
    epochs: list[tuple[int, float]] = []
    finished: list[bool] = []
    nn.train({"epochs": 30}, lambda epoch, logs: epochs.append((epoch, logs.loss)), lambda: finished.append(True))
    return nn, epochs, finished


def test_ml5s_defaults_and_layers():
    options = resolve_options({"task": "classification"})
    assert (options["hiddenUnits"], options["learningRate"], options["debug"]) == (16, 0.2, False)
    assert TRAIN_DEFAULTS == {"epochs": 10, "batchSize": 32, "validationSplit": 0.1, "shuffle": True}
    assert [(layer.units, layer.activation) for layer in default_layers("classification", 16, 3)] == [
        (16, "relu"),
        (3, "softmax"),
    ]
    assert default_layers("regression", 8, 2)[-1].activation == "sigmoid"


def test_training_calls_back_per_epoch_and_when_done_and_learns(trained):
    nn, epochs, finished = trained
    assert [epoch for epoch, _ in epochs] == list(range(30)) and finished == [True]
    assert epochs[-1][1] < epochs[0][1] / 5
    results = nn.classify([250 + 4.0 * i for i in range(34)])
    assert [r.label for r in results] == ["up", "down"]  # most confident first
    assert results[0].confidence == results[0]["up"] and sum(r.confidence for r in results) == pytest.approx(1)
    assert nn.classify([250 - 4.0 * i for i in range(34)])[0].label == "down"


def test_classify_takes_several_inputs_a_callback_and_await(trained):
    nn, _, _ = trained
    rows = [[250 + 4.0 * i for i in range(34)], [250 - 4.0 * i for i in range(34)]]
    many = nn.classifyMultiple(rows)
    assert [results[0].label for results in many] == ["up", "down"]
    got = []
    nn.classify(rows[0], lambda error, results: got.append((error, results[0].label)))
    nn.classify(rows[1], lambda results: got.append(results[0].label))
    assert got == [(None, "up"), "down"]

    async def awaited():
        return await nn.classify(rows[1])

    coroutine = awaited()
    with pytest.raises(StopIteration) as finished:
        coroutine.send(None)
    assert finished.value.value[0].label == "down"


def test_regression_with_named_values_predicts_in_the_datas_units():
    nn = neuralNetwork({"inputs": ["x"], "outputs": ["y"], "task": "regression"}, backend=NumpyNetwork(seed=2))
    for i in range(40):
        nn.addData({"x": i}, {"y": 100 + 2 * i})
    nn.normalizeData()
    nn.train({"epochs": 200, "batchSize": 8, "validationSplit": 0})
    result = nn.predict({"x": 20})
    assert result[0].label == "y" and result[0].value == result[0]["y"]
    assert result[0].value == pytest.approx(140, abs=8)
    assert 0 < result[0].unNormalizedValue < 1


def test_save_and_load_give_ml5s_three_files_and_the_same_answers(trained, tmp_path, monkeypatch):
    nn, _, _ = trained
    monkeypatch.chdir(tmp_path)
    assert sorted(nn.save("poses")) == ["poses.json", "poses.weights.bin", "poses_meta.json"]
    model = json.loads((tmp_path / "poses.json").read_text())
    assert model["weightsManifest"][0]["paths"] == ["./poses.weights.bin"]
    assert (tmp_path / "poses.weights.bin").stat().st_size == 4 * (34 * 16 + 16 + 16 * 2 + 2)
    meta = json.loads((tmp_path / "poses_meta.json").read_text())
    assert meta["outputs"]["0"]["uniqueValues"] == ["up", "down"] and meta["isNormalized"] is True
    loaded: list = []
    again = ml5.neuralNetwork({"task": "classification"}, backend=NumpyNetwork())
    again.load("poses.json", lambda: loaded.append(True))
    row = [250 + 3.0 * i for i in range(34)]
    assert loaded == [True]
    assert again.classify(row)[0].confidence == pytest.approx(nn.classify(row)[0].confidence, abs=1e-6)
    by_names = neuralNetwork(backend=NumpyNetwork())
    by_names.load({"model": "poses.json", "metadata": "poses_meta.json", "weights": "poses.weights.bin"})
    assert by_names.options["task"] == "classification" and by_names.classify(row)[0].label == "up"


def test_save_data_and_load_data_use_ml5s_data_file(trained, tmp_path, monkeypatch):
    nn, _, _ = trained
    monkeypatch.chdir(tmp_path)
    nn.saveData("poses")
    saved = json.loads((tmp_path / "poses.json").read_text())
    assert len(saved["data"]) == 80 and saved["data"][0]["ys"] == {"0": "up"}
    other = neuralNetwork({"task": "classification"}, backend=NumpyNetwork(seed=1))
    other.loadData("poses.json")
    assert other.getData() == nn.getData()
    from_url = neuralNetwork({"task": "classification", "dataUrl": "poses.json"}, backend=NumpyNetwork())
    assert len(from_url.getData()) == 80


def test_data_url_reads_columns_named_by_inputs_and_outputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "colours.csv").write_text("r,g,label\n255,0,red\n0,255,green\n")
    nn = neuralNetwork(
        {"dataUrl": "colours.csv", "inputs": ["r", "g"], "outputs": ["label"], "task": "classification"},
        backend=NumpyNetwork(),
    )
    assert nn.getData()[1] == {"xs": {"r": 0.0, "g": 255.0}, "ys": {"label": "green"}}


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (
            lambda: neuralNetwork({"task": "clasification"}),
            NeuralNetworkOptionError,
            "task 'clasification' is not one of",
        ),
        (lambda: neuralNetwork({"hiddenunits": 3}), NeuralNetworkOptionError, "did you mean 'hiddenUnits'"),
        (lambda: neuralNetwork({"learningRate": 0}), NeuralNetworkOptionError, "learningRate is a number > 0"),
        (lambda: neuralNetwork({"layers": [{"type": "conv2d"}, {}]}), NeuralNetworkOptionError, "only 'dense'"),
    ],
)
def test_bad_options_are_named(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_errors_name_what_was_wrong_and_what_is_allowed(trained, tmp_path):
    nn, _, _ = trained
    with pytest.raises(NeuralNetworkDataError, match="2 values for 34 names"):
        nn.classify([1, 2])
    with pytest.raises(NeuralNetworkDataError, match="the input is a pose; give its numbers: poseFeatures"):
        nn.classify({"pose": {}, "skeleton": []})
    fresh = neuralNetwork({"task": "classification"}, backend=NumpyNetwork())
    with pytest.raises(RuntimeError, match="classify\\(\\) needs a trained network"):
        fresh.classify([0] * 34)
    with pytest.raises(NeuralNetworkDataError, match="no data yet"):
        fresh.train()
    untasked = neuralNetwork(backend=NumpyNetwork())
    two_poses(untasked, per_label=2)
    with pytest.raises(NeuralNetworkOptionError, match="train\\(\\) needs a task"):
        untasked.train()
    with pytest.raises(NeuralNetworkOptionError, match="unknown train\\(\\) option 'epoch'; did you mean 'epochs'"):
        nn.train({"epoch": 5})
    numbers = neuralNetwork({"task": "classification"}, backend=NumpyNetwork())
    numbers.addData([1, 2], [0])
    numbers.addData([2, 1], [1])
    with pytest.raises(NeuralNetworkDataError, match="classification needs labels that are strings"):
        numbers.train()


def test_files_that_are_not_ml5s_model_are_named(tmp_path, trained):
    nn, _, _ = trained
    data_file = tmp_path / "data.json"
    data_file.write_text(json.dumps({"data": []}))
    loader = neuralNetwork({"task": "classification"}, backend=NumpyNetwork())
    with pytest.raises(NotModelFormatError, match="data.json has 'data' \\(that is a saveData\\(\\) file"):
        loader.load(str(data_file))
    model_json = tmp_path / "model.json"
    model_json.write_text(json.dumps({"modelTopology": {"class_name": "Model", "config": {}}, "weightsManifest": []}))
    (tmp_path / "model_meta.json").write_text("{}")
    with pytest.raises(NotModelFormatError, match="the model is a 'Model'; ml5's neuralNetwork saves a 'Sequential'"):
        loader.load(str(model_json))
    nn.save(str(tmp_path / "good"))
    (tmp_path / "good_meta.json").write_text(json.dumps({"data": []}))
    with pytest.raises(
        NeuralNetworkDataError, match="good_meta.json has no inputs, .* \\(that is a saveData\\(\\) file\\)"
    ):
        loader.load(str(tmp_path / "good.json"))
    (tmp_path / "good.weights.bin").write_bytes(b"\0" * 12)
    with pytest.raises(
        NotModelFormatError, match=f"hold 3 numbers; its manifest describes {34 * 16 + 16 + 16 * 2 + 2}"
    ):
        loader.load(str(tmp_path / "good.json"))


def test_the_pages_pure_python_network_answers_as_numpy_and_says_it_cannot_train(trained, tmp_path, monkeypatch):
    from pyposenet.classify.nn_pure import PurePythonNetwork

    nn, _, _ = trained
    monkeypatch.chdir(tmp_path)
    nn.save()
    in_page = neuralNetwork({"task": "classification"}, backend=PurePythonNetwork())
    in_page.load("model.json")
    rows = [[250 + 4.0 * i for i in range(34)], [250 - 3.0 * i for i in range(34)]]
    for ours, numpy_results in zip(in_page.classify(rows), nn.classify(rows), strict=True):
        assert [(r.label, r.confidence) for r in ours] == [
            (r.label, pytest.approx(r.confidence, abs=1e-6)) for r in numpy_results
        ]
    two_poses(in_page, per_label=3)
    with pytest.raises(NotImplementedError, match="this network does not train: in the page, TF.js trains it"):
        in_page.train()
