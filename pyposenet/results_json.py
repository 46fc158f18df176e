"""ml5 results as JSON: what `pyposenet detect --json` writes and `POST /api/pose` answers (one serialisation).

An image's entry is `{"width": W, "height": H, "poses": [ml5 results]}`; each result is ml5's
`{pose: {score, keypoints: [{score, part, position: {x, y}}], nose: {x, y, confidence}, ...}, skeleton}`
in the image's pixels. `Record`s are dicts, so they serialise as plain JSON objects, keys in ml5's order.
"""

from __future__ import annotations

import json


def image_entry(poses: list, width: int, height: int) -> dict:
    """The JSON entry of one image: its size and its ml5 results."""
    return {"width": int(width), "height": int(height), "poses": poses}


def dumps(value, indent: int | None = None) -> str:
    """`value` as JSON text: indented, or one compact line when `indent` is None or 0."""
    indent = indent or None
    return json.dumps(value, indent=indent, separators=None if indent else (",", ":"))
