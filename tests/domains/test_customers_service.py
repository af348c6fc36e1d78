"""Customer profiles: identifiers normalised, contacts identified, duplicates merged with their
history, notes and merges audited, one tenant never reaching another's customers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from contactops.domains.customers import service
from contactops.domains.customers.models import Customer, CustomerIdentifier, CustomerNote
from contactops.domains.events import service as events
from contactops.engines.events import Channel, ContactEvent, ContactEventType
from contactops.platform.audit import Actor, AuditEntry
from contactops.platform.database import Database
from contactops.platform.errors import Conflict, InvalidInput, NotFound
from tests.conftest import World

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
E = ContactEventType


def answered_contact(
    contact_id: str,
    customer_id: int | str,
    arrived_at: datetime = T0,
    channel: Channel = Channel.PHONE,
    *,
    transfer_to: str | None = None,
) -> list[ContactEvent]:
    """Arrives, waits 20 s in ``billing``, talks 200 s to a1 and wraps up 30 s; with
    ``transfer_to``, a1 hands it to that queue after 60 s and a2 answers it there."""
    customer = str(customer_id)

    def at(seconds: float, kind: E, queue: str | None = "billing", agent: str | None = None,
           **data: str) -> ContactEvent:  # fmt: skip
        return ContactEvent(
            arrived_at + timedelta(seconds=seconds), contact_id, kind, channel, queue, agent,
            customer, data,
        )  # fmt: skip

    start = [at(0, E.ARRIVED, None), at(0, E.ENTERED_QUEUE), at(20, E.ANSWERED, agent="a1")]
    if transfer_to is None:
        return [*start, at(220, E.ENDED, agent="a1"), at(250, E.WRAPUP_ENDED, agent="a1")]
    return [
        *start,
        at(80, E.TRANSFERRED, agent="a1", target=transfer_to),
        at(81, E.ENTERED_QUEUE, transfer_to),
        at(91, E.ANSWERED, transfer_to, "a2"),
        at(100, E.WRAPUP_ENDED, agent="a1"),
        at(291, E.ENDED, transfer_to, "a2"),
        at(301, E.WRAPUP_ENDED, transfer_to, "a2"),
    ]


def as_agent(db: Database, world: World, tenant: str = "a"):  # type: ignore[no-untyped-def]
    """A transaction in tenant ``a`` (or ``b``) whose changes are the agent user's."""
    if tenant == "a":
        return db.session(
            tenant_id=world.tenant_a, actor=Actor(world.users["agent"], "agent@a.example")
        )
    return db.session(tenant_id=world.tenant_b, actor=Actor(world.users["admin_b"], "b"))


def _count(db: Database, world: World, model: type) -> int:
    with db.session(tenant_id=world.tenant_a) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# --- normalisation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "stored"),
    [
        ("phone", " +47 (22) 33-44 55 ", "+4722334455"),
        ("phone", "022 33 44 55", "022334455"),
        ("phone", "112", "112"),
        ("phone", "＋４７ ２２３", "+47223"),  # full-width digits from an Asian keyboard
        ("email", "  Ola.Nordmann@Example.COM ", "ola.nordmann@example.com"),
        ("chat", "  web:visitor-81  ", "web:visitor-81"),
        ("external", " CRM-0042 ", "CRM-0042"),
    ],
)
def test_identifiers_are_stored_in_one_form_per_kind(kind: str, value: str, stored: str) -> None:
    assert service.normalize_identifier(kind, value) == stored


@pytest.mark.parametrize(
    ("kind", "value", "field"),
    [
        ("phone", "+4 7", "value"),  # two digits
        ("phone", "call me", "value"),
        ("email", "ola.nordmann", "value"),
        ("email", "ola@", "value"),
        ("chat", "   ", "value"),
        ("external", "x" * 201, "value"),
        ("fax", "22334455", "kind"),
    ],
)
def test_identifiers_that_cannot_be_normalised_name_their_field(
    kind: str, value: str, field: str
) -> None:
    with pytest.raises(service.InvalidIdentifier) as refused:
        service.normalize_identifier(kind, value)
    assert refused.value.field == field and refused.value.status == 422


# --- identifying -----------------------------------------------------------------------------


def test_identify_finds_a_known_customer_and_creates_an_unknown_one(
    db: Database, world: World
) -> None:
    with as_agent(db, world) as session:
        made = service.identify_customer_in(session, "phone", "+47 22 33 44 55", "Kari Nordmann")
        found = service.identify_customer_in(session, "phone", "+4722334455")
        other = service.identify_customer_in(session, "email", "Per@Example.com")
    assert found.id == made.id and found.display_name == "Kari Nordmann"
    assert made.identifiers == [("phone", "+4722334455")]
    assert other.id != made.id and other.display_name == "per@example.com"
    assert _count(db, world, Customer) == 2


