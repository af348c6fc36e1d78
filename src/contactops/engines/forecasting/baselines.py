"""The baselines every model must beat, per day d of the horizon and wall-clock interval i.

- seasonal naive by week: ŷ(d, i) = y(d − 7k, i), k ≥ 1 the smallest with day d − 7k observed
  and before the forecast origin (a week earlier; two weeks earlier when that day is missing);
- mean of the previous four weeks: ŷ(d, i) = ¼ Σ y(d′, i) over the latest four observed days
  d′ with the weekday of d (fewer when the history is shorter);
- weekday × interval profile: ŷ(d, i) = mean of y(d′, i) over every observed day d′ with the
  weekday of d in the last 52 weeks — the long-run profile, and the model of last resort.

A weekday never observed falls back to the mean over all observed days; no observed day at all
gives zeros. None of them can fail on short or gappy histories.
"""

from __future__ import annotations

import numpy as np

from .series import FloatArray, History
from .weekly import Horizon, same_weekday_rows

PROFILE_WEEKS = 52


def seasonal_naive_week(history: History, horizon: Horizon) -> FloatArray:
    """ŷ(d, i) = y(latest observed day with the weekday of d, i)."""
    return _same_weekday_mean(history, horizon, 1)


def mean_of_four_weeks(history: History, horizon: Horizon) -> FloatArray:
    """ŷ(d, i) = mean of y(·, i) over the latest four observed days with the weekday of d."""
    return _same_weekday_mean(history, horizon, 4)


def weekday_profile(history: History, horizon: Horizon) -> FloatArray:
    """ŷ(d, i) = mean of y(·, i) over the observed days with the weekday of d (last 52 weeks)."""
    return _same_weekday_mean(history, horizon, PROFILE_WEEKS)


def _same_weekday_mean(history: History, horizon: Horizon, count: int) -> FloatArray:
    out = np.zeros((horizon.days, history.slots_per_day))
    fallback = all_days_mean(history)
    for offset, weekday in enumerate(horizon.weekdays.tolist()):
        rows = same_weekday_rows(history, weekday, count)
        out[offset] = history.calls[rows].mean(axis=0) if len(rows) else fallback
    return out


def all_days_mean(history: History) -> FloatArray:
    """Mean of y(·, i) over the last 52 weeks' observed days; zeros without any."""
    recent = history.calls[-7 * PROFILE_WEEKS :]
    rows = ~np.isnan(recent).any(axis=1)
    if not rows.any():
        return np.zeros(history.slots_per_day)
    return np.asarray(recent[rows].mean(axis=0), dtype=np.float64)
