"""What the sketch layer needs from JavaScript, as plain functions.

The page fills them in from Pyodide (`pyposenet._browser.sketch.browser_host`); under CPython (the unit
tests) `plain_host()` stands in: proxies are plain Python callables that refuse calls once destroyed,
like Pyodide's, and nothing is a p5 object unless the test says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Host:
    #: fn -> a JavaScript function calling `fn` until its `.destroy()` (Pyodide's create_proxy)
    make_proxy: Callable[[Callable], Any]
    #: run a function soon, after the JavaScript call now running has returned
    defer: Callable[[Callable[[], None]], object]  # (asyncio's loop.call_soon returns a Handle)
    #: True for a p5.Element / p5.MediaElement / p5.Image / p5.Graphics (a JavaScript object)
    is_p5_object: Callable[[Any], bool]
    #: a Python dict / list -> a plain JavaScript object / array
    to_js: Callable[[Any], Any]
    #: JavaScript's setTimeout / setInterval / clearTimeout / clearInterval (None: no timers for sketches)
    timers: Any = None


class PlainProxy:
    """A stand-in for a Pyodide proxy: calls `fn` until destroyed, then raises like Pyodide does."""

    def __init__(self, fn: Callable):
        self.fn = fn
        self.destroyed = False

    def __call__(self, *args):
        if self.destroyed:
            raise RuntimeError("This proxy was destroyed")
        return self.fn(*args)

    def destroy(self) -> None:
        if self.destroyed:
            raise RuntimeError("Object has already been destroyed")
        self.destroyed = True


def plain_host(
    is_p5_object: Callable[[Any], bool] = lambda value: False,
    defer: Callable[[Callable[[], None]], object] | None = None,
    timers: Any = None,
) -> Host:
    """A Host for CPython: PlainProxy proxies, values passed through unchanged, deferred calls run at once."""
    return Host(
        make_proxy=PlainProxy,
        defer=defer or (lambda fn: fn()),
        is_p5_object=is_p5_object,
        to_js=lambda value: value,
        timers=timers,
    )
