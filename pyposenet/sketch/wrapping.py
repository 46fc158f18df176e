"""p5's functions and objects as a sketch sees them: Python callbacks go in, p5 objects come out.

Most p5 functions (ellipse, fill, line, translate...) take numbers: the sketch calls p5's bound
function directly, at no extra cost. The others get a thin Python wrapper (`P5Layer.builtin`):

- functions that take callbacks or return p5 objects (`load*`, `create*`, `select*`, `http*`, `save*`):
  callable arguments become proxies owned by the sketch (`CallbackRegistry`), dicts and lists become
  JavaScript objects and arrays, file names are resolved beside the sketch, and a returned p5.Element,
  p5.MediaElement, p5.Image or p5.Graphics comes back as a `P5Object`;
- drawing functions that take such objects (`image`, `background`, `texture`...) unwrap them.

A `P5Object` reads and writes the p5 object's attributes; its methods convert arguments the same way.
Given to p5 or to pyposenet (`poseNet(video)`) it is unwrapped: JavaScript gets the p5 object itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from .._compat import is_js_object
from .assets import resolve_asset
from .host import Host
from .proxies import CallbackRegistry

#: Names starting so may take a callback or return a p5 object: they get the converting wrapper.
WRAPPED_PREFIXES = ("load", "create", "select", "http", "save")
#: ... except these: called every frame, no callback, no p5 object. They stay direct.
DIRECT_ANYWAY = frozenset({"loadPixels", "createVector"})
#: Drawing functions that may take a p5 object: they only unwrap it.
TAKES_P5_OBJECTS = frozenset({"image", "texture", "background", "copy", "blend", "set", "imageLight"})
#: Functions whose callbacks report the end of one load: called once, then released.
ONE_SHOT_EXTRA = frozenset({"createCapture", "createVideo", "createAudio", "createImg"})
#: ... and the function names that resolve their first argument (their first two) beside the sketch.
LOADS_FILES_EXTRA = frozenset({"createVideo", "createAudio", "createImg"})
#: p5.Element methods that hold one listener per element: a new one replaces (and releases) the old.
REPLACING_METHODS = frozenset(
    {
        "mousePressed",
        "doubleClicked",
        "mouseWheel",
        "mouseReleased",
        "mouseClicked",
        "mouseMoved",
        "mouseOver",
        "mouseOut",
        "touchStarted",
        "touchMoved",
        "touchEnded",
        "dragOver",
        "dragLeave",
        "changed",
        "input",
        "onended",
    }
)
#: Functions returning a JavaScript array of p5 objects.
ARRAY_RESULTS = frozenset({"selectAll"})


def is_wrapped(name: str) -> bool:
    """True for the p5 functions a sketch calls through the converting wrapper."""
    return name.startswith(WRAPPED_PREFIXES) and name not in DIRECT_ANYWAY


def is_one_shot(name: str) -> bool:
    """True when `name`'s callbacks are called once (a load finishing, or failing)."""
    return name.startswith(("load", "http", "save")) or name in ONE_SHOT_EXTRA


def loads_files(name: str) -> int:
    """How many leading arguments of `name` are file names (0 for none)."""
    if name == "loadShader":
        return 2
    if (name.startswith(("load", "http")) and name not in DIRECT_ANYWAY) or name in LOADS_FILES_EXTRA:
        return 1
    return 0


def unwrap(value: Any) -> Any:
    """The JavaScript object behind a P5Object; anything else unchanged."""
    return value._js if type(value) is P5Object else value


class P5Object:
    """A p5 object (element, capture, image, graphics) seen from a sketch; `unwrap()` gives the JS object."""

    __slots__ = ("_js", "_layer", "_methods")

    def __init__(self, js_object: Any, layer: P5Layer):
        object.__setattr__(self, "_js", js_object)
        object.__setattr__(self, "_layer", layer)
        object.__setattr__(self, "_methods", {})

    def __getattr__(self, name: str):
        method = self._methods.get(name)
        if method is not None:
            return method
        value = getattr(self._js, name)
        if callable(value):  # a method of the p5 object
            method = self._methods[name] = self._layer.method(self, name, value)
            return method
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._js, name, unwrap(value))

    def __dir__(self):
        return sorted(set(dir(self._js)) | set(super().__dir__()))

    def __repr__(self) -> str:
        return f"<p5 object {self._layer.describe(self._js)}>"


