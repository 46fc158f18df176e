"""posenet 2.2.2's ``multi_pose/util.ts`` on flat HWC sequences, and JavaScript's ``Math.round``.

The tensors are flat sequences in HWC order (``outputs.ModelOutputs``): element ``[y, x, c]`` of a
tensor with ``C`` channels is at ``(y * width + x) * C + c``.

``js_round`` is also what the host runtime pads frames with (``pyposenet/_host/preprocess.py``
imports it from here: the browser wheel ships ``decode/``, not ``_host/``).
"""

from __future__ import annotations

from math import floor
from typing import TYPE_CHECKING

from ..parts import NUM_KEYPOINTS

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


def js_round(value: float) -> int:
    """JavaScript ``Math.round``: nearest integer, halves rounded up (towards +inf).

    ``-2.5 -> -2``, ``2.5 -> 3``, ``0.49999999999999994 -> 0`` (``floor(v + 0.5)`` would
    give 1 there). Python's ``round`` rounds halves to even and must not be used.
    """
    r = floor(value)
    return r + 1 if value - r >= 0.5 else r


def clamp(a: int, low: int, high: int) -> int:
    """Reference ``clamp``."""
    if a < low:
        return low
    if a > high:
        return high
    return a


def get_offset_point(y: int, x: int, keypoint: int, offsets: Sequence[float], width: int) -> tuple[float, float]:
    """Reference ``getOffsetPoint``: the part's (y, x) offset at heatmap cell ``(y, x)``."""
    o = (y * width + x) * 2 * NUM_KEYPOINTS + keypoint
    return offsets[o], offsets[o + NUM_KEYPOINTS]


def get_image_coords(
    heatmap_y: int, heatmap_x: int, keypoint: int, output_stride: float, offsets: Sequence[float], width: int
) -> tuple[float, float]:
    """Reference ``getImageCoords``: the (y, x) position, in model-input pixels, of a part found at a cell."""
    offset_y, offset_x = get_offset_point(heatmap_y, heatmap_x, keypoint, offsets, width)
    return heatmap_y * output_stride + offset_y, heatmap_x * output_stride + offset_x


def as_list(values: Iterable[float]) -> list[float]:
    """The values as a Python list (``memoryview.tolist()`` and friends run in C).

    The generic path indexes the heatmap thousands of times per frame: list items are ready-made
    floats, a memoryview makes a new float object on every read.
    """
    if type(values) is list:
        return values
    tolist = getattr(values, "tolist", None)
    return tolist() if tolist is not None else list(values)
