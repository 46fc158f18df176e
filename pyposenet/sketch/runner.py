"""Run one sketch: execute its file, call its p5 functions, stop cleanly on its first error."""
from __future__ import annotations

import asyncio
import inspect
import linecache

from ..callbacks import positional_arity
from .errors import set_sketch_file
from .namespace import EVENT_FUNCTIONS, sketch_globals


class SketchRunner:
    """Holds a sketch's namespace; p5 calls `call(name, *args)` for setup, draw and events.

    `report(exc, where)` shows an error; after the first error the sketch is stopped (`on_stop`)
    and later calls are ignored, so a broken draw() shows one error, not one per frame.
    """

    def __init__(self, source: str, file_name: str, report, on_stop=None):
        self.source = source
        self.file_name = file_name
        self.namespace: dict | None = None
        self.stopped = False
        self._report = report
        self._on_stop = on_stop
        self._arity: dict[str, int | None] = {}
        set_sketch_file(file_name)
        # tracebacks and error messages can quote the sketch's lines
        linecache.cache[file_name] = (len(source), None, source.splitlines(True), file_name)

    def load(self, p5_instance, function_names, value_names) -> list[str]:
        """Execute the sketch file's top level; return the p5 event functions it defines."""
        self.namespace = sketch_globals(p5_instance, function_names, value_names, self.file_name)
        try:
            code = compile(self.source, self.file_name, "exec")
            exec(code, self.namespace)
        except BaseException as exc:  # SyntaxError included: shown with file, line and code
            self._fail(exc, f"{self.file_name}")
            return []
        return [name for name in EVENT_FUNCTIONS if callable(self.namespace.get(name))]

    def call(self, name: str, *args):
        if self.stopped or self.namespace is None:
            return None
        fn = self.namespace.get(name)
        if fn is None:
            return None
        try:
            arity = self._arity.get(name, ...)
            if arity is ...:
                arity = self._arity[name] = positional_arity(fn)
            result = fn(*args[:arity]) if arity is not None else fn(*args)
            if inspect.iscoroutine(result):
                task = asyncio.ensure_future(result)
                task.add_done_callback(lambda t: self._task_done(t, name))
                return None
            return result
        except BaseException as exc:
            self._fail(exc, f"{name}()")
            return None

    def _task_done(self, task, name):
        if not task.cancelled() and task.exception() is not None:
            self._fail(task.exception(), f"{name}()")

    def _fail(self, exc: BaseException, where: str) -> None:
        if self.stopped:
            return
        self.stopped = True
        self._report(exc, where)
        if self._on_stop is not None:
            self._on_stop()
