"""Occupancy, the rest an occupancy cap asks for, and the rolling window they are measured on."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactops.engines.routing import OccupancyWindow, occupancy, rest_needed_s


def test_occupancy_is_busy_over_staffed_and_zero_when_not_staffed() -> None:
    assert occupancy(2700.0, 3600.0) == 0.75
    assert occupancy(0.0, 0.0) == 0.0
    with pytest.raises(ValueError, match="busy_s"):
        occupancy(-1.0, 10.0)


def test_rest_brings_occupancy_down_to_the_cap() -> None:
    # 3,240 s busy in 3,600 s staffed is 90 %; at 85 %: 3,240 / 0.85 − 3,600 = 211.76… s idle.
    rest = rest_needed_s(3240.0, 3600.0, 0.85)
    assert rest == pytest.approx(211.7647, abs=1e-4)
    assert occupancy(3240.0, 3600.0 + rest) == pytest.approx(0.85)
    assert rest_needed_s(2700.0, 3600.0, 0.85) == 0.0  # already under the cap


def test_no_cap_or_a_cap_of_one_needs_no_rest() -> None:
    assert rest_needed_s(3600.0, 3600.0, None) == 0.0
    assert rest_needed_s(3600.0, 3600.0, 1.0) == 0.0


@pytest.mark.parametrize("cap", [0.0, -0.5, 1.2, math.nan])
def test_a_cap_outside_zero_to_one_is_refused_by_name(cap: float) -> None:
    with pytest.raises(ValueError, match="occupancy cap"):
        rest_needed_s(100.0, 200.0, cap)


@given(
    st.floats(0.0, 1e6),
    st.floats(0.0, 1e6),
    st.floats(0.05, 1.0),
)
def test_after_the_rest_occupancy_is_within_the_cap(
    busy_s: float, staffed_s: float, cap: float
) -> None:
    rest = rest_needed_s(busy_s, staffed_s, cap)
    assert rest >= 0.0
    if busy_s <= staffed_s:
        assert occupancy(busy_s, staffed_s + rest) <= cap * (1 + 1e-9)


def test_window_counts_only_the_part_of_each_interval_inside_it() -> None:
    window = OccupancyWindow(window_s=3600.0)
    window.add(0.0, 1000.0, busy=False)
    window.add(1000.0, 3000.0, busy=True)
    window.add(3000.0, 4000.0, busy=False)
    window.add(4000.0, 4600.0, busy=True)
    # At 4,600 the window is [1,000, 4,600]: the first idle interval has left it.
    assert window.staffed_s(4600.0) == 3600.0
    assert window.busy_s(4600.0) == 2600.0
    # At 5,000 the window is [1,400, 5,000]: 1,600 + 600 busy; nothing after 4,600 is known.
    assert window.busy_s(5000.0) == 2200.0
    assert window.staffed_s(5000.0) == 3200.0
    assert window.occupancy(5000.0) == pytest.approx(2200.0 / 3200.0)


def test_window_defaults_to_an_hour_and_starts_empty() -> None:
    window = OccupancyWindow()
    assert window.window_s == 3600.0
    assert window.busy_s(100.0) == 0.0
    assert window.occupancy(100.0) == 0.0


def test_window_queries_move_forward_and_intervals_are_checked() -> None:
    window = OccupancyWindow(window_s=600.0)
    window.add(0.0, 500.0, busy=True)
    assert window.busy_s(1000.0) == 100.0
    with pytest.raises(ValueError, match="move forward"):
        window.busy_s(900.0)
    with pytest.raises(ValueError, match="ends before it starts"):
        window.add(10.0, 5.0, busy=True)
    with pytest.raises(ValueError, match="window_s"):
        OccupancyWindow(window_s=0.0)
