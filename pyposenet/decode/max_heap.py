"""Port of posenet 2.2.2 ``multi_pose/max_heap.ts``, quirks included.

The reference heap is 0-based but uses the 1-based index arithmetic (parent ``k // 2``,
children ``2k`` and ``2k + 1``), so the root's only child is slot 1. It is still a correct
max-heap, but equal scores come out in an order that neither insertion order nor
``heapq`` reproduces; the decoders must match it, so it is ported step by step.
"""

from __future__ import annotations


class MaxHeap:
    """Reference ``MaxHeap``: a priority queue on ``value``, largest first.

    ``enqueue(value, item)`` takes the value explicitly (the reference calls
    ``getElementValue(item)`` for every comparison; here it is computed once by the
    caller). ``dequeue()`` returns the item.
    """

    __slots__ = ("_values", "_items")

    def __init__(self) -> None:
        self._values: list[float] = []
        self._items: list[int] = []

    def enqueue(self, value: float, item: int) -> None:
        """Reference ``enqueue``: append, then ``swim`` up."""
        values = self._values
        items = self._items
        k = len(values)
        values.append(value)
        items.append(item)
        # swim(k)
        while k > 0:
            parent = k >> 1
            if not values[parent] < values[k]:
                break
            values[parent], values[k] = values[k], values[parent]
            items[parent], items[k] = items[k], items[parent]
            k = parent

    def dequeue(self) -> int:
        """Reference ``dequeue``: swap the root with the last element, drop it, ``sink(0)``."""
        values = self._values
        items = self._items
        last = len(values) - 1
        values[0], values[last] = values[last], values[0]
        items[0], items[last] = items[last], items[0]
        values.pop()
        top = items.pop()
        # sink(0), with n the index of the (new) last element
        n = last - 1
        k = 0
        while 2 * k <= n:
            j = 2 * k
            if j < n and values[j] < values[j + 1]:
                j += 1
            if not values[k] < values[j]:
                break
            values[k], values[j] = values[j], values[k]
            items[k], items[j] = items[j], items[k]
            k = j
        return top

    def empty(self) -> bool:
        return not self._values

    def size(self) -> int:
        return len(self._values)

    def max(self) -> int | None:
        """The item that ``dequeue`` would return next (``None`` when empty)."""
        return self._items[0] if self._items else None

    def __len__(self) -> int:
        return len(self._values)
