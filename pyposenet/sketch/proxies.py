"""The JavaScript proxies of a sketch's Python callbacks: made once, reused, destroyed when done.

In Pyodide a Python function handed to JavaScript as an argument is destroyed when the call returns,
so p5 could not call it later (a load callback, a button's mousePressed). The sketch layer gives p5 a
long-lived proxy instead, made here and owned by the sketch:

- `keep(fn)`: a proxy for the sketch's lifetime (p5's draw, setup, mousePressed handlers).
- `persistent(fn, api, slot)`: a callback p5 may call many times (an element's event). The same
  function gets the same proxy; a `slot` (element, event) holds one listener, as p5 does, so
  replacing it destroys the old proxy.
- `one_shot(fns, api)`: the callbacks of one load (success and failure): the first call releases them all.
- `callback(fn, api)` / `release(proxy)`: one proxy per use, released by its owner (timers).
- `destroy_all()`: when the sketch is disposed.

Every callback runs through `call(fn, where, args)`, the sketch's guard (errors shown, sketch stopped).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from ..callbacks import positional_arity
from .host import Host


def callback_name(fn: Callable) -> str:
    """How an error names a callback: its function name (`<lambda>` for lambdas)."""
    return getattr(fn, "__name__", None) or type(fn).__name__


def _key(fn: Callable) -> Hashable:
    """The same function (or the same bound method, fetched again) gives the same key."""
    try:
        hash(fn)
        return ("fn", fn)
    except TypeError:
        return ("id", id(fn))


class CallbackRegistry:
    """Owns every proxy the sketch layer gives to JavaScript."""

    def __init__(self, host: Host, call: Callable[[Callable, str, tuple], Any]):
        self._host = host
        self._call = call
        self._live: dict[int, Any] = {}  # id(proxy) -> proxy, every proxy not yet destroyed
        self._persistent: dict[Hashable, tuple] = {}  # key or slot -> (fn, proxy)
        self.created = 0  # proxies made so far (for measurements)

    @property
    def live(self) -> int:
        """Proxies made and not yet destroyed."""
        return len(self._live)

    def keep(self, fn: Callable) -> Any:
        """A proxy of `fn` that lives as long as the sketch (no guard, no argument fitting)."""
        return self._make(fn)

    def callback(self, fn: Callable, api: str) -> Any:
        """A new guarded proxy of `fn`, until `release(proxy)` (a timer: each gets its own)."""
        return self._make(self._adapter(fn, api))

    def persistent(self, fn: Callable, api: str, slot: Hashable | None = None) -> Any:
        """The proxy p5 calls for `fn` whenever `api`'s event happens."""
        key = ("slot", slot) if slot is not None else _key(fn)
        held = self._persistent.get(key)
        if held is not None:
            if held[0] is fn or held[0] == fn:
                return held[1]
            self.release(held[1])  # the slot's old listener was replaced
        proxy = self.callback(fn, api)
        self._persistent[key] = (fn, proxy)
        return proxy

    def release_slot(self, slot: Hashable) -> None:
        """The slot's listener was removed (`element.mousePressed(False)`)."""
        held = self._persistent.pop(("slot", slot), None)
        if held is not None:
            self.release(held[1])

    def release(self, proxy: Any) -> None:
        """Destroy `proxy` soon (it may be the one running right now); twice is harmless."""
        if self._live.pop(id(proxy), None) is not None:
            self._host.defer(proxy.destroy)

    def one_shot(self, fns: list[Callable], api: str) -> list[Any]:
        """Proxies for one call's callbacks, of which p5 calls one, once; the first call releases all."""
        group: list[Any] = []

        def done():
            for proxy in group:
                self.release(proxy)
            group.clear()

        for fn in fns:
            adapter = self._adapter(fn, api)

            def once(*args, _adapter=adapter):
                try:
                    return _adapter(*args)
                finally:
                    done()

            group.append(self._make(once))
        return list(group)

    def destroy_all(self) -> None:
        """Destroy every proxy, soon (the sketch is disposed, maybe from inside one of them)."""
        proxies = list(self._live.values())
        self._live.clear()
        self._persistent.clear()

        def destroy():
            for proxy in proxies:
                proxy.destroy()

        self._host.defer(destroy)

    # -- inside -----------------------------------------------------------------------------------

    def _adapter(self, fn: Callable, api: str) -> Callable:
        """What p5 really calls: the guard, with as many of p5's arguments as `fn` takes."""
        arity = positional_arity(fn)
        where = f"{callback_name(fn)}(), called by {api}"
        call = self._call

        def adapter(*args):
            return call(fn, where, args if arity is None else args[:arity])

        return adapter

    def _make(self, fn: Callable) -> Any:
        proxy = self._host.make_proxy(fn)
        self._live[id(proxy)] = proxy
        self.created += 1
        return proxy
