"""neuralNetwork's `debug: true` in the page: a small canvas beside the sketch's, on which web/nn-train.js draws
loss and val_loss per epoch while it trains (ml5 opens tfvis's visor; the page draws its own, no tfvis).

The canvas is one of the sketch's p5 elements, so it goes with the sketch (p5's remove(): reload, another
sketch); dispose() of the network removes it too.
"""

from __future__ import annotations

from typing import Any

import js

WIDTH, HEIGHT = 280, 140
CLASS_NAME = "pyposenet-nn-loss"


class LossPanel:
    def __init__(self) -> None:
        self._element: Any = None  # p5.Element, or a plain canvas when no sketch runs (the console)

    def canvas(self) -> Any:
        """The panel's canvas, made (again, if it was removed) on first use."""
        if self._element is None or not self._canvas().isConnected:
            self._element = self._make()
        return self._canvas()

    def _canvas(self) -> Any:
        return getattr(self._element, "elt", self._element)

    def _make(self) -> Any:
        from .sketch import current_bridge

        bridge = current_bridge()
        if bridge is not None and bridge.p5 is not None:
            element = bridge.p5.createElement("canvas")
            canvas = element.elt
        else:
            element = canvas = js.document.createElement("canvas")
            js.document.body.appendChild(canvas)
        canvas.width, canvas.height = WIDTH, HEIGHT
        canvas.className = CLASS_NAME
        canvas.title = "neuralNetwork: loss (blue) and val_loss (orange) per epoch"
        canvas.setAttribute("aria-label", canvas.title)
        canvas.style.display = "block"
        return element

    def remove(self) -> None:
        if self._element is not None:
            self._element.remove()
            self._element = None
