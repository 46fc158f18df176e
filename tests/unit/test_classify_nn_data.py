"""ml5.neuralNetwork's data handling (pyposenet/classify/nn_data.py, not yet public): item names, metadata
(model_meta.json), normalization and one-hot rows, saveData/loadData's file."""

from __future__ import annotations

import json

import pytest

from pyposenet.classify.nn_data import NeuralNetworkData, NeuralNetworkDataError


def tutorial_data() -> NeuralNetworkData:
    """The Coding Train's pose classifier: options {inputs: 34, outputs: 2}, addData(34 numbers, [label])."""
    data = NeuralNetworkData(inputs=34, outputs=2)
    data.add_data([float(i) for i in range(34)], ["A"])
    data.add_data([float(2 * i) for i in range(34)], ["B"])
    data.add_data([float(i) + 1 for i in range(34)], ["A"])
    return data


def test_arrays_are_named_by_position_as_ml5_names_them_and_saved_as_its_data_file():
    data = tutorial_data()
    saved = json.loads(data.data_json())
    assert list(saved) == ["data"] and len(saved["data"]) == 3
    assert list(saved["data"][0]["xs"]) == [str(i) for i in range(34)]
    assert saved["data"][1]["ys"] == {"0": "B"}


def test_metadata_has_ml5s_dtypes_ranges_legends_and_units():
    meta = tutorial_data().create_metadata()
    assert meta["inputUnits"] == [34] and meta["outputUnits"] == 2 and meta["isNormalized"] is False
    assert meta["inputs"]["5"] == {"dtype": "number", "min": 5.0, "max": 10.0}
    assert meta["outputs"]["0"] == {
        "dtype": "string",
        "min": 0,
        "max": 1,
        "uniqueValues": ["A", "B"],
        "legend": {"A": [1, 0], "B": [0, 1]},
    }


def test_names_given_in_the_options_name_the_values():
    data = NeuralNetworkData(inputs=["x", "y"], outputs=["colour"])
    data.add_data([1, 2], ["red"])
    data.add_data({"x": 3, "y": 0}, {"colour": "blue"})
    assert data.raw[0] == {"xs": {"x": 1, "y": 2}, "ys": {"colour": "red"}}
    assert data.create_metadata()["inputs"]["y"] == {"dtype": "number", "min": 0, "max": 2}


def test_normalized_rows_scale_numbers_to_their_range_and_one_hot_strings():
    data = NeuralNetworkData()
    data.add_data({"x": 10, "same": 4, "kind": "cat"}, {"y": 0.5})
    data.add_data({"x": 20, "same": 4, "kind": "dog"}, {"y": 1.5})
    assert data.training_rows()[1] == ([20.0, 4.0, 0, 1], [1.5])
    data.normalize()
    assert data.meta["isNormalized"] is True
    assert data.training_rows() == [([0.0, 0.0, 1, 0], [0.0]), ([1.0, 0.0, 0, 1], [1.0])]  # constant: 0 (ml5: NaN)
    assert data.input_numbers({"kind": "dog", "x": 15, "same": 4}) == [0.5, 0.0, 0, 1]
    assert data.input_numbers([25, 4, "cat"]) == [1.5, 0.0, 1, 0]


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda d: d.add_data([1, 2], ["A"]), "names 0, 1 differ from the first item's"),
        (lambda d: d.add_data([True] * 34, ["A"]), "a value is a number, a string or a list of numbers"),
        (lambda d: d.add_data([float("nan")] * 34, ["A"]), "must be finite"),
        (lambda d: d.add_data(5, ["A"]), "give a list of values or an object"),
        (lambda d: d.input_numbers({"0": 1}), "the input has no 1, 2"),
        (lambda d: d.input_numbers([1, 2]), "2 values for 34 names"),
    ],
)
def test_bad_data_is_named_with_what_is_allowed(call, words):
    data = tutorial_data()
    data.create_metadata()
    with pytest.raises(NeuralNetworkDataError, match=words):
        call(data)


def test_a_string_output_never_seen_and_mixed_kinds_are_named():
    data = tutorial_data()
    data.create_metadata()
    with pytest.raises(NeuralNetworkDataError, match="'0' is 'C'; the data had 'A', 'B'"):
        data._numbers({"0": "C"}, data.meta["outputs"])
    data.add_data(list(range(34)), [3])
    with pytest.raises(NeuralNetworkDataError, match="ys '0' mixes kinds of values: the first is a string"):
        data.create_metadata()
    with pytest.raises(NeuralNetworkDataError, match="no data yet"):
        NeuralNetworkData().create_metadata()


def test_load_data_reads_ml5s_file_and_names_what_is_not():
    data = NeuralNetworkData()
    data.load_data(json.loads(tutorial_data().data_json()), "poses.json")
    assert data.create_metadata()["outputs"]["0"]["uniqueValues"] == ["A", "B"]
    data.load_data({"entries": [{"xs": {"a": 1}, "ys": {"b": "x"}}]}, "entries.json")
    assert data.raw == [{"xs": {"a": 1}, "ys": {"b": "x"}}]
    with pytest.raises(NeuralNetworkDataError, match='myKNN.json is not ml5\'s neuralNetwork data: expected .*"data"'):
        data.load_data({"dataset": {}, "tensors": []}, "myKNN.json")
    with pytest.raises(NeuralNetworkDataError, match="bad.json: item 0 is not"):
        data.load_data({"data": [[1, 2]]}, "bad.json")
