"""Hypothesis set-up for the fuzz tests (tests/unit/test_fuzz_*.py) and the mutations they share.

Two profiles, picked by the environment:
- `ci` (the default, what `make test` runs): a fixed seed (`derandomize`), no example database, each test's
  own small `examples(n)`, so a run takes seconds and fails the same way every time.
- `fuzz` (`make fuzz`, PYPOSENET_FUZZ_SCALE=N): N times the examples, a fresh random seed each run and the
  example database in .hypothesis/, so a failure found once is replayed first next time.
"""

from __future__ import annotations

import io
import os

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from PIL import Image

FUZZ_SCALE = max(1, int(os.environ.get("PYPOSENET_FUZZ_SCALE", "1")))
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
# No "explain" phase: on a failure it reruns variations of the example for minutes; the shrunk example says enough.
_PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, suppress_health_check=_QUIET, phases=_PHASES
)
settings.register_profile(
    "fuzz", derandomize=False, deadline=None, suppress_health_check=_QUIET, print_blob=True, phases=_PHASES
)
settings.load_profile("fuzz" if FUZZ_SCALE > 1 else "ci")


def examples(ci_count: int) -> settings:
    """Settings for one fuzz test: `ci_count` generated cases under `make test`, FUZZ_SCALE times that under
    `make fuzz`."""
    return settings(max_examples=ci_count * FUZZ_SCALE)


# ------------------------------------------------------------------------------------------ byte mutations


@st.composite
def mutated(draw, good: bytes) -> bytes:
    """`good` damaged the ways a hostile client or a broken disk damages a file: cut short, bytes flipped
    (anywhere, or in the second half, where the pixel data is), a chunk cut out, a valid header followed by
    noise, or random bytes; sometimes two of them."""
    data = draw(_one_mutation(good))
    if draw(st.booleans()):
        data = draw(_one_mutation(data or good))
    return data


def _one_mutation(good: bytes) -> st.SearchStrategy[bytes]:
    size = len(good)
    return st.one_of(
        st.integers(0, max(0, size - 1)).map(lambda n: good[:n]),
        st.lists(st.tuples(st.integers(0, size - 1), st.integers(1, 255)), min_size=1, max_size=8).map(
            lambda flips: _flipped(good, flips)
        ),
        st.lists(st.tuples(st.integers(size // 2, size - 1), st.integers(1, 255)), min_size=1, max_size=4).map(
            lambda flips: _flipped(good, flips)  # in the pixel data: often still decodes, to other pixels
        ),
        st.tuples(st.integers(0, size - 1), st.integers(1, 4096)).map(lambda cut: good[: cut[0]] + good[sum(cut) :]),
        st.tuples(st.integers(4, 64), st.binary(max_size=4096)).map(lambda hn: good[: hn[0]] + hn[1]),
        st.binary(min_size=1, max_size=4096),
    )


def _flipped(good: bytes, flips: list[tuple[int, int]]) -> bytes:
    data = bytearray(good)
    for position, mask in flips:
        data[position] ^= mask
    return bytes(data)


# ------------------------------------------------------------------------------------------- seed images


class Blobs(dict):
    """Files' bytes by name, with a short repr, so that a failing example's report stays readable."""

    def __repr__(self) -> str:
        return f"<{len(self)} files: {', '.join(self)}>"


def seed_images(source: Image.Image) -> Blobs:
    """Small valid images of every type the API allows, in the variants whose decoders differ (progressive
    JPEG, palette, RGBA and 16-bit PNG, an animated GIF, lossy and lossless WebP, palette BMP): the fuzzers'
    starting points. Small, so that mutants that still decode run the network quickly."""
    rgb = source.convert("RGB").resize((64, 48))
    variants: dict[str, tuple[Image.Image, str, dict]] = {
        "baseline.jpg": (rgb, "JPEG", {"quality": 80}),
        "progressive.jpg": (rgb, "JPEG", {"progressive": True}),
        "rgb.png": (rgb, "PNG", {}),
        "palette.png": (rgb.convert("P"), "PNG", {}),
        "rgba.png": (rgb.convert("RGBA"), "PNG", {}),
        "grey16.png": (rgb.convert("I;16"), "PNG", {}),
        "animated.gif": (rgb.convert("P"), "GIF", {"save_all": True, "append_images": [rgb.rotate(90).convert("P")]}),
        "lossy.webp": (rgb, "WEBP", {"quality": 50}),
        "lossless.webp": (rgb, "WEBP", {"lossless": True}),
        "plain.bmp": (rgb, "BMP", {}),
        "palette.bmp": (rgb.convert("P"), "BMP", {}),
    }
    out = Blobs()
    for name, (image, fmt, params) in variants.items():
        buffer = io.BytesIO()
        image.save(buffer, fmt, **params)
        out[name] = buffer.getvalue()
    return out
