"""The real bank call series (5-minute counts, weekdays 07:00–21:00, 2003; see SOURCE.md).

30-minute intervals, one week ahead from each of the last eight Mondays. The engine's models —
the primary ``calendar_profile`` and ``auto`` as a user gets it (model choice re-run at every
origin on the data before it) — must beat the seasonal naive by week by at least 30 % and the
mean of the previous four weeks by at least 10 % in WAPE (mean over origins). Public holidays
are missing from the file: the baselines fall back to two weeks earlier (see weekly.py).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from contactops.engines.forecasting import History, backtest, history_from_rows, rolling_origins

MODELS = ("seasonal_naive_week", "mean_4_weeks", "calendar_profile", "auto")


def load_bank_calls(shared_data: Path, interval_minutes: int = 30) -> History:
    path = shared_data / "bank-calls-2003" / "calls_5min.csv"
    if not path.is_file():
        pytest.skip(f"bank call series not found at {path}")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    starts = np.array([row["start"] for row in rows], dtype="datetime64[m]")
    calls = np.array([float(row["calls"]) for row in rows])
    return history_from_rows(starts, calls, interval_minutes=interval_minutes, queue="bank")


@pytest.fixture(scope="module")
def report(shared_data: Path):  # type: ignore[no-untyped-def]
    history = load_bank_calls(shared_data)
    origins = rolling_origins(history, 8, weekday=0)
    assert len(origins) == 8
    return backtest(history, origins, 7, MODELS)


def test_holidays_are_missing_days_not_zero_days(shared_data: Path) -> None:
    history = load_bank_calls(shared_data)
    missing = [history.date_at(r).isoformat() for r in np.flatnonzero(~history.observed)]
    assert "2003-05-26" in missing and "2003-07-04" in missing  # Memorial Day, Independence Day
    saturday = history.row_of(history.first_date) + 5
    assert history.observed[saturday] and history.daily_calls[saturday] == 0
    assert history.calls.shape[1] == 48


@pytest.mark.parametrize("model", ["calendar_profile", "auto"])
def test_beats_both_baselines_by_the_required_margins(report, model: str) -> None:  # type: ignore[no-untyped-def]
    wape = {s.model: s.wape for s in report.by_model()}
    assert wape[model] <= 0.70 * wape["seasonal_naive_week"], wape
    assert wape[model] <= 0.90 * wape["mean_4_weeks"], wape


def test_report_has_every_horizon_day_and_finite_scores(report) -> None:  # type: ignore[no-untyped-def]
    days = {(s.model, s.horizon_day) for s in report.by_horizon_day()}
    assert {d for m, d in days if m == "calendar_profile"} == set(range(1, 8))
    for score in report.by_model():
        assert np.isfinite([score.wape, score.mase, score.bias]).all()
        assert score.origins == 8
