"""Where a classifier's files go and come from: the seam between the classifiers and the place they run.

  HostFiles                                   CPython: save() writes a file, load() reads a path or a URL now
  pyposenet._browser.classify_files.BrowserFiles  the page: save() downloads, load() fetches beside the sketch

A classifier's load() is one coroutine for both: `run` drives it. In the page it runs as a task (fetch
waits); under CPython nothing in it waits, so `HostFiles.run` finishes it at once and load() has
happened, errors raised, when the call returns, awaited or not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Coroutine, Generator
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from .._compat import IN_BROWSER

T = TypeVar("T")


class ClassifierFiles(Protocol):
    def save_text(self, file_name: str, text: str) -> str:
        """Save `text` as `file_name` (the page downloads it); return where it went."""
        ...

    def read_text(self, source: str) -> Awaitable[str]:
        """The text of `source`: a file name (beside the sketch in the page) or a URL."""
        ...

    def save_bytes(self, file_name: str, data: bytes) -> str:
        """Save `data` as `file_name` (the page downloads it); return where it went."""
        ...

    def read_bytes(self, source: str) -> Awaitable[bytes]:
        """The bytes of `source`, found as read_text finds it."""
        ...

    def run(self, coroutine: Coroutine[Any, Any, T], where: str) -> Awaitable[T]:
        """Run a load; `where` names it when its error is shown to the person."""
        ...


class Done(Generic[T]):
    """An awaitable that is already finished: `await` gives `value` without waiting."""

    def __init__(self, value: T):
        self.value = value

    def __await__(self) -> Generator[Any, None, T]:
        return self.value
        yield  # a generator: awaiting it returns at once


class HostFiles:
    """CPython: files on this computer (relative to the working folder), and http(s) URLs."""

    def save_text(self, file_name: str, text: str) -> str:
        path = Path(file_name)
        path.write_text(text, encoding="utf-8")
        return str(path)

    def read_text(self, source: str) -> Done[str]:
        return Done(self._read(source).decode("utf-8"))

    def save_bytes(self, file_name: str, data: bytes) -> str:
        path = Path(file_name)
        path.write_bytes(data)
        return str(path)

    def read_bytes(self, source: str) -> Done[bytes]:
        return Done(self._read(source))

    def _read(self, source: str) -> bytes:
        if source.startswith(("http://", "https://")):
            from urllib.request import urlopen

            with urlopen(source, timeout=60) as response:
                return response.read()
        return Path(source).read_bytes()

    def run(self, coroutine: Coroutine[Any, Any, T], where: str) -> Done[T]:
        try:
            coroutine.send(None)
        except StopIteration as finished:
            return Done(finished.value)
        coroutine.close()
        raise RuntimeError(f"{where} waited for something: HostFiles.run runs only loads that finish at once")


_default: ClassifierFiles | None = None


def default_files() -> ClassifierFiles:
    """The page's files in the browser, this computer's under CPython (chosen once)."""
    global _default
    if _default is None:
        if IN_BROWSER:
            from .._browser.classify_files import BrowserFiles

            _default = BrowserFiles()
        else:
            _default = HostFiles()
    return _default
