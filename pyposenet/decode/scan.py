"""Fast scans of a float32 heatmap: the loops that run in C, for the decoders' fast paths.

The page hands the decoders a float32 memoryview. Every Python-level step costs as much as a C
loop over many bytes in Pyodide (docs/benchmarks.md), and a frame's heatmap has 17 x H x W scores (4913 at
257 px, 18513 at 513 px): anything that touches each score from Python costs more than the rest of
decoding. Here the scores are handled as bytes instead. A non-negative, finite float32 orders like
its bit pattern, so its high byte (sign and 7 exponent bits) is a coarse key of the float order and
its two high bytes a finer one; ``in``, ``count``, ``find``, step slicing, ``translate`` and the
UTF-16 / latin-1 codecs run over bytes in C, and narrow thousands of scores down to the few that
can matter. Those few are then compared as floats, so the results are exact.
"""

from __future__ import annotations

import struct
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import TypeGuard

_LITTLE_ENDIAN = sys.byteorder == "little"
_BYTE = [bytes((b,)) for b in range(256)]
_BELOW = [bytes(range(b)) for b in range(256)]
"""``_BELOW[b]``: the bytes under ``b`` (``translate`` deletes them)."""
_PROBE = bytes(0 if i < 0x40 else 1 if i < 0x7F else 0x80 for i in range(256))
"""High bytes -> 0 (scores below 2.0), 1 (below 2**127), 0x80 (negative, infinite or NaN)."""
_LEVEL = [bytes(0 if i == b else 1 for i in range(256)) for b in range(256)]
"""``_LEVEL[b]``: high byte ``b`` -> 0, any other -> 1 (UTF-16 high bytes: latin-1 or not)."""
_EVEN = bytes(i & 0xFE for i in range(256))
_REPLACED = 0x3F  # what latin-1's "replace" error handler writes ("?"): odd, so never an _EVEN key
_NIBBLE = bytes(0xFF if i == _REPLACED else i >> 4 for i in range(256))

FEW_TIES = 6
"""Up to this many cells sharing a part's highest high byte are compared as floats directly."""
MANY = 48
"""A group of scores this large or smaller is read and sorted as floats; a larger one is split first."""
SPLIT_LEVEL = 20
"""A high-byte level holding more than one score in this many (and more than ``MANY``) is split."""


def can_scan(values: object) -> TypeGuard[memoryview]:
    """True for a flat, contiguous float32 memoryview (what the page's and the host's runtimes give)."""
    return (
        _LITTLE_ENDIAN
        and isinstance(values, memoryview)
        and values.format == "f"
        and values.ndim == 1
        and values.c_contiguous
    )


def level_of(threshold: float) -> int:
    """The high byte from which float32 scores may be ``>= threshold`` (0: every score may be).

    Every non-negative float32 ``v`` with ``not v < threshold`` has a high byte ``>= level_of(threshold)``
    (the nearest float32 to a threshold that is above it has no float32 between them).
    """
    if not threshold > 0:  # <= 0, and NaN: `not v < nan` holds for every v
        return 0
    try:
        return struct.pack("<f", threshold)[3]
    except OverflowError:  # above the largest float32: no finite score reaches it
        return 0x7F


def _positions(data: bytes, byte: bytes) -> list[int]:
    """The indices of ``byte`` in ``data``, ascending (one C ``find``, a memchr, each)."""
    find = data.find
    found: list[int] = []
    append = found.append
    at = find(byte)
    while at >= 0:
        append(at)
        at = find(byte, at + 1)
    return found


