"""Files a page asks for before they exist: a test server's middleware that holds those requests until the test
has made the files (a page may then start before its files are ready, and wait for them as for a slow server)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any


class HeldFiles:
    """LiveServer(config, middleware=held): a request for one of `paths` ("/model.json"; one ending in "/": anything
    under it) waits until release() (or `timeout_s`, then it is answered as it would have been)."""

    def __init__(self, paths: Iterable[str], timeout_s: float):
        self.paths = frozenset(paths)
        self.timeout_s = timeout_s
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    def holds(self, path: str) -> bool:
        return path in self.paths or any(held.endswith("/") and path.startswith(held) for held in self.paths)

    def __call__(self, app: Callable[..., Any]) -> Callable[..., Any]:
        def holding(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if self.holds(environ.get("PATH_INFO", "")):
                self._released.wait(self.timeout_s)
            return app(environ, start_response)

        return holding
