"""neuralNetwork against ml5's network on real TF.js 4.22 (tests/support/ml5_nn_reference.js, run in node once for the
module): files ml5 saves load and classify here as there, files saved here load in TF.js, and the numpy training
follows TF.js's fit step by step (same start, no shuffling: the same losses and weights)."""

from __future__ import annotations

import json
import random

import pytest

from pyposenet._host.nn_numpy import NumpyNetwork
from pyposenet.classify import neuralNetwork
from pyposenet.classify.nn_model_format import model_files, parse_model_json, read_layers
from pyposenet.classify.nn_options import default_layers, train_settings
from tests.support.ml5_nn import as_saved, reference_missing, run_ml5_nn_reference, saved_files

FEATURES = 34


def pose_like_data(task: str) -> tuple:
    """Two poses (or, for a regression, two numbers per pose) with noise: ~ the tutorial's data, smaller."""
    rng = random.Random(7)
    nn = neuralNetwork({"inputs": FEATURES, "outputs": 2, "task": task}, backend=NumpyNetwork(seed=3))
    held_out = []
    for label, slope in (("A", 3.0), ("B", -3.0)):
        for index in range(50):
            row = [200 + slope * i + rng.gauss(0, 30) for i in range(FEATURES)]
            ys = [label] if task == "classification" else [slope * 10 + rng.gauss(0, 2), rng.uniform(0, 5)]
            (held_out if index % 10 == 0 else []).append(row)
            nn.addData(row, ys)
    nn.normalizeData()
    return nn, held_out


@pytest.fixture(scope="module")
def reference():
    missing = reference_missing()
    if missing:
        pytest.skip(f"TF.js's reference needs node and TF.js: {missing}")
    cases = {}
    jobs = []
    for task in ("classification", "regression"):
        nn, held_out = pose_like_data(task)
        rows = nn.data.training_rows()
        xs, ys = [r[0] for r in rows], [r[1] for r in rows]
        queries = [nn.data.input_numbers(row) for row in held_out]
        start = NumpyNetwork(seed=11)
        start.build(default_layers(task, 16, len(ys[0])), FEATURES)
        start_files = model_files(start.weights(), "model")
        settings = train_settings({"epochs": 4, "shuffle": False}, task, 0.2)
        train = {
            "xs": xs,
            "ys": ys,
            "task": task,
            "learningRate": 0.2,
            "epochs": 4,
            "batchSize": 32,
            "validationSplit": 0.1,
            "shuffle": False,
        }
        cases[task] = {
            "nn": nn,
            "held_out": held_out,
            "queries": queries,
            "start": start,
            "settings": settings,
            "xs": xs,
            "ys": ys,
            "start_files": start_files,
        }
        jobs.append(
            {
                "train": {**train, "epochs": 30, "shuffle": True},
                "queries": queries,
                "inputUnits": FEATURES,
                "outputUnits": len(ys[0]),
                "task": task,
            }
        )  # ml5 trains from scratch
        jobs.append({"start": as_saved(*start_files), "train": train, "queries": queries})  # same start
    trained_here, _ = pose_like_data("classification")
    trained_here.train({"epochs": 20})
    here_json, here_weights = model_files(trained_here._network().weights(), "model")
    jobs.append({"start": as_saved(here_json, here_weights), "queries": cases["classification"]["queries"]})
    outputs = run_ml5_nn_reference(jobs)
    return cases, outputs, trained_here


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_a_model_ml5_saved_loads_here_and_answers_as_in_tfjs(reference, task, tmp_path):
    cases, outputs, _ = reference
    case, ml5_run = cases[task], outputs[0 if task == "classification" else 2]
    model_json, weights = saved_files(ml5_run["saved"])
    (tmp_path / "model.json").write_text(model_json)
    (tmp_path / "model.weights.bin").write_bytes(weights)
    (tmp_path / "model_meta.json").write_text(case["nn"].data.meta_json())
    loaded = neuralNetwork({"task": task}, backend=NumpyNetwork())
    loaded.load(str(tmp_path / "model.json"))
    if task == "regression":
        for answer, expected in zip(loaded.predict(case["held_out"]), ml5_run["predictions"], strict=True):
            assert [item.unNormalizedValue for item in answer] == pytest.approx(expected, abs=1e-5)
        return
    answers = loaded.classify(case["held_out"])
    for results, expected in zip(answers, ml5_run["predictions"], strict=True):
        assert {r.label: r.confidence for r in results} == pytest.approx({"A": expected[0], "B": expected[1]}, abs=1e-5)
    assert [results[0].label for results in answers] == ["A"] * 5 + ["B"] * 5  # ml5's training learnt the poses


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_numpy_training_follows_tfjs_fit_from_the_same_start(reference, task):
    cases, outputs, _ = reference
    case, ml5_run = cases[task], outputs[1 if task == "classification" else 3]
    network = NumpyNetwork()
    model_json, weights = case["start_files"]
    network.set_weights(read_layers(parse_model_json(model_json, "start"), weights, "start"))
    logs: list[dict] = []
    network.train(case["xs"], case["ys"], case["settings"], lambda epoch, epoch_logs: logs.append(epoch_logs))
    assert len(logs) == len(ml5_run["logs"]) == 4
    for ours, theirs in zip(logs, ml5_run["logs"], strict=True):
        assert set(ours) == set(theirs)
        for key in ("loss", "val_loss"):
            assert ours[key] == pytest.approx(theirs[key], rel=1e-3, abs=1e-6)
    assert network.predict(case["queries"]) == [pytest.approx(row, abs=1e-4) for row in ml5_run["predictions"]]


def test_files_saved_here_load_in_tfjs_and_answer_the_same(reference):
    cases, outputs, trained_here = reference
    tfjs = outputs[4]
    ours = trained_here._network().predict(cases["classification"]["queries"])
    assert tfjs["predictions"] == [pytest.approx(row, abs=1e-6) for row in ours]
    # and TF.js saves them back as it saved its own: the same topology and weight names
    assert json.loads(tfjs["saved"]["modelJson"])["weightsManifest"][0]["weights"] == [
        {"name": f"dense_Dense{i}/{part}", "shape": shape, "dtype": "float32"}
        for i, part, shape in ((1, "kernel", [34, 16]), (1, "bias", [16]), (2, "kernel", [16, 2]), (2, "bias", [2]))
    ]
