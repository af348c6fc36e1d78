"""The forecast of a queue: expected calls, a prediction interval and AHT per wall-clock interval.

``forecast(history, start_date, days)``:

1. the history before ``start_date`` (coarsened to ``interval_minutes`` when asked), known events
   flagged ``exclude_from_fit`` left out;
2. the model: ``model="auto"`` backtests the candidates on the last ``backtest_weeks`` weekly
   origins (one week ahead each) and keeps the lowest mean WAPE (:func:`.backtest.select_model`);
   with too little history for a single origin (under two weeks) the weekday profile;
3. expected calls μ(d, i) = model × event multiplier of day d × wall-clock exposure (0 in the hour
   the clock skips, 2 in the hour it repeats; only with ``time_zone``);
4. the interval [lo, hi] at ``level``: quantiles of the negative binomial with mean μ and the
   dispersion φ of the chosen model's backtest errors (:mod:`.intervals`);
5. AHT from the calls-weighted weekday × interval profile (:mod:`.aht`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from .aht import aht_profile
from .backtest import select_model
from .events import KnownEvent, closed_days, day_multipliers, excluded_days
from .intervals import prediction_interval
from .models import AUTO_CANDIDATES, point_forecast
from .series import DateTimeArray, FloatArray, History
from .wall_clock import wall_clock_exposure
from .weekly import Horizon


@dataclass(frozen=True)
class Forecast:
    """One row per wall-clock interval of the horizon (closed intervals included, at 0).

    ``start`` are local naive interval starts; ``calls`` the expected calls; ``calls_lo`` and
    ``calls_hi`` the prediction interval at ``level``; ``aht_s`` the expected handle time (NaN
    when the history has none). ``dispersion`` is the φ behind the interval.
    """

    queue: str
    model: str
    interval_minutes: int
    level: float
    dispersion: float
    start: DateTimeArray
    calls: FloatArray
    calls_lo: FloatArray
    calls_hi: FloatArray
    aht_s: FloatArray

    def __len__(self) -> int:
        return len(self.start)


def forecast(
    history: History,
    start_date: date,
    days: int,
    *,
    interval_minutes: int | None = None,
    model: str = "auto",
    events: Sequence[KnownEvent] = (),
    level: float = 0.8,
    candidates: Sequence[str] = AUTO_CANDIDATES,
    backtest_weeks: int = 4,
    time_zone: str | None = None,
) -> Forecast:
    """Forecast ``days`` days from ``start_date`` for the queue of ``history`` (see module)."""
    if interval_minutes is not None:
        history = history.aggregated(interval_minutes)
    queue = history.queue
    train = history.until(start_date).without_days(excluded_days(events, queue))
    choice = select_model(
        train, model, candidates=candidates, backtest_weeks=backtest_weeks, events=events
    )
    horizon = Horizon(start_date, days, frozenset(closed_days(events, queue)))
    mean = point_forecast(choice.model, train, horizon)
    mean = mean * day_multipliers(events, queue, start_date, days)[:, None]
    if time_zone is not None:
        mean = mean * wall_clock_exposure(start_date, days, history.interval_minutes, time_zone)
    lo, hi = prediction_interval(mean, choice.dispersion, level)
    profile = aht_profile(train)
    aht_s = np.full(mean.shape, np.nan) if profile is None else profile[horizon.weekdays]
    return Forecast(
        queue=queue,
        model=choice.model,
        interval_minutes=history.interval_minutes,
        level=level,
        dispersion=choice.dispersion,
        start=interval_starts(start_date, days, history.interval_minutes),
        calls=mean.reshape(-1),
        calls_lo=lo.reshape(-1),
        calls_hi=hi.reshape(-1),
        aht_s=np.asarray(aht_s, dtype=np.float64).reshape(-1),
    )


def forecast_queues(
    histories: Mapping[str, History] | Iterable[History],
    start_date: date,
    days: int,
    *,
    interval_minutes: int | None = None,
    model: str = "auto",
    events: Sequence[KnownEvent] = (),
    level: float = 0.8,
    time_zone: str | None = None,
) -> dict[str, Forecast]:
    """:func:`forecast` for each queue, with the same options (events apply per their queues)."""
    items = histories.values() if isinstance(histories, Mapping) else histories
    return {
        h.queue: forecast(
            h,
            start_date,
            days,
            interval_minutes=interval_minutes,
            model=model,
            events=events,
            level=level,
            time_zone=time_zone,
        )
        for h in items
    }


def interval_starts(start_date: date, days: int, interval_minutes: int) -> DateTimeArray:
    """Local naive starts of every wall-clock interval of ``days`` days from ``start_date``."""
    first = np.datetime64(datetime(start_date.year, start_date.month, start_date.day), "m")
    steps = np.arange(days * (1440 // interval_minutes)) * interval_minutes
    return np.asarray(first + steps.astype("timedelta64[m]"))
