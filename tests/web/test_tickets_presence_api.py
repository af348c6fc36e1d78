"""Presence over HTTP: two signed-in users beat on one ticket and see each other, typing or not,
and the version that tells a page the ticket changed; leaving is 204; a browser write without
its CSRF token is refused; roles that do not see the run section and other tenants are kept
out; the ticket page carries the presence box and its script."""

from __future__ import annotations

from tests.conftest import World, login
from tests.web.test_tickets_web import BASE, PROBLEM, _client, _open


def test_two_agents_see_each_other_typing_and_the_version_after_a_reply(
    client_factory, world: World
) -> None:
    agent = _client(client_factory, world, "agent")
    supervisor = _client(client_factory, world, "supervisor")
    ticket = _open(agent)
    url = f"{BASE}/1/presence"

    alone = agent.post(url, json={"typing": True})
    assert alone.status_code == 200, alone.text
    assert alone.json() == {"version": ticket["version"], "viewers": []}

    seen = supervisor.post(url, json={"typing": False})
    assert seen.status_code == 200, seen.text
    viewers = seen.json()["viewers"]
    assert [(v["user_id"], v["name"], v["typing"]) for v in viewers] == [
        (world.users["agent"], "Agent A", True)
    ]
    assert viewers[0]["seen_at"]

    sent = supervisor.post(f"{BASE}/1/replies", json={"body": "Refunded.", "version": 1})
    assert sent.status_code == 201, sent.text
    changed = agent.post(url, json={})  # typing defaults to false
    assert changed.json()["version"] == sent.json()["version"] > ticket["version"]
    assert [(v["name"], v["typing"]) for v in changed.json()["viewers"]] == [
        ("Supervisor A", False)
    ]

    left = agent.delete(url)
    assert left.status_code == 204
    assert left.content == b""
    assert supervisor.post(url, json={"typing": False}).json()["viewers"] == []


def test_a_beat_from_the_browser_needs_the_csrf_token(client_factory, world: World) -> None:
    _open(_client(client_factory, world, "agent"))
    cookie_only = login(client_factory(), world.email("supervisor"))
    for refused in (
        cookie_only.post(f"{BASE}/1/presence", json={"typing": False}),
        cookie_only.delete(f"{BASE}/1/presence"),
    ):
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith(PROBLEM)
        assert refused.json()["type"].endswith("csrf-rejected")


def test_roles_without_the_run_section_and_other_tenants_are_kept_out(
    client_factory, world: World
) -> None:
    _open(_client(client_factory, world, "agent"))
    client = _client(client_factory, world, "client")
    assert client.post(f"{BASE}/1/presence", json={"typing": False}).status_code == 403
    assert client.delete(f"{BASE}/1/presence").status_code == 403
    other = _client(client_factory, world, "admin_b")
    missing = other.post(f"{BASE}/1/presence", json={"typing": False})
    assert missing.status_code == 404
    assert "T-1" in missing.json()["detail"]
    assert other.delete(f"{BASE}/1/presence").status_code == 404
    qa = _client(client_factory, world, "qa")  # reads tickets without answering them
    assert qa.post(f"{BASE}/1/presence", json={"typing": False}).status_code == 200
    bad = qa.post(f"{BASE}/1/presence", json={"typing": "maybe"})
    assert bad.status_code == 422


def test_the_ticket_page_carries_the_presence_box_with_its_texts(
    client_factory, world: World
) -> None:
    agent = _client(client_factory, world, "agent")
    _open(agent)
    page = agent.get("/run/tickets/1")
    assert page.status_code == 200
    assert 'data-testid="ticket-viewers"' in page.text
    assert 'data-testid="ticket-changed"' in page.text
    assert 'data-url="/api/v1/tickets/1/presence"' in page.text
    assert 'data-version="1"' in page.text
    assert 'data-text-viewers="Also on this ticket: {names}"' in page.text
    assert "This ticket has changed since you opened it. Reload it before you answer." in page.text
    assert '<script src="/static/tickets/presence.js" defer></script>' in page.text
    script = agent.get("/static/tickets/presence.js")
    assert script.status_code == 200
    assert "keepalive: true" in script.text
