"""Invariants of business time on random calendars, time zones (DST included) and instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from contactops.engines.sla import (
    BusinessCalendar,
    OpeningSpan,
    Pause,
    SlaTarget,
    due_at,
    read_clock,
    warn_at,
)

TOLERANCE_S = 1e-6
ONE_US = timedelta(microseconds=1)
ZONES = (
    "UTC",
    "Europe/Oslo",
    "Europe/Sofia",
    "Asia/Shanghai",
    "America/New_York",
    "America/Santiago",  # DST changes at midnight
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kolkata",  # a half-hour offset
)


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    """Up to three non-overlapping spans a weekday (at least one somewhere), some holidays."""
    spans: list[OpeningSpan] = []
    for weekday in range(7):
        bounds = sorted(draw(st.sets(st.integers(0, 1440), max_size=6)))
        spans.extend(
            OpeningSpan(weekday, start, end)
            for start, end in zip(bounds[::2], bounds[1::2], strict=False)
        )
    if not spans:
        spans.append(OpeningSpan(draw(st.integers(0, 6)), 0, draw(st.integers(1, 1440))))
    holidays = draw(
        st.frozensets(st.dates(date(2025, 12, 1), date(2027, 2, 1)), max_size=20),
    )
    return BusinessCalendar(draw(st.sampled_from(ZONES)), tuple(spans), holidays)


instants = st.datetimes(datetime(2026, 1, 1), datetime(2027, 1, 1), timezones=st.just(UTC))
budgets_s = st.floats(0.0, 20 * 86_400.0, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, budgets_s)
def test_adding_business_time_then_measuring_it_gives_it_back(
    calendar: BusinessCalendar, start: datetime, seconds: float
) -> None:
    end = calendar.add_business_seconds(start, seconds)
    assert end >= start
    assert abs(calendar.business_seconds_between(start, end) - seconds) <= TOLERANCE_S


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, budgets_s)
def test_subtracting_business_time_then_measuring_it_gives_it_back(
    calendar: BusinessCalendar, end: datetime, seconds: float
) -> None:
    start = calendar.subtract_business_seconds(end, seconds)
    assert start <= end
    assert abs(calendar.business_seconds_between(start, end) - seconds) <= TOLERANCE_S


@settings(max_examples=300, deadline=None)
@given(calendars(), st.lists(instants, min_size=3, max_size=3))
def test_business_time_is_additive_over_a_split_point(
    calendar: BusinessCalendar, points: list[datetime]
) -> None:
    a, b, c = sorted(points)
    whole = calendar.business_seconds_between(a, c)
    parts = calendar.business_seconds_between(a, b) + calendar.business_seconds_between(b, c)
    assert abs(whole - parts) <= TOLERANCE_S
    assert 0.0 <= whole <= (c - a).total_seconds()


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, st.floats(1e-3, 20 * 86_400.0, allow_nan=False))
def test_the_instant_before_an_added_amount_runs_out_is_open(
    calendar: BusinessCalendar, start: datetime, seconds: float
) -> None:
    end = calendar.add_business_seconds(start, seconds)
    assert calendar.is_open(end - ONE_US)
    assert calendar.is_open(calendar.next_open(start))


@settings(max_examples=200, deadline=None)
@given(calendars(), instants, st.integers(0, 30 * 86_400))
def test_open_intervals_are_ordered_open_and_sum_to_the_business_time(
    calendar: BusinessCalendar, start: datetime, span_s: int
) -> None:
    end = start + timedelta(seconds=span_s)
    intervals = list(calendar.open_intervals(start, end))
    total_s = sum((b - a).total_seconds() for a, b in intervals)
    assert abs(total_s - calendar.business_seconds_between(start, end)) <= TOLERANCE_S
    for index, (a, b) in enumerate(intervals):
        assert start <= a < b <= end
        assert calendar.is_open(a) and calendar.is_open(b - ONE_US)
        if index + 1 < len(intervals):
            assert b < intervals[index + 1][0] and not calendar.is_open(b)


@settings(max_examples=100, deadline=None)
@given(calendars())
def test_the_weekly_text_parses_back_to_the_same_calendar(calendar: BusinessCalendar) -> None:
    text = calendar.weekly_text()
    parsed = BusinessCalendar.parse_weekly(calendar.time_zone, text, calendar.holidays)
    assert parsed == calendar


@settings(max_examples=200, deadline=None)
@given(
    calendars(),
    instants,
    st.floats(60.0, 10 * 86_400.0, allow_nan=False),
    st.lists(st.tuples(st.integers(0, 20 * 86_400), st.integers(1, 3 * 86_400)), max_size=4),
)
def test_at_the_deadline_exactly_the_budget_has_run_and_the_clock_is_not_breached(
    calendar: BusinessCalendar,
    start: datetime,
    budget_s: float,
    pause_offsets_s: list[tuple[int, int]],
) -> None:
    pauses = tuple(
        Pause(start + timedelta(seconds=offset), start + timedelta(seconds=offset + length))
        for offset, length in pause_offsets_s
    )
    target = SlaTarget("resolution", business_seconds=budget_s, warn_before_s=budget_s / 3)
    due = due_at(calendar, target, start, pauses)
    warn = warn_at(calendar, target, start, pauses)
    assert due is not None and warn is not None
    assert start <= warn <= due
    clock = read_clock(calendar, target, start, due, pauses)
    assert clock.state in ("warning", "paused")
    assert abs(clock.elapsed_business_s - budget_s) <= TOLERANCE_S
    assert clock.due_at == due
    assert read_clock(calendar, target, start, due, pauses, stopped_at=due).state == "met"
