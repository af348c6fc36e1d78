"""Necessary conditions checked before solving, so an impossible contract is named plainly.

For each agent and full week with contracted minimum hours, the most paid minutes the week can
hold is bounded step by step — the best allowed shift of each day (availability, days off,
templates), then at most 7 − k working days (min days off), then no run longer than the
maximum consecutive days (within the week), then the weekly maximum — and the first step that
falls below the minimum is reported as the blocking rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from .candidates import Candidate
from .problem import Problem
from .schedule import RuleViolation


def necessary_conditions(
    problem: Problem, candidates: Sequence[Candidate], allowed: Sequence[Sequence[int]]
) -> tuple[RuleViolation, ...]:
    rules = problem.rules
    found = []
    for agent, indices in zip(problem.agents, allowed, strict=True):
        need = 60 * agent.min_hours_per_week
        if need <= 0:
            continue
        best = [0] * problem.requirements.days
        for c in indices:
            cand = candidates[c]
            best[cand.day] = max(best[cand.day], cand.paid_minutes)
        for week in range(problem.requirements.days // 7):
            values = best[7 * week : 7 * week + 7]
            most_days = 7 - (rules.min_days_off_per_week or 0)
            run = rules.max_consecutive_days or 7
            caps = [
                h for h in (rules.max_hours_per_week, agent.max_hours_per_week) if h is not None
            ]
            steps = [
                ("availability", sum(values)),
                ("min_days_off_per_week", sum(sorted(values, reverse=True)[:most_days])),
                ("max_consecutive_days", _best_with_runs(tuple(values), most_days, run)),
                ("max_hours_per_week", min([60 * h for h in caps], default=float("inf"))),
            ]
            for rule, most in steps:
                if most < need:
                    found.append(
                        RuleViolation(
                            rule,
                            agent.code,
                            (need - most) / 60,
                            week=week,
                            message=(
                                f"contracted {agent.min_hours_per_week:g} h a week, but "
                                f"{rule} allows at most {most / 60:g} h in week {week}"
                            ),
                        )
                    )
                    break
    return tuple(found)


def _best_with_runs(values: tuple[int, ...], most_days: int, max_run: int) -> int:
    """max Σ chosen values with ≤ most_days chosen and no more than max_run in a row."""

    @cache
    def best(i: int, run: int, left: int) -> int:
        if i == len(values):
            return 0
        skip = best(i + 1, 0, left)
        if left == 0 or run == max_run or values[i] == 0:
            return skip
        return max(skip, values[i] + best(i + 1, run + 1, left - 1))

    return best(0, 0, most_days)
