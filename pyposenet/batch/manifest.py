"""OUT/manifest.json: what a run was asked, what it used, what it made and what failed (small, JSON).

    {"format": "pyposenet-batch/1", "status": "complete" | "incomplete" | "interrupted",
     "run_key": "...", "model": {"file": ..., "options": {resolved poseNet options}}, "multi": false,
     "frames": {"every": 1, "max_frames": null, "chunk_frames": 256, "chunk_images": 32},
     "versions": {"pyposenet": ..., "dask": ..., ...}, "cluster": {"scheduler": ..., "workers": 2, ...},
     "started": ISO time, "finished": ISO time, "seconds": 12.3,
     "counts": {"inputs", "videos", "images", "frames", "poses", "chunks", "chunks_written", "chunks_skipped",
                "chunks_failed", "failures"},
     "files": [{"file", "kind", "frames", "poses", "width", "height", "fps", "frame_count"}, ...],
     "failures": [{"file", "error", "chunk"?}, ...],
     "dataset": {"folder": "poses", "columns": [...]}}   (BlazePose: also "schema": "blazepose/1";
                                                         "model" has "name": "blazepose")

A rerun into the same OUT must use the same model and poseNet options (the `run_key`), or it is refused:
the chunk files of both would mix in one dataset.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from ..atomic_files import write_atomically
from .inputs import InputFailure, SourceFile
from .schema import COLUMNS
from .writer import POSES_FOLDER

__all__ = ["MANIFEST_NAME", "FORMAT", "RunMismatch", "check_out_folder", "versions", "build_manifest", "write_json"]

MANIFEST_NAME = "manifest.json"
FORMAT = "pyposenet-batch/1"
DISTRIBUTIONS = ("pyposenet", "numpy", "av", "pillow", "pyarrow", "dask", "distributed", "mediapipe")


class RunMismatch(ValueError):
    """OUT holds the results of a run with another model or other options."""


def check_out_folder(out: Path, run_key: str, model: dict[str, Any]) -> None:
    """Refuse an OUT folder whose manifest names another run (a file in the way is refused too)."""
    if out.exists() and not out.is_dir():
        raise RunMismatch(f"--out {out}: is a file; give a folder (new, or one an earlier batch run wrote)")
    path = out / MANIFEST_NAME
    if not path.is_file():
        return
    try:
        earlier = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RunMismatch(f"{path}: cannot read the earlier run's manifest ({error}); give another --out") from None
    if earlier.get("run_key") == run_key:
        return
    before = earlier.get("model", {})
    changed = sorted(
        name
        for name in set(before.get("options", {})) | set(model["options"])
        if before.get("options", {}).get(name) != model["options"].get(name)
    )
    if earlier.get("multi") != model.get("multi"):
        changed.append("--multi")
    detail = f" (changed: {', '.join(changed)})" if changed else ""
    raise RunMismatch(
        f"--out {out}: holds poses made with another model or other options{detail}; "
        "rerun with the same ones to resume, or give another --out"
    )


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in DISTRIBUTIONS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def file_entries(
    sources: Iterable[SourceFile], videos: dict[str, dict[str, Any]], planned: dict[str, list[str]], summaries: dict
) -> list[dict[str, Any]]:
    """One entry per input file: its size, and the frames and poses its finished chunks hold."""
    entries = []
    for source in sources:
        entry: dict[str, Any] = {"file": source.path, "kind": source.kind, "frames": 0, "poses": 0}
        entry.update(videos.get(source.path, {}))
        for name in planned.get(source.path, ()):
            summary = summaries.get(name)
            if summary is None:
                continue
            if source.kind == "video":
                entry["frames"] += summary["frames"]
                entry["poses"] += summary["rows"]
            else:
                size = summary.get("sizes", {}).get(source.path)
                if size is not None:
                    entry.update(frames=1, width=size[0], height=size[1])
                    entry["poses"] += summary.get("poses", {}).get(source.path, 0)
        entries.append(entry)
    return entries


def build_manifest(
    *,
    status: str,
    run: dict[str, Any],
    sources: list[SourceFile],
    videos: dict[str, dict[str, Any]],
    planned: dict[str, list[str]],
    summaries: dict[str, dict[str, Any]],
    failures: list[dict[str, Any]],
    input_failures: list[InputFailure],
    counts: dict[str, int],
    dataset: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest's JSON (see the module docstring); `run` holds run_key, model, multi, frames, cluster,
    started, seconds; `dataset` the schema's name and columns (default: PoseNet's columns)."""
    files = file_entries(sources, videos, planned, summaries)
    names = dict.fromkeys(name for names in planned.values() for name in names)  # in order, each once
    chunk_failures = [failure for name in names for failure in summaries.get(name, {}).get("failures", ())]
    every_failure = [{"file": f.file, "error": f.error} for f in input_failures] + failures
    every_failure += [f for f in _unique(chunk_failures) if f not in every_failure]
    for entry in files:
        entry_errors = [f["error"] for f in every_failure if f["file"] == entry["file"]]
        if entry_errors:
            entry["error"] = entry_errors[0]
    return {
        "format": FORMAT,
        "status": status,
        **run,
        "versions": versions(),
        "finished": now(),
        "counts": {
            "inputs": len(sources) + len(input_failures),
            "videos": sum(s.kind == "video" for s in sources),
            "images": sum(s.kind == "image" for s in sources),
            "frames": sum(f["frames"] for f in files),
            "poses": sum(f["poses"] for f in files),
            **counts,
            "failures": len(every_failure),
        },
        "files": files,
        "failures": every_failure,
        "dataset": {"folder": POSES_FOLDER, **(dataset or {"columns": list(COLUMNS)})},
    }


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def write_json(path: Path, value: Any) -> None:
    """Write JSON atomically (a temporary file beside it, then a rename)."""
    write_atomically(path, (json.dumps(value, indent=2) + "\n").encode("utf-8"))
