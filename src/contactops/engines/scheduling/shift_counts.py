"""The shift-count problem: how many shifts of each type start each day (no individuals).

Decision: n[c] ≥ 0 shifts of candidate c (template × day × start), with breaks placed by count
as in :mod:`.coverage_model`. Two objectives, as the classic formulations (e.g. pyworkforce's
``MinAbsDifference`` and ``MinRequiredResources``):

- ``min_abs_difference``: minimise Σ_t |on duty[t] − required[t]| = Σ under + Σ over;
- ``min_resources``: under-coverage forbidden; minimise Σ n[c] (shifts), then Σ over.

Flexible starts and breaks placed where coverage allows are what lets this beat fixed shifts.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from ortools.sat.python import cp_model

from .candidates import all_candidates, grid_of
from .coverage_model import add_coverage, coverage_arrays
from .problem import ANY_SKILL, ProblemError, Requirements, ShiftTemplate, SolveOptions
from .schedule import Coverage, Status

Objective = Literal["min_abs_difference", "min_resources"]


@dataclass(frozen=True, slots=True)
class ShiftCount:
    day: int
    template: str
    start_minute: int
    count: int


@dataclass(frozen=True, slots=True)
class ShiftCounts:
    """Shifts to start (only non-zero counts), the coverage they give, and solver figures."""

    status: str
    shifts: tuple[ShiftCount, ...]
    coverage: Coverage
    objective: float
    best_bound: float
    relative_gap: float
    wall_time_s: float

    @property
    def total_shifts(self) -> int:
        return sum(s.count for s in self.shifts)


def solve_shift_counts(
    requirements: Requirements,
    templates: Sequence[ShiftTemplate],
    objective: Objective = "min_abs_difference",
    max_per_shift: int | None = None,
    options: SolveOptions | None = None,
) -> ShiftCounts:
    """Solve the shift-count problem for a single-skill requirement (see module docstring).
    ``max_per_shift`` caps each count (default: the largest requirement)."""
    options = options or SolveOptions()
    began = time.perf_counter()
    if len(requirements.required) != 1:
        raise ProblemError("requirements.required", "shift counts need a single requirement")
    ((skill, required),) = requirements.required.items()
    required = np.asarray(required, dtype=np.int64)
    grid = grid_of(requirements)
    candidates = all_candidates(templates, grid)
    bound = max_per_shift if max_per_shift is not None else max(1, int(required.max()))
    model = cp_model.CpModel()
    counts = {c: model.new_int_var(0, bound, f"n_{c}") for c in range(len(candidates))}
    cover = add_coverage(
        model,
        grid,
        candidates,
        [(skill or ANY_SKILL,)],
        [{c: (v, bound) for c, v in counts.items()}],
        {skill: required},
    )
    total = cp_model.LinearExpr.sum(list(counts.values()))
    if objective == "min_resources":
        model.add(cover.under_total == 0)
        model.minimize((grid.horizon_slots + 1) * total + cover.over_total)
    elif objective == "min_abs_difference":
        model.minimize(cover.under_total + cover.over_total)
    else:
        raise ProblemError("objective", "must be min_abs_difference or min_resources")
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = options.time_limit_s
    if options.deterministic_time_limit is not None:
        params.max_deterministic_time = options.deterministic_time_limit
    params.random_seed = options.seed
    params.num_workers = options.workers
    params.relative_gap_limit = options.relative_gap
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        empty = Coverage(skill, required, np.zeros_like(required))
        state = Status.INFEASIBLE if status == cp_model.INFEASIBLE else Status.UNKNOWN
        nan = float("nan")
        return ShiftCounts(state, (), empty, nan, nan, nan, time.perf_counter() - began)
    shifts = tuple(
        ShiftCount(
            candidates[c].day,
            templates[candidates[c].template].code,
            candidates[c].start_minute,
            int(solver.value(v)),
        )
        for c, v in counts.items()
        if solver.value(v) > 0
    )
    scheduled = coverage_arrays(solver, grid, cover)[skill]
    value, best = float(solver.objective_value), float(solver.best_objective_bound)
    return ShiftCounts(
        status=Status.OPTIMAL if status == cp_model.OPTIMAL else Status.FEASIBLE,
        shifts=shifts,
        coverage=Coverage(skill, required, scheduled),
        objective=value,
        best_bound=best,
        relative_gap=abs(value - best) / max(1.0, abs(value)),
        wall_time_s=time.perf_counter() - began,
    )
