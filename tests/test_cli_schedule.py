"""`contactops schedule`: a problem file in, a schedule with its coverage out (a bad file names
the line or the field); a tenant's schedule built, published and its adherence reported."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from contactops.cli import app
from contactops.platform.database import Database
from contactops.platform.settings import get_settings
from tests.conftest import Backend, World
from tests.domains.test_forecasting_service import PLAN_DAY, with_history
from tests.domains.test_scheduling_service import planned
from tests.engines.scheduling.test_mapping import _document

__all__ = ["planned", "with_history"]

runner = CliRunner()


def test_a_problem_file_gives_a_schedule_file(tmp_path: Path) -> None:
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(_document()), encoding="utf-8")
    out = tmp_path / "schedule.json"
    result = runner.invoke(
        app, ["schedule", "solve", str(problem), "--out", str(out), "--time-limit", "10"]
    )
    assert result.exit_code == 0, result.output
    schedule = json.loads(out.read_text(encoding="utf-8"))
    assert schedule["status"] in ("optimal", "feasible")
    assert schedule["shifts"] and {s["agent"] for s in schedule["shifts"]} <= {"a1", "a2", "a3"}
    assert all(s["day"] != 1 for s in schedule["shifts"] if s["agent"] == "a2")  # unavailable
    assert "shifts, under-coverage" in _flat(result.output)


def test_bad_files_name_the_line_or_the_field(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"interval_minutes": 60,\n "agents": [}', encoding="utf-8")
    result = runner.invoke(app, ["schedule", "solve", str(broken), "--out", "x.json"])
    assert result.exit_code == 1 and "line 2, column 13" in _flat(result.output)
    document = _document()
    document["agents"][0]["contracted_hours"] = 40
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(app, ["schedule", "solve", str(wrong), "--out", "x.json"])
    assert result.exit_code == 1 and "agents[0].contracted_hours" in _flat(result.output)


def _flat(text: str) -> str:
    """The console wraps long lines; compare the words."""
    return " ".join(text.split())


def test_a_tenant_schedule_is_built_published_and_measured(
    db: Database, backend: Backend, planned: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = backend.url
    connect_args: dict[str, str] = backend.engine_kwargs.get("connect_args", {})  # type: ignore[assignment]
    if "options" in connect_args:  # the test's PostgreSQL schema, as a URL parameter
        url += "?options=" + quote(connect_args["options"])
    monkeypatch.setenv("CONTACTOPS_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        built = runner.invoke(
            app, ["schedule", "build", "--tenant", "alpha", "--time-limit", "3", "--json"]
        )
        assert built.exit_code == 0, built.output
        figures = json.loads(built.output)
        assert figures["version"] == 1 and figures["status"] == "draft" and figures["shifts"]
        published = runner.invoke(app, ["schedule", "publish", "--tenant", "alpha", "1"])
        assert published.exit_code == 0 and "published" in published.output
        again = runner.invoke(app, ["schedule", "publish", "--tenant", "alpha", "1"])
        assert again.exit_code != 0 and "draft" in again.output
        report = runner.invoke(app, ["schedule", "adherence", "--tenant", "alpha", "--day",
                                     PLAN_DAY.isoformat(), "--days", "7", "--json"])  # fmt: skip
        assert report.exit_code == 0, report.output
        rows = json.loads(report.output)
        # Nobody logged in: adherent only on breaks and lunch (logged out is fine then).
        assert rows and all(r["adherence"] < 0.2 and r["conformance"] == 0.0 for r in rows)
        unknown = runner.invoke(app, ["schedule", "build", "--tenant", "nobody"])
        assert unknown.exit_code != 0 and "alpha" in unknown.output
    finally:
        get_settings.cache_clear()
