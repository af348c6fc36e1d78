"""The live center as a service: arrivals, offers, ring-no-answer, waits, overflow, callbacks,
handling and wrap-up, agents' states, recovery from the database, tenant isolation — and the
event log telling the same story, one outcome a contact."""

from __future__ import annotations

import functools
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from contactops.domains.events.models import AgentStateRecord, ContactEventRecord, ContactLegRecord
from contactops.domains.live import service
from contactops.domains.live.flow import Flow
from contactops.domains.live.models import LiveContact
from contactops.domains.organization import service as organization
from contactops.domains.organization.models import Queue
from contactops.platform.audit import Actor
from contactops.platform.auth import Scope
from contactops.platform.database import Database
from contactops.platform.errors import Conflict, InvalidInput, NotFound
from tests.conftest import World

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Oslo


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def scope_of(world: World, role: str = "admin") -> Scope:
    return Scope(world.tenant_a, "alpha", "Europe/Oslo", Actor(world.users[role], f"{role}@a"))


@pytest.fixture
def center(db: Database, world: World) -> World:
    """Queues sales (skill sales), support (skill support), chat (skill chat); agents a1..a3:
    a1 sales 8 + support 3, a2 sales 5, a3 support 7 + chat 5."""
    with db.session(tenant_id=world.tenant_a, actor=Actor.system("test")) as session:
        organization.create_queue_in(session, code="sales", name="Sales", skill_code="sales")
        organization.create_queue_in(session, code="support", name="Support", skill_code="support")
        organization.create_queue_in(
            session, code="web", name="Web chat", channel="chat", skill_code="chat"
        )
        organization.create_agent_in(
            session, code="a1", display_name="Ann", team_name="T", skills={"sales": 8, "support": 3}
        )
        organization.create_agent_in(
            session, code="a2", display_name="Bo", team_name="T", skills={"sales": 5}
        )
        organization.create_agent_in(
            session,
            code="a3",
            display_name="Cai",
            team_name="T",
            skills={"support": 7, "chat": 5},
            user_id=world.users["agent"],
        )
    return world


def agent(db: Database, world: World, code: str) -> int:
    return service.agent_id_of(db, world.tenant_a, code)


def ready(db: Database, world: World, *codes: str, when: float = 0) -> None:
    for code in codes:
        service.set_presence(db, world.tenant_a, agent(db, world, code), "ready", now=at(when))


def call(
    db: Database,
    world: World,
    ref: str,
    queue: str = "sales",
    when: float = 0,
    caller: str | None = None,
) -> service.ArrivalView:
    return service.contact_arrived(
        db,
        world.tenant_a,
        channel="phone",
        queue=queue,
        caller=caller,
        external_ref=ref,
        now=at(when),
        identify=True,
    )


def events_of(db: Database, world: World, contact_id: str) -> list[tuple[str, str | None]]:
    with db.session(tenant_id=world.tenant_a) as session:
        rows = session.execute(
            select(ContactEventRecord.event_type, ContactEventRecord.agent)
            .where(ContactEventRecord.contact_id == contact_id)
            .order_by(ContactEventRecord.id)
        ).all()
    return [(t, a) for t, a in rows]


def outcomes(db: Database, world: World) -> dict[str, str | None]:
    with db.session(tenant_id=world.tenant_a) as session:
        rows = session.execute(select(LiveContact.public_id, LiveContact.outcome)).all()
    return dict(rows)


