"""Check a list of shifts against the labour rules, independently of the solver's model.

Every rule gives a :class:`RuleCheck`: its limit, the tightest value in the schedule and the
slack (limit − tightest for a maximum, tightest − limit for a minimum).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Sequence

from .candidates import Grid, grid_of
from .problem import MINUTES_PER_DAY, Agent, Problem
from .schedule import RuleCheck, RuleViolation, ShiftAssignment

_BIG = float("inf")


def check_rules(problem: Problem, assignments: Sequence[ShiftAssignment]) -> tuple[RuleCheck, ...]:
    """one_shift_per_day, max_consecutive_days, min_rest_hours, max_hours_per_week,
    min_hours_per_week (contract, full weeks), min_days_off_per_week (full weeks),
    availability (windows, fixed days off, allowed templates)."""
    grid = grid_of(problem.requirements)
    by_agent: dict[str, list[ShiftAssignment]] = defaultdict(list)
    for shift in assignments:
        by_agent[shift.agent].append(shift)
    for shifts in by_agent.values():
        shifts.sort(key=lambda s: (s.day, s.start_minute))
    checks = [
        _one_per_day(problem, by_agent),
        _consecutive(problem, by_agent),
        _rest(problem, by_agent, grid),
        *_weekly_hours(problem, by_agent),
        _days_off(problem, by_agent),
        _availability(problem, by_agent),
    ]
    return tuple(c for c in checks if c is not None)


def _check(
    rule: str, limit: float, values: list[tuple[float, RuleViolation]], maximum: bool
) -> RuleCheck:
    """values: (observed, the violation it would be). Slack of the tightest value."""
    if not values:
        return RuleCheck(rule, limit, limit, _BIG)
    if maximum:
        tightest = max(v for v, _ in values)
        broken = tuple(v for value, v in values if value > limit)
        return RuleCheck(rule, limit, tightest, limit - tightest, broken)
    tightest = min(v for v, _ in values)
    broken = tuple(v for value, v in values if value < limit)
    return RuleCheck(rule, limit, tightest, tightest - limit, broken)


def _one_per_day(problem: Problem, by_agent: dict[str, list[ShiftAssignment]]) -> RuleCheck:
    values = []
    for agent, shifts in by_agent.items():
        per_day: dict[int, int] = defaultdict(int)
        for s in shifts:
            per_day[s.day] += 1
        for day, count in per_day.items():
            values.append((float(count), RuleViolation("one_shift_per_day", agent, count - 1, day)))
    return _check("one_shift_per_day", 1, values, maximum=True)


def _consecutive(problem: Problem, by_agent: dict[str, list[ShiftAssignment]]) -> RuleCheck | None:
    limit = problem.rules.max_consecutive_days
    if limit is None:
        return None
    values = []
    for agent, shifts in by_agent.items():
        days = sorted({s.day for s in shifts})
        run, previous = 0, -2
        for day in days:
            run = run + 1 if day == previous + 1 else 1
            previous = day
            values.append(
                (float(run), RuleViolation("max_consecutive_days", agent, run - limit, day))
            )
    return _check("max_consecutive_days", limit, values, maximum=True)


def _rest(
    problem: Problem, by_agent: dict[str, list[ShiftAssignment]], grid: Grid
) -> RuleCheck | None:
    """Rest = real minutes from one shift's end to the next one's start (clock changes count)."""
    hours = problem.rules.min_rest_hours
    if hours is None:
        return None
    step = grid.interval_minutes

    def real(day: int, minute: int) -> int:
        return int(grid.real_clock[(day * MINUTES_PER_DAY + minute) // step])

    values = []
    for agent, shifts in by_agent.items():
        for first, second in itertools.pairwise(shifts):
            rest_h = (
                real(second.day, second.start_minute) - real(first.day, first.end_minute)
            ) / 60
            values.append(
                (rest_h, RuleViolation("min_rest_hours", agent, hours - rest_h, second.day))
            )
    return _check("min_rest_hours", hours, values, maximum=False)


def _full_weeks(problem: Problem) -> range:
    return range(problem.requirements.days // 7)


def _weekly_hours(problem: Problem, by_agent: dict[str, list[ShiftAssignment]]) -> list[RuleCheck]:
    checks = []
    maximum_values = []
    minimum_values = []
    for agent in problem.agents:
        minutes: dict[int, int] = defaultdict(int)
        for s in by_agent.get(agent.code, []):
            minutes[s.day // 7] += s.paid_minutes
        cap = _max_hours(problem, agent)
        for week in range(problem.weeks):
            hours = minutes[week] / 60
            if cap is not None:
                # Normalised to the agent's own cap: slack is in hours either way.
                maximum_values.append(
                    (
                        hours - cap,
                        RuleViolation("max_hours_per_week", agent.code, hours - cap, week=week),
                    )
                )
            if week in _full_weeks(problem) and agent.min_hours_per_week > 0:
                short = agent.min_hours_per_week - hours
                minimum_values.append(
                    (-short, RuleViolation("min_hours_per_week", agent.code, short, week=week))
                )
    checks.append(_check("max_hours_per_week", 0, maximum_values, maximum=True))
    checks.append(_check("min_hours_per_week", 0, minimum_values, maximum=False))
    return checks


def _max_hours(problem: Problem, agent: Agent) -> float | None:
    caps = [
        c for c in (problem.rules.max_hours_per_week, agent.max_hours_per_week) if c is not None
    ]
    return min(caps) if caps else None


def _days_off(problem: Problem, by_agent: dict[str, list[ShiftAssignment]]) -> RuleCheck | None:
    needed = problem.rules.min_days_off_per_week
    if needed is None:
        return None
    values = []
    for agent in problem.agents:
        worked = {s.day for s in by_agent.get(agent.code, [])}
        for week in _full_weeks(problem):
            off = 7 - sum(1 for d in range(7 * week, 7 * week + 7) if d in worked)
            values.append(
                (
                    float(off),
                    RuleViolation("min_days_off_per_week", agent.code, needed - off, week=week),
                )
            )
    return _check("min_days_off_per_week", needed, values, maximum=False)


def _availability(problem: Problem, by_agent: dict[str, list[ShiftAssignment]]) -> RuleCheck:
    values = []
    agents = {a.code: a for a in problem.agents}
    for code, shifts in by_agent.items():
        agent = agents[code]
        for s in shifts:
            fits = _fits(agent, s)
            values.append((0.0 if fits else 1.0, RuleViolation("availability", code, 1, s.day)))
    return _check("availability", 0, values, maximum=True)


def _fits(agent: Agent, shift: ShiftAssignment) -> bool:
    begin = shift.day * MINUTES_PER_DAY + shift.start_minute
    end = shift.day * MINUTES_PER_DAY + shift.end_minute
    window: Callable[[int, int, int], tuple[int, int]] = lambda d, s, e: (  # noqa: E731
        d * MINUTES_PER_DAY + s,
        d * MINUTES_PER_DAY + e,
    )
    if shift.day in agent.fixed_days_off:
        return False
    if agent.templates and shift.template not in agent.templates:
        return False
    for w in agent.unavailable:
        b, e = window(w.day, w.start_minute, w.end_minute)
        if b < end and begin < e:
            return False
    if agent.available:
        return any(
            b <= begin and end <= e
            for b, e in (window(w.day, w.start_minute, w.end_minute) for w in agent.available)
        )
    return True
