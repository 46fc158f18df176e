"""The seam between ml5.neuralNetwork's API (neural_network.py) and whatever runs the network.

  _host/nn_numpy.NumpyNetwork    CPython: numpy, trained and run here
  nn_pure.PurePythonNetwork      the page: a loaded model, run in pure Python (training there: TF.js's layers
                                 API, not yet; docs/classify.md says how it plugs in)

A backend holds one Sequential network of dense layers. train() returns an awaitable: numpy finishes before it
returns, TF.js in the page yields between batches so draw() keeps running.
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


def default_backend() -> NetworkBackend:
    """numpy under CPython; pure Python in the page (loaded models only, for now)."""
    from .._compat import IN_BROWSER

    if IN_BROWSER:
        from .nn_pure import PurePythonNetwork

        return PurePythonNetwork()
    from .._host.nn_numpy import NumpyNetwork

    return NumpyNetwork()
