"""Start a Python sketch on a p5 instance (p5's instance mode), from web/boot.js."""

from __future__ import annotations

import asyncio

import js
import pyposenet_js
from pyodide.ffi import JsProxy, create_proxy, to_js

import pyposenet

from .._compat import to_js_plain
from ..net import live_nets
from ..options import set_page_defaults
from ..sketch.assets import folder_of
from ..sketch.host import Host
from ..sketch.net_runtime import SketchNetRuntime
from ..sketch.runner import SketchRunner
from . import errors
from .runtime import BrowserRuntime

_current: _P5Bridge | None = None


def current_bridge() -> _P5Bridge | None:
    """The running sketch's bridge (for tests and the console): `.runner.namespace`, `.p5`."""
    return _current


def browser_host() -> Host:
    """The sketch layer's view of JavaScript: Pyodide proxies, p5 type checks, plain JS objects, timers."""
    loop = asyncio.get_event_loop()
    is_p5 = pyposenet_js.sketch.isP5Object
    guarded = pyposenet_js.sketch.guardedCallback
    return Host(
        make_proxy=lambda fn: guarded(create_proxy(fn)),  # a no-op, not an error, once destroyed
        defer=loop.call_soon,
        is_p5_object=lambda value: isinstance(value, JsProxy) and bool(is_p5(value)),
        to_js=to_js_plain,
        timers=js,
    )


class _P5Bridge:
    """The one Python object p5 talks to (through one long-lived proxy, not one per call)."""

    def __init__(self, runner: SketchRunner):
        self.runner = runner
        self.p5 = None
        self.proxy = create_proxy(self)  # p5 and the page's meter hold it as long as the sketch lives

    def load(self, p5_instance, function_names, value_names):
        """Run the sketch's top level; return {event name: JS function} for p5 to call."""
        self.p5 = p5_instance
        names = self.runner.load(p5_instance, list(function_names), list(value_names))
        if "setup" not in names and not self.runner.stopped:
            pyposenet_js.page.setStatus("running")
        handlers = {
            name: self.runner.callbacks.keep(self._setup) if name == "setup" else self.runner.handler(name)
            for name in names
        }
        return to_js(handlers, dict_converter=js.Object.fromEntries)

    def _setup(self, *args):
        result = self.runner.call("setup", *args)
        if not self.runner.stopped:
            pyposenet_js.page.setStatusIfStill("loading Python", "running")  # a net may be loading instead
        return result

    def pose_frames(self):
        """Pose results produced so far by every live net (None without a net): the page's meter."""
        nets = live_nets()
        return sum(net.stats.frames for net in nets) if nets else None

    def live_proxies(self) -> int:
        """Proxies the sketch layer holds for JavaScript right now."""
        return self.runner.callbacks.live

    def stop(self):
        """The sketch stopped (its first error): no more frames, no more detection, no more results
        (a frame in flight or a model still loading calls none of its callbacks)."""
        if self.p5 is not None:
            self.p5.noLoop()
        for net in live_nets():
            net.close()

    def dispose(self):
        """Remove the sketch: p5's canvas and elements, the nets' loops, every proxy it gave JavaScript."""
        if self.p5 is not None:
            self.p5.remove()
        self.runner.dispose()
        if self.proxy is not None:
            proxy, self.proxy = self.proxy, None
            asyncio.get_event_loop().call_soon(proxy.destroy)  # we may be running inside it


def _use_sketch_runtime(on_error) -> None:
    """Nets made by the sketch accept its P5Objects and stop it when they report an error."""
    runtime = pyposenet._runtime
    if isinstance(runtime, SketchNetRuntime):
        runtime.on_error = on_error
    else:
        pyposenet.set_runtime(SketchNetRuntime(runtime or BrowserRuntime(), on_error))


def start_sketch(source: str, file_name: str, container, page_options=None, source_url: str | None = None):
    """Run `source` (the text of `file_name`, fetched from `source_url`) as a p5 sketch inside `container`.

    `page_options` come from the page's URL (`?backend=wasm`): defaults for every net the sketch makes.
    File names the sketch loads are relative to `source_url`'s folder. Returns the bridge.
    """
    global _current
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

    runner = SketchRunner(
        source,
        file_name,
        report=report,
        on_stop=stop,
        host=browser_host(),
        asset_base=folder_of(source_url or file_name),
    )  # no URL: beside the page
    _use_sketch_runtime(runner.stop)
    bridge = _current = _P5Bridge(runner)
    pyposenet_js.sketch.createP5(bridge.proxy, container)
    return bridge
