"""ml5.neuralNetwork's network in numpy (CPython only: the page never imports this): the dense layers ml5 builds,
trained as TF.js's model.fit trains them, in float32.

What it copies from TF.js 4.22 (tfjs-layers training.ts, losses.ts, initializers.ts; tfjs-core's optimizers):
  - kernels glorot-normal (truncated normal, stddev sqrt(2 / (fanIn + fanOut))), biases zeros;
  - validationSplit takes the last fraction of the rows before any shuffling; the rest is shuffled each epoch
    and cut into batches of batchSize (the last one smaller);
  - categoricalCrossentropy divides the outputs by their sum and clips them to [1e-7, 1 - 1e-7] (no gradient where
    clipped); meanSquaredError averages over the outputs; a batch's loss is its rows' mean;
  - SGD: w -= lr * g; Adam: beta1 0.9, beta2 0.999, epsilon 1e-7, TF.js's bias correction;
  - logs per epoch: loss and acc (the mean over the epoch's rows, each batch's taken before its update), val_loss
    and val_acc on the held-out rows after the epoch; acc is categorical accuracy, or binary accuracy when
    there is one output, as TF.js picks for the metric "accuracy".
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

import numpy as np

from ..classify.files import Done
from ..classify.nn_backend import EpochCallback
from ..classify.nn_model_format import DenseWeights
from ..classify.nn_options import LayerSpec, TrainSettings

EPSILON = 1e-7  # TF.js's backend epsilon (cpu, wasm, WebGL with float32)
ADAM_BETA1, ADAM_BETA2 = 0.9, 0.999
F32 = np.float32


class NumpyNetwork:
    """A Sequential network of dense layers, in numpy (pyposenet.classify.nn_backend.NetworkBackend)."""

    def __init__(self, seed: int | None = None):
        self._rng = np.random.default_rng(seed)
        self._kernels: list[np.ndarray] = []
        self._biases: list[np.ndarray] = []
        self._activations: list[str] = []

    def build(self, layers: Sequence[LayerSpec], input_units: int) -> None:
        self._kernels, self._biases, self._activations = [], [], []
        fan_in = input_units
        for layer in layers:
            self._kernels.append(self._glorot_normal(fan_in, layer.units))
            self._biases.append(np.zeros(layer.units, dtype=F32))
            self._activations.append(layer.activation)
            fan_in = layer.units

    def _glorot_normal(self, fan_in: int, fan_out: int) -> np.ndarray:
        stddev = np.sqrt(1.0 / max(1.0, (fan_in + fan_out) / 2))
        values = self._rng.standard_normal((fan_in, fan_out))
        outside = np.abs(values) > 2
        while outside.any():  # truncated: redrawn beyond two standard deviations
            values[outside] = self._rng.standard_normal(int(outside.sum()))
            outside = np.abs(values) > 2
        return (values * stddev).astype(F32)

    # -- running ------------------------------------------------------------------------------------

    def predict(self, rows: list[list[float]]) -> list[list[float]]:
        if not self._kernels:
            raise RuntimeError("the network has no layers: train() or load() it first")
        outputs = self._forward(np.asarray(rows, dtype=F32))[-1]
        return [[float(v) for v in row] for row in outputs]

    def _forward(self, x: np.ndarray) -> list[np.ndarray]:
        """The input and every layer's output (after its activation)."""
        outs = [x]
        for kernel, bias, activation in zip(self._kernels, self._biases, self._activations, strict=True):
            outs.append(_activate(outs[-1] @ kernel + bias, activation))
        return outs

    # -- training -----------------------------------------------------------------------------------

    def train(
        self, xs: list[list[float]], ys: list[list[float]], settings: TrainSettings, on_epoch_end: EpochCallback
    ) -> Done[None]:
        x, y = np.asarray(xs, dtype=F32), np.asarray(ys, dtype=F32)
        split = int(np.floor(len(x) * (1 - settings.validation_split))) if settings.validation_split > 0 else len(x)
        if split < 1:
            raise ValueError(
                f"{len(x)} rows leave none to train on after validationSplit {settings.validation_split}: "
                "add more data or lower validationSplit"
            )
        train_x, train_y, val_x, val_y = x[:split], y[:split], x[split:], y[split:]
        optimizer = _Optimizer(settings, [*self._kernels, *self._biases])
        for epoch in range(settings.epochs):
            order = self._rng.permutation(split) if settings.shuffle else np.arange(split)
            loss_sum = acc_sum = 0.0
            for start in range(0, split, settings.batch_size):
                batch = order[start : start + settings.batch_size]
                loss, acc, grads = self._gradients(train_x[batch], train_y[batch], settings.loss)
                loss_sum += loss * len(batch)
                acc_sum += acc * len(batch)
                optimizer.step([*self._kernels, *self._biases], grads)
            logs = {}
            if len(val_x):
                val_out = self._forward(val_x)[-1]
                logs["val_loss"] = float(_loss(val_out, val_y, settings.loss).mean())
                logs["val_acc"] = _accuracy(val_out, val_y)
            logs["loss"], logs["acc"] = loss_sum / split, acc_sum / split
            on_epoch_end(epoch, logs)
        return Done(None)

    def _gradients(self, x: np.ndarray, y: np.ndarray, loss_name: str) -> tuple[float, float, list[np.ndarray]]:
        outs = self._forward(x)
        out = outs[-1]
        losses = _loss(out, y, loss_name)
        delta = _output_delta(out, y, loss_name, self._activations[-1]) / len(x)
        kernel_grads: list[np.ndarray] = []
        bias_grads: list[np.ndarray] = []
        for index in range(len(self._kernels) - 1, -1, -1):
            kernel_grads.insert(0, outs[index].T @ delta)
            bias_grads.insert(0, delta.sum(axis=0))
            if index:
                delta = (delta @ self._kernels[index].T) * _derivative(outs[index], self._activations[index - 1])
        return float(losses.mean()), _accuracy(out, y), [*kernel_grads, *bias_grads]

    # -- weights ------------------------------------------------------------------------------------

    def weights(self) -> list[DenseWeights]:
        return [
            DenseWeights(
                k.shape[0], k.shape[1], a, array("f", k.astype(F32).ravel().tobytes()), array("f", b.tobytes())
            )
            for k, b, a in zip(self._kernels, self._biases, self._activations, strict=True)
        ]

    def set_weights(self, layers: list[DenseWeights]) -> None:
        self._kernels = [
            np.frombuffer(layer.kernel, dtype=F32).reshape(layer.input_units, layer.units).copy() for layer in layers
        ]
        self._biases = [np.frombuffer(layer.bias, dtype=F32).copy() for layer in layers]
        self._activations = [layer.activation for layer in layers]

    def dispose(self) -> None:
        self._kernels, self._biases, self._activations = [], [], []