def test_a_call_is_offered_answered_ended_and_wrapped_up(db: Database, center: World) -> None:
    ready(db, center, "a2", when=0)
    ready(db, center, "a1", when=5)  # a2 has been idle longer
    view = call(db, center, "c1", when=10)
    assert (view.status, view.agent) == ("offered", "a2")
    a2 = agent(db, center, "a2")
    service.accept(db, center.tenant_a, a2, view.contact_id, now=at(14))
    service.hold(db, center.tenant_a, a2, view.contact_id, True, now=at(30))
    service.hold(db, center.tenant_a, a2, view.contact_id, False, now=at(40))
    service.end(db, center.tenant_a, a2, view.contact_id, now=at(100))
    desk = service.desktop(db, center.tenant_a, a2)
    assert desk.state == "wrapup" and desk.contacts[0].status == "wrapup"
    service.wrap_up(
        db, center.tenant_a, a2, view.contact_id, code="resolved", resolved=True, now=at(120)
    )
    assert events_of(db, center, view.contact_id) == [
        ("arrived", None),
        ("entered_queue", None),
        ("offered", "a2"),
        ("answered", "a2"),
        ("hold", "a2"),
        ("unhold", "a2"),
        ("ended", "a2"),
        ("wrapup_ended", "a2"),
        ("resolved", "a2"),
    ]
    service.refresh_legs(db, center.tenant_a)
    with db.session(tenant_id=center.tenant_a) as session:
        leg = session.scalar(select(ContactLegRecord))
        states = (
            session.execute(
                select(AgentStateRecord.state)
                .where(AgentStateRecord.agent == "a2")
                .order_by(AgentStateRecord.id)
            )
            .scalars()
            .all()
        )
    assert leg is not None and leg.outcome == "answered"
    assert (leg.wait_s, leg.talk_s, leg.hold_s, leg.wrapup_s) == (4.0, 76.0, 10.0, 20.0)
    assert states == ["logged_in", "ready", "on_contact", "wrapup", "ready"]
    assert outcomes(db, center) == {view.contact_id: "answered"}


def test_ring_no_answer_requeues_and_puts_the_agent_not_ready(db: Database, center: World) -> None:
    ready(db, center, "a2", when=0)
    ready(db, center, "a1", when=5)
    view = call(db, center, "c1", when=10)
    assert view.agent == "a2"
    assert service.run_timers(db, center.tenant_a, now=at(29)) == 0
    assert service.run_timers(db, center.tenant_a, now=at(30)) == 1  # 20 s ring timeout
    status = service.call_status(db, center.tenant_a, "c1")
    assert (status.status, status.agent) == ("offered", "a1")
    desk = service.desktop(db, center.tenant_a, agent(db, center, "a2"))
    assert (desk.presence, desk.reason) == ("not_ready", "ring_no_answer")
    assert [e for e in events_of(db, center, view.contact_id)] == [
        ("arrived", None),
        ("entered_queue", None),
        ("offered", "a2"),
        ("offer_missed", "a2"),
        ("offered", "a1"),
    ]


def test_a_contact_waits_in_line_and_goes_to_the_agent_who_frees_up(
    db: Database, center: World
) -> None:
    ready(db, center, "a2", when=0)
    first = call(db, center, "c1", when=1)
    second = call(db, center, "c2", when=2)
    third = call(db, center, "c3", when=3)
    assert (second.status, third.status) == ("waiting", "waiting")
    a2 = agent(db, center, "a2")
    service.call_answered(db, center.tenant_a, "c1", None, now=at(4))
    service.call_ended(db, center.tenant_a, "c3", now=at(20))  # c3 hangs up: abandoned
    service.call_ended(db, center.tenant_a, "c1", "agent", now=at(60))
    service.wrap_up(db, center.tenant_a, a2, first.contact_id, code=None, now=at(70))
    assert service.call_status(db, center.tenant_a, "c2").agent == "a2"
    assert outcomes(db, center)[third.contact_id] == "abandoned"


def test_closed_and_full_queues_block_and_offer_a_callback(db: Database, center: World) -> None:
    scope = scope_of(center)
    service.update_queue_routing(db, scope, "sales", {"max_queue_length": 1})
    assert call(db, center, "c1", when=0).status == "waiting"
    full = call(db, center, "c2", when=1)
    assert (full.outcome, full.blocked_reason, full.callback_offered) == (
        "blocked",
        "queue_full",
        True,
    )
    service.update_queue_routing(
        db, scope, "support", {"opening_hours": {"tue": [["11:00", "17:00"]]}}
    )
    closed = call(db, center, "c3", queue="support", when=2)  # 10:00 in Oslo
    assert (closed.outcome, closed.blocked_reason) == ("blocked", "closed")
    opened = call(db, center, "c4", queue="support", when=3600)  # 11:00
    assert opened.status == "waiting"
    with pytest.raises(InvalidInput) as error:
        service.update_queue_routing(db, scope, "support", {"opening_hours": {"xyz": []}})
    assert error.value.field == "opening_hours"


