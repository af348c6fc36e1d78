"""`contactops simulate`: a scenario file in, KPIs with intervals out (no database)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from contactops.cli import app

runner = CliRunner()
EXAMPLE = Path(__file__).parents[1] / "examples" / "scenarios" / "two-queues.yaml"


def test_json_report_has_every_queue_with_intervals(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["simulate", str(EXAMPLE), "--replications", "3", "--json", "--events", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["replications"] == 3 and report["engine"] == "general"
    assert report["scopes"] == ["all", "billing", "tech", "chat"]
    offered = report["kpis"]["all"]["offered"]
    assert offered["mean"] > 1500 and offered["half_width"] is not None
    by_queue = sum(report["kpis"][q]["offered"]["mean"] for q in ("billing", "tech", "chat"))
    assert abs(by_queue - offered["mean"]) < 1e-6
    assert 0 < report["kpis"]["all"]["occupancy"]["mean"] < 1
    assert report["intervals"] and report["time_zone"] == "Europe/Oslo"
    events = pq.read_table(tmp_path / "contact_events.parquet")
    assert events.num_rows > 5 * report["contacts"][0] * 0.9
    assert pq.read_table(tmp_path / "agent_states.parquet").num_rows > 0


def test_the_table_shows_intervals_and_the_engine() -> None:
    result = runner.invoke(app, ["simulate", str(EXAMPLE), "--replications", "2"])
    assert result.exit_code == 0, result.output
    assert "Service level" in result.output and "±" in result.output
    assert "engine: general" in result.output


def test_a_single_queue_runs_on_the_fast_path_and_the_seed_repeats(tmp_path: Path) -> None:
    scenario = tmp_path / "one.yaml"
    scenario.write_text(
        "start: 2026-01-05T08:00\nhours: 8\nseed: 3\n"
        "queues: [{code: q, arrivals: {per_hour: 100}, talk: 180, patience: 90}]\n"
        "agents: [{group: a, count: 6, skills: [q]}]\n"
    )
    runs = [
        json.loads(runner.invoke(app, ["simulate", str(scenario), "--json"]).output)
        for _ in range(2)
    ]
    assert runs[0]["engine"] == "fast"
    assert runs[0]["kpis"] == runs[1]["kpis"]
    other = json.loads(
        runner.invoke(app, ["simulate", str(scenario), "--json", "--seed", "4"]).output
    )
    assert other["kpis"] != runs[0]["kpis"]


def test_bad_files_fail_with_the_field(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["simulate", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1 and "no such file" in missing.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("mean_s: 280", "mean_s: -280"))
    result = runner.invoke(app, ["simulate", str(bad)])
    assert result.exit_code == 1
    assert "queues[0].talk.mean_s" in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("queues: [\n")
    result = runner.invoke(app, ["simulate", str(broken)])
    assert result.exit_code == 1 and "line" in result.output


def test_arrivals_can_come_from_a_forecast_file(tmp_path: Path) -> None:
    """Forecast rows (15-minute here) are summed into the scenario's 30-minute intervals."""
    rows = ["start,queue,calls"]
    for quarter in range(16):  # 08:00-12:00
        hour, minute = 8 + quarter // 4, 15 * (quarter % 4)
        rows.append(f"2026-01-05T{hour:02d}:{minute:02d}:00,q,{30 if hour < 10 else 5}")
    rows.append("2026-01-05T08:00:00,other,999")
    (tmp_path / "forecast.csv").write_text("\n".join(rows) + "\n")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "start: 2026-01-05T08:00\ntime_zone: Europe/Oslo\nhours: 4\n"
        "queues: [{code: q, arrivals: {forecast: forecast.csv}, talk: 60}]\n"
        "agents: [{group: a, count: 9, skills: [q]}]\n"
    )
    result = runner.invoke(app, ["simulate", str(scenario), "--json", "--replications", "4"])
    assert result.exit_code == 0, result.output
    offered = json.loads(result.output)["kpis"]["all"]["offered"]["mean"]
    assert 240 - 50 < offered < 280 + 50  # 8 × 30 + 8 × 5 = 280 expected
    (tmp_path / "forecast.csv").write_text("start,queue,calls\nyesterday,q,3\n")
    bad = runner.invoke(app, ["simulate", str(scenario)])
    assert bad.exit_code == 1 and "forecast.csv, line 2" in bad.output


def test_the_summary_of_an_m_m_n_plus_m_file_matches_erlang_a(tmp_path: Path) -> None:
    from contactops.engines.queueing.erlang_a import erlang_a

    scenario = tmp_path / "mmn.yaml"
    scenario.write_text(
        "start: 2026-01-05T00:00\nhours: 25\nwarmup_minutes: 60\nseed: 5\n"
        "queues: [{code: q, arrivals: {per_hour: 160}, talk: 180, patience: 120,"
        " service_level_s: 20}]\n"
        "agents: [{group: a, count: 9, skills: [q]}]\n"
    )
    result = runner.invoke(app, ["simulate", str(scenario), "--json", "--replications", "8"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)["summary"]["all"]
    theory = erlang_a(9, 160 / 3600, 180.0, 120.0, 20.0)
    for name, value in (
        ("service_level", theory.service_level),
        ("abandon_rate", theory.p_abandon),
        ("asa_s", theory.asa_s),
        ("occupancy", theory.occupancy),
    ):
        figure = summary[name]
        assert abs(figure["mean"] - float(value)) <= figure["half_width"], (name, figure, value)
