"""A greedy first schedule, given to CP-SAT as a solution hint so large problems start well.

Agents are taken one at a time (largest contract first). For each, shifts are inserted one by
one: among the candidates the rules still allow next to the shifts already chosen, the one that
covers the most residual requirement (Σ max(required − scheduled, 0) over its slots, breaks
ignored) is added while the agent is below the weekly contract minimum, or while it covers at
least ``USEFUL_SHARE`` of its slots with unmet need. The residual then drops by one on its slots.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .candidates import Candidate, Grid
from .problem import ANY_SKILL, Agent, Problem

USEFUL_SHARE = 0.6


def greedy_schedule(
    problem: Problem,
    grid: Grid,
    candidates: Sequence[Candidate],
    allowed: Sequence[Sequence[int]],
) -> list[list[int]]:
    """For each agent, the candidate indices of a schedule that keeps every rule."""
    return extend_schedule(problem, grid, candidates, allowed, [[] for _ in problem.agents])


def extend_schedule(
    problem: Problem,
    grid: Grid,
    candidates: Sequence[Candidate],
    allowed: Sequence[Sequence[int]],
    chosen: Sequence[Sequence[int]],
) -> list[list[int]]:
    """``chosen`` (a schedule keeping every rule) with shifts added by the same greedy: the
    residual requirement is what ``chosen`` leaves uncovered."""
    horizon = grid.horizon_slots
    required = problem.requirements.required
    residual = {k: np.asarray(v, dtype=np.int64).reshape(-1).copy() for k, v in required.items()}
    start = np.array([c.start_slot for c in candidates], dtype=np.int64)
    end = np.minimum(np.array([c.end_slot for c in candidates], dtype=np.int64), horizon)
    length = np.maximum(end - start, 1)
    order = sorted(range(len(problem.agents)), key=lambda a: -problem.agents[a].min_hours_per_week)
    out = [list(picked) for picked in chosen]
    for a, picked in enumerate(out):
        skills = _skills(problem, problem.agents[a])
        for c in picked:
            _take(residual, skills, start[c], end[c])
    for a in order:
        agent = problem.agents[a]
        skills = _skills(problem, agent)
        if not skills or not allowed[a]:
            continue
        out[a] = _one_agent(
            problem,
            grid,
            candidates,
            allowed[a],
            agent,
            skills,
            residual,
            (start, end, length),
            out[a],
        )
    return out


def _take(residual: dict[str, np.ndarray], skills: list[str], first: int, last: int) -> None:
    """One more agent on duty in slots first … last − 1, counted for the neediest skill."""
    for t in range(first, last):
        best = max(skills, key=lambda k: residual[k][t])
        residual[best][t] -= 1


def _skills(problem: Problem, agent: Agent) -> list[str]:
    skills = problem.requirements.skills
    if ANY_SKILL in skills:
        return [ANY_SKILL]
    return [k for k in skills if k in agent.skills]


def _one_agent(
    problem: Problem,
    grid: Grid,
    candidates: Sequence[Candidate],
    allowed: Sequence[int],
    agent: Agent,
    skills: list[str],
    residual: dict[str, np.ndarray],
    spans: tuple[np.ndarray, np.ndarray, np.ndarray],
    picked: list[int],
) -> list[int]:
    start, end, length = spans
    rules = problem.rules
    days = problem.requirements.days
    idx = np.asarray(allowed, dtype=np.int64)
    day = np.array([candidates[c].day for c in idx])
    week = day // 7
    paid = np.array([candidates[c].paid_minutes for c in idx])
    clock = grid.real_clock
    real_start = clock[start[idx]]
    real_end = clock[np.array([candidates[c].end_slot for c in idx])]
    caps = [h for h in (rules.max_hours_per_week, agent.max_hours_per_week) if h is not None]
    cap_min = 60 * min(caps) if caps else np.inf
    need_min = 60 * agent.min_hours_per_week
    full_weeks = days // 7
    max_days = 7 - (rules.min_days_off_per_week or 0)
    rest_min = 60 * rules.min_rest_hours if rules.min_rest_hours is not None else -np.inf
    max_run = rules.max_consecutive_days or days
    worked = np.zeros(days, dtype=bool)
    shift_start = np.full(days, np.inf)
    shift_end = np.full(days, -np.inf)
    week_minutes = np.zeros(problem.weeks)
    week_days = np.zeros(problem.weeks, dtype=np.int64)
    position = {c: i for i, c in enumerate(allowed)}
    picked = list(picked)
    for c in picked:
        i = position[c]
        d = int(day[i])
        worked[d] = True
        shift_start[d], shift_end[d] = real_start[i], real_end[i]
        week_minutes[week[i]] += paid[i]
        week_days[week[i]] += 1
    while True:
        combined = sum(np.maximum(residual[k], 0) for k in skills)
        cumulative = np.concatenate([[0], np.cumsum(combined)])
        score = cumulative[end[idx]] - cumulative[start[idx]]
        ok = ~worked[day]
        ok &= week_minutes[week] + paid <= cap_min
        ok &= ~((week < full_weeks) & (week_days[week] >= max_days))
        left, right = _runs(worked)
        ok &= left[day] + 1 + right[day] <= max_run
        for gap in (1, 2):
            before = np.maximum(day - gap, 0)
            ok &= ~((day - gap >= 0) & (real_start - shift_end[before] < rest_min))
            after = np.minimum(day + gap, days - 1)
            ok &= ~((day + gap < days) & (shift_start[after] - real_end < rest_min))
        if not ok.any():
            break
        short = (week < full_weeks) & (week_minutes[week] < need_min)
        useful = score >= USEFUL_SHARE * length[idx]
        wanted = ok & (short | useful)
        if not wanted.any():
            break
        # Below the contract, prefer the weeks that are short; then the best coverage.
        rank = np.where(wanted, score + np.where(short, 10 * length[idx].max(), 0), -1)
        i = int(np.argmax(rank))
        c = int(idx[i])
        picked.append(c)
        d = int(day[i])
        worked[d] = True
        shift_start[d], shift_end[d] = real_start[i], real_end[i]
        week_minutes[week[i]] += paid[i]
        week_days[week[i]] += 1
        _take(residual, skills, start[c], end[c])
    return picked


def _runs(worked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Working days in a row just before (left) and just after (right) each day."""
    n = len(worked)
    left = np.zeros(n, dtype=np.int64)
    right = np.zeros(n, dtype=np.int64)
    for d in range(1, n):
        left[d] = left[d - 1] + 1 if worked[d - 1] else 0
    for d in range(n - 2, -1, -1):
        right[d] = right[d + 1] + 1 if worked[d + 1] else 0
    return left, right
