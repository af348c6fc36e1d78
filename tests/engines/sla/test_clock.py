"""SLA clocks on fixed clocks: deadlines, pauses, warnings and readings."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from contactops.engines.sla import (
    BusinessCalendar,
    CalendarError,
    CutoffRule,
    Pause,
    SlaTarget,
    due_at,
    read_clock,
    warn_at,
)

from .wall import OSLO, local_text, utc, wall

HOUR_S = 3600.0
OFFICE = BusinessCalendar.parse_weekly(OSLO, "mon-fri 08:00-17:00")
THREE_HOURS = SlaTarget("first_response", business_seconds=3 * HOUR_S, warn_before_s=HOUR_S)
FOUR_TO_SIX = SlaTarget(
    "first_response", cutoff=CutoffRule.from_times("16:00", "18:00"), warn_before_s=HOUR_S
)


def oslo(text: str) -> datetime:
    """A wall time in Oslo; bare "HH:MM" is on Tuesday 2026-03-03."""
    return wall(OSLO, text if "-" in text else f"2026-03-03 {text}")


def paused(start: str, end: str | None) -> Pause:
    return Pause(oslo(start), None if end is None else oslo(end))


def due_text(target: SlaTarget, started: str, *pauses: Pause) -> str | None:
    due = due_at(OFFICE, target, oslo(started), pauses)
    return None if due is None else local_text(OSLO, due)


def warn_text(target: SlaTarget, started: str, *pauses: Pause) -> str | None:
    warn = warn_at(OFFICE, target, oslo(started), pauses)
    return None if warn is None else local_text(OSLO, warn)


# -- deadlines of business-time budgets ------------------------------------------------------


def test_a_complaint_answered_within_three_business_hours_from_friday_afternoon() -> None:
    assert due_text(THREE_HOURS, "2026-03-06 15:30") == "2026-03-09 09:30"


def test_a_pause_of_one_business_hour_moves_the_deadline_one_business_hour() -> None:
    assert due_text(THREE_HOURS, "09:00") == "2026-03-03 12:00"
    assert due_text(THREE_HOURS, "09:00", paused("10:00", "11:00")) == "2026-03-03 13:00"


def test_a_pause_outside_business_hours_changes_nothing() -> None:
    night = paused("2026-03-03 17:30", "2026-03-04 07:30")
    assert due_text(THREE_HOURS, "15:30", night) == due_text(THREE_HOURS, "15:30")
    assert due_text(THREE_HOURS, "15:30", night) == "2026-03-04 09:30"


def test_a_pause_over_closing_time_counts_only_its_business_time() -> None:
    # 1 h runs 15:30-16:30, the pause holds 16:30-17:00 and 08:00-09:00, 2 h run from 09:00.
    overnight = paused("2026-03-03 16:30", "2026-03-04 09:00")
    assert due_text(THREE_HOURS, "15:30", overnight) == "2026-03-04 11:00"


def test_overlapping_pauses_count_once_and_pauses_before_the_start_are_clipped() -> None:
    overlapping = (paused("10:00", "11:00"), paused("10:30", "11:30"))
    assert due_text(THREE_HOURS, "09:00", *overlapping) == "2026-03-03 13:30"
    assert due_text(THREE_HOURS, "09:00", paused("08:00", "10:00")) == "2026-03-03 13:00"
    assert due_text(THREE_HOURS, "09:00", paused("07:00", "08:30")) == "2026-03-03 12:00"


def test_an_open_pause_before_the_deadline_leaves_it_unknown() -> None:
    assert due_text(THREE_HOURS, "09:00", paused("10:00", None)) is None
    assert warn_text(THREE_HOURS, "09:00", paused("10:00", None)) is None


def test_a_pause_beginning_at_or_after_the_deadline_changes_nothing() -> None:
    assert due_text(THREE_HOURS, "09:00", paused("12:00", None)) == "2026-03-03 12:00"
    assert due_text(THREE_HOURS, "09:00", paused("12:30", "14:00")) == "2026-03-03 12:00"


# -- deadlines of cut-off rules --------------------------------------------------------------


def test_a_cutoff_target_is_due_at_the_cutoff_deadline() -> None:
    assert due_text(FOUR_TO_SIX, "15:59") == "2026-03-03 18:00"
    assert due_text(FOUR_TO_SIX, "16:00") == "2026-03-04 18:00"


def test_a_pause_pushes_a_cutoff_deadline_by_its_business_time() -> None:
    # 18:00 is after closing, so one more business hour ends 09:00 the next morning.
    assert due_text(FOUR_TO_SIX, "10:00", paused("11:00", "12:00")) == "2026-03-04 09:00"


def test_a_cutoff_pause_that_the_pushed_deadline_now_covers_also_counts() -> None:
    first = paused("11:00", "12:00")  # → due Wednesday 09:00
    second = paused("2026-03-04 08:00", "2026-03-04 08:30")  # before 09:00 → due 09:30
    assert due_text(FOUR_TO_SIX, "10:00", first, second) == "2026-03-04 09:30"
    assert due_text(FOUR_TO_SIX, "10:00", second) == "2026-03-03 18:00"  # alone: after 18:00


def test_a_cutoff_pause_outside_business_hours_changes_nothing() -> None:
    assert due_text(FOUR_TO_SIX, "10:00", paused("17:15", "17:45")) == "2026-03-03 18:00"


def test_a_whole_cutoff_pause_counts_once_it_begins_before_the_deadline() -> None:
    # Waiting from 15:00 Tuesday to 10:00 Wednesday: 2 h Tuesday + 2 h Wednesday of business time.
    assert due_text(FOUR_TO_SIX, "10:00", paused("15:00", "2026-03-04 10:00")) == (
        "2026-03-04 12:00"
    )
    assert due_text(FOUR_TO_SIX, "10:00", paused("15:00", None)) is None


# -- warnings --------------------------------------------------------------------------------


def test_the_warning_comes_warn_before_s_business_seconds_before_the_deadline() -> None:
    assert warn_text(THREE_HOURS, "2026-03-06 15:30") == "2026-03-09 08:30"
    two_hours = SlaTarget("first_response", business_seconds=3 * HOUR_S, warn_before_s=2 * HOUR_S)
    assert warn_text(two_hours, "2026-03-06 15:30") == "2026-03-06 16:30"


def test_a_warning_due_exactly_at_opening_is_given_at_the_previous_closing() -> None:
    # From Friday 17:00 on only 1.5 business hours are left: that is when the warning is due.
    target = SlaTarget("resolution", business_seconds=3 * HOUR_S, warn_before_s=1.5 * HOUR_S)
    assert warn_text(target, "2026-03-06 15:30") == "2026-03-06 17:00"


def test_a_warning_is_never_before_the_start_and_optional() -> None:
    early = SlaTarget("resolution", business_seconds=HOUR_S, warn_before_s=2 * HOUR_S)
    assert warn_text(early, "2026-03-07 12:00") == "2026-03-07 12:00"
    silent = SlaTarget("resolution", business_seconds=HOUR_S)
    assert warn_text(silent, "09:00") is None


def test_a_warning_counts_back_over_running_time_only() -> None:
    # Due 13:00 after a 10:00-11:00 pause; 2.5 h of running time before 13:00 start at 09:30.
    target = SlaTarget("resolution", business_seconds=3 * HOUR_S, warn_before_s=2.5 * HOUR_S)
    assert warn_text(target, "09:00", paused("10:00", "11:00")) == "2026-03-03 09:30"


def test_a_cutoff_warning_counts_back_from_the_due_time_over_open_time() -> None:
    assert warn_text(FOUR_TO_SIX, "10:00") == "2026-03-03 16:00"  # closed 17:00-18:00


def test_deadlines_and_warnings_cross_dst_changes_in_elapsed_time() -> None:
    always = BusinessCalendar.always_open(OSLO)
    target = SlaTarget("resolution", business_seconds=3 * HOUR_S, warn_before_s=2 * HOUR_S)
    spring = wall(OSLO, "2026-03-29 00:30")  # 23:30 UTC; clocks jump 02:00 → 03:00
    assert due_at(always, target, spring) == utc("2026-03-29 02:30")  # 04:30 CEST
    assert warn_at(always, target, spring) == utc("2026-03-29 00:30")  # 01:30 CET
    autumn = wall(OSLO, "2026-10-25 01:30")  # 23:30 UTC; clocks fall back 03:00 → 02:00
    assert due_at(always, target, autumn) == utc("2026-10-25 02:30")  # 03:30 CET
    assert warn_at(always, target, autumn) == utc("2026-10-25 00:30")  # 02:30 CEST


# -- readings --------------------------------------------------------------------------------


def reading(target: SlaTarget, now: str, *pauses: Pause, stopped: str | None = None) -> object:
    stopped_at = None if stopped is None else oslo(stopped)
    return read_clock(OFFICE, target, oslo("09:00"), oslo(now), pauses, stopped_at)


@pytest.mark.parametrize(
    ("now", "state", "left_h", "elapsed_h"),
    [
        ("09:00", "running", 3.0, 0.0),
        ("10:00", "running", 2.0, 1.0),
        ("11:00", "warning", 1.0, 2.0),
        ("11:30", "warning", 0.5, 2.5),
        ("12:00", "warning", 0.0, 3.0),
        ("13:00", "breached", -1.0, 4.0),
        ("18:00", "breached", -5.0, 8.0),  # overdue in business time: 12:00-17:00
    ],
)
def test_a_running_clock_reads_running_then_warning_then_breached(
    now: str, state: str, left_h: float, elapsed_h: float
) -> None:
    clock = read_clock(OFFICE, THREE_HOURS, oslo("09:00"), oslo(now))
    assert clock.state == state
    assert clock.business_seconds_left == left_h * HOUR_S
    assert clock.elapsed_business_s == elapsed_h * HOUR_S
    assert clock.due_at == oslo("12:00") and clock.warn_at == oslo("11:00")


def test_a_clock_stopped_on_time_is_met_and_keeps_what_was_left() -> None:
    for stopped in ("11:45", "12:00"):
        clock = read_clock(OFFICE, THREE_HOURS, oslo("09:00"), oslo("15:00"), (), oslo(stopped))
        assert clock.state == "met"
    clock = read_clock(OFFICE, THREE_HOURS, oslo("09:00"), oslo("15:00"), (), oslo("11:45"))
    assert clock.business_seconds_left == 0.25 * HOUR_S
    assert clock.elapsed_business_s == 2.75 * HOUR_S


def test_a_clock_stopped_late_stays_breached() -> None:
    clock = read_clock(OFFICE, THREE_HOURS, oslo("09:00"), oslo("16:00"), (), oslo("12:30"))
    assert clock.state == "breached"
    assert clock.business_seconds_left == -0.5 * HOUR_S
    assert clock.elapsed_business_s == 3.5 * HOUR_S


def test_a_paused_clock_has_no_deadline_and_freezes_the_time_left() -> None:
    for now in ("10:30", "14:00", "2026-03-05 10:00"):
        clock = read_clock(OFFICE, THREE_HOURS, oslo("09:00"), oslo(now), (paused("10:00", None),))
        assert (clock.state, clock.due_at, clock.warn_at) == ("paused", None, None)
        assert clock.business_seconds_left == 2 * HOUR_S
        assert clock.elapsed_business_s == 1 * HOUR_S


def test_a_paused_cutoff_clock_freezes_the_open_time_left_before_the_due_time() -> None:
    clock = read_clock(
        OFFICE, FOUR_TO_SIX, oslo("10:00"), oslo("2026-03-04 10:00"), (paused("15:00", None),)
    )
    assert clock.state == "paused"
    assert clock.business_seconds_left == 2 * HOUR_S  # 15:00-17:00; 17:00-18:00 is closed


def test_a_reading_knows_only_what_happened_by_now() -> None:
    later_pause = (paused("10:00", "11:00"),)
    clock = read_clock(OFFICE, THREE_HOURS, oslo("09:00"), oslo("10:30"), later_pause)
    assert clock.state == "paused" and clock.business_seconds_left == 2 * HOUR_S
    clock = read_clock(OFFICE, THREE_HOURS, oslo("09:00"), oslo("09:30"), later_pause)
    assert clock.state == "running" and clock.due_at == oslo("12:00")
    clock = read_clock(OFFICE, THREE_HOURS, oslo("09:00"), oslo("11:30"), later_pause)
    assert clock.state == "running" and clock.due_at == oslo("13:00")
    clock = read_clock(OFFICE, THREE_HOURS, oslo("09:00"), oslo("10:00"), (), oslo("11:00"))
    assert clock.state == "running"  # stopped later than now: not yet


def test_a_clock_stopped_while_paused_is_met() -> None:
    clock = read_clock(
        OFFICE, THREE_HOURS, oslo("09:00"), oslo("15:00"), (paused("10:00", None),), oslo("14:00")
    )
    assert (clock.state, clock.due_at) == ("met", None)
    assert clock.elapsed_business_s == 1 * HOUR_S


def test_a_pause_begun_after_the_deadline_does_not_save_a_breach() -> None:
    clock = read_clock(OFFICE, THREE_HOURS, oslo("09:00"), oslo("14:00"), (paused("12:30", None),))
    assert clock.state == "breached"
    assert clock.business_seconds_left == -2 * HOUR_S


def test_a_reading_agrees_with_due_at_and_warn_at() -> None:
    pauses = (paused("10:00", "11:00"), paused("2026-03-03 16:00", "2026-03-04 09:00"))
    start = oslo("09:00")
    target = SlaTarget("resolution", business_seconds=7 * HOUR_S, warn_before_s=HOUR_S)
    due, warn = due_at(OFFICE, target, start, pauses), warn_at(OFFICE, target, start, pauses)
    assert due is not None and warn is not None
    # 1 h + 5 h run before the overnight pause, the last hour 09:00-10:00 on Wednesday; one
    # running hour is left from the moment that pause begins, so the warning is due then.
    assert local_text(OSLO, due) == "2026-03-04 10:00"
    assert local_text(OSLO, warn) == "2026-03-03 16:00"
    clock = read_clock(OFFICE, target, start, due, pauses)
    assert (clock.state, clock.due_at, clock.warn_at) == ("warning", due, warn)
    assert (clock.business_seconds_left, clock.elapsed_business_s) == (0.0, 7 * HOUR_S)


# -- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"kind": "first_reply", "business_seconds": 60.0}, "kind must be one of"),
        ({"kind": "resolution"}, "exactly one"),
        (
            {"kind": "resolution", "business_seconds": 60.0, "cutoff": CutoffRule(960, 1080)},
            "exactly one",
        ),
        ({"kind": "resolution", "business_seconds": -1.0}, "business_seconds"),
        ({"kind": "resolution", "business_seconds": float("nan")}, "business_seconds"),
        ({"kind": "resolution", "business_seconds": 60.0, "warn_before_s": -5.0}, "warn_before_s"),
    ],
)
def test_targets_are_validated(arguments: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        SlaTarget(**arguments)  # type: ignore[arg-type]


def test_pauses_and_clock_arguments_must_be_aware_and_in_order() -> None:
    naive = datetime(2026, 3, 3, 10)
    with pytest.raises(ValueError, match="started_at must be a timezone-aware"):
        Pause(naive, None)
    with pytest.raises(ValueError, match="ended_at must be a timezone-aware"):
        Pause(oslo("10:00"), naive)
    with pytest.raises(ValueError, match="before started_at"):
        Pause(oslo("10:00"), oslo("09:00"))
    with pytest.raises(ValueError, match="started_at must be a timezone-aware"):
        due_at(OFFICE, THREE_HOURS, naive)
    with pytest.raises(ValueError, match="now must be a timezone-aware"):
        read_clock(OFFICE, THREE_HOURS, oslo("09:00"), naive)
    with pytest.raises(ValueError, match="stopped_at must be a timezone-aware"):
        read_clock(OFFICE, THREE_HOURS, oslo("09:00"), oslo("10:00"), (), naive)


def test_a_never_open_calendar_raises_for_a_deadline() -> None:
    never = BusinessCalendar(OSLO, (), frozenset({date(2026, 3, 3)}))
    with pytest.raises(CalendarError):
        due_at(never, THREE_HOURS, oslo("09:00"))
