"""The live center over HTTP: a PBX drives calls with an API token, an agent works the desktop
with a browser session (CSRF on every write), a supervisor reads the wallboard, a customer
chats over the public WebSocket; roles and tenants are kept apart."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from contactops.platform.database import Database
from tests.conftest import World, login, page_csrf
from tests.domains.test_live_service import center

__all__ = ["center"]


def _token(client: TestClient) -> dict[str, str]:
    created = client.post(
        "/api/v1/tokens", json={"name": "pbx"}, headers={"X-CSRF-Token": page_csrf(client)}
    ).json()
    return {"Authorization": f"Bearer {created['token']}"}


@pytest.fixture
def pbx(client_factory: Any, center: World) -> TestClient:
    admin = login(client_factory(), World.email("admin"))
    headers = _token(admin)
    client = client_factory()
    client.headers.update(headers)
    return client


@pytest.fixture
def desk(client_factory: Any, center: World) -> TestClient:
    """The agent user (linked to agent a3: support 7, chat 5), with its CSRF header."""
    client = login(client_factory(), World.email("agent"))
    client.headers["X-CSRF-Token"] = page_csrf(client)
    return client


def test_a_pbx_drives_a_call_to_an_agent_on_the_desktop(pbx: TestClient, desk: TestClient) -> None:
    assert desk.post("/api/v1/live/desktop/state", json={"state": "ready"}).status_code == 200
    arrived = pbx.post(
        "/api/v1/telephony/calls",
        json={"call_id": "pbx-1", "queue": "support", "caller": "+47 900 00 001"},
    )
    assert arrived.status_code == 200, arrived.text
    assert (arrived.json()["status"], arrived.json()["agent"]) == ("offered", "a3")
    again = pbx.post("/api/v1/telephony/calls", json={"call_id": "pbx-1", "queue": "support"})
    assert again.json()["contact_id"] == arrived.json()["contact_id"]  # a repeated report
    view = desk.get("/api/v1/live/desktop").json()
    assert view["state"] == "ringing" and view["contacts"][0]["customer_id"] is not None
    contact = view["contacts"][0]["id"]
    assert pbx.post("/api/v1/telephony/calls/pbx-1/answered", json={}).status_code == 200
    assert desk.get("/api/v1/live/desktop").json()["state"] == "on_contact"
    assert pbx.post("/api/v1/telephony/calls/pbx-1/ended", json={}).json()["status"] == "wrapup"
    done = desk.post(
        f"/api/v1/live/desktop/contacts/{contact}/wrapup",
        json={"code": "resolved", "note": "Refund explained", "resolved": True},
    )
    assert done.status_code == 200 and done.json() == {"ok": True}
    assert desk.get("/api/v1/live/desktop").json()["contacts"] == []
    assert pbx.get("/api/v1/telephony/calls/pbx-1").json()["outcome"] == "answered"
    late = pbx.post("/api/v1/telephony/calls", json={"call_id": "pbx-1", "queue": "support"})
    assert late.status_code == 200  # repeated after the end: the same call, not a second one
    assert (late.json()["contact_id"], late.json()["status"]) == (contact, "ended")
    assert pbx.post(
        "/api/v1/telephony/calls", json={"call_id": "pbx-2", "queue": "support"}
    ).json()["status"] in ("waiting", "offered")  # the center carries on after the refused insert


def test_desktop_writes_need_the_csrf_token(desk: TestClient) -> None:
    del desk.headers["X-CSRF-Token"]
    response = desk.post("/api/v1/live/desktop/state", json={"state": "ready"})
    assert response.status_code == 403


def test_bad_input_names_the_field(pbx: TestClient, desk: TestClient) -> None:
    response = pbx.post("/api/v1/telephony/calls", json={"call_id": "x", "queue": "nope"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "queue"
    response = desk.post("/api/v1/live/desktop/state", json={"state": "asleep"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "state"
    assert pbx.get("/api/v1/telephony/calls/unknown").status_code == 404


def test_roles(client_factory: Any, center: World, pbx: TestClient) -> None:
    agent = login(client_factory(), World.email("agent"))
    assert agent.get("/api/v1/live/wallboard").status_code == 403
    assert (
        agent.post(
            "/api/v1/telephony/calls",
            json={"call_id": "1", "queue": "sales"},
            headers={"X-CSRF-Token": page_csrf(agent)},
        ).status_code
        == 403
    )
    client = login(client_factory(), World.email("client"))
    assert client.get("/api/v1/live/desktop").status_code == 403
    manager = login(client_factory(), World.email("manager"))
    assert manager.get("/api/v1/live/desktop").status_code == 404  # not linked to an agent
    supervisor = login(client_factory(), World.email("supervisor"))
    board = supervisor.get("/api/v1/live/wallboard")
    assert board.status_code == 200
    assert {q["code"] for q in board.json()["queues"]} == {"billing", "sales", "support", "web"}


def test_the_wallboard_counts_waiting_contacts_and_today(
    client_factory: Any, pbx: TestClient, center: World
) -> None:
    pbx.post("/api/v1/telephony/calls", json={"call_id": "w1", "queue": "sales"})
    pbx.post("/api/v1/telephony/calls", json={"call_id": "w2", "queue": "sales"})
    pbx.post("/api/v1/telephony/calls/w2/ended", json={})
    supervisor = login(client_factory(), World.email("supervisor"))
    from contactops.domains.live import service

    service.refresh_legs(supervisor.app.state.db, center.tenant_a)
    service._wallboard_cache.clear()
    sales = next(
        q for q in supervisor.get("/api/v1/live/wallboard").json()["queues"] if q["code"] == "sales"
    )
    assert (sales["waiting"], sales["offered_today"], sales["abandoned_today"]) == (1, 2, 1)
    assert any("no agent is logged in" in alert for alert in sales["alerts"])


def test_queue_routing_settings_are_validated_and_audited(
    client_factory: Any, center: World, db: Database
) -> None:
    manager = login(client_factory(), World.email("manager"))
    headers = {"X-CSRF-Token": page_csrf(manager)}
    response = manager.patch(
        "/api/v1/live/queues/sales/routing",
        json={"max_wait_s": 300, "overflow_queue": "support"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["max_wait_s"] == 300
    bad = manager.patch(
        "/api/v1/live/queues/sales/routing", json={"overflow_queue": "sales"}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "overflow_queue"
    kept = manager.get("/api/v1/live/queues/sales/routing").json()
    assert kept["overflow_queue_id"] is not None and kept["max_wait_s"] == 300
    from sqlalchemy import select

    from contactops.platform.audit import AuditEntry

    with db.session(tenant_id=center.tenant_a) as session:
        tables = session.scalars(select(AuditEntry.entity_type)).all()
    assert "queue_routing" in tables


def test_a_customer_chats_over_the_websocket(
    client_factory: Any, desk: TestClient, center: World
) -> None:
    desk.post("/api/v1/live/desktop/state", json={"state": "ready"})
    customer = client_factory()
    started = customer.post(
        "/api/v1/chat/alpha/sessions",
        json={"queue": "web", "name": "Dana", "email": "dana@example.com"},
    )
    assert started.status_code == 200, started.text
    chat = started.json()
    url = f"/api/v1/chat/alpha/sessions/{chat['contact_id']}/ws?token={chat['chat_token']}"
    with customer.websocket_connect(url) as socket:
        first = socket.receive_json()
        assert first["type"] == "chat" and first["status"] == "offered"
        desk.post(f"/api/v1/live/desktop/contacts/{chat['contact_id']}/accept")
        assert socket.receive_json()["agent_name"] == "Cai"
        socket.send_json({"type": "message", "body": "Where is my parcel?"})
        seen = socket.receive_json()
        assert seen["messages"][-1]["body"] == "Where is my parcel?"
        desk.post(
            f"/api/v1/live/desktop/contacts/{chat['contact_id']}/messages",
            json={"body": "On its way!"},
        )
        reply = socket.receive_json()
        assert (reply["messages"][-1]["sender"], reply["messages"][-1]["body"]) == (
            "agent",
            "On its way!",
        )
    bad_url = url.replace("token=", "token=x")
    with pytest.raises(WebSocketDisconnect), customer.websocket_connect(bad_url) as socket:
        socket.receive_json()
    assert customer.post("/api/v1/chat/nope/sessions", json={"queue": "web"}).status_code == 404
