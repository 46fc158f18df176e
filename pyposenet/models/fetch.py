"""Fetching a whole official variant (model.json and every shard it names) into the cache.

Used by `pyposenet models fetch`. Shards are downloaded first and model.json is moved into place
last, so a model.json in the cache means a finished download. tqdm draws a progress bar when it is
installed (the host extra); without it there is none.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import urllib.parse
from pathlib import Path

from .checks import ModelCheck, check_model, weight_bytes
from .download import DOWNLOAD_ERRORS, download_reason, download_to, file_lock
from .names import check_model_name
from .variants import OFFICIAL_MODEL_ROOT, Variant

__all__ = ["FetchError", "fetch_variant"]


class FetchError(RuntimeError):
    """A download failed; the message names the URL and where it was going."""


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_total(self, total: int) -> None:
        pass

    def close(self) -> None:
        pass


class _Bar(_NoBar):
    def __init__(self, bar):
        self.bar = bar

    def update(self, n: int = 1) -> None:
        self.bar.update(n)

    def set_total(self, total: int) -> None:
        self.bar.total = total
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def _progress(total: int | None, description: str, enabled: bool) -> _NoBar:
    if not enabled:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is in the host extra; without it there is no bar
        return _NoBar()
    return _Bar(
        tqdm(
            total=total,
            desc=description,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            file=sys.stderr,
            dynamic_ncols=True,
            leave=True,
        )
    )


def _download(url: str, target: Path, timeout: float, bar: _NoBar, destination: Path) -> None:
    """download_to, its errors as FetchError; `destination` is where the file is going, for messages
    (model.json is staged elsewhere first)."""
    try:
        with file_lock(target):
            download_to(url, target, timeout, bar.update)
    except DOWNLOAD_ERRORS as error:
        hint = (
            ""
            if getattr(error, "code", None)
            else " (no internet? copy the files there by hand, or use a models directory: --models DIR)"
        )
        raise FetchError(f"could not download {url} to {destination}: {download_reason(error)}{hint}") from error


def fetch_variant(
    variant: Variant,
    cache_dir: Path,
    base_url: str = OFFICIAL_MODEL_ROOT,
    *,
    timeout: float = 30.0,
    progress: bool = True,
    force: bool = False,
) -> tuple[ModelCheck, bool]:
    """Download a variant's model.json and every shard its manifest names into `cache_dir`.

    Returns (the check of the result, whether anything was downloaded); raises FetchError naming
    the URL and the cache on any failure. An already whole copy is kept unless `force`.
    """
    cache_dir = Path(cache_dir)
    target = cache_dir / variant.path
    if not force:
        existing = check_model(target)
        if existing.ok:
            return existing, False
    base = base_url.rstrip("/") + "/"
    json_url = base + urllib.parse.quote(variant.path)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=cache_dir))
    except OSError as error:
        raise FetchError(f"could not download {json_url}: cannot write to the cache {cache_dir}: {error}") from error
    bar = _progress(None, variant.name, progress)  # the total is known once model.json is in
    try:
        json_tmp = staging / "model.json"
        _download(json_url, json_tmp, timeout, bar, target)
        try:
            model = json.loads(json_tmp.read_text(encoding="utf-8"))
            groups = model["weightsManifest"]
            shards = [check_model_name(f"{variant.folder}/{p}") for group in groups for p in group["paths"]]
            total = sum(weight_bytes(spec, variant.path) or 0 for group in groups for spec in group["weights"])
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as error:
            raise FetchError(
                f"{json_url} is not a TF.js model.json ({error}); nothing was written to {cache_dir}"
            ) from error
        bar.set_total(json_tmp.stat().st_size + total)
        for shard in shards:
            shard_target = cache_dir / shard
            _download(base + urllib.parse.quote(shard), shard_target, timeout, bar, shard_target)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(json_tmp, target)
    finally:
        bar.close()
        for leftover in staging.iterdir():
            leftover.unlink()
        staging.rmdir()
    return check_model(target), True
