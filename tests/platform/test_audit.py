"""The audit log records every audited change in the change's own transaction, and only grows."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from contactops.domains.organization.models import Queue
from contactops.platform.audit import Actor, AuditEntry, AuditLogIsAppendOnly
from contactops.platform.database import Database
from contactops.platform.identity import User
from tests.conftest import World


def _entries(db: Database, tenant_id: int, entity_type: str) -> list[AuditEntry]:
    with db.session(tenant_id=tenant_id) as session:
        return list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity_type == entity_type)
                .order_by(AuditEntry.id)
            )
        )


def test_an_update_is_recorded_with_before_after_and_actor(db: Database, world: World) -> None:
    actor = Actor(user_id=world.users["admin"], label="admin@a.example", ip_address="10.0.0.9")
    with db.session(tenant_id=world.tenant_a, actor=actor) as session:
        session.get(Queue, world.queue_a).service_level_target = 0.9  # type: ignore[union-attr]
    entry = _entries(db, world.tenant_a, "queue")[-1]
    assert entry.action == "updated"
    assert entry.before == {"service_level_target": 0.8}
    assert entry.after == {"service_level_target": 0.9}
    assert (entry.actor_user_id, entry.actor_label, entry.ip_address) == (
        world.users["admin"],
        "admin@a.example",
        "10.0.0.9",
    )
    assert entry.entity_id == str(world.queue_a)


def test_a_rolled_back_change_leaves_no_entry(db: Database, world: World) -> None:
    before = len(_entries(db, world.tenant_a, "queue"))
    with pytest.raises(RuntimeError), db.session(tenant_id=world.tenant_a) as session:
        session.add(Queue(code="temp", name="Temp"))
        session.flush()
        raise RuntimeError("abort")
    assert len(_entries(db, world.tenant_a, "queue")) == before


def test_secrets_are_never_written_to_the_log(db: Database, world: World) -> None:
    with db.session(tenant_id=world.tenant_a) as session:
        session.get(User, world.users["agent"]).password_hash = "new-hash"  # type: ignore[union-attr]
    entry = _entries(db, world.tenant_a, "user_account")[-1]
    assert entry.after == {"password_hash": "[redacted]"}
    assert "argon2" not in str(_entries(db, world.tenant_a, "user_account"))


def test_the_orm_refuses_to_change_an_entry(db: Database, world: World) -> None:
    with pytest.raises(AuditLogIsAppendOnly), db.session(tenant_id=world.tenant_a) as session:
        session.scalars(select(AuditEntry)).first().action = "forged"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"]
)
def test_the_database_refuses_to_change_entries(db: Database, world: World, statement: str) -> None:
    with pytest.raises(DBAPIError), db.engine.begin() as connection:
        connection.execute(text(statement))
    with db.session(tenant_id=world.tenant_a) as session:
        assert "forged" not in session.scalars(select(AuditEntry.action)).all()
