"""Small scheduling problems for the tests (hourly slots keep them fast)."""

from __future__ import annotations

import numpy as np

from contactops.engines.scheduling import (
    Agent,
    BreakRule,
    Problem,
    Requirements,
    Rules,
    ShiftTemplate,
    SolveOptions,
)

HOUR = 60
FAST = SolveOptions(time_limit_s=8.0, seed=7, workers=2)


def hourly(days: int, value: int = 0) -> np.ndarray:
    return np.full((days, 24), value, dtype=np.int64)


def day_shift(
    code: str = "D8", starts: tuple[int, ...] = (7 * HOUR, 8 * HOUR, 9 * HOUR)
) -> ShiftTemplate:
    """8 h day shift with a paid 1 h break 3–5 h in; 20 an hour."""
    return ShiftTemplate(
        code, starts, 8 * HOUR, (BreakRule(HOUR, 3 * HOUR, 5 * HOUR),), cost_per_hour=20.0
    )


def night_shift(code: str = "N8") -> ShiftTemplate:
    """22:00–06:00, no break."""
    return ShiftTemplate(code, (22 * HOUR,), 8 * HOUR, cost_per_hour=25.0)


def office_week(agents: int = 5, days: int = 7, rules: Rules | None = None) -> Problem:
    """Two agents wanted 09:00–17:00 each day, three at 12:00–14:00."""
    required = hourly(days)
    required[:, 9:17] = 2
    required[:, 12:14] = 3
    return Problem(
        Requirements(HOUR, {"": required}),
        (day_shift(),),
        tuple(Agent(f"a{i}", min_hours_per_week=16, max_hours_per_week=40) for i in range(agents)),
        rules or Rules(),
    )
