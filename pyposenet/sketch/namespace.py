"""The names a Python sketch sees: Python's builtins, then p5's functions, constants and live variables.

p5's variables (`width`, `mouseX`, `frameCount`, ...) change while the sketch runs, even inside one
call (`createCanvas` changes `width`). They are looked up on the p5 instance each time the sketch
reads them: the sketch's `__builtins__` is a dict whose `__missing__` asks p5. Python's own builtins
win over p5 names that clash (`print`, `map`, `min`, `int`, ...).

p5's functions are bound once; with a `P5Layer` (as the runner gives), those that take callbacks or
p5 objects get its converting wrappers (see wrapping.py), the others stay p5's bound functions.
"""

from __future__ import annotations

import builtins

LIVE_VARIABLES = frozenset(
    [
        "width",
        "height",
        "frameCount",
        "deltaTime",
        "focused",
        "mouseX",
        "mouseY",
        "pmouseX",
        "pmouseY",
        "winMouseX",
        "winMouseY",
        "pwinMouseX",
        "pwinMouseY",
        "movedX",
        "movedY",
        "mouseButton",
        "mouseIsPressed",
        "key",
        "keyCode",
        "keyIsPressed",
        "touches",
        "windowWidth",
        "windowHeight",
        "displayWidth",
        "displayHeight",
        "pixels",
        "accelerationX",
        "accelerationY",
        "accelerationZ",
        "pAccelerationX",
        "pAccelerationY",
        "pAccelerationZ",
        "rotationX",
        "rotationY",
        "rotationZ",
        "pRotationX",
        "pRotationY",
        "pRotationZ",
        "turnAxis",
        "deviceOrientation",
    ]
)

EVENT_FUNCTIONS = (
    "preload",
    "setup",
    "draw",
    "windowResized",
    "mousePressed",
    "mouseReleased",
    "mouseClicked",
    "doubleClicked",
    "mouseMoved",
    "mouseDragged",
    "mouseWheel",
    "keyPressed",
    "keyReleased",
    "keyTyped",
    "touchStarted",
    "touchMoved",
    "touchEnded",
    "deviceMoved",
    "deviceTurned",
    "deviceShaken",
)


class SketchBuiltins(dict):
    """Builtins for a sketch: Python's, p5's functions and constants, and p5's live variables on demand."""

    def __init__(self, p5_instance, function_names, value_names, layer=None):
        super().__init__(vars(builtins))
        self._p5 = p5_instance
        for name in function_names:
            if name not in self and name not in EVENT_FUNCTIONS:
                # bound to the instance, fetched once (or the layer's wrapper around it)
                self[name] = layer.builtin(name) if layer is not None else getattr(p5_instance, name)
        # Values (constants and variables alike) are read from p5 at each use: some change mid-call.
        self._values = (LIVE_VARIABLES | frozenset(value_names)) - frozenset(self)

    def __missing__(self, name):
        if name in self._values:
            return getattr(self._p5, name)
        raise KeyError(name)


def sketch_globals(p5_instance, function_names, value_names, file_name: str, layer=None) -> dict:
    """A fresh module namespace for a sketch file."""
    return {
        "__name__": "__main__",
        "__file__": file_name,
        "__builtins__": SketchBuiltins(p5_instance, function_names, value_names, layer),
    }
