"""The shift-count problem (no individuals): both objectives, breaks and flexible starts."""

from __future__ import annotations

import numpy as np

from contactops.engines.scheduling import BreakRule, Requirements, ShiftTemplate
from contactops.engines.scheduling.shift_counts import solve_shift_counts

from .builders import FAST, HOUR, hourly


def _requirements() -> Requirements:
    required = hourly(2)
    required[:, 8:20] = 2
    required[:, 11:15] = 4
    return Requirements(HOUR, {"": required})


def test_min_resources_never_under_covers() -> None:
    templates = (ShiftTemplate("D", tuple(range(6 * HOUR, 13 * HOUR, HOUR)), 8 * HOUR),)
    result = solve_shift_counts(_requirements(), templates, "min_resources", options=FAST)
    assert result.status == "optimal"
    assert result.coverage.under.sum() == 0
    # 19:00 needs 2 shifts starting at 12:00 (the latest start), which miss 11:00, where 4 more
    # are needed: 6 shifts a day.
    assert result.total_shifts == 12
    assert sum(s.count for s in result.shifts if s.day == 0 and s.start_minute == 12 * HOUR) == 2


def test_min_abs_difference_balances_under_and_over() -> None:
    templates = (ShiftTemplate("D", (8 * HOUR,), 8 * HOUR),)
    result = solve_shift_counts(_requirements(), templates, "min_abs_difference", options=FAST)
    cover = result.coverage
    assert result.objective == cover.under.sum() + cover.over.sum()
    assert np.array_equal(cover.scheduled[0] > 0, np.arange(24) // 8 == 1)


def test_flexible_starts_and_breaks_cut_over_coverage() -> None:
    fixed = (ShiftTemplate("F", (8 * HOUR, 12 * HOUR), 8 * HOUR),)
    flexible = (
        ShiftTemplate(
            "B",
            tuple(range(6 * HOUR, 13 * HOUR, HOUR)),
            8 * HOUR,
            (BreakRule(HOUR, 2 * HOUR, 5 * HOUR),),
        ),
    )
    rigid = solve_shift_counts(_requirements(), fixed, "min_resources", options=FAST)
    smooth = solve_shift_counts(_requirements(), flexible, "min_resources", options=FAST)
    assert smooth.coverage.under.sum() == rigid.coverage.under.sum() == 0
    assert smooth.coverage.over.sum() < rigid.coverage.over.sum()
