"""A proved lower bound on the schedule objective: the shift-count relaxation by agent class.

Agents with the same coverage group, allowed templates and contract form a class ``k``. The
relaxation drops individuals: ``z[k, c]`` = how many agents of class ``k`` work candidate ``c``,
with the breaks, skills and coverage of :mod:`.coverage_model` on ``y[g, c] = Σ_{k∈g} z[k, c]``.
Every constraint is a sum of the full model's per-agent constraints over the class, so every
schedule maps to a feasible point with the same coverage, cost and contract shortfall:

- ``z[k, c] ≤`` agents of ``k`` allowed ``c``; Σ_{c on day d} z[k, c] ≤ agents of ``k`` who may
  work on ``d`` (one shift a day);
- Σ over any ``m + 1`` consecutive days ≤ Σ_a min(m, days agent a may work in the window);
- per week, paid minutes ``P[k, w] ≤ Σ_a most[a, w]`` and working days ≤ Σ_a (7 − days off);
- per full week, with shortfall ``s[k, w] ≥ 0``: ``P + s ≥ Σ_a need[a]`` and
  ``P + M·s ≥ Σ_a need⁺[a]``, where ``need⁺[a]`` is the smallest paid total the agent's shifts
  can add up to that is ≥ ``need[a]`` and ``M = max_a (need⁺ − need) + 1``. (Per agent,
  short = 0 means paid ≥ need⁺; short ≥ 1 gives paid + M·short ≥ need − short + M·short ≥ need⁺.)

Objective: the full model's contract-shortfall, coverage and cost terms. The fairness spreads
are ≥ 0 and the preference term is ≥ −w_p · Σ_a Σ_d max(0, best preference of day d), added
as a constant. CP-SAT's best bound of this model plus that constant is a lower bound on the
objective of every schedule; its solution (the counts) guides the first schedule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from .candidates import Candidate, Grid
from .coverage_model import add_coverage, coverage_arrays
from .model import coverage_groups, max_preference, solver_for
from .problem import Agent, IntArray, Problem, SolveOptions


@dataclass(frozen=True, slots=True)
class Relaxation:
    """``bound``: proved lower bound on the full objective. ``classes[k]``: agent indices;
    ``counts[k]``: candidate → shifts of class ``k`` in the relaxation's best solution
    (empty when it found none). ``deterministic_time``: CP-SAT's, for budgets."""

    bound: float
    objective: float
    """The relaxation's best objective (plus the same constant); nan when none was found."""
    classes: tuple[tuple[int, ...], ...]
    counts: tuple[dict[int, int], ...]
    optimal: bool
    deterministic_time: float
    day_penalty: tuple[float, ...]
    """Per day, w_u · under + w_o · over of the relaxation's solution (0 when none)."""


@dataclass(frozen=True, slots=True)
class WeekLimits:
    """Per agent and week: the contract minimum ``need``, ``need_up`` (need⁺), the most paid
    minutes ``most`` and the most working days ``days`` the rules allow."""

    need: int
    need_up: int
    most: int
    days: int


def week_limits(
    problem: Problem,
    candidates: Sequence[Candidate],
    allowed: Sequence[int],
    agent: Agent,
    week: int,
) -> WeekLimits:
    """Achievable paid totals of a week: one allowed shift or none per day, at most 7 − k days
    in a full week, at most the weekly cap."""
    rules = problem.rules
    days = problem.requirements.days
    full = 7 * week + 7 <= days
    first, last = 7 * week, min(7 * week + 7, days)
    paid_by_day: dict[int, set[int]] = defaultdict(set)
    for c in allowed:
        cand = candidates[c]
        if first <= cand.day < last:
            paid_by_day[cand.day].add(cand.paid_minutes)
    caps = [h for h in (rules.max_hours_per_week, agent.max_hours_per_week) if h is not None]
    cap = round(60 * min(caps)) if caps else None
    max_days = 7 - (rules.min_days_off_per_week or 0) if full else 7
    max_days = min(max_days, len(paid_by_day))
    states: set[tuple[int, int]] = {(0, 0)}
    for day in range(first, last):
        grown = set(states)
        for used, total in states:
            if used < max_days:
                for paid in paid_by_day.get(day, ()):
                    if cap is None or total + paid <= cap:
                        grown.add((used + 1, total + paid))
        states = grown
    totals = sorted({total for _, total in states})
    need = round(60 * agent.min_hours_per_week) if full else 0
    reachable = [t for t in totals if t >= need]
    return WeekLimits(need, reachable[0] if reachable else need, totals[-1], max_days)


def agent_classes(problem: Problem) -> tuple[tuple[int, ...], ...]:
    """Agents with the same coverage group, allowed templates and contract."""
    _, group_of = coverage_groups(problem)
    keys: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for a, agent in enumerate(problem.agents):
        key = (
            group_of[a],
            tuple(sorted(agent.templates)),
            agent.min_hours_per_week,
            agent.max_hours_per_week,
        )
        keys[key].append(a)
    return tuple(tuple(members) for members in keys.values())


