"""ml5.neuralNetwork's network run in pure Python, for the page (Pyodide has no numpy here): fresh weights, a
loaded model or the weights TF.js trained (pyposenet/_browser/nn_tfjs.py) classify here. Training itself is
numpy's (CPython) or TF.js's (the page). The network is small (34 × 16 + 16 × 2 multiply-adds for the tutorial's
poses), so a forward pass in Python costs little: less than a TF.js predict() per call (docs/classify.md)."""

from __future__ import annotations

import math
import random
from array import array
from collections.abc import Sequence

from .nn_backend import EpochCallback
from .nn_model_format import DenseWeights
from .nn_options import LayerSpec, TrainSettings


class PurePythonNetwork:
    """pyposenet.classify.nn_backend.NetworkBackend that runs but does not train (a subclass trains)."""

    def __init__(self, seed: int | None = None) -> None:
        self._layers: list[DenseWeights] = []
        self._random = random.Random(seed)

    def build(self, layers: Sequence[LayerSpec], input_units: int) -> None:
        """Fresh weights as TF.js's dense layers start: glorot-normal kernels (truncated at 2 standard deviations,
        as numpy's backend draws them), zero biases."""
        built = []
        fan_in = input_units
        for layer in layers:
            stddev = math.sqrt(1.0 / max(1.0, (fan_in + layer.units) / 2))
            kernel = array("f", (self._truncated_normal() * stddev for _ in range(fan_in * layer.units)))
            built.append(DenseWeights(fan_in, layer.units, layer.activation, kernel, array("f", [0.0] * layer.units)))
            fan_in = layer.units
        self._layers = built

    def _truncated_normal(self) -> float:
        while True:
            value = self._random.gauss(0.0, 1.0)
            if abs(value) <= 2:
                return value

    def train(self, xs: list[list[float]], ys: list[list[float]], settings: TrainSettings, on_epoch_end: EpochCallback):
        raise NotImplementedError(
            "this network does not train: in the page, TF.js trains it (pyposenet._browser.nn_tfjs); under CPython, "
            "numpy (pyposenet._host.nn_numpy)"
        )

    def predict(self, rows: list[list[float]]) -> list[list[float]]:
        if not self._layers:
            raise RuntimeError("the network has no layers: load() a model first")
        return [self._forward(list(row)) for row in rows]

    def _forward(self, values: list[float]) -> list[float]:
        for layer in self._layers:
            units = layer.units
            kernel = layer.kernel
            sums = list(layer.bias)
            for i, value in enumerate(values):
                if value:
                    row = kernel[i * units : (i + 1) * units]
                    for j in range(units):
                        sums[j] += value * row[j]
            values = _activate(sums, layer.activation)
        return values

    def weights(self) -> list[DenseWeights]:
        return list(self._layers)

    def set_weights(self, layers: list[DenseWeights]) -> None:
        self._layers = list(layers)

    def dispose(self) -> None:
        self._layers = []


def _activate(sums: list[float], activation: str) -> list[float]:
    if activation == "relu":
        return [v if v > 0 else 0.0 for v in sums]
    if activation == "sigmoid":
        return [1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v)) for v in sums]
    if activation == "tanh":
        return [math.tanh(v) for v in sums]
    if activation == "softmax":
        top = max(sums)
        exps = [math.exp(v - top) for v in sums]
        total = math.fsum(exps)
        return [v / total for v in exps]
    return sums
