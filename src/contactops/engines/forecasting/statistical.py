"""MSTL (statsforecast) on the open-hours-only series, with daily and weekly seasonality.

The history is cut to the intervals that are ever open and the weekdays that are ever open, and
concatenated day after day: a center open 07:00–21:00 on weekdays becomes a series with 29
half-hours a day and 5 days a week, whose seasonal lengths are m₁ = 29 (a day) and m₂ = 145 (a
week). Closed nights and weekends, which carry no information and would swamp a 24 × 7 series
with zeros, are left out and forecast as 0. A missing day (holiday) is filled with the same
weekday a week earlier (later when there is none) so the seasonal cycles stay aligned.

MSTL (Bandara, Hyndman & Bergmeir 2021) removes each seasonality by STL in turn and forecasts the
seasonally adjusted rest with AutoETS; statsforecast's implementation is used as is. The last
``MSTL_WEEKS`` weeks are fitted; with less than two weeks of open days the weekday profile
is used instead.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .baselines import weekday_profile
from .series import FloatArray, History, IntArray
from .weekly import Horizon, open_cells, open_weekdays

MSTL_WEEKS = 12


# (series, steps, seasonal lengths) -> mean forecast of the next ``steps`` values
SeriesForecaster = Callable[[FloatArray, int, list[int]], FloatArray]


def mstl(history: History, horizon: Horizon) -> FloatArray:
    """Point forecast of statsforecast's ``MSTL(season_length=[m₁, m₂])`` on open hours."""
    return on_open_hours(history, horizon, _mstl_forecaster)


def _mstl_forecaster(series: FloatArray, steps: int, seasons: list[int]) -> FloatArray:
    from statsforecast.models import MSTL  # a heavy import, paid only when MSTL is used

    mean = MSTL(season_length=seasons).forecast(y=series, h=steps)["mean"]
    return np.asarray(mean, dtype=np.float64)


def on_open_hours(history: History, horizon: Horizon, forecaster: SeriesForecaster) -> FloatArray:
    """Run a univariate ``forecaster`` on the open-hours series and put its values back on
    the days × intervals grid (closed cells 0). Falls back to the weekday profile with less
    than two weeks of open days."""
    slots = np.flatnonzero(open_cells(history).any(axis=0))
    weekdays = np.flatnonzero(open_weekdays(history))
    rows = _open_rows(history, weekdays)
    per_day, per_week = len(slots), len(slots) * len(weekdays)
    if len(slots) == 0 or len(rows) < 2 * len(weekdays) or per_week < 2:
        return weekday_profile(history, horizon)
    series = _filled(history, rows)[:, slots].reshape(-1).astype(np.float64)
    seasons = sorted({m for m in (per_day, per_week) if m > 1})
    gap_days = max(0, (horizon.start - history.end_date).days)
    all_weekdays = (history.end_date.weekday() + np.arange(gap_days + horizon.days)) % 7
    is_open = np.isin(all_weekdays, weekdays)
    mean = forecaster(series, int(is_open.sum()) * per_day, seasons)
    out = np.zeros((gap_days + horizon.days, history.slots_per_day))
    out[np.ix_(np.flatnonzero(is_open), slots)] = mean.reshape(-1, per_day)
    return np.asarray(np.maximum(out[gap_days:], 0.0), dtype=np.float64)


def _open_rows(history: History, weekdays: IntArray) -> IntArray:
    """Rows of the last MSTL_WEEKS weeks whose weekday is open, from the first observed one."""
    first = max(0, history.days - 7 * MSTL_WEEKS)
    rows = np.arange(first, history.days)
    rows = rows[np.isin(history.weekdays[rows], weekdays)]
    observed = np.flatnonzero(history.observed[rows])
    if len(observed) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(rows[observed[0] :], dtype=np.int64)


def _filled(history: History, rows: IntArray) -> FloatArray:
    """calls[rows] with missing days replaced by the nearest observed same weekday."""
    calls = history.calls
    observed = history.observed
    out = calls[rows].copy()
    for position, row in enumerate(rows.tolist()):
        if observed[row]:
            continue
        candidates = [r for r in range(row % 7, history.days, 7) if observed[r]]
        if candidates:
            nearest = min(candidates, key=lambda r: (abs(r - row), r > row))
            out[position] = calls[nearest]
        else:
            out[position] = 0.0
    return out
