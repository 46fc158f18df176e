"""Which engine runs the network: `HostRuntime(engine=...)`, `pyposenet detect --engine`, $PYPOSENET_ENGINE.

"auto" (the default) takes onnxruntime when it is installed (the `onnxruntime` extra) and can express the graph,
else the numpy executor; "numpy" always takes numpy; "onnxruntime" takes onnxruntime or fails saying why.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from ..graph import GraphModel, ModelFormatError, UnsupportedOpError
from .base import Engine
from .numpy_engine import NumpyEngine

log = logging.getLogger("pyposenet")

ENGINES = ("auto", "numpy", "onnxruntime")
ENVIRONMENT_VARIABLE = "PYPOSENET_ENGINE"


class EngineUnavailableError(RuntimeError):
    """The engine asked for cannot run here (not installed, or it cannot run this graph)."""


def engine_choice(name: str | None) -> str:
    """`name` checked, or (None) $PYPOSENET_ENGINE, else "auto"; ValueError naming what is allowed."""
    where = "engine"
    if name is None:
        name, where = os.environ.get(ENVIRONMENT_VARIABLE) or "auto", f"${ENVIRONMENT_VARIABLE}"
    if name not in ENGINES:
        raise ValueError(f"{where} {name!r} is not one of {', '.join(repr(e) for e in ENGINES)}")
    return name


def make_engine(choice: str, graph: GraphModel, outputs: Sequence[str], height: int, width: int) -> Engine:
    """The engine `choice` ("auto", "numpy" or "onnxruntime") names, for `graph` at this input size."""
    choice = engine_choice(choice)
    if choice == "numpy":
        return NumpyEngine(graph, outputs)
    try:
        from .onnxruntime_engine import OnnxRuntimeEngine
    except ImportError as error:
        if choice == "onnxruntime":
            raise EngineUnavailableError(
                f"engine 'onnxruntime' asked for, but onnxruntime cannot be imported ({error}); "
                "install it with pip install 'pyposenet[host,onnxruntime]', or use engine 'numpy' or 'auto'"
            ) from error
        return NumpyEngine(graph, outputs)
    try:
        return OnnxRuntimeEngine.from_graph(graph, outputs, height, width)
    except UnsupportedOpError as error:
        if choice == "onnxruntime":
            raise EngineUnavailableError(f"engine 'onnxruntime' cannot run this model: {error}") from error
        log.info("poseNet: the numpy executor runs %s (%s)", graph.source, error)
        return NumpyEngine(graph, outputs)
    except Exception as error:  # noqa: BLE001 - a graph the ONNX translation cannot read: a damaged model.json
        if choice == "onnxruntime":
            raise ModelFormatError(
                f"{graph.source}: onnxruntime cannot run this graph ({type(error).__name__}: {error}); the file is "
                "damaged or not a PoseNet model"
            ) from error
        log.warning("poseNet: the numpy executor runs %s (ONNX: %s: %s)", graph.source, type(error).__name__, error)
        return NumpyEngine(graph, outputs)  # which names what is wrong with the graph, if anything is
