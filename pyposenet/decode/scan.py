"""Fast scans of a float32 heatmap: the loops that run in C, for the decoders' fast paths.

The page hands the decoders a float32 memoryview. Every Python-level read of it makes a new float
object, and a frame's heatmap has 17 x H x W of them (4913 at 257 px, 18513 at 513 px): scanning all
of them in Python costs more than the rest of decoding. A non-negative float32 compares like its bit
pattern, and its high byte (sign and exponent) is a coarse key of that order; a regular expression
over the high bytes runs in C and finds, among thousands, the few scores that can reach a threshold.
"""
import re
import struct
import sys

_LITTLE_ENDIAN = sys.byteorder == "little"
_AT_LEAST = [re.compile(b"[" + re.escape(bytes([b])) + b"-\xff]") for b in range(256)]


def can_scan(values) -> bool:
    """True for a flat, contiguous float32 memoryview (what the page's runtime gives)."""
    return (_LITTLE_ENDIAN and isinstance(values, memoryview) and values.format == "f" and values.ndim == 1
            and values.c_contiguous)


def maybe_at_least(values, threshold):
    """Flat indices, ascending, of every value that may be ``>= threshold`` (0 <= threshold <= 1e38).

    A superset: every value >= threshold, and also every negative value and NaN (high byte >= 0x80
    or 0x7F), and some values just below the threshold. Callers compare the values themselves.
    ``values`` must pass ``can_scan``.
    """
    floor_byte = struct.pack("<f", threshold)[3]
    high = values.cast("B")[3::4].tobytes()
    return [m.start() for m in _AT_LEAST[floor_byte].finditer(high)]
