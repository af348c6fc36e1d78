"""Solve a :class:`Problem` with CP-SAT: which shift (if any) each agent works each day.

Small problems are solved as one model (:mod:`.model`), hinted with a greedy schedule
(:mod:`.warm_start`). Large ones (more than ``MONOLITHIC_LIMIT`` agent × shift variables, or
``SolveOptions.method = "decomposition"``) go through :mod:`.decomposition`: a proved bound from
the shift-count relaxation, a first schedule built from its counts, then CP-SAT on
neighbourhoods of it.

When the hard model is infeasible, the same model with every rule softened (slack ≥ 0,
penalised) is solved and the rules with positive slack are reported as ``blocking``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from ortools.sat.python import cp_model

from .candidates import Candidate, Grid, all_candidates, allowed_for, grid_of
from .decomposition import solve_decomposed
from .feasibility import necessary_conditions
from .model import DAY_SLACK_WEIGHT, build_model, coverage_groups, hint_schedule, solver_for
from .problem import METHODS, Problem, ProblemError, SolveOptions
from .result import empty_schedule, extract_schedule
from .schedule import RuleViolation, Schedule, Status
from .warm_start import greedy_schedule

_STATUS = {
    cp_model.OPTIMAL: Status.OPTIMAL,
    cp_model.FEASIBLE: Status.FEASIBLE,
    cp_model.INFEASIBLE: Status.INFEASIBLE,
}
MONOLITHIC_LIMIT = 20_000
"""Agent × allowed-shift variables up to which ``method="auto"`` solves one model."""

__all__ = ["DAY_SLACK_WEIGHT", "MONOLITHIC_LIMIT", "coverage_groups", "solve"]


def solve(problem: Problem, options: SolveOptions | None = None) -> Schedule:
    """The best schedule found within the limits (see the module docstring for the model)."""
    options = options or SolveOptions()
    if options.method not in METHODS:
        raise ProblemError("options.method", f"must be one of {', '.join(METHODS)}")
    began = time.perf_counter()
    grid = grid_of(problem.requirements)
    candidates = all_candidates(problem.templates, grid)
    allowed = [allowed_for(problem, agent, candidates) for agent in problem.agents]
    blocking = necessary_conditions(problem, candidates, allowed)
    if blocking:
        return empty_schedule(problem, grid, blocking, began)
    size = sum(len(a) for a in allowed)
    if options.method == "decomposition" or (options.method == "auto" and size > MONOLITHIC_LIMIT):
        return solve_decomposed(problem, grid, candidates, allowed, options, began)
    built = build_model(problem, grid, candidates, allowed, soft=False)
    if options.warm_start:
        hint_schedule(
            built,
            greedy_schedule(problem, grid, candidates, allowed),
            replace(options, time_limit_s=max(1.0, options.time_limit_s / 10)),
        )
    solver = solver_for(options)
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return empty_schedule(problem, grid, (), began, _STATUS.get(status, Status.UNKNOWN))
    schedule = extract_schedule(problem, grid, candidates, built, solver, _STATUS[status], began)
    short = tuple(
        RuleViolation(v.rule, v.agent, solver.value(s) / 60, v.day, v.week, "hours short")
        for v, s in built.shortfalls
        if solver.value(s) > 0
    )
    if not short:
        return schedule
    if status == cp_model.OPTIMAL:
        # Proven: no schedule meets every contract. Ask the model with every rule softened
        # which rules stand in the way.
        return replace(
            schedule,
            status=Status.INFEASIBLE,
            blocking=_diagnose(problem, grid, candidates, allowed, options) or short,
            wall_time_s=time.perf_counter() - began,
        )
    return replace(schedule, blocking=short)


def _diagnose(
    problem: Problem,
    grid: Grid,
    candidates: Sequence[Candidate],
    allowed: Sequence[Sequence[int]],
    options: SolveOptions,
) -> tuple[RuleViolation, ...]:
    soft = build_model(problem, grid, candidates, allowed, soft=True)
    solver = solver_for(options)
    if solver.solve(soft.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ()
    return tuple(
        RuleViolation(v.rule, v.agent, float(solver.value(s)), v.day, v.week, v.message)
        for v, s in soft.slacks
        if solver.value(s) > 0
    )
