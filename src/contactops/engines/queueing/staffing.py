"""Evaluate a staffing level, or solve for the fewest agents meeting targets, for any model.

Conventions (all arrays broadcast together; one element = one interval × queue row):

- ``calls`` arrivals in an interval of ``interval_s`` seconds; arrival rate λ = calls / interval_s.
- ``aht_s`` mean handle time; offered load A = λ · aht_s (Erlangs).
- ``concurrency`` k ≥ 1 contacts an agent handles at once (chat); see :mod:`.chat` for the model.
- Results are NumPy arrays; a metric that does not apply to a model is ``None`` in
  :class:`Performance` (e.g. ``p_abandon`` for Erlang C, ``service_level`` for Erlang B).
- Infeasible rows (load ≥ capacity where the model has no steady state, or no staffing up to
  ``max_agents`` meets the targets) are documented per function, never NaN.
- ``service_level`` is reported only when a threshold ``service_level_s`` is given; it follows
  the model's definition (Erlang A: answered within T over all arrivals, see :mod:`.erlang_a`).
- ``patience_s`` is required by Erlang A and ignored by Erlang B and C.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from . import chat
from .erlang import as_count_array, as_float_array, erlang_b, erlang_c
from .erlang_a import erlang_a

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class Model(enum.StrEnum):
    ERLANG_B = "erlang_b"
    ERLANG_C = "erlang_c"
    ERLANG_A = "erlang_a"


@dataclass(frozen=True)
class Targets:
    """What a staffing level must achieve; every field is optional and broadcastable.

    ``service_level`` (fraction answered within ``service_level_s`` seconds), ``asa_s``
    (maximum average speed of answer), ``max_abandon`` (fraction, Erlang A), ``max_occupancy``
    (fraction), ``max_blocking`` (fraction, Erlang B: lines for a blocking target).

    A NaN element means "no such target on this row", so one batch can mix target sets.
    ``service_level_s`` is the threshold T that defines the service level (not a target): it
    must be finite wherever given, and the service level is reported whenever it is given.
    Erlang B accepts only ``max_blocking``; Erlang C all but ``max_abandon`` and
    ``max_blocking``; Erlang A all but ``max_blocking`` (others raise ValueError).
    """

    service_level: npt.ArrayLike | None = None
    service_level_s: npt.ArrayLike | None = None
    asa_s: npt.ArrayLike | None = None
    max_abandon: npt.ArrayLike | None = None
    max_occupancy: npt.ArrayLike | None = None
    max_blocking: npt.ArrayLike | None = None


@dataclass(frozen=True)
class Performance:
    """The staffing (``agents``, lines for Erlang B) and what it achieves, per row."""

    agents: IntArray
    service_level: FloatArray | None
    asa_s: FloatArray | None
    p_wait: FloatArray | None
    p_abandon: FloatArray | None
    occupancy: FloatArray | None
    p_block: FloatArray | None
    feasible: npt.NDArray[np.bool_]


_TARGETS_BY_MODEL = {
    Model.ERLANG_B: {"max_blocking"},
    Model.ERLANG_C: {"service_level", "asa_s", "max_occupancy"},
    Model.ERLANG_A: {"service_level", "asa_s", "max_abandon", "max_occupancy"},
}
_FRACTION_TARGETS = {"service_level", "max_abandon", "max_occupancy", "max_blocking"}


@dataclass(frozen=True)
class _Traffic:
    """Flattened, validated rows: λ, aht, A = λ·aht, patience, k and the SL threshold."""

    rate_per_s: FloatArray
    aht_s: FloatArray
    load: FloatArray
    concurrency: IntArray
    patience_s: FloatArray | None
    service_level_s: FloatArray | None

    def take(self, rows: IntArray) -> _Traffic:
        return _Traffic(
            rate_per_s=self.rate_per_s[rows],
            aht_s=self.aht_s[rows],
            load=self.load[rows],
            concurrency=self.concurrency[rows],
            patience_s=None if self.patience_s is None else self.patience_s[rows],
            service_level_s=None if self.service_level_s is None else self.service_level_s[rows],
        )


def _traffic(
    model: Model,
    shape_inputs: list[npt.NDArray[np.generic]],
    *,
    calls: npt.ArrayLike,
    interval_s: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    patience_s: npt.ArrayLike | None,
    service_level_s: npt.ArrayLike | None,
    concurrency: npt.ArrayLike,
) -> tuple[_Traffic, tuple[int, ...]]:
    """Validate every argument (ValueError naming it) and broadcast all rows to one shape."""
    if model is Model.ERLANG_A and patience_s is None:
        raise ValueError("patience_s is required for Erlang A (mean patience before abandoning)")
    calls_per_interval = as_float_array("calls", calls)
    interval = as_float_array("interval_s", interval_s, positive=True)
    aht = as_float_array("aht_s", aht_s, positive=True)
    k = chat.as_concurrency(concurrency)
    patience = threshold = None
    if model is Model.ERLANG_A and patience_s is not None:
        patience = as_float_array("patience_s", patience_s, positive=True)
    if model is not Model.ERLANG_B and service_level_s is not None:
        threshold = as_float_array("service_level_s", service_level_s)
    optional = [v for v in (patience, threshold) if v is not None]
    shape = np.broadcast_shapes(
        *(v.shape for v in (calls_per_interval, interval, aht, k, *optional, *shape_inputs))
    )
    rate = _flat(calls_per_interval, shape) / _flat(interval, shape)
    traffic = _Traffic(
        rate_per_s=rate,
        aht_s=_flat(aht, shape),
        load=rate * _flat(aht, shape),
        concurrency=np.broadcast_to(k, shape).ravel(),
        patience_s=None if patience is None else _flat(patience, shape),
        service_level_s=None if threshold is None else _flat(threshold, shape),
    )
    return traffic, shape


def _flat(values: FloatArray, shape: tuple[int, ...]) -> FloatArray:
    return np.broadcast_to(values, shape).ravel()


@dataclass(frozen=True)
class _Metrics:
    service_level: FloatArray | None = None
    asa_s: FloatArray | None = None
    p_wait: FloatArray | None = None
    p_abandon: FloatArray | None = None
    occupancy: FloatArray | None = None
    p_block: FloatArray | None = None


def _measure(model: Model, traffic: _Traffic, agents: IntArray) -> tuple[_Metrics, BoolArray]:
    """The model's metrics at ``agents`` (N·k slots) and whether each row has a steady state."""
    servers = agents * traffic.concurrency
    load = traffic.load
    if model is Model.ERLANG_B:
        return _Metrics(p_block=erlang_b(servers, load)), np.ones(servers.shape, dtype=np.bool_)
    if model is Model.ERLANG_C:
        c = erlang_c(servers, load, traffic.aht_s, traffic.service_level_s)
        metrics = _Metrics(
            service_level=c.service_level, asa_s=c.asa_s, p_wait=c.p_wait, occupancy=c.occupancy
        )
        return metrics, c.stable
    assert traffic.patience_s is not None
    threshold = traffic.service_level_s
    a = erlang_a(
        servers,
        traffic.rate_per_s,
        traffic.aht_s,
        traffic.patience_s,
        np.zeros_like(load) if threshold is None else threshold,
    )
    metrics = _Metrics(
        service_level=None if threshold is None else a.service_level,
        asa_s=a.asa_s,
        p_wait=a.p_wait,
        p_abandon=a.p_abandon,
        occupancy=a.occupancy,
    )
    return metrics, np.ones(servers.shape, dtype=np.bool_)


