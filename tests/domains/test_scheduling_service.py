"""Schedules as a product: built from the staffing plan, published, edited with audit, changed
by approved requests, read by agents, handover notes acknowledged, other tenants kept out.

The plan week (from PLAN_DAY, Europe/Oslo) holds the spring clock change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from contactops.domains.forecasting import service as forecasting
from contactops.domains.organization import service as organization
from contactops.domains.scheduling import service
from contactops.platform.audit import Actor, AuditEntry
from contactops.platform.database import Database
from contactops.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.conftest import World
from tests.domains.test_forecasting_service import PLAN_DAY, with_history

__all__ = ["with_history"]
OSLO = ZoneInfo("Europe/Oslo")
AGENTS = 12


def as_user(world: World, role: str, tenant: str = "a") -> service.Scope:
    tenant_id = world.tenant_a if tenant == "a" else world.tenant_b
    return service.Scope(
        tenant_id, "alpha", "Europe/Oslo", Actor(world.users.get(role), f"{role}@a.example")
    )


@pytest.fixture
def planned(db: Database, with_history: World) -> World:
    """Plan version 1 for the week of PLAN_DAY, and eight agents (the first is the agent user,
    the second the supervisor user, so both can make requests)."""
    world = with_history
    planner = as_user(world, "wfm")
    forecasting.create_plan(db, planner, first_day=PLAN_DAY, days=7, history_weeks=3,
                            today=PLAN_DAY)  # fmt: skip
    with db.session(tenant_id=world.tenant_a, actor=planner.actor) as session:
        for n in range(AGENTS):
            user = {0: world.users["agent"], 1: world.users["supervisor"]}.get(n)
            organization.create_agent_in(
                session, code=f"a{n}", display_name=f"Agent {n}",
                team_name="Day team" if n < 6 else "Late team", skills={}, user_id=user,
            )  # fmt: skip
    return world


@pytest.fixture
def built(db: Database, planned: World) -> service.ScheduleView:
    return service.build_schedule(db, as_user(planned, "wfm"), time_limit_s=5, seed=1)


def test_a_schedule_covers_the_plan_under_the_rules(
    db: Database, planned: World, built: service.ScheduleView
) -> None:
    assert built.summary.version == 1 and built.summary.status == "draft"
    assert built.summary.plan_version == 1
    assert built.summary.result["status"] in ("optimal", "feasible")
    assert built.shifts and built.problems == []
    plan = forecasting.get_plan(db, as_user(planned, "wfm"))
    (billing,) = plan.queues
    assert built.coverage.starts_at == billing.starts_at  # the real intervals, DST day too
    assert built.coverage.required == billing.scheduled_agents
    # Shifts lie in the week, one a day per agent, breaks inside them.
    for shift in built.shifts:
        assert PLAN_DAY <= shift.day < PLAN_DAY + timedelta(days=7)
        assert shift.starts_at.astimezone(OSLO).date() == shift.day
        for activity in shift.activities:
            assert shift.starts_at <= activity.starts_at < activity.ends_at <= shift.ends_at
    days = [(s.agent_code, s.day) for s in built.shifts]
    assert len(days) == len(set(days))
    # Busy weekday mornings are covered; the closed weekend is not staffed.
    local = [t.astimezone(OSLO) for t in built.coverage.starts_at]
    morning = local.index(datetime(2026, 3, 24, 9, 30, tzinfo=OSLO))
    assert built.coverage.scheduled[morning] >= built.coverage.required[morning] - 1
    assert built.coverage.under < sum(built.coverage.required) * 0.2


def test_publishing_shows_the_schedule_to_agents_and_supersedes_the_older(
    db: Database, planned: World, built: service.ScheduleView
) -> None:
    planner, agent = as_user(planned, "wfm"), as_user(planned, "agent")
    assert service.my_schedule(db, agent, PLAN_DAY, 7).shifts == []  # a draft is not shown
    published = service.publish(db, planner, 1)
    assert published.status == "published" and published.published_by == planned.users["wfm"]
    with pytest.raises(Conflict):
        service.publish(db, planner, 1)
    mine = service.my_schedule(db, agent, PLAN_DAY, 7)
    assert mine.agent is not None and mine.agent.code == "a0"
    assert [s.id for s in mine.shifts] == [s.id for s in built.shifts if s.agent_code == "a0"]

    copy = service.copy_schedule(db, planner, 1, note="rework")
    assert copy.version == 2 and copy.based_on == 1 and copy.status == "draft"
    service.publish(db, planner, 2)
    assert [s.status for s in service.list_schedules(db, planner)] == ["published", "superseded"]
    mine = service.my_schedule(db, agent, PLAN_DAY, 7)
    v2 = service.get_schedule(db, planner, 2)
    assert {s.id for s in mine.shifts} <= {s.id for s in v2.shifts}
    team = service.team_schedule(db, planner, PLAN_DAY, 7, team="Day team")
    assert {s.team for d in team for s in d.shifts} <= {"Day team"}
    with pytest.raises(Conflict):  # a superseded version is history
        service.delete_shift(db, planner, 1, built.shifts[0].id)


def test_planner_edits_are_checked_audited_and_all_or_nothing(
    db: Database, planned: World, built: service.ScheduleView
) -> None:
    planner = as_user(planned, "wfm")
    shift = next(s for s in built.shifts if s.day == PLAN_DAY)
    edit = service.ShiftInput(shift.agent_code, shift.day, "08:00", "16:30",
                              activities=(("lunch", "12:00", "12:30"),))  # fmt: skip
    with pytest.raises(InvalidInput) as bad:
        service.save_shift(db, planner, 1, service.ShiftInput(shift.agent_code, shift.day,
                                                              "8h", "16:00"), shift.id)  # fmt: skip
    assert bad.value.field == "start"
    with pytest.raises(InvalidInput) as outside:
        service.save_shift(db, planner, 1, service.ShiftInput(
            shift.agent_code, shift.day, "08:00", "16:00",
            activities=(("lunch", "17:00", "17:30"),)), shift.id)  # fmt: skip
    assert outside.value.field == "activities[0]"
    view = service.save_shift(db, planner, 1, edit, shift.id)
    changed = next(s for s in view.shifts if s.id == shift.id)
    assert changed.starts_at == datetime(2026, 3, 23, 7, 0, tzinfo=UTC)
    assert changed.paid_minutes == 8 * 60
    assert view.summary.revision == 1
    # A second shift for the same agent that overlaps is refused, and nothing is stored.
    overlapping = service.ShiftInput(shift.agent_code, shift.day, "09:00", "10:00")
    with pytest.raises(Conflict):
        service.save_shift(db, planner, 1, overlapping)
    assert len(service.get_schedule(db, planner, 1).shifts) == len(built.shifts)
    # A late shift the evening before an early one breaks the rest rule, and says so. The test
    # builds the pair itself: the solver's own next-day shift may start late enough to rest.
    next_day = next(
        (s for s in view.shifts if s.agent_code == shift.agent_code
         and s.day == shift.day + timedelta(days=1)),
        None,
    )  # fmt: skip
    early = service.ShiftInput(shift.agent_code, shift.day + timedelta(days=1), "06:00", "14:00")
    service.save_shift(db, planner, 1, early, None if next_day is None else next_day.id)
    late = service.ShiftInput(shift.agent_code, shift.day, "17:00", "23:30")
    view = service.save_shift(db, planner, 1, late, shift.id)
    assert any(p.rule == "min_rest_hours" and p.agent == shift.agent_code
               for p in view.problems)  # fmt: skip
    with db.session(tenant_id=planned.tenant_a) as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "schedule_shift",
                                     AuditEntry.action == "updated")
        ).all()  # fmt: skip
    assert entries and entries[0].actor_user_id == planned.users["wfm"]
    assert entries[0].before is not None and "starts_at" in entries[0].before


def test_time_off_and_swaps_need_approval_and_respect_the_rules(
    db: Database, planned: World, built: service.ScheduleView
) -> None:
    planner, agent = as_user(planned, "wfm"), as_user(planned, "agent")
    peer, supervisor = as_user(planned, "supervisor"), as_user(planned, "manager")
    service.publish(db, planner, 1)
    with pytest.raises(Forbidden):  # a user who is no agent has no schedule to change
        service.request_time_off(db, planner, PLAN_DAY, "dentist")

    mine = [s for s in built.shifts if s.agent_code == "a0"]
    off = service.request_time_off(db, agent, mine[0].day, "dentist")
    assert off.status == "pending" and off.shift is not None
    decided = service.decide_request(db, supervisor, off.id, approve=True, note="ok")
    assert decided.status == "approved"
    shifts = service.my_schedule(db, agent, PLAN_DAY, 7).shifts
    assert next(s for s in shifts if s.day == mine[0].day).kind == "time_off"
    with pytest.raises(Conflict):
        service.decide_request(db, supervisor, off.id, approve=False)

    theirs = [s for s in built.shifts if s.agent_code == "a1"]
    swap = service.request_swap(db, agent, mine[-1].id, "a1", theirs[-1].id, reason="family")
    assert swap.status == "pending_peer"
    with pytest.raises(Conflict):  # the colleague has not accepted yet
        service.decide_request(db, supervisor, swap.id, approve=True)
    with pytest.raises(Forbidden):  # only the colleague answers
        service.answer_swap(db, agent, swap.id, accept=True)
    assert service.answer_swap(db, peer, swap.id, accept=True).status == "pending"
    try:
        result = service.decide_request(db, supervisor, swap.id, approve=True)
    except Conflict as refused:  # the swap breaks a rule: named, and nothing changed
        assert "a0" in refused.detail or "a1" in refused.detail
        assert service.list_requests(db, supervisor, status="pending")[0].id == swap.id
        result = service.decide_request(db, supervisor, swap.id, approve=True, force=True)
    assert result.status == "approved"
    v1 = service.get_schedule(db, planner, 1)
    owner = {s.id: s.agent_code for s in v1.shifts}
    assert owner[mine[-1].id] == "a1" and owner[theirs[-1].id] == "a0"


def test_handover_notes_reach_the_next_shift_and_are_acknowledged(
    db: Database, planned: World, built: service.ScheduleView
) -> None:
    planner, agent = as_user(planned, "wfm"), as_user(planned, "agent")
    service.publish(db, planner, 1)
    first = min((s for s in built.shifts if s.agent_code == "a0"), key=lambda s: s.starts_at)
    window = (first.starts_at - timedelta(hours=1), first.starts_at + timedelta(hours=1))
    note = service.add_handover(db, planner, "Billing system is slow; use the fallback form.",
                                *window)  # fmt: skip
    assert ("Agent 0", None) in note.readers
    mine = service.my_schedule(db, agent, PLAN_DAY, 7)
    assert [h.id for h in mine.handovers] == [note.id]
    assert mine.handovers[0].acknowledged_at is None
    read = service.acknowledge(db, agent, note.id)
    assert read.acknowledged_at is not None
    assert service.acknowledge(db, agent, note.id).acknowledged_at == read.acknowledged_at
    listed = service.list_handovers(db, planner, window[0] - timedelta(days=1))
    assert dict(listed[0].readers)["Agent 0"] is not None
    with pytest.raises(InvalidInput):
        service.add_handover(db, planner, "  ", *window)
    elsewhere = service.add_handover(db, planner, "Night only.", window[0] - timedelta(days=30),
                                     window[0] - timedelta(days=29))  # fmt: skip
    with pytest.raises(Forbidden):
        service.acknowledge(db, agent, elsewhere.id)


def test_other_tenants_see_nothing(
    db: Database, planned: World, built: service.ScheduleView
) -> None:
    bravo = service.Scope(planned.tenant_b, "bravo", "Asia/Shanghai",
                          Actor(planned.users["admin_b"], "admin@b.example"))  # fmt: skip
    with pytest.raises(NotFound):
        service.get_schedule(db, bravo, 1)
    assert service.list_schedules(db, bravo) == []
    with pytest.raises(NotFound):
        service.decide_request(db, bravo, 1, approve=True)


def test_feed_tokens_are_per_user(planned: World) -> None:
    token = service.feed_token(planned.tenant_a, planned.users["agent"])
    assert service.check_feed_token(planned.tenant_a, planned.users["agent"], token)
    assert not service.check_feed_token(planned.tenant_a, planned.users["supervisor"], token)
    assert not service.check_feed_token(planned.tenant_b, planned.users["agent"], token)
