"""The k examples most similar to an input, exactly, without comparing it with every example.

Similarity is the dot product of unit-length vectors (cosine similarity), as in knn-classifier. Each class's
examples are gathered into blocks of alike examples (an example joins the open block whose direction is
closest, when it is close enough); a block keeps the direction c of its examples' sum, the widest angle α
between c and one of its examples, and its longest example M (1, but for a loaded file's rounded rows). An
input q at angle φ from c is at least φ − α from every example of the block, so none of their similarities
exceeds M·cos(max(0, φ − α)). Blocks are visited from the highest bound down; a block whose bound is below the
k-th best similarity found so far cannot hold one of the k, and is skipped.

Blocks give a floor too: no member is less similar than m·cos(φ + α) (m: its shortest example), so the k-th
best similarity is at least the floor of the blocks that hold k examples, and a block whose bound is below
that is skipped before anything is compared. When the blocks left are all of one class, the k nearest are of
that class whichever they are: nothing is compared at all (the usual case for a pose held while examples
were taken).

The k chosen are exactly those a full comparison chooses: the highest similarities, and between equal ones
the earlier example (classes in index order, examples in the order added), as knn-classifier's stable sort.
Python in Pyodide compares examples slowly (docs/classify.md has the figures): skipping blocks is what keeps
classify() short at 1,000 examples of real poses. Spread-out examples (random vectors) skip little and cost
what a full comparison costs, plus a comparison per block.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from itertools import repeat

BLOCK_SIZE = 32
#: An example joins the closest open block when the cosine between them is at least this (8°) ...
JOIN_COSINE = 0.99
#: ... or always, once its class has more blocks than 2 × examples / BLOCK_SIZE: blocks stay half full on average.
MOST_BLOCKS_PER_EXAMPLE = 2 / BLOCK_SIZE
#: Cosines are widened by this before angles are taken from them (a dot product of 34 numbers rounds by ~1e-15,
#: and near cos = 1 the sine magnifies that), and a bound is raised by BOUND_MARGIN: a bound never falls below a
#: true similarity. Being generous costs a few more comparisons, never a different answer.
COSINE_MARGIN = 1e-12
BOUND_MARGIN = 1e-9


def _dot_fallback(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(map(operator.mul, a, b))


#: math.sumprod (Python 3.12+; Pyodide 0.29 has 3.13) is a dot product in C.
dot: Callable[[Sequence[float], Sequence[float]], float] = getattr(math, "sumprod", _dot_fallback)


class _Block:
    """Alike examples of one class: their indices in the class, the rows, and (when `fresh`) the bound's terms."""

    __slots__ = ("members", "rows", "total", "fresh", "direction", "cos_alpha", "sin_alpha", "longest", "shortest")

    def __init__(self) -> None:
        self.members: list[int] = []
        self.rows: list[list[float]] = []
        self.total: list[float] = []
        self.fresh = False
        self.direction: list[float] = []
        self.cos_alpha = self.sin_alpha = self.longest = self.shortest = 0.0

    def add(self, index: int, row: list[float]) -> None:
        self.members.append(index)
        self.rows.append(row)
        self.total = list(map(operator.add, self.total, row)) if self.total else list(row)
        self.fresh = False

    def cosine_to(self, row: list[float]) -> float:
        length = math.hypot(*self.total)
        return dot(self.total, row) / length if length else -1.0

    def refresh(self) -> None:
        """The direction, widest angle and longest example of the members (after examples joined)."""
        length = math.hypot(*self.total)
        lengths = [math.hypot(*row) for row in self.rows]
        self.longest, self.shortest = max(lengths), min(lengths)
        self.fresh = True
        if length == 0 or 0 in lengths:  # no direction to bound by: the block is always visited
            self.direction, self.cos_alpha, self.sin_alpha = [0.0] * len(self.total), -1.0, 0.0
            return
        self.direction = [v / length for v in self.total]
        cosines = [dot(row, self.direction) / row_length for row, row_length in zip(self.rows, lengths, strict=True)]
        self.cos_alpha = max(-1.0, min(1.0, min(cosines)) - COSINE_MARGIN)
        self.sin_alpha = math.sqrt(1 - self.cos_alpha * self.cos_alpha)

    def bounds(self, unit_input: list[float]) -> tuple[float, float]:
        """(ceiling, floor): no member is more similar to `unit_input` than the first, nor less than the second."""
        cos_phi = dot(self.direction, unit_input)
        return self._ceiling(min(1.0, cos_phi + COSINE_MARGIN)), self._floor(max(-1.0, cos_phi - COSINE_MARGIN))

    def _ceiling(self, cos_phi: float) -> float:
        if cos_phi >= self.cos_alpha:  # the input is within the block's cone
            return self.longest + BOUND_MARGIN
        sin_phi = math.sqrt(1 - cos_phi * cos_phi)
        cos_nearest = cos_phi * self.cos_alpha + sin_phi * self.sin_alpha  # cos(φ − α)
        return self.longest * max(0.0, cos_nearest) + BOUND_MARGIN  # beyond 90°: every similarity is ≤ 0

    def _floor(self, cos_phi: float) -> float:
        sin_phi = math.sqrt(1 - cos_phi * cos_phi)
        cos_farthest = cos_phi * self.cos_alpha - sin_phi * self.sin_alpha  # cos(φ + α), as φ + α ≤ 180°
        if cos_phi < -self.cos_alpha:  # φ + α > 180°: the farthest is straight opposite
            cos_farthest = -1.0
        length = self.shortest if cos_farthest >= 0 else self.longest
        return length * cos_farthest - BOUND_MARGIN


