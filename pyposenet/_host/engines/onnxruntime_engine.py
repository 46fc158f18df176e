"""onnxruntime as an Engine: the graph rewritten as ONNX (onnx_graph.py), run on onnxruntime's CPU kernels.

Importing this module imports onnxruntime (ImportError when it is not installed: choice.py then keeps numpy).

Threads follow the one control pyposenet has for inference threads, the BLAS limit (pyposenet/_host/blas.py):
a run uses as many intra-op threads as numpy's BLAS may use at that moment, so `BlasThreads(1)` (`pyposenet
detect`, POST /api/pose) holds onnxruntime to one thread too, and `OPENBLAS_NUM_THREADS` or threadpoolctl limits
set by the caller apply the same way. onnxruntime fixes its thread count when a session is made, so there is one
session per thread count, made on first use (about 20 ms) and kept with the model.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnxruntime

from ..graph import GraphModel
from .onnx_graph import INPUT_NAME, to_onnx

#: onnxruntime's own choice of threads (one per physical core), used when the BLAS limit cannot be read.
DEFAULT_THREADS = 0


class _BlasLimit:
    """How many threads numpy's BLAS may use now (threadpoolctl, read on each call: about 2 µs)."""

    def __init__(self) -> None:
        self._libraries: list[Any] | None = None
        self._lock = threading.Lock()

    def __call__(self) -> int:
        libraries = self._libraries
        if libraries is None:
            with self._lock:
                if self._libraries is None:
                    self._libraries = self._find()
                libraries = self._libraries
        counts = [library.num_threads for library in libraries]
        return min(counts) if counts else DEFAULT_THREADS

    @staticmethod
    def _find() -> list[Any]:
        """numpy's BLAS libraries, as threadpoolctl controls them (scanned once; numpy is loaded by now)."""
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # part of the host extra; without it onnxruntime picks
            return []
        return list(ThreadpoolController().select(user_api="blas").lib_controllers)


blas_limit = _BlasLimit()


class OnnxRuntimeEngine:  # implements engines.base.Engine
    name = "onnxruntime"

    def __init__(self, model: bytes, threads=blas_limit):
        """`model`: a serialized ONNX model (onnx_graph.to_onnx); `threads()`: intra-op threads for a run."""
        self.model = model
        self.threads = threads
        self._sessions: dict[int, onnxruntime.InferenceSession] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_graph(cls, graph: GraphModel, outputs: Sequence[str], height: int, width: int) -> OnnxRuntimeEngine:
        """The engine for `graph` at this input size; UnsupportedOpError when an op has no ONNX form here."""
        engine = cls(to_onnx(graph, outputs, height, width))
        engine.session(engine.threads())  # onnxruntime checks the model now, not on the first frame
        return engine

    def session(self, threads: int) -> onnxruntime.InferenceSession:
        """The session running with `threads` intra-op threads (0: onnxruntime's default), made once."""
        session = self._sessions.get(threads)
        if session is None:
            with self._lock:
                session = self._sessions.get(threads)
                if session is None:
                    options = onnxruntime.SessionOptions()
                    options.intra_op_num_threads = threads
                    options.inter_op_num_threads = 1
                    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
                    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
                    options.log_severity_level = 3  # errors only: no notes about unused initializers
                    # Idle pool threads sleep instead of spinning: on a busy machine spinning threads take the cores
                    # the other callers need (figures: docs/host-cli-convert.md#engines-onnxruntime-or-numpy).
                    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                    session = onnxruntime.InferenceSession(self.model, options, providers=["CPUExecutionProvider"])
                    self._sessions[threads] = session
        return session

    @property
    def thread_counts(self) -> list[int]:
        """The thread counts a session has been made for so far (0: onnxruntime's default)."""
        return sorted(self._sessions)

    def run(self, batch: np.ndarray) -> list[np.ndarray]:
        feed = np.ascontiguousarray(batch, dtype=np.float32)
        return self.session(self.threads()).run(None, {INPUT_NAME: feed})