def test_identify_refuses_a_bad_identifier_and_stores_nothing(db: Database, world: World) -> None:
    with pytest.raises(InvalidInput) as refused, as_agent(db, world) as session:
        service.identify_customer_in(session, "email", "not an address")
    assert refused.value.field == "value"
    assert _count(db, world, Customer) == 0


def test_a_tenant_never_reaches_another_tenants_customers(db: Database, world: World) -> None:
    with as_agent(db, world) as session:
        ours = service.identify_customer_in(session, "phone", "22334455")
        service.add_note_in(session, ours.id, "Prefers e-mail.", world.users["agent"])
    with as_agent(db, world, "b") as session:
        theirs = service.identify_customer_in(session, "phone", "22334455")  # a new customer
        assert theirs.id != ours.id and theirs.notes == []
        assert [c.id for c in service.search_customers_in(session, "2233")] == [theirs.id]
        assert [c.id for c in service.search_customers_in(session, "")] == [theirs.id]
        for reach in (
            lambda: service.get_customer_in(session, ours.id),
            lambda: service.customer_history_in(session, ours.id),
            lambda: service.add_note_in(session, ours.id, "taken over", None),
            lambda: service.update_customer_in(session, ours.id, display_name="Taken"),
            lambda: service.merge_customers_in(session, theirs.id, ours.id),
        ):
            with pytest.raises(NotFound):
                reach()
    with as_agent(db, world) as session:
        kept = service.get_customer_in(session, ours.id)
    assert kept.display_name == "22334455" and len(kept.notes) == 1


# --- creating and editing --------------------------------------------------------------------


def test_bad_input_names_the_field_and_stores_nothing(db: Database, world: World) -> None:
    with pytest.raises(InvalidInput) as refused, as_agent(db, world) as session:
        service.create_customer_in(
            session, "Kari", [("phone", "22334455"), ("email", "kari@")], tags=["vip"]
        )
    assert refused.value.field == "identifiers.1.value"
    with pytest.raises(InvalidInput) as blank, as_agent(db, world) as session:
        service.create_customer_in(session, "   ", [("phone", "22334455")])
    assert blank.value.field == "display_name"
    assert (_count(db, world, Customer), _count(db, world, CustomerIdentifier)) == (0, 0)

    with as_agent(db, world) as session:
        kari = service.create_customer_in(session, "Kari", [("phone", "22334455")])
    for fields, field in (
        ({"tags": ["ok", "x" * 41]}, "tags"),
        ({"tier": "platinum" * 5}, "tier"),
        ({"display_name": ""}, "display_name"),
    ):
        with pytest.raises(InvalidInput) as wrong, as_agent(db, world) as session:
            service.update_customer_in(session, kari.id, **fields)  # type: ignore[arg-type]
        assert wrong.value.field == field
    with pytest.raises(InvalidInput) as empty, as_agent(db, world) as session:
        service.add_note_in(session, kari.id, "  \n ", world.users["agent"])
    assert empty.value.field == "body"
    with as_agent(db, world) as session:
        assert service.get_customer_in(session, kari.id) == kari


def test_edits_clean_tags_and_clear_the_tier(db: Database, world: World) -> None:
    with as_agent(db, world) as session:
        kari = service.create_customer_in(session, "Kari", tier="gold")
        tags = [" VIP ", "vip", "", "churn risk"]
        edited = service.update_customer_in(
            session, kari.id, display_name="  Kari   Nordmann ", tags=tags
        )
        cleared = service.update_customer_in(session, kari.id, tier="")
    assert edited.display_name == "Kari Nordmann" and edited.tags == ["VIP", "churn risk"]
    assert edited.tier == "gold" and cleared.tier is None
    assert cleared.updated_at >= kari.updated_at


def test_an_identifier_belongs_to_one_customer(db: Database, world: World) -> None:
    with as_agent(db, world) as session:
        kari = service.create_customer_in(session, "Kari", [("phone", "22334455")])
        per = service.create_customer_in(session, "Per")
        again = service.add_identifier_in(session, kari.id, "phone", "22 33 44 55")
        assert again.identifiers == kari.identifiers  # already hers: nothing changes
        with pytest.raises(Conflict) as taken:
            service.add_identifier_in(session, per.id, "phone", "2233 4455")
        assert taken.value.errors[0].field == "value" and "Kari" in taken.value.detail
        with pytest.raises(Conflict) as on_create:
            service.create_customer_in(session, "Kari 2", [("chat", "k"), ("phone", "22334455")])
        assert on_create.value.errors[0].field == "identifiers.1.value"
        per = service.add_identifier_in(session, per.id, "email", "PER@example.com")
    assert per.identifiers == [("email", "per@example.com")]


