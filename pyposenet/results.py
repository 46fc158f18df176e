"""Results in ml5's exact shape, in the coordinates of the element as displayed.

A result is `{"pose": {...}, "skeleton": [[kp, kp], ...]}`; `pose` has `score`, `keypoints`
(each `score`, `part`, `position {x, y}`) and one `{x, y, confidence}` entry per part name.
`Record` makes every level reachable both as `r.pose.nose.x` and `r["pose"]["nose"]["x"]`,
and stays a plain dict for `json.dumps` and for conversion to a plain JavaScript object.
"""

from __future__ import annotations

from dataclasses import dataclass

from .parts import adjacent_keypoints


class Record(dict):
    """A dict whose keys are also attributes."""

    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}; fields: {', '.join(self)}") from None

    def __setattr__(self, name, value):
        self[name] = value

    def __delattr__(self, name):
        del self[name]

    def __repr__(self):
        return f"Record({dict.__repr__(self)})"


@dataclass(frozen=True)
class FrameGeometry:
    """How one frame went into the network, and the size keypoints are reported in.

    The frame (source_width x source_height pixels) was padded to the input's aspect ratio,
    then resized to input_width x input_height; keypoints are wanted in display_width x
    display_height (the element as shown: a 640x480 camera shown at 320x240 gives 320x240).
    """

    input_height: int
    input_width: int
    source_height: int
    source_width: int
    pad_top: int = 0
    pad_bottom: int = 0
    pad_left: int = 0
    pad_right: int = 0
    display_height: float | None = None
    display_width: float | None = None

    def to_display(self, x: float, y: float) -> tuple[float, float]:
        """Map a point in network-input coordinates to display coordinates (the reference's scalePose, then display
        scaling)."""
        scale_y = (self.source_height + self.pad_top + self.pad_bottom) / self.input_height
        scale_x = (self.source_width + self.pad_left + self.pad_right) / self.input_width
        sx = x * scale_x - self.pad_left
        sy = y * scale_y - self.pad_top
        if self.display_width and self.display_width != self.source_width:
            sx *= self.display_width / self.source_width
        if self.display_height and self.display_height != self.source_height:
            sy *= self.display_height / self.source_height
        return sx, sy

    @property
    def output_width(self) -> float:
        return self.display_width or self.source_width


def mirrored_part(name: str) -> str:
    """leftWrist <-> rightWrist; nose stays nose."""
    if name.startswith("left"):
        return "right" + name[4:]
    if name.startswith("right"):
        return "left" + name[5:]
    return name


def _display_transform(geometry: FrameGeometry, flip_horizontal: bool):
    """``FrameGeometry.to_display`` (then the horizontal flip) as per-frame constants.

    ``(scale_x, pad_left, factor_x, scale_y, pad_top, factor_y, flip)``: a factor is None when the
    display size is the source size, ``flip`` is None without flipping. ``_ml5_result`` applies
    them with the same float operations in the same order as ``to_display``.
    """
    g = geometry
    scale_y = (g.source_height + g.pad_top + g.pad_bottom) / g.input_height
    scale_x = (g.source_width + g.pad_left + g.pad_right) / g.input_width
    factor_x = g.display_width / g.source_width if g.display_width and g.display_width != g.source_width else None
    factor_y = g.display_height / g.source_height if g.display_height and g.display_height != g.source_height else None
    flip = g.output_width - 1 if flip_horizontal else None
    return scale_x, g.pad_left, factor_x, scale_y, g.pad_top, factor_y, flip


def _ml5_result(raw_pose: dict, transform, min_confidence: float, flip_labels: bool) -> Record:
    scale_x, pad_left, factor_x, scale_y, pad_top, factor_y, flip = transform
    raw_keypoints = raw_pose["keypoints"]
    placed = []  # (score, x, y) per raw keypoint, in display coordinates
    for kp in raw_keypoints:
        position = kp["position"]
        x = position["x"] * scale_x - pad_left
        y = position["y"] * scale_y - pad_top
        if factor_x is not None:
            x *= factor_x
        if factor_y is not None:
            y *= factor_y
        if flip is not None:
            x = flip - x
        placed.append((kp["score"], x, y))
    parts = [kp["part"] for kp in raw_keypoints]
    found = dict(zip(parts, placed, strict=False))  # by part name: a repeated part takes its last keypoint's place
    if flip_labels:
        placed = [found[mirrored_part(part)] for part in parts]
    elif len(found) != len(parts):
        placed = [found[part] for part in parts]
    keypoints: list[Record] = []
    pose = Record(score=raw_pose["score"], keypoints=keypoints)
    for part, (score, x, y) in zip(parts, placed, strict=False):
        keypoints.append(Record(score=score, part=part, position=Record(x=x, y=y)))
        pose[part] = Record(x=x, y=y, confidence=score)
    return Record(pose=pose, skeleton=adjacent_keypoints(keypoints, min_confidence))


def to_ml5_result(
    raw_pose: dict,
    geometry: FrameGeometry,
    *,
    flip_horizontal: bool = False,
    min_confidence: float = 0.5,
    flip_labels: bool = False,
) -> Record:
    """One decoded pose (raw network-input coordinates) as ml5's `{pose, skeleton}`.

    `flip_labels` swaps left and right parts: in a mirrored webcam the network's "leftWrist"
    is the person's right wrist, so the keypoint list keeps its order but each left part
    takes its right counterpart's score and position.
    """
    return _ml5_result(raw_pose, _display_transform(geometry, flip_horizontal), min_confidence, flip_labels)


def to_ml5_results(
    raw_poses: list[dict],
    geometry: FrameGeometry,
    *,
    flip_horizontal: bool = False,
    min_confidence: float = 0.5,
    flip_labels: bool = False,
) -> list[Record]:
    transform = _display_transform(geometry, flip_horizontal)
    return [_ml5_result(p, transform, min_confidence, flip_labels) for p in raw_poses]
