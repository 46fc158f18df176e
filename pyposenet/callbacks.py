"""Calling user callbacks the way ml5 and p5 do: with as many arguments as the function takes."""

from __future__ import annotations

import inspect
from collections.abc import Callable


def positional_arity(fn: Callable) -> int | None:
    """How many positional arguments `fn` takes (None when unknown or unlimited, e.g. JavaScript functions)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


def call_with_fitting_args(fn: Callable, *args):
    """Call `fn` with as many of `args` as it accepts (ml5's load callback takes 0 or 2 arguments)."""
    arity = positional_arity(fn)
    return fn(*(args if arity is None else args[:arity]))


def looks_like_media(arg) -> bool:
    """JavaScript elements are callable-looking proxies in Pyodide; media have a tag or a p5 `elt`."""
    return hasattr(arg, "elt") or hasattr(arg, "tagName")


def is_callback(arg) -> bool:
    """A function given as a callback: callable, and not a video or image (which may look callable in Pyodide)."""
    return callable(arg) and not looks_like_media(arg)
