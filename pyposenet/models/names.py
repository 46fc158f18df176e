"""Model file names: the one validator, and resolving a name inside a root folder.

A model file name is a plain relative path such as the official storage
(https://storage.googleapis.com/tfjs-models/) uses: `savedmodel/posenet/mobilenet/float/075/model-stride16.json`.
Letters, digits, `_ . -` in `/`-separated parts; no dot-parts (`..`, `.`, `.git`); no backslashes or
control characters; at most MAX_NAME characters; ending in .json or .bin (or in `suffixes`).

`resolve_inside(root, name)` joins a name to a root and follows symlinks: the result must still lie
inside the root (a symlink leading out is refused), off dot-parts.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "MAX_NAME",
    "MODEL_SUFFIXES",
    "ANY_SUFFIX",
    "ModelNameError",
    "is_model_name",
    "check_model_name",
    "is_hidden",
    "is_plain_subpath",
    "safe_join",
    "resolve_inside",
    "is_regular_file",
]

MAX_NAME = 1024  # longer names are refused before touching the file system
MODEL_SUFFIXES = (".json", ".bin")
ANY_SUFFIX = ("",)  # for weight shards named in a manifest: old converters wrote shards without .bin
_NAME = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
_EXAMPLE = "savedmodel/posenet/mobilenet/float/075/model-stride16.json"


class ModelNameError(ValueError):
    """A model file name that is not a plain relative path, or that leads out of its folder."""


def is_hidden(parts: Iterable[str]) -> bool:
    """True if any path part is a dot-file or dot-folder (`.env`, `.git`, `..`)."""
    return any(part.startswith(".") for part in parts)


def is_model_name(name: str, suffixes: tuple[str, ...] = MODEL_SUFFIXES) -> bool:
    """True for a plain relative .json/.bin path such as the official storage uses (no dot-parts)."""
    return (
        isinstance(name, str)
        and 0 < len(name) <= MAX_NAME
        and bool(_NAME.fullmatch(name))
        and name.lower().endswith(suffixes)
        and not is_hidden(name.split("/"))
    )


def check_model_name(name: str, suffixes: tuple[str, ...] = MODEL_SUFFIXES) -> str:
    """`name` if is_model_name(name, suffixes), else ModelNameError saying what a name looks like."""
    if not is_model_name(name, suffixes):
        raise ModelNameError(f"bad model file name {name!r}: expected a relative path like {_EXAMPLE!r}")
    return name


def is_plain_subpath(subpath: str) -> bool:
    """False for what no route serves: too long, control characters, backslashes, dot-parts."""
    if not subpath or len(subpath) > MAX_NAME or "\\" in subpath:
        return False
    if any(ord(char) < 0x20 or char == "\x7f" for char in subpath):
        return False
    return not is_hidden(subpath.split("/"))


def safe_join(directory: str, subpath: str) -> str | None:
    """`directory/subpath` unless `subpath` is absolute or climbs out (werkzeug.security.safe_join's rule)."""
    if subpath != "":
        subpath = posixpath.normpath(subpath)
    alt_seps = [sep for sep in (os.path.sep, os.path.altsep) if sep is not None and sep != "/"]
    if (
        any(sep in subpath for sep in alt_seps)
        or os.path.isabs(subpath)
        or subpath.startswith("/")
        or subpath == ".."
        or subpath.startswith("../")
    ):
        return None
    return posixpath.join(directory or ".", subpath)


def is_regular_file(path: Path | None) -> bool:
    """path.is_file(), False instead of an error for names the file system rejects (too long, NUL)."""
    try:
        return path is not None and path.is_file()
    except (OSError, ValueError):
        return False


def resolve_inside(root: Path | None, subpath: str) -> Path | None:
    """`root/subpath` if it stays inside `root`, off dot-parts, once symlinks are resolved; else None."""
    if root is None or not is_plain_subpath(subpath):
        return None
    joined = safe_join(str(root), subpath)
    if joined is None:
        return None
    try:
        real_root, target = Path(root).resolve(), Path(joined).resolve()
    except (OSError, ValueError, RuntimeError):  # name too long, symlink loop, ...
        return None
    if not target.is_relative_to(real_root) or is_hidden(target.relative_to(real_root).parts):
        return None
    return target