def test_max_wait_times_out_and_overflow_moves_keeping_the_place(
    db: Database, center: World
) -> None:
    scope = scope_of(center)
    service.update_queue_routing(
        db, scope, "sales", {"overflow_after_s": 30, "overflow_queue": "support"}
    )
    service.update_queue_routing(db, scope, "support", {"max_wait_s": 120})
    early = call(db, center, "c1", queue="support", when=0)
    moved = call(db, center, "c2", queue="sales", when=5)
    service.run_timers(db, center.tenant_a, now=at(35))
    assert service.call_status(db, center.tenant_a, "c2").queue == "support"
    ready(db, center, "a3", when=40)  # support only: takes the older c1 first
    assert service.call_status(db, center.tenant_a, "c1").agent == "a3"
    service.run_timers(db, center.tenant_a, now=at(35 + 120))
    assert outcomes(db, center)[moved.contact_id] == "timed_out"
    assert events_of(db, center, moved.contact_id)[-3:] == [
        ("overflowed", None),
        ("entered_queue", None),
        ("timed_out", None),
    ]
    assert early.status == "waiting"


def test_overflow_can_widen_the_skill_set(db: Database, center: World) -> None:
    service.update_queue_routing(
        db, scope_of(center), "support", {"overflow_after_s": 30, "overflow_skill": "sales"}
    )
    ready(db, center, "a2", when=0)  # sales only
    call(db, center, "c1", queue="support", when=1)
    assert service.call_status(db, center.tenant_a, "c1").status == "waiting"
    service.run_timers(db, center.tenant_a, now=at(31))
    status = service.call_status(db, center.tenant_a, "c1")
    assert (status.status, status.agent, status.queue) == ("offered", "a2", "support")


def test_virtual_hold_keeps_the_place_in_line(db: Database, center: World) -> None:
    first = call(db, center, "c1", when=0, caller="+4790000001")
    call(db, center, "c2", when=10)
    callback = service.request_callback(db, center.tenant_a, "c1", by_external_ref=True, now=at(20))
    assert callback.status == "waiting"
    ready(db, center, "a2", when=30)
    desk = service.desktop(db, center.tenant_a, agent(db, center, "a2"))
    assert [(c.channel, c.caller) for c in desk.contacts] == [("callback", "+4790000001")]
    assert outcomes(db, center)[first.contact_id] == "callback"
    scheduled = service.schedule_callback(
        db, center.tenant_a, queue="sales", number="+47123", at=at(3600), now=at(40)
    )
    assert scheduled.status == "scheduled"
    service.run_timers(db, center.tenant_a, now=at(3600))
    assert service.call_status  # scheduled callbacks enter the queue when due
    with db.session(tenant_id=center.tenant_a) as session:
        row = session.scalar(
            select(LiveContact).where(LiveContact.public_id == scheduled.contact_id)
        )
        assert row is not None and row.status == "waiting"


def test_chats_run_concurrently_up_to_the_limit(db: Database, center: World) -> None:
    ready(db, center, "a3", when=0)
    a3 = agent(db, center, "a3")
    chats = [
        service.start_chat(db, center.tenant_a, queue="web", name=f"C{n}", email=None, now=at(n))
        for n in range(1, 5)
    ]
    assert [c.status for c in chats] == ["offered", "offered", "offered", "waiting"]
    service.accept(db, center.tenant_a, a3, chats[0].contact_id, now=at(10))
    service.customer_message(db, center.tenant_a, chats[0].contact_id, "Hello?", now=at(11))
    service.agent_message(db, center.tenant_a, a3, chats[0].contact_id, "Hi!", now=at(12))
    view = service.chat_view(db, center.tenant_a, chats[0].contact_id)
    assert [(m.sender, m.body) for m in view.messages][-2:] == [
        ("customer", "Hello?"),
        ("agent", "Hi!"),
    ]
    assert service.chat_view(db, center.tenant_a, chats[3].contact_id).position == 1
    service.customer_left(db, center.tenant_a, chats[0].contact_id, now=at(20))
    service.wrap_up(db, center.tenant_a, a3, chats[0].contact_id, code="resolved", now=at(25))
    assert service.chat_view(db, center.tenant_a, chats[3].contact_id).status == "offered"


