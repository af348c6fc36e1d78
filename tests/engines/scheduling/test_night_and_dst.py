"""Night shifts across midnight and the week boundary; days of 23 and 25 hours."""

from __future__ import annotations

import pytest

from contactops.engines.scheduling import (
    Agent,
    ClockChange,
    Problem,
    ProblemError,
    Requirements,
    Rules,
    ShiftTemplate,
    TimeWindow,
    check_rules,
    solve,
)

from .builders import FAST, HOUR, day_shift, hourly, night_shift


def test_a_night_shift_covers_the_next_morning_and_counts_on_its_start_day() -> None:
    required = hourly(2)
    required[0, 22:24] = 1
    required[1, 0:6] = 1
    problem = Problem(
        Requirements(HOUR, {"": required}),
        (night_shift(),),
        (Agent("owl"),),
        Rules(min_days_off_per_week=None),
    )
    schedule = solve(problem, FAST)
    (shift,) = schedule.assignments
    assert (shift.day, shift.start_minute, shift.end_minute) == (0, 22 * HOUR, 30 * HOUR)
    assert schedule.coverage[""].under.sum() == 0
    assert schedule.coverage[""].scheduled[1, :6].tolist() == [1] * 6
    assert schedule.objective_parts["night_spread"] == 0


def test_rest_after_a_sunday_night_blocks_monday_morning_of_the_next_week() -> None:
    """Night 22:00 Sun (day 6) – 06:00 Mon; a 07:00 Monday shift would leave 1 h of rest."""
    required = hourly(8)
    required[6, 22:24] = 1
    required[7, 0:6] = 1
    required[7, 7:15] = 1
    problem = Problem(
        Requirements(HOUR, {"": required}),
        (night_shift(), day_shift(starts=(7 * HOUR,))),
        (Agent("solo"),),
        Rules(min_days_off_per_week=None),
    )
    schedule = solve(problem, FAST)
    assert len(schedule.assignments) == 1
    assert all(c.slack >= 0 for c in schedule.rule_checks)
    night = solve(
        Problem(problem.requirements, problem.templates, (Agent("a"), Agent("b")), problem.rules),
        FAST,
    )
    by_day = {(s.day, s.template) for s in night.assignments}
    assert by_day == {(6, "N8"), (7, "D8")}
    assert night.coverage[""].under.sum() == 1  # the D8 break hour


def test_derived_night_flag() -> None:
    late = ShiftTemplate("L", (17 * HOUR + 30,), 450)
    assert late.night(17 * HOUR + 30)  # 17:30–01:00 reaches past midnight
    assert not day_shift().night(9 * HOUR)
    assert ShiftTemplate("E", (4 * HOUR,), 480).night(4 * HOUR)


def _dst(days: int, change: ClockChange, required_value: int = 1) -> Problem:
    required = hourly(days)
    required[:, 0:8] = required_value
    if change.offset_change_minutes > 0:
        required[change.day, 2:3] = 0
    return Problem(
        Requirements(HOUR, {"": required}, clock_changes=(change,)),
        (ShiftTemplate("M", (0,), 8 * HOUR, cost_per_hour=10.0),),
        (Agent("a"),),
        Rules(min_days_off_per_week=None, max_consecutive_days=None),
    )


def test_spring_forward_day_pays_one_hour_less() -> None:
    """23-hour day: 02:00–03:00 does not exist, so 00:00–08:00 lasts 7 real hours."""
    schedule = solve(
        _dst(2, ClockChange(day=1, local_minute=2 * HOUR, offset_change_minutes=60)), FAST
    )
    paid = {s.day: s.paid_minutes for s in schedule.assignments}
    assert paid == {0: 480, 1: 420}
    assert schedule.coverage[""].scheduled[1, 2] == 0  # the missing hour is not covered
    assert schedule.coverage[""].under.sum() == 0


def test_fall_back_day_pays_one_hour_more() -> None:
    """25-hour day: 02:00–03:00 happens twice, so 00:00–08:00 lasts 9 real hours."""
    schedule = solve(
        _dst(2, ClockChange(day=1, local_minute=3 * HOUR, offset_change_minutes=-60)), FAST
    )
    paid = {s.day: s.paid_minutes for s in schedule.assignments}
    assert paid == {0: 480, 1: 540}


def test_rest_is_measured_in_real_hours_across_a_clock_change() -> None:
    """Late shift 18:00–02:00, then 12:00: 10 wall-clock hours of rest, too few for 11 h; when the
    clocks fall back at 03:00 that night (02:00–03:00 twice) the rest lasts 11 real hours."""
    required = hourly(2)
    required[0, 18:24] = 1
    required[1, 0:2] = 1
    required[1, 12:20] = 1
    templates = (
        ShiftTemplate("N", (18 * HOUR,), 8 * HOUR),
        ShiftTemplate("L", (12 * HOUR,), 8 * HOUR),
    )
    rules = Rules(min_rest_hours=11, min_days_off_per_week=None)
    agent = Agent(
        "a", available=(TimeWindow(0, 18 * HOUR, 26 * HOUR), TimeWindow(1, 12 * HOUR, 20 * HOUR))
    )
    plain = Problem(Requirements(HOUR, {"": required}), templates, (agent,), rules)
    assert len(solve(plain, FAST).assignments) == 1
    autumn = Problem(
        Requirements(HOUR, {"": required}, clock_changes=(ClockChange(1, 3 * HOUR, -60),)),
        templates,
        (agent,),
        rules,
    )
    schedule = solve(autumn, FAST)
    assert len(schedule.assignments) == 2
    assert all(c.slack >= 0 for c in check_rules(autumn, schedule.assignments))


def test_requirement_in_a_skipped_hour_is_refused() -> None:
    with pytest.raises(ProblemError) as raised:
        required = hourly(2, 1)
        Problem(
            Requirements(HOUR, {"": required}, clock_changes=(ClockChange(1, 2 * HOUR, 60),)),
            (day_shift(),),
            (Agent("a"),),
        )
    assert raised.value.field == "requirements[1]"
