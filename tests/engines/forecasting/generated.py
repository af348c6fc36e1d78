"""Generated call series with a known weekday × interval structure, as rows of local time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
WEEKDAY_FACTORS = (1.25, 1.05, 1.0, 0.95, 0.9, 0.45, 0.35)


@dataclass(frozen=True)
class Generated:
    starts: npt.NDArray[np.datetime64]
    calls: FloatArray
    aht_s: FloatArray
    expected: FloatArray  # (days, slots): the Poisson means, the truth a model should recover
    first_date: date
    interval_minutes: int


def intraday_shape(slots: int, open_from_h: float, open_to_h: float) -> FloatArray:
    """A two-peak day (late morning, early afternoon), 0 outside opening hours; sums to 1."""
    hours = (np.arange(slots) + 0.5) * 24 / slots
    shape = np.exp(-((hours - 10.5) ** 2) / 4.0) + 0.8 * np.exp(-((hours - 14.5) ** 2) / 5.0) + 0.15
    shape[(hours < open_from_h) | (hours >= open_to_h)] = 0.0
    return np.asarray(shape / shape.sum(), dtype=np.float64)


def _last_open_day_of_month(day: date, open_weekdays: tuple[int, ...]) -> bool:
    later = day + timedelta(days=1)
    while later.month == day.month:
        if later.weekday() in open_weekdays:
            return False
        later += timedelta(days=1)
    return True


def generate(
    *,
    weeks: int,
    daily_calls: float = 2000.0,
    interval_minutes: int = 30,
    open_hours: tuple[float, float] = (8.0, 20.0),
    open_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4),
    first_date: date = date(2024, 1, 1),
    day_sd: float = 0.0,
    month_end_effect: float = 0.0,
    missing: tuple[date, ...] = (),
    seed: int = 1,
) -> Generated:
    """Poisson calls with mean daily_calls × weekday factor × month-end effect (on the last
    open day of a month) × day noise × intraday shape; rows only for open intervals of open,
    non-missing days."""
    rng = np.random.default_rng(seed)
    slots = 1440 // interval_minutes
    shape = intraday_shape(slots, *open_hours)
    days = 7 * weeks
    expected = np.zeros((days, slots))
    starts: list[datetime] = []
    calls: list[float] = []
    aht: list[float] = []
    for row in range(days):
        day = first_date + timedelta(days=row)
        if day.weekday() not in open_weekdays:
            continue
        factor = WEEKDAY_FACTORS[day.weekday()]
        if _last_open_day_of_month(day, open_weekdays):
            factor *= 1 + month_end_effect
        noise = math.exp(rng.normal(0.0, day_sd) - day_sd**2 / 2) if day_sd else 1.0
        expected[row] = daily_calls * factor * shape
        if day in missing:
            continue
        counts = rng.poisson(expected[row] * noise)
        for slot in np.flatnonzero(shape > 0).tolist():
            starts.append(
                datetime(day.year, day.month, day.day) + timedelta(minutes=slot * interval_minutes)
            )
            calls.append(float(counts[slot]))
            aht.append(200.0 + 100.0 * (slot * interval_minutes >= 720) + rng.normal(0, 5))
    return Generated(
        np.array(starts, dtype="datetime64[m]"),
        np.array(calls),
        np.array(aht),
        expected,
        first_date,
        interval_minutes,
    )
