"""The weekly structure every model shares: same-weekday look-ups, open cells, the horizon.

"The same interval one week earlier" is looked up on *observed* days only: when the day a week
earlier is missing (a holiday absent from the data) the look-up falls back to two weeks
earlier, then three, and so on. The baselines and the error scale of MASE use the same rule,
so a missing day never turns into a forecast or a reference of zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from .series import BoolArray, FloatArray, History, IntArray


@dataclass(frozen=True)
class Horizon:
    """The days to forecast: ``days`` calendar days from ``start``.

    ``closed`` are days known to be closed (events with multiplier 0); models that use the
    business-day calendar (first/last business day of a month) skip them.
    """

    start: date
    days: int
    closed: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.days <= 0:
            raise ValueError(f"days: {self.days} must be at least 1")

    @property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=k) for k in range(self.days)]

    @property
    def weekdays(self) -> IntArray:
        return (self.start.weekday() + np.arange(self.days, dtype=np.int64)) % 7


def same_weekday_rows(history: History, weekday: int, count: int) -> IntArray:
    """The rows of the latest ``count`` observed days with ``weekday``, newest first."""
    rows = np.flatnonzero(history.observed & (history.weekdays == weekday))[::-1]
    return np.asarray(rows[:count], dtype=np.int64)


def open_weekdays(history: History) -> BoolArray:
    """Weekdays with calls on at least one observed day; all True when a weekday is unseen.

    A weekday never observed (less than a week of history) is assumed open: nothing says
    otherwise.
    """
    totals = history.daily_calls
    result = np.ones(7, dtype=bool)
    for weekday in range(7):
        rows = history.observed & (history.weekdays == weekday)
        if rows.any():
            result[weekday] = bool(np.nansum(totals[rows]) > 0)
    return result


def open_cells(history: History) -> BoolArray:
    """(7, slots): weekday × interval cells with calls on at least one observed day.

    Cells never seen with a call forecast exactly 0 (nights and weekends of a center with
    opening hours). A weekday with no observed day takes the union of the other weekdays.
    """
    cells = np.zeros((7, history.slots_per_day), dtype=bool)
    seen = np.zeros(7, dtype=bool)
    observed = history.observed
    for weekday in range(7):
        rows = observed & (history.weekdays == weekday)
        if rows.any():
            seen[weekday] = True
            cells[weekday] = (history.calls[rows] > 0).any(axis=0)
    if not seen.all():
        union = cells[seen].any(axis=0) if seen.any() else np.ones(history.slots_per_day, bool)
        cells[~seen] = union
    return cells


def mask_closed(history: History, horizon: Horizon, forecast: FloatArray) -> FloatArray:
    """``forecast`` with cells never seen open set to 0 and negatives clipped to 0."""
    cells = open_cells(history)[horizon.weekdays]
    return np.asarray(np.where(cells, np.maximum(forecast, 0.0), 0.0), dtype=np.float64)
