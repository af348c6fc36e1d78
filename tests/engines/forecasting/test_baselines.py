"""The baselines on a worked series, including a holiday missing from the data."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from contactops.engines.forecasting import History, Horizon, point_forecast


def _mondays(values: list[float]) -> History:
    """One interval a day; Mondays carry ``values`` (NaN = missing), other days 1 call."""
    calls = np.ones((7 * len(values), 1))
    for week, value in enumerate(values):
        calls[7 * week] = value
    return History("q", date(2024, 1, 1), 1440, calls)


def test_seasonal_naive_falls_back_two_weeks_when_last_week_is_missing() -> None:
    history = _mondays([4.0, 8.0, 12.0, np.nan])
    monday = history.end_date
    forecast = point_forecast("seasonal_naive_week", history, Horizon(monday, 7))
    assert forecast[0, 0] == 12.0
    assert forecast[1:, 0].tolist() == [1.0] * 6


def test_mean_of_four_weeks_uses_the_last_four_observed_mondays() -> None:
    history = _mondays([100.0, 4.0, 8.0, np.nan, 12.0, 16.0])
    forecast = point_forecast("mean_4_weeks", history, Horizon(history.end_date, 1))
    assert forecast[0, 0] == pytest.approx((4 + 8 + 12 + 16) / 4)


def test_weekday_profile_averages_every_observed_monday() -> None:
    history = _mondays([100.0, 4.0, 8.0, np.nan, 12.0, 16.0])
    forecast = point_forecast("weekday_profile", history, Horizon(history.end_date, 1))
    assert forecast[0, 0] == pytest.approx((100 + 4 + 8 + 12 + 16) / 5)


def test_a_weekday_never_seen_takes_the_mean_of_all_days() -> None:
    calls = np.array([[2.0], [4.0], [6.0]])  # Monday to Wednesday only
    history = History("q", date(2024, 1, 1), 1440, calls)
    friday = date(2024, 1, 5)
    for model in ("seasonal_naive_week", "mean_4_weeks", "weekday_profile"):
        forecast = point_forecast(model, history, Horizon(friday, 1))
        assert forecast[0, 0] == pytest.approx(4.0), model


def test_horizon_after_a_gap_uses_the_latest_same_weekday() -> None:
    history = _mondays([4.0, 8.0])
    later = history.end_date + timedelta(days=21)
    forecast = point_forecast("seasonal_naive_week", history, Horizon(later, 1))
    assert forecast[0, 0] == 8.0
