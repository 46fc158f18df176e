"""Stable person ids across frames for multi-pose results.

``PoseTracker.update(results)`` gives each result an integer ``id`` (returned as a list, one per
result in order, and set as ``result["id"]``, so ``result.id`` on ml5's Records) that stays with the
same person from frame to frame::

    tracker = PoseTracker()

    def got_poses(results):
        tracker.update(results)
        for result in results:
            text(str(result.id), result.pose.nose.x, result.pose.nose.y)

How it matches (pure Python, a few hundred microseconds for 10 people):

* Each track keeps its last keypoints and a velocity (the mean displacement per frame of its
  confident keypoints, averaged over recent frames). Its expected keypoints in the new frame are
  the last ones moved by the velocity times the frames elapsed: two people walking past each
  other are told apart by where each is heading, not only by where each was.
* The distance between a track and a pose is the mean pixel distance between the expected and the
  observed keypoints, over the parts confident (score >= ``min_keypoint_score``) in both (all parts
  when fewer than 3 are), divided by the track's size (the mean of the width and height of its
  confident keypoints' bounding box, as pose-detection's object scale). It is in "body sizes".
* Pairs are taken greedily from the smallest distance up (like pose-detection's trackers), each
  track and pose at most once, and only under ``max_distance``. Ties are broken by track id and by
  the pose's content, never by its place in the list, so the order of the results does not change
  who gets which id.
* A pose left unmatched starts a new track with the next id: ids start at 1, only increase and are
  never reused. Poses that start tracks in the same frame get their ids by descending score, then
  left to right.
* A track missed in a frame survives up to ``max_age_frames`` missed frames in a row (a person
  hidden for a frame keeps their id), then it is dropped for good.

Defaults: ``max_age_frames = 30`` (one second at 30 fps, pose-detection's ``maxAge`` of 1000 ms);
``max_distance = 0.5`` body sizes per frame after motion prediction: far more than a person moves
between two frames at 30 fps (a fast walk is well under 0.1), and less than the distance between
two people standing side by side.
"""

from __future__ import annotations

import math
from typing import cast

DEFAULT_MAX_AGE_FRAMES = 30
DEFAULT_MAX_DISTANCE = 0.5
DEFAULT_MIN_KEYPOINT_SCORE = 0.3
_MIN_COMMON_KEYPOINTS = 3
_VELOCITY_SMOOTHING = 0.5  # weight of the newest displacement in the velocity average


def _pose_of(result):
    """The pose inside an ml5 result (``result["pose"]``), or a bare decoder pose."""
    return result.get("pose", result)


def _keypoints_of(result) -> dict:
    """part (or index) -> (x, y, score)."""
    out = {}
    for index, kp in enumerate(_pose_of(result)["keypoints"]):
        position = kp["position"]
        out[kp.get("part", index)] = (float(position["x"]), float(position["y"]), float(kp.get("score", 1.0)))
    return out


def _confident(keypoints: dict, min_score: float) -> list:
    return [part for part, (_, _, score) in keypoints.items() if score >= min_score]


def _size(keypoints: dict, parts) -> float:
    """Mean of the bounding box's width and height over ``parts`` (at least 1 px)."""
    if not parts:
        parts = list(keypoints)
    if not parts:
        return 1.0
    xs = [keypoints[p][0] for p in parts]
    ys = [keypoints[p][1] for p in parts]
    return max(1.0, ((max(xs) - min(xs)) + (max(ys) - min(ys))) / 2.0)


def _common_parts(a: dict, b: dict, min_score: float) -> list:
    common = [p for p in a if p in b]
    confident = [p for p in common if a[p][2] >= min_score and b[p][2] >= min_score]
    return confident if len(confident) >= _MIN_COMMON_KEYPOINTS else common


class _Track:
    __slots__ = ("id", "keypoints", "velocity", "missed", "size")

    def __init__(self, track_id: int, keypoints: dict, min_score: float):
        self.id = track_id
        self.keypoints = keypoints
        self.velocity = (0.0, 0.0)
        self.missed = 0
        self.size = _size(keypoints, _confident(keypoints, min_score))

    def expected(self) -> dict:
        frames = self.missed + 1
        vx, vy = self.velocity
        dx, dy = vx * frames, vy * frames
        return {p: (x + dx, y + dy, s) for p, (x, y, s) in self.keypoints.items()}

    def update(self, keypoints: dict, min_score: float) -> None:
        parts = _common_parts(self.keypoints, keypoints, min_score)
        if parts:
            frames = self.missed + 1
            mx = sum(keypoints[p][0] - self.keypoints[p][0] for p in parts) / (len(parts) * frames)
            my = sum(keypoints[p][1] - self.keypoints[p][1] for p in parts) / (len(parts) * frames)
            w = _VELOCITY_SMOOTHING
            self.velocity = (w * mx + (1 - w) * self.velocity[0], w * my + (1 - w) * self.velocity[1])
        self.keypoints = keypoints
        self.size = _size(keypoints, _confident(keypoints, min_score))
        self.missed = 0


