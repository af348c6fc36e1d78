"""Large problems: a proved bound, a first schedule from shift counts, neighbourhood search.

1. **Bound.** :mod:`.relaxation` solves the shift-count relaxation by agent class; its CP-SAT
   bound is a lower bound ``LB`` on the objective of every schedule.
2. **First schedule.** :mod:`.assignment` hands the relaxation's shifts to agents day by day,
   keeping every hard rule, and completes contracts with the greedy of :mod:`.warm_start`.
3. **Improvement (large-neighbourhood search).** Repeatedly, the full model (:mod:`.model`) is
   solved with most of the schedule pinned: either a few agents are free over the whole
   horizon, or every agent of a class is free over a window of days (the rest of their shifts
   pinned, so rest, consecutive days and weekly rules across the window's edges hold). The
   current schedule is the hint, so a neighbourhood never returns a worse one; a better one
   replaces it. Neighbourhoods are drawn by a ``random.Random(seed)``, and each solve is limited
   by CP-SAT's deterministic time, so the same seed, workers and ``deterministic_time_limit``
   give the same schedule.

The search stops at the time limit, at ``deterministic_time_limit``, or when
``(objective − LB) / max(1, |objective|) ≤ relative_gap``; that ratio is the reported gap.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from .assignment import assign_counts
from .candidates import Candidate, Grid
from .coverage_model import coverage_arrays
from .model import FullModel, build_model, hint_schedule, solver_for
from .problem import Problem, SolveOptions
from .relaxation import Relaxation, day_penalty, solve_relaxation
from .result import extract_schedule
from .schedule import RuleViolation, Schedule, Status
from .warm_start import greedy_schedule

BOUND_SHARE = 0.15
"""Share of the time limits given to the relaxation."""
STEP_DETERMINISTIC_TIME = 2.0
"""CP-SAT deterministic time of one neighbourhood solve."""
STEP_WALL_S = 8.0


@dataclass(slots=True)
class _Incumbent:
    chosen: list[list[int]]
    built: FullModel
    solver: cp_model.CpSolver
    objective: float
    optimal: bool = False
    """The neighbourhood that gave it was solved to optimality."""


@dataclass(slots=True)
class _Budget:
    began: float
    time_limit_s: float
    deterministic_limit: float | None
    deterministic_used: float = 0.0

    def left_s(self) -> float:
        return self.time_limit_s - (time.perf_counter() - self.began)

    def spent(self) -> bool:
        if self.deterministic_limit is not None and (
            self.deterministic_used >= self.deterministic_limit
        ):
            return True
        return self.left_s() <= 0.5


def solve_decomposed(
    problem: Problem,
    grid: Grid,
    candidates: Sequence[Candidate],
    allowed: Sequence[Sequence[int]],
    options: SolveOptions,
    began: float,
) -> Schedule:
    """The module's three steps within ``options``' limits."""
    budget = _Budget(began, options.time_limit_s, options.deterministic_time_limit)
    # With a deterministic limit the wall clock only guards the whole run: a step cut short by
    # a busy machine would make the schedule depend on the machine's load.
    reproducible = options.deterministic_time_limit is not None
    relax_options = replace(
        options,
        time_limit_s=options.time_limit_s
        if reproducible
        else max(1.0, BOUND_SHARE * options.time_limit_s),
        deterministic_time_limit=(
            BOUND_SHARE * options.deterministic_time_limit
            if options.deterministic_time_limit is not None
            else None
        ),
        relative_gap=min(options.relative_gap / 4, 0.002) if options.relative_gap else 0.0,
    )
    relaxation = solve_relaxation(problem, grid, candidates, allowed, relax_options)
    budget.deterministic_used += relax_options.deterministic_time_limit or 0.0
    bound = relaxation.bound
    if any(relaxation.counts):
        chosen = assign_counts(
            problem, grid, candidates, allowed, relaxation.classes, relaxation.counts
        )
    else:
        chosen = greedy_schedule(problem, grid, candidates, allowed)
    incumbent = _evaluate(problem, grid, candidates, allowed, chosen, options, budget)
    if incumbent is None:
        chosen = [[] for _ in problem.agents]
        incumbent = _evaluate(problem, grid, candidates, allowed, chosen, options, budget)
        assert incumbent is not None, "an empty schedule keeps every rule"
    rng = random.Random(options.seed)  # noqa: S311 - a reproducible search, not secrets
    size = 1.0
    while not budget.spent() and _gap(incumbent.objective, bound) > options.relative_gap:
        free = _neighbourhood(problem, grid, candidates, incumbent, relaxation, rng, size)
        step = _improve(problem, grid, candidates, allowed, incumbent, free, options, budget)
        # Grow the neighbourhoods while they are solved to optimality, shrink them otherwise.
        solved = step is not None and step.optimal
        size = min(4.0, size * 1.25) if solved else max(0.25, size * 0.8)
        if step is not None and step.objective < incumbent.objective:
            incumbent = step
    return _result(problem, grid, candidates, incumbent, bound, began)


def _gap(objective: float, bound: float) -> float:
    return abs(objective - bound) / max(1.0, abs(objective))


def _step_options(options: SolveOptions, budget: _Budget) -> SolveOptions:
    limit = STEP_DETERMINISTIC_TIME
    wall = min(STEP_WALL_S, budget.left_s())
    if budget.deterministic_limit is not None:
        limit = min(limit, max(0.1, budget.deterministic_limit - budget.deterministic_used))
        wall = budget.left_s()  # see solve_decomposed: only the run's own limit
    return replace(
        options,
        time_limit_s=max(0.5, wall),
        deterministic_time_limit=limit,
        relative_gap=0.0,
    )


def _evaluate(
    problem: Problem,
    grid: Grid,
    candidates: Sequence[Candidate],
    allowed: Sequence[Sequence[int]],
    chosen: list[list[int]],
    options: SolveOptions,
    budget: _Budget,
) -> _Incumbent | None:
    """The schedule ``chosen`` with its breaks placed (a model with every shift pinned)."""
    built = build_model(problem, grid, candidates, chosen, soft=False, pinned=chosen)
    solver = solver_for(_step_options(options, budget))
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return _Incumbent(chosen, built, solver, float(solver.objective_value))


def _neighbourhood(
    problem: Problem,
    grid: Grid,
    candidates: Sequence[Candidate],
    incumbent: _Incumbent,
    relaxation: Relaxation,
    rng: random.Random,
    size: float,
) -> list[tuple[int, range]]:
    """(agent, days free) pairs; ``size`` scales how many.

    - an agent short of a contract over the horizon, with agents of its class over that week
      (while any is short);
    - else, with probability 3/4, a random ``32 · size`` agents over a window of 1–3 days drawn
      with weight = how much the day's coverage penalty exceeds the relaxation's (+ 1 %);
    - else a random ``4 · size`` agents over the whole horizon.
    """
    days = problem.requirements.days
    agents = len(problem.agents)
    built, solver = incumbent.built, incumbent.solver
    short = [v for v, var in built.shortfalls if solver.value(var) > 0]
    if short:
        where = rng.choice(short)
        a = next(i for i, agent in enumerate(problem.agents) if agent.code == where.agent)
        week = where.week or 0
        window = range(max(0, 7 * week - 1), min(days, 7 * week + 8))
        peers = [b for k in relaxation.classes if a in k for b in k if b != a]
        picked = rng.sample(peers, min(len(peers), round(12 * size)))
        return [(a, range(days))] + [(b, window) for b in sorted(picked)]
    if rng.random() < 0.75:
        penalty = day_penalty(problem, grid, coverage_arrays(solver, grid, built.cover))
        excess = [max(0.0, p - q) for p, q in zip(penalty, relaxation.day_penalty, strict=True)]
        floor = 0.01 * max(1.0, max(penalty))
        day = rng.choices(range(days), weights=[e + floor for e in excess])[0]
        width = rng.choice((1, 2, 3))
        first = max(0, min(days - width, day - rng.randrange(width)))
        picked = rng.sample(range(agents), min(agents, max(2, round(32 * size / width))))
        return [(b, range(first, first + width)) for b in sorted(picked)]
    picked = rng.sample(range(agents), min(agents, max(1, round(4 * size))))
    return [(b, range(days)) for b in sorted(picked)]


def _improve(
    problem: Problem,
    grid: Grid,
    candidates: Sequence[Candidate],
    allowed: Sequence[Sequence[int]],
    incumbent: _Incumbent,
    free: list[tuple[int, range]],
    options: SolveOptions,
    budget: _Budget,
) -> _Incumbent | None:
    """Solve the full model with everything outside ``free`` pinned, hinted by the incumbent."""
    sub_allowed = [list(c) for c in incumbent.chosen]
    pinned = [list(c) for c in incumbent.chosen]
    for a, window in free:
        pinned[a] = [c for c in incumbent.chosen[a] if candidates[c].day not in window]
        sub_allowed[a] = pinned[a] + [c for c in allowed[a] if candidates[c].day in window]
    built = build_model(problem, grid, candidates, sub_allowed, soft=False, pinned=pinned)
    step_options = _step_options(options, budget)
    # The nominal limit is charged, not the time used: with several workers that varies.
    budget.deterministic_used += step_options.deterministic_time_limit or 0.0
    if hint_schedule(built, incumbent.chosen, step_options) is None:
        return None
    solver = solver_for(step_options)
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    chosen = [sorted(c for c, var in xa.items() if solver.value(var)) for xa in built.x]
    objective = float(solver.objective_value)
    return _Incumbent(chosen, built, solver, objective, status == cp_model.OPTIMAL)


def _result(
    problem: Problem,
    grid: Grid,
    candidates: Sequence[Candidate],
    incumbent: _Incumbent,
    bound: float,
    began: float,
) -> Schedule:
    built, solver = incumbent.built, incumbent.solver
    proved = incumbent.objective <= bound
    schedule = extract_schedule(
        problem,
        grid,
        candidates,
        built,
        solver,
        Status.OPTIMAL if proved else Status.FEASIBLE,
        began,
    )
    short = tuple(
        RuleViolation(v.rule, v.agent, solver.value(s) / 60, v.day, v.week, "hours short")
        for v, s in built.shortfalls
        if solver.value(s) > 0
    )
    return replace(
        schedule,
        best_bound=min(bound, incumbent.objective),
        relative_gap=_gap(incumbent.objective, min(bound, incumbent.objective)),
        blocking=short,
    )
