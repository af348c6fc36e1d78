"""Clock changes on the wall-clock grid: a skipped hour holds no time, a repeated one two."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest

from contactops.engines.forecasting import history_from_rows
from contactops.engines.forecasting.wall_clock import wall_clock_exposure


def test_oslo_exposure_in_spring_and_autumn() -> None:
    spring = wall_clock_exposure(date(2024, 3, 30), 3, 30, "Europe/Oslo")
    assert spring[1, 4:6].tolist() == [0.0, 0.0]  # 02:00-03:00 on 31 March never happens
    assert spring.sum() == 3 * 48 - 2
    autumn = wall_clock_exposure(date(2024, 10, 27), 1, 60, "Europe/Oslo")
    assert autumn[0, 2] == 2.0  # 02:00-03:00 on 27 October happens twice
    assert autumn.sum() == 25


def test_new_york_changes_on_its_own_dates() -> None:
    exposure = wall_clock_exposure(date(2024, 3, 10), 1, 60, "America/New_York")
    assert exposure[0, 2] == 0.0 and exposure.sum() == 23
    november = wall_clock_exposure(date(2024, 11, 3), 1, 15, "America/New_York")
    assert november[0, 4:8].tolist() == [2.0] * 4


def test_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time_zone"):
        wall_clock_exposure(date(2024, 1, 1), 1, 60, "Mars/Olympus")


def _around_the_clock(first: date, days: int, repeated: date) -> tuple[list[datetime], list[float]]:
    """10 calls in every real hour; the repeated wall-clock hour appears as two rows."""
    starts: list[datetime] = []
    for k in range(days):
        day = first + timedelta(days=k)
        for hour in range(24):
            if day == date(2024, 3, 31) and hour == 2:
                continue  # the clock skips it
            copies = 2 if (day == repeated and hour == 2) else 1
            starts += [datetime(day.year, day.month, day.day, hour)] * copies
    return starts, [10.0] * len(starts)


def test_history_with_a_zone_holds_per_real_hour_rates() -> None:
    starts, calls = _around_the_clock(date(2024, 10, 20), 14, date(2024, 10, 27))
    naive = history_from_rows(starts, calls, interval_minutes=60)
    assert naive.calls[7, 2] == 20  # without the zone the repeated hour counts twice
    zoned = history_from_rows(starts, calls, interval_minutes=60, time_zone="Europe/Oslo")
    assert np.all(zoned.calls == 10)


def test_skipped_hour_is_filled_from_a_week_earlier() -> None:
    starts, calls = _around_the_clock(date(2024, 3, 24), 14, date(2000, 1, 1))
    zoned = history_from_rows(starts, calls, interval_minutes=60, time_zone="Europe/Oslo")
    assert zoned.calls[7, 2] == 10
    naive = history_from_rows(starts, calls, interval_minutes=60)
    assert naive.calls[7, 2] == 0