def _distance(track: _Track, expected: dict, keypoints: dict, min_score: float) -> float:
    parts = _common_parts(expected, keypoints, min_score)
    if not parts:
        return math.inf
    total = 0.0
    for p in parts:
        ex, ey, _ = expected[p]
        x, y, _ = keypoints[p]
        total += math.hypot(x - ex, y - ey)
    return total / len(parts) / track.size


def _content_key(keypoints: dict, score: float) -> tuple:
    """An order for poses that depends on what they are, not on where they are in the list."""
    if keypoints:
        cx = sum(k[0] for k in keypoints.values()) / len(keypoints)
        cy = sum(k[1] for k in keypoints.values()) / len(keypoints)
    else:
        cx = cy = 0.0
    return (-score, cx, cy, tuple(sorted((str(p), k) for p, k in keypoints.items())))


class PoseTracker:
    """Gives each person a stable integer id across frames (see the module's docstring)."""

    def __init__(
        self,
        max_age_frames: int = DEFAULT_MAX_AGE_FRAMES,
        max_distance: float = DEFAULT_MAX_DISTANCE,
        min_keypoint_score: float = DEFAULT_MIN_KEYPOINT_SCORE,
    ):
        if not (isinstance(max_age_frames, int) and not isinstance(max_age_frames, bool) and max_age_frames >= 0):
            raise ValueError(f"max_age_frames must be an integer >= 0, got {max_age_frames!r}")
        if not (isinstance(max_distance, (int, float)) and max_distance > 0):
            raise ValueError(f"max_distance must be a number > 0 (in body sizes), got {max_distance!r}")
        if not (isinstance(min_keypoint_score, (int, float)) and 0 <= min_keypoint_score <= 1):
            raise ValueError(f"min_keypoint_score must be between 0 and 1, got {min_keypoint_score!r}")
        self.max_age_frames = max_age_frames
        self.max_distance = float(max_distance)
        self.min_keypoint_score = float(min_keypoint_score)
        self._tracks: list[_Track] = []
        self._next_id = 1

    @property
    def track_ids(self) -> list[int]:
        """The ids of the live tracks (seen, or missed for at most ``max_age_frames`` frames)."""
        return [t.id for t in self._tracks]

    def reset(self) -> None:
        """Forget every track; ids still keep increasing (an id is never given twice)."""
        self._tracks = []

    def update(self, results) -> list[int]:
        """Match this frame's results to the tracks; returns one id per result, in order."""
        results = list(results)
        min_score = self.min_keypoint_score
        observed = [_keypoints_of(r) for r in results]
        scores = [float(_pose_of(r).get("score", 0.0)) for r in results]
        keys = [_content_key(kps, s) for kps, s in zip(observed, scores, strict=False)]

        candidates = []
        for track in self._tracks:
            expected = track.expected()
            for j, kps in enumerate(observed):
                d = _distance(track, expected, kps, min_score)
                if d <= self.max_distance:
                    candidates.append((d, track.id, keys[j], j, track))
        candidates.sort(key=lambda c: c[:3])

        ids: list[int | None] = [None] * len(results)
        matched_tracks = set()
        for _, track_id, _, j, track in candidates:
            if track_id in matched_tracks or ids[j] is not None:
                continue
            matched_tracks.add(track_id)
            ids[j] = track_id
            track.update(observed[j], min_score)

        kept = []
        for track in self._tracks:
            if track.id not in matched_tracks:
                track.missed += 1
                if track.missed > self.max_age_frames:
                    continue
            kept.append(track)
        self._tracks = kept

        for j in sorted((j for j in range(len(results)) if ids[j] is None), key=lambda j: keys[j]):
            track = _Track(self._next_id, observed[j], min_score)
            self._next_id += 1
            self._tracks.append(track)
            ids[j] = track.id

        for result, given in zip(results, ids, strict=False):
            result["id"] = given
        return cast(list[int], ids)  # every None was replaced by a new track's id just above
