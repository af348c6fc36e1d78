"""The demo loads complete tenants in one go, once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from contactops.domains.demo import service as demo
from contactops.domains.events.models import ContactEventRecord
from contactops.domains.forecasting.models import StaffingPlan, StaffingPlanInterval
from contactops.domains.organization.models import Agent, Queue
from contactops.domains.tickets.models import SlaPolicy, Ticket
from contactops.platform.database import Database
from contactops.platform.identity import Membership, Role
from contactops.platform.tenancy import Tenant

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_demo_tenants_have_queues_agents_users_and_history(db: Database) -> None:
    report = demo.load_demo(db, now=NOW, weeks=1)
    assert report.created == ["Northwind Support", "Globex Care"] and report.contacts > 1000
    with db.session(system=True) as session:
        tenants = {t.slug: t.id for t in session.scalars(select(Tenant))}
    with db.session(tenant_id=tenants["northwind"]) as session:
        assert session.scalar(select(func.count()).select_from(Queue)) == 5
        assert session.scalar(select(func.count()).select_from(Agent)) == 45
        roles = set(session.scalars(select(Membership.role)))
        first, last = session.execute(
            select(
                func.min(ContactEventRecord.occurred_at), func.max(ContactEventRecord.occurred_at)
            )
        ).one()
    assert roles == set(Role)
    assert first.tzinfo is not None and last < NOW
    assert (NOW - first).days <= 8
    with db.session(tenant_id=tenants["northwind"]) as session:
        plan = session.scalars(select(StaffingPlan)).one()
        peak = session.scalar(select(func.max(StaffingPlanInterval.scheduled_agents)))
    assert (plan.version, plan.first_day.isoformat(), plan.days) == (1, "2026-11-30", 7)
    assert peak > 0  # next week is planned from the demo history
    with db.session(tenant_id=tenants["northwind"]) as session:
        categories = sorted(session.scalars(select(Ticket.status_category)))
        policies = session.scalar(select(func.count()).select_from(SlaPolicy))
    assert categories == ["new", "new", "new", "open", "open", "pending", "solved"]
    assert policies == 3


def test_loading_the_demo_twice_changes_nothing(db: Database) -> None:
    demo.load_demo(db, now=NOW, weeks=1)
    with db.session(system=True) as session:
        events_before = session.scalar(select(func.count()).select_from(ContactEventRecord))
    report = demo.load_demo(db, now=NOW, weeks=1)
    assert report.created == [] and report.skipped == ["Northwind Support", "Globex Care"]
    with db.session(system=True) as session:
        assert session.scalar(select(func.count()).select_from(ContactEventRecord)) == events_before


def test_the_demo_admin_can_sign_in_to_both_tenants(db: Database, client_factory) -> None:
    from tests.conftest import login

    demo.load_demo(db, now=NOW, weeks=1)
    client = login(client_factory(), "admin@northwind.example", demo.DEMO_PASSWORD)
    me = client.get("/api/v1/me").json()
    assert {t["slug"] for t in me["tenants"]} == {"northwind", "globex"}
    home = client.get("/")
    assert "Contacts in the event log" in home.text
