"""Writing a TF.js graph model: weight shards split like tensorflowjs_converter, then model.json.

tensorflowjs_converter concatenates each weight group's bytes and cuts them into shards of
`--weight_shard_size_bytes` (4 MiB by default, "the max file size for caching for all major
browsers"), named group{G}-shard{i}of{n}.bin. model.json is written with Python's default JSON
separators, as the converter does (the official posenet files round-trip byte for byte).

Shards are written before model.json, each through a temp file renamed into place, so a model.json
on disk always has whole shards. Models in one official folder share their shards (stride 8 and
16 of float/075 both read group1-shard1of2.bin...): a shard already there with the same bytes is
kept; one with other bytes belongs to another model and is only replaced with `force`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic_files import write_atomically
from .source import ConvertError

__all__ = ["SHARD_BYTES", "WrittenModel", "shard_names", "split_shards", "write_model"]

SHARD_BYTES = 4 * 1024 * 1024  # tensorflowjs_converter's default --weight_shard_size_bytes


@dataclass
class WrittenModel:
    """What write_model wrote: model.json, every shard path, which already held the same bytes."""

    json_path: Path
    shards: list[Path]
    weight_bytes: int
    kept: list[Path] = field(default_factory=list)


def shard_names(group_index: int, total: int, shard_bytes: int = SHARD_BYTES) -> list[str]:
    """The converter's shard names for a group of `total` bytes (group_index counts from 0)."""
    count = max(1, -(-total // shard_bytes))
    return [f"group{group_index + 1}-shard{i + 1}of{count}.bin" for i in range(count)]


def split_shards(data: bytes, shard_bytes: int = SHARD_BYTES) -> list[bytes]:
    if shard_bytes <= 0:
        raise ValueError(f"shard size must be > 0, got {shard_bytes}")
    return [data[i : i + shard_bytes] for i in range(0, len(data), shard_bytes)] or [b""]


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def write_model(json_path: Path, spec: dict, shards: dict[str, bytes], *, force: bool = False) -> WrittenModel:
    """Write `shards` (file name -> bytes, beside model.json) then model.json `spec`.

    Refuses (ConvertError) to replace an existing model.json, or a shard holding other bytes,
    unless `force`."""
    json_path = Path(json_path)
    folder = json_path.parent
    if json_path.exists() and not force:
        raise ConvertError(f"{json_path} exists; pass --force to replace it")
    conflicts = [
        name for name, data in shards.items() if (folder / name).exists() and not _same_bytes(folder / name, data)
    ]
    if conflicts and not force:
        raise ConvertError(
            f"{folder} already has {', '.join(conflicts)} with other bytes (another model in that "
            "folder reads them); pass --force to replace them, or choose another --out"
        )
    written, kept = [], []
    for name, data in shards.items():
        path = folder / name
        if path.exists() and name not in conflicts:
            kept.append(path)
        else:
            write_atomically(path, data)
        written.append(path)
    write_atomically(json_path, json.dumps(spec).encode("utf-8"))
    return WrittenModel(json_path, written, sum(len(d) for d in shards.values()), kept)
