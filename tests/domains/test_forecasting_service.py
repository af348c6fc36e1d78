"""The staffing plan: forecasts from the event log, staffing per interval, versions and
overrides, other tenants kept out.

The history is simulated from a known day shape (busier mornings), so the plan's forecast can
be checked against what went in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from contactops.domains.events import service as events
from contactops.domains.forecasting import service
from contactops.engines.simulation.config import scenario_from_mapping
from contactops.engines.simulation.engine import run_general
from contactops.engines.simulation.output import contact_event_list, contact_events
from contactops.platform.audit import Actor, AuditEntry
from contactops.platform.database import Database
from contactops.platform.errors import Conflict, InvalidInput, NotFound
from tests.conftest import World

OSLO = ZoneInfo("Europe/Oslo")
FIRST_HISTORY_DAY = date(2026, 3, 2)  # a Monday; three weeks of weekdays follow
PLAN_DAY = date(2026, 3, 23)  # the next Monday; its week holds the spring clock change (29th)
MORNING_PER_HOUR, AFTERNOON_PER_HOUR = 40.0, 20.0


def history_day(day: date, seed: int) -> dict[str, Any]:
    """08:00–16:00 local: 40 calls an hour until noon, 20 after, talk 4 minutes."""
    return {
        "start": f"{day.isoformat()}T08:00",
        "time_zone": "Europe/Oslo",
        "hours": 8,
        "seed": seed,
        "queues": [
            {"code": "billing",
             "arrivals": {"per_interval": [MORNING_PER_HOUR / 2] * 8
                                          + [AFTERNOON_PER_HOUR / 2] * 8},
             "talk": {"distribution": "exponential", "mean_s": 240},
             "patience": {"mean_s": 120}}
        ],
        "agents": [{"group": "a", "count": 6, "skills": {"billing": 5}}],
    }  # fmt: skip


def scope(tenant_id: int, slug: str, zone: str = "Europe/Oslo") -> service.Scope:
    return service.Scope(tenant_id, slug, zone, Actor(None, "planner@a.example"))


@pytest.fixture
def with_history(db: Database, world: World) -> World:
    with db.session(tenant_id=world.tenant_a) as session:
        for n in range(21):
            day = FIRST_HISTORY_DAY + timedelta(days=n)
            if day.weekday() >= 5:
                continue
            run = run_general(scenario_from_mapping(history_day(day, n + 1)))
            events.append_contact_events_in(
                session, contact_event_list(contact_events(run, prefix=f"d{n}-"))
            )
    return world


def test_a_plan_forecasts_each_interval_and_staffs_it(db: Database, with_history: World) -> None:
    alpha = scope(with_history.tenant_a, "alpha")
    plan = service.create_plan(db, alpha, first_day=PLAN_DAY, days=7, history_weeks=3,
                               shrinkage=0.25, today=PLAN_DAY)  # fmt: skip
    assert plan.version == 1 and plan.based_on is None
    (billing,) = plan.queues
    # 7 local days of half hours, less the hour the clocks skip on Sunday 29 March.
    assert len(billing.starts_at) == 7 * 48 - 2
    local = [t.astimezone(OSLO) for t in billing.starts_at]
    by_slot = {
        (t.weekday(), t.hour, t.minute): c for t, c in zip(local, billing.calls, strict=True)
    }
    assert by_slot[(0, 9, 0)] == pytest.approx(MORNING_PER_HOUR / 2, rel=0.35)
    assert by_slot[(0, 14, 0)] == pytest.approx(AFTERNOON_PER_HOUR / 2, rel=0.35)
    assert by_slot[(0, 9, 0)] > by_slot[(0, 14, 0)]
    assert by_slot[(0, 3, 0)] == pytest.approx(0, abs=0.05)  # closed at night
    assert by_slot[(5, 9, 0)] == pytest.approx(0, abs=0.05)  # and at weekends
    for calls, lo, hi in zip(billing.calls, billing.calls_lo, billing.calls_hi, strict=True):
        assert lo <= calls <= hi
    morning = local.index(datetime(2026, 3, 23, 9, 0, tzinfo=OSLO))
    assert billing.required_agents[morning] >= 3  # 20 calls × 240 s in 30 min = 2.7 Erlangs
    for required, scheduled in zip(billing.required_agents, billing.scheduled_agents, strict=True):
        assert scheduled * 0.75 >= required - 1e-9 and (scheduled - 1) * 0.75 < required
    assert billing.required_agents[local.index(datetime(2026, 3, 23, 3, 0, tzinfo=OSLO))] == 0
    assert plan.models["billing"] is not None


def test_an_override_makes_the_next_version_and_is_audited(
    db: Database, with_history: World
) -> None:
    alpha = scope(with_history.tenant_a, "alpha")
    first = service.create_plan(db, alpha, first_day=PLAN_DAY, days=7, history_weeks=3,
                                today=PLAN_DAY)  # fmt: skip
    tuesday = datetime(2026, 3, 24, 8, 0, tzinfo=OSLO)
    second = service.add_override(
        db, alpha, version=1, queue="billing", starts_at=tuesday,
        ends_at=tuesday + timedelta(hours=8), percent=20, reason="Campaign mail-out",
    )  # fmt: skip
    assert (second.version, second.based_on) == (2, 1)
    before, after = first.queues[0], second.queues[0]
    for t, old, new, old_req, new_req in zip(
        before.starts_at, before.calls, after.calls, before.required_agents,
        after.required_agents, strict=True,
    ):  # fmt: skip
        inside = tuesday <= t < tuesday + timedelta(hours=8)
        assert new == pytest.approx(old * (1.2 if inside else 1.0))
        assert new_req >= old_req if inside else new_req == old_req
    assert [o.reason for o in second.overrides] == ["Campaign mail-out"]
    assert service.get_plan(db, alpha).version == 2
    assert service.get_plan(db, alpha, 1).queues[0].calls == before.calls  # never changed
    with pytest.raises(Conflict):  # only the latest version takes overrides
        service.add_override(db, alpha, version=1, queue=None, starts_at=tuesday,
                             ends_at=tuesday + timedelta(hours=1), percent=5,
                             reason="late")  # fmt: skip
    with db.session(tenant_id=with_history.tenant_a) as session:
        audited = session.scalars(
            select(AuditEntry.entity_type).where(AuditEntry.actor_label == "planner@a.example")
        ).all()
    assert audited.count("staffing_plan") == 2 and audited.count("plan_override") == 1


def test_bad_overrides_name_the_field_and_change_nothing(db: Database, with_history: World) -> None:
    alpha = scope(with_history.tenant_a, "alpha")
    service.create_plan(db, alpha, first_day=PLAN_DAY, days=2, history_weeks=3, today=PLAN_DAY)
    at = datetime(2026, 3, 23, 9, tzinfo=UTC)
    cases = [
        ({"reason": " "}, "reason"),
        ({"percent": -100}, "percent"),
        ({"ends_at": at}, "ends_at"),
        ({"queue": "nope"}, "queue"),
        ({"starts_at": at + timedelta(days=30), "ends_at": at + timedelta(days=31)}, "starts_at"),
    ]
    for change, field in cases:
        given = {"version": 1, "queue": "billing", "starts_at": at,
                 "ends_at": at + timedelta(hours=1), "percent": 10.0,
                 "reason": "why"} | change  # fmt: skip
        with pytest.raises(InvalidInput) as error:
            service.add_override(db, alpha, **given)  # type: ignore[arg-type]
        assert error.value.field == field
    assert [p.version for p in service.list_plans(db, alpha)] == [1]


def test_another_tenant_sees_no_plan_and_plans_from_its_own_history(
    db: Database, with_history: World
) -> None:
    alpha = scope(with_history.tenant_a, "alpha")
    service.create_plan(db, alpha, first_day=PLAN_DAY, days=1, history_weeks=3, today=PLAN_DAY)
    bravo = scope(with_history.tenant_b, "bravo", "Asia/Shanghai")
    with pytest.raises(NotFound):
        service.get_plan(db, bravo)
    assert service.list_plans(db, bravo) == []
    own = service.create_plan(db, bravo, first_day=PLAN_DAY, days=1, history_weeks=3,
                              today=PLAN_DAY)  # fmt: skip
    assert own.version == 1  # versions count per tenant
    assert sum(own.queues[0].calls) == 0 and own.queues[0].model is None  # no history of its own
