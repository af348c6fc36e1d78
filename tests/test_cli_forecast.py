"""`contactops forecast run | backtest`: a history CSV in, a forecast CSV or an accuracy table
out; bad lines are reported and the good ones kept."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from contactops.cli import app
from tests.web.test_forecasting import _history_csv

runner = CliRunner()


def test_a_forecast_covers_every_interval_of_every_queue(tmp_path: Path) -> None:
    history = tmp_path / "hist.csv"
    history.write_text(_history_csv() + "2026-03-20 09:00,sales,-3,200\n", encoding="utf-8")
    out = tmp_path / "forecast.csv"
    result = runner.invoke(
        app,
        ["forecast", "run", "--history", str(history), "--start", "2026-03-23", "--days", "3",
         "--interval-minutes", "30", "--out", str(out), "--event", "2026-03-25"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # The console wraps long lines (the temporary path's length varies).
    assert "calls: must be a number of 0 or more" in " ".join(result.output.split())
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["start", "queue", "calls", "calls_lo", "calls_hi", "aht_s"]
    assert len(rows) == 3 * 48
    by_start = {r["start"]: r for r in rows}
    monday = by_start["2026-03-23 09:00:00"]
    assert float(monday["calls_lo"]) <= float(monday["calls"]) <= float(monday["calls_hi"])
    assert float(monday["calls"]) > 5 and float(monday["aht_s"]) == 200
    assert float(by_start["2026-03-23 02:00:00"]["calls"]) == 0
    assert float(by_start["2026-03-25 09:00:00"]["calls"]) == 0  # the closed day


def test_without_handle_times_the_forecast_has_the_history_columns(tmp_path: Path) -> None:
    history = tmp_path / "hist.csv"
    lines = _history_csv().splitlines()
    history.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n", encoding="utf-8")
    out = tmp_path / "forecast.csv"
    result = runner.invoke(
        app,
        ["forecast", "run", "--history", str(history), "--start", "2026-03-23", "--days", "1",
         "--interval-minutes", "15", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["start", "queue", "calls", "calls_lo", "calls_hi"]
    assert len(rows) == 96


def test_backtest_prints_json_and_bad_arguments_fail_clearly(tmp_path: Path) -> None:
    history = tmp_path / "hist.csv"
    history.write_text(_history_csv(4), encoding="utf-8")
    result = runner.invoke(
        app, ["forecast", "backtest", "--history", str(history), "--weeks", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert len(payload["origins"]) == 2
    assert {"auto", "mean_4_weeks"} <= {r["model"] for r in payload["rows"]}
    neither = runner.invoke(app, ["forecast", "run", "--start", "2026-03-23"])
    assert neither.exit_code == 1 and "--history FILE or --from-db" in neither.output
    wrong = runner.invoke(
        app,
        ["forecast", "run", "--history", str(history), "--start", "2026-03-23",
         "--interval-minutes", "20"],
    )  # fmt: skip
    assert wrong.exit_code == 1 and "15, 30, 60" in wrong.output
