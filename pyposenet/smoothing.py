"""Temporal smoothing of ml5-shaped pose results with the One-Euro filter.

The One-Euro filter (Casiez, Roussel and Vogel, "1€ Filter: A Simple Speed-based Low-pass Filter
for Noisy Input in Interactive Systems", CHI 2012) is a first-order low-pass filter whose cutoff
frequency rises with the signal's speed: at rest a low cutoff removes jitter, in motion a higher
cutoff keeps the lag small. ``LowPassFilter`` and ``OneEuroFilter`` mirror the structure of
``@tensorflow-models/pose-detection`` ``shared/filters/low_pass_filter.ts`` and
``one_euro_filter.ts`` (without its optional threshold extension), with timestamps in seconds.

``PoseSmoother`` applies one filter to every keypoint's x and one to its y, per person, and returns
new results in ml5's exact shape (see ``results.py``)::

    from pyposenet.smoothing import PoseSmoother
    from pyposenet.tracking import PoseTracker

    tracker = PoseTracker()
    smoother = PoseSmoother()

    def got_poses(results):
        ids = tracker.update(results)
        smoothed = smoother.smooth(results, millis() / 1000, ids)

Defaults, for keypoints in pixels at about 30 frames per second
------------------------------------------------------------------
* ``min_cutoff = 1.0`` Hz: the cutoff at rest (Casiez et al.'s and pose-detection's starting
  point). At 30 fps it gives a smoothing factor of 0.17 per frame, which divides white jitter's
  standard deviation by about 3.
* ``beta = 0.02`` per pixel: how fast the cutoff rises with speed, ``cutoff = min_cutoff +
  beta * |speed in px/s|``. For a point moving at constant speed ``v`` the filter settles at a lag
  of exactly ``v / (2 * pi * cutoff)`` pixels (one time constant of the low-pass filter), which is
  always less than ``1 / (2 * pi * beta)`` = 8.0 px, however fast the motion: a walk at 300 px/s
  lags 6.8 px (47.7 px with ``beta = 0``), a hand at 1000 px/s 7.6 px. Jitter alone also moves the
  speed estimate (white noise of 3 px per frame gives about 15 px/s after the speed's own filter),
  so a larger beta lets more jitter through: 0.02 lets through little more than 0.01 and cuts its
  lag by 40% (the jitter figures: docs/benchmarks.md). (pose-detection's MoveNet uses
  ``beta = 300`` on coordinates normalised to 0..1, about 0.5 per pixel at 640 px: much more
  responsive, tuned for MoveNet's keypoints rather than PoseNet's.)
* ``derivate_cutoff = 1.0`` Hz: the cutoff of the speed estimate (the paper's default).
"""

from __future__ import annotations

import math
from typing import Protocol

from .results import Record

DEFAULT_MIN_CUTOFF = 1.0
"""Hz: the cutoff frequency when keypoints are still."""
DEFAULT_BETA = 0.02
"""Per pixel: the cutoff's increase per pixel/second of (filtered) speed."""
DEFAULT_DERIVATE_CUTOFF = 1.0
"""Hz: the cutoff frequency of the speed estimate."""
DEFAULT_TIMEOUT_S = 1.0
"""Seconds: a person absent for longer has their filters dropped (they restart from the raw value)."""


class Clock(Protocol):
    """Where a net's smoothing timestamps come from: the time in seconds of the frame being smoothed."""

    def __call__(self) -> float: ...


class VideoTime:  # implements Clock
    """A recorded video's clock: the time in seconds of the frame being detected, set by whoever reads the frames
    (`pyposenet detect`, `pyposenet batch`), so smoothing a file gives the same poses on every run."""

    seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


class LowPassFilter:
    """A first-order (exponential) low-pass filter: ``y = y_prev + alpha * (x - y_prev)``.

    Mirrors pose-detection's ``LowPassFilter``: the first value passes through unchanged, and the
    last raw input is kept (the One-Euro filter differentiates raw values).
    """

    __slots__ = ("alpha", "_initialized", "_raw_value", "_stored_value")

    def __init__(self, alpha: float):
        self.alpha = alpha
        self._initialized = False
        self._raw_value = 0.0
        self._stored_value = 0.0

    def apply(self, value: float) -> float:
        if self._initialized:
            result = self._stored_value + self.alpha * (value - self._stored_value)
        else:
            result = value
            self._initialized = True
        self._raw_value = value
        self._stored_value = result
        return result

    def apply_with_alpha(self, value: float, alpha: float) -> float:
        self.alpha = alpha
        return self.apply(value)

    def has_last_raw_value(self) -> bool:
        return self._initialized

    def last_raw_value(self) -> float:
        return self._raw_value

    def last_value(self) -> float:
        return self._stored_value

    def reset(self) -> None:
        self._initialized = False


