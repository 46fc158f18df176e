"""Whatever a sketch passes to singlePose()/multiPose() under CPython -> HxWx3 uint8 RGB pixels.

Accepted: a file path (str or os.PathLike), a PIL image, or a numpy array HxWx3 (HxWx4: alpha is
dropped, HxW: grey) of uint8. Alpha is dropped, not composited, as the reference's decoders did
(pngjs/jpeg-js, "RGBA -> RGB, alpha dropped"). EXIF orientation is not applied, like jpeg-js.
"""

from __future__ import annotations

import os

import numpy as np


def load_image(source) -> np.ndarray:
    """The pixels of `source` as a C-contiguous HxWx3 uint8 array."""
    if isinstance(source, (str, os.PathLike)):
        return _from_path(source)
    if isinstance(source, np.ndarray):
        return _from_array(source)
    if _is_pil_image(source):
        return _from_pil(source)
    raise TypeError(
        f"poseNet under CPython takes an image path, a PIL image or an HxWx3 uint8 numpy array; "
        f"got {type(source).__name__}"
    )


def _is_pil_image(value) -> bool:
    try:
        from PIL import Image
    except ImportError:
        return False
    return isinstance(value, Image.Image)


def _from_path(path) -> np.ndarray:
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError as exc:
        raise ImportError("reading image files needs Pillow: pip install 'pyposenet[host]'") from exc
    try:
        with Image.open(path) as image:
            image.load()
            return _from_pil(image)
    except FileNotFoundError:
        raise FileNotFoundError(f"image file {os.fspath(path)!r} not found") from None
    except UnidentifiedImageError as exc:
        raise ValueError(f"{os.fspath(path)!r} is not an image Pillow can read") from exc


def _from_pil(image) -> np.ndarray:
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
    return _from_array(np.asarray(image))


def _from_array(array: np.ndarray) -> np.ndarray:
    if array.dtype != np.uint8:
        raise TypeError(
            f"image arrays must be uint8 (0..255), got {array.dtype}; convert with "
            "np.clip(a, 0, 255).astype(np.uint8) if the values are pixel values"
        )
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    elif array.ndim == 3 and array.shape[2] in (3, 4):
        array = array[:, :, :3]
    else:
        raise ValueError(f"image arrays must be HxWx3 (or HxWx4, HxW), got shape {array.shape}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"the image is empty: shape {array.shape}")
    return np.ascontiguousarray(array)
