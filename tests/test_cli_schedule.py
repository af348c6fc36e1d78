"""`contactops schedule solve`: a problem file in, a schedule with its coverage out; a bad file
names the line or the field."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from contactops.cli import app
from tests.engines.scheduling.test_mapping import _document

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
