"""The compiled heap arena behaves like Python's heapq, heap by heap, while heaps move and grow."""

from __future__ import annotations

import heapq

from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from contactops.engines.routing.heaps import HeapSet, heap_pop, heap_push, heaps_new

Entry = tuple[float, float, int, int, int]


def _top(hs: HeapSet, h: int) -> Entry:
    at = int(_offset(hs, h))
    return (_f0(hs, at), _f1(hs, at), _i0(hs, at), _i1(hs, at), _i2(hs, at))


# Structref fields are read through compiled functions.


@njit(cache=True)
def _offset(hs: HeapSet, h: int) -> int:
    return hs.offset[h]


@njit(cache=True)
def _size(hs: HeapSet, h: int) -> int:
    return hs.size[h]


@njit(cache=True)
def _f0(hs: HeapSet, at: int) -> float:
    return hs.f0[at]


@njit(cache=True)
def _f1(hs: HeapSet, at: int) -> float:
    return hs.f1[at]


@njit(cache=True)
def _i0(hs: HeapSet, at: int) -> int:
    return hs.i0[at]


@njit(cache=True)
def _i1(hs: HeapSet, at: int) -> int:
    return hs.i1[at]


@njit(cache=True)
def _i2(hs: HeapSet, at: int) -> int:
    return hs.i2[at]


operations = st.lists(
    st.tuples(
        st.integers(0, 3),  # heap
        st.booleans(),  # push (True) or pop
        st.tuples(
            st.integers(0, 5).map(float),
            st.integers(0, 3).map(float),
            st.integers(0, 3),
            st.integers(0, 3),
            st.integers(0, 1000),
        ),
    ),
    max_size=400,
)


@settings(max_examples=60, deadline=None)
@given(operations)
def test_every_heap_pops_in_the_order_heapq_does(ops: list[tuple[int, bool, Entry]]) -> None:
    hs = heaps_new(4, 2)  # tiny: heaps move to the end of the arena and the arena grows
    reference: list[list[Entry]] = [[] for _ in range(4)]
    for h, push, entry in ops:
        if push or not reference[h]:
            heap_push(hs, h, *entry)
            heapq.heappush(reference[h], entry)
        else:
            assert _top(hs, h) == reference[h][0]
            heap_pop(hs, h)
            heapq.heappop(reference[h])
    for h in range(4):
        assert _size(hs, h) == len(reference[h])
        while reference[h]:
            assert _top(hs, h) == heapq.heappop(reference[h])
            heap_pop(hs, h)
