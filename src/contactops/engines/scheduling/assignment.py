"""A first schedule from shift counts: hand the relaxation's shifts to agents day by day.

For each day and agent class, the class's shifts of that day (``counts[k][c]`` of each
candidate) are matched to its agents by a maximum-weight assignment (SciPy's
``linear_sum_assignment``). A pair (agent, shift) is allowed when the shift is allowed to the
agent and keeps every hard rule next to what the agent already works: one shift a day, rest
since the previous shift (real minutes, across midnight and week boundaries), the run of
consecutive days, the weekly cap and working days of the week. Its weight puts first the agents
who must work today to reach their contract (remaining need > what the rest of the week can
still hold), then the agents furthest behind, then a shift close to the agent's previous start
(which keeps rest conflicts with the next days rare).

Agents still short of their contract afterwards get shifts from the greedy of
:mod:`.warm_start`, which keeps the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from .candidates import Candidate, Grid
from .problem import Problem
from .relaxation import WeekLimits, week_limits
from .warm_start import extend_schedule

_FORBIDDEN = -1e9


class _AgentState:
    """What an agent works so far, for the rule checks of the next day."""

    def __init__(self, limits: list[WeekLimits], cap_minutes: float) -> None:
        self.limits = limits
        self.cap_minutes = cap_minutes
        self.week_minutes = [0] * len(limits)
        self.week_days = [0] * len(limits)
        self.last_day = -10
        self.last_end = -(10**9)
        self.last_start_minute = -1
        self.run = 0
        self.picked: list[int] = []


def assign_counts(
    problem: Problem,
    grid: Grid,
    candidates: Sequence[Candidate],
    allowed: Sequence[Sequence[int]],
    classes: Sequence[Sequence[int]],
    counts: Sequence[dict[int, int]],
) -> list[list[int]]:
    """For each agent, the candidate indices of a schedule keeping every hard rule."""
    rules = problem.rules
    days = problem.requirements.days
    rest_min = 60 * rules.min_rest_hours if rules.min_rest_hours is not None else -np.inf
    max_run = rules.max_consecutive_days or days + 1
    clock = grid.real_clock
    allowed_sets = [set(a) for a in allowed]
    works_on = np.zeros((len(problem.agents), days), dtype=bool)
    for a, cands in enumerate(allowed):
        for c in cands:
            works_on[a, candidates[c].day] = True
    states = []
    for a, agent in enumerate(problem.agents):
        caps = [h for h in (rules.max_hours_per_week, agent.max_hours_per_week) if h is not None]
        limits = [
            week_limits(problem, candidates, allowed[a], agent, w) for w in range(problem.weeks)
        ]
        states.append(_AgentState(limits, 60 * min(caps) if caps else np.inf))
    pools: list[list[list[int]]] = []
    for k in range(len(classes)):
        by_day: list[list[int]] = [[] for _ in range(days)]
        for c, n in sorted(counts[k].items()):
            by_day[candidates[c].day].extend([c] * n)
        pools.append(by_day)
    for d in range(days):
        week = d // 7
        for k, members in enumerate(classes):
            pool = pools[k][d]
            if not pool:
                continue
            weight = np.full((len(members), len(pool)), _FORBIDDEN)
            for i, a in enumerate(members):
                s = states[a]
                if s.run >= max_run or s.week_days[week] >= s.limits[week].days:
                    continue
                left = s.limits[week].need_up - s.week_minutes[week]
                days_after = int(works_on[a, d + 1 : min(7 * week + 7, days)].sum())
                days_after = min(days_after, s.limits[week].days - s.week_days[week] - 1)
                for j, c in enumerate(pool):
                    cand = candidates[c]
                    if c not in allowed_sets[a]:
                        continue
                    if s.week_minutes[week] + cand.paid_minutes > s.cap_minutes:
                        continue
                    if clock[cand.start_slot] - s.last_end < rest_min:
                        continue
                    w = 1.0
                    if left > 0:
                        # A day's shift holds about its paid minutes: can the rest of the week
                        # still hold what is left without today?
                        must = left > days_after * cand.paid_minutes
                        w += 1000.0 * must + 100.0 * left / (1 + days_after) / 480
                    if s.last_day == d - 1:
                        w -= abs(cand.start_minute - s.last_start_minute) / 1440
                    weight[i, j] = w
            rows, cols = linear_sum_assignment(weight, maximize=True)
            for i, j in zip(rows, cols, strict=True):
                if weight[i, j] <= _FORBIDDEN / 2:
                    continue
                a, c = members[i], pool[j]
                cand = candidates[c]
                s = states[a]
                s.picked.append(c)
                s.week_minutes[week] += cand.paid_minutes
                s.week_days[week] += 1
                s.run = s.run + 1 if s.last_day == d - 1 else 1
                s.last_day = d
                s.last_end = int(clock[cand.end_slot])
                s.last_start_minute = cand.start_minute
        for s in states:
            if s.last_day != d:
                s.run = 0
    chosen = [s.picked for s in states]
    return extend_schedule(problem, grid, candidates, allowed, chosen)
