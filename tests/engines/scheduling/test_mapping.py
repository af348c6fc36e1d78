"""The JSON problem format: reading with errors that name the field, writing a schedule."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contactops.engines.scheduling import ProblemError, solve
from contactops.engines.scheduling.mapping import (
    options_from_mapping,
    problem_from_mapping,
    schedule_to_mapping,
)

from .builders import FAST


def _document() -> dict[str, Any]:
    day = [0] * 9 + [1] * 8 + [0] * 7
    return {
        "interval_minutes": 60,
        "first_weekday": 0,
        "requirements": [day, day],
        "templates": [
            {
                "code": "D8",
                "start_minutes": {"from": 420, "to": 600, "every": 60},
                "length_minutes": 480,
                "breaks": [
                    {
                        "length_minutes": 60,
                        "earliest_start_minutes": 180,
                        "latest_start_minutes": 300,
                    }
                ],
                "cost_per_hour": 20,
            }
        ],
        "agents": [
            {"code": "a1", "max_hours_per_week": 40},
            {"code": "a2", "unavailable": [{"day": 1, "start_minute": 0, "end_minute": 1440}]},
            {"code": "a3", "preferences": [{"weight": 5, "days": [0]}]},
        ],
        "rules": {"min_days_off_per_week": None, "min_rest_hours": 11},
        "options": {"time_limit_s": 5, "seed": 1},
    }


def test_a_problem_document_solves_and_the_schedule_is_json() -> None:
    document = _document()
    problem = problem_from_mapping(document)
    assert problem.templates[0].start_minutes == (420, 480, 540, 600)
    assert problem.rules.min_days_off_per_week is None
    assert options_from_mapping(document).time_limit_s == 5
    schedule = solve(problem, FAST)
    mapping = schedule_to_mapping(schedule)
    text = json.dumps(mapping)
    back = json.loads(text)
    assert back["status"] in ("optimal", "feasible")
    assert back["coverage"][""]["under_total"] == 0
    assert {s["agent"] for s in back["shifts"] if s["day"] == 1} <= {"a1", "a3"}
    assert back["shifts"][0]["breaks"][0]["paid"] is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["agents"][2].update(min_hours_per_week="x"), "agents[2].min_hours_per_week"),
        (lambda d: d["agents"][1].update(max_hours_per_week=-1), "agents[1].max_hours_per_week"),
        (lambda d: d["agents"][0].update(contracted_hours=3), "agents[0].contracted_hours"),
        (lambda d: d["agents"][0].update(templates=["Z"]), "agents[0].templates[0]"),
        (lambda d: d["templates"][0].update(length_minutes=450), "templates[0].length_minutes"),
        (
            lambda d: d["templates"][0]["breaks"][0].update(latest_start_minutes=480),
            "templates[0].breaks[0].latest_start_minutes",
        ),
        (lambda d: d.pop("interval_minutes"), "interval_minutes"),
        (lambda d: d["requirements"][1].append(0), "requirements"),
        (lambda d: d["rules"].update(max_consecutive_days=0), "rules.max_consecutive_days"),
        (
            lambda d: d["agents"][0].update(unavailable=[{"day": 0}]),
            "agents[0].unavailable[0].start_minute",
        ),
    ],
)
def test_errors_name_the_field(change: Any, field: str) -> None:
    document = _document()
    change(document)
    with pytest.raises(ProblemError) as raised:
        problem_from_mapping(document)
    assert raised.value.field == field
