"""Coverage arithmetic, breaks off coverage, the order of the objective, determinism."""

from __future__ import annotations

import numpy as np

from contactops.engines.scheduling import (
    Agent,
    BreakRule,
    Problem,
    Requirements,
    Rules,
    ShiftTemplate,
    SolveOptions,
    solve,
)

from .builders import FAST, HOUR, hourly, office_week

NO_WEEK_RULES = Rules(min_days_off_per_week=None)


def test_coverage_counts_agents_on_duty_minus_breaks() -> None:
    """One 09:00–13:00 shift with a 1 h break 1–2 h in, against 1 agent wanted 08:00–12:00."""
    required = hourly(1)
    required[0, 8:12] = 1
    template = ShiftTemplate("S", (9 * HOUR,), 4 * HOUR, (BreakRule(HOUR, HOUR, 2 * HOUR),))
    schedule = solve(
        Problem(Requirements(HOUR, {"": required}), (template,), (Agent("a"),), NO_WEEK_RULES),
        FAST,
    )
    (shift,) = schedule.assignments
    cover = schedule.coverage[""]
    scheduled = cover.scheduled[0]
    assert scheduled[9:13].sum() == 3
    (brk,) = shift.breaks
    assert scheduled[brk.start_minute // HOUR] == 0
    assert cover.under.sum() == 2  # 08:00 and the break hour (inside 09:00–12:00)
    assert cover.over.sum() == 1  # 12:00–13:00 (or the break was placed there)
    assert schedule.objective_parts["under_coverage"] == cover.under.sum()
    assert schedule.objective_parts["over_coverage"] == cover.over.sum()
    assert np.array_equal(cover.under - cover.over, cover.required - cover.scheduled)


def test_breaks_are_placed_to_smooth_coverage() -> None:
    """Two agents on the same shift must not take their break in the same hour."""
    required = hourly(1)
    required[0, 9:17] = 1
    template = ShiftTemplate("D", (9 * HOUR,), 8 * HOUR, (BreakRule(HOUR, 3 * HOUR, 4 * HOUR),))
    problem = Problem(
        Requirements(HOUR, {"": required}), (template,), (Agent("a"), Agent("b")), NO_WEEK_RULES
    )
    schedule = solve(problem, FAST)
    assert schedule.coverage[""].under.sum() == 0
    starts = sorted(s.breaks[0].start_minute for s in schedule.assignments)
    assert starts == [12 * HOUR, 13 * HOUR]


def test_under_coverage_is_minimised_before_over_coverage() -> None:
    """Two hours needed, only an 8 h shift: working it leaves 6 h over, not working 2 h under."""
    required = hourly(1)
    required[0, 10:12] = 1
    template = ShiftTemplate("D", (8 * HOUR,), 8 * HOUR, cost_per_hour=50.0)
    schedule = solve(
        Problem(Requirements(HOUR, {"": required}), (template,), (Agent("a"),), NO_WEEK_RULES),
        FAST,
    )
    assert len(schedule.assignments) == 1
    assert schedule.objective_parts == {
        "weekend_spread": 0.0,
        "night_spread": 0.0,
        "under_coverage": 0.0,
        "over_coverage": 6.0,
        "preference": 0.0,
        "cost": 400.0,
        "contract_shortfall_minutes": 0.0,
    }


def test_over_coverage_is_minimised_before_cost() -> None:
    """A cheap 8 h or a dear 4 h shift for 4 h of need: the dear one has no over-coverage."""
    required = hourly(1)
    required[0, 8:12] = 1
    cheap = ShiftTemplate("C", (8 * HOUR,), 8 * HOUR, cost_per_hour=1.0)
    dear = ShiftTemplate("X", (8 * HOUR,), 4 * HOUR, cost_per_hour=90.0)
    schedule = solve(
        Problem(Requirements(HOUR, {"": required}), (cheap, dear), (Agent("a"),), NO_WEEK_RULES),
        FAST,
    )
    assert [s.template for s in schedule.assignments] == ["X"]


def test_the_same_seed_gives_the_same_schedule() -> None:
    options = SolveOptions(time_limit_s=30, deterministic_time_limit=2.0, seed=3, workers=2)
    problem = office_week(agents=6, days=7)
    first = solve(problem, options)
    second = solve(problem, options)
    assert first.assignments == second.assignments
    assert first.objective == second.objective


def test_solver_figures_are_reported() -> None:
    schedule = solve(office_week(), FAST)
    assert schedule.status in ("optimal", "feasible")
    assert schedule.best_bound <= schedule.objective + 1e-6
    assert 0 <= schedule.relative_gap <= 1
    assert schedule.wall_time_s > 0
