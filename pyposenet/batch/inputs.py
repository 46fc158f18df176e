"""What `pyposenet batch` was given -> the image and video files to do, and what could not be used.

An input is a file, a folder (every image and video under it, recursively, dot-files skipped), a glob
pattern (`clips/**/*.mp4`, expanded here, so quote it on the shell to reach the cluster's machines
unexpanded) or a list file: `@paths.txt`, or any `.txt`/`.lst`/`.list` file, holding one input a line
(files, folders or globs; blank lines and `#` comments skipped; relative paths are relative to the list
file's folder). Files are kept in the order given, each once (the first spelling of a path wins).

The client reads the folders and lists; the workers open the files by the same paths, so on a real
cluster the paths must mean the same files on every machine (a shared or identical filesystem).
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

from .._host.detect import allowed_types, classify

__all__ = ["SourceFile", "InputFailure", "Inputs", "expand_inputs", "LIST_SUFFIXES"]

LIST_SUFFIXES = (".txt", ".lst", ".list")
GLOB_CHARACTERS = frozenset("*?[")


@dataclass(frozen=True)
class SourceFile:
    """One file to do. `path` is what the dataset's `file` column holds: the path as given or found."""

    path: str
    kind: str  # "image" or "video"
    size: int
    mtime_ns: int

    @property
    def identity(self) -> tuple[str, int, int]:
        """What a finished chunk must have been made from: a changed file is done again."""
        return (self.path, self.size, self.mtime_ns)


@dataclass(frozen=True)
class InputFailure:
    """An input that gives no work, and why (the manifest lists these)."""

    file: str
    error: str


@dataclass
class Inputs:
    files: list[SourceFile] = field(default_factory=list)
    failures: list[InputFailure] = field(default_factory=list)

    @property
    def videos(self) -> list[SourceFile]:
        return [f for f in self.files if f.kind == "video"]

    @property
    def images(self) -> list[SourceFile]:
        return [f for f in self.files if f.kind == "image"]


def expand_inputs(entries: list[str]) -> Inputs:
    """Every file the entries name (see the module docstring), classified; the rest as failures."""
    found = Inputs()
    seen: set[str] = set()
    for entry in entries:
        for path, problem in _expand(os.fspath(entry), base=None, in_list=False):
            if problem is not None:
                found.failures.append(InputFailure(path, problem))
                continue
            key = os.path.realpath(path)
            if key in seen:
                continue
            seen.add(key)
            _add_file(found, path)
    return found


def _add_file(found: Inputs, path: str) -> None:
    try:
        kind = classify(path)
        stat = os.stat(path)
    except (OSError, ValueError) as error:
        found.failures.append(InputFailure(path, str(error) if path in str(error) else f"{path}: {error}"))
        return
    found.files.append(SourceFile(path, kind, stat.st_size, stat.st_mtime_ns))


def _expand(entry: str, base: Path | None, in_list: bool):
    """(path, None) for each file an entry names, or (entry, why) when it names nothing usable."""
    text = entry.strip()
    is_list = text.startswith("@")
    if is_list:
        text = text[1:]
    path = Path(text).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    spelled = os.fspath(path)
    if is_list or (not in_list and path.suffix.lower() in LIST_SUFFIXES and path.is_file()):
        if in_list:
            yield spelled, f"{spelled}: a list file inside a list file is not followed"
            return
        yield from _list_file(path)
    elif path.is_dir():
        yield from _folder(path)
    elif not path.exists() and GLOB_CHARACTERS & set(text):
        matches = sorted(glob.glob(spelled, recursive=True))
        files = [m for m in matches if os.path.isfile(m)]
        if not files:
            yield spelled, f"{spelled}: the pattern matches no files"
        for match in files:
            yield match, None
    elif not path.exists():
        yield spelled, f"{spelled}: no such file or folder"
    else:
        yield spelled, None


def _list_file(path: Path):
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        yield os.fspath(path), f"{path}: cannot read the list of inputs ({error})"
        return
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            yield from _expand(line, base=path.parent, in_list=True)


def _folder(folder: Path):
    """Images and videos under `folder`, sorted; other files are skipped silently (a folder holds anything)."""
    chosen = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            if name.startswith("."):
                continue
            candidate = os.path.join(root, name)
            try:
                classify(candidate)
            except (OSError, ValueError):
                continue
            chosen.append(candidate)
    if not chosen:
        yield os.fspath(folder), f"{folder}: holds no image or video files; allowed: {allowed_types()}"
    for path in sorted(chosen):
        yield path, None
