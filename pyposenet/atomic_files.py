"""Files written whole or not at all: a hidden temporary file beside the target, then `os.replace`.

A reader (another process, a rerun, the page) sees the old file or the new one, never half of one; a failure or
an interrupt leaves the target as it was and removes the temporary file. Used by the model download, the
converter's output, `pyposenet detect --json` and `pyposenet batch`'s manifest. Host side only.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["temp_file_beside", "write_atomically"]


def temp_file_beside(target: Path) -> tuple[int, Path]:
    """A new, empty, hidden file beside `target` (an open fd and its path), created with mode 0o666 & ~umask
    (as open() does; mkstemp would give 0o600)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    while True:
        temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.part")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue


def write_atomically(target: Path, data: bytes) -> None:
    """`data` as the whole content of `target` (its folder made if missing)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = temp_file_beside(target)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
