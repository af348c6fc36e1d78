"""A row written at once (``insert_now``): the session's other changes wait, the tenant scope
and the audit log apply as to a flushed row, and a taken unique value leaves the transaction
usable."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from contactops.domains.customers.models import Customer, CustomerIdentifier
from contactops.platform.audit import Actor, AuditEntry
from contactops.platform.database import Database
from contactops.platform.tenancy import CrossTenantWrite
from contactops.platform.writes import WRITTEN, insert_now
from tests.conftest import World

TAKEN = ("tenant_id", "kind", "value")


def test_a_row_is_written_now_and_nothing_else_is(db: Database, world: World) -> None:
    statements: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement.split()[0] + " " + statement.split()[2])

    actor = Actor.system("test")
    with db.session(tenant_id=world.tenant_a, actor=actor) as session:
        waiting = Customer(display_name="Waits for the flush", tags=[])
        session.add(waiting)
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            row = insert_now(session, Customer(display_name="  Now ", tags=["vip"]))
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        assert statements == ["INSERT customer"]  # the pending customer was not flushed
        assert row is not None and row.id is not None and waiting.id is None
        assert row.tenant_id == world.tenant_a and row.created_at is not None  # defaults read
        assert session.info[WRITTEN] is True
        assert row in session and not session.is_modified(row)
        row.tier = "gold"  # a stored row: the flush updates it
    with db.session(tenant_id=world.tenant_a) as session:
        stored = session.get(Customer, row.id)
        assert stored is not None and (stored.display_name, stored.tier) == ("  Now ", "gold")
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "customer", AuditEntry.entity_id == str(row.id))
            .order_by(AuditEntry.id)
        ).all()
    assert [e.action for e in entries] == ["created", "updated"]
    assert entries[0].after["display_name"] == "  Now " and entries[0].actor_label == "test"


def test_a_taken_unique_value_is_skipped_and_the_transaction_goes_on(
    db: Database, world: World
) -> None:
    with db.session(tenant_id=world.tenant_a) as session:
        first = insert_now(session, Customer(display_name="First", tags=[]))
        assert first is not None
        held = CustomerIdentifier(customer_id=first.id, kind="phone", value="+4790000001")
        assert insert_now(session, held, unless_taken=TAKEN) is held
        again = CustomerIdentifier(customer_id=first.id, kind="phone", value="+4790000001")
        assert insert_now(session, again, unless_taken=TAKEN) is None
        assert again not in session
        other = insert_now(
            session,
            CustomerIdentifier(customer_id=first.id, kind="phone", value="+4790000002"),
            unless_taken=TAKEN,
        )
        assert other is not None  # the transaction is still usable
    with db.session(tenant_id=world.tenant_a) as session:
        values = session.scalars(
            select(CustomerIdentifier.value).where(CustomerIdentifier.customer_id == first.id)
        ).all()
    assert sorted(values) == ["+4790000001", "+4790000002"]


def test_a_row_of_another_tenant_is_refused_before_any_write(db: Database, world: World) -> None:
    with db.session(tenant_id=world.tenant_a) as session:
        with pytest.raises(CrossTenantWrite):
            insert_now(
                session, Customer(display_name="Elsewhere", tags=[], tenant_id=world.tenant_b)
            )
        assert WRITTEN not in session.info
    with db.session(system=True) as session:
        assert session.scalar(select(Customer).where(Customer.display_name == "Elsewhere")) is None
