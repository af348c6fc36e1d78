"""`contactops staffing`: one interval (`calc`) and JSON-lines files (`batch`), no database.

Worked numbers: 100 calls per 1800 s at an AHT of 180 s offer A = 10 Erlangs.
- Erlang C, 80 % within 20 s: 13 agents reach only 79.56 %, so 14 are needed (88.84 %).
- Erlang B, at most 1 % blocked: 18 lines (B(17, 10) = 1.33 %, B(18, 10) = 0.71 %).
- Erlang A, patience 120 s, at most 5 % abandoned: 13 agents (12 lose 6.16 %, 13 lose 3.84 %).
Each is checked below against an independent computation, not only the literal.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from contactops.cli import app

runner = CliRunner()
WORKLOAD = {"calls": 100, "interval_s": 1800, "aht_s": 180}


def erlang_b(lines: int, load: float) -> float:
    """B(N, A) by the recursion B(k) = A·B(k−1) / (k + A·B(k−1)), B(0) = 1."""
    blocking = 1.0
    for k in range(1, lines + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def erlang_c(agents: int, load: float, aht_s: float, within_s: float) -> tuple[float, float]:
    """(service level, ASA): P(wait) = N·B / (N − A(1 − B)); SL = 1 − P(wait)·e^{−(N−A)t/AHT}."""
    blocking = erlang_b(agents, load)
    p_wait = agents * blocking / (agents - load * (1 - blocking))
    service_level = 1 - p_wait * math.exp(-(agents - load) * within_s / aht_s)
    return service_level, p_wait * aht_s / (agents - load)


def erlang_a_abandon(agents: int, calls: float, interval_s: float, aht_s: float, patience_s: float):
    """P(abandon) of M/M/N+M from its birth–death chain: θ·E[queue] / λ (truncated far out)."""
    arrival, service, abandon = calls / interval_s, 1 / aht_s, 1 / patience_s
    states = np.arange(3000)
    deaths = service * np.minimum(states, agents) + abandon * np.maximum(states - agents, 0)
    log_p = np.concatenate([[0.0], np.cumsum(np.log(arrival / deaths[1:]))])
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    return abandon * float((np.maximum(states - agents, 0) * p).sum()) / arrival


def _calc(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["staffing", "calc", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _options(row: dict[str, object]) -> list[str]:
    return [
        part for key, value in row.items() for part in (f"--{key.replace('_', '-')}", str(value))
    ]


def test_erlang_c_staffs_80_percent_in_20_seconds_with_14_agents() -> None:
    answer = _calc(*_options({**WORKLOAD, "target_sl": 0.8, "target_s": 20, "shrinkage": 0.3}))
    service_level, asa_s = erlang_c(14, 10.0, 180, 20)
    assert erlang_c(13, 10.0, 180, 20)[0] < 0.8 <= service_level
    assert answer["agents"] == 14
    assert answer["scheduled_agents"] == math.ceil(14 / 0.7) == 20
    assert answer["service_level"] == pytest.approx(service_level, rel=1e-6)
    assert answer["asa_s"] == pytest.approx(asa_s, rel=1e-6)
    assert answer["occupancy"] == pytest.approx(10 / 14)
    assert answer["p_abandon"] is None and answer["p_block"] is None
    assert answer["feasible"] is True


def test_erlang_b_staffs_one_percent_blocking_with_18_lines() -> None:
    answer = _calc("--model", "erlang_b", *_options({**WORKLOAD, "max_blocking": 0.01}))
    assert erlang_b(17, 10.0) > 0.01 >= erlang_b(18, 10.0)
    assert answer["agents"] == 18
    assert answer["p_block"] == pytest.approx(erlang_b(18, 10.0), rel=1e-6)
    assert answer["service_level"] is None and answer["asa_s"] is None
    assert answer["feasible"] is True


def test_erlang_a_staffs_five_percent_abandonment_with_13_agents() -> None:
    row = {**WORKLOAD, "patience_s": 120, "max_abandon": 0.05}
    answer = _calc("--model", "erlang_a", *_options(row))
    assert (
        erlang_a_abandon(12, 100, 1800, 180, 120)
        > 0.05
        >= erlang_a_abandon(13, 100, 1800, 180, 120)
    )
    assert answer["agents"] == 13
    assert answer["p_abandon"] == pytest.approx(erlang_a_abandon(13, 100, 1800, 180, 120), rel=1e-4)
    assert answer["p_block"] is None
    assert answer["feasible"] is True


def test_evaluating_given_agents_and_an_overloaded_queue() -> None:
    at_13 = _calc(*_options({**WORKLOAD, "agents": 13, "target_s": 20}))
    assert at_13["agents"] == 13
    assert at_13["service_level"] == pytest.approx(erlang_c(13, 10.0, 180, 20)[0], rel=1e-6)
    overloaded = _calc(*_options({**WORKLOAD, "agents": 9}))
    assert overloaded["feasible"] is False
    assert overloaded["asa_s"] is None  # infinite: the queue grows without bound


def test_calc_prints_a_table_for_people_and_names_a_bad_field() -> None:
    result = runner.invoke(
        app, ["staffing", "calc", *_options({**WORKLOAD, "target_sl": 0.8, "target_s": 20})]
    )
    assert result.exit_code == 0, result.output
    assert "Agents" in result.output and "14" in result.output and "88.8%" in result.output
    bad = runner.invoke(
        app, ["staffing", "calc", "--calls", "100", "--aht-s", "-5", "--target-asa-s", "30"]
    )
    assert bad.exit_code == 1 and "aht_s: Must be more than 0." in bad.output


def _batch_lines() -> list[str]:
    return [
        json.dumps({"model": "erlang_c", **WORKLOAD, "target_sl": 0.8, "target_s": 20}),
        json.dumps({"model": "erlang_b", **WORKLOAD, "max_blocking": 0.01}),
        '{"model": "erlang_c", "calls": 100,',
        json.dumps({"model": "erlang_a", **WORKLOAD, "patience_s": 120, "max_abandon": 0.05}),
        json.dumps({"model": "erlang_x", **WORKLOAD, "target_asa_s": 30}),
        json.dumps({"model": "erlang_c", **WORKLOAD, "aht_s": -5, "target_asa_s": 30}),
        json.dumps({"model": "erlang_c", "interval_s": 1800, "aht_s": 180, "target_asa_s": 30}),
        json.dumps(
            {"model": "erlang_c", **WORKLOAD, "agents": 13, "target_s": 20, "shrinkage": 0.3}
        ),
        json.dumps({"model": "erlang_c", **WORKLOAD, "calls": "100", "target_asa_s": 30}),
        json.dumps({"model": "erlang_c", **WORKLOAD, "target_sl": 80, "target_s": 20}),
        json.dumps({"model": "erlang_c", **WORKLOAD, "agents": 9}),
    ]


def test_batch_answers_every_line_in_order_and_names_bad_fields(tmp_path: Path) -> None:
    lines = _batch_lines()
    source = tmp_path / "rows.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["staffing", "batch", str(source)])
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(lines)

    errors = {i + 1: a for i, a in enumerate(answers) if "error" in a}
    assert sorted(errors) == [3, 5, 6, 7, 9, 10]
    assert (
        errors[3]["line"] == 3 and "Line 3" in errors[3]["error"] and "JSON" in errors[3]["error"]
    )
    assert errors[5]["field"] == "model" and "erlang_b, erlang_c, erlang_a" in errors[5]["error"]
    assert errors[6]["field"] == "aht_s" and "aht_s: Must be more than 0." in errors[6]["error"]
    assert errors[7]["field"] == "calls" and "calls: Required." in errors[7]["error"]
    assert errors[9]["field"] == "calls" and "calls: Must be a number." in errors[9]["error"]
    assert errors[10]["field"] == "target_sl" and "Must be less than 1." in errors[10]["error"]

    for number, line in enumerate(lines, start=1):
        if number in errors:
            continue
        row = json.loads(line)
        model = row.pop("model")
        assert answers[number - 1] == _calc("--model", model, *_options(row)), number
    assert [answers[i]["agents"] for i in (0, 1, 3)] == [14, 18, 13]
    assert answers[7]["scheduled_agents"] == 19 and answers[10]["feasible"] is False


def test_batch_writes_a_file_skips_blank_lines_and_keeps_file_line_numbers(tmp_path: Path) -> None:
    source = tmp_path / "rows.jsonl"
    good = json.dumps({"model": "erlang_c", **WORKLOAD, "target_asa_s": 30})
    source.write_text(f"{good}\n\n  \n{{}}\n{good}\n", encoding="utf-8")
    target = tmp_path / "answers.jsonl"
    result = runner.invoke(app, ["staffing", "batch", str(source), "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    answers = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(answers) == 3
    assert answers[1]["line"] == 4 and answers[1]["field"] == "model"
    assert answers[0] == answers[2] and answers[0]["asa_s"] <= 30


def test_batch_reads_standard_input() -> None:
    row = json.dumps({"model": "erlang_b", **WORKLOAD, "lines": 18})
    result = runner.invoke(app, ["staffing", "batch", "-"], input=row + "\n")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["agents"] == 18 and answer["p_block"] == pytest.approx(erlang_b(18, 10.0))


def test_help_is_there() -> None:
    for group in (["staffing"], ["staffing", "calc"], ["staffing", "batch"]):
        result = runner.invoke(app, [*group, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output
