"""ml5.neuralNetwork's network in the page (pyposenet.classify.nn_backend.NetworkBackend): TF.js's layers API
trains it (web/nn-train.js, loaded the first time a sketch trains), pure Python runs it.

train() hands the weights and the data to model.fit on the page's thread and takes the trained weights back;
TF.js keeps no tensor once it returns. classify/predict then run in pure Python on those weights
(nn_pure.PurePythonNetwork): synchronous, as the API returns results at once, and faster per call than a TF.js
predict() with its read-back (docs/classify.md).
"""

from __future__ import annotations

from array import array
from typing import Any

import js
from pyodide.ffi import create_proxy, to_js

from ..classify.nn_backend import EpochCallback, rows_to_train
from ..classify.nn_model_format import DenseWeights
from ..classify.nn_options import TrainSettings
from ..classify.nn_pure import PurePythonNetwork
from .nn_loss_panel import LossPanel
from .nn_script import nn_train_script


class TfjsTrainedNetwork(PurePythonNetwork):
    """Trained by TF.js, run in pure Python. `debug`: the loss curve is drawn on the page while it trains."""

    def __init__(self, debug: bool = False, seed: int | None = None) -> None:
        super().__init__(seed)
        self._panel = LossPanel() if debug else None

    def train(self, xs: list[list[float]], ys: list[list[float]], settings: TrainSettings, on_epoch_end: EpochCallback):
        rows_to_train(len(xs), settings.validation_split)  # TF.js's own error would not say what to change
        return self._train(xs, ys, settings, on_epoch_end)

    async def _train(
        self, xs: list[list[float]], ys: list[list[float]], settings: TrainSettings, on_epoch_end: EpochCallback
    ) -> None:
        trainer = await nn_train_script()
        still_running = _sketch_still_running()

        def epoch_end(epoch: int, logs: Any) -> bool:
            if not still_running():
                return False  # the sketch stopped or was replaced: model.fit stops after this epoch
            on_epoch_end(int(epoch), logs.to_py())
            return True

        spec = {
            "layers": [{"units": layer.units, "activation": layer.activation} for layer in self._layers],
            "inputUnits": len(xs[0]),
            "weights": [_float32_array(values) for layer in self._layers for values in (layer.kernel, layer.bias)],
            "xs": _float32_array(array("f", (v for row in xs for v in row))),
            "ys": _float32_array(array("f", (v for row in ys for v in row))),
            "rows": len(xs),
            "epochs": settings.epochs,
            "batchSize": settings.batch_size,
            "validationSplit": settings.validation_split,
            "shuffle": settings.shuffle,
            "learningRate": settings.learning_rate,
            "loss": settings.loss,
            "optimizer": settings.optimizer,
        }
        callback = create_proxy(epoch_end)
        try:
            panel = self._panel.canvas() if self._panel is not None else None
            trained = await trainer.train(to_js(spec, dict_converter=js.Object.fromEntries), callback, panel)
        finally:
            callback.destroy()
        values = [_from_float32_array(weight) for weight in trained]
        self._layers = [
            DenseWeights(layer.input_units, layer.units, layer.activation, values[2 * i], values[2 * i + 1])
            for i, layer in enumerate(self._layers)
        ]

    def dispose(self) -> None:
        super().dispose()
        if self._panel is not None:
            self._panel.remove()


def _float32_array(values: array) -> Any:
    typed = js.Float32Array.new(len(values))
    typed.assign(values)
    return typed


def _from_float32_array(typed: Any) -> array:
    values = array("f")
    values.frombytes(typed.to_bytes())
    return values


def _sketch_still_running():
    """A check: is the sketch that started training still the page's, and running?"""
    from .sketch import current_bridge

    bridge = current_bridge()
    if bridge is None:
        return lambda: True
    return lambda: current_bridge() is bridge and not bridge.runner.stopped
