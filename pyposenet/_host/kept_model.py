"""KeptModelRuntime: a HostRuntime that loads each model once, keeps it, and reports nothing itself.

`pyposenet detect` makes a net per video and `pyposenet batch` a net per chunk (so smoothing and tracking
start afresh on each); all of them share the one loaded model. Errors are raised to the caller, which names
the file they happened on (detect on stderr, batch in its manifest), so `set_status` and `report_error` say
nothing.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from .runtime import HostModel, HostRuntime

__all__ = ["KeptModelRuntime", "MODEL_CHOICE", "model_key"]

#: The options that choose a model's file and input size; nets differing only in others share a model.
MODEL_CHOICE = ("architecture", "multiplier", "outputStride", "quantBytes", "modelUrl", "inputResolution")


def model_key(options: dict[str, Any]) -> str:
    """Which model `options` name, as a string (equal options, equal keys)."""
    return json.dumps({name: options.get(name) for name in MODEL_CHOICE}, sort_keys=True)


class KeptModelRuntime(HostRuntime):  # implements pyposenet.runtime.Runtime
    """HostRuntime keeping every model it loaded; HostRuntime's arguments (folders, base_url, engine)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._models: dict[str, HostModel] = {}
        self._lock = threading.Lock()  # a Dask worker may run tasks on several threads

    def model(self, options: dict[str, Any]) -> HostModel:
        """The model `options` (resolved poseNet options) name: loaded on the first call, kept for the rest."""
        key = model_key(options)
        with self._lock:
            found = self._models.get(key)
            if found is None:
                found = self._models[key] = self.load_model_sync(options)
            return found

    async def load_model(self, options) -> HostModel:
        return self.model(options)

    def set_status(self, text: str) -> None:
        pass

    def report_error(self, exc: BaseException, where: str) -> None:
        pass