def _performance(
    metrics: _Metrics, agents: IntArray, feasible: BoolArray, shape: tuple[int, ...]
) -> Performance:
    def shaped(value: FloatArray | None) -> FloatArray | None:
        return None if value is None else value.reshape(shape)

    return Performance(
        agents=agents.reshape(shape),
        service_level=shaped(metrics.service_level),
        asa_s=shaped(metrics.asa_s),
        p_wait=shaped(metrics.p_wait),
        p_abandon=shaped(metrics.p_abandon),
        occupancy=shaped(metrics.occupancy),
        p_block=shaped(metrics.p_block),
        feasible=feasible.reshape(shape),
    )


def evaluate(
    model: Model,
    *,
    calls: npt.ArrayLike,
    interval_s: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    agents: npt.ArrayLike,
    patience_s: npt.ArrayLike | None = None,
    service_level_s: npt.ArrayLike | None = None,
    concurrency: npt.ArrayLike = 1,
) -> Performance:
    """What ``agents`` (lines for Erlang B) achieve per row; ``feasible`` = has a steady state.

    Erlang C rows with A ≥ N·k are infeasible and report P(wait) 1, SL 0, ASA +∞, occupancy 1.
    """
    count = as_count_array("agents", agents)
    traffic, shape = _traffic(
        model,
        [count],
        calls=calls,
        interval_s=interval_s,
        aht_s=aht_s,
        patience_s=patience_s,
        service_level_s=service_level_s,
        concurrency=concurrency,
    )
    staffed = np.broadcast_to(count, shape).ravel()
    metrics, stable = _measure(model, traffic, staffed)
    return _performance(metrics, staffed, stable, shape)


