"""A queue's history on a local wall-clock grid: one row per calendar day, one column per interval.

``calls[d, i]`` is the number of contacts that arrived on day ``d`` in the local wall-clock interval
``[i·Δ, (i + 1)·Δ)`` after midnight (Δ = ``interval_minutes``). Rows are whole days, so "the same
interval one week earlier" is ``calls[d − 7, i]`` and a weekday × time-of-day profile is a mean
over rows. Working on wall-clock time is what makes the grid DST-safe: a center open 08:00–18:00
is open 08:00–18:00 local on both sides of a clock change (see :mod:`.wall_clock`).

Three kinds of "nothing" are kept apart when rows are read (:func:`history_from_rows`):

- an interval without a row on a day that has rows is **0** (closed, or no contact arrived);
- a day without any row whose weekday is normally open (rows on at least half of that weekday's
  dates in the span) is **missing**: the whole row is NaN (a holiday or a gap in the data) and is
  left out of fitting and of error measures;
- a day without rows whose weekday is normally closed (weekends of a weekday center) is **0**.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property

import numpy as np
import numpy.typing as npt

from .wall_clock import impute_skipped_intervals, wall_clock_exposure

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DateTimeArray = npt.NDArray[np.datetime64]

MINUTES_PER_DAY = 1440


def check_interval_minutes(interval_minutes: int) -> None:
    """ValueError unless ``interval_minutes`` is a positive divisor of a day (1440 minutes)."""
    if interval_minutes <= 0 or MINUTES_PER_DAY % interval_minutes:
        raise ValueError(f"interval_minutes: {interval_minutes} must be a positive divisor of 1440")


@dataclass(frozen=True)
class History:
    """Calls (and optionally handle time) of one queue, days × wall-clock intervals.

    ``calls`` has shape ``(days, 1440 // interval_minutes)``; a NaN row is a missing day.
    ``aht_s`` (same shape, optional) is the mean handle time of the interval's contacts, NaN
    where none was handled or nothing is known.
    """

    queue: str
    first_date: date
    interval_minutes: int
    calls: FloatArray
    aht_s: FloatArray | None = None

    def __post_init__(self) -> None:
        check_interval_minutes(self.interval_minutes)
        if self.calls.ndim != 2 or self.calls.shape[1] != self.slots_per_day:
            raise ValueError(f"calls: shape {self.calls.shape} is not (days, {self.slots_per_day})")
        if self.aht_s is not None and self.aht_s.shape != self.calls.shape:
            raise ValueError(f"aht_s: shape {self.aht_s.shape} differs from calls")

    @property
    def slots_per_day(self) -> int:
        return MINUTES_PER_DAY // self.interval_minutes

    @property
    def days(self) -> int:
        return int(self.calls.shape[0])

    @property
    def end_date(self) -> date:
        """The day after the last day of the history."""
        return self.first_date + timedelta(days=self.days)

    @cached_property
    def weekdays(self) -> IntArray:
        """Monday = 0 … Sunday = 6, per row."""
        return (self.first_date.weekday() + np.arange(self.days, dtype=np.int64)) % 7

    @cached_property
    def observed(self) -> BoolArray:
        """True on days that are not missing."""
        return np.asarray(~np.isnan(self.calls).any(axis=1))

    @cached_property
    def daily_calls(self) -> FloatArray:
        """Σ_i calls[d, i] per day; NaN on missing days."""
        return np.asarray(self.calls.sum(axis=1), dtype=np.float64)

    def date_at(self, row: int) -> date:
        return self.first_date + timedelta(days=int(row))

    def row_of(self, day: date) -> int:
        """The row index of ``day`` (may be negative or ≥ ``days`` when outside)."""
        return (day - self.first_date).days

    def until(self, day: date) -> History:
        """The history strictly before ``day`` (what a forecast made on ``day`` may use)."""
        stop = max(0, min(self.days, self.row_of(day)))
        return replace(
            self,
            calls=self.calls[:stop],
            aht_s=None if self.aht_s is None else self.aht_s[:stop],
        )

    def actual(self, start: date, days: int) -> FloatArray:
        """Calls on ``days`` days from ``start``; NaN rows for days outside the history."""
        out = np.full((days, self.slots_per_day), np.nan)
        first = self.row_of(start)
        for offset in range(days):
            row = first + offset
            if 0 <= row < self.days:
                out[offset] = self.calls[row]
        return out

    def without_days(self, days: Sequence[date]) -> History:
        """The same history with ``days`` marked missing (known events left out of fitting)."""
        rows = [r for r in (self.row_of(d) for d in days) if 0 <= r < self.days]
        if not rows:
            return self
        calls = self.calls.copy()
        calls[rows] = np.nan
        aht_s = None
        if self.aht_s is not None:
            aht_s = self.aht_s.copy()
            aht_s[rows] = np.nan
        return replace(self, calls=calls, aht_s=aht_s)

    def aggregated(self, interval_minutes: int) -> History:
        """The history on coarser intervals: calls summed, AHT weighted by calls.

        aht(J) = Σ_{i∈J} calls_i·aht_i / Σ_{i∈J} calls_i over the sub-intervals with a known AHT.
        """
        check_interval_minutes(interval_minutes)
        if interval_minutes == self.interval_minutes:
            return self
        if interval_minutes % self.interval_minutes:
            raise ValueError(
                f"interval_minutes: {interval_minutes} is not a multiple of the history's "
                f"{self.interval_minutes}"
            )
        factor = interval_minutes // self.interval_minutes
        shape = (self.days, MINUTES_PER_DAY // interval_minutes, factor)
        calls = self.calls.reshape(shape).sum(axis=2)
        aht_s = None
        if self.aht_s is not None:
            aht_s = _weighted_mean(self.aht_s.reshape(shape), self.calls.reshape(shape))
        return replace(self, interval_minutes=interval_minutes, calls=calls, aht_s=aht_s)


def _weighted_mean(values: FloatArray, weights: FloatArray) -> FloatArray:
    """Σ w·v / Σ w over the last axis, ignoring NaN values; NaN where Σ w = 0."""
    known = ~np.isnan(values) & ~np.isnan(weights)
    w = np.where(known, weights, 0.0)
    total = w.sum(axis=2)
    weighted = np.where(known, values * w, 0.0).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(total > 0, weighted / total, np.nan), dtype=np.float64)


def as_minutes(starts: Sequence[datetime] | DateTimeArray) -> npt.NDArray[np.int64]:
    """Local naive interval starts as integer minutes since 1970-01-01 00:00 (wall clock)."""
    array = np.asarray(starts, dtype="datetime64[m]")
    return array.astype(np.int64)


def history_from_rows(
    starts: Sequence[datetime] | DateTimeArray,
    calls: npt.ArrayLike,
    *,
    interval_minutes: int,
    queue: str = "",
    aht_s: npt.ArrayLike | None = None,
    time_zone: str | None = None,
) -> History:
    """Rows (local naive interval start, calls, optional aht_s) of one queue as a :class:`History`.

    Rows are floored to ``interval_minutes`` (finer rows are summed, AHT weighted by calls).
    With ``time_zone`` (IANA name) the two clock-change days are corrected: on the night clocks
    go back the repeated wall-clock interval held two real intervals, so its calls are halved
    (a per-real-interval rate); on the night they go forward the skipped interval is filled
    with the same interval a week earlier (later when absent). Forecasts then scale back by
    the same exposure. Without ``time_zone`` rows are taken as they are.
    """
    check_interval_minutes(interval_minutes)
    minutes = as_minutes(starts)
    counts = np.asarray(calls, dtype=np.float64)
    if minutes.shape != counts.shape:
        raise ValueError("calls: one value per start is required")
    if minutes.size == 0:
        raise ValueError("starts: a history needs at least one row")
    if np.any(counts < 0):
        raise ValueError("calls: counts must not be negative")
    day_index = minutes // MINUTES_PER_DAY
    first_day = int(day_index.min())
    days = int(day_index.max()) - first_day + 1
    slots = MINUTES_PER_DAY // interval_minutes
    row = day_index - first_day
    slot = (minutes % MINUTES_PER_DAY) // interval_minutes
    grid = np.zeros((days, slots))
    np.add.at(grid, (row, slot), counts)
    seen = np.zeros(days, dtype=bool)
    seen[row] = True
    first_date = date(1970, 1, 1) + timedelta(days=first_day)
    grid[_missing_days(seen, first_date)] = np.nan
    aht_grid = None
    if aht_s is not None:
        aht_grid = _aht_grid(np.asarray(aht_s, dtype=np.float64), counts, row, slot, grid)
    if time_zone is not None:
        exposure = wall_clock_exposure(first_date, days, interval_minutes, time_zone)
        grid = impute_skipped_intervals(grid, exposure)
        with np.errstate(invalid="ignore", divide="ignore"):
            grid = np.where(exposure > 1, grid / exposure, grid)
    return History(queue, first_date, interval_minutes, grid, aht_grid)


def _missing_days(seen: BoolArray, first_date: date) -> BoolArray:
    """Days without rows whose weekday has rows on at least half of its dates in the span."""
    weekdays = (first_date.weekday() + np.arange(len(seen))) % 7
    open_weekday = np.zeros(7, dtype=bool)
    for weekday in range(7):
        dates = weekdays == weekday
        if dates.any():
            open_weekday[weekday] = seen[dates].mean() >= 0.5
    return np.asarray(~seen & open_weekday[weekdays])


def _aht_grid(
    aht_s: FloatArray, counts: FloatArray, row: IntArray, slot: IntArray, calls: FloatArray
) -> FloatArray:
    """Calls-weighted mean handle time per cell; NaN where no call has a known AHT."""
    if aht_s.shape != counts.shape:
        raise ValueError("aht_s: one value per start is required")
    known = ~np.isnan(aht_s) & (counts > 0)
    weight = np.zeros(calls.shape)
    weighted = np.zeros(calls.shape)
    np.add.at(weight, (row[known], slot[known]), counts[known])
    np.add.at(weighted, (row[known], slot[known]), counts[known] * aht_s[known])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(weight > 0, weighted / weight, np.nan), dtype=np.float64)


def histories_from_rows(
    starts: Sequence[datetime] | DateTimeArray,
    queues: Sequence[str] | npt.NDArray[np.str_],
    calls: npt.ArrayLike,
    *,
    interval_minutes: int,
    aht_s: npt.ArrayLike | None = None,
    time_zone: str | None = None,
) -> dict[str, History]:
    """One :class:`History` per queue from long rows (start, queue, calls, optional aht_s)."""
    minutes = np.asarray(starts, dtype="datetime64[m]")
    names = np.asarray(queues, dtype=str)
    counts = np.asarray(calls, dtype=np.float64)
    handle = None if aht_s is None else np.asarray(aht_s, dtype=np.float64)
    if not (minutes.shape == names.shape == counts.shape):
        raise ValueError("starts, queues and calls must have one value per row")
    result: dict[str, History] = {}
    for name in sorted(set(names.tolist())):
        rows = names == name
        result[name] = history_from_rows(
            minutes[rows],
            counts[rows],
            interval_minutes=interval_minutes,
            queue=name,
            aht_s=None if handle is None else handle[rows],
            time_zone=time_zone,
        )
    return result
