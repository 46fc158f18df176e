"""Poses drawn onto an image with Pillow, in the default sketch's look (examples/webcam_skeleton.py).

The sketch, on a 640x480 canvas, draws a red 10-pixel dot on every keypoint whose score is above
0.2 and a red 1-pixel line for every skeleton pair. Here the same, scaled with the image: on an
image whose shorter side is S pixels, dots are 10*max(1, S/480) pixels wide and lines
round(max(1, S/480)) pixels thick, so a 4K frame looks like the sketch's canvas.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["RED", "KEYPOINT_MIN_SCORE", "draw_poses"]

RED = (255, 0, 0)
KEYPOINT_MIN_SCORE = 0.2  # the default sketch's `if keypoint.score > 0.2`
DOT_DIAMETER = 10
REFERENCE_SIZE = 480


def draw_poses(image, results: Iterable[Mapping], min_score: float = KEYPOINT_MIN_SCORE, color=RED):
    """Draw ml5 results (`[{pose, skeleton}]`) onto the PIL image `image` in place; returns it."""
    from PIL import ImageDraw

    if image.mode != "RGB":
        raise ValueError(f"draw_poses draws on RGB images, got mode {image.mode}")
    scale = max(1.0, min(image.size) / REFERENCE_SIZE)
    radius = DOT_DIAMETER * scale / 2
    width = max(1, round(scale))
    draw = ImageDraw.Draw(image)
    for result in results:
        for keypoint in result["pose"]["keypoints"]:
            if keypoint["score"] > min_score:
                x, y = keypoint["position"]["x"], keypoint["position"]["y"]
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=color)
        for a, b in result["skeleton"]:
            draw.line(
                (a["position"]["x"], a["position"]["y"], b["position"]["x"], b["position"]["y"]),
                fill=color,
                width=width,
            )
    return image
