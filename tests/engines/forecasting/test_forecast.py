"""forecast(): short histories, holidays, events, opening hours, clock changes, AHT, intervals."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest

from contactops.engines.forecasting import (
    History,
    KnownEvent,
    ModelChoice,
    forecast,
    forecast_queues,
    history_from_rows,
    select_model,
)
from contactops.engines.forecasting.intervals import DEFAULT_DISPERSION

from .generated import generate


def _weekday_history(weeks: int = 10, **options: object) -> History:
    data = generate(weeks=weeks, **options)  # type: ignore[arg-type]
    return history_from_rows(
        data.starts, data.calls, interval_minutes=30, queue="q", aht_s=data.aht_s
    )


def _next_monday(history: History) -> date:
    """The Monday after the history (a generated weekday history ends on a Friday)."""
    return history.end_date + timedelta(days=(7 - history.end_date.weekday()) % 7)


def _by_day(values: np.ndarray, slots: int = 48) -> np.ndarray:
    return values.reshape(-1, slots)


@pytest.mark.parametrize("days_of_history", [1, 3, 10])
def test_little_history_falls_back_and_never_fails(days_of_history: int) -> None:
    history = _weekday_history(weeks=2).until(date(2024, 1, 1) + timedelta(days=days_of_history))
    result = forecast(history, history.end_date, 14)
    assert result.model == "weekday_profile"
    assert len(result) == 14 * 48
    assert np.all(np.isfinite(result.calls)) and np.all(result.calls >= 0)
    assert np.all(result.calls_lo <= result.calls) and np.all(result.calls <= result.calls_hi + 1)
    assert result.calls.sum() > 0


def test_two_weeks_of_history_are_enough_for_a_backtest() -> None:
    choice = select_model(_weekday_history(weeks=3))
    assert choice.dispersion != DEFAULT_DISPERSION  # measured on a backtest, not assumed
    short = select_model(_weekday_history(weeks=2).until(date(2024, 1, 8)))
    assert short == ModelChoice("weekday_profile", DEFAULT_DISPERSION)


def test_closed_nights_and_weekends_forecast_zero() -> None:
    history = _weekday_history()
    result = forecast(history, _next_monday(history), 7)
    calls = _by_day(result.calls)
    assert np.all(calls[:, :16] == 0) and np.all(calls[:, 40:] == 0)  # before 08:00, from 20:00
    assert np.all(calls[5:] == 0)  # Saturday and Sunday
    assert np.all(_by_day(result.calls_hi)[5:] == 0)
    assert np.all(calls[:5, 16:40] > 0)


def test_a_holiday_missing_from_the_data_does_not_pull_the_forecast_down() -> None:
    holidays = tuple(date(2024, 1, 1) + timedelta(days=7 * k) for k in (6, 7, 8))  # 3 Mondays
    with_gaps = _weekday_history(missing=holidays)
    complete = _weekday_history()
    monday = _next_monday(complete)
    gappy = forecast(with_gaps, monday, 1, model="mean_4_weeks")
    full = forecast(complete, monday, 1, model="mean_4_weeks")
    assert gappy.calls.sum() == pytest.approx(full.calls.sum(), rel=0.05)


def test_excluded_event_is_left_out_and_multipliers_scale_the_horizon() -> None:
    history = _weekday_history()
    campaign_day = date(2024, 3, 4)  # a Monday in the history
    boosted = history.calls.copy()
    boosted[history.row_of(campaign_day)] *= 3
    inflated = History("q", history.first_date, 30, boosted)
    start = _next_monday(history)  # Monday 11 March
    events = [
        KnownEvent(campaign_day, name="mailing"),
        KnownEvent(start, multiplier=0.0, name="holiday"),
        KnownEvent(start + timedelta(days=1), multiplier=1.5, exclude_from_fit=False),
    ]
    plain = forecast(history, start, 2, model="mean_4_weeks")
    result = forecast(inflated, start, 2, model="mean_4_weeks", events=events)
    calls = _by_day(result.calls)
    assert np.all(calls[0] == 0) and np.all(_by_day(result.calls_hi)[0] == 0)
    assert calls[1].sum() == pytest.approx(1.5 * _by_day(plain.calls)[1].sum())


def test_event_limited_to_another_queue_does_not_apply() -> None:
    history = _weekday_history()
    monday = _next_monday(history)
    event = KnownEvent(monday, multiplier=0.0, queues=frozenset({"other"}))
    result = forecast(history, monday, 1, model="mean_4_weeks", events=[event])
    assert result.calls.sum() > 0


def test_aht_is_a_calls_weighted_profile() -> None:
    history = _weekday_history()
    result = forecast(history, _next_monday(history), 1, model="mean_4_weeks")
    aht_s = _by_day(result.aht_s)[0]
    assert aht_s[20] == pytest.approx(200, abs=3)  # 10:00
    assert aht_s[30] == pytest.approx(300, abs=3)  # 15:00


def test_aht_of_a_thin_cell_is_shrunk_to_the_interval_mean() -> None:
    starts, calls, aht = [], [], []
    for k in range(14):
        day = datetime(2024, 1, 1) + timedelta(days=k)
        starts.append(day + timedelta(hours=9))
        calls.append(100.0)
        aht.append(200.0)
    starts.append(datetime(2024, 1, 8, 10))  # one Monday call at 10:00, very long
    calls.append(1.0)
    aht.append(1000.0)
    history = history_from_rows(starts, calls, interval_minutes=60, aht_s=aht)
    result = forecast(history, date(2024, 1, 15), 1, model="weekday_profile")
    # a(i) = (1000 + 30·μ)/(1 + 30), μ = (1400·200 + 1000)/1401; a(w, i) = (1000 + 30·a(i))/31
    mu = (1400 * 200 + 1000) / 1401
    by_interval = (1000 + 30 * mu) / 31
    assert result.aht_s[10] == pytest.approx((1000 + 30 * by_interval) / 31)
    assert result.aht_s[9] == pytest.approx(200, abs=1)


def test_prediction_interval_covers_about_the_nominal_share() -> None:
    data = generate(weeks=20, day_sd=0.06, daily_calls=3000, seed=11)
    history = history_from_rows(data.starts, data.calls, interval_minutes=30, queue="q")
    inside, total = 0, 0
    for weeks_back in (4, 3, 2, 1):
        start = history.end_date - timedelta(days=7 * weeks_back)
        result = forecast(history.until(start), start, 7, level=0.8)
        actual = history.actual(start, 7).reshape(-1)
        open_cells = result.calls > 0
        y = actual[open_cells]
        inside += int(
            ((y >= result.calls_lo[open_cells]) & (y <= result.calls_hi[open_cells])).sum()
        )
        total += int(open_cells.sum())
    assert 0.72 <= inside / total <= 0.9


def test_coarser_interval_and_several_queues() -> None:
    history = _weekday_history(weeks=4)
    other = History("other", history.first_date, 30, history.calls * 2)
    results = forecast_queues([history, other], _next_monday(history), 2, interval_minutes=60)
    assert set(results) == {"q", "other"}
    assert len(results["q"]) == 48
    assert results["q"].start[1] == np.datetime64("2024-01-29T01:00")
    assert results["other"].calls.sum() == pytest.approx(2 * results["q"].calls.sum(), rel=0.05)


def test_unknown_model_is_refused() -> None:
    with pytest.raises(ValueError, match="model"):
        forecast(_weekday_history(weeks=2), date(2024, 1, 15), 1, model="prophet")


def _oslo_rows(first: date, days: int) -> tuple[list[datetime], list[float]]:
    """A 24 × 7 queue in Oslo local time: 10 calls per real hour, 40 at 10:00-11:00."""
    starts: list[datetime] = []
    calls: list[float] = []
    for k in range(days):
        day = first + timedelta(days=k)
        for hour in range(24):
            wall = datetime(day.year, day.month, day.day, hour)
            if wall == datetime(2024, 3, 31, 2):
                continue
            copies = 2 if wall == datetime(2024, 10, 27, 2) else 1
            starts += [wall] * copies
            calls += [40.0 if hour == 10 else 10.0] * copies
    return starts, calls


def test_clock_change_keeps_the_wall_clock_profile_and_exposure() -> None:
    starts, calls = _oslo_rows(date(2024, 2, 26), 35)  # up to Sunday 31 March, the change
    history = history_from_rows(starts, calls, interval_minutes=60, time_zone="Europe/Oslo")
    result = forecast(
        history, date(2024, 3, 31), 2, model="weekday_profile", time_zone="Europe/Oslo"
    )
    calls_by_day = _by_day(result.calls, 24)
    assert calls_by_day[0, 2] == 0  # 02:00-03:00 does not exist on 31 March
    assert calls_by_day[1].tolist() == [40.0 if h == 10 else 10.0 for h in range(24)]
    assert calls_by_day[0, 10] == 40.0  # the peak stays at 10:00 local after the change


def test_autumn_change_forecasts_both_real_hours() -> None:
    starts, calls = _oslo_rows(date(2024, 9, 30), 35)
    history = history_from_rows(starts, calls, interval_minutes=60, time_zone="Europe/Oslo")
    assert history.calls[history.row_of(date(2024, 10, 27)), 2] == 10
    result = forecast(
        history, date(2024, 11, 3), 1, model="weekday_profile", time_zone="Europe/Oslo"
    )
    assert result.calls[2] == 10  # an ordinary Sunday
    autumn = forecast(
        history.until(date(2024, 10, 27)),
        date(2024, 10, 27),
        1,
        model="weekday_profile",
        time_zone="Europe/Oslo",
    )
    assert autumn.calls[2] == 20


@pytest.mark.parametrize("daily_calls", [0.0, 3.0, 40.0])
def test_thin_and_silent_queues_never_fail(daily_calls: float) -> None:
    data = generate(weeks=16, daily_calls=daily_calls, seed=2)
    history = history_from_rows(data.starts, data.calls, interval_minutes=30, queue="q")
    result = forecast(history, _next_monday(history), 7)
    assert np.all(np.isfinite(result.calls)) and np.all(result.calls >= 0)
    assert np.all(result.calls_lo <= result.calls_hi)
    assert result.calls.sum() == pytest.approx(data.expected[:7].sum(), rel=0.5, abs=5)