def test_the_center_is_rebuilt_from_the_database(db: Database, center: World) -> None:
    ready(db, center, "a2", when=0)
    call(db, center, "c1", when=1)
    service.call_answered(db, center.tenant_a, "c1", None, now=at(2))
    waiting = call(db, center, "c2", when=3)
    service.forget_center(db, center.tenant_a)  # as after a restart
    assert service.recover(db, now=at(4)) == [center.tenant_a]
    a2 = agent(db, center, "a2")
    service.call_ended(db, center.tenant_a, "c1", "agent", now=at(30))
    first = service.desktop(db, center.tenant_a, a2).contacts[0].id
    service.wrap_up(db, center.tenant_a, a2, first, code=None, now=at(31))
    assert service.call_status(db, center.tenant_a, "c2").agent == "a2"
    assert outcomes(db, center)[waiting.contact_id] is None


def test_an_agent_with_open_contacts_cannot_log_out(db: Database, center: World) -> None:
    ready(db, center, "a2", when=0)
    call(db, center, "c1", when=1)
    with pytest.raises(Conflict):
        service.set_presence(db, center.tenant_a, agent(db, center, "a2"), "logged_out", now=at(2))


def test_sticky_agent_gets_the_returning_customer(db: Database, center: World) -> None:
    ready(db, center, "a1", when=0)
    ready(db, center, "a2", when=1)
    first = call(db, center, "c1", when=2, caller="+4711111111")
    assert first.agent == "a1"
    a1 = agent(db, center, "a1")
    service.call_answered(db, center.tenant_a, "c1", None, now=at(3))
    service.call_ended(db, center.tenant_a, "c1", now=at(10))
    service.wrap_up(db, center.tenant_a, a1, first.contact_id, code=None, now=at(11))
    # a2 is now the longest idle, but the customer's last agent a1 is free: a1 gets it.
    again = service.contact_arrived(
        db,
        center.tenant_a,
        channel="phone",
        queue="sales",
        caller="+4711111111",
        external_ref="c2",
        now=at(20),
        identify=True,
    )
    assert again.agent == "a1"


def test_other_tenants_see_nothing(db: Database, center: World) -> None:
    view = call(db, center, "c1", when=0)
    with pytest.raises(service.NotFound):
        service.call_status(db, center.tenant_b, "c1")
    with pytest.raises(service.NotFound):
        service.customer_left(db, center.tenant_b, view.contact_id)


def test_with_nobody_logged_in_the_expected_wait_is_unknown(db: Database, center: World) -> None:
    view = call(db, center, "c1", when=0)
    assert view.status == "waiting" and view.expected_wait_s is None
    ready(db, center, "a1", when=1)
    second = call(db, center, "c2", when=2)
    assert second.expected_wait_s is not None and second.expected_wait_s > 0


