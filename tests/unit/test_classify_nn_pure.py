"""The page's pure-Python network builds fresh weights as TF.js's dense layers start (noTraining in the page)."""

from __future__ import annotations

import math
import statistics

from pyposenet.classify import neuralNetwork
from pyposenet.classify.nn_options import LayerSpec
from pyposenet.classify.nn_pure import PurePythonNetwork


def test_fresh_weights_are_glorot_normal_truncated_with_zero_biases():
    network = PurePythonNetwork(seed=3)
    network.build([LayerSpec(16, "relu"), LayerSpec(2, "softmax")], 34)
    hidden, last = network.weights()
    assert (hidden.input_units, hidden.units, last.input_units, last.units) == (34, 16, 16, 2)
    assert (len(hidden.kernel), len(last.kernel)) == (34 * 16, 16 * 2)
    assert list(hidden.bias) == [0.0] * 16 and list(last.bias) == [0.0] * 2
    stddev = math.sqrt(2 / (34 + 16))
    assert max(abs(v) for v in hidden.kernel) <= 2 * stddev + 1e-6  # truncated at two standard deviations
    assert 0.7 * stddev < statistics.pstdev(hidden.kernel) < 1.0 * stddev  # a truncated normal's spread: 0.88 σ


def test_no_training_in_the_page_classifies_with_fresh_weights():
    nn = neuralNetwork(
        {"inputs": 4, "outputs": ["A", "B"], "task": "classification", "noTraining": True},
        backend=PurePythonNetwork(seed=1),
    )
    results = nn.classify([0.1, 0.2, 0.3, 0.4])
    assert sorted(r.label for r in results) == ["A", "B"]
    assert math.isclose(sum(r.confidence for r in results), 1.0, rel_tol=1e-6)
