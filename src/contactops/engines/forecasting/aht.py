"""Average handle time per weekday × interval: a calls-weighted profile shrunk where data are thin.

Over the last ``AHT_WEEKS`` weeks of observed days, with c the calls and a the AHT of a cell:

    μ      = Σ c·a / Σ c                                   (the queue's mean)
    a(i)   = (Σ_{d} c·a + κ·μ)    / (Σ_{d} c + κ)          (interval profile, all weekdays)
    a(w,i) = (Σ_{d∈w} c·a + κ·a(i)) / (Σ_{d∈w} c + κ)      (weekday × interval)

κ = ``PSEUDO_CALLS`` acts as that many calls at the coarser level's AHT: a cell with thousands of
calls keeps its own mean, a cell with three calls is mostly the interval's or the queue's mean.
Weighting by calls makes the profile the AHT of the calls, not the mean of interval averages.
"""

from __future__ import annotations

import numpy as np

from .series import FloatArray, History

AHT_WEEKS = 8
PSEUDO_CALLS = 30.0


def aht_profile(history: History) -> FloatArray | None:
    """(7, slots) AHT in seconds; None without handle times, NaN when none is known at all."""
    if history.aht_s is None:
        return None
    rows = np.flatnonzero(history.observed)
    rows = rows[rows >= history.days - 7 * AHT_WEEKS]
    calls, aht_s = history.calls[rows], history.aht_s[rows]
    known = ~np.isnan(aht_s) & (calls > 0)
    weight = np.where(known, calls, 0.0)
    weighted = np.where(known, calls * aht_s, 0.0)
    if weight.sum() <= 0:
        return np.full((7, history.slots_per_day), np.nan)
    queue_mean = weighted.sum() / weight.sum()
    by_interval = (weighted.sum(axis=0) + PSEUDO_CALLS * queue_mean) / (
        weight.sum(axis=0) + PSEUDO_CALLS
    )
    profile = np.empty((7, history.slots_per_day))
    weekdays = history.weekdays[rows]
    for weekday in range(7):
        on = weekdays == weekday
        profile[weekday] = (weighted[on].sum(axis=0) + PSEUDO_CALLS * by_interval) / (
            weight[on].sum(axis=0) + PSEUDO_CALLS
        )
    return profile
