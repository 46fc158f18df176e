"""PoseCollector: the collection step of The Coding Train's pose classifier in three calls.

Press a label key, get a countdown (time to strike the pose), then every pose seen for a while becomes an example
of that label, added to an ml5 `neuralNetwork` (`addData(features, [label])`) or a `KNNClassifier`
(`addExample(features, label)`). `draw()` shows the state on the sketch's canvas: the label, the countdown, the
samples per label. Pure Python: it runs in the page and under CPython (give `draw` a canvas there).

    collector = PoseCollector(brain, keys="ab", countdown=3, seconds=5)

    def keyPressed():
        collector.keyPressed(key)  # a label key starts its countdown

    def gotPoses(poses):
        if poses:
            collector.add(poses[0])  # an example while collecting, else nothing

    def draw():
        ...
        collector.draw()
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from .._compat import IN_BROWSER
from .features import pose_features

WAITING, COUNTDOWN, COLLECTING = "waiting", "countdown", "collecting"
BAND_HEIGHT = 56  # pixels: the band draw() fills at the top of the canvas


class Canvas(Protocol):
    """What draw() uses of p5 (the sketch's p5 instance in the page)."""

    width: float

    def push(self) -> Any: ...
    def pop(self) -> Any: ...
    def fill(self, *colour: float) -> Any: ...
    def noStroke(self) -> Any: ...  # noqa: N802 -- p5's name
    def rect(self, x: float, y: float, w: float, h: float) -> Any: ...
    def textSize(self, size: float) -> Any: ...  # noqa: N802
    def textAlign(self, horizontal: str, vertical: str) -> Any: ...  # noqa: N802
    def text(self, message: str, x: float, y: float) -> Any: ...


class PoseCollector:
    """Collects labelled poses for `classifier` (see the module's docstring).

    keys:        the label keys: a string or list of keys, each its own label as typed ("ab": labels "a" and
                 "b", as the tutorial's `targetLabel = key`), or {key: label}; None: any one-character key
    countdown:   seconds between the key and the collecting (time to strike the pose)
    seconds:     how long to collect; samples: or how many poses (whichever comes first when both are given)
    minPoseScore: poses scoring lower are skipped (nobody is really there)
    bodyRelative: poseFeatures' option (docs/classify.md: the trade-off); use the same when classifying
    clock:       seconds as a float (tests give a fake one)
    """

    def __init__(
        self,
        classifier: Any,
        keys: str | Iterable[str] | Mapping[str, str] | None = None,
        countdown: float = 3,
        seconds: float | None = 5,
        samples: int | None = None,
        minPoseScore: float = 0.0,  # noqa: N803 -- ml5-style names, like poseFeatures'
        bodyRelative: bool = False,  # noqa: N803
        clock: Callable[[], float] = time.monotonic,
    ):
        self._add = _adder(classifier)
        self.keys = _key_labels(keys)
        self.countdown = _seconds(countdown, "countdown", allow_zero=True)
        if seconds is None and samples is None:
            raise ValueError("PoseCollector needs seconds=... or samples=... (when to stop collecting); both are None")
        self.seconds = None if seconds is None else _seconds(seconds, "seconds", allow_zero=False)
        if samples is not None and not (isinstance(samples, int) and not isinstance(samples, bool) and samples > 0):
            raise ValueError(f"samples must be a whole number > 0 (or None), got {samples!r}")
        self.samples = samples
        self.min_pose_score = float(minPoseScore)
        self.body_relative = bool(bodyRelative)
        self._clock = clock
        self.state = WAITING
        self.label: str | None = None  # the label being counted down to or collected
        self.counts: dict[str, int] = {}  # samples added, by label, in the order labels were first collected
        self._phase_ends = math.inf  # clock time: the countdown's end, or the collecting's (seconds=)
        self._collected = 0  # samples in the current collecting

    def __repr__(self) -> str:
        return f"PoseCollector(state={self.state!r}, label={self.label!r}, counts={self.counts})"

    def keyPressed(self, key: Any) -> bool:  # noqa: N802 -- p5's name
        """Start the countdown for `key`'s label (a collection under way is stopped); False if it is not a label key."""
        label = self._label_of(key)
        if label is None:
            return False
        self.label = label
        self.state, self._phase_ends = COUNTDOWN, self._clock() + self.countdown
        self.update()
        return True

    def add(self, pose: Any) -> bool:
        """While collecting, add `pose` (an ml5 result, its pose or its keypoints) as an example of the label;
        True when it was added."""
        self.update()
        if self.state != COLLECTING or self.label is None:
            return False
        if _score_of(pose) < self.min_pose_score:
            return False
        self._add(pose_features(pose, self.body_relative), self.label)
        self.counts[self.label] = self.counts.get(self.label, 0) + 1
        self._collected += 1
        if self.samples is not None and self._collected >= self.samples:
            self._stop()
        return True

    def update(self) -> str:
        """Move on by the clock (countdown → collecting → waiting); the state. add() and draw() call it."""
        now = self._clock()
        if self.state == COUNTDOWN and now >= self._phase_ends:  # collecting from the countdown's end, however late
            self.state, self._collected = COLLECTING, 0
            self._phase_ends = self._phase_ends + self.seconds if self.seconds is not None else math.inf
        if self.state == COLLECTING and now >= self._phase_ends:
            self._stop()
        return self.state

    def _stop(self) -> None:
        self.state, self._phase_ends = WAITING, math.inf

    def status(self) -> str:
        """What draw() writes: the state, then the samples per label."""
        state = self.update()
        if state == COUNTDOWN:
            left = math.ceil(max(self._phase_ends - self._clock(), 0))
            doing = f"{self.label}: strike the pose... {left}"
        elif state == COLLECTING:
            doing = f"{self.label}: collecting {self._collected}" + (f"/{self.samples}" if self.samples else "")
        else:
            doing = f"press {self._keys_text()} to collect a pose"
        counts = "  ".join(f"{label} {count}" for label, count in self.counts.items()) or "no samples yet"
        return f"{doing}\n{counts}"

    def draw(self, canvas: Canvas | None = None) -> None:
        """The state in a band at the top of the canvas (default: the running sketch's, in the page)."""
        canvas = canvas if canvas is not None else _sketch_canvas()
        doing, counts = self.status().split("\n")
        canvas.push()
        canvas.noStroke()
        canvas.fill(0, 0, 0, 170)
        canvas.rect(0, 0, canvas.width, BAND_HEIGHT)
        if self.state == COUNTDOWN:
            canvas.fill(255, 255, 0)
        else:
            canvas.fill(255)
        canvas.textAlign("left", "alphabetic")
        canvas.textSize(20)
        canvas.text(doing, 10, 24)
        canvas.textSize(14)
        canvas.text(counts, 10, 46)
        canvas.pop()

    def _label_of(self, key: Any) -> str | None:
        if not isinstance(key, str):
            return None
        if self.keys is None:
            return key if len(key) == 1 and key.isprintable() and not key.isspace() else None
        return self.keys.get(key)

    def _keys_text(self) -> str:
        if self.keys is None:
            return "a key"
        return ", ".join(self.keys) if len(self.keys) < 6 else "a label key"

    key_pressed = keyPressed


def _adder(classifier: Any) -> Callable[[list[float], str], None]:
    if callable(getattr(classifier, "addData", None)):
        return lambda features, label: classifier.addData(features, [label])
    if callable(getattr(classifier, "addExample", None)):
        return lambda features, label: classifier.addExample(features, label)
    raise TypeError(
        "PoseCollector collects for an ml5.neuralNetwork (addData) or an ml5.KNNClassifier (addExample), "
        f"got {classifier!r}"
    )


def _key_labels(keys: Any) -> dict[str, str] | None:
    if keys is None:
        return None
    if isinstance(keys, Mapping):
        pairs = list(keys.items())
    elif isinstance(keys, Iterable):
        pairs = [(key, key) for key in keys]
    else:
        raise TypeError(f"keys: a string of keys, a list of keys or {{key: label}}, got {keys!r}")
    if not pairs or not all(isinstance(k, str) and k and isinstance(v, str) and v for k, v in pairs):
        raise ValueError(f"keys: give at least one key, each a non-empty string with a non-empty label; got {keys!r}")
    return dict(pairs)


def _seconds(value: Any, name: str, allow_zero: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a number of seconds, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'≥ 0' if allow_zero else '> 0'} seconds, got {value!r}")
    return float(value)


def _score_of(pose: Any) -> float:
    """The pose's score (an ml5 0.x result or its pose; ml5 1.x's confidence); 1 when it has none (keypoints)."""
    inner = pose["pose"] if isinstance(pose, Mapping) and "pose" in pose else pose
    if isinstance(inner, Mapping):
        for name in ("score", "confidence"):
            if isinstance(inner.get(name), int | float):
                return float(inner[name])
    return 1.0


def _sketch_canvas() -> Canvas:
    if IN_BROWSER:
        from .._browser.sketch import current_bridge

        bridge = current_bridge()
        if bridge is not None and bridge.p5 is not None:
            return bridge.p5
    raise RuntimeError(
        "PoseCollector.draw() draws on a running sketch's canvas; outside the page give it one: draw(canvas)"
    )
