"""What-if service: a scenario built from a tenant's own history, and what-if changes.

The history is itself simulated from a known scenario, so what the service reads back from the
event log can be checked against what went in.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from contactops.domains.events import service as events
from contactops.domains.simulation import service
from contactops.engines.simulation.config import scenario_from_mapping
from contactops.engines.simulation.engine import run_general
from contactops.engines.simulation.output import (
    agent_event_list,
    agent_state_events,
    contact_event_list,
    contact_events,
)
from contactops.platform.auth import Principal
from contactops.platform.database import Database
from contactops.platform.errors import InvalidInput
from contactops.platform.identity import Role
from tests.conftest import World

OSLO = ZoneInfo("Europe/Oslo")
MONDAYS = [date(2026, 3, 2), date(2026, 3, 9)]
RATE_PER_HOUR = 60.0


def history_day(day: date, seed: int) -> dict[str, Any]:
    return {
        "start": f"{day.isoformat()}T08:00",
        "time_zone": "Europe/Oslo",
        "hours": 8,
        "seed": seed,
        "queues": [
            {"code": "billing", "arrivals": {"per_hour": RATE_PER_HOUR},
             "talk": {"distribution": "lognormal", "mean_s": 240, "cv": 0.8},
             "wrapup": {"distribution": "exponential", "mean_s": 30},
             "patience": {"mean_s": 90}}
        ],
        "agents": [
            {"group": "early", "count": 3, "skills": {"billing": 5}, "codes": ["e1", "e2", "e3"],
             "shifts": [{"start": "08:00", "end": "12:00",
                         "breaks": [{"at": "10:00", "minutes": 15}]}]},
            {"group": "late", "count": 2, "skills": {"billing": 5}, "codes": ["l1", "l2"],
             "shifts": [{"start": "12:00", "end": "16:00"}]},
        ],
    }  # fmt: skip


def principal(world: World, tenant_id: int, slug: str, zone: str) -> Principal:
    return Principal(
        world.users["admin"], "admin@a.example", "Admin", None, tenant_id, slug, slug,
        zone, "en", Role.ADMIN, "session", None, (),
    )  # fmt: skip


@pytest.fixture
def with_history(db: Database, world: World) -> World:
    from contactops.domains.organization.service import create_agent_in, ensure_skill_in

    with db.session(tenant_id=world.tenant_a) as session:
        ensure_skill_in(session, "billing")
        for code in ("e1", "e2", "e3", "l1", "l2"):
            create_agent_in(
                session, code=code, display_name=code, team_name=None, skills={"billing": 5}
            )
        for seed, day in enumerate(MONDAYS, start=1):
            run = run_general(scenario_from_mapping(history_day(day, seed)))
            events.append_contact_events_in(
                session, contact_event_list(contact_events(run, prefix=f"d{seed}-"))
            )
            events.append_agent_events_in(session, agent_event_list(agent_state_events(run)))
    return world


def test_the_tenant_scenario_reads_demand_handling_and_roster_from_history(
    db: Database, with_history: World
) -> None:
    world = with_history
    me = principal(world, world.tenant_a, "alpha", "Europe/Oslo")
    mapping = service.tenant_scenario(db, me, "Europe/Oslo", date(2026, 3, 16))
    variant = service.variant_of(mapping)  # it is a valid scenario
    assert variant.scenario.start == datetime.combine(date(2026, 3, 16), time(8), OSLO)
    billing = mapping["queues"][0]
    assert billing["code"] == "billing"
    per_half_hour = billing["arrivals"]["per_interval"]
    mean = sum(per_half_hour[:16]) / 16
    assert RATE_PER_HOUR / 2 * 0.8 < mean < RATE_PER_HOUR / 2 * 1.2
    assert 240 * 0.8 < billing["talk"]["mean_s"] < 240 * 1.25
    assert 30 * 0.7 < billing["wrapup"]["mean_s"] < 30 * 1.3
    assert 40 < billing["patience"]["mean_s"] < 200  # exponential MLE from waits and abandons
    shifts = sorted((g["shifts"][0]["start"], g["count"]) for g in mapping["agents"])
    assert shifts[0] == ("08:00", 3) and shifts[-1][0] == "12:00"
    early = next(g for g in mapping["agents"] if g["shifts"][0]["start"] == "08:00")
    assert early["shifts"][0]["breaks"][0]["at"].startswith("10:")


def test_another_tenant_sees_none_of_that_history(db: Database, with_history: World) -> None:
    world = with_history
    other = principal(world, world.tenant_b, "bravo", "Asia/Shanghai")
    mapping = service.tenant_scenario(db, other, "Asia/Shanghai", date(2026, 3, 16))
    assert all(sum(q["arrivals"]["per_interval"]) == 0 for q in mapping["queues"])
    assert [g["count"] for g in mapping["agents"]] == [0]  # an empty group to fill
    service.variant_of(mapping)


def test_changes_make_a_valid_variant_and_bad_changes_name_the_field(
    with_history: World,
) -> None:
    base = history_day(date(2026, 3, 2), 1)
    variant = service.apply_changes(
        base,
        service.Changes(
            agents={"late": 4}, selection={"billing": "best_skill"}, overflow={"billing": (0, "")}
        ),
    )
    assert variant.scenario.agents[1].count == 4
    assert base["agents"][1]["count"] == 2  # the base is not modified
    with pytest.raises(InvalidInput) as raised:
        service.apply_changes(base, service.Changes(agents={"nobody": 1}))
    assert raised.value.field == "agents"
    with pytest.raises(InvalidInput) as raised:
        service.apply_changes(base, service.Changes(selection={"billing": "random"}))
    assert raised.value.field == "selection.billing"


def test_interactive_runs_are_limited(with_history: World) -> None:
    day = history_day(date(2026, 3, 2), 1)
    day["queues"][0]["arrivals"]["per_hour"] = 20_000.0  # 160,000 contacts a replication
    variant = service.variant_of(day)
    with pytest.raises(InvalidInput, match="limit") as raised:
        service.check_interactive_size(variant.scenario, 10)
    assert raised.value.field == "replications"
    with pytest.raises(InvalidInput, match="between 1 and"):
        service.check_interactive_size(variant.scenario, 0)
