"""Where model files are: the models folder, then the download cache, then downloaded once into the cache.

    store = ModelStore(default_models_dir(), default_cache_dir(), OFFICIAL_MODEL_ROOT)
    path = store.find("savedmodel/posenet/mobilenet/float/075/model-stride16.json")

The server (GET /models/NAME), the host runtime, the CLI and `convert` all ask a ModelStore; when a
file is nowhere, ModelNotFoundError names it and every place looked.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.parse
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

from .download import DOWNLOAD_ERRORS, download_once, download_reason
from .names import ModelNameError, check_model_name, is_regular_file, resolve_inside

__all__ = [
    "ModelSource",
    "ModelStore",
    "ModelNotFoundError",
    "default_models_dir",
    "default_cache_dir",
    "checkout_root",
    "other_models",
    "DOWNLOADS_DISABLED",
    "MAX_MODEL_JSON_BYTES",
]

log = logging.getLogger("pyposenet.models")

DOWNLOADS_DISABLED = "downloads disabled (no MODEL_BASE_URL)"
MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024  # larger .json files are not looked into when scanning a folder


class ModelNotFoundError(FileNotFoundError):
    """A model file is in none of the places looked, and could not be downloaded.

    From ModelStore.find: `name` is the file, `looked` says what happened at each place, in order."""

    def __init__(self, message: str, *, name: str | None = None, looked: Iterable[str] = ()):
        super().__init__(message)
        self.name = name
        self.looked = list(looked)


@runtime_checkable
class ModelSource(Protocol):
    """The seam between model files and whoever reads them (the server, the host runtime, export)."""

    def find(self, name: str) -> Path:
        """The local path of model file `name` (an is_model_name name under the official root's layout).

        An existing regular file; ModelNotFoundError (a FileNotFoundError) naming every place looked
        when there is none; ValueError when `name` is not a model name or leads out of its folder."""
        ...


def checkout_root() -> Path | None:
    """The repository checkout this package runs from (a folder with pyproject.toml above pyposenet/),
    or None for an installed package."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "pyposenet").is_dir() else None


def default_models_dir() -> Path | None:
    """$PYPOSENET_MODELS, else <checkout>/../shared/models when running from a checkout and it exists, else None."""
    env = os.environ.get("PYPOSENET_MODELS")
    if env:
        return Path(env).expanduser()
    root = checkout_root()
    shared = root.parent / "shared" / "models" if root is not None else None
    return shared if shared is not None and shared.is_dir() else None


def default_cache_dir() -> Path:
    """$PYPOSENET_CACHE, else ~/.cache/pyposenet/models."""
    env = os.environ.get("PYPOSENET_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "pyposenet" / "models"


class ModelStore:
    """Model files by name: the models folder, then the cache, then downloaded once into the cache.

    `models_dir` None: not looked in (an installed package has no models folder). The cache is always
    there (every caller gives one: default_cache_dir() when nothing else is set). `base_url` None:
    downloads disabled (`disabled_reason`, when not empty, says so in the not-found message).
    Thread-safe: concurrent finds of the same missing file download it once.
    """

    def __init__(
        self,
        models_dir: Path | None,
        cache_dir: Path,
        base_url: str | None,
        timeout: float = 30.0,
        *,
        disabled_reason: str = DOWNLOADS_DISABLED,
    ):
        if cache_dir is None:
            raise TypeError("ModelStore needs a cache folder (default_cache_dir(), when nothing else is set)")
        self.models_dir = Path(models_dir) if models_dir is not None else None
        self.cache_dir = Path(cache_dir)
        self.base_url = base_url
        self.timeout = timeout
        self.disabled_reason = disabled_reason

    def __repr__(self) -> str:
        return (
            f"ModelStore(models_dir={self.models_dir!r}, cache_dir={self.cache_dir!r}, "
            f"base_url={self.base_url!r}, timeout={self.timeout!r})"
        )

    def url(self, name: str, base_url: str | None = None) -> str | None:
        """The download URL of model file `name` (under `base_url`, default the store's), or None."""
        base = base_url or self.base_url
        return base.rstrip("/") + "/" + urllib.parse.quote(name) if base else None

    def find(self, name: str, base_url: str | None = None, cache_name: str | None = None) -> Path:
        """The local path of model file `name`, downloading it into the cache once if needed.

        Looks in the models folder (`models_dir/name`), then the cache (`cache_dir/cache_name`, default
        `name`), then downloads `base_url/name` into the cache. `base_url` fetches from another root than
        the store's (an http modelUrl): the models folder is then skipped. Returns the resolved path;
        ModelNotFoundError names every place looked; ModelNameError (a ValueError) for a bad name or
        one that leads out of its folder through a symlink.
        """
        check_model_name(name)
        cache_name = check_model_name(cache_name or name)
        looked = []
        roots = [("models directory", self.models_dir, name)] if base_url is None else []
        roots.append(("cache", self.cache_dir, cache_name))
        for label, root, relative in roots:
            if root is None:  # only the models folder may be absent
                looked.append(f"no {label} configured")
                continue
            path = self._inside(root, relative, label)
            if is_regular_file(path):
                return path
            looked.append(f"not in {label} {root}")
        url = self.url(name, base_url)
        if url is None:
            if self.disabled_reason:
                looked.append(self.disabled_reason)
        else:
            target = self._inside(self.cache_dir, cache_name, "cache")
            try:
                downloaded = download_once(url, target, self.timeout)
            except DOWNLOAD_ERRORS as error:
                looked.append(f"download from {url} failed: {download_reason(error)}")
            else:
                if downloaded:
                    log.info("downloaded %s into %s", url, target)
                return target
        raise ModelNotFoundError(f"model file '{name}' not found: " + ", ".join(looked), name=name, looked=looked)

    @staticmethod
    def _inside(root: Path, name: str, label: str) -> Path:
        path = resolve_inside(root, name)
        if path is None:
            raise ModelNameError(f"model file {name!r} leads out of the {label} {root} (a symlink?)")
        return path


def other_models(root: Path | None, skip: Iterable[str] = ()) -> list[str]:
    """Relative paths of the TF.js model.json files under `root` not in `skip` (e.g. the official variants)."""
    if root is None or not Path(root).is_dir():
        return []
    skipped = set(skip)
    found = []
    for path in sorted(Path(root).rglob("*.json")):
        relative = path.relative_to(root).as_posix()
        if relative in skipped or not path.is_file() or path.stat().st_size > MAX_MODEL_JSON_BYTES:
            continue
        try:
            with path.open("rb") as f:
                model = json.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(model, dict) and "weightsManifest" in model:
            found.append(relative)
    return found
