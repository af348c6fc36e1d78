"""Rolling-origin backtests: origins, the report's sums and scores, the model choice."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from contactops.engines.forecasting import (
    BacktestReport,
    History,
    backtest,
    choose_model,
    rolling_origins,
)


def _history(weeks: int, monday_calls: float = 10.0) -> History:
    """One interval a day: Mondays ``monday_calls``, Tuesday to Friday 5, weekends closed."""
    calls = np.zeros((7 * weeks, 1))
    calls[0::7] = monday_calls
    for weekday in range(1, 5):
        calls[weekday::7] = 5.0
    return History("q", date(2024, 1, 1), 1440, calls)


def test_rolling_origins_end_a_horizon_before_the_end() -> None:
    history = _history(10)  # 1 January to 10 March
    origins = rolling_origins(history, 3)
    assert origins == [date(2024, 2, 19), date(2024, 2, 26), date(2024, 3, 4)]


def test_rolling_origins_on_a_weekday_and_with_little_history() -> None:
    history = _history(10)
    assert rolling_origins(history, 2, weekday=0) == [date(2024, 2, 26), date(2024, 3, 4)]
    assert rolling_origins(_history(2), 5) == [date(2024, 1, 8)]
    assert rolling_origins(_history(1), 5) == []


def test_a_repeating_week_is_forecast_exactly_by_the_seasonal_naive() -> None:
    history = _history(8)
    origins = rolling_origins(history, 4)
    report = backtest(history, origins, 7, ("seasonal_naive_week", "mean_4_weeks"))
    assert len(report.rows) == 2 * 4 * 7
    for score in report.by_model():
        assert score.wape == 0 and score.bias == 0 and score.mase != score.mase  # q = 0 → NaN
        assert score.origins == 4
    days = report.by_horizon_day()
    assert [s.horizon_day for s in days if s.model == "mean_4_weeks"] == list(range(1, 8))


def test_scores_pool_sums_worked_example() -> None:
    history = _history(6)
    calls = history.calls.copy()
    calls[35] = 20.0  # the last Monday doubles
    calls[28] = 12.0  # the Monday before is 12 instead of 10
    changed = History("q", history.first_date, 1440, calls)
    report = backtest(changed, [date(2024, 2, 5)], 1, ("seasonal_naive_week",))
    (score,) = report.by_model()
    # ŷ = 12 (a week earlier), y = 20: WAPE = 8/20, bias = −8/20
    assert score.wape == pytest.approx(0.4) and score.bias == pytest.approx(-0.4)
    # q over the open cells of the five training weeks: Mondays 10, 10, 10, 10, 12 give four
    # week-on-week pairs summing to 2; Tuesday to Friday give 4 × 4 pairs of 0. q = 2 / 20
    assert score.mase == pytest.approx(8 / (2 / 20))


def test_choose_model_takes_the_lowest_wape_and_falls_back_without_scores() -> None:
    history = _history(9)
    calls = history.calls.copy()
    calls[49] = 30.0  # an outlier Monday in the last week of training
    noisy = History("q", history.first_date, 1440, calls)
    report = backtest(noisy, [date(2024, 2, 26)], 7, ("seasonal_naive_week", "mean_4_weeks"))
    assert choose_model(report, "q", ("seasonal_naive_week", "mean_4_weeks")) == "mean_4_weeks"
    assert choose_model(BacktestReport(()), "q", ("mean_4_weeks",)) == "weekday_profile"


def test_origins_without_history_or_actuals_give_no_rows() -> None:
    history = _history(4)
    report = backtest(history, [date(2023, 12, 1), history.end_date + timedelta(days=30)], 7)
    assert report.rows == ()


def test_unknown_model_is_refused() -> None:
    with pytest.raises(ValueError, match="models"):
        backtest(_history(4), [date(2024, 1, 15)], 7, ("tbats",))
