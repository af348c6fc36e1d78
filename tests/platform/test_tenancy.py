"""Tenant isolation is a property of the session, not of each query."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from contactops.domains.organization.models import Queue
from contactops.platform.database import Database
from contactops.platform.identity import Membership
from contactops.platform.tenancy import CrossTenantWrite, TenantScopeMissing
from tests.conftest import World


def test_a_tenant_session_sees_only_its_own_rows(db: Database, world: World) -> None:
    with db.session(tenant_id=world.tenant_a) as session:
        names = session.scalars(select(Queue.name)).all()
        by_id = session.get(Queue, world.queue_b)
        count = session.scalar(select(func.count()).select_from(select(Queue).subquery()))
    assert names == ["Billing A"]
    assert by_id is None
    assert count == 1


def test_joins_and_subqueries_are_scoped_too(db: Database, world: World) -> None:
    with db.session(tenant_id=world.tenant_b) as session:
        members = session.scalar(select(func.count()).select_from(select(Membership.id).subquery()))
    assert members == 2  # admin_b and both@, not the eight members of tenant A


def test_orm_update_cannot_reach_another_tenant(db: Database, world: World) -> None:
    with db.session(tenant_id=world.tenant_a) as session:
        session.execute(update(Queue).values(name="renamed"))
    with db.session(system=True) as session:
        names = {qid: name for qid, name in session.execute(select(Queue.id, Queue.name))}
    assert names == {world.queue_a: "renamed", world.queue_b: "Billing B"}


def test_a_session_without_scope_refuses_tenant_data(db: Database, world: World) -> None:
    with pytest.raises(TenantScopeMissing), db.session() as session:
        session.scalars(select(Queue)).all()


def test_writing_a_row_into_another_tenant_is_refused(db: Database, world: World) -> None:
    with pytest.raises(CrossTenantWrite), db.session(tenant_id=world.tenant_a) as session:
        session.add(Queue(tenant_id=world.tenant_b, code="x", name="Smuggled"))
    with db.session(system=True) as session:
        assert session.scalar(select(Queue).where(Queue.code == "x")) is None


def test_new_rows_take_the_session_tenant(db: Database, world: World) -> None:
    with db.session(tenant_id=world.tenant_b) as session:
        queue = Queue(code="new", name="New")
        session.add(queue)
    assert queue.tenant_id == world.tenant_b
