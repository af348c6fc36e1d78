"""The cut-off rule "received before 16:00 → 18:00 the same business day, else the next"."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from contactops.engines.sla import BusinessCalendar, CalendarError, CutoffRule, cutoff_deadline

from .wall import NEW_YORK, OSLO, SHANGHAI, SOFIA, local_text, utc, wall

FOUR_TO_SIX = CutoffRule.from_times("16:00", "18:00")


def office(zone: str = OSLO, holidays: tuple[date, ...] = ()) -> BusinessCalendar:
    return BusinessCalendar.parse_weekly(zone, "mon-fri 08:00-17:00", holidays)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2026-03-03 15:59", "2026-03-03 18:00"),  # Tuesday before the cut-off
        ("2026-03-03 15:59:59.999999", "2026-03-03 18:00"),
        ("2026-03-03 16:00", "2026-03-04 18:00"),  # exactly at the cut-off: the next day
        ("2026-03-03 16:00:00.000001", "2026-03-04 18:00"),
        ("2026-03-03 06:00", "2026-03-03 18:00"),  # before opening counts for that day
        ("2026-03-03 00:00", "2026-03-03 18:00"),
        ("2026-03-03 17:30", "2026-03-04 18:00"),  # after closing
        ("2026-03-06 17:00", "2026-03-09 18:00"),  # Friday after the cut-off → Monday
        ("2026-03-07 11:00", "2026-03-09 18:00"),  # Saturday, before the cut-off → Monday
        ("2026-03-08 23:59", "2026-03-09 18:00"),  # Sunday night → Monday
    ],
)
def test_cutoff_deadline_on_a_weekday_calendar(received: str, due: str) -> None:
    deadline = cutoff_deadline(office(), FOUR_TO_SIX, wall(OSLO, received))
    assert local_text(OSLO, deadline) == due


def test_thursday_after_the_cutoff_with_a_friday_holiday_is_due_monday() -> None:
    calendar = office(holidays=(date(2026, 3, 6),))
    deadline = cutoff_deadline(calendar, FOUR_TO_SIX, wall(OSLO, "2026-03-05 16:30"))
    assert local_text(OSLO, deadline) == "2026-03-09 18:00"


def test_a_message_received_on_a_holiday_morning_is_due_the_next_business_day() -> None:
    calendar = office(holidays=(date(2026, 3, 9),))
    deadline = cutoff_deadline(calendar, FOUR_TO_SIX, wall(OSLO, "2026-03-09 09:00"))
    assert local_text(OSLO, deadline) == "2026-03-10 18:00"


def test_a_holiday_after_the_receiving_day_does_not_matter_before_the_cutoff() -> None:
    calendar = office(holidays=(date(2026, 3, 9),))
    deadline = cutoff_deadline(calendar, FOUR_TO_SIX, wall(OSLO, "2026-03-06 15:00"))
    assert local_text(OSLO, deadline) == "2026-03-06 18:00"


@pytest.mark.parametrize(
    ("zone", "received_local", "due_local", "due_utc"),
    [
        (OSLO, "2026-03-10 15:30", "2026-03-10 18:00", "2026-03-10 17:00"),
        (SOFIA, "2026-03-10 16:30", "2026-03-11 18:00", "2026-03-11 16:00"),
        (SHANGHAI, "2026-03-10 22:30", "2026-03-11 18:00", "2026-03-11 10:00"),
        (NEW_YORK, "2026-03-10 10:30", "2026-03-10 18:00", "2026-03-10 22:00"),
    ],
)
def test_the_cutoff_is_read_on_the_tenants_local_clock(
    zone: str, received_local: str, due_local: str, due_utc: str
) -> None:
    received = utc("2026-03-10 14:30")
    assert local_text(zone, received) == received_local
    deadline = cutoff_deadline(office(zone), FOUR_TO_SIX, received)
    assert local_text(zone, deadline) == due_local
    assert deadline == utc(due_utc)


def test_the_due_time_after_a_spring_forward_weekend_is_summer_time() -> None:
    deadline = cutoff_deadline(office(), FOUR_TO_SIX, wall(OSLO, "2026-03-27 17:00"))
    assert deadline == utc("2026-03-30 16:00")  # Monday 18:00 CEST


def test_a_due_time_in_the_spring_gap_moves_to_the_end_of_the_gap() -> None:
    rule = CutoffRule.from_times("01:00", "02:30")
    calendar = BusinessCalendar.always_open(OSLO)
    assert cutoff_deadline(calendar, rule, wall(OSLO, "2026-03-29 00:30")) == utc(
        "2026-03-29 01:00"  # 03:00 CEST, the first instant after 02:00-03:00
    )


def test_a_due_time_that_occurs_twice_is_the_first_occurrence() -> None:
    rule = CutoffRule.from_times("01:00", "02:30")
    calendar = BusinessCalendar.always_open(OSLO)
    assert cutoff_deadline(calendar, rule, wall(OSLO, "2026-10-25 00:30")) == utc(
        "2026-10-25 00:30"  # 02:30 CEST
    )


def test_rule_validation() -> None:
    with pytest.raises(CalendarError, match="must not be before the cut-off"):
        CutoffRule(18 * 60, 16 * 60)
    with pytest.raises(CalendarError, match="cutoff_minute"):
        CutoffRule(-1, 60)
    with pytest.raises(CalendarError, match="due_minute"):
        CutoffRule(60, 1441)
    with pytest.raises(CalendarError, match="clock time"):
        CutoffRule.from_times("4pm", "6pm")
    assert CutoffRule.from_times("16:00", "24:00") == CutoffRule(960, 1440)
    assert str(FOUR_TO_SIX) == "before 16:00 → 18:00 the same business day, else 18:00 the next"


def test_a_never_open_calendar_raises_and_a_naive_time_is_rejected() -> None:
    with pytest.raises(CalendarError, match="no opening hours"):
        cutoff_deadline(BusinessCalendar(OSLO, ()), FOUR_TO_SIX, wall(OSLO, "2026-03-03 10:00"))
    with pytest.raises(ValueError, match="received_at must be a timezone-aware"):
        cutoff_deadline(office(), FOUR_TO_SIX, datetime(2026, 3, 3, 10))
