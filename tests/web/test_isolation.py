"""A tenant never reads or changes another tenant's data: 404, and nothing changes."""

from __future__ import annotations

from sqlalchemy import select

from contactops.domains.organization.models import Queue
from contactops.platform.database import Database
from contactops.platform.identity import Membership, Role
from tests.conftest import World, login, page_csrf


def _queue_b(db: Database, world: World) -> Queue:
    with db.session(tenant_id=world.tenant_b) as session:
        queue = session.get(Queue, world.queue_b)
        assert queue is not None
        return queue


def test_api_reads_of_another_tenant_are_not_found(client_factory, world: World) -> None:
    client = login(client_factory(), world.email("admin"))
    for path in (f"/api/v1/queues/{world.queue_b}", f"/api/v1/users/{world.users['admin_b']}"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    assert [q["name"] for q in client.get("/api/v1/queues").json()] == ["Billing A"]
    emails = {m["email"] for m in client.get("/api/v1/users").json()}
    assert "admin@b.example" not in emails


def test_api_writes_to_another_tenant_are_not_found_and_change_nothing(
    client_factory, db: Database, world: World
) -> None:
    client = login(client_factory(), world.email("admin"))
    csrf = {"X-CSRF-Token": page_csrf(client)}
    before = _queue_b(db, world)
    assert (
        client.patch(
            f"/api/v1/queues/{world.queue_b}", json={"name": "Taken over"}, headers=csrf
        ).status_code
        == 404
    )
    assert (
        client.patch(
            f"/api/v1/users/{world.users['admin_b']}", json={"role": "agent"}, headers=csrf
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/users/{world.users['admin_b']}", headers=csrf).status_code == 404
    after = _queue_b(db, world)
    assert (after.name, after.service_level_target) == (before.name, before.service_level_target)
    with db.session(tenant_id=world.tenant_b) as session:
        membership = session.scalar(
            select(Membership).where(Membership.user_id == world.users["admin_b"])
        )
    assert membership is not None and membership.role == Role.ADMIN


def test_page_reads_and_writes_of_another_tenant_are_not_found(
    client_factory, db: Database, world: World
) -> None:
    client = login(client_factory(), world.email("admin"))
    assert client.get(f"/run/queues/{world.queue_b}").status_code == 404
    csrf = page_csrf(client)
    response = client.post(
        f"/run/queues/{world.queue_b}",
        data={
            "name": "Taken over",
            "service_level_target_percent": "10",
            "service_level_threshold_s": "1",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 404
    assert "Traceback" not in response.text
    response = client.post(
        f"/admin/users/{world.users['admin_b']}/role", data={"role": "agent", "csrf_token": csrf}
    )
    assert response.status_code == 404
    assert _queue_b(db, world).name == "Billing B"


def test_the_audit_log_shows_only_the_own_tenant(client_factory, world: World) -> None:
    client = login(client_factory(), world.email("admin"))
    entries = client.get("/api/v1/audit?page_size=500").json()["entries"]
    assert entries
    assert all("Billing B" not in str(e["after"]) for e in entries)
    assert all("admin@b.example" not in str(e["after"]) for e in entries)


def test_user_admin_flow_with_last_admin_guard(client_factory, world: World) -> None:
    admin_b = login(client_factory(), "admin@b.example")
    csrf = {"X-CSRF-Token": page_csrf(admin_b)}
    response = admin_b.patch(
        f"/api/v1/users/{world.users['both']}", json={"role": "agent"}, headers=csrf
    )
    assert response.status_code == 200
    response = admin_b.patch(
        f"/api/v1/users/{world.users['admin_b']}", json={"role": "agent"}, headers=csrf
    )
    assert response.status_code == 409
    created = admin_b.post(
        "/api/v1/users",
        json={"email": "New.Person@b.example", "display_name": "New Person", "role": "wfm"},
        headers=csrf,
    )
    assert created.status_code == 201
    body = created.json()
    assert body["email"] == "new.person@b.example" and len(body["initial_password"]) >= 10
    login(client_factory(), "new.person@b.example", body["initial_password"])
