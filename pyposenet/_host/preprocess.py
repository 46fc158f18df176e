"""A frame -> the network's input, exactly as the reference JavaScript makes it.

posenet 2.2.2's padAndResizeTo (also web/model.js): pad the frame with zeros to the input's aspect
ratio, split evenly (`Math.round`, i.e. round half up), then `tf.image.resizeBilinear` with
alignCorners=false and halfPixelCenters=false, then MobileNet's `x / 127.5 - 1` (or ResNet's mean
subtraction). tfjs's CPU kernel interpolates in double precision and stores float32, and float32
division/subtraction of float32 values is the same whether done in double then rounded or in
float32, so the result here is bit-identical to the reference's input tensor.
"""

from __future__ import annotations

import threading

import numpy as np

from ..decode.util import js_round  # JavaScript's Math.round (the browser wheel ships decode/, not _host/)

RESNET_MEAN = (-123.15, -115.9, -103.06)


def padding_for(height: int, width: int, target_h: int, target_w: int) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) zero padding that gives the frame the input's aspect ratio."""
    target_aspect = target_w / target_h
    if width / height < target_aspect:
        pad = js_round(0.5 * (target_aspect * height - width))
        return 0, 0, pad, pad
    pad = js_round(0.5 * ((1.0 / target_aspect) * width - height))
    return pad, pad, 0, 0


def _source_index(out_size: int, in_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """tfjs CPU ResizeBilinear, alignCorners=false, halfPixelCenters=false: src = dst * in/out."""
    frac = (in_size / out_size) * np.arange(out_size, dtype=np.float64)
    low = np.maximum(0, np.floor(frac)).astype(np.intp)
    high = np.minimum(in_size - 1, np.ceil(frac)).astype(np.intp)
    return low, high, frac - low


def _gather_index(index: np.ndarray, before: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Padded-frame indices -> (clipped frame indices, True where the index falls in the padding)."""
    src = index - before
    return np.clip(src, 0, size - 1), (src < 0) | (src >= size)


def pad_and_resize(
    image: np.ndarray, target_h: int, target_w: int, padding: tuple[int, int, int, int] | None = None
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """HxWxC pixels -> (target_h x target_w x C float32, (top, bottom, left, right)).

    The padded frame is never built: each output pixel reads its four source pixels from the frame
    directly (zero where they fall in the padding), on (rows, W*C) arrays so the arithmetic runs
    in long contiguous loops. The lerps are tfjs's, in its order, in double precision."""
    h, w, channels = image.shape
    top, bottom, left, right = padding if padding is not None else padding_for(h, w, target_h, target_w)
    r0, r1, rf = _source_index(target_h, h + top + bottom)
    c0, c1, cf = _source_index(target_w, w + left + right)
    flat = image.reshape(h, w * channels)
    lanes = np.arange(channels)
    tl, tr, bl, br = corners = _scratch((target_h, target_w * channels), 4)
    for pair, rows in zip(((tl, tr), (bl, br)), (r0, r1), strict=False):
        rows, rows_out = _gather_index(rows, top, h)
        picked_rows = flat[rows]
        for corner, cols in zip(pair, (c0, c1), strict=False):
            cols, cols_out = _gather_index(cols, left, w)
            np.copyto(corner, picked_rows[:, (cols[:, None] * channels + lanes).ravel()])
            corner[rows_out] = 0
            corner[:, np.repeat(cols_out, channels)] = 0
    cf = np.repeat(cf, channels)
    # top = tl + (tr - tl) * colFrac; bottom likewise; out = top + (bottom - top) * rowFrac (in place).
    top_row = np.add(tl, np.multiply(np.subtract(tr, tl, out=tr), cf, out=tr), out=tr)
    bottom_row = np.add(bl, np.multiply(np.subtract(br, bl, out=br), cf, out=br), out=br)
    np.add(top_row, np.multiply(np.subtract(bottom_row, top_row, out=bl), rf[:, None], out=bl), out=top_row)
    del corners
    return top_row.astype(np.float32).reshape(target_h, target_w, channels), (top, bottom, left, right)


_local = threading.local()


def _scratch(shape: tuple[int, ...], count: int) -> list[np.ndarray]:
    """Float64 work arrays reused from call to call (per thread): fresh multi-MB arrays cost more in
    page faults than the arithmetic done in them."""
    buffers = getattr(_local, "buffers", None)
    if buffers is None or buffers[0].shape != shape:
        buffers = _local.buffers = [np.empty(shape, np.float64) for _ in range(count)]
    return buffers


def normalize(resized: np.ndarray, preprocessing: str = "mobilenet") -> np.ndarray:
    """MobileNet: x / 127.5 - 1 (in float32, as tf.div then tf.sub); ResNet50: add the negated RGB means."""
    if preprocessing == "resnet":
        return resized + np.asarray(RESNET_MEAN, dtype=np.float32)
    if preprocessing != "mobilenet":
        raise ValueError(f"unknown preprocessing {preprocessing!r}; 'mobilenet' or 'resnet'")
    out = np.divide(resized, np.float32(127.5), dtype=np.float32)
    return np.subtract(out, np.float32(1.0), out=out)


def preprocess(image: np.ndarray, target_h: int, target_w: int, preprocessing: str = "mobilenet"):
    """HxWx3 pixels -> (1 x target_h x target_w x 3 float32 batch, (top, bottom, left, right))."""
    resized, padding = pad_and_resize(image, target_h, target_w)
    return normalize(resized, preprocessing)[None], padding
