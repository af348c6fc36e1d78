"""Intraday profile: the share of a day's calls that falls in each wall-clock interval.

For weekday w and interval i, over the latest ``PROFILE_DAYS`` observed days k with weekday w and
calls:

    s_w(i) = Σ_k ω_k · y_k(i) / T_k  ÷  Σ_k ω_k,      ω_k = 2^(−age_k / HALF_LIFE_WEEKS)

(T_k the day's total, age in weeks before the forecast origin). With few calls the shares are
noisy, so they are shrunk towards the profile of all weekdays pooled, s_all, by the number of
calls behind them:

    s̃_w(i) = (C_w · s_w(i) + κ · s_all(i)) / (C_w + κ),   C_w = Σ_k ω_k T_k,
    κ = PSEUDO_CALLS_PER_INTERVAL × (open intervals of w)

and set to 0 on cells never seen open, then renormalised to Σ_i s̃_w(i) = 1.
"""

from __future__ import annotations

import numpy as np

from .series import FloatArray, History, IntArray
from .weekly import open_cells, same_weekday_rows

PROFILE_DAYS = 8
HALF_LIFE_WEEKS = 8.0
PSEUDO_CALLS_PER_INTERVAL = 10.0


def intraday_shares(history: History) -> FloatArray:
    """(7, slots) shares per weekday; each open weekday's row sums to 1, unseen rows to the pool."""
    cells = open_cells(history)
    pooled, _ = _weighted_shares(history, _recent_rows(history, 7 * PROFILE_DAYS))
    shares = np.zeros((7, history.slots_per_day))
    for weekday in range(7):
        rows = same_weekday_rows(history, weekday, PROFILE_DAYS)
        rows = rows[history.daily_calls[rows] > 0]
        own, calls = _weighted_shares(history, rows)
        kappa = PSEUDO_CALLS_PER_INTERVAL * max(1, int(cells[weekday].sum()))
        mixed = (calls * own + kappa * pooled) / (calls + kappa)
        mixed = np.where(cells[weekday], mixed, 0.0)
        total = mixed.sum()
        shares[weekday] = mixed / total if total > 0 else 0.0
    return shares


def _recent_rows(history: History, count: int) -> IntArray:
    rows = np.flatnonzero(history.observed & (np.nan_to_num(history.daily_calls) > 0))
    return np.asarray(rows[::-1][:count], dtype=np.int64)


def _weighted_shares(history: History, rows: IntArray) -> tuple[FloatArray, float]:
    """(Σ ω_k y_k / T_k ÷ Σ ω_k, Σ ω_k T_k); uniform shares and 0 calls without rows."""
    slots = history.slots_per_day
    if len(rows) == 0:
        return np.full(slots, 1.0 / slots), 0.0
    totals = history.daily_calls[rows]
    age_weeks = (history.days - rows) / 7.0
    weights = 2.0 ** (-age_weeks / HALF_LIFE_WEEKS)
    shares = history.calls[rows] / totals[:, None]
    mean = (weights[:, None] * shares).sum(axis=0) / weights.sum()
    return np.asarray(mean, dtype=np.float64), float((weights * totals).sum())
