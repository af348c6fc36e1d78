"""The CP-SAT model of a :class:`Problem`: which shift (if any) each agent works each day.

Variables: x[a, c] = 1 when agent a works candidate c (template × day × start), among the
candidates the agent may work (:func:`.candidates.allowed_for`); y[g, c] = Σ_{a∈g} x[a, c] per
coverage group feeds :mod:`.coverage_model` (breaks and skills). Rules, per agent:

- one shift a day: Σ_{c on day d} x ≤ 1 (works[d] is that sum);
- max consecutive days m: Σ works over any m + 1 consecutive days ≤ m;
- min rest r hours: x[c] + Σ_{c' next days, real(start c') − real(end c) < r} x[c'] ≤ 1;
- weekly paid minutes: ≤ 60 · min(rule, contract max) each week, ≥ 60 · contract min in full
  weeks (a penalised shortfall);
- min days off k: Σ works in a full week ≤ 7 − k.

Objective (integer weights, :class:`.problem.Weights`): contract shortfall minutes · w_s +
under-coverage · w_u + over · w_o + cost cents · w_c + (weekend-day spread + night-shift
spread) · w_f − preference met · w_p, where spread = max − min over the agents who may work
them. ``soft`` models soften every rule (slack ≥ 0) and minimise the slacks instead.

``pinned[a]`` (optional) are shifts agent ``a`` must work: the neighbourhoods of
:mod:`.decomposition` are this model with most shifts pinned and the others not allowed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from .candidates import Candidate, Grid
from .coverage_model import CoverageVars, add_coverage
from .problem import ANY_SKILL, Agent, Problem, SolveOptions
from .schedule import RuleViolation

DAY_SLACK_WEIGHT = 480
"""A day-counted slack weighs as much as 8 hours of minute-counted slack."""


@dataclass(slots=True)
class FullModel:
    model: cp_model.CpModel
    x: list[dict[int, cp_model.IntVar]]
    groups: list[list[int]]
    group_of: list[int]
    cover: CoverageVars
    parts: dict[str, cp_model.LinearExprT]
    slacks: list[tuple[RuleViolation, cp_model.IntVar]] = field(default_factory=list)
    shortfalls: list[tuple[RuleViolation, cp_model.IntVar]] = field(default_factory=list)


def solver_for(options: SolveOptions) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = options.time_limit_s
    if options.deterministic_time_limit is not None:
        params.max_deterministic_time = options.deterministic_time_limit
        # Parallel workers exchange solutions as they come, so threads racing on a busy
        # machine would change the result; interleaved workers keep it reproducible.
        params.interleave_search = True
    params.random_seed = options.seed
    params.num_workers = options.workers
    params.relative_gap_limit = options.relative_gap
    return solver


def coverage_groups(problem: Problem) -> tuple[list[tuple[str, ...]], list[int]]:
    """Agents with the same relevant skills form one group: (skills of each group, group of
    each agent). With any-skill requirements every agent is in one group."""
    skills = problem.requirements.skills
    keys: dict[tuple[str, ...], int] = {}
    group_of = []
    for agent in problem.agents:
        key = skills if ANY_SKILL in skills else tuple(k for k in skills if k in agent.skills)
        group_of.append(keys.setdefault(key, len(keys)))
    return list(keys), group_of


def build_model(
    problem: Problem,
    grid: Grid,
    candidates: Sequence[Candidate],
    allowed: Sequence[Sequence[int]],
    soft: bool,
    pinned: Sequence[Collection[int]] | None = None,
) -> FullModel:
    """The model of the module docstring; agent ``a`` works every shift of ``pinned[a]`` (a
    subset of ``allowed[a]``)."""
    model = cp_model.CpModel()
    x = []
    for a in range(len(problem.agents)):
        xa = {c: model.new_bool_var(f"x_{a}_{c}") for c in allowed[a]}
        if pinned is not None:
            for c in pinned[a]:
                model.add(xa[c] == 1)
        x.append(xa)
    group_skills, group_of = coverage_groups(problem)
    members: list[list[int]] = [[] for _ in group_skills]
    for a, g in enumerate(group_of):
        members[g].append(a)
    counts: list[dict[int, tuple[cp_model.IntVar, int]]] = []
    for g, agents in enumerate(members):
        by_candidate: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for a in agents:
            for c, var in x[a].items():
                by_candidate[c].append(var)
        group_counts = {}
        for c, vars_ in sorted(by_candidate.items()):
            y = model.new_int_var(0, len(vars_), f"y_{g}_{c}")
            model.add(y == cp_model.LinearExpr.sum(vars_))
            group_counts[c] = (y, len(vars_))
        counts.append(group_counts)
    cover = add_coverage(
        model, grid, candidates, group_skills, counts, problem.requirements.required
    )
    built = FullModel(model, x, members, group_of, cover, {})
    for a, agent in enumerate(problem.agents):
        _agent_rules(built, problem, grid, candidates, a, agent, soft)
    _objective(built, problem, candidates, soft)
    return built


def _slack(
    built: FullModel, soft: bool, violation: RuleViolation, bound: int
) -> int | cp_model.IntVar:
    if not soft:
        return 0
    var = built.model.new_int_var(0, bound, f"s_{len(built.slacks)}")
    built.slacks.append((violation, var))
    return var


def _agent_rules(
    built: FullModel,
    problem: Problem,
    grid: Grid,
    candidates: Sequence[Candidate],
    a: int,
    agent: Agent,
    soft: bool,
) -> None:
    model, x, rules = built.model, built.x[a], problem.rules
    days = problem.requirements.days
    on_day: list[list[int]] = [[] for _ in range(days)]
    for c in x:
        on_day[candidates[c].day].append(c)
    works: list[cp_model.IntVar | None] = []
    for d in range(days):
        if not on_day[d]:
            works.append(None)
        elif len(on_day[d]) == 1:
            works.append(x[on_day[d][0]])
        else:
            day_var = model.new_bool_var(f"w_{a}_{d}")
            model.add(day_var == cp_model.LinearExpr.sum([x[c] for c in on_day[d]]))
            works.append(day_var)
    m = rules.max_consecutive_days
    if m is not None and days > m:
        for first in range(days - m):
            window = [w for w in works[first : first + m + 1] if w is not None]
            if len(window) > m:
                v = RuleViolation("max_consecutive_days", agent.code, 0, day=first + m)
                model.add(cp_model.LinearExpr.sum(window) <= m + _slack(built, soft, v, 1))
    if rules.min_rest_hours is not None:
        _rest_rule(built, problem, grid, candidates, on_day, a, agent, soft)
    cap_h = min(
        (h for h in (rules.max_hours_per_week, agent.max_hours_per_week) if h is not None),
        default=None,
    )
    full_weeks = days // 7
    for week in range(problem.weeks):
        in_week = [c for d in range(7 * week, min(7 * week + 7, days)) for c in on_day[d]]
        paid = cp_model.LinearExpr.weighted_sum(
            [x[c] for c in in_week], [candidates[c].paid_minutes for c in in_week]
        )
        most = sum(candidates[c].paid_minutes for c in in_week)
        if cap_h is not None and most > 60 * cap_h:
            v = RuleViolation("max_hours_per_week", agent.code, 0, week=week, message="minutes")
            model.add(paid <= round(60 * cap_h) + _slack(built, soft, v, most))
        if week < full_weeks and agent.min_hours_per_week > 0:
            need = round(60 * agent.min_hours_per_week)
            v = RuleViolation("min_hours_per_week", agent.code, 0, week=week, message="minutes")
            if soft:
                model.add(paid + _slack(built, soft, v, need) >= need)
            else:
                # Always a penalised shortfall: "nobody works" is then a solution, which the
                # search finds at once; a proven shortfall is reported as infeasible.
                short = model.new_int_var(0, need, f"short_{a}_{week}")
                built.shortfalls.append((v, short))
                model.add(paid + short >= need)
        off = rules.min_days_off_per_week
        week_days = [w for w in works[7 * week : 7 * week + 7] if w is not None]
        if off and week < full_weeks and len(week_days) > 7 - off:
            v = RuleViolation("min_days_off_per_week", agent.code, 0, week=week)
            model.add(cp_model.LinearExpr.sum(week_days) <= 7 - off + _slack(built, soft, v, off))


def _rest_rule(
    built: FullModel,
    problem: Problem,
    grid: Grid,
    candidates: Sequence[Candidate],
    on_day: list[list[int]],
    a: int,
    agent: Agent,
    soft: bool,
) -> None:
    """x[c] + Σ conflicting x[c'] on day d' ≤ 1 for each later day d' a shift could reach."""
    assert problem.rules.min_rest_hours is not None
    rest_min = 60 * problem.rules.min_rest_hours
    x = built.x[a]
    clock = grid.real_clock
    days = len(on_day)
    reach_days = 1 + int((24 * 60 + rest_min) // (24 * 60))
    for d in range(days):
        if not on_day[d]:
            continue
        ends = np.array([clock[candidates[c].end_slot] for c in on_day[d]])
        for later in range(d + 1, min(days, d + 1 + reach_days)):
            if not on_day[later]:
                continue
            starts = np.array([clock[candidates[c].start_slot] for c in on_day[later]])
            conflict = (starts[None, :] - ends[:, None]) < rest_min
            for i, row in enumerate(conflict):
                if not row.any():
                    continue
                others = [x[on_day[later][j]] for j in np.flatnonzero(row)]
                v = RuleViolation("min_rest_hours", agent.code, 0, day=later)
                built.model.add(
                    x[on_day[d][i]] + cp_model.LinearExpr.sum(others)
                    <= 1 + _slack(built, soft, v, 1)
                )


def _objective(
    built: FullModel, problem: Problem, candidates: Sequence[Candidate], soft: bool
) -> None:
    model, weights = built.model, problem.weights
    cost = cp_model.LinearExpr.weighted_sum(
        [v for xa in built.x for v in xa.values()],
        [candidates[c].cost_cents for xa in built.x for c in xa],
    )
    first_weekday = problem.requirements.first_weekday
    weekend_counts = []
    night_counts = []
    for xa in built.x:
        weekend = [v for c, v in xa.items() if (first_weekday + candidates[c].day) % 7 >= 5]
        nights = [v for c, v in xa.items() if candidates[c].night]
        if weekend:
            weekend_counts.append(weekend)
        if nights:
            night_counts.append(nights)
    spreads = []
    for name, lists, on in (
        ("weekend_spread", weekend_counts, problem.rules.fair_weekends),
        ("night_spread", night_counts, problem.rules.fair_nights),
    ):
        if not on or len(lists) < 2:
            built.parts[name] = 0
            continue
        upper = max(len(v) for v in lists)
        high = model.new_int_var(0, upper, f"{name}_max")
        low = model.new_int_var(0, upper, f"{name}_min")
        for vars_ in lists:
            total = cp_model.LinearExpr.sum(vars_)
            model.add(high >= total)
            model.add(low <= total)
        built.parts[name] = high - low
        spreads.append(high - low)
    pref_vars, pref_weights = [], []
    for a, agent in enumerate(problem.agents):
        for c, v in built.x[a].items():
            w = preference_of(problem, agent, candidates[c])
            if w:
                pref_vars.append(v)
                pref_weights.append(w)
    preference = cp_model.LinearExpr.weighted_sum(pref_vars, pref_weights)
    built.parts.update(
        under_coverage=built.cover.under_total,
        over_coverage=built.cover.over_total,
        cost_cents=cost,
        preference=preference,
    )
    if soft:
        model.minimize(
            cp_model.LinearExpr.weighted_sum(
                [s for _, s in built.slacks],
                [1 if v.message == "minutes" else DAY_SLACK_WEIGHT for v, _ in built.slacks],
            )
        )
        return
    shortfall = cp_model.LinearExpr.sum([s for _, s in built.shortfalls])
    built.parts["contract_shortfall_minutes"] = shortfall
    model.minimize(
        weights.contract_shortfall * shortfall
        + weights.under_coverage * built.cover.under_total
        + weights.over_coverage * built.cover.over_total
        + weights.cost * cost
        + weights.fairness * cp_model.LinearExpr.sum(spreads)
        - weights.preference * preference
    )


def preference_of(problem: Problem, agent: Agent, cand: Candidate) -> int:
    """Σ weights of the agent's preferences that the shift meets."""
    total = 0
    code = problem.templates[cand.template].code
    for p in agent.preferences:
        if p.days and cand.day not in p.days:
            continue
        if p.template is not None and p.template != code:
            continue
        if p.earliest_start_minute <= cand.start_minute <= p.latest_start_minute:
            total += p.weight
    return total


def max_preference(
    problem: Problem, a: int, candidates: Sequence[Candidate], allowed: Sequence[int]
) -> int:
    """An upper bound on the preference an agent can meet: Σ_d max(0, best shift of day d)."""
    agent = problem.agents[a]
    if not agent.preferences:
        return 0
    best: dict[int, int] = defaultdict(int)
    for c in allowed:
        cand = candidates[c]
        best[cand.day] = max(best[cand.day], preference_of(problem, agent, cand))
    return sum(best.values())


def hint_schedule(
    built: FullModel, chosen: Sequence[Sequence[int]], options: SolveOptions
) -> float | None:
    """Hint a complete solution: the shifts ``chosen``, with every other variable (breaks,
    coverage, slacks) from a solve of the model with those shifts fixed — a small problem.
    Returns that solve's deterministic time, or None (and no hint) when it found nothing."""
    fixed = built.model.clone()
    for x, picked in zip(built.x, chosen, strict=True):
        taken = set(picked)
        for c, var in x.items():
            fixed.add(fixed.get_bool_var_from_proto_index(var.index) == int(c in taken))
    solver = solver_for(options)
    if solver.solve(fixed) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    for i in range(len(built.model.proto.variables)):
        var = built.model.get_int_var_from_proto_index(i)
        built.model.add_hint(var, solver.value(fixed.get_int_var_from_proto_index(i)))
    return float(solver.response_proto.deterministic_time)
