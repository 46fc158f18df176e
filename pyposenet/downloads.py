"""Download-once of model files, shared by the server (server.py) and the host runtime. Standard library only."""
from __future__ import annotations

import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path


def download_to(url: str, target: Path, timeout: float) -> None:
    """Download `url` to `target` atomically (temp file in the same folder, then rename)."""
    with urllib.request.urlopen(url, timeout=timeout) as src:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(src, out)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise


def download_reason(error: Exception) -> str:
    """A short, human-readable reason for a failed download."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return str(error) or type(error).__name__