class P5Layer:
    """Makes the sketch's builtins, wraps the p5 objects they return, converts what goes to p5."""

    def __init__(self, p5_instance: Any, host: Host, callbacks: CallbackRegistry, asset_base: str = ""):
        self.p5 = p5_instance
        self.host = host
        self.callbacks = callbacks
        self.asset_base = asset_base
        self._element_keys = itertools.count(1)

    # -- what the sketch calls --------------------------------------------------------------------

    def builtin(self, name: str) -> Callable:
        """The sketch's `name`: p5's bound function, or a converting wrapper around it."""
        if name in TAKES_P5_OBJECTS:
            return self._unwrapping(name)
        if is_wrapped(name):
            return self._converting(name)
        return getattr(self.p5, name)

    def _unwrapping(self, name: str) -> Callable:
        bound = getattr(self.p5, name)

        def call(*args):
            return bound(*[a._js if type(a) is P5Object else a for a in args])

        call.__name__ = call.__qualname__ = name
        return call

    def _converting(self, name: str) -> Callable:
        p5 = self.p5
        files = loads_files(name)
        array_result = name in ARRAY_RESULTS

        def call(*args):
            if files:
                args = self._resolve_files(args, files)
            # looked up at each call: during preload() p5 swaps in counting versions of its loaders
            result = getattr(p5, name)(*self.to_js_args(args, name))
            if array_result and result is not None:
                return [self.from_js(item) for item in result]
            return self.from_js(result)

        call.__name__ = call.__qualname__ = name
        return call

    def method(self, owner: P5Object, name: str, bound: Callable) -> Callable:
        """`owner.name(...)`: arguments converted, chaining (`return this`) gives `owner` back."""

        def call(*args):
            result = bound(*self.to_js_args(args, name, owner))
            if result is not None and result == owner._js:
                return owner
            return self.from_js(result)

        call.__name__ = call.__qualname__ = name
        return call

    # -- conversions ------------------------------------------------------------------------------

    def to_js_args(self, args: tuple, api: str, owner: P5Object | None = None) -> list:
        """Arguments for p5's `api`: P5Objects unwrapped, callbacks proxied, dicts and lists converted."""
        converted: list = []
        one_shot: list[int] = []
        for arg in args:
            if type(arg) is P5Object:
                arg = arg._js
            elif isinstance(arg, (dict, list, tuple)):
                arg = self.host.to_js(_unwrap_items(arg))
            elif callable(arg) and not is_js_object(arg):  # a JavaScript function needs no proxy
                if is_one_shot(api) and owner is None:
                    one_shot.append(len(converted))
                elif owner is not None and api in REPLACING_METHODS:
                    arg = self.callbacks.persistent(arg, api, slot=(self.element_key(owner), api))
                else:
                    arg = self.callbacks.persistent(arg, api)
            elif arg is False and owner is not None and api in REPLACING_METHODS:
                self.callbacks.release_slot((self.element_key(owner), api))
            converted.append(arg)
        if one_shot:
            proxies = self.callbacks.one_shot([converted[i] for i in one_shot], api)
            for i, proxy in zip(one_shot, proxies, strict=False):
                converted[i] = proxy
        return converted

    def from_js(self, value: Any) -> Any:
        """A p5 object comes back as a P5Object; anything else unchanged."""
        if value is None or isinstance(value, (int, float, str)):
            return value
        if self.host.is_p5_object(value):
            return P5Object(value, self)
        return value

    def element_key(self, owner: P5Object) -> int:
        """A number naming the JavaScript object behind `owner` (stored on it), for listener slots."""
        key = getattr(owner._js, "_pyposenetKey", None)
        if not key:
            key = next(self._element_keys)
            owner._js._pyposenetKey = key
        return key

    def describe(self, js_object: Any) -> str:
        try:
            tag = getattr(getattr(js_object, "elt", None), "tagName", None)
            size = f"{js_object.width}x{js_object.height}"
        except Exception:  # noqa: BLE001 - only for repr
            return "?"
        return f"<{str(tag).lower()}> {size}" if tag else size

    def _resolve_files(self, args: tuple, count: int) -> tuple:
        head = [_resolve_any(arg, self.asset_base) for arg in args[:count]]
        return (*head, *args[count:])


def _resolve_any(arg: Any, base: str) -> Any:
    if isinstance(arg, str):
        return resolve_asset(arg, base)
    if isinstance(arg, list) and all(isinstance(a, str) for a in arg):
        return [resolve_asset(a, base) for a in arg]
    return arg


def _unwrap_items(value):
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    return [unwrap(v) for v in value]
