"""KNNClassifier against ml5's own KNNClassifier code on TF.js (tests/support/ml5_knn_reference.js, run in node):
the same results for the same examples, and each reads the file the other saves."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from pyposenet import KNNClassifier
from tests.support.ml5_knn import reference_missing, run_ml5_reference

K_VALUES = (1, 3, 7, 500)  # 500: more than there are examples


def examples_and_queries(seed: int = 7):
    """Clusters of 5-number examples in three labels, some examples exact duplicates of earlier ones (ties)."""
    rng = random.Random(seed)
    centres = [[rng.uniform(-1, 1) for _ in range(5)] for _ in range(12)]
    examples = []
    for i in range(240):
        if i % 9 == 8:
            features = list(examples[rng.randrange(len(examples))][0])  # the same numbers again
        else:
            features = [v + rng.gauss(0, 0.08) for v in rng.choice(centres)]
        examples.append([features, rng.choice(["sit", "stand", "wave"])])
    queries = [[v + rng.gauss(0, 0.3) for v in rng.choice(centres)] for _ in range(60)]
    queries += [list(e[0]) for e in rng.sample(examples, 20)]  # ties: an input equal to examples
    return examples, queries


def ours(examples) -> KNNClassifier:
    knn = KNNClassifier()
    for features, label in examples:
        knn.addExample(features, label)
    return knn


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One node process: ml5 adds the examples (k = 3), loads what it saved (each other k), loads our file (k = 5)."""
    missing = reference_missing()
    if missing:
        pytest.skip(f"ml5's reference needs node and TF.js: {missing}")
    examples, queries = examples_and_queries()
    mine = ours(examples[::-1])  # another order: other class indices, other ties
    folder = tmp_path_factory.mktemp("knn")
    our_text = Path(mine.save(str(folder / "ours"))).read_text()
    jobs = [{"examples": examples, "queries": queries, "k": 3}]
    jobs += [{"loadFrom": 0, "queries": queries, "k": k} for k in K_VALUES if k != 3]
    jobs += [{"load": our_text, "queries": queries, "k": 5}]
    outputs = run_ml5_reference(jobs)
    by_k = {3: outputs[0], **{job["k"]: out for job, out in zip(jobs[1:-1], outputs[1:-1], strict=True)}}
    return examples, queries, by_k, (mine, our_text, outputs[-1])


def assert_same(result, theirs):
    assert (result.classIndex, result.label) == (theirs["classIndex"], theirs["label"])
    assert {str(i): c for i, c in result.confidences.items()} == pytest.approx(theirs["confidences"])
    assert result.confidencesByLabel == pytest.approx(theirs["confidencesByLabel"])


def test_classify_gives_ml5s_results_ties_included(runs):
    examples, queries, by_k, _ = runs
    knn = ours(examples)
    for query, theirs in zip(queries, by_k[3]["results"], strict=True):
        assert_same(knn.classify(query), theirs)
    assert {str(i): n for i, n in knn.getCount().items()} == by_k[3]["counts"]


def test_ml5s_saved_file_loads_here_and_every_k_gives_ml5s_results(runs):
    examples, queries, by_k, _ = runs
    knn = KNNClassifier()
    knn.load(json.loads(by_k[3]["saved"]))
    assert knn.getCountByLabel() == ours(examples).getCountByLabel()
    for k in K_VALUES:
        for query, theirs in zip(queries, by_k[k]["results"], strict=True):
            assert_same(knn.classify(query, k), theirs)


def test_ml5_loads_the_file_saved_here(runs):
    _, queries, _, (mine, our_text, theirs) = runs
    for query, result in zip(queries, theirs["results"], strict=True):
        assert_same(mine.classify(query, 5), result)
    resaved = json.loads(theirs["saved"])  # and ml5 saves it again with the same labels and shapes
    assert [(e["label"], e["shape"]) for e in resaved["dataset"].values()] == [
        (e["label"], e["shape"]) for e in json.loads(our_text)["dataset"].values()
    ]