# A target counts as met within this relative margin, so that floating-point rounding does not
# cost an agent: 918 calls × 265 s / 1800 s is exactly 135.15 Erlangs, and 159 agents are exactly
# (not 0.8500000000000001) 85 % busy.
TARGET_TOLERANCE = 1e-12

_METRIC_OF_TARGET = {
    "service_level": "service_level",
    "asa_s": "asa_s",
    "max_abandon": "p_abandon",
    "max_occupancy": "occupancy",
    "max_blocking": "p_block",
}


def _target_array(name: str, value: npt.ArrayLike) -> FloatArray:
    """A target: NaN (no target on that row) or a finite value, fractions within [0, 1]."""
    array = np.asarray(value, dtype=np.float64)
    given = array[~np.isnan(array)]
    if np.any(~np.isfinite(given)) or np.any(given < 0.0):
        raise ValueError(f"targets.{name} must be NaN (no target) or a finite number ≥ 0")
    if name in _FRACTION_TARGETS and np.any(given > 1.0):
        raise ValueError(f"targets.{name} is a fraction and must lie in [0, 1]")
    return array


def _goals(model: Model, targets: Targets) -> dict[str, FloatArray]:
    """The targets given for ``model`` (ValueError for one that does not apply to it)."""
    goals: dict[str, FloatArray] = {}
    for field in fields(Targets):
        value = getattr(targets, field.name)
        if value is None or field.name == "service_level_s":
            continue
        if field.name not in _TARGETS_BY_MODEL[model]:
            raise ValueError(f"targets.{field.name} does not apply to {model.value}")
        goals[field.name] = _target_array(field.name, value)
    if "service_level" in goals and targets.service_level_s is None:
        raise ValueError("targets.service_level needs targets.service_level_s (the threshold T)")
    return goals


def _lower_bound(model: Model, traffic: _Traffic, goals: dict[str, FloatArray]) -> IntArray:
    """Agents below which no row can meet its targets (every N < bound fails)."""
    load, k = traffic.load, traffic.concurrency.astype(np.float64)
    bound = np.zeros(load.shape, dtype=np.int64)

    def at_least(slots_needed: FloatArray) -> None:
        # One below the ceiling, so that rounding in the metric never excludes the answer.
        with np.errstate(divide="ignore", invalid="ignore"):
            agents = np.nan_to_num(np.ceil(slots_needed / k) - 1.0, nan=0.0, posinf=2.0**62)
        np.maximum(bound, np.clip(agents, 0, 2**62).astype(np.int64), out=bound)

    if model is Model.ERLANG_C:
        stable = np.floor(np.minimum(load / k, 2.0**62)).astype(np.int64)  # least N: N·k > A
        stable += stable * traffic.concurrency <= load
        stable -= (stable > 0) & ((stable - 1) * traffic.concurrency > load)
        np.maximum(bound, np.where(load > 0.0, stable, 0), out=bound)
    if model is Model.ERLANG_C and "max_occupancy" in goals:  # occupancy = A/(N·k)
        with np.errstate(divide="ignore", invalid="ignore"):
            at_least(np.where(np.isnan(goals["max_occupancy"]), 0.0, load / goals["max_occupancy"]))
    if model is Model.ERLANG_A:  # answered share ≤ N·k/A bounds both SL and 1 − P(abandon)
        if "service_level" in goals:
            at_least(np.nan_to_num(goals["service_level"], nan=0.0) * load)
        if "max_abandon" in goals:
            at_least((1.0 - np.nan_to_num(goals["max_abandon"], nan=1.0)) * load)
    return bound


def _meets(
    model: Model, traffic: _Traffic, goals: dict[str, FloatArray], rows: IntArray, agents: IntArray
) -> BoolArray:
    """Whether ``agents`` meet every target of ``rows`` at once (NaN targets always hold)."""
    metrics, ok = _measure(model, traffic.take(rows), agents)
    for name, goal in goals.items():
        value = getattr(metrics, _METRIC_OF_TARGET[name])
        target = goal[rows]
        if name == "service_level":
            met = value >= target * (1.0 - TARGET_TOLERANCE)
        else:
            met = value <= target * (1.0 + TARGET_TOLERANCE)
        ok = ok & (np.isnan(target) | met)
    return ok


