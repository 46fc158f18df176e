"""KNNClassifier: ml5's names, argument forms, results and errors; save() and load() under CPython."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pyposenet import KNNClassifier, ml5
from pyposenet.classify import NotKNNFormatError

NEAR_A, NEAR_B = [1.0, 0.1, 0.0], [0.0, 0.1, 1.0]


@pytest.fixture
def knn() -> KNNClassifier:
    """Three examples of A (along x), two of B (along z)."""
    knn = ml5.KNNClassifier()
    for features in ([1, 0, 0], [0.9, 0.1, 0], [1, 0.2, 0.1]):
        knn.addExample(features, "A")
    for features in ([0, 0, 1], [0.1, 0, 0.9]):
        knn.addExample(features, "B")
    return knn


def test_classify_gives_ml5s_result(knn):
    result = knn.classify(NEAR_B)
    assert result == {
        "label": "B",
        "classIndex": 1,
        "confidencesByLabel": {"A": pytest.approx(1 / 3), "B": pytest.approx(2 / 3)},  # k = 3: B's two and one A
        "confidences": {0: pytest.approx(1 / 3), 1: pytest.approx(2 / 3)},
    }
    assert result.label == result["label"] == "B"  # attribute and key access, as pyposenet's pose results


def test_k_is_how_many_examples_vote_and_at_most_every_example(knn):
    assert knn.classify(NEAR_B, 1).confidences == {0: 0.0, 1: 1.0}
    assert knn.classify(NEAR_B, 5).confidences == {0: 0.6, 1: 0.4}  # all five vote: A wins 3 to 2
    assert knn.classify(NEAR_B, 50).confidences == {0: 0.6, 1: 0.4}
    assert knn.classify(NEAR_B, 5).label == "A"


def test_similarity_is_by_direction_not_length(knn):
    assert knn.classify([100, 10, 0]) == knn.classify(NEAR_A)


def test_callback_gets_error_and_result_or_the_result_alone(knn):
    seen = []
    returned = knn.classify(NEAR_A, lambda error, result: seen.append((error, result.label)))
    knn.classify(NEAR_A, 1, lambda result: seen.append(result.label))
    assert seen == [(None, "A"), "A"] and returned.label == "A"


def test_the_result_can_be_awaited_as_in_ml5s_javascript(knn):
    async def main():
        return await knn.classify(NEAR_A)

    assert asyncio.run(main()).label == "A"


def test_counts_by_class_index_and_by_label(knn):
    assert knn.getCount() == {0: 3, 1: 2}
    assert knn.getCountByLabel() == {"A": 3, "B": 2}
    assert knn.getNumLabels() == 2
    assert knn.get_count_by_label() == knn.getCountByLabel()  # snake_case aliases


def test_a_class_index_is_a_class_and_a_label_takes_the_next_index_on_first_use():
    knn = KNNClassifier()
    knn.addExample([1, 0], 2)
    knn.addExample([0, 1], "up")
    knn.addExample([0, 1], 0)  # class 0 is "up"
    assert knn.getCount() == {0: 2, 2: 1}
    assert knn.getCountByLabel() == {"up": 2, 2: 1}
    result = knn.classify([1, 0.1], 1)
    assert (result.classIndex, result.label, result.confidencesByLabel) == (2, 2, {"up": 0.0, 2: 1.0})


def test_clear_label_removes_one_class_and_its_label_keeps_its_index(knn):
    knn.clearLabel("A")
    assert knn.getCountByLabel() == {"B": 2}
    assert knn.classify(NEAR_A).label == "B"
    knn.addExample(NEAR_A, "A")
    assert knn.getCount() == {0: 1, 1: 2}
    knn.clearLabel(1)
    assert knn.getCountByLabel() == {"A": 1}


def test_clear_all_labels_forgets_examples_labels_and_length(knn):
    knn.clearAllLabels()
    assert knn.getCount() == {} and knn.getNumLabels() == 0
    knn.addExample([1, 2, 3, 4, 5], "C")  # any length again
    assert knn.getCount() == {0: 5 // 5}


def test_nested_features_are_flattened_as_ml5s_tensors_are():
    knn = KNNClassifier()
    knn.addExample([[0.9, 1, 2], [0.8, 3, 4]], "A")  # ml5's PoseNet example: [[score, x, y], ...]
    knn.addExample((0.9, 1, 2, 0.8, 3, 5), "A")
    assert knn.getCount() == {0: 2}


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (
            lambda k: k.addExample([1, 2], "A"),
            ValueError,
            "features of 2 numbers, but this classifier's examples have 3",
        ),
        (lambda k: k.classify([1, 2, 3, 4]), ValueError, "classify\\(\\): features of 4 numbers"),
        (lambda k: k.addExample([0, 0, 0], "A"), ValueError, "all zero"),
        (lambda k: k.addExample([1, float("nan"), 0], "A"), ValueError, "hold nan"),
        (lambda k: k.addExample([], "A"), ValueError, "empty"),
        (lambda k: k.addExample([1, "2", 3], "A"), TypeError, "numbers, got '2'"),
        (lambda k: k.addExample({"pose": {}}, "A"), TypeError, "pose_features\\(pose\\)"),
        (lambda k: k.addExample(7, "A"), TypeError, "got int"),
        (lambda k: k.addExample([1, 0, 0], 1.5), TypeError, "string label or a class index .*got 1.5"),
        (lambda k: k.addExample([1, 0, 0], -1), TypeError, "got -1"),
        (lambda k: k.addExample([1, 0, 0], True), TypeError, "got True"),
        (lambda k: k.classify(NEAR_A, 0), ValueError, "whole number ≥ 1, got 0"),
        (lambda k: k.classify(NEAR_A, 2.5), ValueError, "got 2.5"),
        (lambda k: k.clearLabel("C"), ValueError, "no class 'C' has examples; the classes with examples: 'A', 'B'"),
        (lambda k: k.clearLabel(7), ValueError, "no class 7"),
        (lambda k: k.save(3), TypeError, "a file name"),
    ],
)
def test_bad_input_is_named_with_what_is_allowed(knn, call, error, words):
    with pytest.raises(error, match=words):
        call(knn)


def test_classify_or_save_before_any_example_says_what_to_do():
    with pytest.raises(RuntimeError, match="classify\\(\\) needs examples first: add some with addExample"):
        KNNClassifier().classify([1, 2])
    with pytest.raises(RuntimeError, match="nothing to save"):
        KNNClassifier().save()


# ------------------------------------------------------------------------------------------------ files


def test_save_writes_ml5s_json_and_load_brings_back_the_same_classifier(knn, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert knn.save() == "myKNN.json"
    assert knn.save("poses") == "poses.json"
    saved = json.loads((tmp_path / "poses.json").read_text())
    assert [entry["label"] for entry in saved["dataset"].values()] == ["A", "B"]
    assert [entry["shape"] for entry in saved["dataset"].values()] == [[3, 3], [2, 3]]

    loaded, called = KNNClassifier(), []
    done = loaded.load("poses.json", lambda: called.append(True))
    assert called == [True] and loaded.getCountByLabel() == {"A": 3, "B": 2}  # loaded when load() returns
    assert asyncio.run(_wait(done)) is loaded  # and awaitable
    for features in (NEAR_A, NEAR_B, [1, 1, 1]):
        for k in (1, 3, 5):
            assert loaded.classify(features, k) == knn.classify(features, k)


async def _wait(awaitable):
    return await awaitable


def test_load_takes_the_parsed_json_too_and_replaces_every_example(knn, tmp_path):
    saved = json.loads(Path(knn.save(str(tmp_path / "mine"))).read_text())
    other = KNNClassifier()
    other.addExample([5, 5], "old")
    other.load(saved)
    assert other.getCountByLabel() == {"A": 3, "B": 2}


def test_the_dataset_can_be_read_and_set_as_lists_and_labels_stay(knn):
    before = knn.classify(NEAR_B, 5)
    dataset = knn.getClassifierDataset()
    knn.setClassifierDataset({1: dataset[1]})
    assert knn.getCountByLabel() == {"B": 2}
    knn.setClassifierDataset(dataset)
    assert knn.classify(NEAR_B, 5) == before
    unlabelled = KNNClassifier()
    unlabelled.setClassifierDataset(dataset)
    assert unlabelled.classify(NEAR_B, 5).confidencesByLabel == {0: 0.6, 1: 0.4}  # no labels: class indices


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "is not JSON"),
        ('{"data": [{"xs": [1], "ys": ["A"]}]}', "neuralNetwork's saveData\\(\\) format"),
        ('{"modelTopology": {}}', "TF.js model.json"),
        ("[1, 2]", "found list"),
        ('{"dataset": {"0": {"shape": [1, 2]}}, "tensors": []}', '1 classes but "tensors" has 0'),
        ('{"dataset": {"0": {"shape": [1, 2]}}, "tensors": [{"0": 1}]}', "needs 2 numbers, its tensor has 1"),
        ('{"dataset": {"0": {"shape": [2]}}, "tensors": [[1, 2]]}', "expected \\[examples, length\\]"),
        ('{"dataset": {"a": {"shape": [1, 1]}}, "tensors": [[1]]}', "keys are class indices"),
        ('{"dataset": {"0": {"shape": [1, 1], "label": 5}}, "tensors": [[1]]}', "a label is a string"),
        ('{"dataset": {"0": {"shape": [1, 1]}}, "tensors": [["x"]]}', "expected finite numbers"),
        ('{"dataset": {"0": {"shape": [1, 1]}, "1": {"shape": [1, 2]}}, "tensors": [[1], [1, 2]]}', "same length"),
    ],
)
def test_a_file_that_is_not_ml5s_knn_format_is_named_with_what_was_expected(tmp_path, text, words):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(NotKNNFormatError, match=words) as raised:
        KNNClassifier().load(str(path))
    assert str(path) in str(raised.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.json"):
        KNNClassifier().load(str(tmp_path / "nothing.json"))
