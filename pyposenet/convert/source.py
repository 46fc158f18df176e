"""The model a conversion starts from: found by variant name or path, checked whole, read.

A source is a TF.js graph model: its model.json (parsed with key order kept, so a rewritten file
looks like the original) and the bytes of each weightsManifest group's shards. When its path ends
with an official variant's path (savedmodel/posenet/mobilenet/float/075/model-stride16.json), the
variant is known and the output's official path can be derived from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..models import ModelNotFoundError, ModelStore, Variant, check_model, find_variant, variant_of_path, variant_with

__all__ = ["ConvertError", "SourceModel", "find_source", "read_source", "variant_of_path", "variant_with"]


class ConvertError(ValueError):
    """A conversion cannot be done; the message says why and what would work."""


@dataclass
class SourceModel:
    """A model.json, parsed, and each weight group's shard bytes (concatenated per group)."""

    path: Path
    spec: dict
    group_bytes: list[bytes]
    variant: Variant | None = None

    @property
    def manifest(self) -> list[dict]:
        return self.spec["weightsManifest"]

    @property
    def shard_names(self) -> list[str]:
        return [name for group in self.manifest for name in group["paths"]]

    def describe(self) -> str:
        what = self.variant.describe() if self.variant else "not an official variant"
        total = sum(len(b) for b in self.group_bytes)
        return f"{self.path} ({what}; {total:,} bytes of weights)"


def _looks_like_path(text: str) -> bool:
    return text.endswith(".json") or "/" in text or "\\" in text or Path(text).expanduser().exists()


def find_source(text: str, models_dir: Path | None, cache_dir: Path) -> Path:
    """`text` is a variant name (mobilenet-float-075-stride16), an official path
    (savedmodel/posenet/...json, looked up under the models dir then the cache) or a model.json file."""
    if _looks_like_path(text):
        path = Path(text).expanduser()
        if path.is_file():
            return path
        if path.is_dir():
            raise ConvertError(f"--from {text}: is a folder; give its model.json")
    try:
        variant = find_variant(text)
    except ValueError as error:
        if _looks_like_path(text):
            raise ConvertError(f"--from {text}: no such file, and not an official variant path") from None
        raise ConvertError(f"--from {text}: {error}") from None
    try:  # the models folder, then the cache; never downloaded here (`pyposenet models fetch` does)
        return ModelStore(models_dir, cache_dir, None, disabled_reason="").find(variant.path)
    except ModelNotFoundError as error:
        looked = ", ".join(error.looked)
    raise ConvertError(
        f"--from {text}: {variant.path} not found ({looked}); fetch it with "
        f"`pyposenet models fetch {variant.name}` or pass --models DIR / a model.json path"
    )


def read_source(path: Path) -> SourceModel:
    """Parse model.json and read its shards; ConvertError when it is not a whole TF.js graph model."""
    path = Path(path)
    check = check_model(path)
    if not check.ok:
        raise ConvertError(f"{path}: not a whole TF.js model: {check.summary()}")
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConvertError(f"{path}: cannot read: {error}") from error
    topology = spec.get("modelTopology")
    if spec.get("format", "graph-model") != "graph-model" or not isinstance(topology, dict) or "node" not in topology:
        raise ConvertError(
            f"{path}: not a TF.js graph model (format {spec.get('format')!r}); layers models are not supported"
        )
    groups = [
        b"".join((path.parent / name).read_bytes() for name in group["paths"]) for group in spec["weightsManifest"]
    ]
    return SourceModel(path, spec, groups, variant_of_path(path))
