"""BlazePose in the page: web/blazepose.js runs MediaPipe's solution on the page's main thread.

The script is added to the page the first time a sketch asks for bodyPose("BlazePose") (the page's other
sketches never load it). One engine per page, as one solution per page (web/blazepose.js says why).
Imports js: only the page imports this module (blazepose_engine.engine_for).
"""

from __future__ import annotations

import asyncio
from typing import Any

import js
from pyodide.ffi import JsException, create_proxy, to_js

from ..sketch.wrapping import unwrap
from .blazepose_engine import LANDMARK_COUNT, BlazePoseFrame
from .blazepose_options import BlazePoseOptions
from .models import UnavailableModelError

SCRIPT = "pyposenet/web/blazepose.js"
HEAVY_ABSENT = (
    "bodyPose('BlazePose', {{'modelType': 'heavy'}}): this app does not serve {file} (27 MB, left out of the "
    "wheel: docs/bodypose.md says how to add it). Use modelType 'full' (the default) or 'lite'."
)


def _points(values: Any) -> tuple[tuple[float, float, float, float], ...]:
    flat = list(values.to_py())
    return tuple((flat[i * 4], flat[i * 4 + 1], flat[i * 4 + 2], flat[i * 4 + 3]) for i in range(LANDMARK_COUNT))


class PageBlazePose:  # implements blazepose_engine.BlazePoseEngine
    _shared: PageBlazePose | None = None

    def __init__(self) -> None:
        self._script: asyncio.Future | None = None

    @classmethod
    def shared(cls) -> PageBlazePose:
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    async def _api(self):
        if self._script is None:
            self._script = asyncio.ensure_future(self._add_script())
        await self._script
        return js.window.pyposenetBlazePose

    @staticmethod
    async def _add_script() -> None:
        if getattr(js.window, "pyposenetBlazePose", None) is not None:
            return
        loaded: asyncio.Future = asyncio.get_running_loop().create_future()
        script = js.document.createElement("script")

        def settle(error: Exception | None) -> None:
            if loaded.done():
                return
            if error is None:
                loaded.set_result(None)
            else:
                loaded.set_exception(error)

        on_load = create_proxy(lambda _e: settle(None))
        on_error = create_proxy(lambda _e: settle(RuntimeError(f"BlazePose: {SCRIPT} did not load")))
        script.addEventListener("load", on_load)
        script.addEventListener("error", on_error)
        script.src = SCRIPT
        js.document.head.appendChild(script)
        try:
            await loaded
        finally:
            on_load.destroy()
            on_error.destroy()

    async def load(self, options: BlazePoseOptions) -> None:
        api = await self._api()
        try:
            await api.load(to_js(options.solution_options(), dict_converter=js.Object.fromEntries))
        except JsException as error:
            message = str(error)
            if "missing:" in message:
                file = message.split("missing:", 1)[1].strip()
                raise UnavailableModelError(HEAVY_ABSENT.format(file=file)) from None
            raise

    async def estimate(self, media: Any, options: BlazePoseOptions) -> BlazePoseFrame | None:
        api = await self._api()
        result = await api.estimate(
            unwrap(media), to_js(options.solution_options(), dict_converter=js.Object.fromEntries)
        )
        if not result.found:
            return None
        return BlazePoseFrame(
            landmarks=_points(result.landmarks),
            world=_points(result.world),
            display_width=float(result.displayWidth),
            display_height=float(result.displayHeight),
        )