def test_the_wallboard_measures_each_queue_against_its_own_threshold(
    db: Database, center: World
) -> None:
    """Both calls wait 25 s; sales answers within 20 s (missed), support within 30 s (met)."""
    with db.session(tenant_id=center.tenant_a, actor=Actor.system("test")) as session:
        queue = session.scalar(select(Queue).where(Queue.code == "support"))
        assert queue is not None
        queue.service_level_threshold_s = 30
    ready(db, center, "a2", "a3", when=0)
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    for ref, queue_code, agent_code in (("t1", "sales", "a2"), ("t2", "support", "a3")):
        view = service.contact_arrived(
            db, center.tenant_a, channel="phone", queue=queue_code, external_ref=ref, now=now
        )
        assert view.agent == agent_code
        agent_id = agent(db, center, agent_code)
        service.accept(
            db, center.tenant_a, agent_id, view.contact_id, now=now + timedelta(seconds=25)
        )
        service.end(db, center.tenant_a, agent_id, view.contact_id, now=now + timedelta(seconds=60))
        service.wrap_up(
            db,
            center.tenant_a,
            agent_id,
            view.contact_id,
            code="resolved",
            now=now + timedelta(seconds=61),
        )
    service.refresh_legs(db, center.tenant_a)
    service._wallboard_cache.clear()
    board = {q.code: q for q in service.wallboard_view(db, center.tenant_a).queues}
    assert (board["sales"].answered_today, board["sales"].service_level_today) == (1, 0.0)
    assert (board["support"].answered_today, board["support"].service_level_today) == (1, 1.0)


def test_configuration_changed_elsewhere_reaches_a_loaded_center(
    db: Database, center: World
) -> None:
    """A new agent linked to a user, made in the organization domain while the center is
    loaded, can work at once; the center keeps its live state (rebuilt from the database)."""
    ready(db, center, "a1", when=0)
    waiting = call(db, center, "k1", queue="sales", when=1)
    assert waiting.agent == "a1"
    assert center.tenant_a in service.loaded_tenants(db)
    with db.session(tenant_id=center.tenant_a, actor=Actor.system("test")) as session:
        organization.create_agent_in(
            session,
            code="a9",
            display_name="Dag",
            team_name="T",
            skills={"sales": 9},
            user_id=center.users["supervisor"],
        )
    scope = scope_of(center, "supervisor")
    a9 = service.agent_of_user(db, scope)
    assert a9 == agent(db, center, "a9")
    service.set_presence(db, scope, a9, "ready", now=at(2))
    assert call(db, center, "k2", queue="sales", when=3).agent == "a9"
    assert service.call_status(db, center.tenant_a, "k1").agent == "a1"  # still ringing there


def test_kept_rows_spare_the_reads_and_stay_true_to_the_database(
    db: Database, center: World
) -> None:
    """Once loaded, an action on an open contact reads neither the contact nor its agent again;
    what the center keeps stays what is stored — also after the legs of an open contact were
    refreshed in between, so its next event marks the legs stale again."""
    ready(db, center, "a2", when=0)
    view = call(db, center, "r1", when=1)
    a2 = agent(db, center, "a2")
    statements: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        service.accept(db, center.tenant_a, a2, view.contact_id, now=at(3))
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in reads if "FROM live_contact" in s or "FROM live_agent" in s], reads
    assert service.refresh_legs(db, center.tenant_a) == 1
    service.end(db, center.tenant_a, a2, view.contact_id, now=at(30))
    with db.session(tenant_id=center.tenant_a) as session:
        stored = session.scalar(select(LiveContact).where(LiveContact.public_id == view.contact_id))
    assert stored is not None and stored.status == "wrapup" and stored.legs_stale
    service.forget_center(db, center.tenant_a)  # rebuilt from the database: the same story
    service.wrap_up(db, center.tenant_a, a2, view.contact_id, code="resolved", now=at(40))
    assert outcomes(db, center) == {view.contact_id: "answered"}
    assert [t for t, _a in events_of(db, center, view.contact_id)][-2:] == ["ended", "wrapup_ended"]


