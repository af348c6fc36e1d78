"""Forecast error measures over the cells where the actual is known (missing days are skipped).

- WAPE = Σ|y − ŷ| / Σy (weighted absolute percentage error; busy intervals weigh more);
- bias = Σ(ŷ − y) / Σy (> 0: over-forecast);
- MASE = mean|y − ŷ| / q, with q the in-sample MAE of the seasonal naive by week on the
  training history: q = mean over open cells of |y(d, i) − y(d′, i)|, d′ the latest observed
  day with the weekday of d before d (Hyndman & Koehler 2006, with weekly seasonality). MASE
  < 1: better than the seasonal naive was in sample. Both means run over the open cells
  (weekday × interval cells ever seen with calls), so a center's closed nights do not dilute
  the measure.
"""

from __future__ import annotations

import numpy as np

from .series import BoolArray, FloatArray, History
from .weekly import open_cells


def wape(actual: FloatArray, forecast: FloatArray) -> float:
    """Σ|y − ŷ| / Σy over known actuals; NaN when Σy = 0."""
    known = ~np.isnan(actual)
    total = float(actual[known].sum())
    if total <= 0:
        return float("nan")
    return float(np.abs(actual[known] - forecast[known]).sum()) / total


def bias(actual: FloatArray, forecast: FloatArray) -> float:
    """Σ(ŷ − y) / Σy over known actuals; NaN when Σy = 0."""
    known = ~np.isnan(actual)
    total = float(actual[known].sum())
    if total <= 0:
        return float("nan")
    return float((forecast[known] - actual[known]).sum()) / total


def seasonal_naive_scale(history: History) -> float:
    """q = mean |y(d, i) − y(d′, i)| over open cells, d′ the latest observed same weekday < d.

    NaN when no day has an earlier observed same weekday (less than a week of history).
    """
    cells = open_cells(history)
    total, count = 0.0, 0
    for weekday in range(7):
        rows = np.flatnonzero(history.observed & (history.weekdays == weekday))
        if len(rows) < 2:
            continue
        later = history.calls[rows[1:]][:, cells[weekday]]
        earlier = history.calls[rows[:-1]][:, cells[weekday]]
        total += float(np.abs(later - earlier).sum())
        count += later.size
    return total / count if count else float("nan")


def open_mask(history: History, weekdays: np.ndarray) -> BoolArray:
    """(days, slots) open cells for days with the given weekdays."""
    return np.asarray(open_cells(history)[weekdays], dtype=bool)


def mase(actual: FloatArray, forecast: FloatArray, scale: float, mask: BoolArray) -> float:
    """mean|y − ŷ| / q over known actuals in ``mask``; NaN when q is 0 or unknown."""
    known = ~np.isnan(actual) & mask
    if not known.any() or not scale > 0:
        return float("nan")
    return float(np.abs(actual[known] - forecast[known]).mean()) / scale
