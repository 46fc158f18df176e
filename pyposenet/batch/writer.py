"""Chunk files: one Parquet file per chunk in OUT/poses/, written atomically, found again on a rerun.

A chunk is written to a hidden temporary file beside its place and renamed into it, so OUT/poses/ only ever
holds whole files (readers skip names starting with "." or "_", as pyarrow, pandas, DuckDB and Dask do).
Each file carries its chunk's summary in the Parquet key-value metadata (key "pyposenet"): a rerun reads the
footers only, skips chunks already there, and counts them in the manifest as if it had made them.

When a rerun plans other chunks for an input (another --every, --max-frames or chunk size, or the file
changed), the files made from that input that the new plan does not name are removed before the new ones are
written, so no frame is in the dataset twice.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any, Protocol

from .chunks import Chunk
from .worker import ChunkOutput

__all__ = ["ChunkSink", "ParquetChunkStore", "METADATA_KEY", "POSES_FOLDER"]

METADATA_KEY = b"pyposenet"
POSES_FOLDER = "poses"
SUFFIX = ".parquet"
TEMP_SUFFIX = ".tmp"


class ChunkSink(Protocol):
    """Where finished chunks go, and what is there already."""

    def finished(self, chunk: Chunk) -> dict[str, Any] | None:
        """The summary of `chunk` when a whole file of it is there, else None."""

    def drop_superseded(self, planned: list[Chunk]) -> list[str]:
        """Remove files made from the planned chunks' inputs that the plan does not name; their names."""

    def write(self, chunk: Chunk, output: ChunkOutput) -> Path:
        """Write the chunk's rows atomically; the file's path."""


class ParquetChunkStore:  # implements ChunkSink
    def __init__(self, out: Path, compression: str = "zstd"):
        self.folder = Path(out) / POSES_FOLDER
        self.compression = compression
        self._found: dict[str, dict[str, Any]] = {}  # name -> summary, of the whole files found or written
        self.damaged: list[str] = []  # files found unreadable (and removed) when the store opened

    def open(self) -> ParquetChunkStore:
        """Create the folder, clear temporary files an interrupted run left, read every chunk file's footer."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for path in self.folder.glob(f".*{SUFFIX}*{TEMP_SUFFIX}"):
            path.unlink(missing_ok=True)
        for path in sorted(self.folder.glob(f"*{SUFFIX}")):
            summary = _read_summary(path)
            if summary is None:
                self.damaged.append(path.name)
                path.unlink(missing_ok=True)
            else:
                self._found[path.name[: -len(SUFFIX)]] = summary
        return self

    def path(self, chunk: Chunk) -> Path:
        return self.folder / f"{chunk.name}{SUFFIX}"

    def finished(self, chunk: Chunk) -> dict[str, Any] | None:
        return self._found.get(chunk.name)

    def drop_superseded(self, planned: list[Chunk]) -> list[str]:
        names = {c.name for c in planned}
        files = {f for c in planned for f in c.files}
        dropped = []
        for name, summary in list(self._found.items()):
            if name not in names and files.intersection(summary.get("files", ())):
                (self.folder / f"{name}{SUFFIX}").unlink(missing_ok=True)
                del self._found[name]
                dropped.append(name)
        return dropped

    def write(self, chunk: Chunk, output: ChunkOutput) -> Path:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]  # pyarrow ships no type information

        target = self.path(chunk)
        table = output.table.replace_schema_metadata({METADATA_KEY: json.dumps(output.summary).encode("utf-8")})
        temporary = self.folder / f".{target.name}.{uuid.uuid4().hex[:8]}{TEMP_SUFFIX}"
        try:
            with open(temporary, "wb") as sink:
                pq.write_table(table, sink, compression=self.compression)
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        self._found[chunk.name] = output.summary
        return target

    def summaries(self) -> dict[str, dict[str, Any]]:
        return dict(self._found)


def _read_summary(path: Path) -> dict[str, Any] | None:
    """A chunk file's summary from its footer; None when the file is damaged or not one of ours."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_metadata(path)
        raw = (metadata.metadata or {}).get(METADATA_KEY)
        summary = json.loads(raw) if raw else None
    except Exception:  # noqa: BLE001 - pyarrow raises several types for cut-off or foreign files
        return None
    if not isinstance(summary, dict) or summary.get("rows") != metadata.num_rows:
        return None
    return summary
