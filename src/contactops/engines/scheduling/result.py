"""Turn a solved model into a :class:`.schedule.Schedule`: shifts, breaks handed out from the
break counts, coverage, the rule checks and the solver's figures."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from ortools.sat.python import cp_model

from .candidates import Candidate, Grid
from .coverage_model import break_counts, coverage_arrays
from .model import FullModel
from .problem import Problem
from .rules import check_rules
from .schedule import BreakPlacement, Coverage, RuleViolation, Schedule, ShiftAssignment, Status


def extract_schedule(
    problem: Problem,
    grid: Grid,
    candidates: Sequence[Candidate],
    built: FullModel,
    solver: cp_model.CpSolver,
    status: str,
    began: float,
) -> Schedule:
    step = grid.interval_minutes
    pending = break_counts(solver, built.cover)
    assignments = []
    for a, agent in enumerate(problem.agents):
        g = built.group_of[a]
        for c, var in sorted(built.x[a].items()):
            if not solver.value(var):
                continue
            cand = candidates[c]
            template = problem.templates[cand.template]
            placed = []
            for j, rule in enumerate(template.breaks):
                taken = pending.get((g, c, j))
                s = taken.pop() if taken else cand.break_starts[j][0]
                start = cand.start_minute + (s - cand.start_slot) * step
                placed.append(BreakPlacement(start, start + rule.length_minutes, rule.paid))
            assignments.append(
                ShiftAssignment(
                    agent=agent.code,
                    day=cand.day,
                    template=template.code,
                    start_minute=cand.start_minute,
                    end_minute=cand.end_minute,
                    breaks=tuple(placed),
                    paid_minutes=cand.paid_minutes,
                )
            )
    scheduled = coverage_arrays(solver, grid, built.cover)
    coverage = {
        k: Coverage(k, np.asarray(v, dtype=np.int64), scheduled[k])
        for k, v in problem.requirements.required.items()
    }
    parts = {name: float(solver.value(expr)) for name, expr in built.parts.items()}
    parts["cost"] = parts.pop("cost_cents") / 100
    objective = float(solver.objective_value)
    bound = float(solver.best_objective_bound)
    return Schedule(
        status=status,
        assignments=tuple(assignments),
        coverage=coverage,
        rule_checks=check_rules(problem, assignments),
        objective_parts=parts,
        objective=objective,
        best_bound=bound,
        relative_gap=abs(objective - bound) / max(1.0, abs(objective)),
        wall_time_s=time.perf_counter() - began,
    )


def empty_schedule(
    problem: Problem,
    grid: Grid,
    blocking: tuple[RuleViolation, ...],
    began: float,
    status: str = Status.INFEASIBLE,
) -> Schedule:
    coverage = {
        k: Coverage(k, np.asarray(v, dtype=np.int64), np.zeros_like(v, dtype=np.int64))
        for k, v in problem.requirements.required.items()
    }
    return Schedule(
        status=status,
        assignments=(),
        coverage=coverage,
        rule_checks=(),
        objective_parts={},
        objective=float("nan"),
        best_bound=float("nan"),
        relative_gap=float("nan"),
        wall_time_s=time.perf_counter() - began,
        blocking=blocking,
    )
