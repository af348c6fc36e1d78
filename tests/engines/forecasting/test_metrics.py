"""WAPE, bias and MASE on worked numbers; missing actuals are skipped."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from contactops.engines.forecasting import History, bias, mase, seasonal_naive_scale, wape


def test_wape_and_bias_worked_example() -> None:
    actual = np.array([[10.0, 20.0, 0.0], [np.nan, np.nan, np.nan]])
    forecast = np.array([[12.0, 15.0, 1.0], [99.0, 99.0, 99.0]])
    # Σ|e| = 2 + 5 + 1 = 8, Σy = 30, Σe = 2 − 5 + 1 = −2
    assert wape(actual, forecast) == pytest.approx(8 / 30)
    assert bias(actual, forecast) == pytest.approx(-2 / 30)


def test_wape_without_calls_is_nan() -> None:
    assert np.isnan(wape(np.zeros((1, 2)), np.ones((1, 2))))


def test_mase_scales_by_the_given_in_sample_error() -> None:
    actual = np.array([[10.0, 20.0]])
    forecast = np.array([[12.0, 16.0]])
    mask = np.array([[True, True]])
    assert mase(actual, forecast, 2.0, mask) == pytest.approx(3 / 2)
    assert np.isnan(mase(actual, forecast, 0.0, mask))


def test_seasonal_naive_scale_skips_a_missing_week() -> None:
    calls = np.zeros((22, 1))
    calls[0], calls[7], calls[14], calls[21] = 10.0, np.nan, 16.0, 13.0
    history = History("q", date(2024, 1, 1), 1440, calls)
    # Mondays: 10, (missing), 16, 13 → |16 − 10| and |13 − 16| (open cell: Mondays only)
    assert seasonal_naive_scale(history) == pytest.approx((6 + 3) / 2)
