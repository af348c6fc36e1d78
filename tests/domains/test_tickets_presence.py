"""Presence on tickets: every open page beats; a beat answers the other users seen within the
last 15 seconds (typing or not) and the ticket's version; leaving forgets at once; old rows are
deleted; two beats of one user racing both succeed; another tenant's ticket is 404."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactops.domains.tickets import presence, service
from contactops.domains.tickets.models import TicketViewer
from contactops.platform.audit import Actor
from contactops.platform.database import Database
from contactops.platform.errors import NotFound
from tests.conftest import World

T0 = datetime(2026, 3, 6, 14, 30, tzinfo=UTC)


@contextmanager
def session_of(db: Database, world: World, role: str, tenant: str = "a") -> Iterator[Session]:
    tenant_id = world.tenant_a if tenant == "a" else world.tenant_b
    with db.session(tenant_id=tenant_id, actor=Actor(world.users[role], role)) as session:
        yield session


def open_ticket(db: Database, world: World) -> int:
    with session_of(db, world, "agent") as session:
        ticket = service.open_ticket_in(
            session, subject="Broken phone", body="It does not start.", channel="email",
            ticket_type="complaint", now=T0,
        )  # fmt: skip
        return ticket.number


def beat(
    db: Database, world: World, number: int, role: str, at: datetime, typing: bool = False
) -> presence.PresenceView:
    with session_of(db, world, role) as session:
        return presence.beat_in(session, number, world.users[role], typing, now=at)


def names(view: presence.PresenceView) -> list[str]:
    return [v.name for v in view.viewers]


def viewer_rows(db: Database, world: World) -> int:
    with session_of(db, world, "agent") as session:
        return session.scalar(select(func.count()).select_from(TicketViewer)) or 0


def test_two_agents_on_one_ticket_see_each_other_but_not_themselves(
    db: Database, world: World
) -> None:
    number = open_ticket(db, world)
    assert names(beat(db, world, number, "agent", T0)) == []
    seen = beat(db, world, number, "supervisor", T0 + timedelta(seconds=1))
    assert [(v.user_id, v.name, v.typing) for v in seen.viewers] == [
        (world.users["agent"], "Agent A", False)
    ]
    assert seen.viewers[0].seen_at == T0
    assert names(beat(db, world, number, "agent", T0 + timedelta(seconds=3))) == ["Supervisor A"]
    assert viewer_rows(db, world) == 2  # one row a user, refreshed by each beat


def test_a_viewer_typing_an_answer_is_shown_typing_until_they_stop(
    db: Database, world: World
) -> None:
    number = open_ticket(db, world)
    beat(db, world, number, "agent", T0, typing=True)
    assert [v.typing for v in beat(db, world, number, "supervisor", T0).viewers] == [True]
    beat(db, world, number, "agent", T0 + timedelta(seconds=4), typing=False)
    later = beat(db, world, number, "supervisor", T0 + timedelta(seconds=5))
    assert [v.typing for v in later.viewers] == [False]


def test_a_viewer_not_seen_for_15_seconds_is_not_shown(db: Database, world: World) -> None:
    number = open_ticket(db, world)
    beat(db, world, number, "agent", T0)
    ttl = timedelta(seconds=presence.PRESENCE_TTL_S)
    assert names(beat(db, world, number, "supervisor", T0 + ttl)) == ["Agent A"]
    assert names(beat(db, world, number, "qa", T0 + ttl + timedelta(seconds=1))) == ["Supervisor A"]


def test_rows_not_refreshed_for_a_minute_are_deleted(db: Database, world: World) -> None:
    number = open_ticket(db, world)
    beat(db, world, number, "agent", T0)
    beat(db, world, number, "supervisor", T0 + timedelta(seconds=30))
    with session_of(db, world, "supervisor") as session:
        presence.forget_stale_in(session, now=T0 + timedelta(seconds=61))
    with session_of(db, world, "agent") as session:
        users = session.scalars(select(TicketViewer.user_id)).all()
    assert users == [world.users["supervisor"]]


def test_leaving_forgets_the_viewer_at_once(db: Database, world: World) -> None:
    number = open_ticket(db, world)
    beat(db, world, number, "agent", T0)
    with session_of(db, world, "agent") as session:
        presence.leave_in(session, number, world.users["agent"])
    assert names(beat(db, world, number, "supervisor", T0 + timedelta(seconds=1))) == []
    assert viewer_rows(db, world) == 1


def test_the_answered_version_grows_when_the_other_agent_replies(
    db: Database, world: World
) -> None:
    number = open_ticket(db, world)
    opened_at = beat(db, world, number, "agent", T0).version
    assert beat(db, world, number, "supervisor", T0).version == opened_at
    with session_of(db, world, "supervisor") as session:
        service.reply_in(session, number, "Refunded.", version=opened_at)
    assert beat(db, world, number, "agent", T0 + timedelta(seconds=3)).version > opened_at


def test_beats_of_one_user_racing_all_succeed_and_leave_one_row(db: Database, world: World) -> None:
    number = open_ticket(db, world)
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def race(offset_s: int) -> None:
        start.wait()
        try:
            beat(db, world, number, "agent", T0 + timedelta(seconds=offset_s), typing=True)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert viewer_rows(db, world) == 1


def test_presence_rows_carry_the_tenant_and_another_tenant_gets_not_found(
    db: Database, world: World
) -> None:
    number = open_ticket(db, world)
    beat(db, world, number, "agent", T0)
    with db.session(system=True) as session:
        assert session.scalars(select(TicketViewer.tenant_id)).all() == [world.tenant_a]
    with session_of(db, world, "admin_b", tenant="b") as session:
        with pytest.raises(NotFound, match="T-1"):
            presence.beat_in(session, number, world.users["admin_b"], False, now=T0)
        with pytest.raises(NotFound):
            presence.leave_in(session, number, world.users["admin_b"])
        assert session.scalars(select(TicketViewer)).all() == []  # a's rows are invisible
        presence.forget_stale_in(session, now=T0 + timedelta(days=1))
    assert viewer_rows(db, world) == 1  # and b's clean-up does not reach them