def test_search_matches_names_identifiers_phone_digits_and_numbers(
    db: Database, world: World
) -> None:
    with as_agent(db, world) as session:
        kari = service.create_customer_in(session, "Kari Nordmann", [("phone", "+4722334455")])
        per = service.create_customer_in(session, "Per Hansen", [("email", "per@firma.no")])
        hits = {
            query: [c.id for c in service.search_customers_in(session, query)]
            for query in ("nordm", "NORD", "+47 22 33", "33 44", "FIRMA", str(per.id), "zzz", "%")
        }
        limited = service.search_customers_in(session, "", limit=1)
    assert hits["nordm"] == hits["NORD"] == [kari.id]
    assert hits["+47 22 33"] == hits["33 44"] == [kari.id]
    assert hits["FIRMA"] == [per.id] and per.id in hits[str(per.id)]
    assert hits["zzz"] == [] and hits["%"] == []  # LIKE wildcards are taken literally
    assert [c.id for c in limited] == [per.id]  # the latest changed first


# --- notes, history and merging --------------------------------------------------------------


def test_notes_show_their_author_newest_first(db: Database, world: World) -> None:
    with as_agent(db, world) as session:
        kari = service.create_customer_in(session, "Kari")
        first = service.add_note_in(
            session, kari.id, "Called about invoice 17.", world.users["agent"]
        )
        service.add_note_in(session, kari.id, "Imported remark", None)
        view = service.get_customer_in(session, kari.id)
    assert first.author_name == "Agent A" and first.author_email == "agent@a.example"
    assert [n.body for n in view.notes] == ["Imported remark", "Called about invoice 17."]
    assert view.notes[0].author_user_id is None


def test_history_lists_every_channel_newest_first_one_row_per_queue_visit(
    db: Database, world: World
) -> None:
    with as_agent(db, world) as session:
        kari = service.identify_customer_in(session, "phone", "22334455")
        events.append_contact_events_in(session, [
            *answered_contact("call-1", kari.id),
            *answered_contact("chat-1", kari.id, T0 + timedelta(days=1), Channel.CHAT),
            *answered_contact("call-2", kari.id, T0 + timedelta(days=2), transfer_to="sales"),
            *answered_contact("someone-else", "999", T0 + timedelta(days=3)),
        ])  # fmt: skip
        history = service.customer_history_in(session, kari.id)
        latest = service.customer_history_in(session, kari.id, limit=1)
    assert [(r.contact_id, r.leg_no) for r in history] == [
        ("call-2", 1), ("call-2", 2), ("chat-1", 1), ("call-1", 1),
    ]  # fmt: skip
    first_leg, second_leg = history[0], history[1]
    assert (first_leg.queue, first_leg.agent, first_leg.transferred) == ("billing", "a1", True)
    assert (second_leg.queue, second_leg.agent, second_leg.transferred) == ("sales", "a2", False)
    assert second_leg.wait_s == 10.0  # 91 − 81
    call = history[3]
    assert (call.channel, call.outcome, call.wait_s, call.handle_s) == (
        "phone",
        "answered",
        20.0,
        230.0,
    )
    assert call.arrived_at == T0 and history[2].channel == "chat"
    assert latest == history[:1]


def test_merging_moves_identifiers_and_notes_and_history_follows(
    db: Database, world: World
) -> None:
    with as_agent(db, world) as session:
        kari = service.identify_customer_in(session, "phone", "22334455", "Kari")
        duplicate = service.identify_customer_in(session, "email", "kari@example.com", "K. N.")
        service.update_customer_in(session, duplicate.id, tier="gold", tags=["vip"])
        service.add_note_in(session, duplicate.id, "Wrote in about her order.", None)
        events.append_contact_events_in(session, [
            *answered_contact("call-1", kari.id),
            *answered_contact("mail-1", duplicate.id, T0 + timedelta(hours=1), Channel.EMAIL),
        ])  # fmt: skip
    with db.session(
        tenant_id=world.tenant_a, actor=Actor(world.users["supervisor"], "supervisor@a.example")
    ) as session:
        survivor = service.merge_customers_in(session, kari.id, duplicate.id)
    assert survivor.id == kari.id and survivor.merged_ids == [duplicate.id]
    assert survivor.identifiers == [("phone", "22334455"), ("email", "kari@example.com")]
    assert [n.body for n in survivor.notes] == ["Wrote in about her order."]
    assert (survivor.tier, survivor.tags) == ("gold", ["vip"])
    with as_agent(db, world) as session:
        by_mail = service.identify_customer_in(session, "email", "KARI@example.com")
        via_old_id = service.get_customer_in(session, duplicate.id)
        history = service.customer_history_in(session, kari.id)
        same_via_old_id = service.customer_history_in(session, duplicate.id)
        listed = [c.id for c in service.search_customers_in(session, "")]
        note = service.add_note_in(session, duplicate.id, "Reached her by phone.", None)
    assert by_mail.id == via_old_id.id == kari.id
    assert [(r.contact_id, r.customer_id) for r in history] == [
        ("mail-1", str(duplicate.id)),
        ("call-1", str(kari.id)),
    ]  # fmt: skip  (the log still names the merged id)
    assert same_via_old_id == history and listed == [kari.id]
    assert note.id in [n.id for n in service.get_customer(db, _principal(world), kari.id).notes]