class ExampleIndex:
    """Examples by class index, and `nearest(q, k)`: the classes of the k examples most similar to q."""

    def __init__(self) -> None:
        self._rows: dict[int, list[list[float]]] = {}
        self._blocks: dict[int, list[_Block]] = {}

    def add(self, class_index: int, row: list[float]) -> None:
        rows = self._rows.setdefault(class_index, [])
        blocks = self._blocks.setdefault(class_index, [])
        rows.append(row)
        open_blocks = [block for block in blocks if len(block.members) < BLOCK_SIZE]
        chosen = None
        if open_blocks:
            cosines = [block.cosine_to(row) for block in open_blocks]
            closest = max(range(len(cosines)), key=cosines.__getitem__)
            if cosines[closest] >= JOIN_COSINE or len(blocks) >= MOST_BLOCKS_PER_EXAMPLE * len(rows):
                chosen = open_blocks[closest]
        if chosen is None:
            chosen = _Block()
            blocks.append(chosen)
        chosen.add(len(rows) - 1, row)

    def remove(self, class_index: int) -> None:
        del self._rows[class_index]
        del self._blocks[class_index]

    def classes(self) -> list[int]:
        """The class indices that have examples, ascending."""
        return sorted(self._rows)

    def rows(self, class_index: int) -> list[list[float]]:
        return self._rows[class_index]

    def count(self, class_index: int) -> int:
        return len(self._rows[class_index])

    def total(self) -> int:
        return sum(map(len, self._rows.values()))

    def nearest(self, unit_input: list[float], k: int) -> list[int]:
        """The class of each of the k examples most similar to `unit_input` (fewer when there are fewer)."""
        candidates: list[tuple[float, float, int, int, _Block]] = []  # (ceiling, floor, class, first position, block)
        first = 0
        for class_index in self.classes():
            for block in self._blocks[class_index]:
                if not block.fresh:
                    block.refresh()
                candidates.append((*block.bounds(unit_input), class_index, first, block))
            first += len(self._rows[class_index])
        floor = _kth_floor(candidates, k)
        candidates = [c for c in candidates if c[0] >= floor]
        if len({c[2] for c in candidates}) == 1:
            return [candidates[0][2]] * k  # the k nearest are all in these blocks: their class, whichever they are
        candidates.sort(key=operator.itemgetter(0), reverse=True)
        visited: list[tuple[list[float], int, int, _Block]] = []  # (similarities, class, first position, block)
        best: list[float] = []  # the k highest similarities so far, ascending
        for ceiling, _, class_index, first, block in candidates:
            if len(best) >= k and ceiling < best[0]:
                break  # this block and every later one (lower ceilings) cannot hold one of the k
            similarities = list(map(dot, block.rows, repeat(unit_input)))
            visited.append((similarities, class_index, first, block))
            best = sorted(best + similarities)[-k:]
        kth = best[0]
        chosen = [  # (similarity, -position, class): ties go to the larger -position, the earlier example
            (similarity, -first - index, class_index)
            for similarities, class_index, first, block in visited
            if max(similarities) >= kth
            for similarity, index in zip(similarities, block.members, strict=True)
            if similarity >= kth
        ]
        chosen.sort(reverse=True)
        return [class_index for _, _, class_index in chosen[:k]]


def _kth_floor(candidates: list[tuple[float, float, int, int, _Block]], k: int) -> float:
    """The k-th best similarity is at least this: the lowest floor among the highest-floored blocks holding k."""
    held = 0
    for _, floor, _, _, block in sorted(candidates, key=operator.itemgetter(1), reverse=True):
        held += len(block.members)
        if held >= k:
            return floor
    return -math.inf