def solve_relaxation(
    problem: Problem,
    grid: Grid,
    candidates: Sequence[Candidate],
    allowed: Sequence[Sequence[int]],
    options: SolveOptions,
) -> Relaxation:
    """Build and solve the class relaxation (see the module docstring) within ``options``."""
    model = cp_model.CpModel()
    weights = problem.weights
    days = problem.requirements.days
    classes = agent_classes(problem)
    group_skills, group_of = coverage_groups(problem)
    z: list[dict[int, cp_model.IntVar]] = []
    per_group: list[dict[int, list[tuple[cp_model.IntVar, int]]]] = [
        defaultdict(list) for _ in group_skills
    ]
    shortfalls = []
    cost_terms: list[tuple[cp_model.IntVar, int]] = []
    for k, members in enumerate(classes):
        able: dict[int, int] = defaultdict(int)
        for a in members:
            for c in allowed[a]:
                able[c] += 1
        zk = {c: model.new_int_var(0, n, f"z_{k}_{c}") for c, n in sorted(able.items())}
        z.append(zk)
        for c, var in zk.items():
            per_group[group_of[members[0]]][c].append((var, able[c]))
            cost_terms.append((var, candidates[c].cost_cents))
        on_day: list[list[int]] = [[] for _ in range(days)]
        for c in zk:
            on_day[candidates[c].day].append(c)
        works = [cp_model.LinearExpr.sum([zk[c] for c in on_day[d]]) for d in range(days)]
        can_work = [[False] * days for _ in members]
        for i, a in enumerate(members):
            for c in allowed[a]:
                can_work[i][candidates[c].day] = True
        for d in range(days):
            if on_day[d]:
                model.add(works[d] <= sum(row[d] for row in can_work))
        m = problem.rules.max_consecutive_days
        if m is not None and days > m:
            for first in range(days - m):
                most = sum(min(m, sum(row[first : first + m + 1])) for row in can_work)
                model.add(cp_model.LinearExpr.sum(works[first : first + m + 1]) <= most)
        for week in range(problem.weeks):
            limits = [
                week_limits(problem, candidates, allowed[a], problem.agents[a], week)
                for a in members
            ]
            in_week = [c for d in range(7 * week, min(7 * week + 7, days)) for c in on_day[d]]
            paid = cp_model.LinearExpr.weighted_sum(
                [zk[c] for c in in_week], [candidates[c].paid_minutes for c in in_week]
            )
            model.add(paid <= sum(lim.most for lim in limits))
            model.add(
                cp_model.LinearExpr.sum(works[7 * week : 7 * week + 7])
                <= sum(lim.days for lim in limits)
            )
            need = sum(lim.need for lim in limits)
            if need > 0:
                short = model.new_int_var(0, need, f"s_{k}_{week}")
                shortfalls.append(short)
                model.add(paid + short >= need)
                step = max(lim.need_up - lim.need for lim in limits) + 1
                model.add(paid + step * short >= sum(lim.need_up for lim in limits))
    counts = []
    for g, by_candidate in enumerate(per_group):
        group_counts: dict[int, tuple[cp_model.IntVar, int]] = {}
        for c, parts in sorted(by_candidate.items()):
            upper = sum(n for _, n in parts)
            if len(parts) == 1:
                var = parts[0][0]
            else:
                var = model.new_int_var(0, upper, f"y_{g}_{c}")
                model.add(var == cp_model.LinearExpr.sum([v for v, _ in parts]))
            group_counts[c] = (var, upper)
        counts.append(group_counts)
    cover = add_coverage(
        model, grid, candidates, group_skills, counts, problem.requirements.required
    )
    model.minimize(
        weights.contract_shortfall * cp_model.LinearExpr.sum(shortfalls)
        + weights.under_coverage * cover.under_total
        + weights.over_coverage * cover.over_total
        + weights.cost
        * cp_model.LinearExpr.weighted_sum([v for v, _ in cost_terms], [w for _, w in cost_terms])
    )
    constant = -weights.preference * sum(
        max_preference(problem, a, candidates, allowed[a]) for a in range(len(problem.agents))
    )
    solver = solver_for(options)
    status = solver.solve(model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    bound = solver.best_objective_bound if status != cp_model.INFEASIBLE else float("inf")
    return Relaxation(
        day_penalty=day_penalty(problem, grid, coverage_arrays(solver, grid, cover))
        if found
        else (0.0,) * days,
        bound=float(bound) + constant,
        objective=float(solver.objective_value) + constant if found else float("nan"),
        classes=classes,
        counts=tuple(
            {c: int(solver.value(v)) for c, v in zk.items() if found and solver.value(v) > 0}
            for zk in z
        ),
        optimal=status == cp_model.OPTIMAL,
        deterministic_time=float(solver.response_proto.deterministic_time),
    )


def day_penalty(problem: Problem, grid: Grid, scheduled: dict[str, IntArray]) -> tuple[float, ...]:
    """Per day, w_u · Σ under + w_o · Σ over over the skills and slots of the day."""
    weights = problem.weights
    total = np.zeros(grid.days)
    for skill, required in problem.requirements.required.items():
        diff = np.asarray(required, dtype=np.int64) - scheduled[skill]
        total += weights.under_coverage * np.maximum(diff, 0).sum(axis=1)
        total += weights.over_coverage * np.maximum(-diff, 0).sum(axis=1)
    return tuple(float(v) for v in total)
