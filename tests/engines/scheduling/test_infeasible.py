"""An impossible problem is reported with the rule and the agent that block it."""

from __future__ import annotations

from contactops.engines.scheduling import Agent, Problem, Requirements, Rules, TimeWindow, solve

from .builders import FAST, HOUR, day_shift, hourly


def _required() -> Requirements:
    required = hourly(7)
    required[:, 8:18] = 1
    return Requirements(HOUR, {"": required})


def test_availability_below_the_contract_is_named() -> None:
    agent = Agent(
        "amy",
        min_hours_per_week=40,
        available=tuple(TimeWindow(d, 0, 24 * HOUR) for d in (0, 2, 4)),
    )
    schedule = solve(Problem(_required(), (day_shift(),), (agent,)), FAST)
    assert schedule.status == "infeasible"
    (blocking,) = schedule.blocking
    assert (blocking.rule, blocking.agent, blocking.week) == ("availability", "amy", 0)
    assert blocking.amount == 16  # 3 days × 8 h = 24 h < 40 h
    assert "24 h" in blocking.message


def test_days_off_rule_below_the_contract_is_named() -> None:
    agent = Agent("bob", min_hours_per_week=40)
    problem = Problem(_required(), (day_shift(),), (agent,), Rules(min_days_off_per_week=3))
    (blocking,) = solve(problem, FAST).blocking
    assert (blocking.rule, blocking.agent) == ("min_days_off_per_week", "bob")


def test_consecutive_days_rule_below_the_contract_is_named() -> None:
    agent = Agent("cy", min_hours_per_week=48)
    rules = Rules(max_consecutive_days=2, min_days_off_per_week=0, max_hours_per_week=60)
    (blocking,) = solve(Problem(_required(), (day_shift(),), (agent,), rules), FAST).blocking
    assert (blocking.rule, blocking.agent) == ("max_consecutive_days", "cy")


def test_rest_rule_found_by_the_softened_model() -> None:
    """Five 8 h days would meet 40 h, but availability alternates late and early shifts,
    which leaves 6 h of rest: only the softened model can tell."""
    windows = tuple(
        TimeWindow(d, 16 * HOUR, 24 * HOUR) if d % 2 == 0 else TimeWindow(d, 6 * HOUR, 14 * HOUR)
        for d in range(5)
    )
    agent = Agent("dee", min_hours_per_week=40, available=windows)
    template = day_shift(starts=(6 * HOUR, 16 * HOUR))
    schedule = solve(Problem(_required(), (template,), (agent,)), FAST)
    assert schedule.status == "infeasible"
    rules = {v.rule for v in schedule.blocking}
    assert rules and rules <= {"min_rest_hours", "min_hours_per_week"}
    assert all(v.agent == "dee" for v in schedule.blocking)