class _Optimizer:
    """tf.train.sgd / tf.train.adam, as TF.js updates variables."""

    def __init__(self, settings: TrainSettings, variables: list[np.ndarray]):
        self.rate = F32(settings.learning_rate)
        self.adam = settings.optimizer == "adam"
        self.moments = [(np.zeros_like(v), np.zeros_like(v)) for v in variables] if self.adam else []
        self.acc_beta1, self.acc_beta2 = F32(ADAM_BETA1), F32(ADAM_BETA2)

    def step(self, variables: list[np.ndarray], grads: list[np.ndarray]) -> None:
        if not self.adam:
            for variable, grad in zip(variables, grads, strict=True):
                variable -= self.rate * grad.astype(F32)
            return
        for (first, second), variable, grad in zip(self.moments, variables, grads, strict=True):
            first *= F32(ADAM_BETA1)
            first += F32(1 - ADAM_BETA1) * grad
            second *= F32(ADAM_BETA2)
            second += F32(1 - ADAM_BETA2) * grad * grad
            corrected_first = first / (F32(1) - self.acc_beta1)
            corrected_second = second / (F32(1) - self.acc_beta2)
            variable -= self.rate * corrected_first / (np.sqrt(corrected_second) + F32(EPSILON))
        self.acc_beta1 *= F32(ADAM_BETA1)
        self.acc_beta2 *= F32(ADAM_BETA2)


def _activate(z: np.ndarray, activation: str) -> np.ndarray:
    if activation == "relu":
        return np.maximum(z, 0)
    if activation == "sigmoid":
        return (1 / (1 + np.exp(-z))).astype(F32)
    if activation == "tanh":
        return np.tanh(z)
    if activation == "softmax":
        shifted = np.exp(z - z.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)
    return z


def _derivative(out: np.ndarray, activation: str) -> np.ndarray:
    """d activation / d z, from the activation's output (softmax is handled with the loss)."""
    if activation == "relu":
        return (out > 0).astype(F32)
    if activation == "sigmoid":
        return out * (1 - out)
    if activation == "tanh":
        return 1 - out * out
    if activation == "softmax":
        raise ValueError("softmax is supported as the last layer only")
    return np.ones_like(out)


def _loss(out: np.ndarray, y: np.ndarray, loss_name: str) -> np.ndarray:
    """Per row."""
    if loss_name == "categoricalCrossentropy":
        p = np.clip(out / out.sum(axis=-1, keepdims=True), EPSILON, 1 - EPSILON)
        return -(y * np.log(p)).sum(axis=-1)
    return ((out - y) ** 2).mean(axis=-1)


def _output_delta(out: np.ndarray, y: np.ndarray, loss_name: str, activation: str) -> np.ndarray:
    """d loss / d z of the last layer, per row (not yet divided by the batch's size)."""
    if loss_name == "categoricalCrossentropy":
        total = out.sum(axis=-1, keepdims=True)
        p = out / total
        inside = (p > EPSILON) & (p < 1 - EPSILON)
        g = np.where(inside, -y / np.where(inside, p, 1), 0)  # d loss / d p (p clipped)
        grad_out = (g - (g * p).sum(axis=-1, keepdims=True)) / total  # through the division by the sum
    else:
        grad_out = 2 * (out - y) / out.shape[-1]
    if activation == "softmax":
        return out * (grad_out - (grad_out * out).sum(axis=-1, keepdims=True))
    return grad_out * _derivative(out, activation)


def _accuracy(out: np.ndarray, y: np.ndarray) -> float:
    if out.shape[-1] == 1:
        return float(((out > 0.5) == (y > 0.5)).mean())
    return float((out.argmax(axis=-1) == y.argmax(axis=-1)).mean())
