"""One way to download a model file: atomically, with the usual file mode, once per file at a time.

`download_to(url, target)` writes a hidden temp file in the target's folder and renames it over the
target only once every byte has arrived (as many as Content-Length says, when the server says), so a
partial file is never visible under the final name, and nothing is left behind on failure. The file
gets the mode a plain `open()` gives, 0o666 & ~umask (not mkstemp's 0o600).

`file_lock(target)` is one lock per target file for the whole process: `download_once` holds it, so
threads asking for the same missing file download it once and the others find it there.
"""

from __future__ import annotations

import http.client
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from ..atomic_files import temp_file_beside

__all__ = [
    "CHUNK_BYTES",
    "DOWNLOAD_ERRORS",
    "IncompleteDownloadError",
    "download_to",
    "download_once",
    "download_reason",
    "file_lock",
]

CHUNK_BYTES = 256 * 1024
#: What a failed download raises: urllib's errors and timeouts (OSError), a bad URL (ValueError), a broken
#: HTTP exchange such as a chunked body cut short (http.client.HTTPException).
DOWNLOAD_ERRORS = (OSError, ValueError, http.client.HTTPException)
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class IncompleteDownloadError(OSError):
    """The server closed the connection before sending every byte it announced."""


def file_lock(target: Path) -> threading.Lock:
    """The lock serialising downloads of one target file in this process (one per absolute path)."""
    key = os.path.abspath(target)
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def download_to(url: str, target: Path, timeout: float, on_bytes: Callable[[int], None] | None = None) -> None:
    """Download `url` to `target` atomically: a temp file in the same folder, then os.replace.

    Raises one of DOWNLOAD_ERRORS (IncompleteDownloadError for a body shorter than its Content-Length);
    `target` is then untouched. `on_bytes(n)` is
    called as chunks arrive (a progress bar)."""
    target = Path(target)
    with urllib.request.urlopen(url, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        expected = int(length) if length and length.strip().isdigit() else None
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = temp_file_beside(target)
        try:
            received = 0
            with os.fdopen(fd, "wb") as out:
                while chunk := response.read(CHUNK_BYTES):
                    out.write(chunk)
                    received += len(chunk)
                    if on_bytes is not None:
                        on_bytes(len(chunk))
                if expected is not None and received != expected:
                    raise IncompleteDownloadError(f"the connection closed after {received} of {expected} bytes")
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise


def download_once(url: str, target: Path, timeout: float, on_bytes: Callable[[int], None] | None = None) -> bool:
    """Download `url` to `target` unless it is there already (another thread may just have fetched it).
    Holds the target's file_lock throughout; returns True when this call downloaded it."""
    target = Path(target)
    with file_lock(target):
        if target.is_file():
            return False
        download_to(url, target, timeout, on_bytes)
        return True


def download_reason(error: BaseException) -> str:
    """A short, human-readable reason for a failed download."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return str(error) or type(error).__name__
