"""Run one sketch: execute its file, call its p5 functions and callbacks, stop cleanly on its first error."""

from __future__ import annotations

import asyncio
import inspect
import linecache

from ..callbacks import positional_arity
from .errors import set_sketch_file
from .host import Host, plain_host
from .namespace import EVENT_FUNCTIONS, sketch_globals
from .proxies import CallbackRegistry
from .timers import SketchTimers
from .wrapping import P5Layer


class SketchRunner:
    """Holds a sketch's namespace; p5 calls `call(name, *args)` for setup, draw and events.

    Callbacks the sketch gives p5 (`loadImage(path, done)`, `button.mousePressed(fn)`) run through
    the same guard (`invoke`). `report(exc, where)` shows an error; after the first error the sketch
    is stopped (`on_stop`) and later calls are ignored, so a broken draw() shows one error, not one per
    frame. `host` is what JavaScript provides (proxies, p5 type checks); `asset_base` the sketch's folder URL.
    """

    def __init__(
        self, source: str, file_name: str, report, on_stop=None, host: Host | None = None, asset_base: str = ""
    ):
        self.source = source
        self.file_name = file_name
        self.namespace: dict | None = None
        self.stopped = False
        self._report = report
        self._on_stop = on_stop
        self._arity: dict[str, int | None] = {}
        self.host = host or plain_host()
        self.asset_base = asset_base
        self.callbacks = CallbackRegistry(self.host, self._call_back)
        self.timers = SketchTimers(self.host.timers, self.callbacks) if self.host.timers is not None else None
        self.layer: P5Layer | None = None
        set_sketch_file(file_name)
        # tracebacks and error messages can quote the sketch's lines
        linecache.cache[file_name] = (len(source), None, source.splitlines(True), file_name)

    def load(self, p5_instance, function_names, value_names) -> list[str]:
        """Execute the sketch file's top level; return the p5 event functions it defines."""
        self.layer = P5Layer(p5_instance, self.host, self.callbacks, self.asset_base)
        self.namespace = sketch_globals(p5_instance, function_names, value_names, self.file_name, self.layer)
        if self.timers is not None:  # setTimeout(fn, ms) and co., unless p5 has them
            for name, fn in self.timers.builtins().items():
                self.namespace["__builtins__"].setdefault(name, fn)
        try:
            code = compile(self.source, self.file_name, "exec")
            exec(code, self.namespace)
        except BaseException as exc:  # SyntaxError included: shown with file, line and code
            self._fail(exc, f"{self.file_name}")
            return []
        return [name for name in EVENT_FUNCTIONS if callable(self.namespace.get(name))]

    def handler(self, name: str):
        """A long-lived JavaScript function p5 calls for the event function `name` (draw, mousePressed...)."""
        return self.callbacks.keep(lambda *args: self.call(name, *args))

    def call(self, name: str, *args):
        """Run the sketch's event function `name` with as many of p5's arguments as it takes."""
        if self.stopped or self.namespace is None:
            return None
        fn = self.namespace.get(name)
        if fn is None:
            return None
        arity = self._arity.get(name, ...)
        if arity is ...:
            arity = self._arity[name] = positional_arity(fn)
        return self.invoke(fn, f"{name}()", args if arity is None else args[:arity])

    def invoke(self, fn, where: str, args: tuple = ()):
        """Call the sketch's `fn(*args)`; an error (now, or later in a coroutine) is reported and stops the sketch."""
        if self.stopped:
            return None
        try:
            result = fn(*args)
            if inspect.iscoroutine(result):
                task = asyncio.ensure_future(result)
                task.add_done_callback(lambda t: self._task_done(t, where))
                return None
            return result
        except BaseException as exc:
            self._fail(exc, where)
            return None

    def stop(self) -> None:
        """Stop without an error (as after one): later calls do nothing."""
        if not self.stopped:
            self.stopped = True
            if self._on_stop is not None:
                self._on_stop()

    def dispose(self) -> None:
        """The sketch is gone: stop it and destroy every proxy given to JavaScript."""
        self.stop()
        if self.timers is not None:
            self.timers.clear_all()
        self.callbacks.destroy_all()

    # -- inside -------------------------------------------------------------------------------------

    def _call_back(self, fn, where: str, args: tuple):
        """A callback from p5: its p5 objects arrive as P5Objects, then the guard."""
        if self.stopped:
            return None
        if self.layer is not None:
            args = tuple(self.layer.from_js(arg) for arg in args)
        return self.invoke(fn, where, args)

    def _task_done(self, task, where):
        if not task.cancelled() and task.exception() is not None:
            self._fail(task.exception(), where)

    def _fail(self, exc: BaseException, where: str) -> None:
        if self.stopped:
            return
        self.stopped = True
        self._report(exc, where)
        if self._on_stop is not None:
            self._on_stop()