class OrderedScores:
    """A float32 heatmap whose scores all order like their bit patterns (``of`` says whether it is one).

    Holds the scores' high bytes (``high[i]`` belongs to score ``i``) and answers, through C loops
    over them, the two questions the decoders ask: each part's highest score (``part_argmax``) and
    the scores from the highest down (``descending``).
    """

    __slots__ = ("values", "raw", "high", "top", "_second", "kept")

    def __init__(self, values: memoryview, raw: bytes | None, high: bytes, top: int) -> None:
        self.values = values
        self.raw = raw
        self.high = high
        self.top = top
        self._second: bytes | None = None
        self.kept: bytes | None = None

    @classmethod
    def of(cls, values: object) -> OrderedScores | None:
        """An ``OrderedScores`` for ``values``, or None when the byte order cannot stand for the float order.

        That takes a float32 memoryview (``can_scan``) whose scores are all non-negative (no sign bit,
        so no -0.0 either) and below 2**127 (no infinity, no NaN): high bytes 0x00 to 0x7E.
        """
        if not can_scan(values):
            return None
        raw = values.tobytes()
        high = raw[3::4]
        probe = high.translate(_PROBE)
        if not probe.isascii():
            return None
        top = 0x7E if b"\x01" in probe else 0x3F  # scores < 2.0: high bytes <= 0x3F
        return cls(values, raw, high, top)

    @property
    def second(self) -> bytes:
        """The scores' second bytes (the exponent's last bit and 7 mantissa bits)."""
        second = self._second
        if second is None:
            assert self.raw is not None  # only local_maxima's scores lack their bytes, and they have these
            second = self._second = self.raw[2::4]
        return second

    def part_argmax(self, part: int, parts: int) -> int:
        """The first index, in ``high[part::parts]`` order, of that part's highest score (``tf.argMax``).

        The highest high byte among the part's scores bounds the candidates; when several share it,
        the second byte narrows them further (see ``_level_keys``), and the floats themselves decide
        between the last few, the first of equal maxima winning.
        """
        column: Any = self.high[part::parts]  # bytes; below, maybe the str of _level_keys
        level = self.top
        while level not in column:
            level -= 1
        byte: Any = _BYTE[level]
        ties = column.count(byte)
        if ties == 1:
            return column.find(byte)
        if ties > FEW_TIES:
            keys = _level_keys(self.second[part::parts], column, level, even=False)
            # keys: the part's level scores as latin-1 characters (their second byte), the others not
            key = chr(max(keys.encode("latin-1", "ignore")))
            ties = keys.count(key)
            if ties == 1:
                return keys.find(key)
            column = keys
            byte = key
        values = self.values
        find = column.find
        best_at = find(byte)
        best = values[best_at * parts + part]
        at = best_at
        for _ in range(ties - 1):
            at = find(byte, at + 1)
            value = values[at * parts + part]
            if value > best:
                best = value
                best_at = at
        return best_at

    def count_from(self, level: int) -> int:
        """How many scores have a high byte >= ``level`` (one C pass)."""
        return len(self.high.translate(None, _BELOW[level])) if level > 0 else len(self.high)

    def local_maxima(self, height: int, width: int, parts: int) -> OrderedScores:
        """These scores where they may be local maxima, 0 elsewhere (an ``OrderedScores``).

        A score is a local maximum when no score of the same part in its 3x3 window of cells is
        strictly greater (``scoreIsMaximumInLocalWindow``, radius 1). Kept: every score whose two
        high bytes (a 16-bit key that orders like the score, coarser) are >= its neighbours' keys,
        a superset of the local maxima that callers then test exactly. All of them are compared at
        once, packed in one Python int of 16-bit fields: a key is below 2**15, so
        ``(key | 2**15) - neighbour`` keeps bit 15 iff key >= neighbour, and no field borrows from
        the next; eight shifts, masks and subtractions over the whole heatmap replace reading
        thousands of windows. At level 0, ``descending`` leaves out the scores that were not kept
        (``kept``).
        """
        guard, directions = _window_tables(height, width, parts)
        units = bytearray(2 * len(self.high))
        units[0::2] = self.second
        units[1::2] = self.high
        keys = int.from_bytes(units, "little")
        guarded = keys | guard
        flags = guard
        for fields, valid in directions:
            neighbour = keys >> (16 * fields) if fields > 0 else keys << (-16 * fields)
            flags &= guarded - (neighbour & valid)
        kept_keys = (keys & ((flags >> 15) * 0xFFFF)).to_bytes(len(units), "little")
        maxima = OrderedScores(self.values, None, kept_keys[1::2], self.top)
        maxima._second = kept_keys[0::2]
        maxima.kept = flags.to_bytes(len(units), "little")[1::2]  # 0x80 where kept
        return maxima

    def descending(self, floor_level: int) -> Iterator[list[int]]:
        """Groups of indices of every score with a high byte ``>= floor_level``, the highest scores first.

        Every score of a group is larger than every score of the groups after it; within a group the
        indices are ascending, not sorted by score. A high-byte level with many scores (more than
        one in ``SPLIT_LEVEL`` of them all) is split by its scores' second byte, 16 ways by its high
        half, and a large sixteenth again 8 ways by the rest (less its last bit), from the highest
        down: a ``find`` over all the scores per group costs less than reading many floats.
        """
        high = self.high
        many = max(MANY, len(high) // SPLIT_LEVEL)
        for level in range(self.top, floor_level - 1, -1):
            byte = _BYTE[level]
            if byte not in high:
                continue
            if level == 0 and self.kept is not None:  # zeros: only the kept scores among them
                kept = self.kept
                yield [i for i in _positions(high, byte) if kept[i]]
                continue
            if high.count(byte) <= many:
                yield _positions(high, byte)
                continue
            keys = _level_keys(self.second, high, level).encode("latin-1", "replace")
            # keys: the level's scores as their second byte's even half, every other score as "?"
            nibbles = keys.translate(_NIBBLE)
            for nibble in range(7 if keys.isascii() else 15, -1, -1):
                nibble_byte = _BYTE[nibble]
                if nibble_byte not in nibbles:
                    continue
                if nibbles.count(nibble_byte) <= MANY:
                    yield _positions(nibbles, nibble_byte)
                    continue
                for key in range(nibble * 16 + 14, nibble * 16 - 1, -2):
                    key_byte = _BYTE[key]
                    if key_byte in keys:
                        yield _positions(keys, key_byte)


_WINDOW_TABLES: dict[tuple[int, int, int], tuple[int, tuple[tuple[int, int], ...]]] = {}


def _window_tables(height: int, width: int, parts: int) -> tuple[int, tuple[tuple[int, int], ...]]:
    """For ``local_maxima``: the guard bits, and per neighbour direction its offset in fields with
    the mask of the fields that have that neighbour in the grid (16-bit fields). Cached per shape."""
    key = (height, width, parts)
    tables = _WINDOW_TABLES.get(key)
    if tables is None:
        count = height * width * parts
        guard = int.from_bytes(b"\x00\x80" * count, "little")
        cell_fields = b"\xff" * (2 * parts)
        directions = []
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                if dy == 0 and dx == 0:
                    continue
                valid = bytearray(2 * count)
                for y in range(max(0, -dy), min(height, height - dy)):
                    for x in range(max(0, -dx), min(width, width - dx)):
                        start = 2 * parts * (y * width + x)
                        valid[start : start + 2 * parts] = cell_fields
                directions.append(((dy * width + dx) * parts, int.from_bytes(valid, "little")))
        if len(_WINDOW_TABLES) > 4:
            _WINDOW_TABLES.clear()
        tables = _WINDOW_TABLES[key] = (guard, tuple(directions))
    return tables


def _level_keys(second: bytes, high: bytes, level: int, even: bool = True) -> str:
    """A string with one character per score: ``chr(second byte)`` where the high byte is ``level``,
    a character above latin-1 elsewhere (UTF-16 units with high byte 0 or 1, decoded in C).

    ``even`` keeps only the even half of the second byte, so that the "?" latin-1's encoder writes
    for the other scores (``encode("latin-1", "replace")``) can never be mistaken for a key.
    """
    units = bytearray(2 * len(high))
    units[0::2] = second.translate(_EVEN) if even else second
    units[1::2] = high.translate(_LEVEL[level])
    return units.decode("utf-16-le")