class OneEuroFilter:
    """The One-Euro filter for one scalar signal; timestamps in seconds.

    ``apply(value, timestamp_s)`` returns the filtered value. The sampling frequency is measured
    from consecutive timestamps. A timestamp that does not increase (a repeated frame, a clock that
    went back) does not divide by zero: the previous filtered value is returned and the filter
    state is kept, and the new timestamp becomes the reference for the next call, so a clock that
    restarts from a smaller value is followed from then on. (pose-detection returns the raw value
    there, and keeps its old timestamp.)
    """

    __slots__ = ("min_cutoff", "beta", "derivate_cutoff", "frequency", "_x", "_dx", "_last_timestamp")

    def __init__(
        self,
        min_cutoff: float = DEFAULT_MIN_CUTOFF,
        beta: float = DEFAULT_BETA,
        derivate_cutoff: float = DEFAULT_DERIVATE_CUTOFF,
    ):
        _check_parameters(min_cutoff, beta, derivate_cutoff)
        self.min_cutoff = float(min_cutoff)
        self.beta = float(beta)
        self.derivate_cutoff = float(derivate_cutoff)
        self.frequency = 30.0  # only a placeholder until two timestamps have been seen
        self._x = LowPassFilter(self.get_alpha(self.min_cutoff))
        self._dx = LowPassFilter(self.get_alpha(self.derivate_cutoff))
        self._last_timestamp: float | None = None

    def apply(self, value: float, timestamp_s: float, value_scale: float = 1.0) -> float:
        """Filter ``value`` observed at ``timestamp_s`` seconds.

        ``value_scale`` multiplies the speed before it meets ``beta`` (pose-detection's
        ``valueScale``: pass ``1 / object_size`` to make ``beta`` independent of the object's size).
        """
        if value is None:
            return value
        last = self._last_timestamp
        self._last_timestamp = timestamp_s
        if last is not None and self._x.has_last_raw_value():
            if timestamp_s <= last:
                return self._x.last_value()
            self.frequency = 1.0 / (timestamp_s - last)
        if self._x.has_last_raw_value():
            d_value = (value - self._x.last_raw_value()) * value_scale * self.frequency
        else:
            d_value = 0.0
        ed_value = self._dx.apply_with_alpha(d_value, self.get_alpha(self.derivate_cutoff))
        cutoff = self.min_cutoff + self.beta * abs(ed_value)
        return self._x.apply_with_alpha(value, self.get_alpha(cutoff))

    def get_alpha(self, cutoff: float) -> float:
        """The smoothing factor of a low-pass filter at ``cutoff`` Hz sampled at ``self.frequency``."""
        return 1.0 / (1.0 + self.frequency / (2.0 * math.pi * cutoff))

    def last_value(self) -> float | None:
        return self._x.last_value() if self._x.has_last_raw_value() else None

    def reset(self) -> None:
        self._x.reset()
        self._dx.reset()
        self._last_timestamp = None


def _check_parameters(min_cutoff, beta, derivate_cutoff) -> None:
    if not (isinstance(min_cutoff, (int, float)) and min_cutoff > 0):
        raise ValueError(f"min_cutoff must be a number > 0 (Hz), got {min_cutoff!r}")
    if not (isinstance(beta, (int, float)) and beta >= 0):
        raise ValueError(f"beta must be a number >= 0, got {beta!r}")
    if not (isinstance(derivate_cutoff, (int, float)) and derivate_cutoff > 0):
        raise ValueError(f"derivate_cutoff must be a number > 0 (Hz), got {derivate_cutoff!r}")


class _PersonFilters:
    """One x filter and one y filter per part name, and when the person was last seen."""

    __slots__ = ("filters", "last_seen")

    def __init__(self, timestamp_s: float):
        self.filters: dict[str, tuple[OneEuroFilter, OneEuroFilter]] = {}
        self.last_seen = timestamp_s