def test_a_merged_customer_merged_again_points_at_the_last_survivor(
    db: Database, world: World
) -> None:
    with as_agent(db, world) as session:
        a = service.identify_customer_in(session, "phone", "111")
        b = service.identify_customer_in(session, "phone", "222")
        c = service.identify_customer_in(session, "phone", "333")
        events.append_contact_events_in(session, answered_contact("call-c", c.id))
        service.merge_customers_in(session, b.id, c.id)
        merged = service.merge_customers_in(session, a.id, b.id)
        with pytest.raises(Conflict) as again:
            service.merge_customers_in(session, a.id, c.id)
        with pytest.raises(InvalidInput) as itself:
            service.merge_customers_in(session, a.id, a.id)
        found = service.identify_customer_in(session, "phone", "333")
        history = service.customer_history_in(session, a.id)
    assert merged.merged_ids == [b.id, c.id] and found.id == a.id
    assert again.value.errors[0].field == itself.value.field == "merged_id"
    assert [r.contact_id for r in history] == ["call-c"]


def test_notes_and_merges_are_in_the_audit_log(db: Database, world: World) -> None:
    with as_agent(db, world) as session:
        kari = service.identify_customer_in(session, "phone", "22334455")
        duplicate = service.identify_customer_in(session, "phone", "99887766")
        note = service.add_note_in(session, duplicate.id, "VIP", world.users["agent"])
        service.merge_customers_in(session, kari.id, duplicate.id)
    with db.session(tenant_id=world.tenant_a) as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type.like("customer%"))
            .order_by(AuditEntry.id)
        ).all()
    by_kind = {(e.entity_type, e.action, e.entity_id): e for e in entries}
    created = by_kind[("customer_note", "created", str(note.id))]
    assert created.after["body"] == "VIP" and created.actor_user_id == world.users["agent"]
    marked = by_kind[("customer", "updated", str(duplicate.id))]
    assert marked.after["merged_into_id"] == kari.id and marked.before["merged_into_id"] is None
    moved = by_kind[("customer_note", "updated", str(note.id))]
    assert (moved.before["customer_id"], moved.after["customer_id"]) == (duplicate.id, kari.id)
    kinds = {(e.entity_type, e.action) for e in entries}
    assert {("customer_identifier", "created"), ("customer_identifier", "updated")} <= kinds
    assert _count(db, world, CustomerNote) == 1


def _principal(world: World):  # type: ignore[no-untyped-def]
    from contactops.platform.auth import Principal
    from contactops.platform.identity import Role

    return Principal(
        user_id=world.users["agent"], email="agent@a.example", display_name="Agent A",
        user_locale=None, tenant_id=world.tenant_a, tenant_slug="alpha", tenant_name="Alpha Care",
        time_zone="Europe/Oslo", tenant_locale="en", role=Role.AGENT, via="token",
        session_key=None, tenants=(),
    )  # fmt: skip


def test_two_contacts_from_one_new_number_at_once_make_one_customer(
    db: Database, world: World
) -> None:
    """The second transaction finds no owner, then collides with the first's identifier once
    that commits: it removes its own new customer, takes the first's and goes on."""
    second_inserts = threading.Event()
    found: dict[str, int] = {}

    @event.listens_for(db.engine, "before_cursor_execute")
    def _second_inserts(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if threading.current_thread().name == "second" and statement.startswith(
            "INSERT INTO customer ("
        ):
            second_inserts.set()

    def second() -> None:
        with as_agent(db, world) as session:
            found["second"] = service.identify_customer_in(session, "phone", "22334455").id
            found["notes"] = service.add_note_in(session, found["second"], "after", None).id

    thread = threading.Thread(target=second, name="second")
    with as_agent(db, world) as session:
        found["first"] = service.identify_customer_in(session, "phone", "22334455").id
        thread.start()
        assert second_inserts.wait(timeout=60)
    thread.join(timeout=60)
    assert found["second"] == found["first"]
    assert _count(db, world, Customer) == 1 and _count(db, world, CustomerNote) == 1
    with db.session(tenant_id=world.tenant_a) as session:
        audited = session.execute(
            select(AuditEntry.action, AuditEntry.entity_id).where(
                AuditEntry.entity_type == "customer"
            )
        ).all()
    created = {i for action, i in audited if action == "created"}
    deleted = {i for action, i in audited if action == "deleted"}
    assert created - deleted == {str(found["first"])}  # the second's own was removed again
