"""A solved schedule: shifts with their breaks, coverage, the rules' slack, the solver's figures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .problem import IntArray


@dataclass(frozen=True, slots=True)
class BreakPlacement:
    """A break from ``start_minute`` to ``end_minute`` after midnight of the shift's day."""

    start_minute: int
    end_minute: int
    paid: bool


@dataclass(frozen=True, slots=True)
class ShiftAssignment:
    """``agent`` works ``template`` on ``day`` from ``start_minute`` to ``end_minute`` (minutes
    after midnight of ``day``; past 1440 the shift ends the next day)."""

    agent: str
    day: int
    template: str
    start_minute: int
    end_minute: int
    breaks: tuple[BreakPlacement, ...]
    paid_minutes: int


@dataclass(frozen=True, slots=True)
class Coverage:
    """Agents on duty (on a shift, not on a break) counted for ``skill`` per slot
    (``days × slots``), against the requirement. under = max(required − scheduled, 0),
    over = max(scheduled − required, 0)."""

    skill: str
    required: IntArray
    scheduled: IntArray

    @property
    def under(self) -> IntArray:
        under: IntArray = np.maximum(self.required - self.scheduled, 0)
        return under

    @property
    def over(self) -> IntArray:
        over: IntArray = np.maximum(self.scheduled - self.required, 0)
        return over


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """``rule`` broken for ``agent`` (or all agents when empty) on ``day`` or in ``week``
    by ``amount`` (in the rule's unit)."""

    rule: str
    agent: str
    amount: float
    day: int | None = None
    week: int | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """The tightest value of ``rule`` over the schedule and its ``slack`` (how far from the
    limit; negative means broken, with the breaches in ``violations``)."""

    rule: str
    limit: float
    tightest: float
    slack: float
    violations: tuple[RuleViolation, ...] = ()


class Status:
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Schedule:
    """``status`` is one of :class:`Status`. When infeasible, ``blocking`` names the rules and
    agents that make it so, and ``assignments`` is the least-violating schedule (if any).
    ``relative_gap`` = |objective − best_bound| / max(1, |objective|)."""

    status: str
    assignments: tuple[ShiftAssignment, ...]
    coverage: Mapping[str, Coverage]
    rule_checks: tuple[RuleCheck, ...]
    objective_parts: Mapping[str, float]
    objective: float
    best_bound: float
    relative_gap: float
    wall_time_s: float
    blocking: tuple[RuleViolation, ...] = ()

    @property
    def feasible(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)
