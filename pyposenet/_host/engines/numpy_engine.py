"""The numpy executor (pyposenet/_host/graph.py) as an Engine: no dependency beyond numpy, every supported op."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..graph import GraphModel


class NumpyEngine:  # implements engines.base.Engine
    name = "numpy"

    def __init__(self, graph: GraphModel, outputs: Sequence[str]):
        self.graph = graph
        self.outputs = list(outputs)

    def run(self, batch: np.ndarray) -> list[np.ndarray]:
        return self.graph.execute(batch, self.outputs)
