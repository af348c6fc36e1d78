"""Large-problem method: the shift-count bound, the first schedule from counts, the search."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from contactops.engines.scheduling import (
    Agent,
    Preference,
    Problem,
    Requirements,
    Rules,
    TimeWindow,
    check_rules,
    solve,
)
from contactops.engines.scheduling.assignment import assign_counts
from contactops.engines.scheduling.candidates import all_candidates, allowed_for, grid_of
from contactops.engines.scheduling.relaxation import solve_relaxation, week_limits
from contactops.engines.scheduling.schedule import ShiftAssignment

from .builders import FAST, HOUR, day_shift, hourly, night_shift, office_week

DECOMPOSED = replace(FAST, method="decomposition")
HARD = (
    "one_shift_per_day",
    "max_consecutive_days",
    "min_rest_hours",
    "max_hours_per_week",
    "min_days_off_per_week",
    "availability",
)


def _mixed_fortnight() -> Problem:
    """Day and night shifts, a part-timer, availability and days off, over two weeks."""
    required = hourly(14)
    required[:, 8:18] = 2
    required[:, 11:14] = 3
    required[:, 22:] = 1
    required[1:, :6] = 1
    agents = (
        Agent("full1", min_hours_per_week=32, max_hours_per_week=40, fixed_days_off=(3,)),
        Agent("full2", min_hours_per_week=32, max_hours_per_week=40),
        Agent("full3", min_hours_per_week=24, max_hours_per_week=40, templates=("D8",)),
        Agent("night", min_hours_per_week=24, max_hours_per_week=40, templates=("N8",)),
        Agent(
            "part",
            min_hours_per_week=16,
            max_hours_per_week=24,
            unavailable=(TimeWindow(5, 0, 1440), TimeWindow(12, 0, 1440)),
            preferences=(Preference(3, template="D8", earliest_start_minute=9 * HOUR),),
        ),
    )
    return Problem(
        Requirements(HOUR, {"": required}),
        (day_shift(), night_shift()),
        agents,
        Rules(max_consecutive_days=5, min_rest_hours=11, min_days_off_per_week=2),
    )


@pytest.mark.parametrize("make", [office_week, _mixed_fortnight])
def test_the_relaxation_bounds_the_optimum_from_below(make: object) -> None:
    problem = make()  # type: ignore[operator]
    exact = solve(problem, replace(FAST, method="monolithic", time_limit_s=30.0))
    assert exact.status == "optimal"
    grid = grid_of(problem.requirements)
    candidates = all_candidates(problem.templates, grid)
    allowed = [allowed_for(problem, a, candidates) for a in problem.agents]
    relaxation = solve_relaxation(problem, grid, candidates, allowed, FAST)
    assert relaxation.bound <= exact.objective + 1e-6
    assert relaxation.bound <= relaxation.objective + 1e-6


@pytest.mark.parametrize("make", [office_week, _mixed_fortnight])
def test_the_decomposition_keeps_every_rule_and_reports_an_honest_gap(make: object) -> None:
    problem = make()  # type: ignore[operator]
    exact = solve(problem, replace(FAST, method="monolithic", time_limit_s=30.0))
    schedule = solve(problem, DECOMPOSED)
    assert schedule.feasible
    checks = {c.rule: c for c in schedule.rule_checks}
    for rule in HARD:
        if rule in checks:
            assert checks[rule].slack >= 0, checks[rule]
    assert checks["min_hours_per_week"].slack >= 0
    assert schedule.best_bound <= exact.objective + 1e-6 <= schedule.objective + 1e-6
    expected = (schedule.objective - schedule.best_bound) / max(1.0, abs(schedule.objective))
    assert schedule.relative_gap == pytest.approx(expected)
    parts = schedule.objective_parts
    weights = problem.weights
    total = (
        weights.contract_shortfall * parts["contract_shortfall_minutes"]
        + weights.under_coverage * parts["under_coverage"]
        + weights.over_coverage * parts["over_coverage"]
        + weights.cost * round(100 * parts["cost"])
        + weights.fairness * (parts["weekend_spread"] + parts["night_spread"])
        - weights.preference * parts["preference"]
    )
    assert schedule.objective == pytest.approx(total)


def test_the_first_schedule_from_counts_keeps_the_hard_rules() -> None:
    problem = _mixed_fortnight()
    grid = grid_of(problem.requirements)
    candidates = all_candidates(problem.templates, grid)
    allowed = [allowed_for(problem, a, candidates) for a in problem.agents]
    relaxation = solve_relaxation(problem, grid, candidates, allowed, FAST)
    chosen = assign_counts(
        problem, grid, candidates, allowed, relaxation.classes, relaxation.counts
    )
    assert all(set(picked) <= set(allowed[a]) for a, picked in enumerate(chosen))
    shifts = [
        ShiftAssignment(
            problem.agents[a].code,
            candidates[c].day,
            problem.templates[candidates[c].template].code,
            candidates[c].start_minute,
            candidates[c].end_minute,
            (),
            candidates[c].paid_minutes,
        )
        for a, picked in enumerate(chosen)
        for c in picked
    ]
    checks = {c.rule: c for c in check_rules(problem, shifts)}
    for rule in HARD:
        assert checks[rule].slack >= 0, checks[rule]


def test_week_limits_round_the_contract_up_to_whole_shifts() -> None:
    """8 h shifts, 36 h contract, 40 h cap: 4.5 shifts are impossible, so 5 (40 h) are needed."""
    problem = office_week(agents=1)
    agent = replace(problem.agents[0], min_hours_per_week=36, max_hours_per_week=40)
    grid = grid_of(problem.requirements)
    candidates = all_candidates(problem.templates, grid)
    allowed = allowed_for(problem, agent, candidates)
    limits = week_limits(problem, candidates, allowed, agent, 0)
    assert (limits.need, limits.need_up, limits.most, limits.days) == (2160, 2400, 2400, 6)


def test_same_seed_and_deterministic_limit_give_the_same_schedule() -> None:
    options = replace(DECOMPOSED, time_limit_s=60.0, deterministic_time_limit=3.0)
    problem = _mixed_fortnight()
    first = solve(problem, options)
    second = solve(problem, options)
    assert first.assignments == second.assignments
    assert first.objective == second.objective


def test_an_unreachable_contract_is_still_named_before_solving() -> None:
    required = hourly(7)
    required[:, 9:17] = 1
    problem = Problem(
        Requirements(HOUR, {"": required}),
        (day_shift(),),
        (Agent("amy", min_hours_per_week=40, fixed_days_off=(0, 1, 2, 3)),),
    )
    schedule = solve(problem, DECOMPOSED)
    assert schedule.status == "infeasible"
    assert schedule.blocking[0].rule == "availability"
    assert np.isnan(schedule.objective)
