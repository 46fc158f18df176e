"""Whatever a sketch passes to singlePose()/multiPose() under CPython -> HxWx3 uint8 RGB pixels.

Accepted: a file path (str or os.PathLike), a PIL image, or a numpy array HxWx3 (HxWx4: alpha is
dropped, HxW: grey) of uint8. Alpha is dropped, not composited, as the reference's decoders did
(pngjs/jpeg-js, "RGBA -> RGB, alpha dropped"). EXIF orientation is not applied, like jpeg-js.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import Literal

import numpy as np

ReadProblem = Literal["unsupported", "damaged", "too_large"]


class ImageReadError(ValueError):
    """Bytes or a file that yield no pixels. `problem`: "unsupported" (no allowed decoder recognises it),
    "damaged" (an allowed type whose data is broken or cut short), "too_large" (more pixels than allowed).
    `image_format` is Pillow's name for the type when the header was recognised; `detail` is Pillow's own
    words; `size` the (width, height) when known."""

    def __init__(
        self,
        problem: ReadProblem,
        message: str,
        *,
        image_format: str | None = None,
        detail: str = "",
        size: tuple[int, int] | None = None,
    ):
        super().__init__(message)
        self.problem: ReadProblem = problem
        self.image_format = image_format
        self.detail = detail
        self.size = size


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
        return read_image(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"image file {os.fspath(path)!r} not found") from None
    except ImageReadError as error:
        raise ImageReadError(
            error.problem,
            f"{os.fspath(path)!r}: {error}",
            image_format=error.image_format,
            detail=error.detail,
            size=error.size,
        ) from None


def read_image(
    source: bytes | str | os.PathLike,
    formats: Sequence[str] | None = None,
    max_pixels: int | None = None,
) -> np.ndarray:
    """The fully decoded HxWx3 uint8 pixels of an image file or its bytes (an animation: its first frame).

    Only the Pillow decoders named in `formats` (Pillow's names: "PNG", "JPEG", ...; None: every one) see the
    data. Every way the data can fail becomes an ImageReadError: Pillow raises OSError, SyntaxError,
    ValueError, EOFError, struct.error, IndexError and more from inside its decoders for broken data, some while
    opening (a PNG chunk cut short: "Truncated File Read"), some only while decoding the pixels.
    """
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError as exc:
        raise ImportError("reading image files needs Pillow: pip install 'pyposenet[host]'") from exc
    data = io.BytesIO(source) if isinstance(source, bytes) else source
    allowed = list(formats) if formats is not None else None
    try:
        image = Image.open(data, formats=allowed)
    except FileNotFoundError:
        raise
    except UnidentifiedImageError:
        wanted = "a type Pillow can read" if allowed is None else f"an allowed type ({', '.join(allowed)})"
        raise ImageReadError("unsupported", f"not an image of {wanted}") from None
    except Image.DecompressionBombError as error:
        raise ImageReadError("too_large", f"the image has too many pixels ({error})", detail=str(error)) from None
    except Exception as error:  # noqa: BLE001 - a recognised header with broken data after it
        raise _damaged(_header_format(source, allowed), error) from None
    with image:
        return _decoded(image, max_pixels)


def _decoded(image, max_pixels: int | None) -> np.ndarray:
    from PIL import Image

    width, height = image.size
    if max_pixels is not None and width * height > max_pixels:
        raise ImageReadError(
            "too_large",
            f"the image is {width}x{height} = {width * height} pixels; the limit is {max_pixels} pixels",
            image_format=image.format,
            size=(width, height),
        )
    try:
        image.seek(0)  # an animation: its first frame
        image.load()
        return _from_pil(image)
    except Image.DecompressionBombError as error:
        raise ImageReadError(
            "too_large", f"the image has too many pixels ({error})", image_format=image.format, detail=str(error)
        ) from None
    except Exception as error:  # noqa: BLE001 - Pillow's decoders raise many types for broken data
        raise _damaged(image.format, error) from None


def _damaged(image_format: str | None, error: Exception) -> ImageReadError:
    detail = str(error) or type(error).__name__
    kind = f"the {image_format} image" if image_format else "the image"
    return ImageReadError(
        "damaged", f"{kind} is damaged or truncated ({detail})", image_format=image_format, detail=detail
    )


def _header_format(source, allowed: list[str] | None) -> str | None:
    """The type an image's first bytes announce (for messages when Pillow fails before naming it)."""
    from PIL import Image

    Image.init()
    try:
        if isinstance(source, bytes):
            head = source[:64]
        else:
            with open(source, "rb") as file:
                head = file.read(64)
    except OSError:
        return None
    for name, (_factory, accept) in Image.OPEN.items():  # Pillow's own header tests, by format name
        if accept is None or (allowed is not None and name not in allowed):
            continue
        try:
            if accept(head):
                return name
        except Exception:  # noqa: BLE001, S112 - a header test that fails on these bytes did not match
            continue
    return None


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
