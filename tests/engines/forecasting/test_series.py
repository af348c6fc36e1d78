"""Rows become a days × wall-clock-intervals grid; closed, zero and missing are kept apart."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest

from contactops.engines.forecasting import History, histories_from_rows, history_from_rows


def _rows(days: list[date], hours: range) -> tuple[list[datetime], list[float]]:
    starts = [datetime(d.year, d.month, d.day, h) for d in days for h in hours]
    return starts, [10.0] * len(starts)


def test_interval_without_a_row_on_an_open_day_is_zero() -> None:
    starts, calls = _rows([date(2024, 1, 1)], range(9, 11))
    history = history_from_rows(starts, calls, interval_minutes=60)
    assert history.calls.shape == (1, 24)
    assert history.calls[0, 9] == 10 and history.calls[0, 10] == 10
    assert history.calls[0].sum() == 20 and history.calls[0, 3] == 0


def test_weekday_without_rows_is_closed_but_an_open_weekday_without_rows_is_missing() -> None:
    weekdays = [date(2024, 1, 1) + timedelta(days=k) for k in range(21)]
    holiday = date(2024, 1, 10)  # a Wednesday
    open_days = [d for d in weekdays if d.weekday() < 5 and d != holiday]
    history = history_from_rows(*_rows(open_days, range(9, 17)), interval_minutes=60)
    row = history.row_of(holiday)
    assert np.isnan(history.calls[row]).all()
    assert not history.observed[row]
    saturday = history.row_of(date(2024, 1, 6))
    assert history.observed[saturday] and history.calls[saturday].sum() == 0


def test_finer_rows_are_summed_and_aht_weighted_by_calls() -> None:
    starts = [datetime(2024, 1, 1, 9, 0), datetime(2024, 1, 1, 9, 15)]
    history = history_from_rows(starts, [30.0, 10.0], interval_minutes=30, aht_s=[100.0, 300.0])
    assert history.calls[0, 18] == 40
    assert history.aht_s is not None
    assert history.aht_s[0, 18] == pytest.approx((30 * 100 + 10 * 300) / 40)
    coarse = history.aggregated(60)
    assert coarse.calls[0, 9] == 40
    assert coarse.aht_s is not None and coarse.aht_s[0, 9] == pytest.approx(150.0)


def test_aggregation_needs_a_multiple_of_the_interval() -> None:
    history = history_from_rows([datetime(2024, 1, 1, 9)], [1.0], interval_minutes=30)
    with pytest.raises(ValueError, match="interval_minutes"):
        history.aggregated(45)
    with pytest.raises(ValueError, match="interval_minutes"):
        history.aggregated(7)


def test_rows_are_split_by_queue() -> None:
    starts = [datetime(2024, 1, 1, 9), datetime(2024, 1, 1, 9), datetime(2024, 1, 2, 10)]
    histories = histories_from_rows(
        starts, ["billing", "sales", "billing"], [5.0, 7.0, 3.0], interval_minutes=60
    )
    assert set(histories) == {"billing", "sales"}
    assert histories["billing"].days == 2 and histories["billing"].calls[1, 10] == 3
    assert histories["sales"].days == 1 and histories["sales"].calls[0, 9] == 7


def test_until_keeps_only_days_before_the_origin() -> None:
    starts, calls = _rows([date(2024, 1, 1) + timedelta(days=k) for k in range(5)], range(9, 10))
    history = history_from_rows(starts, calls, interval_minutes=60)
    assert history.until(date(2024, 1, 3)).days == 2
    assert history.until(date(2023, 12, 1)).days == 0
    assert np.isnan(history.actual(date(2024, 1, 5), 2)[1]).all()


def test_bad_input_names_the_field() -> None:
    with pytest.raises(ValueError, match="calls"):
        history_from_rows([datetime(2024, 1, 1)], [-1.0], interval_minutes=60)
    with pytest.raises(ValueError, match="interval_minutes"):
        history_from_rows([datetime(2024, 1, 1)], [1.0], interval_minutes=50)
    with pytest.raises(ValueError, match="calls"):
        History("q", date(2024, 1, 1), 60, np.zeros((2, 23)))