def test_a_refusal_before_any_change_keeps_the_loaded_center(db: Database, center: World) -> None:
    """Refused actions are common under load (an accept after the offer moved on): they leave
    the center as it is, instead of rebuilding it from the database."""
    ready(db, center, "a2", when=0)
    view = call(db, center, "k1", when=1)
    a1, a2 = agent(db, center, "a1"), agent(db, center, "a2")
    loaded = service._registry(db).centers[center.tenant_a]
    with pytest.raises(NotFound):  # not on a1's desktop
        service.accept(db, center.tenant_a, a1, view.contact_id, now=at(2))
    with pytest.raises(Conflict):  # ringing, not in wrap-up
        service.wrap_up(db, center.tenant_a, a2, view.contact_id, code=None, now=at(2))
    with pytest.raises(InvalidInput):
        service.wrap_up(db, center.tenant_a, a2, view.contact_id, code="nonsense", now=at(2))
    assert service._registry(db).centers[center.tenant_a] is loaded
    service.accept(db, center.tenant_a, a2, view.contact_id, now=at(3))
    service.call_ended(db, center.tenant_a, "k1", "customer", now=at(20))
    service.wrap_up(db, center.tenant_a, a2, view.contact_id, code="resolved", now=at(25))
    assert service._registry(db).centers[center.tenant_a] is loaded
    assert outcomes(db, center) == {view.contact_id: "answered"}
    assert [t for t, _a in events_of(db, center, view.contact_id)] == [
        "arrived", "entered_queue", "offered", "answered", "ended", "wrapup_ended",
    ]  # fmt: skip


def test_a_group_writes_its_changed_rows_in_one_update_a_table(db: Database, center: World) -> None:
    """The rows a group's calls change are written when the group ends: one UPDATE a table
    (an executemany), whatever each call changed; a refusal in between stays in the group."""
    ready(db, center, "a1", "a2", "a3", when=0)
    queues = ("sales", "sales", "support")  # a1 and a2 take sales, a3 support
    views = [call(db, center, f"u{n}", queue=q, when=1 + n) for n, q in enumerate(queues)]
    a = {code: agent(db, center, code) for code in ("a1", "a2", "a3")}
    thread = service._registry(db).thread
    gate = threading.Event()
    statements: list[tuple[str, bool]] = []

    def note(*args: object) -> None:
        statement, executemany = args[2], args[5]
        if str(statement).lstrip().upper().startswith("UPDATE"):
            statements.append((str(statement).split()[1], bool(executemany)))

    def queued(function: object, *args: object, **kwargs: object) -> object:
        key = service._group_key(function.__name__, args, kwargs)  # type: ignore[attr-defined]
        work = functools.partial(function, db, *args, **kwargs)  # type: ignore[arg-type]
        return thread.submit(work, group_key=key)

    thread.submit(gate.wait)  # the thread is busy: what follows queues up
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        first = queued(service.accept, center.tenant_a, a[views[0].agent], views[0].contact_id,
                       now=at(5))  # fmt: skip
        wrong = queued(service.accept, center.tenant_a, a[views[0].agent], views[1].contact_id,
                       now=at(5))  # fmt: skip
        rest = [
            queued(service.accept, center.tenant_a, a[v.agent], v.contact_id, now=at(6))
            for v in views[1:]
        ]
        gate.set()
        for future in (first, *rest):
            future.result(timeout=30)  # type: ignore[attr-defined]
        with pytest.raises(NotFound):
            wrong.result(timeout=30)  # type: ignore[attr-defined]
    finally:
        gate.set()
        event.remove(db.engine, "before_cursor_execute", note)
    assert sorted(statements) == [("live_agent", True), ("live_contact", True)]
    service.forget_center(db, center.tenant_a)  # what is stored tells the same
    for n in range(3):
        assert service.call_status(db, center.tenant_a, f"u{n}").status == "connected"
    with db.session(tenant_id=center.tenant_a) as session:
        logged = session.scalars(
            select(AgentStateRecord.state).where(AgentStateRecord.occurred_at >= at(5))
        ).all()
    assert sorted(logged) == ["on_contact"] * 3


class _Rollback(Exception):
    pass


def test_a_call_that_changes_a_row_changed_earlier_in_its_group_changed_something(
    db: Database, center: World
) -> None:
    """A refusal stays in its group only when the call changed nothing: a row an earlier call
    left unwritten and this call changes again is a change (compared by value)."""
    ready(db, center, "a1", when=0)
    a1 = agent(db, center, "a1")
    loaded = service._registry(db).centers[center.tenant_a]
    with pytest.raises(_Rollback), db.session(tenant_id=center.tenant_a) as session:
        earlier = Flow(session, loaded, at(1), "UTC")
        earlier.live_agent(a1).reason = "earlier"  # not yet written
        call = Flow(session, loaded, at(1), "UTC")
        assert call.untouched()
        call.live_agent(a1).reason = "earlier"  # the same value: no change
        assert call.untouched()
        call.live_agent(a1).reason = "this call"
        assert not call.untouched()
        raise _Rollback
    service.forget_center(db, center.tenant_a)  # its kept row was changed in memory


