"""The seam between HostRuntime and whatever runs the network: an `Engine`."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Engine(Protocol):
    """Runs one loaded PoseNet graph on a [1, height, width, 3] float32 NHWC batch.

    `run` returns the graph's four outputs in `pyposenet.graph_outputs.ROLES` order, each [1, h, w, channels]
    float32 (logits for the heatmap). It may be called from several threads at once."""

    name: str

    def run(self, batch: np.ndarray) -> list[np.ndarray]: ...
