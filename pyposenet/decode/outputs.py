"""The four PoseNet output tensors, as flat float sequences the decoders can index."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..parts import NUM_KEYPOINTS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .root_hints import RootCandidates

HEATMAP_CHANNELS = NUM_KEYPOINTS  # 17
OFFSET_CHANNELS = 2 * NUM_KEYPOINTS  # 34: 17 y's then 17 x's
DISPLACEMENT_CHANNELS = 2 * (NUM_KEYPOINTS - 1)  # 32: 16 y's then 16 x's (one per pose-chain edge)
TOTAL_CHANNELS = HEATMAP_CHANNELS + OFFSET_CHANNELS + 2 * DISPLACEMENT_CHANNELS  # 115

_CHANNELS = (
    ("heatmap_scores", HEATMAP_CHANNELS),
    ("offsets", OFFSET_CHANNELS),
    ("displacement_fwd", DISPLACEMENT_CHANNELS),
    ("displacement_bwd", DISPLACEMENT_CHANNELS),
)


def as_float_view(buffer: Any) -> Any:
    """A byte-format memoryview (e.g. of a JS ArrayBuffer) is reinterpreted as float32."""
    if isinstance(buffer, memoryview) and buffer.itemsize == 1:
        return buffer.cast("B").cast("f")
    return buffer


class ModelOutputs:
    """PoseNet's outputs on a ``height`` x ``width`` grid (the reference decoders' inputs).

    Each tensor is a flat indexable sequence of floats in HWC order, element
    ``[y, x, c]`` at ``(y * width + x) * C + c``: a ``list``, an ``array.array('f')`` or a
    ``memoryview`` of float32 (what the browser hands over for a ``Float32Array``).

    * ``heatmap_scores``: 17 channels, sigmoid already applied.
    * ``offsets``: 34 channels, 17 y offsets then 17 x offsets.
    * ``displacement_fwd`` / ``displacement_bwd``: 32 channels, 16 y's then 16 x's.
    * ``root_candidates``: None, or the multi-pose root candidates found in the browser
      (``root_hints.RootCandidates``); the decoders check them before use.
    """

    __slots__ = (
        "height",
        "width",
        "heatmap_scores",
        "offsets",
        "displacement_fwd",
        "displacement_bwd",
        "root_candidates",
    )

    height: int
    width: int
    heatmap_scores: Sequence[float]
    offsets: Sequence[float]
    displacement_fwd: Sequence[float]
    displacement_bwd: Sequence[float]
    root_candidates: RootCandidates | None

    def __init__(
        self,
        height: int,
        width: int,
        heatmap_scores: Sequence[float],
        offsets: Sequence[float],
        displacement_fwd: Sequence[float],
        displacement_bwd: Sequence[float],
        root_candidates: RootCandidates | None = None,
    ) -> None:
        height = int(height)
        width = int(width)
        if height <= 0 or width <= 0:
            raise ValueError(f"output grid must be non-empty, got height={height}, width={width}")
        self.height = height
        self.width = width
        cells = height * width
        values = (heatmap_scores, offsets, displacement_fwd, displacement_bwd)
        for (name, channels), value in zip(_CHANNELS, values, strict=False):
            value = as_float_view(value)
            expected = cells * channels
            if len(value) != expected:
                raise ValueError(f"{name}: expected {expected} floats ({height}x{width}x{channels}), got {len(value)}")
            setattr(self, name, value)
        self.root_candidates = root_candidates

    @classmethod
    def from_flat(
        cls, buffer: Sequence[float], height: int, width: int, root_candidates: RootCandidates | None = None
    ) -> ModelOutputs:
        """Split one flat buffer ``heatmap ++ offsets ++ fwd ++ bwd`` (each HWC) by slicing.

        Slicing a ``memoryview`` copies nothing. Raises ``ValueError`` when the length is
        not ``height * width * 115``.
        """
        buffer = as_float_view(buffer)
        cells = int(height) * int(width)
        expected = cells * TOTAL_CHANNELS
        if len(buffer) != expected:
            raise ValueError(
                f"flat PoseNet output buffer for a {height}x{width} grid: expected {expected} floats "
                f"({height}*{width}*{TOTAL_CHANNELS}), got {len(buffer)}"
            )
        parts = []
        start = 0
        for _name, channels in _CHANNELS:
            end = start + cells * channels
            parts.append(buffer[start:end])
            start = end
        heatmap_scores, offsets, displacement_fwd, displacement_bwd = parts
        return cls(height, width, heatmap_scores, offsets, displacement_fwd, displacement_bwd, root_candidates)

    def __repr__(self) -> str:
        return f"ModelOutputs(height={self.height}, width={self.width})"
