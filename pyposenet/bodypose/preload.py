"""p5's preload, as ml5 1.x holds it: `bodyPose()` called in `preload()` keeps p5 from calling `setup()` until
the model is ready (ml5's p5Utils wraps each model in p5's `_incrementPreload` / `_decrementPreload`).

p5 counts on its instance: increments outside `preload()` do nothing, so holding it is safe anywhere.
In the page the counter is the running sketch's p5 instance; elsewhere (CPython, tests) there is none.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from .._compat import IN_BROWSER


class PreloadCounter(Protocol):
    """p5's preload counter: setup() runs when it is back to zero."""

    def _incrementPreload(self) -> None: ...

    def _decrementPreload(self) -> None: ...


def sketch_preload_counter() -> PreloadCounter | None:
    """The running sketch's p5 instance in the page, else None."""
    if not IN_BROWSER:
        return None
    from .._browser.sketch import current_bridge  # the page only: it imports js

    bridge = current_bridge()
    return None if bridge is None or bridge.runner.stopped else bridge.p5


def hold_preload_until(ready: asyncio.Future, counter: PreloadCounter | None) -> None:
    """Keep p5 in preload until `ready` succeeds (a failed load is shown on the page; setup() never runs)."""
    if counter is None:
        return
    counter._incrementPreload()

    def release(future: asyncio.Future) -> None:
        if not future.cancelled() and future.exception() is None:
            counter._decrementPreload()

    ready.add_done_callback(release)
