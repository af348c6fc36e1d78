"""Business-hours calendars on fixed clocks: hours, holidays, time zones, DST, validation."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import UTC, date, datetime, timedelta

import pytest

from contactops.engines.sla import BusinessCalendar, CalendarError, OpeningSpan

from .wall import NEW_YORK, OSLO, SHANGHAI, SOFIA, local_text, utc, wall

HOUR_S = 3600.0
OFFICE = "mon-fri 08:00-17:00"


def office(zone: str = OSLO, holidays: tuple[date, ...] = ()) -> BusinessCalendar:
    return BusinessCalendar.parse_weekly(zone, OFFICE, holidays)


# -- business hours and holidays -------------------------------------------------------------


def test_three_business_hours_from_friday_afternoon_end_monday_morning() -> None:
    due = office().add_business_seconds(wall(OSLO, "2026-03-06 15:30"), 3 * HOUR_S)
    assert local_text(OSLO, due) == "2026-03-09 09:30"


def test_a_monday_holiday_moves_the_end_to_tuesday() -> None:
    calendar = office(holidays=(date(2026, 3, 9),))
    due = calendar.add_business_seconds(wall(OSLO, "2026-03-06 15:30"), 3 * HOUR_S)
    assert local_text(OSLO, due) == "2026-03-10 09:30"


def test_an_amount_that_runs_out_at_closing_ends_at_closing() -> None:
    due = office().add_business_seconds(wall(OSLO, "2026-03-06 15:30"), 1.5 * HOUR_S)
    assert local_text(OSLO, due) == "2026-03-06 17:00"


def test_zero_seconds_gives_the_next_open_instant() -> None:
    calendar = office()
    assert calendar.add_business_seconds(wall(OSLO, "2026-03-06 10:00"), 0) == wall(
        OSLO, "2026-03-06 10:00"
    )
    assert local_text(OSLO, calendar.add_business_seconds(wall(OSLO, "2026-03-07 10:00"), 0)) == (
        "2026-03-09 08:00"
    )


def test_business_seconds_between_counts_open_time_only() -> None:
    calendar = office(holidays=(date(2026, 3, 9),))
    start, end = wall(OSLO, "2026-03-06 15:30"), wall(OSLO, "2026-03-10 09:30")
    assert calendar.business_seconds_between(start, end) == 3 * HOUR_S
    assert calendar.business_seconds_between(end, start) == 0.0
    assert calendar.business_seconds_between(start, start) == 0.0


def test_subtract_counts_back_to_the_previous_span() -> None:
    calendar = office()
    end = wall(OSLO, "2026-03-09 09:30")
    assert local_text(OSLO, calendar.subtract_business_seconds(end, 1 * HOUR_S)) == (
        "2026-03-09 08:30"
    )
    assert local_text(OSLO, calendar.subtract_business_seconds(end, 2 * HOUR_S)) == (
        "2026-03-06 16:30"
    )
    # Exactly at a span's start: the end of the span before (the earliest instant with so little
    # open time left).
    assert local_text(OSLO, calendar.subtract_business_seconds(end, 1.5 * HOUR_S)) == (
        "2026-03-06 17:00"
    )


def test_is_open_is_true_at_opening_and_false_at_closing() -> None:
    calendar = office(holidays=(date(2026, 3, 10),))
    assert calendar.is_open(wall(OSLO, "2026-03-09 08:00"))
    assert calendar.is_open(wall(OSLO, "2026-03-09 16:59:59"))
    assert not calendar.is_open(wall(OSLO, "2026-03-09 17:00"))
    assert not calendar.is_open(wall(OSLO, "2026-03-09 07:59:59"))
    assert not calendar.is_open(wall(OSLO, "2026-03-07 12:00"))  # Saturday
    assert not calendar.is_open(wall(OSLO, "2026-03-10 12:00"))  # holiday


def test_next_open_skips_nights_weekends_and_holidays() -> None:
    calendar = office(holidays=(date(2026, 3, 9),))
    assert local_text(OSLO, calendar.next_open(wall(OSLO, "2026-03-06 17:00"))) == (
        "2026-03-10 08:00"
    )
    assert calendar.next_open(wall(OSLO, "2026-03-06 12:00")) == wall(OSLO, "2026-03-06 12:00")


def test_open_intervals_are_clipped_ordered_and_joined_when_touching() -> None:
    calendar = BusinessCalendar.parse_weekly(OSLO, "mon-fri 08:00-12:00, 12:00-17:00")
    intervals = list(
        calendar.open_intervals(wall(OSLO, "2026-03-06 10:00"), wall(OSLO, "2026-03-09 09:00"))
    )
    assert [(local_text(OSLO, a), local_text(OSLO, b)) for a, b in intervals] == [
        ("2026-03-06 10:00", "2026-03-06 17:00"),
        ("2026-03-09 08:00", "2026-03-09 09:00"),
    ]
    assert all(a.utcoffset() == timedelta(0) for a, _ in intervals)
    always = BusinessCalendar.always_open(OSLO)
    start, end = wall(OSLO, "2026-03-01 00:00"), wall(OSLO, "2026-03-08 00:00")
    assert list(always.open_intervals(start, end)) == [(start, end)]


def test_business_days_have_a_span_and_are_not_holidays() -> None:
    calendar = office(holidays=(date(2026, 3, 10),))
    assert calendar.is_business_day(date(2026, 3, 9))
    assert not calendar.is_business_day(date(2026, 3, 10))
    assert not calendar.is_business_day(date(2026, 3, 8))
    assert calendar.next_business_day(date(2026, 3, 6)) == date(2026, 3, 9)
    assert calendar.next_business_day(date(2026, 3, 9)) == date(2026, 3, 11)


def test_results_are_aware_utc_datetimes() -> None:
    due = office().add_business_seconds(wall(OSLO, "2026-03-06 15:30"), HOUR_S)
    assert due == utc("2026-03-06 15:30") and due.tzinfo is not None
    assert due.utcoffset() == timedelta(0)


# -- time zones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "local_start", "open_then", "due_local"),
    [
        (OSLO, "2026-03-13 15:30", True, "2026-03-16 09:30"),  # UTC+1: Friday afternoon
        (SOFIA, "2026-03-13 16:30", True, "2026-03-16 10:30"),  # UTC+2: half an hour left Friday
        (SHANGHAI, "2026-03-13 22:30", False, "2026-03-16 11:00"),  # UTC+8: Friday night
        (NEW_YORK, "2026-03-13 10:30", True, "2026-03-13 13:30"),  # UTC−4: Friday morning
    ],
)
def test_the_same_instant_is_read_on_each_tenants_local_clock(
    zone: str, local_start: str, open_then: bool, due_local: str
) -> None:
    instant = utc("2026-03-13 14:30")
    calendar = office(zone)
    assert local_text(zone, instant) == local_start
    assert calendar.is_open(instant) is open_then
    assert local_text(zone, calendar.add_business_seconds(instant, 3 * HOUR_S)) == due_local


def test_local_date_follows_the_calendar_zone() -> None:
    instant = utc("2026-03-13 20:00")
    assert office(SHANGHAI).local_date(instant) == date(2026, 3, 14)
    assert office(NEW_YORK).local_date(instant) == date(2026, 3, 13)


# -- daylight saving time --------------------------------------------------------------------

DST_DAYS = [
    # zone, day of change, hours in the day, hours of a 01:00-04:00 span
    (OSLO, date(2026, 3, 29), 23.0, 2.0),
    (OSLO, date(2026, 10, 25), 25.0, 4.0),
    (NEW_YORK, date(2026, 3, 8), 23.0, 2.0),
    (NEW_YORK, date(2026, 11, 1), 25.0, 4.0),
]


def day_bounds(zone: str, day: date) -> tuple[datetime, datetime]:
    return wall(zone, day.isoformat()), wall(zone, (day + timedelta(days=1)).isoformat())


@pytest.mark.parametrize(("zone", "day", "day_hours", "night_hours"), DST_DAYS)
def test_always_open_counts_the_real_length_of_a_dst_day(
    zone: str, day: date, day_hours: float, night_hours: float
) -> None:
    start, end = day_bounds(zone, day)
    calendar = BusinessCalendar.always_open(zone)
    assert calendar.business_seconds_between(start, end) == day_hours * HOUR_S


@pytest.mark.parametrize(("zone", "day", "day_hours", "night_hours"), DST_DAYS)
def test_an_office_day_is_nine_hours_on_both_sides_of_a_dst_change(
    zone: str, day: date, day_hours: float, night_hours: float
) -> None:
    calendar = BusinessCalendar.parse_weekly(zone, "daily 08:00-17:00")
    for offset in (-1, 0, 1):
        start, end = day_bounds(zone, day + timedelta(days=offset))
        assert calendar.business_seconds_between(start, end) == 9 * HOUR_S


@pytest.mark.parametrize(("zone", "day", "day_hours", "night_hours"), DST_DAYS)
def test_a_night_span_across_the_change_is_taken_in_wall_time(
    zone: str, day: date, day_hours: float, night_hours: float
) -> None:
    calendar = BusinessCalendar.parse_weekly(zone, "daily 01:00-04:00")
    start, end = day_bounds(zone, day)
    assert calendar.business_seconds_between(start, end) == night_hours * HOUR_S


def test_a_span_starting_in_the_spring_gap_starts_when_the_gap_ends() -> None:
    calendar = BusinessCalendar.parse_weekly(OSLO, "sun 02:30-05:00")
    start, end = day_bounds(OSLO, date(2026, 3, 29))
    assert list(calendar.open_intervals(start, end)) == [
        (utc("2026-03-29 01:00"), utc("2026-03-29 03:00"))  # 03:00-05:00 CEST
    ]


def test_a_span_ending_in_the_spring_gap_ends_when_the_gap_ends() -> None:
    calendar = BusinessCalendar.parse_weekly(NEW_YORK, "sun 00:00-02:30")
    start, end = day_bounds(NEW_YORK, date(2026, 3, 8))
    assert calendar.business_seconds_between(start, end) == 2 * HOUR_S


def test_a_span_inside_the_spring_gap_is_closed_that_day_only() -> None:
    calendar = BusinessCalendar.parse_weekly(OSLO, "sun 02:15-02:45")
    assert calendar.business_seconds_between(*day_bounds(OSLO, date(2026, 3, 29))) == 0.0
    assert calendar.business_seconds_between(*day_bounds(OSLO, date(2026, 4, 5))) == 1800.0


def test_an_ambiguous_fall_back_time_is_its_first_occurrence() -> None:
    calendar = BusinessCalendar.parse_weekly(OSLO, "sun 02:30-04:00")
    start, end = day_bounds(OSLO, date(2026, 10, 25))
    # 02:30 CEST (00:30 UTC) to 04:00 CET (03:00 UTC): the repeated hour counts once more.
    assert list(calendar.open_intervals(start, end)) == [
        (utc("2026-10-25 00:30"), utc("2026-10-25 03:00"))
    ]
    # Compared in UTC: Python never finds a repeated wall time equal to an instant in another zone.
    first = wall(OSLO, "2026-10-25 02:30", fold=0).astimezone(UTC)
    assert calendar.at_local(date(2026, 10, 25), 150) == first == utc("2026-10-25 00:30")


def test_at_local_moves_a_nonexistent_time_to_the_end_of_the_gap() -> None:
    assert office(OSLO).at_local(date(2026, 3, 29), 150) == utc("2026-03-29 01:00")
    assert office(NEW_YORK).at_local(date(2026, 3, 8), 150) == utc("2026-03-08 07:00")
    assert office(NEW_YORK).at_local(date(2026, 11, 1), 90) == utc("2026-11-01 05:30")


def test_a_budget_across_the_spring_weekend_ends_in_summer_time() -> None:
    due = office(OSLO).add_business_seconds(wall(OSLO, "2026-03-27 16:00"), 3 * HOUR_S)
    assert local_text(OSLO, due) == "2026-03-30 10:00"
    assert due == utc("2026-03-30 08:00")


def test_a_budget_across_the_autumn_weekend_ends_in_winter_time() -> None:
    due = office(OSLO).add_business_seconds(wall(OSLO, "2026-10-23 16:00"), 3 * HOUR_S)
    assert local_text(OSLO, due) == "2026-10-26 10:00"
    assert due == utc("2026-10-26 09:00")


def test_a_round_the_clock_budget_counts_elapsed_time_not_wall_time() -> None:
    calendar = BusinessCalendar.always_open(NEW_YORK)
    due = calendar.add_business_seconds(wall(NEW_YORK, "2026-03-08 01:30"), 2 * HOUR_S)
    assert local_text(NEW_YORK, due) == "2026-03-08 04:30"  # the wall clock skipped 02:00-03:00


# -- validation ------------------------------------------------------------------------------


def test_an_unknown_time_zone_is_named() -> None:
    for name in ("Europe/Atlantis", "", "Europe", "../etc/passwd"):
        with pytest.raises(CalendarError, match="unknown time zone"):
            BusinessCalendar(name, ())


def test_overlapping_spans_on_one_weekday_are_rejected() -> None:
    spans = (OpeningSpan(0, 480, 720), OpeningSpan(0, 700, 1020))
    with pytest.raises(CalendarError, match="overlap"):
        BusinessCalendar(OSLO, spans)
    BusinessCalendar(OSLO, (OpeningSpan(0, 480, 720), OpeningSpan(1, 700, 1020)))


def test_holidays_must_be_dates() -> None:
    with pytest.raises(CalendarError, match="holidays must be dates"):
        BusinessCalendar(OSLO, (), frozenset({wall(OSLO, "2026-03-09 00:00")}))


def test_a_calendar_that_never_opens_raises_instead_of_looping() -> None:
    never = BusinessCalendar(OSLO, ())
    start = wall(OSLO, "2026-03-06 15:30")
    assert not never.is_open(start)
    assert never.business_seconds_between(start, start + timedelta(days=30)) == 0.0
    assert list(never.open_intervals(start, start + timedelta(days=30))) == []
    with pytest.raises(CalendarError, match="no opening hours"):
        never.add_business_seconds(start, HOUR_S)
    with pytest.raises(CalendarError, match="no opening hours"):
        never.next_open(start)
    with pytest.raises(CalendarError, match="no opening hours"):
        never.next_business_day(date(2026, 3, 6))


def test_years_of_holidays_are_walked_past_not_looped_on() -> None:
    first = date(2026, 1, 1)
    holidays = tuple(first + timedelta(days=n) for n in range(3 * 366))
    calendar = office(holidays=holidays)
    due = calendar.add_business_seconds(wall(OSLO, "2026-01-01 00:00"), HOUR_S)
    assert local_text(OSLO, due) == "2029-01-03 09:00"  # the first weekday after them


@pytest.mark.parametrize(
    "call",
    [
        lambda c, naive: c.is_open(naive),
        lambda c, naive: c.next_open(naive),
        lambda c, naive: c.add_business_seconds(naive, 60),
        lambda c, naive: c.business_seconds_between(naive, naive),
        lambda c, naive: c.open_intervals(naive, naive),
        lambda c, naive: c.local_date(naive),
    ],
)
def test_naive_datetimes_are_rejected(call: object) -> None:
    naive = datetime(2026, 3, 6, 15, 30)
    with pytest.raises(ValueError, match="timezone-aware"):
        call(office(), naive)  # type: ignore[operator]


def test_negative_or_infinite_amounts_are_rejected() -> None:
    for seconds in (-1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="seconds"):
            office().add_business_seconds(wall(OSLO, "2026-03-06 15:30"), seconds)


# -- the value itself ------------------------------------------------------------------------


def test_calendars_are_hashable_values_independent_of_span_order() -> None:
    a = BusinessCalendar(OSLO, (OpeningSpan(1, 480, 1020), OpeningSpan(0, 480, 1020)))
    b = BusinessCalendar(OSLO, (OpeningSpan(0, 480, 1020), OpeningSpan(1, 480, 1020)))
    assert a == b and hash(a) == hash(b)
    assert len({a, b, office()}) == 2
    assert a.opening[0].weekday == 0


def test_a_calendar_survives_pickle_copy_and_replace() -> None:
    calendar = office(holidays=(date(2026, 3, 9),))
    start = wall(OSLO, "2026-03-06 15:30")
    expected = calendar.add_business_seconds(start, 3 * HOUR_S)
    unpickled = pickle.loads(pickle.dumps(calendar))  # noqa: S301 - our own bytes
    for other in (unpickled, copy.deepcopy(calendar)):
        assert other == calendar
        assert other.add_business_seconds(start, 3 * HOUR_S) == expected
    without = dataclasses.replace(calendar, holidays=frozenset())
    assert local_text(OSLO, without.add_business_seconds(start, 3 * HOUR_S)) == "2026-03-09 09:30"
    assert [field.name for field in dataclasses.fields(calendar)] == [
        "time_zone",
        "opening",
        "holidays",
    ]


def test_weekly_text_round_trips() -> None:
    calendar = BusinessCalendar.parse_weekly(
        OSLO, "mon-fri 08:00-12:00, 13:00-17:00; sat 10:00-14:00"
    )
    assert calendar.weekly_text() == "mon-fri 08:00-12:00, 13:00-17:00\nsat 10:00-14:00"
    assert BusinessCalendar.parse_weekly(OSLO, calendar.weekly_text()) == calendar
