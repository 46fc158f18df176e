"""Tasks handed to Dask a few at a time, so a run over a whole archive keeps little in memory anywhere.

At most `per_thread` tasks per worker thread are in flight (the cluster's threads are asked again every
`refresh_s`, so workers that join are used); the rest wait here as plain chunk descriptions. Videos are
scanned (their frames numbered) only while few chunks wait, and a scan jumps the queue of chunks on the
workers, so planning keeps just ahead of the work. Each finished task is handed back with its future; the
caller takes the result, and the future is released.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from .chunks import Chunk, digest
from .inputs import SourceFile
from .worker import WorkerSettings, process_chunk, scan

__all__ = ["TaskFeed", "SCAN_PREFIX", "CHUNK_PREFIX"]

SCAN_PREFIX = "pyposenet-scan-"
CHUNK_PREFIX = "pyposenet-chunk-"


class TaskFeed:
    def __init__(self, client, settings: WorkerSettings, per_thread: int = 2, refresh_s: float = 2.0):
        from distributed import as_completed

        self.client = client
        self.settings = settings
        self.per_thread = per_thread
        self.refresh_s = refresh_s
        self.done = as_completed()
        self.waiting_scans: deque[SourceFile] = deque()
        self.waiting_chunks: deque[Chunk] = deque()
        self.in_flight: dict[str, tuple[str, Any]] = {}  # task key -> ("scan", SourceFile) or ("chunk", Chunk)
        self._capacity = 0
        self._asked_at = -float("inf")

    def add_scans(self, sources: list[SourceFile]) -> None:
        self.waiting_scans.extend(sources)

    def add_chunk(self, chunk: Chunk) -> None:
        self.waiting_chunks.append(chunk)

    def capacity(self) -> int:
        """Tasks to keep in flight: per_thread per worker thread (at least 2, even with no worker yet)."""
        if time.monotonic() - self._asked_at > self.refresh_s:
            threads = sum(self.client.nthreads().values())
            self._capacity = max(2, self.per_thread * threads)
            self._asked_at = time.monotonic()
        return self._capacity

    def fill(self) -> None:
        limit = self.capacity()
        chunks = sum(kind == "chunk" for kind, _ in self.in_flight.values())
        while self.waiting_chunks and chunks < limit:
            chunk = self.waiting_chunks.popleft()
            self._submit(f"{CHUNK_PREFIX}{chunk.name}", ("chunk", chunk), process_chunk, chunk, self.settings)
            chunks += 1
        scans = len(self.in_flight) - chunks
        while self.waiting_scans and scans < limit and len(self.waiting_chunks) < limit:
            source = self.waiting_scans.popleft()
            self._submit(f"{SCAN_PREFIX}{digest(source.identity)}", ("scan", source), scan, source.path, priority=1)
            scans += 1

    def _submit(self, key: str, what: tuple[str, Any], function, *args, priority: int = 0) -> None:
        self.in_flight[key] = what
        self.done.add(self.client.submit(function, *args, key=key, priority=priority))

    def finished(self) -> Iterator[tuple[str, Any, Any]]:
        """(kind, the scan's SourceFile or the Chunk, its future) as tasks finish, until nothing is left."""
        self.fill()
        for future in self.done:
            kind, item = self.in_flight.pop(future.key)
            yield kind, item, future
            future.release()
            self.fill()

    def cancel(self) -> None:
        """Forget what waits; the futures in flight are released with the client."""
        self.waiting_scans.clear()
        self.waiting_chunks.clear()
