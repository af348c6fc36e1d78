"""Shift scheduling with OR-Tools CP-SAT: who works which shift, breaks placed for coverage.

Public API:

- :mod:`.problem` — the input: :class:`Problem` of :class:`Requirements`, :class:`ShiftTemplate`
  (with :class:`BreakRule`), :class:`Agent`, :class:`Rules`, :class:`Weights`; and
  :class:`SolveOptions`;
- :mod:`.solver` — ``solve(problem, options) -> Schedule``: one model (:mod:`.model`) for small
  problems, for large ones the decomposition of :mod:`.decomposition` (bound from
  :mod:`.relaxation`, first schedule from :mod:`.assignment`, neighbourhood search);
- :mod:`.schedule` — the output: :class:`Schedule`, :class:`ShiftAssignment`, :class:`Coverage`,
  :class:`RuleCheck`, :class:`RuleViolation`;
- :mod:`.rules` — ``check_rules``: the rules checked on any list of shifts;
- :mod:`.shift_counts` — ``solve_shift_counts``: how many shifts of each type start each day
  (no individuals), minimum absolute difference or minimum resources;
- :mod:`.mapping` — the JSON format: ``problem_from_mapping``, ``schedule_to_mapping``.
"""

from .problem import (
    ANY_SKILL,
    Agent,
    BreakRule,
    ClockChange,
    Preference,
    Problem,
    ProblemError,
    Requirements,
    Rules,
    ShiftTemplate,
    SolveOptions,
    TimeWindow,
    Weights,
)
from .rules import check_rules
from .schedule import (
    BreakPlacement,
    Coverage,
    RuleCheck,
    RuleViolation,
    Schedule,
    ShiftAssignment,
    Status,
)
from .solver import solve

__all__ = [
    "ANY_SKILL",
    "Agent",
    "BreakPlacement",
    "BreakRule",
    "ClockChange",
    "Coverage",
    "Preference",
    "Problem",
    "ProblemError",
    "Requirements",
    "RuleCheck",
    "RuleViolation",
    "Rules",
    "Schedule",
    "ShiftAssignment",
    "ShiftTemplate",
    "SolveOptions",
    "Status",
    "TimeWindow",
    "Weights",
    "check_rules",
    "solve",
]
