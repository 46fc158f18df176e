"""BLAS threads during inference: the one way pyposenet limits them (`pyposenet detect`, POST /api/pose).

PoseNet's matrix products are small: one BLAS thread is fastest, and several threads slow down badly on
a busy machine (figures: docs/http-api.md#blas-threads, docs/benchmarks.md). So inference runs
inside `BlasThreads(1)`, which sets the limit with threadpoolctl (part of the host extra) and restores
BLAS's own setting afterwards; without threadpoolctl nothing is changed.
"""

from __future__ import annotations

import os
import threading
from typing import Any

#: BLAS threads during inference unless told otherwise.
DEFAULT_BLAS_THREADS = 1
#: Set by the person, this chooses the thread count itself: `threads_from_environment` then changes nothing.
ENVIRONMENT_VARIABLE = "OPENBLAS_NUM_THREADS"


def threads_from_environment(default: int | None = DEFAULT_BLAS_THREADS) -> int | None:
    """`default`, or None (leave BLAS as it is) when $OPENBLAS_NUM_THREADS is set: the person chose."""
    return None if os.environ.get(ENVIRONMENT_VARIABLE) else default


class BlasThreads:
    """Limit BLAS threads to `threads` while inside (a context manager, re-entrant and thread-safe).

    The limit is process-wide (OpenBLAS has one thread count), so it is counted: the first one in sets
    it, the last one out restores BLAS's own setting. With threads=None nothing is changed."""

    def __init__(self, threads: int | None = DEFAULT_BLAS_THREADS):
        self.threads = threads
        self._lock = threading.Lock()
        self._inside = 0
        self._limit: Any = None  # a threadpoolctl limit while inside (threadpoolctl ships no types)
        self._controller: Any = None

    def __enter__(self) -> BlasThreads:
        if self.threads is None:
            return self
        with self._lock:
            if self._inside == 0:
                self._limit = self._limits()
            self._inside += 1
        return self

    def __exit__(self, *exc) -> None:
        if self.threads is None:
            return
        with self._lock:
            self._inside -= 1
            if self._inside == 0 and self._limit is not None:
                self._limit.restore_original_limits()
                self._limit = None

    def _limits(self):
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # part of the host extra; without it BLAS keeps its default
            return None
        if self._controller is None:
            self._controller = ThreadpoolController()  # scans the loaded libraries once (numpy's BLAS)
        return self._controller.limit(limits=self.threads, user_api="blas")
