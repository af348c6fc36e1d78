"""The greedy warm start keeps every hard rule, so it is a valid hint."""

from __future__ import annotations

from contactops.engines.scheduling import Rules, check_rules
from contactops.engines.scheduling.candidates import all_candidates, allowed_for, grid_of
from contactops.engines.scheduling.schedule import ShiftAssignment
from contactops.engines.scheduling.warm_start import greedy_schedule

from .builders import office_week

HARD = {"one_shift_per_day", "max_consecutive_days", "min_rest_hours", "max_hours_per_week"}


def test_the_greedy_schedule_keeps_the_hard_rules_and_covers() -> None:
    problem = office_week(agents=6, days=14, rules=Rules(max_consecutive_days=3))
    grid = grid_of(problem.requirements)
    candidates = all_candidates(problem.templates, grid)
    allowed = [allowed_for(problem, agent, candidates) for agent in problem.agents]
    chosen = greedy_schedule(problem, grid, candidates, allowed)
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
    assert all(c in allowed[a] for a, picked in enumerate(chosen) for c in picked)
    checks = {c.rule: c for c in check_rules(problem, shifts)}
    for rule in HARD | {"min_days_off_per_week", "availability"}:
        assert checks[rule].slack >= 0, checks[rule]
    assert len(shifts) >= 6 * 2 * 2  # 16 h a week each: two 8 h shifts at least
