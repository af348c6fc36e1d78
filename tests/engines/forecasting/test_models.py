"""Every model recovers a known weekday × interval structure; closed hours forecast 0."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from contactops.engines.forecasting import (
    MODELS,
    Horizon,
    history_from_rows,
    point_forecast,
    wape,
)
from contactops.engines.forecasting.daily_level import daily_totals

from .generated import generate


@pytest.fixture(scope="module")
def weekday_center():  # type: ignore[no-untyped-def]
    data = generate(weeks=12, seed=3)
    history = history_from_rows(data.starts, data.calls, interval_minutes=30, queue="q")
    return data, history


@pytest.mark.parametrize("model", list(MODELS))
def test_model_recovers_the_generated_profile(weekday_center, model: str) -> None:  # type: ignore[no-untyped-def]
    data, history = weekday_center
    origin = history.first_date + timedelta(days=77)
    forecast = point_forecast(model, history.until(origin), Horizon(origin, 7))
    truth = data.expected[77:84]
    tolerance = 0.15 if model == "seasonal_naive_week" else 0.08
    assert wape(truth, forecast) < tolerance
    closed = truth == 0
    assert np.all(forecast[closed] == 0)  # nights and the weekend
    assert forecast.shape == truth.shape


def test_level_profile_recovers_weekday_totals(weekday_center) -> None:  # type: ignore[no-untyped-def]
    data, history = weekday_center
    origin = history.first_date + timedelta(days=77)
    totals, fit = daily_totals(history.until(origin), Horizon(origin, 7), calendar_terms=False)
    expected = data.expected[77:84].sum(axis=1)
    assert totals[5:].tolist() == [0.0, 0.0]
    assert totals[:5] == pytest.approx(expected[:5], rel=0.03)
    assert fit is not None and fit.coefficients["weekday_1"] == pytest.approx(
        np.log(1.05 / 1.25), abs=0.02
    )


def test_calendar_terms_learn_a_month_end_peak() -> None:
    data = generate(weeks=31, month_end_effect=0.4, daily_calls=1500, seed=5)
    history = history_from_rows(data.starts, data.calls, interval_minutes=60, queue="q")
    origin = date(2024, 7, 29)  # Monday; Wednesday 31 July is the last business day
    train = history.until(origin)
    calendar, _ = daily_totals(train, Horizon(origin, 3), calendar_terms=True)
    weekly, _ = daily_totals(train, Horizon(origin, 3), calendar_terms=False)
    truth = data.expected[history.row_of(origin) + 2].sum()
    assert calendar[2] == pytest.approx(truth, rel=0.1)
    assert weekly[2] < 0.8 * truth


def test_a_24_by_7_queue_keeps_its_night_profile() -> None:
    data = generate(
        weeks=8, interval_minutes=60, open_hours=(0.0, 24.0), open_weekdays=tuple(range(7)), seed=9
    )
    history = history_from_rows(data.starts, data.calls, interval_minutes=60, queue="q")
    origin = history.first_date + timedelta(days=49)
    for model in ("calendar_profile", "mstl"):
        forecast = point_forecast(model, history.until(origin), Horizon(origin, 7))
        assert wape(data.expected[49:56], forecast) < 0.1, model
        assert np.all(forecast[:, 3] > 0)  # 03:00 is open around the clock