def test_calls_queued_together_share_one_transaction(db: Database, center: World) -> None:
    """Calls that wait while the live-center thread is busy run as one group: one commit, the
    same answers and events as one by one. A call that fails after changing something (the PBX
    reporting again a call that has ended: its call id is taken) rolls the group back, and each
    call of it runs again on its own; a refusal before any change stays in the group."""
    ready(db, center, "a1", "a2", "a3", when=0)
    old = call(db, center, "old", when=1)
    a = {code: agent(db, center, code) for code in ("a1", "a2", "a3")}
    service.accept(db, center.tenant_a, a[old.agent], old.contact_id, now=at(2))
    service.call_ended(db, center.tenant_a, "old", "customer", now=at(3))
    service.wrap_up(db, center.tenant_a, a[old.agent], old.contact_id, code=None, now=at(4))
    thread = service._registry(db).thread
    gate = threading.Event()
    thread.submit(gate.wait)  # the thread is busy: what follows queues up
    commits: list[object] = []

    def committed(connection: object) -> None:
        commits.append(connection)

    event.listen(db.engine, "commit", committed)

    def queued(function: object, *args: object, **kwargs: object) -> object:
        name = function.__name__  # type: ignore[attr-defined]
        key = service._group_key(name, args, kwargs)
        work = functools.partial(function, db, *args, **kwargs)  # type: ignore[arg-type]
        return thread.submit(work, group_key=key)

    def arrival(ref: str, queue: str, when: float) -> object:
        return queued(
            service.contact_arrived, center.tenant_a, channel="phone", queue=queue,
            caller=f"+4791{len(ref):02d}{when:04.0f}", external_ref=ref, now=at(when),
            identify=True,
        )  # fmt: skip

    refs = ["g0", "g1", "g2", "h0", "h1", "h2"]
    try:
        first = [
            arrival(r, "sales" if n % 2 else "support", 10 + n) for n, r in enumerate(refs[:3])
        ]
        wrong = queued(service.accept, center.tenant_a, a["a1"], "no-such-contact", now=at(14))
        gate.set()
        views = [f.result(timeout=30) for f in first]  # type: ignore[attr-defined]
        with pytest.raises(NotFound):
            wrong.result(timeout=30)  # type: ignore[attr-defined]
        assert len(commits) == 1  # one transaction for the group
        gate.clear()
        thread.submit(gate.wait)
        before = arrival(refs[3], "support", 20)
        repeat = arrival("old", "sales", 21)
        later = [arrival(r, "support", 22 + n) for n, r in enumerate(refs[4:])]
        gate.set()
        views += [f.result(timeout=30) for f in (before, *later)]  # type: ignore[attr-defined]
        again = repeat.result(timeout=30)  # type: ignore[attr-defined]
    finally:
        gate.set()
        event.remove(db.engine, "commit", committed)
    assert again.contact_id == old.contact_id and again.status == "ended"
    stored = outcomes(db, center)
    assert {v.contact_id for v in views} | {old.contact_id} == set(stored)
    for ref, view in zip(refs, views, strict=True):
        assert [t for t, _a in events_of(db, center, view.contact_id)][:2] == [
            "arrived", "entered_queue",
        ]  # fmt: skip
        assert service.call_status(db, center.tenant_a, ref).status == view.status
    offered = [v for v in views if v.status == "offered"]
    assert len({v.agent for v in offered}) == len(offered) == 3  # each agent one call
    service.forget_center(db, center.tenant_a)  # what is stored tells the same
    assert [service.call_status(db, center.tenant_a, ref).status for ref in refs] == [
        v.status for v in views
    ]
