"""The stored event log: idempotent appends, legs kept current, one tenant never sees another."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from contactops.domains.events import service as events
from contactops.domains.events.models import ContactEventRecord, ContactLegRecord
from contactops.engines.events import (
    AgentState,
    AgentStateEvent,
    Channel,
    ContactEvent,
    ContactEventType,
    IntervalVolume,
)
from contactops.platform.database import Database
from tests.conftest import World

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _call(contact_id: str, answered_after_s: float | None = 30.0) -> list[ContactEvent]:
    """A call that arrives at T0, queues 10 s later, then is answered or abandoned."""

    def at(seconds: float, kind: ContactEventType, agent: str | None = None) -> ContactEvent:
        return ContactEvent(
            T0 + timedelta(seconds=seconds), contact_id, kind, Channel.PHONE, "billing", agent, "c1"
        )

    steps = [at(0, ContactEventType.ARRIVED), at(10, ContactEventType.ENTERED_QUEUE)]
    if answered_after_s is None:
        return [*steps, at(70, ContactEventType.ABANDONED)]
    answer = 10 + answered_after_s
    return [
        *steps,
        at(answer, ContactEventType.ANSWERED, "a1"),
        at(answer + 200, ContactEventType.ENDED, "a1"),
        at(answer + 230, ContactEventType.WRAPUP_ENDED, "a1"),
    ]


def test_appending_the_same_events_twice_stores_them_once(db: Database, world: World) -> None:
    with db.session(tenant_id=world.tenant_a) as session:
        first = events.append_contact_events_in(session, _call("k1"))
    with db.session(tenant_id=world.tenant_a) as session:
        again = events.append_contact_events_in(session, [*_call("k1"), *_call("k2", None)])
        stored = session.scalar(select(func.count()).select_from(ContactEventRecord))
    assert (first.added, first.duplicates) == (5, 0)
    assert (again.added, again.duplicates) == (3, 5)  # only the abandoned call k2 is new
    assert stored == 8


def test_legs_follow_new_events_of_a_contact(db: Database, world: World) -> None:
    with db.session(tenant_id=world.tenant_a) as session:
        events.append_contact_events_in(session, _call("k1")[:2])  # still queued
        (open_leg,) = session.scalars(select(ContactLegRecord)).all()
        assert open_leg.outcome == "open" and open_leg.answered_at is None
    with db.session(tenant_id=world.tenant_a) as session:
        events.append_contact_events_in(session, _call("k1"))  # the rest arrives later
        (leg,) = session.scalars(select(ContactLegRecord)).all()
    # queued at +10 s, answered at +40 s, ended at +240 s, wrap-up ended at +270 s
    assert leg.outcome == "answered" and leg.agent == "a1"
    assert (leg.wait_s, leg.talk_s, leg.wrapup_s, leg.handle_s) == (30.0, 200.0, 30.0, 230.0)


def test_agent_states_and_intervals_are_idempotent_too(db: Database, world: World) -> None:
    states = [
        AgentStateEvent(T0, "a1", AgentState.READY),
        AgentStateEvent(T0 + timedelta(minutes=5), "a1", AgentState.NOT_READY, "coaching"),
    ]
    volume = IntervalVolume("billing", T0, 30, offered=42, handled=40, aht_s=300.0)
    with db.session(tenant_id=world.tenant_a) as session:
        assert events.append_agent_events_in(session, states).added == 2
        assert events.append_intervals_in(session, [volume]).added == 1
    with db.session(tenant_id=world.tenant_a) as session:
        assert events.append_agent_events_in(session, states).duplicates == 2
        assert events.append_intervals_in(session, [volume]).duplicates == 1
        table = events.agent_states_table_in(session, T0, T0 + timedelta(hours=1))
    assert table.column("reason").to_pylist() == [None, "coaching"]


def test_a_tenant_reads_only_its_own_log(db: Database, world: World) -> None:
    with db.session(tenant_id=world.tenant_a) as session:
        events.append_contact_events_in(session, _call("k1"))
    with db.session(tenant_id=world.tenant_b) as session:
        # The same content in another tenant is another event: keys are unique per tenant.
        assert events.append_contact_events_in(session, _call("k1")[:2]).added == 2
        legs = events.legs_table_in(session, T0, T0 + timedelta(days=1))
        summary = events.summary_in(session)
    assert legs.num_rows == 1 and legs.column("outcome").to_pylist() == ["open"]
    assert (summary.contact_events, summary.contacts) == (2, 1)
