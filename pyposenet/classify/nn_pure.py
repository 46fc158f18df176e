"""ml5.neuralNetwork's network run in pure Python, for the page (Pyodide has no numpy here): a saved model loads and
classifies; training is numpy's (CPython) or ml5's own in JavaScript. The network is small (34 × 16 + 16 × 2
multiply-adds for the tutorial's poses), so a forward pass in Python costs little."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .nn_backend import EpochCallback
from .nn_model_format import DenseWeights
from .nn_options import LayerSpec, TrainSettings


class PurePythonNetwork:
    """pyposenet.classify.nn_backend.NetworkBackend for loaded models: predict only."""

    def __init__(self) -> None:
        self._layers: list[DenseWeights] = []

    def build(self, layers: Sequence[LayerSpec], input_units: int) -> None:
        raise NotImplementedError(
            "neuralNetwork's train() does not run in the page yet: train under CPython (pyposenet.neuralNetwork, "
            "then save()) or with ml5 in JavaScript, and load() the model.json here"
        )

    def train(self, xs: list[list[float]], ys: list[list[float]], settings: TrainSettings, on_epoch_end: EpochCallback):
        self.build([], 0)

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
