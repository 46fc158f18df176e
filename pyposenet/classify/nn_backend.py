"""The seam between ml5.neuralNetwork's API (neural_network.py) and whatever runs the network.

  _host/nn_numpy.NumpyNetwork        CPython: numpy, trained and run here
  _browser/nn_tfjs.TfjsTrainedNetwork  the page: TF.js's layers API trains it (web/nn-train.js), pure Python runs it
  nn_pure.PurePythonNetwork          pure Python: fresh or loaded weights run, no training

A backend holds one Sequential network of dense layers. train() returns an awaitable: numpy finishes before it
returns, TF.js in the page yields to the browser while it trains so draw() keeps running.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from .nn_model_format import DenseWeights
from .nn_options import LayerSpec, TrainSettings

EpochCallback = Callable[[int, dict[str, float]], Any]


class NetworkBackend(Protocol):
    def build(self, layers: Sequence[LayerSpec], input_units: int) -> None:
        """A new network: dense layers with fresh weights (glorot-normal kernels, zero biases)."""
        ...

    def train(
        self, xs: list[list[float]], ys: list[list[float]], settings: TrainSettings, on_epoch_end: EpochCallback
    ) -> Awaitable[None]:
        """Fit the network as TF.js's model.fit does; on_epoch_end(epoch, logs) after each epoch."""
        ...

    def predict(self, rows: list[list[float]]) -> list[list[float]]:
        """The network's outputs for each row."""
        ...

    def weights(self) -> list[DenseWeights]:
        """The layers and their weights, to save."""
        ...

    def set_weights(self, layers: list[DenseWeights]) -> None:
        """Replace the network with these layers (a loaded model)."""
        ...

    def dispose(self) -> None:
        """Free what the network holds."""
        ...


def rows_to_train(rows: int, validation_split: float) -> int:
    """How many of `rows` model.fit trains on: it holds back the last `validation_split` of them (TF.js's rule)."""
    kept = int(rows * (1 - validation_split)) if validation_split > 0 else rows
    if kept < 1:
        raise ValueError(
            f"{rows} rows leave none to train on after validationSplit {validation_split}: "
            "add more data or lower validationSplit"
        )
    return kept


def default_backend(debug: bool = False) -> NetworkBackend:
    """numpy under CPython; TF.js and pure Python in the page, which draws the loss curve when `debug`."""
    from .._compat import IN_BROWSER

    if IN_BROWSER:
        from .._browser.nn_tfjs import TfjsTrainedNetwork

        return TfjsTrainedNetwork(debug=debug)
    from .._host.nn_numpy import NumpyNetwork

    return NumpyNetwork()
