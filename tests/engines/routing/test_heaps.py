"""The compiled heap arena behaves like Python's heapq, heap by heap, while heaps move and grow."""

from __future__ import annotations

import heapq

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from contactops.engines.routing.heaps import HeapSet, heap_keep, heap_pop, heap_push, heaps_new

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


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5).map(float), st.integers(0, 50)), max_size=200))
def test_keeping_some_entries_leaves_a_heap_of_exactly_those(
    entries: list[tuple[float, int]],
) -> None:
    hs = heaps_new(2, 2)
    for key, payload in entries:
        heap_push(hs, 1, key, 0.0, payload, 0, 0)
        heap_push(hs, 0, -key, 0.0, payload, 0, 0)  # a neighbour that must not change
    size = _size(hs, 1)
    keep = np.array([_i0(hs, _offset(hs, 1) + k) % 2 == 0 for k in range(size)], dtype=np.bool_)
    heap_keep(hs, 1, keep)
    expected = sorted((key, 0.0, payload, 0, 0) for key, payload in entries if payload % 2 == 0)
    assert [_pop_top(hs, 1) for _ in expected] == expected and _size(hs, 1) == 0
    assert _size(hs, 0) == len(entries)


def _pop_top(hs: HeapSet, h: int) -> Entry:
    top = _top(hs, h)
    heap_pop(hs, h)
    return top
