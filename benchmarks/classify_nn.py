"""ml5.neuralNetwork on the tutorial's data size (2 labels x 150 samples of 34 pose numbers): training 50 epochs
(numpy), classify per call (numpy; pure Python, the page's network) and the size of the saved files, under CPython.
benchmarks/classify_nn.mjs imports this file to run the pure-Python classify in Pyodide beside ml5's own TF.js
training and predict. Prints figures; not a test.

    .venv/bin/python benchmarks/classify_nn.py [--runs 15] [--block 50]
    node benchmarks/classify_nn.mjs [--runs 15] [--block 50]

The data: two poses (34 numbers around two lines of keypoints, noise of 25 px), in collection order (all of one
label, then the other), normalized, as the tutorial trains them: train({epochs: 50}) with ml5's defaults
(batchSize 32, validationSplit 0.1, SGD at 0.2). Per figure the median over --runs (training) or --runs blocks of
--block calls (classify); the load average is printed too (compare rows of one run).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pyposenet.classify import neuralNetwork  # noqa: E402 - after sys.path gets the checkout
from pyposenet.classify.files import HostFiles  # noqa: E402 - (as above)

PER_LABEL = 150
FEATURES = 34
EPOCHS = 50


def tutorial_rows(seed: int = 1) -> list[tuple[list[float], str]]:
    rng = random.Random(seed)
    return [
        ([250 + slope * i + rng.gauss(0, 25) for i in range(FEATURES)], label)
        for label, slope in (("A", 4.0), ("B", -4.0))
        for _ in range(PER_LABEL)
    ]


class MemoryFiles(HostFiles):
    """Files held in a dict (the same load code runs in Pyodide, where there is no checkout on disk)."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files

    def _read(self, source: str) -> bytes:
        return self.files[source]


def classifier(files: dict[str, bytes], backend):
    """A network loaded from model.json, model.weights.bin, model_meta.json in `files`."""
    nn = neuralNetwork({"task": "classification"}, backend=backend, files=MemoryFiles(files))
    nn.load("model.json")
    return nn


def pure_python_files(seed: int = 2) -> dict[str, bytes]:
    """A model of the tutorial's shape with random weights and the data's metadata, made without numpy (Pyodide)."""
    from array import array

    from pyposenet.classify.nn_data import NeuralNetworkData
    from pyposenet.classify.nn_model_format import DenseWeights, model_files

    rng = random.Random(seed)
    data = NeuralNetworkData(FEATURES, 2)
    for xs, label in tutorial_rows():
        data.add_data(xs, [label])
    data.normalize()
    layers = [
        DenseWeights(
            n_in, n_out, act, array("f", [rng.gauss(0, 0.3) for _ in range(n_in * n_out)]), array("f", [0.0] * n_out)
        )
        for n_in, n_out, act in ((FEATURES, 16, "relu"), (16, 2, "softmax"))
    ]
    model_json, weights = model_files(layers, "model")
    return {
        "model.json": model_json.encode(),
        "model.weights.bin": weights,
        "model_meta.json": data.meta_json().encode(),
    }


def training_rows() -> list[list[list[float]]]:
    """[xs rows, ys rows] normalized and one-hot, as ml5 gives them to TF.js's fit."""
    from pyposenet.classify.nn_data import NeuralNetworkData

    data = NeuralNetworkData(FEATURES, 2)
    for xs, label in tutorial_rows():
        data.add_data(xs, [label])
    data.normalize()
    rows = data.training_rows()
    return [[r[0] for r in rows], [r[1] for r in rows]]


def timed_block(nn, queries, block: int) -> float:
    start = time.perf_counter()
    for index in range(block):
        nn.classify(queries[index % len(queries)])
    return (time.perf_counter() - start) / block * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--block", type=int, default=50)
    args = parser.parse_args()
    from pyposenet._host.nn_numpy import NumpyNetwork
    from pyposenet.classify.nn_pure import PurePythonNetwork

    rows = tutorial_rows()
    train_ms = []
    for run in range(max(3, args.runs // 3)):
        nn = neuralNetwork({"inputs": FEATURES, "outputs": 2, "task": "classification"}, backend=NumpyNetwork(run))
        for xs, label in rows:
            nn.addData(xs, [label])
        nn.normalizeData()
        start = time.perf_counter()
        nn.train({"epochs": EPOCHS})
        train_ms.append((time.perf_counter() - start) * 1000)
    with tempfile.TemporaryDirectory() as folder:
        nn.save(str(Path(folder) / "model"))
        files = {path.name: path.read_bytes() for path in Path(folder).iterdir()}
    queries = [xs for xs, _ in rows[::15]]
    right = sum(nn.classify(xs)[0].label == label for xs, label in rows[::15])
    timings = {}
    for name, backend in (("numpy", NumpyNetwork()), ("pure Python", PurePythonNetwork())):
        loaded = classifier(files, backend)
        timings[name] = statistics.median(timed_block(loaded, queries, args.block) for _ in range(args.runs))
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(
        f"neuralNetwork, CPython {sys.version.split()[0]}, {2 * PER_LABEL} samples of {FEATURES}; load average {load}"
    )
    print(f"train 50 epochs (numpy): {statistics.median(train_ms):.0f} ms (median of {len(train_ms)})")
    print(f"labels right on {len(queries)} of the training rows after training: {right}")
    for name, ms in timings.items():
        print(f"classify per call, {name}: {ms:.3f} ms")
    print("files: " + ", ".join(f"{name} {len(data):,} B" for name, data in sorted(files.items())))


if __name__ == "__main__":
    main()
