"""Start a Python sketch on a p5 instance (p5's instance mode), from web/boot.js."""
from __future__ import annotations

import pyposenet_js
from pyodide.ffi import create_proxy, to_js

from ..options import set_page_defaults
from ..sketch.runner import SketchRunner
from . import errors


class _P5Bridge:
    """The one Python object p5 calls into (through one long-lived proxy, not one per call)."""

    def __init__(self, runner: SketchRunner):
        self.runner = runner
        self.p5 = None

    def load(self, p5_instance, function_names, value_names):
        self.p5 = p5_instance
        handlers = self.runner.load(p5_instance, list(function_names), list(value_names))
        if "setup" not in handlers and not self.runner.stopped:
            pyposenet_js.page.setStatus("running")
        return to_js(handlers)

    def call(self, name, *args):
        result = self.runner.call(name, *args)
        if name == "setup" and not self.runner.stopped:
            pyposenet_js.page.setStatusIfStill("loading Python", "running")  # a net may be loading instead
        return result

    def stop(self):
        if self.p5 is not None:
            self.p5.noLoop()


def start_sketch(source: str, file_name: str, container, page_options=None):
    """Run `source` (the text of `file_name`) as a p5 sketch inside `container`. Returns the bridge.

    `page_options` come from the page's URL (`?backend=wasm`): defaults for every net the sketch makes.
    """
    bridge = None
    try:
        set_page_defaults(page_options.to_py() if page_options is not None else {})
    except ValueError as exc:
        errors.show(exc, "the page address", file_name)

    def report(exc, where):
        errors.show(exc, where, file_name)

    def stop():
        if bridge is not None:
            bridge.stop()

    runner = SketchRunner(source, file_name, report=report, on_stop=stop)
    bridge = _P5Bridge(runner)
    bridge_proxy = create_proxy(bridge)  # lives as long as the sketch; p5 holds it
    pyposenet_js.sketch.createP5(bridge_proxy, container)
    return bridge
