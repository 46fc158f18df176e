"""pyposenet: ml5.js's poseNet() in Python, and ml5 1.x's bodyPose() beside it.

from pyposenet import poseNet
net = poseNet(video, "single", model_ready)
net.on("pose", got_poses)

from pyposenet import ml5
body_pose = ml5.bodyPose()                 # docs/bodypose.md
body_pose.detectStart(video, got_poses)
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._compat import IN_BROWSER
from .callbacks import is_callback
from .net import PoseNet
from .parts import CONNECTED_PART_NAMES, PART_NAMES, POSE_CHAIN
from .results import Record

__all__ = [
    "poseNet",
    "bodyPose",
    "body_pose",
    "BodyPose",
    "UnavailableModelError",
    "ml5",
    "PoseNet",
    "Record",
    "PART_NAMES",
    "POSE_CHAIN",
    "CONNECTED_PART_NAMES",
    "set_runtime",
    "KNNClassifier",
    "neuralNetwork",
    "neural_network",
    "poseFeatures",
    "pose_features",
]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from .bodypose import BodyPose

# Imported on first use, not with pyposenet: a page's cold start imports pyposenet before the sketch runs, and
# most sketches use neither (the two packages were half of `import pyposenet`'s time).
_LAZY = {
    "BodyPose": "bodypose",
    "UnavailableModelError": "bodypose",
    "KNNClassifier": "classify",
    "neuralNetwork": "classify",
    "neural_network": "classify",
    "poseFeatures": "classify",
    "pose_features": "classify",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_runtime = None


def set_runtime(runtime) -> None:
    """Choose where models run (the page sets the browser runtime; tests pass a fake)."""
    global _runtime
    _runtime = runtime


def _default_runtime():
    global _runtime
    if _runtime is None:
        if IN_BROWSER:
            from ._browser.runtime import BrowserRuntime

            _runtime = BrowserRuntime()
        else:  # imported lazily: Pyodide never imports numpy
            from ._host.runtime import HostRuntime

            _runtime = HostRuntime()
    return _runtime


def _kind_of(arg) -> str:
    if isinstance(arg, str):
        return "detection type"
    if isinstance(arg, Mapping):
        return "options"
    if is_callback(arg):
        return "callback"
    return "video"


def sort_arguments(args) -> dict:
    """Sort ml5's poseNet arguments by kind, in any order: string, callable, mapping, video; None is skipped."""
    found: dict[str, object] = {}
    for arg in args:
        if arg is None:
            continue
        kind = _kind_of(arg)
        if kind in found:
            raise TypeError(
                f"poseNet() got two {kind} arguments: {found[kind]!r} and {arg!r}; pass one "
                "(arguments are sorted by kind: a string is the detection type, a function the "
                "callback, a dict the options, anything else the video)"
            )
        found[kind] = arg
    return found


def poseNet(*args, runtime=None) -> PoseNet:
    """ml5's poseNet(video?, detectionType?, options?, callback?), arguments in any order."""
    found = sort_arguments(args)
    return PoseNet(
        runtime or _default_runtime(),
        video=found.get("video"),
        options=found.get("options"),
        detection_type=found.get("detection type"),
        callback=found.get("callback"),
    )


def bodyPose(*args, runtime=None) -> BodyPose:
    """ml5 1.x's bodyPose(model?, options?, callback?), arguments in any order; no model: PoseNet, the best
    model available offline here (docs/bodypose.md). In a sketch's preload(), setup() waits for the model."""
    from .bodypose import BodyPose, sketch_preload_counter, sort_model_arguments

    found = sort_model_arguments(args)
    return BodyPose(
        runtime or _default_runtime(),
        found.model,
        found.options,
        found.callback,
        preload_counter=sketch_preload_counter(),
    )


pose_net = poseNet
body_pose = bodyPose


class _Ml5:
    """`ml5.poseNet(video, modelReady)`, `ml5.bodyPose()`, `ml5.KNNClassifier()`, `ml5.neuralNetwork(options)` as in
    ml5 sketches, for line-by-line ports: `from pyposenet import ml5`. The classifiers are imported on first use."""

    poseNet = staticmethod(poseNet)
    bodyPose = staticmethod(bodyPose)

    def __getattr__(self, name: str) -> Any:
        if name in ("KNNClassifier", "neuralNetwork"):
            return __getattr__(name)
        raise AttributeError(f"ml5 has no {name!r} here: poseNet, bodyPose, KNNClassifier, neuralNetwork")

    def __dir__(self) -> list[str]:
        return ["KNNClassifier", "bodyPose", "neuralNetwork", "poseNet"]


ml5 = _Ml5()
