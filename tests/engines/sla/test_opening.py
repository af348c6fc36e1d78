"""Opening hours: the weekly text form, its errors, and span validation."""

from __future__ import annotations

import pytest

from contactops.engines.sla import BusinessCalendar, CalendarError, OpeningSpan
from contactops.engines.sla.opening import (
    format_opening_hours,
    parse_clock,
    parse_opening_hours,
)

NINE_TO_FIVE = (8 * 60, 17 * 60)


def spans_of(text: str) -> set[tuple[int, int, int]]:
    return {(s.weekday, s.start_minute, s.end_minute) for s in parse_opening_hours(text)}


def test_weekday_range_gives_one_span_per_day() -> None:
    assert spans_of("mon-fri 08:00-17:00") == {(day, *NINE_TO_FIVE) for day in range(5)}


def test_rules_on_separate_lines_and_after_semicolons_add_up() -> None:
    expected = {(day, *NINE_TO_FIVE) for day in range(5)} | {(5, 540, 780)}
    assert spans_of("mon-fri 08:00-17:00\nsat 09:00-13:00") == expected
    assert spans_of("mon-fri 08:00-17:00; sat 09:00-13:00") == expected
    assert spans_of("mon-fri 08:00-17:00, sat 09:00-13:00") == expected


def test_comma_after_a_range_adds_another_range_for_the_same_days() -> None:
    text = "mon-fri 08:00-12:00, 13:00-17:00"
    assert spans_of(text) == {(d, 480, 720) for d in range(5)} | {(d, 780, 1020) for d in range(5)}


def test_comma_between_days_lists_the_days() -> None:
    assert spans_of("mon,wed, fri 10:00-11:00") == {(0, 600, 660), (2, 600, 660), (4, 600, 660)}


def test_day_range_wraps_past_sunday_and_accepts_full_names_and_daily() -> None:
    assert {s[0] for s in spans_of("fri-mon 10:00-11:00")} == {4, 5, 6, 0}
    assert {s[0] for s in spans_of("Saturday - Sunday 10:00 - 11:00")} == {5, 6}
    assert {s[0] for s in spans_of("daily 10:00-11:00")} == set(range(7))


def test_24_00_ends_the_day_and_comments_and_closed_days_are_ignored() -> None:
    text = "# support desk\nmon 00:00-24:00  # all day\nsun closed\n\n"
    assert spans_of(text) == {(0, 0, 1440)}


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("mon-fri 08:00-17:00\nsat 9-13", "line 2 ('sat 9-13')", "HH:MM-HH:MM"),
        ("mon-fri 17:00-08:00", "line 1", "ends before it starts"),
        ("mon-fri 08:00-17:00\n\nmonday-funday 08:00-17:00", "line 3", "expected days"),
        ("mon-fri 08:00-24:30", "line 1", "between 00:00 and 24:00"),
        ("mon-fri 08:00-17:61", "line 1", "between 00:00 and 24:00"),
        ("08:00-17:00", "line 1", "without days"),
        ("mon-fri", "line 1", "days without opening hours"),
        ("mon 08:00-12:00 tue", "line 1", "after the opening hours"),
        ("mon 08:00-12:00,, 13:00-14:00", "line 1", "empty item"),
        ("sun closed 10:00-12:00", "line 1", "both closed and open"),
    ],
)
def test_a_bad_rule_is_reported_with_its_line(text: str, line: str, problem: str) -> None:
    with pytest.raises(CalendarError, match=problem) as caught:
        BusinessCalendar.parse_weekly("Europe/Oslo", text)
    assert line in str(caught.value)


def test_overlapping_rules_name_both_lines() -> None:
    with pytest.raises(CalendarError, match=r"line 2 .*overlaps mon 08:00-17:00 from line 1"):
        parse_opening_hours("mon-fri 08:00-17:00\nmon 16:00-18:00")


def test_hours_on_a_day_declared_closed_are_an_error() -> None:
    with pytest.raises(CalendarError, match=r"line 2 .*sat is declared closed on line 1"):
        parse_opening_hours("sat-sun closed\ndaily 09:00-10:00")


def test_text_without_any_hours_is_an_error() -> None:
    with pytest.raises(CalendarError, match="no opening hours"):
        parse_opening_hours("# nothing yet\nsun closed")


def test_touching_spans_are_allowed() -> None:
    assert spans_of("mon 08:00-12:00, 12:00-17:00") == {(0, 480, 720), (0, 720, 1020)}


def test_format_groups_consecutive_days_with_equal_hours_and_parses_back() -> None:
    text = "mon-thu 08:00-12:00, 13:00-17:00\nfri 08:00-15:00\nsun 10:00-24:00"
    spans = parse_opening_hours(text)
    assert format_opening_hours(spans) == text
    assert parse_opening_hours(format_opening_hours(spans)) == spans


@pytest.mark.parametrize(
    ("weekday", "start", "end"),
    [(7, 0, 60), (-1, 0, 60), (0, 60, 60), (0, 120, 60), (0, -5, 60), (0, 0, 1441)],
)
def test_opening_span_bounds_are_checked(weekday: int, start: int, end: int) -> None:
    with pytest.raises(CalendarError):
        OpeningSpan(weekday, start, end)


def test_clock_times_parse_to_minutes() -> None:
    assert parse_clock("16:00") == 960
    assert parse_clock("8:05") == 485
    assert parse_clock("24:00") == 1440
    with pytest.raises(CalendarError, match="clock time"):
        parse_clock("4pm")
