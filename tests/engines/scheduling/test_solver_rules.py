"""Every labour rule holds in solved schedules (checked independently of the model)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from contactops.engines.scheduling import (
    Agent,
    Problem,
    Requirements,
    Rules,
    TimeWindow,
    check_rules,
    solve,
)

from .builders import FAST, HOUR, day_shift, hourly, office_week


def test_every_rule_has_non_negative_slack_in_a_solution() -> None:
    schedule = solve(office_week(), FAST)
    assert schedule.feasible
    assert schedule.assignments
    for check in schedule.rule_checks:
        assert check.slack >= 0, check
        assert check.violations == ()


def test_one_shift_a_day_and_weekly_hours_and_days_off_hold() -> None:
    rules = Rules(max_consecutive_days=3, min_days_off_per_week=2, max_hours_per_week=32)
    problem = office_week(agents=6, days=14, rules=rules)
    schedule = solve(problem, FAST)
    assert schedule.feasible
    days: dict[str, list[int]] = defaultdict(list)
    minutes: dict[tuple[str, int], int] = defaultdict(int)
    for shift in schedule.assignments:
        days[shift.agent].append(shift.day)
        minutes[(shift.agent, shift.day // 7)] += shift.paid_minutes
    for agent, worked in days.items():
        assert len(worked) == len(set(worked)), agent
        run = longest = 0
        for day in range(14):
            run = run + 1 if day in worked else 0
            longest = max(longest, run)
        assert longest <= 3
        for week in range(2):
            assert sum(1 for d in worked if d // 7 == week) <= 5
    assert all(m <= 32 * 60 for m in minutes.values())
    assert all(m >= 16 * 60 for m in minutes.values())


def test_rest_hours_between_a_late_and_an_early_shift() -> None:
    """A 14:00–22:00 shift then 07:00 the next day leaves 9 h: forbidden with 11 h rest."""
    required = hourly(2)
    required[0, 14:22] = 1
    required[1, 7:15] = 1
    template = day_shift("X", starts=(7 * HOUR, 14 * HOUR))
    problem = Problem(
        Requirements(HOUR, {"": required}),
        (template,),
        (
            Agent(
                "solo",
                available=(TimeWindow(0, 14 * HOUR, 22 * HOUR), TimeWindow(1, 7 * HOUR, 15 * HOUR)),
            ),
        ),
        Rules(min_rest_hours=11, min_days_off_per_week=None),
    )
    schedule = solve(problem, FAST)
    assert len(schedule.assignments) == 1
    assert schedule.objective_parts["under_coverage"] > 0
    rules = Rules(min_rest_hours=8, min_days_off_per_week=None)
    relaxed = solve(Problem(problem.requirements, problem.templates, problem.agents, rules), FAST)
    assert len(relaxed.assignments) == 2


def test_availability_and_fixed_days_off_are_respected() -> None:
    required = hourly(7)
    required[:, 8:18] = 1
    agent = Agent(
        "part",
        unavailable=(TimeWindow(1, 0, 24 * HOUR),),
        available=tuple(TimeWindow(d, 8 * HOUR, 17 * HOUR) for d in range(7)),
        fixed_days_off=(3,),
    )
    problem = Problem(Requirements(HOUR, {"": required}), (day_shift(),), (agent,))
    schedule = solve(problem, FAST)
    worked = {s.day for s in schedule.assignments}
    assert worked
    assert 1 not in worked and 3 not in worked
    assert all(
        s.start_minute >= 8 * HOUR and s.end_minute <= 17 * HOUR for s in schedule.assignments
    )
    assert all(c.slack >= 0 for c in check_rules(problem, schedule.assignments))


def test_an_agent_covers_only_the_skills_they_have() -> None:
    sales = hourly(1)
    support = hourly(1)
    sales[0, 9:17] = 1
    support[0, 9:17] = 1
    problem = Problem(
        Requirements(HOUR, {"sales": sales, "support": support}),
        (day_shift(starts=(9 * HOUR,)),),
        (Agent("s1", skills=("sales",)), Agent("s2", skills=("sales",))),
        Rules(min_days_off_per_week=None),
    )
    schedule = solve(problem, FAST)
    assert schedule.coverage["support"].scheduled.sum() == 0
    assert schedule.coverage["support"].under.sum() == 8
    # Two sales agents cover the break of each other: the sales line is met all day.
    assert schedule.coverage["sales"].under.sum() == 0


def test_a_multi_skilled_agent_is_counted_once_per_slot() -> None:
    sales = hourly(1)
    support = hourly(1)
    sales[0, 9:17] = 1
    support[0, 9:17] = 1
    problem = Problem(
        Requirements(HOUR, {"sales": sales, "support": support}),
        (day_shift(starts=(9 * HOUR,)),),
        (Agent("both", skills=("sales", "support")),),
        Rules(min_days_off_per_week=None),
    )
    schedule = solve(problem, FAST)
    total = schedule.coverage["sales"].scheduled + schedule.coverage["support"].scheduled
    assert total.max() == 1
    assert total.sum() == 7  # 8 h shift, 1 h break


def test_fairness_spreads_weekend_days() -> None:
    required = hourly(7)
    required[5:7, 9:17] = 1
    required[0:5, 9:17] = 2
    problem = Problem(
        Requirements(HOUR, {"": required}),
        (day_shift(starts=(9 * HOUR,)),),
        tuple(Agent(f"a{i}") for i in range(4)),
        Rules(min_days_off_per_week=None),
    )
    schedule = solve(problem, FAST)
    assert schedule.objective_parts["weekend_spread"] <= 1
    assert np.all(schedule.coverage[""].scheduled >= 0)
