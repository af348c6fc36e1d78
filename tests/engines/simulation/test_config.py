"""Scenario files: every field read, local times in the scenario's zone, errors that name the
field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from contactops.engines.simulation.config import ScenarioError, scenario_from_mapping
from contactops.engines.simulation.distributions import Shape

EXAMPLE = Path(__file__).parents[3] / "examples" / "scenarios" / "two-queues.yaml"


def minimal(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "start": "2026-03-28T08:00",
        "time_zone": "Europe/Oslo",
        "interval_minutes": 30,
        "hours": 4,
        "queues": [{"code": "q", "arrivals": {"per_hour": 60}, "talk": 120}],
        "agents": [{"group": "a", "count": 3, "skills": {"q": 5}}],
    }
    base.update(changes)
    return base


def test_the_example_scenario_reads_completely() -> None:
    scenario = scenario_from_mapping(yaml.safe_load(EXAMPLE.read_text()))
    assert [q.code for q in scenario.queues] == ["billing", "tech", "chat"]
    billing = scenario.queue("billing")
    assert billing.talk.shape == Shape.LOGNORMAL and billing.talk.mean_s == 280
    assert billing.overflow is not None and billing.overflow.to == "tech"
    assert billing.callback is not None and billing.retrial is not None
    assert scenario.queue("chat").concurrency == 2
    assert scenario.intervals == 20 and scenario.lines == 40
    assert scenario.start == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    early = scenario.agents[0]
    assert early.count == 16 and len(early.shifts) == 1 and len(early.shifts[0].breaks) == 2


def test_a_bare_number_is_a_mean_and_per_hour_becomes_per_interval() -> None:
    scenario = scenario_from_mapping(minimal())
    queue = scenario.queues[0]
    assert queue.talk.shape == Shape.EXPONENTIAL and queue.talk.mean_s == 120
    assert queue.arrivals == (30.0,) * 8
    assert queue.patience is None


def test_a_pattern_of_arrivals_repeats_over_the_horizon() -> None:
    queues = [{"code": "q", "arrivals": {"per_interval": [1, 2]}, "talk": 60}]
    scenario = scenario_from_mapping(minimal(queues=queues))
    assert scenario.queues[0].arrivals == (1.0, 2.0) * 4


def test_shift_times_are_local_on_a_daylight_saving_day() -> None:
    """Oslo moves its clocks forward on Sunday 29 March 2026 at 02:00."""
    agents = [
        {"group": "day", "count": 1, "skills": {"q": 5},
         "shifts": [{"start": "08:00", "end": "16:00", "breaks": [{"at": "12:00", "minutes": 30}]}]}
    ]  # fmt: skip
    scenario = scenario_from_mapping(minimal(start="2026-03-28T00:00", hours=48, agents=agents))
    origin = scenario.start.timestamp()
    shifts = scenario.agents[0].shifts
    assert len(shifts) == 2
    starts = [datetime.fromtimestamp(origin + s.start_s, UTC) for s in shifts]
    assert [t.hour for t in starts] == [7, 6]  # 08:00 CET, then 08:00 CEST
    assert shifts[1].end_s - shifts[1].start_s == 8 * 3600
    lunch = datetime.fromtimestamp(origin + shifts[1].breaks[0][0], UTC)
    assert lunch.hour == 10 and shifts[1].breaks[0][1] == 1800


def test_a_night_shift_runs_past_midnight_and_is_clipped_to_the_horizon() -> None:
    agents = [
        {"group": "night", "count": 2, "skills": {"q": 5},
         "shifts": [{"start": "17:30", "end": "01:00"}]}
    ]  # fmt: skip
    scenario = scenario_from_mapping(minimal(start="2026-01-05T12:00", hours=24, agents=agents))
    shifts = scenario.agents[0].shifts
    # 17:30–01:00 on the 5th (from 5.5 h to 13 h after the start), then 17:30–(12:00 cut)…
    assert [(s.start_s / 3600, s.end_s / 3600) for s in shifts] == [(5.5, 13.0)]


@pytest.mark.parametrize(
    ("changes", "path", "reason"),
    [
        ({"start": None}, "start", "is required"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "unknown time zone"),
        ({"hours": 4, "days": 1}, "days", "only one"),
        ({"queues": []}, "queues", "non-empty list"),
        ({"queues": [{"code": "q", "arrivals": {"per_hour": 5}, "talk": -3}]},
         "queues[0].talk.mean_s", "≥ 0"),
        ({"queues": [{"code": "q", "arrivals": {"per_hour": 5}, "talk": 60, "channel": "fax"}]},
         "queues[0].channel", "unknown value 'fax'"),
        ({"queues": [{"code": "q", "arrivals": {"per_interval": [1, 2, 3]}, "talk": 60}]},
         "queues[0].arrivals.per_interval", "has 3 values"),
        ({"queues": [{"code": "q", "arrivals": {"per_hour": 5}, "talk": 60,
                      "overflow": {"after_s": 30, "to": "nowhere"}}]},
         "", "overflow to unknown queue 'nowhere'"),
        ({"queues": [{"code": "q", "arrivals": {"per_hour": 5}, "talk": 60, "tlak": 1}]},
         "queues[0].tlak", "unknown field"),
        ({"agents": [{"group": "a", "count": 1, "skills": {"x": 5}}]},
         "", "unknown queue(s) ['x']"),
        ({"agents": [{"group": "a", "count": 1, "skills": {"q": 5},
                      "shifts": [{"start": "25:00", "end": "08:00"}]}]},
         "agents[0].shifts[0].start", "time of day"),
        ({"queues": [{"code": "q", "arrivals": {"per_hour": 5}, "talk": 60,
                      "callback": {"offer_after_s": 60, "accept_probability": 1.5}}]},
         "queues[0].callback.accept_probability", "between 0 and 1"),
    ],
)  # fmt: skip
def test_errors_name_the_field(changes: dict[str, Any], path: str, reason: str) -> None:
    data = minimal()
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    with pytest.raises(ScenarioError) as raised:
        scenario_from_mapping(data)
    assert raised.value.path == path
    assert reason in str(raised.value)


def test_a_scenario_must_be_a_mapping() -> None:
    with pytest.raises(ScenarioError, match="mapping"):
        scenario_from_mapping(["not", "a", "mapping"])
