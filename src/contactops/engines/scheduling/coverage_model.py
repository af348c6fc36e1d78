"""Coverage in CP-SAT: shift counts, break counts, skill allocation, under/over per slot.

Shared by the agent schedule and the shift-count problem. ``shift_counts[g][c]`` is the number of
shifts of candidate ``c`` worked by coverage group ``g`` (agents with the same relevant skills).
Breaks are modelled by counts too: ``n[g, c, j, s]`` agents of the group on that shift take break
``j`` starting at slot ``s``, with Σ_s n = shift count. Agents on the same shift are
interchangeable for breaks (the windows of a template never overlap), so the counts are handed
to individuals afterwards without loss; this keeps the model small at scale.

On duty in group g at slot t:  w[g,t] = Σ_c count[g,c]·[t ∈ c] − Σ n[g,c,j,s]·[t ∈ break].
A group with several skills splits w[g,t] over the skills needing agents at t (alloc vars).
For each skill k: under[k,t] − over[k,t] = required[k,t] − Σ_g alloc[g,k,t].
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from .candidates import Candidate, Grid
from .problem import IntArray

Expr = cp_model.LinearExpr


@dataclass(slots=True)
class CoverageVars:
    breaks: dict[tuple[int, int, int], list[tuple[int, cp_model.IntVar]]]
    """(group, candidate, break) → [(start slot, count)]"""
    covered: dict[str, list[Expr | None]]
    """skill → per horizon slot, the agents on duty counted for it (None: nobody can)"""
    under_total: Expr
    over_total: Expr


def add_coverage(
    model: cp_model.CpModel,
    grid: Grid,
    candidates: Sequence[Candidate],
    group_skills: Sequence[tuple[str, ...]],
    shift_counts: Sequence[Mapping[int, tuple[cp_model.IntVar, int]]],
    required: Mapping[str, IntArray],
) -> CoverageVars:
    """shift_counts[g][c] = (count expression, upper bound). Returns the coverage variables."""
    horizon = grid.horizon_slots
    flat = {k: np.asarray(v, dtype=np.int64).reshape(-1) for k, v in required.items()}
    exists = grid.real_minutes[:horizon] > 0
    breaks: dict[tuple[int, int, int], list[tuple[int, cp_model.IntVar]]] = {}
    covered_terms: dict[str, list[list[Expr]]] = {k: [[] for _ in range(horizon)] for k in flat}
    for g, counts in enumerate(shift_counts):
        skills = group_skills[g]
        if not skills:
            continue
        duty_vars: list[list[cp_model.IntVar]] = [[] for _ in range(horizon)]
        duty_coefs: list[list[int]] = [[] for _ in range(horizon)]
        for c, (count, bound) in counts.items():
            cand = candidates[c]
            for t in range(cand.start_slot, min(cand.end_slot, horizon)):
                duty_vars[t].append(count)
                duty_coefs[t].append(1)
            for j, starts in enumerate(cand.break_starts):
                length = cand.break_lengths[j]
                options = []
                for s in starts:
                    n = model.new_int_var(0, bound, f"n_{g}_{c}_{j}_{s}")
                    options.append((s, n))
                    for t in range(s, min(s + length, horizon)):
                        duty_vars[t].append(n)
                        duty_coefs[t].append(-1)
                model.add(cp_model.LinearExpr.sum([n for _, n in options]) == count)
                breaks[(g, c, j)] = options
        group_size = sum(b for _, b in counts.values())
        for t in range(horizon):
            if not duty_vars[t] or not exists[t]:
                continue
            duty = cp_model.LinearExpr.weighted_sum(duty_vars[t], duty_coefs[t])
            needing = [k for k in skills if flat[k][t] > 0] or [skills[0]]
            if len(needing) == 1:
                covered_terms[needing[0]][t].append(duty)
                continue
            parts = []
            for k in needing:
                alloc = model.new_int_var(0, group_size, f"a_{g}_{k}_{t}")
                covered_terms[k][t].append(alloc)
                parts.append(alloc)
            model.add(cp_model.LinearExpr.sum(parts) == duty)
    covered: dict[str, list[Expr | None]] = {}
    under_terms: list[Expr] = []
    over_terms: list[Expr] = []
    constant_under = 0
    for k, per_slot in covered_terms.items():
        covered[k] = []
        for t, terms in enumerate(per_slot):
            need = int(flat[k][t])
            if not exists[t]:
                covered[k].append(None)
                continue
            if not terms:
                covered[k].append(None)
                constant_under += need
                continue
            expr = terms[0] if len(terms) == 1 else cp_model.LinearExpr.sum(terms)
            covered[k].append(expr)
            under = model.new_int_var(0, need, f"u_{k}_{t}")
            over = model.new_int_var(0, 1_000_000, f"o_{k}_{t}")
            model.add(under - over == need - expr)
            under_terms.append(under)
            over_terms.append(over)
    return CoverageVars(
        breaks=breaks,
        covered=covered,
        under_total=cp_model.LinearExpr.sum(under_terms) + constant_under,
        over_total=cp_model.LinearExpr.sum(over_terms),
    )


def coverage_arrays(
    solver: cp_model.CpSolver, grid: Grid, cover: CoverageVars
) -> dict[str, IntArray]:
    """skill → ``days × slots`` agents on duty counted for it, from a solved model."""
    out = {}
    for k, per_slot in cover.covered.items():
        values = np.array(
            [0 if e is None else int(solver.value(e)) for e in per_slot], dtype=np.int64
        )
        out[k] = values.reshape(grid.days, grid.slots_per_day)
    return out


def break_counts(
    solver: cp_model.CpSolver, cover: CoverageVars
) -> dict[tuple[int, int, int], list[int]]:
    """(group, candidate, break) → the start slots, one per agent taking it, in slot order."""
    out: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for key, options in cover.breaks.items():
        for s, n in options:
            out[key].extend([s] * int(solver.value(n)))
    return out
