"""ml5 1.x's argument forms: `bodyPose(model?, options?, callback?)`, `detect(media, callback?)`,
`detectStart(media, callback)`, each in any order (ml5's handleArguments sorts them by kind).

Where ml5 1.x warns and keeps the last of two arguments of a kind, or ignores a video given to bodyPose(),
these raise a TypeError saying what to pass instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..callbacks import is_callback


@dataclass(frozen=True)
class ModelArguments:
    model: str | None = None
    options: Mapping[str, Any] | None = None
    callback: Callable | None = None


@dataclass(frozen=True)
class MediaArguments:
    media: Any = None
    callback: Callable | None = None


def _twice(call: str, kind: str, first, second) -> TypeError:
    return TypeError(f"{call} got two {kind} arguments: {first!r} and {second!r}; pass one")


def sort_model_arguments(args) -> ModelArguments:
    """bodyPose()'s arguments: a string is the model name, a dict the options, a function the load callback."""
    found: dict[str, Any] = {}
    for arg in args:
        if arg is None:
            continue
        if isinstance(arg, str):
            kind = "model"
        elif isinstance(arg, Mapping):
            kind = "options"
        elif is_callback(arg):
            kind = "callback"
        else:
            raise TypeError(
                f"bodyPose() takes a model name, an options dict and a callback, not {arg!r}; to detect on a video "
                "or image, pass it to detectStart(video, callback) or detect(image)"
            )
        if kind in found:
            raise _twice("bodyPose()", kind, found[kind], arg)
        found[kind] = arg
    return ModelArguments(**found)


def sort_media_arguments(call: str, args, callback_required: bool) -> MediaArguments:
    """detect()'s or detectStart()'s arguments: a function is the callback, anything else the media."""
    found: dict[str, Any] = {}
    for arg in args:
        if arg is None:
            continue
        kind = "callback" if is_callback(arg) else "media"
        if kind in found:
            raise _twice(f"{call}", kind, found[kind], arg)
        found[kind] = arg
    if "media" not in found:
        raise TypeError(f"{call} needs an image, video or canvas (a p5 element, an HTML element; a path under CPython)")
    if callback_required and "callback" not in found:
        raise TypeError(f"{call} needs a callback function: it is called with the poses of every frame")
    return MediaArguments(**found)