def _search(
    model: Model,
    traffic: _Traffic,
    goals: dict[str, FloatArray],
    lower: IntArray,
    upper: IntArray,
) -> tuple[IntArray, BoolArray]:
    """Fewest agents in [lower, upper] meeting the goals, all rows at once (metrics monotone).

    Phase 1 tries the square-root-staffing guess ⌈(A + √A + 1)/k⌉ and gallops upward in
    doubling steps of ⌈(√A + 1)/k⌉ until a staffing meets the targets; phase 2 bisects the
    bracket. Each step evaluates the model once for every row still open.
    """
    lo, hi = lower.copy(), upper.copy()
    feasible = lo <= hi
    no_goals = np.ones(lo.shape, dtype=np.bool_)
    for goal in goals.values():
        no_goals &= np.isnan(goal)
    k = traffic.concurrency
    root = np.sqrt(traffic.load)
    step = np.maximum(np.ceil((root + 1.0) / k), 1.0).astype(np.int64)
    guess = np.ceil((traffic.load + root + 1.0) / k).astype(np.int64)
    candidate = np.clip(guess, lo, hi)
    open_rows = np.flatnonzero(feasible & ~no_goals & (traffic.load > 0.0))
    while open_rows.size:
        trial = np.minimum(candidate[open_rows], hi[open_rows])
        ok = _meets(model, traffic, goals, open_rows, trial)
        hi[open_rows[ok]] = trial[ok]
        failed, failed_trial = open_rows[~ok], trial[~ok]
        exhausted = failed_trial >= upper[failed]
        feasible[failed[exhausted]] = False
        failed, failed_trial = failed[~exhausted], failed_trial[~exhausted]
        lo[failed] = failed_trial + 1
        candidate[failed] = lo[failed] + step[failed]
        step[failed] *= 2
        open_rows = failed
    active = np.flatnonzero(feasible & (lo < hi) & ~no_goals & (traffic.load > 0.0))
    while active.size:
        middle = (lo[active] + hi[active]) // 2
        ok = _meets(model, traffic, goals, active, middle)
        hi[active[ok]] = middle[ok]
        lo[active[~ok]] = middle[~ok] + 1
        active = active[lo[active] < hi[active]]
    return np.where(feasible, lo, upper), feasible


def required_agents(
    model: Model,
    *,
    calls: npt.ArrayLike,
    interval_s: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    targets: Targets,
    patience_s: npt.ArrayLike | None = None,
    concurrency: npt.ArrayLike = 1,
    max_agents: npt.ArrayLike | None = None,
) -> Performance:
    """The fewest agents (lines for Erlang B) meeting every target of a row at once.

    A target that is NaN on a row does not apply to that row, so one call solves a batch with
    mixed targets. A row with no targets gets the smallest stable staffing (Erlang C:
    ⌊A/k⌋ + 1; Erlang A and B: 0); a row without traffic needs 0 agents. Rows that no staffing
    up to ``max_agents`` satisfies (default ⌈(2A + 100·√A + 100)/k⌉) return ``feasible=False``
    with ``agents = max_agents`` and the metrics that staffing achieves.
    """
    goals = _goals(model, targets)
    limit = None if max_agents is None else as_count_array("max_agents", max_agents)
    traffic, shape = _traffic(
        model,
        [*goals.values(), *([] if limit is None else [limit])],
        calls=calls,
        interval_s=interval_s,
        aht_s=aht_s,
        patience_s=patience_s,
        service_level_s=targets.service_level_s,
        concurrency=concurrency,
    )
    flat_goals = {name: np.broadcast_to(goal, shape).ravel() for name, goal in goals.items()}
    if limit is None:
        slots = 2.0 * traffic.load + 100.0 * np.sqrt(traffic.load) + 100.0
        upper = np.ceil(np.minimum(slots / traffic.concurrency, 2.0**62)).astype(np.int64)
    else:
        upper = np.broadcast_to(limit, shape).ravel().copy()
    lower = _lower_bound(model, traffic, flat_goals)
    lower = np.where(traffic.load > 0.0, lower, 0)
    agents, feasible = _search(model, traffic, flat_goals, lower, upper)
    metrics, _ = _measure(model, traffic, agents)
    return _performance(metrics, agents, feasible, shape)


def scheduled_agents(agents: npt.ArrayLike, shrinkage: npt.ArrayLike) -> IntArray:
    """Scheduled = ⌈N / (1 − shrinkage)⌉, shrinkage ∈ [0, 1) the share of paid time off-phone.

    Quotients within 1e-9 of a whole number count as that number (8 agents at 20 % shrinkage
    schedule 10, not 11, whatever the binary rounding of 0.2).
    """
    count = as_count_array("agents", agents)
    share = as_float_array("shrinkage", shrinkage)
    if np.any(share >= 1.0):
        raise ValueError("shrinkage must lie in [0, 1): the share of paid time not on contacts")
    quotient = count / (1.0 - share)
    return np.ceil(quotient - 1e-9 * np.maximum(quotient, 1.0)).astype(np.int64)
