"""setTimeout / setInterval for sketches, as in JavaScript, with Python functions.

`js.setTimeout(fn, ms)` would get a proxy destroyed as soon as the call returns; these give the timer a
proxy from the sketch's CallbackRegistry instead, released when the timeout has run or the timer is
cleared, and clear every timer when the sketch is disposed. Errors in them stop the sketch like any other.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .proxies import CallbackRegistry

NAMES = ("setTimeout", "setInterval", "clearTimeout", "clearInterval")


class SketchTimers:
    """The four timer functions of a sketch, on `window` (anything with JavaScript's timer functions)."""

    def __init__(self, window: Any, callbacks: CallbackRegistry):
        self._window = window
        self._callbacks = callbacks
        self._timers: dict[Any, tuple[str, Any]] = {}  # timer id -> (kind, proxy)

    def builtins(self) -> dict[str, Callable]:
        return {name: getattr(self, name) for name in NAMES}

    def setTimeout(self, fn: Callable, ms: float = 0, *args) -> Any:
        """Call `fn(*args)` once, after `ms` milliseconds; returns the id clearTimeout takes."""
        target = functools.partial(fn, *args) if args else fn
        ids: list = []

        def fire(*_):
            self._timers.pop(ids[0], None)
            return target()

        functools.update_wrapper(fire, fn, assigned=("__name__", "__qualname__"), updated=())
        (proxy,) = self._callbacks.one_shot([fire], "setTimeout")
        timer_id = self._window.setTimeout(proxy, ms)
        ids.append(timer_id)
        self._timers[timer_id] = ("timeout", proxy)
        return timer_id

    def setInterval(self, fn: Callable, ms: float = 0, *args) -> Any:
        """Call `fn(*args)` every `ms` milliseconds until clearInterval(id)."""
        target = functools.partial(fn, *args) if args else fn
        if args:
            functools.update_wrapper(target, fn, assigned=("__name__",), updated=())
        proxy = self._callbacks.callback(target, "setInterval")
        timer_id = self._window.setInterval(proxy, ms)
        self._timers[timer_id] = ("interval", proxy)
        return timer_id

    def clearTimeout(self, timer_id: Any) -> None:
        self._clear(timer_id)

    def clearInterval(self, timer_id: Any) -> None:
        self._clear(timer_id)

    def clear_all(self) -> None:
        """Every timer still pending (the sketch is disposed)."""
        for timer_id in list(self._timers):
            self._clear(timer_id)

    def _clear(self, timer_id: Any) -> None:
        held = self._timers.pop(timer_id, None)
        if held is None:
            return
        kind, proxy = held
        (self._window.clearInterval if kind == "interval" else self._window.clearTimeout)(timer_id)
        self._callbacks.release(proxy)
