"""ExampleIndex.nearest skips blocks of examples that cannot be among the k most similar, and still chooses
exactly what comparing with every example chooses (ties: the earlier example, classes in index order)."""

from __future__ import annotations

import math
import operator
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from pyposenet.classify import nearest
from pyposenet.classify.nearest import ExampleIndex


def unit(vector: list[float]) -> list[float]:
    length = math.hypot(*vector)
    return [v / length for v in vector]


def every_comparison(index: ExampleIndex, query: list[float], k: int) -> list[int]:
    """The classes of the k most similar examples, by comparing with all of them: a stable sort, best first."""
    everything = [(c, row) for c in index.classes() for row in index.rows(c)]
    order = sorted(range(len(everything)), key=lambda i: -math.fsum(map(operator.mul, everything[i][1], query)))
    return [everything[i][0] for i in order[:k]]


@st.composite
def workloads(draw):
    """Examples around a few centres (some repeated exactly), in up to 4 classes, added in any order; queries."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    length = draw(st.integers(2, 8))
    centres = [[rng.gauss(0, 1) for _ in range(length)] for _ in range(draw(st.integers(1, 6)))]
    spread = draw(st.sampled_from([0.0, 0.01, 0.1, 1.0]))
    examples = []
    for _ in range(draw(st.integers(1, 150))):
        if examples and rng.random() < 0.2:
            examples.append(examples[rng.randrange(len(examples))])
            continue
        row = unit(
            [v + rng.gauss(0, spread) for v in rng.choice(centres)] if spread or rng.random() < 0.5 else centres[0]
        )
        examples.append((rng.randrange(draw(st.integers(1, 4))), row))
    queries = [unit([v + rng.gauss(0, 0.3) for v in rng.choice(centres)]) for _ in range(5)]
    queries += [row for _, row in rng.sample(examples, min(3, len(examples)))]
    return examples, queries, draw(st.integers(1, 12))


@settings(max_examples=60, deadline=None)
@given(workloads())
def test_nearest_chooses_what_comparing_with_every_example_chooses(workload):
    examples, queries, k = workload
    index = ExampleIndex()
    for class_index, row in examples:
        index.add(class_index, row)
    votes = min(k, len(examples))
    for query in queries:
        assert index.nearest(query, votes) == every_comparison(index, query, votes)


def test_blocks_of_another_direction_are_never_compared():
    rng = random.Random(5)
    index = ExampleIndex()
    for class_index, direction in enumerate(([1.0, 0, 0, 0], [0, 0, 1.0, 0])):
        for _ in range(300):
            index.add(class_index, unit([v + rng.gauss(0, 0.02) for v in direction]))
    query = unit([1.0, 0.05, 0, 0])
    index.nearest(query, 3)  # the blocks' bounds are made on the first call
    compared = 0
    real_dot = nearest.dot

    def counting_dot(a, b):
        nonlocal compared
        compared += 1
        return real_dot(a, b)

    nearest.dot = counting_dot
    try:
        assert index.nearest(query, 3) == [0, 0, 0]
    finally:
        nearest.dot = real_dot
    blocks = 2 * math.ceil(300 / nearest.BLOCK_SIZE)
    assert compared <= blocks + 300  # every block's bound, class 0's examples (all alike), none of class 1's


def test_rows_that_are_not_unit_length_as_a_loaded_file_may_hold_are_still_bounded():
    index = ExampleIndex()
    for row in ([2.0, 0.0], [0.5, 0.0], [0.0, 3.0], [0.0, 0.0], [1.0, 1.0]):
        index.add(0 if row[0] >= row[1] else 1, row)
    for query in (unit([1.0, 0.2]), unit([0.1, 1.0]), unit([-1.0, -1.0])):
        for k in range(1, 6):
            assert index.nearest(query, k) == every_comparison(index, query, k)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from([0.01, 0.3, 3.0]), st.integers(2, 6))
def test_a_blocks_ceiling_and_floor_hold_every_members_similarity(seed, spread, length):
    """Wide blocks (spread 3: nearly random directions) and inputs from every side, opposite ones included."""
    rng = random.Random(seed)
    centre = [rng.gauss(0, 1) for _ in range(length)]
    block = nearest._Block()
    for i in range(nearest.BLOCK_SIZE):
        block.add(i, [(v + rng.gauss(0, spread)) * rng.uniform(0.9, 1.1) for v in centre])  # not all unit length
    block.refresh()
    for query in [unit([rng.gauss(0, 1) for _ in range(length)]) for _ in range(20)] + [unit([-v for v in centre])]:
        ceiling, floor = block.bounds(query)
        for row in block.rows:
            assert floor <= math.fsum(map(operator.mul, row, query)) <= ceiling
