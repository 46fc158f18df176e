"""web/nn-train.js, loaded into the page the first time a sketch trains a neuralNetwork (the page does not load it
at start: most sketches never train). A classic script: it sets globalThis.pyposenetNeuralNetwork."""

from __future__ import annotations

import asyncio
from typing import Any

import js
from pyodide.ffi import create_proxy

SCRIPT = "pyposenet/web/nn-train.js"  # relative to the page, as index.html names its scripts
GLOBAL_NAME = "pyposenetNeuralNetwork"

_loading: asyncio.Future | None = None


async def nn_train_script() -> Any:
    """globalThis.pyposenetNeuralNetwork ({train, drawLoss}), loading web/nn-train.js once."""
    global _loading
    if _loading is None or (_loading.done() and _loading.exception() is not None):
        _loading = _load_script(js.URL.new(SCRIPT, js.document.baseURI).href)
    await asyncio.shield(_loading)
    return getattr(js.globalThis, GLOBAL_NAME)


def _load_script(url: str) -> asyncio.Future:
    future = asyncio.get_event_loop().create_future()

    def loaded(_event: Any) -> None:
        if not future.done():
            future.set_result(None)

    def failed(_event: Any) -> None:
        if not future.done():
            future.set_exception(OSError(f"could not load {url}: neuralNetwork's training in the page needs it"))

    on_load, on_error = create_proxy(loaded), create_proxy(failed)
    future.add_done_callback(lambda _: (on_load.destroy(), on_error.destroy()))  # called soon, not inside them
    script = js.document.createElement("script")
    script.addEventListener("load", on_load)
    script.addEventListener("error", on_error)
    script.src = url
    js.document.head.appendChild(script)
    return future
