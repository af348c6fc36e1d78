"""The models by name: each maps a history and a horizon to expected calls per day × interval.

| name | ŷ(d, i) |
|---|---|
| ``seasonal_naive_week`` | y(d − 7k, i), the latest observed same weekday |
| ``mean_4_weeks`` | mean over the latest four observed same weekdays |
| ``weekday_profile`` | mean over every observed same weekday (52 weeks) |
| ``level_profile`` | T̂_d × s_w(d)(i): daily level × weekday (ETS-like) × intraday share |
| ``calendar_profile`` | the same with the monthly cycle and business-day terms in T̂_d |
| ``mstl`` | statsforecast MSTL on the open-hours series (daily and weekly seasonality) |

T̂_d comes from :mod:`.daily_level`, s from :mod:`.profile`. Every model returns an array of
shape (horizon.days, slots), ≥ 0, with 0 on cells never seen open; the wall-clock exposure
and event multipliers are applied afterwards by :mod:`.forecast`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

import numpy as np

from .baselines import mean_of_four_weeks, seasonal_naive_week, weekday_profile
from .daily_level import daily_totals
from .profile import intraday_shares
from .series import FloatArray, History
from .statistical import mstl
from .weekly import Horizon, mask_closed

PointModel = Callable[[History, Horizon], FloatArray]


def level_profile(history: History, horizon: Horizon) -> FloatArray:
    """ŷ(d, i) = T̂_d · s_{w(d)}(i), T̂ with weekday effects and a smoothed level only."""
    totals, _ = daily_totals(history, horizon, calendar_terms=False)
    return totals[:, None] * intraday_shares(history)[horizon.weekdays]


def calendar_profile(history: History, horizon: Horizon) -> FloatArray:
    """ŷ(d, i) = T̂_d · s_{w(d)}(i), T̂ with the monthly cycle and business-day terms too."""
    totals, _ = daily_totals(history, horizon, calendar_terms=True)
    return totals[:, None] * intraday_shares(history)[horizon.weekdays]


MODELS: Mapping[str, PointModel] = MappingProxyType(
    {
        "seasonal_naive_week": seasonal_naive_week,
        "mean_4_weeks": mean_of_four_weeks,
        "weekday_profile": weekday_profile,
        "level_profile": level_profile,
        "calendar_profile": calendar_profile,
        "mstl": mstl,
    }
)
BASELINES = ("seasonal_naive_week", "mean_4_weeks", "weekday_profile")
# What "auto" compares by default: every model but MSTL, whose fits cost about a hundred times
# more than the rest together (see benchmarks/forecasting.py); name it to include it.
AUTO_CANDIDATES = (*BASELINES, "level_profile", "calendar_profile")
FALLBACK_MODEL = "weekday_profile"
# The model "auto" keeps unless a candidate clearly beats it (see backtest.choose_model).
PRIMARY_MODEL = "calendar_profile"


def point_forecast(model: str, history: History, horizon: Horizon) -> FloatArray:
    """``model``'s expected calls, (horizon.days, slots), closed cells 0; ValueError if unknown."""
    try:
        function = MODELS[model]
    except KeyError:
        raise ValueError(f"model: unknown {model!r}; known: {', '.join(MODELS)}") from None
    forecast = function(history, horizon)
    return mask_closed(history, horizon, np.nan_to_num(forecast))
