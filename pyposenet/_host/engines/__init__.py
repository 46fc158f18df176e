"""How the host runtime runs the network: an `Engine` (base.py) made by `make_engine` (choice.py).

numpy_engine.py: the numpy executor (graph.py), always available. onnxruntime_engine.py: onnxruntime on the graph
rewritten as ONNX (onnx_graph.py, encoded by onnx_proto.py), about twice as fast (docs/benchmarks.md).
"""

from .base import Engine
from .choice import ENGINES, ENVIRONMENT_VARIABLE, EngineUnavailableError, engine_choice, make_engine
from .numpy_engine import NumpyEngine

__all__ = [
    "ENGINES",
    "ENVIRONMENT_VARIABLE",
    "Engine",
    "EngineUnavailableError",
    "NumpyEngine",
    "engine_choice",
    "make_engine",
]
