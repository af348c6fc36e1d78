"""Many binary min-heaps in one growable arena, compiled with Numba.

Every entry is five numbers ``(f0, f1, i0, i1, i2)`` — two floats, three integers — ordered
lexicographically, as Python orders tuples. The router keeps one heap of waiting contacts and
one of agent offers per queue; the simulator keeps its event calendar in one.

Heap ``h`` lives at ``offset[h] .. offset[h] + capacity[h]`` of the arena. A full heap moves to
the end of the arena with twice the room; the arena is packed again, or enlarged, when it runs
out. Callers read the top entry's fields at index ``offset[h]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit, types
from numba.experimental import structref


@structref.register
class HeapSetType(types.StructRef):
    def preprocess_fields(self, fields):  # type: ignore[no-untyped-def]
        return tuple((name, types.unliteral(t)) for name, t in fields)


class HeapSet(structref.StructRefProxy):
    """Arena columns, and per heap its offset, capacity and size."""

    if TYPE_CHECKING:  # fields are defined by define_proxy below

        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...


structref.define_proxy(
    HeapSet, HeapSetType, ["f0", "f1", "i0", "i1", "i2", "offset", "capacity", "size", "used"]
)


@njit(cache=True)
def heaps_new(count: int, capacity: int) -> HeapSet:
    """``count`` empty heaps with room for ``capacity`` entries each."""
    capacity = max(capacity, 4)
    room = max(count * capacity, 4)
    offset = np.arange(count, dtype=np.int64) * capacity
    return HeapSet(
        np.empty(room),
        np.empty(room),
        np.empty(room, dtype=np.int64),
        np.empty(room, dtype=np.int64),
        np.empty(room, dtype=np.int64),
        offset,
        np.full(count, capacity, dtype=np.int64),
        np.zeros(count, dtype=np.int64),
        count * capacity,
    )


@njit(cache=True, inline="always")
def _less(hs: HeapSet, a: int, b: int) -> bool:
    """Entry ``a`` orders before entry ``b`` (arena indices)."""
    if hs.f0[a] != hs.f0[b]:
        return hs.f0[a] < hs.f0[b]
    if hs.f1[a] != hs.f1[b]:
        return hs.f1[a] < hs.f1[b]
    if hs.i0[a] != hs.i0[b]:
        return hs.i0[a] < hs.i0[b]
    if hs.i1[a] != hs.i1[b]:
        return hs.i1[a] < hs.i1[b]
    return hs.i2[a] < hs.i2[b]


@njit(cache=True, inline="always")
def _move(hs: HeapSet, src: int, dst: int) -> None:
    hs.f0[dst] = hs.f0[src]
    hs.f1[dst] = hs.f1[src]
    hs.i0[dst] = hs.i0[src]
    hs.i1[dst] = hs.i1[src]
    hs.i2[dst] = hs.i2[src]


@njit(cache=True)
def _pack(hs: HeapSet, room: int) -> None:
    """Copy every heap, in heap order, to the start of a fresh arena of ``room`` entries."""
    f0, f1 = np.empty(room), np.empty(room)
    i0 = np.empty(room, dtype=np.int64)
    i1 = np.empty(room, dtype=np.int64)
    i2 = np.empty(room, dtype=np.int64)
    at = 0
    for h in range(hs.offset.size):
        start, n = hs.offset[h], hs.size[h]
        f0[at : at + n] = hs.f0[start : start + n]
        f1[at : at + n] = hs.f1[start : start + n]
        i0[at : at + n] = hs.i0[start : start + n]
        i1[at : at + n] = hs.i1[start : start + n]
        i2[at : at + n] = hs.i2[start : start + n]
        hs.offset[h] = at
        at += hs.capacity[h]
    hs.f0, hs.f1, hs.i0, hs.i1, hs.i2 = f0, f1, i0, i1, i2
    hs.used = at


@njit(cache=True)
def _enlarge(hs: HeapSet, h: int) -> None:
    """Give heap ``h`` twice its room at the end of the arena."""
    capacity = 2 * hs.capacity[h]
    if hs.used + capacity > hs.f0.size:
        hs.capacity[h] = 0  # its entries are moved below, not packed
        needed = 0
        for k in range(hs.capacity.size):
            needed += hs.capacity[k]
        saved_offset, saved_size = hs.offset[h], hs.size[h]
        hs.size[h] = 0
        old = (hs.f0, hs.f1, hs.i0, hs.i1, hs.i2)
        _pack(hs, max(hs.f0.size, 2 * (needed + capacity)))
        start, n = saved_offset, saved_size
        to = hs.used
        hs.f0[to : to + n] = old[0][start : start + n]
        hs.f1[to : to + n] = old[1][start : start + n]
        hs.i0[to : to + n] = old[2][start : start + n]
        hs.i1[to : to + n] = old[3][start : start + n]
        hs.i2[to : to + n] = old[4][start : start + n]
        hs.size[h] = n
    else:
        start, n, to = hs.offset[h], hs.size[h], hs.used
        for k in range(n):
            _move(hs, start + k, to + k)
    hs.offset[h] = hs.used
    hs.capacity[h] = capacity
    hs.used += capacity


@njit(cache=True)
def _sift_down(hs: HeapSet, h: int, pos: int) -> None:
    """Restore the heap below ``pos`` (an index relative to the heap's start)."""
    base, n = hs.offset[h], hs.size[h]
    while True:
        child = 2 * pos + 1
        if child >= n:
            return
        right = child + 1
        if right < n and _less(hs, base + right, base + child):
            child = right
        if _less(hs, base + child, base + pos):
            a, b = base + child, base + pos
            f0, f1, i0, i1, i2 = hs.f0[a], hs.f1[a], hs.i0[a], hs.i1[a], hs.i2[a]
            _move(hs, b, a)
            hs.f0[b], hs.f1[b], hs.i0[b], hs.i1[b], hs.i2[b] = f0, f1, i0, i1, i2
            pos = child
        else:
            return


@njit(cache=True)
def heap_push(hs: HeapSet, h: int, f0: float, f1: float, i0: int, i1: int, i2: int) -> None:
    """Add an entry to heap ``h``."""
    if hs.size[h] == hs.capacity[h]:
        _enlarge(hs, h)
    base = hs.offset[h]
    pos = hs.size[h]
    hs.size[h] = pos + 1
    while pos > 0:
        parent = (pos - 1) >> 1
        p = base + parent
        if f0 < hs.f0[p] or (
            f0 == hs.f0[p]
            and (
                f1 < hs.f1[p]
                or (
                    f1 == hs.f1[p]
                    and (
                        i0 < hs.i0[p]
                        or (
                            i0 == hs.i0[p] and (i1 < hs.i1[p] or (i1 == hs.i1[p] and i2 < hs.i2[p]))
                        )
                    )
                )
            )
        ):
            _move(hs, p, base + pos)
            pos = parent
        else:
            break
    at = base + pos
    hs.f0[at], hs.f1[at], hs.i0[at], hs.i1[at], hs.i2[at] = f0, f1, i0, i1, i2


@njit(cache=True)
def heap_pop(hs: HeapSet, h: int) -> None:
    """Remove the top entry of heap ``h`` (read it first at ``offset[h]``)."""
    n = hs.size[h] - 1
    hs.size[h] = n
    if n > 0:
        base = hs.offset[h]
        _move(hs, base + n, base)
        _sift_down(hs, h, 0)


@njit(cache=True)
def heap_heapify(hs: HeapSet, h: int) -> None:
    """Make heap ``h`` a heap again after its entries were rewritten in place."""
    for pos in range(hs.size[h] // 2 - 1, -1, -1):
        _sift_down(hs, h, pos)


@njit(cache=True)
def heap_keep(hs: HeapSet, h: int, keep: np.ndarray) -> None:
    """Keep the entries of heap ``h`` whose position k (in storage order) has ``keep[k]``."""
    base, kept = hs.offset[h], 0
    for k in range(hs.size[h]):
        if keep[k]:
            _move(hs, base + k, base + kept)
            kept += 1
    hs.size[h] = kept
    heap_heapify(hs, h)
