"""bodyPose("BlazePose")'s options: ml5 1.x's BlazePose schema (src/BodyPose/index.js blazePoseConfigSchema).

`modelType` "lite" | "full" (ml5 1.x's default) | "heavy" is MediaPipe's modelComplexity 0 | 1 | 2;
`enableSmoothing` (default True) is the solution's own `smoothLandmarks`, as pose-detection passes it;
`flipHorizontal` (alias `flipped`) mirrors x to `width - x`. ml5 1.x's `runtime` ("tfjs", its default, or
"mediapipe") is accepted: here both run the MediaPipe solution served by the app, the same models. Options that
would fetch files from elsewhere (`solutionPath`, `detectorModelUrl`, `landmarkModelUrl`) or ask for what this
build does not give (`enableSegmentation`) are refused with the reason. A bad value or an unknown name is a
ValueError naming the option and what is allowed, as for PoseNet.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

#: modelType -> MediaPipe's modelComplexity.
MODEL_COMPLEXITY = {"lite": 0, "full": 1, "heavy": 2}
BLAZEPOSE_DEFAULTS: dict[str, Any] = {
    "modelType": "full",
    "enableSmoothing": True,
    "flipHorizontal": False,
    "runtime": "tfjs",
    "enableSegmentation": False,
    "smoothSegmentation": True,
}
RUNTIMES = ("tfjs", "mediapipe")
REFUSED = {
    "solutionPath": "the solution's files are served by this app (nothing is fetched from elsewhere)",
    "detectorModelUrl": "BlazePose's models are served by this app (nothing is fetched from elsewhere)",
    "landmarkModelUrl": "BlazePose's models are served by this app (nothing is fetched from elsewhere)",
}
KNOWN = (*BLAZEPOSE_DEFAULTS, "flipped")


@dataclass(frozen=True)
class BlazePoseOptions:
    """What BlazePose runs with: the landmark model, the solution's smoothing, ml5 1.x's mirroring."""

    model_type: str
    smoothing: bool
    flipped: bool

    @property
    def complexity(self) -> int:
        return MODEL_COMPLEXITY[self.model_type]

    def solution_options(self) -> dict[str, Any]:
        """The MediaPipe solution's setOptions for these (web/blazepose.js adds the fixed ones)."""
        return {"modelComplexity": self.complexity, "smoothLandmarks": self.smoothing}


def _fail(name: str, value: Any, allowed: str) -> NoReturn:
    raise ValueError(f"bodyPose('BlazePose') option {name!r}: got {value!r}; allowed: {allowed}")


def _bool(user: Mapping[str, Any], name: str) -> bool:
    value = user.get(name, BLAZEPOSE_DEFAULTS.get(name, False))
    if not isinstance(value, bool):
        _fail(name, value, "True or False")
    return value


def _choice(user: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = user.get(name, BLAZEPOSE_DEFAULTS[name])
    for known in allowed:
        if isinstance(value, str) and value.lower() == known:
            return known
    _fail(name, value, ", ".join(repr(a) for a in allowed) + " (any case)")


def _check_names(user: Mapping[str, Any]) -> None:
    for name in user:
        if name in REFUSED:
            raise ValueError(f"bodyPose('BlazePose') option {name!r} is not taken here: {REFUSED[name]}")
        if name not in KNOWN:
            close = difflib.get_close_matches(name, KNOWN, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else "."
            raise ValueError(f"unknown bodyPose('BlazePose') option {name!r}{hint} Known options: {', '.join(KNOWN)}")


def resolve_blazepose_options(user: Mapping[str, Any] | None = None) -> BlazePoseOptions:
    """Check ml5 1.x's BlazePose options and give what runs."""
    user = dict(user or {})
    _check_names(user)
    _choice(user, "runtime", RUNTIMES)
    if _bool(user, "enableSegmentation"):
        _fail("enableSegmentation", True, "False: pyposenet's BlazePose gives no segmentation mask")
    _bool(user, "smoothSegmentation")
    flips = {name: _bool(user, name) for name in ("flipHorizontal", "flipped") if name in user}
    if len(set(flips.values())) > 1:
        _fail("flipped", user["flipped"], f"the same as flipHorizontal ({user['flipHorizontal']!r}), or leave one out")
    return BlazePoseOptions(
        model_type=_choice(user, "modelType", tuple(MODEL_COMPLEXITY)),
        smoothing=_bool(user, "enableSmoothing"),
        flipped=next(iter(flips.values()), False),
    )
