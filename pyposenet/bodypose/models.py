"""Which model `bodyPose(name)` runs: the names it takes, the one it picks, and what it says of the others.

ml5 1.x takes "MoveNet" (its default) and "BlazePose", any case. Here "PoseNet" runs too, on the app's own
PoseNet (the same runtime, worker and decoding as `poseNet()`), and it is the default: MoveNet's weights
come from no registry this app installs from; BlazePose runs in the page, and under CPython with the `blazepose`
extra (blazepose_engine.py), one person at a time (docs/bodypose.md).
"""

from __future__ import annotations

MODEL_NAMES = ("PoseNet", "MoveNet", "BlazePose")
#: What `bodyPose()` with no model name runs: the best model available offline here.
DEFAULT_MODEL = "PoseNet"
#: The models bodyPose can run now.
RUNNABLE_MODELS = ("PoseNet", "BlazePose")


class UnavailableModelError(RuntimeError):
    """A model bodyPose knows by name but cannot run here; the message says why and what to use instead."""


_USE_POSENET = (
    "Use bodyPose('PoseNet') (what bodyPose() picks here) or bodyPose() with the same options: the results have "
    "ml5 1.x's shape and the same 17 keypoint names. See docs/bodypose.md."
)


def _why_not(model: str, model_url) -> str:
    if model_url:
        return (
            f"bodyPose('MoveNet', {{'modelUrl': {model_url!r}}}): pyposenet does not run MoveNet yet, even from your "
            "own files: with no MoveNet weights available offline here, no MoveNet path could be tested. "
            + _USE_POSENET
        )
    return (
        "bodyPose('MoveNet'): no MoveNet weights are available offline here (no package registry this app installs "
        "from ships them), and pyposenet does not run MoveNet from a modelUrl either (no MoveNet path could be "
        f"tested here). {_USE_POSENET}"
    )


def resolve_model_name(name: str | None, options: dict | None = None) -> str:
    """The model `name` asks for (any case, as ml5's handleModelName), or the default for None.

    An unknown name is a ValueError naming the allowed ones; a known model that cannot run here is an
    UnavailableModelError saying why and what to use."""
    if name is None:
        return DEFAULT_MODEL
    matches = [known for known in MODEL_NAMES if known.lower() == name.lower()]
    if not matches:
        allowed = ", ".join(repr(known) for known in MODEL_NAMES)
        raise ValueError(f"bodyPose(): unknown model {name!r}; allowed: {allowed} (or none: {DEFAULT_MODEL!r})")
    model = matches[0]
    if model not in RUNNABLE_MODELS:
        raise UnavailableModelError(_why_not(model, (options or {}).get("modelUrl")))
    return model
