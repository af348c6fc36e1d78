"""The JSON format of a scheduling problem and of a schedule (see docs/scheduling.md).

``problem_from_mapping`` raises :class:`.problem.ProblemError` whose ``field`` is the path of the
bad value, e.g. ``agents[3].min_hours_per_week``; unknown keys are refused the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from .problem import (
    ANY_SKILL,
    METHODS,
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
from .schedule import Schedule

T = TypeVar("T")
_MISSING = object()


def _object(value: Any, path: str, keys: Sequence[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProblemError(path or "(root)", "must be an object")
    for key in value:
        if key not in keys:
            raise ProblemError(_join(path, str(key)), "unknown field")
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _get(data: Mapping[str, Any], key: str, path: str, default: Any = _MISSING) -> Any:
    if key in data:
        return data[key]
    if default is _MISSING:
        raise ProblemError(_join(path, key), "is required")
    return default


def _int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProblemError(path, "must be an integer")
    return value


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProblemError(path, "must be a number")
    return float(value)


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ProblemError(path, "must be true or false")
    return value


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise ProblemError(path, "must be a string")
    return value


def _list(value: Any, path: str, item: Callable[[Any, str], T]) -> tuple[T, ...]:
    if not isinstance(value, list):
        raise ProblemError(path, "must be a list")
    return tuple(item(v, f"{path}[{i}]") for i, v in enumerate(value))


def _optional(
    data: Mapping[str, Any], key: str, path: str, read: Callable[[Any, str], T]
) -> T | None:
    value = data.get(key)
    return None if value is None else read(value, _join(path, key))


def _grid(value: Any, path: str) -> np.ndarray[Any, np.dtype[np.int64]]:
    rows = _list(value, path, lambda row, p: _list(row, p, _int))
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        raise ProblemError(path, "every day needs the same number of slots")
    return np.array(rows, dtype=np.int64).reshape(len(rows), -1)


def _starts(value: Any, path: str) -> tuple[int, ...]:
    if isinstance(value, list):
        return _list(value, path, _int)
    data = _object(value, path, ("from", "to", "every"))
    first = _int(_get(data, "from", path), _join(path, "from"))
    last = _int(_get(data, "to", path), _join(path, "to"))
    every = _int(_get(data, "every", path), _join(path, "every"))
    if every <= 0:
        raise ProblemError(_join(path, "every"), "must be > 0")
    return tuple(range(first, last + 1, every))


def _break(value: Any, path: str) -> BreakRule:
    keys = ("length_minutes", "earliest_start_minutes", "latest_start_minutes", "paid")
    data = _object(value, path, keys)
    return BreakRule(
        length_minutes=_int(_get(data, "length_minutes", path), _join(path, "length_minutes")),
        earliest_start_minutes=_int(
            _get(data, "earliest_start_minutes", path), _join(path, "earliest_start_minutes")
        ),
        latest_start_minutes=_int(
            _get(data, "latest_start_minutes", path), _join(path, "latest_start_minutes")
        ),
        paid=_bool(data.get("paid", True), _join(path, "paid")),
    )


def _template(value: Any, path: str) -> ShiftTemplate:
    keys = ("code", "start_minutes", "length_minutes", "breaks", "is_night", "cost_per_hour")
    data = _object(value, path, keys)
    return ShiftTemplate(
        code=_str(_get(data, "code", path), _join(path, "code")),
        start_minutes=_starts(_get(data, "start_minutes", path), _join(path, "start_minutes")),
        length_minutes=_int(_get(data, "length_minutes", path), _join(path, "length_minutes")),
        breaks=_list(data.get("breaks", []), _join(path, "breaks"), _break),
        is_night=_optional(data, "is_night", path, _bool),
        cost_per_hour=_number(data.get("cost_per_hour", 0), _join(path, "cost_per_hour")),
    )


def _window(value: Any, path: str) -> TimeWindow:
    data = _object(value, path, ("day", "start_minute", "end_minute"))
    return TimeWindow(
        *(_int(_get(data, k, path), _join(path, k)) for k in ("day", "start_minute", "end_minute"))
    )


def _preference(value: Any, path: str) -> Preference:
    keys = ("weight", "days", "template", "earliest_start_minute", "latest_start_minute")
    data = _object(value, path, keys)
    return Preference(
        weight=_int(_get(data, "weight", path), _join(path, "weight")),
        days=_list(data.get("days", []), _join(path, "days"), _int),
        template=_optional(data, "template", path, _str),
        earliest_start_minute=_int(
            data.get("earliest_start_minute", 0), _join(path, "earliest_start_minute")
        ),
        latest_start_minute=_int(
            data.get("latest_start_minute", 1439), _join(path, "latest_start_minute")
        ),
    )


def _agent(value: Any, path: str) -> Agent:
    keys = (
        "code",
        "skills",
        "min_hours_per_week",
        "max_hours_per_week",
        "available",
        "unavailable",
        "fixed_days_off",
        "templates",
        "preferences",
    )
    data = _object(value, path, keys)
    return Agent(
        code=_str(_get(data, "code", path), _join(path, "code")),
        skills=_list(data.get("skills", []), _join(path, "skills"), _str),
        min_hours_per_week=_number(
            data.get("min_hours_per_week", 0), _join(path, "min_hours_per_week")
        ),
        max_hours_per_week=_optional(data, "max_hours_per_week", path, _number),
        available=_list(data.get("available", []), _join(path, "available"), _window),
        unavailable=_list(data.get("unavailable", []), _join(path, "unavailable"), _window),
        fixed_days_off=_list(data.get("fixed_days_off", []), _join(path, "fixed_days_off"), _int),
        templates=_list(data.get("templates", []), _join(path, "templates"), _str),
        preferences=_list(data.get("preferences", []), _join(path, "preferences"), _preference),
    )


def _rules(value: Any, path: str) -> Rules:
    keys = (
        "max_consecutive_days",
        "min_rest_hours",
        "max_hours_per_week",
        "min_days_off_per_week",
        "fair_weekends",
        "fair_nights",
    )
    data = _object(value, path, keys)
    default = Rules()
    return Rules(
        max_consecutive_days=_optional(data, "max_consecutive_days", path, _int)
        if "max_consecutive_days" in data
        else default.max_consecutive_days,
        min_rest_hours=_optional(data, "min_rest_hours", path, _number)
        if "min_rest_hours" in data
        else default.min_rest_hours,
        max_hours_per_week=_optional(data, "max_hours_per_week", path, _number)
        if "max_hours_per_week" in data
        else default.max_hours_per_week,
        min_days_off_per_week=_optional(data, "min_days_off_per_week", path, _int)
        if "min_days_off_per_week" in data
        else default.min_days_off_per_week,
        fair_weekends=_bool(data.get("fair_weekends", True), _join(path, "fair_weekends")),
        fair_nights=_bool(data.get("fair_nights", True), _join(path, "fair_nights")),
    )


def _weights(value: Any, path: str) -> Weights:
    keys = (
        "contract_shortfall",
        "under_coverage",
        "over_coverage",
        "cost",
        "fairness",
        "preference",
    )
    data = _object(value, path, keys)
    default = Weights()
    return Weights(**{k: _int(data.get(k, getattr(default, k)), _join(path, k)) for k in keys})


def _clock_change(value: Any, path: str) -> ClockChange:
    keys = ("day", "local_minute", "offset_change_minutes")
    data = _object(value, path, keys)
    return ClockChange(*(_int(_get(data, k, path), _join(path, k)) for k in keys))


_TOP = (
    "interval_minutes",
    "first_weekday",
    "clock_changes",
    "requirements",
    "templates",
    "agents",
    "rules",
    "weights",
    "options",
)


def problem_from_mapping(data: Any) -> Problem:
    """Build a :class:`Problem` from the JSON format (a parsed mapping)."""
    top = _object(data, "", _TOP)
    raw = _get(top, "requirements", "")
    if isinstance(raw, list):
        required = {ANY_SKILL: _grid(raw, "requirements")}
    else:
        mapping = _object(raw, "requirements", tuple(raw) if isinstance(raw, Mapping) else ())
        required = {
            _str(k, "requirements"): _grid(v, f"requirements[{k!r}]") for k, v in mapping.items()
        }
    requirements = Requirements(
        interval_minutes=_int(_get(top, "interval_minutes", ""), "interval_minutes"),
        required=required,
        first_weekday=_int(top.get("first_weekday", 0), "first_weekday"),
        clock_changes=_list(top.get("clock_changes", []), "clock_changes", _clock_change),
    )
    problem = Problem(
        requirements=requirements,
        templates=_list(_get(top, "templates", ""), "templates", _template),
        agents=_list(_get(top, "agents", ""), "agents", _agent),
        rules=_rules(top.get("rules", {}), "rules"),
        weights=_weights(top.get("weights", {}), "weights"),
    )
    return problem


def options_from_mapping(data: Any) -> SolveOptions:
    """The optional ``options`` object of a problem file (time limit, seed, workers)."""
    top = _object(data, "", _TOP)
    keys = ("time_limit_s", "deterministic_time_limit", "seed", "workers", "relative_gap", "method")
    raw = _object(top.get("options", {}), "options", keys)
    default = SolveOptions()
    method = _str(raw.get("method", default.method), "options.method")
    if method not in METHODS:
        raise ProblemError("options.method", f"must be one of {', '.join(METHODS)}")
    return SolveOptions(
        time_limit_s=_number(raw.get("time_limit_s", default.time_limit_s), "options.time_limit_s"),
        deterministic_time_limit=_optional(raw, "deterministic_time_limit", "options", _number),
        seed=_int(raw.get("seed", default.seed), "options.seed"),
        workers=_int(raw.get("workers", default.workers), "options.workers"),
        relative_gap=_number(raw.get("relative_gap", 0.0), "options.relative_gap"),
        method=method,
    )


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def schedule_to_mapping(schedule: Schedule) -> dict[str, Any]:
    """The schedule as plain JSON values (NaN and infinite figures become null)."""
    return {
        "status": schedule.status,
        "objective": _finite(schedule.objective),
        "best_bound": _finite(schedule.best_bound),
        "relative_gap": _finite(schedule.relative_gap),
        "wall_time_s": schedule.wall_time_s,
        "objective_parts": dict(schedule.objective_parts),
        "shifts": [
            {
                "agent": s.agent,
                "day": s.day,
                "template": s.template,
                "start_minute": s.start_minute,
                "end_minute": s.end_minute,
                "paid_minutes": s.paid_minutes,
                "breaks": [
                    {"start_minute": b.start_minute, "end_minute": b.end_minute, "paid": b.paid}
                    for b in s.breaks
                ],
            }
            for s in schedule.assignments
        ],
        "coverage": {
            skill: {
                "required": c.required.tolist(),
                "scheduled": c.scheduled.tolist(),
                "under_total": int(c.under.sum()),
                "over_total": int(c.over.sum()),
            }
            for skill, c in schedule.coverage.items()
        },
        "rules": [
            {
                "rule": r.rule,
                "limit": r.limit,
                "tightest": _finite(r.tightest),
                "slack": _finite(r.slack),
                "violations": [_violation(v) for v in r.violations],
            }
            for r in schedule.rule_checks
        ],
        "blocking": [_violation(v) for v in schedule.blocking],
    }


def _violation(v: Any) -> dict[str, Any]:
    return {
        "rule": v.rule,
        "agent": v.agent,
        "amount": v.amount,
        "day": v.day,
        "week": v.week,
        "message": v.message,
    }
