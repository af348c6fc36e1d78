"""``contactops import``, ``kpi`` and ``export parquet`` against a real SQLite file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from contactops.cli import app
from tests.domains.test_imports import QUEUE_LOG
from tests.test_cli import _run, cli_env  # noqa: F401 - the fixture is used by name

runner = CliRunner()


@pytest.fixture
def center(cli_env: Path) -> Path:  # noqa: F811
    _run("db", "upgrade")
    _run("tenants", "create", "acme", "--name", "Acme", "--time-zone", "UTC")
    log = cli_env / "queue_log"
    log.write_text(QUEUE_LOG, encoding="utf-8")
    return log


def test_import_reports_lines_and_a_second_run_adds_nothing(center: Path) -> None:
    first = json.loads(_run("import", "queue-log", str(center), "--tenant", "acme", "--json"))
    assert first["lines_read"] == 8 and first["lines_skipped"] == 1
    assert first["issues"][0]["line"] == 6
    again = _run("import", "queue-log", str(center), "--tenant", "acme")
    assert "nothing to add" in again
    runs = json.loads(_run("import", "runs", "--tenant", "acme", "--json"))
    assert len(runs) == 1 and runs[0]["status"] == "completed"


def test_kpi_prints_json_csv_and_a_table(center: Path) -> None:
    _run("import", "queue-log", str(center), "--tenant", "acme")
    day = ["--from", "2024-03-09", "--to", "2024-03-09"]  # epoch 1710000000 is 9 March 2024
    rows = json.loads(
        _run(
            "kpi", "--tenant", "acme", *day, "--by", "queue", "--kpis", "offered,answered", "--json"
        )
    )
    assert rows == [{"queue": "billing", "offered": 2, "answered": 1}]
    table = list(csv.reader(io.StringIO(_run("kpi", "-t", "acme", *day, "--csv", "--kpis", "asa"))))
    assert table == [["asa"], ["20.0"]]
    assert "Offered" in _run("kpi", "-t", "acme", *day)
    assert "sl_answered" in _run("kpi", "-t", "acme", "--catalog")


def test_mistakes_are_named(center: Path) -> None:
    wrong = runner.invoke(app, ["kpi", "-t", "acme", "--by", "planet"])
    assert wrong.exit_code == 1 and "planet" in wrong.output
    nobody = runner.invoke(app, ["kpi", "-t", "nobody"])
    assert nobody.exit_code == 1 and "acme" in nobody.output


def test_export_writes_partitioned_parquet(center: Path, tmp_path: Path) -> None:
    _run("import", "queue-log", str(center), "--tenant", "acme")
    out = tmp_path / "lake"
    assert "legs: 2 rows" in _run("export", "parquet", str(out), "--tenant", "acme")
    legs = pq.read_table(out / "legs" / "tenant=acme" / "month=2024-03" / "part-0.parquet")
    assert sorted(legs.column("outcome").to_pylist()) == ["abandoned", "answered"]
    events = pq.read_table(out / "contact_events")
    assert events.num_rows > 5