class PoseSmoother:
    """Smooths every keypoint of a stream of ml5-shaped results over time.

    ``smooth(results, timestamp_s, ids=None)`` returns new ``Record`` results in ml5's shape: the
    keypoints' ``position``, the per-part ``{x, y, confidence}`` entries and the ``skeleton`` pairs
    all hold the smoothed coordinates (the skeleton pairs are the new keypoint objects, as in
    ml5), scores are unchanged, other fields (e.g. the tracker's ``id``) are copied. The input is
    not modified.

    Filters are kept per person: per id when ``ids`` is given (one per result, e.g. from
    ``PoseTracker.update``), otherwise per position in the list (fine for one person; with several,
    ml5's order follows the scores and can change between frames, so use a tracker). A person not
    seen for more than ``timeout_s`` seconds has their filters dropped.
    """

    def __init__(
        self,
        min_cutoff: float = DEFAULT_MIN_CUTOFF,
        beta: float = DEFAULT_BETA,
        derivate_cutoff: float = DEFAULT_DERIVATE_CUTOFF,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ):
        _check_parameters(min_cutoff, beta, derivate_cutoff)
        if not (isinstance(timeout_s, (int, float)) and timeout_s >= 0):
            raise ValueError(f"timeout_s must be a number >= 0 (seconds), got {timeout_s!r}")
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.derivate_cutoff = derivate_cutoff
        self.timeout_s = timeout_s
        self._people: dict[object, _PersonFilters] = {}

    @property
    def person_keys(self) -> list:
        """The ids (or list positions) that currently have filters."""
        return list(self._people)

    def reset(self) -> None:
        self._people.clear()

    def smooth(self, results, timestamp_s: float, ids=None) -> list[Record]:
        results = list(results)
        if ids is None:
            keys = list(range(len(results)))
        else:
            keys = list(ids)
            if len(keys) != len(results):
                raise ValueError(f"ids has {len(keys)} entries for {len(results)} results; give one id per result")
            if len(set(keys)) != len(keys):
                raise ValueError(f"ids must be distinct, got {keys!r}")
        timestamp_s = float(timestamp_s)
        present = set(keys)
        for key in [
            k
            for k, person in self._people.items()
            if k not in present and abs(timestamp_s - person.last_seen) > self.timeout_s
        ]:
            del self._people[key]

        smoothed = []
        for key, result in zip(keys, results, strict=False):
            person = self._people.get(key)
            if person is None or abs(timestamp_s - person.last_seen) > self.timeout_s:
                person = self._people[key] = _PersonFilters(timestamp_s)
            person.last_seen = timestamp_s
            smoothed.append(self._smooth_result(result, person, timestamp_s))
        return smoothed

    def _filters_for(self, person: _PersonFilters, part) -> tuple[OneEuroFilter, OneEuroFilter]:
        pair = person.filters.get(part)
        if pair is None:
            pair = person.filters[part] = (
                OneEuroFilter(self.min_cutoff, self.beta, self.derivate_cutoff),
                OneEuroFilter(self.min_cutoff, self.beta, self.derivate_cutoff),
            )
        return pair

    def _smooth_result(self, result, person: _PersonFilters, timestamp_s: float) -> Record:
        pose = result["pose"]
        new_keypoints = []
        by_identity: dict[int, Record] = {}
        by_part: dict[object, Record] = {}
        for index, kp in enumerate(pose["keypoints"]):
            part = kp.get("part", index)
            fx, fy = self._filters_for(person, part)
            position = kp["position"]
            x = fx.apply(position["x"], timestamp_s)
            y = fy.apply(position["y"], timestamp_s)
            new_position = Record(position)
            new_position["x"] = x
            new_position["y"] = y
            new_kp = Record(kp)
            new_kp["position"] = new_position
            new_keypoints.append(new_kp)
            by_identity[id(kp)] = new_kp
            by_part[part] = new_kp

        new_pose = Record(pose)
        new_pose["keypoints"] = new_keypoints
        for new_kp in new_keypoints:
            part = new_kp.get("part")
            if isinstance(part, str):
                new_pose[part] = Record(
                    x=new_kp["position"]["x"], y=new_kp["position"]["y"], confidence=new_kp["score"]
                )

        new_result = Record(result)
        new_result["pose"] = new_pose
        if "skeleton" in result:
            new_result["skeleton"] = [
                [_replacement(kp, by_identity, by_part) for kp in pair] for pair in result["skeleton"]
            ]
        return new_result


def _replacement(kp, by_identity: dict, by_part: dict):
    """The smoothed keypoint standing for ``kp`` (the same object, else the same part name)."""
    new_kp = by_identity.get(id(kp))
    if new_kp is None:
        new_kp = by_part.get(kp.get("part"))
    if new_kp is None:
        raise ValueError(f"skeleton keypoint {kp.get('part')!r} is not one of the pose's keypoints")
    return new_kp
