"""A classifier's files in the page (pyposenet.classify.files.ClassifierFiles): save() downloads the file as the
browser does (an <a download> of a Blob, as p5's saveJSON and ml5's save do); load() fetches a file beside the
sketch (relative names resolve against the sketch's folder, like loadImage's) or a URL this page may fetch."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import js
from pyodide.ffi import to_js

from ..sketch.assets import resolve_asset
from . import errors

T = TypeVar("T")
REVOKE_AFTER_S = 60  # the Blob's URL outlives the click: the download reads it after this task


class BrowserFiles:
    def save_text(self, file_name: str, text: str) -> str:
        return self._download(file_name, text, "application/json")

    def save_bytes(self, file_name: str, data: bytes) -> str:
        return self._download(file_name, data, "application/octet-stream")

    def _download(self, file_name: str, content: str | bytes, mime_type: str) -> str:
        blob = js.Blob.new(to_js([content]), to_js({"type": mime_type}, dict_converter=js.Object.fromEntries))
        url = js.URL.createObjectURL(blob)
        link = js.document.createElement("a")
        link.href = url
        link.download = file_name
        link.hidden = True
        js.document.body.appendChild(link)
        link.click()
        link.remove()
        asyncio.get_event_loop().call_later(REVOKE_AFTER_S, js.URL.revokeObjectURL, url)
        return file_name

    async def read_text(self, source: str) -> str:
        return await (await self._fetch(source)).text()

    async def read_bytes(self, source: str) -> bytes:
        buffer = await (await self._fetch(source)).arrayBuffer()
        return buffer.to_bytes()

    async def _fetch(self, source: str) -> Any:
        url = resolve_asset(source, _sketch_folder())
        try:
            response = await js.fetch(url)
        except Exception as exc:  # a network error: JavaScript's TypeError("Failed to fetch")
            raise OSError(
                f"could not fetch {source!r} ({exc}); the page may fetch files of its own server only: put the file "
                "beside the sketch"
            ) from None
        if not response.ok:
            raise FileNotFoundError(
                f"{source!r}: the server answered {response.status} {response.statusText} for {url}; "
                "a file name is looked for beside the sketch"
            )
        return response

    def run(self, coroutine: Coroutine[Any, Any, T], where: str) -> asyncio.Task[T]:
        """A task; its error is shown on the page and stops the sketch, as a callback's error does."""
        task = asyncio.ensure_future(coroutine)

        def finished(task: asyncio.Task) -> None:
            error = None if task.cancelled() else task.exception()
            if error is not None:
                _report(error, where)

        task.add_done_callback(finished)
        return task


def _sketch_folder() -> str:
    from .sketch import current_bridge

    bridge = current_bridge()
    return bridge.runner.asset_base if bridge is not None else ""


def _report(error: BaseException, where: str) -> None:
    from .sketch import current_bridge

    bridge = current_bridge()
    if bridge is None:
        errors.show(error, where)
    elif not bridge.runner.stopped:
        errors.show(error, where, bridge.runner.file_name)
        bridge.runner.stop()
