"""Customers over HTTP: an agent creates, edits and notes; a supervisor merges; history from
the event log; roles, tenants and bad input answered as problem+json."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from contactops.domains.customers.models import Customer, CustomerNote
from contactops.domains.events import service as events
from contactops.engines.events import Channel
from contactops.platform.database import Database
from tests.conftest import World, login, page_csrf
from tests.domains.test_customers_service import T0, answered_contact

PROBLEM = "application/problem+json"
BASE = "/api/v1/customers"


def _client(client_factory, world: World, role: str):  # type: ignore[no-untyped-def]
    client = login(client_factory(), world.email(role) if role != "admin_b" else "admin@b.example")
    client.headers["X-CSRF-Token"] = page_csrf(client)
    return client


def _stored(db: Database, tenant_id: int, model: type) -> int:
    with db.session(tenant_id=tenant_id) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_an_agent_creates_edits_and_notes_a_customer(client_factory, world: World) -> None:
    agent = _client(client_factory, world, "agent")
    made = agent.post(BASE, json={
        "display_name": "Kari Nordmann",
        "identifiers": [{"kind": "phone", "value": "+47 22 33 44 55"},
                        {"kind": "email", "value": "Kari@Example.com"}],
        "tags": ["vip"],
    })  # fmt: skip
    assert made.status_code == 201, made.text
    kari = made.json()
    assert kari["identifiers"] == [
        {"kind": "phone", "value": "+4722334455"}, {"kind": "email", "value": "kari@example.com"},
    ]  # fmt: skip
    url = f"{BASE}/{kari['id']}"
    edited = agent.patch(url, json={"tier": "gold", "tags": ["vip", "churn risk"]})
    assert edited.status_code == 200 and edited.json()["tier"] == "gold"
    assert edited.json()["display_name"] == "Kari Nordmann"  # not sent, not changed
    assert agent.patch(url, json={"tier": None}).json()["tier"] is None
    added = agent.post(f"{url}/identifiers", json={"kind": "chat", "value": " kari-web "})
    assert (
        added.status_code == 201
        and {"kind": "chat", "value": "kari-web"} in (added.json()["identifiers"])
    )
    note = agent.post(f"{url}/notes", json={"body": "Asked for a callback after 16:00."})
    assert note.status_code == 201 and note.json()["author_email"] == "agent@a.example"
    profile = agent.get(url).json()
    assert [n["body"] for n in profile["notes"]] == ["Asked for a callback after 16:00."]
    found = agent.get(BASE, params={"q": "22 33 44"}).json()
    assert [c["id"] for c in found] == [kari["id"]]


def test_history_comes_from_the_event_log(client_factory, db: Database, world: World) -> None:
    agent = _client(client_factory, world, "agent")
    kari = agent.post(BASE, json={"display_name": "Kari"}).json()
    with db.session(tenant_id=world.tenant_a) as session:
        events.append_contact_events_in(session, [
            *answered_contact("call-1", kari["id"]),
            *answered_contact("chat-1", kari["id"], T0 + timedelta(hours=2), Channel.CHAT),
        ])  # fmt: skip
    history = agent.get(f"{BASE}/{kari['id']}/history").json()
    assert [(r["contact_id"], r["channel"]) for r in history] == [
        ("chat-1", "chat"), ("call-1", "phone"),
    ]  # fmt: skip
    assert history[1]["wait_s"] == 20.0 and history[1]["handle_s"] == 230.0
    assert history[1]["arrived_at"].startswith("2026-03-02T08:00:00")
    assert len(agent.get(f"{BASE}/{kari['id']}/history", params={"limit": 1}).json()) == 1


def test_a_supervisor_merges_and_the_old_id_answers_with_the_survivor(
    client_factory, db: Database, world: World
) -> None:
    agent = _client(client_factory, world, "agent")
    supervisor = _client(client_factory, world, "supervisor")
    kari = agent.post(
        BASE, json={"display_name": "Kari", "identifiers": [{"kind": "phone", "value": "22334455"}]}
    ).json()
    mail = [{"kind": "email", "value": "k@n.no"}]
    dup = agent.post(BASE, json={"display_name": "K. Nordmann", "identifiers": mail}).json()
    agent.post(f"{BASE}/{dup['id']}/notes", json={"body": "Duplicate's note"})
    with db.session(tenant_id=world.tenant_a) as session:
        events.append_contact_events_in(session, answered_contact("mail-1", dup["id"]))
    refused = agent.post(f"{BASE}/{kari['id']}/merge", json={"merged_id": dup["id"]})
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    merged = supervisor.post(f"{BASE}/{kari['id']}/merge", json={"merged_id": dup["id"]})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["merged_ids"] == [dup["id"]] and len(body["identifiers"]) == 2
    assert [n["body"] for n in body["notes"]] == ["Duplicate's note"]
    assert agent.get(f"{BASE}/{dup['id']}").json()["id"] == kari["id"]
    history = agent.get(f"{BASE}/{kari['id']}/history").json()
    assert [(r["contact_id"], r["customer_id"]) for r in history] == [("mail-1", str(dup["id"]))]
    again = supervisor.post(f"{BASE}/{kari['id']}/merge", json={"merged_id": dup["id"]})
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "merged_id"


def test_each_role_reaches_only_what_it_may(client_factory, db: Database, world: World) -> None:
    agent = _client(client_factory, world, "agent")
    kari = agent.post(BASE, json={"display_name": "Kari"}).json()
    url = f"{BASE}/{kari['id']}"
    client = _client(client_factory, world, "client")
    for response in (client.get(BASE), client.get(url), client.get(f"{url}/history"),
                     client.post(f"{url}/notes", json={"body": "x"})):  # fmt: skip
        assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    qa = _client(client_factory, world, "qa")  # reads customers, does not handle contacts
    assert qa.get(url).status_code == 200
    assert qa.post(f"{url}/notes", json={"body": "x"}).status_code == 403
    assert qa.patch(url, json={"tier": "gold"}).status_code == 403
    assert qa.post(BASE, json={"display_name": "New"}).status_code == 403
    assert _stored(db, world.tenant_a, CustomerNote) == 0
    assert client_factory().get(BASE).status_code == 401


def test_another_tenants_customer_is_not_found_and_stays_as_it_was(
    client_factory, db: Database, world: World
) -> None:
    agent = _client(client_factory, world, "agent")
    kari = agent.post(BASE, json={"display_name": "Kari"}).json()
    url = f"{BASE}/{kari['id']}"
    stranger = _client(client_factory, world, "admin_b")
    own = stranger.post(BASE, json={"display_name": "Bravo's own"}).json()
    for response in (
        stranger.get(url),
        stranger.get(f"{url}/history"),
        stranger.patch(url, json={"display_name": "Taken"}),
        stranger.post(f"{url}/notes", json={"body": "taken"}),
        stranger.post(f"{url}/identifiers", json={"kind": "phone", "value": "123"}),
        stranger.post(f"{BASE}/{own['id']}/merge", json={"merged_id": kari["id"]}),
    ):
        assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    assert [c["id"] for c in stranger.get(BASE).json()] == [own["id"]]
    assert agent.get(url).json()["display_name"] == "Kari"
    assert _stored(db, world.tenant_a, CustomerNote) == 0


def test_bad_input_names_the_field_and_stores_nothing(
    client_factory, db: Database, world: World
) -> None:
    agent = _client(client_factory, world, "agent")
    bad = agent.post(BASE, json={
        "display_name": "Kari",
        "identifiers": [{"kind": "phone", "value": "22334455"},
                        {"kind": "email", "value": "kari@"}],
    })  # fmt: skip
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    assert bad.json()["errors"][0]["field"] == "identifiers.1.value"
    unknown = agent.post(
        BASE, json={"display_name": "K", "identifiers": [{"kind": "fax", "value": "1"}]}
    )
    assert (
        unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "identifiers.0.kind"
    )
    assert _stored(db, world.tenant_a, Customer) == 0

    phone = [{"kind": "phone", "value": "22334455"}]
    kari = agent.post(BASE, json={"display_name": "Kari", "identifiers": phone}).json()
    url = f"{BASE}/{kari['id']}"
    blank = agent.patch(url, json={"display_name": "  "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "display_name"
    note = agent.post(f"{url}/notes", json={"body": " "})
    assert note.status_code == 422 and note.json()["errors"][0]["field"] == "body"
    phone = agent.post(f"{url}/identifiers", json={"kind": "phone", "value": "12"})
    assert phone.status_code == 422 and phone.json()["errors"][0]["field"] == "value"
    per = agent.post(BASE, json={"display_name": "Per"}).json()
    taken = agent.post(
        f"{BASE}/{per['id']}/identifiers", json={"kind": "phone", "value": "2233 4455"}
    )
    assert taken.status_code == 409 and taken.json()["errors"][0]["field"] == "value"
    assert agent.get(url).json() == kari
    assert agent.get(f"{BASE}/{per['id']}").json()["identifiers"] == []


def test_an_identifier_stored_meanwhile_by_another_request_is_a_conflict_not_a_crash(
    client_factory, db: Database, world: World, monkeypatch
) -> None:
    """Another request stores the phone number between this request's check and its insert
    (the check is made to miss it): the answer is 409 naming the holder, nothing half-stored."""
    from contactops.domains.customers import service as customers

    agent = _client(client_factory, world, "agent")
    first = agent.post(BASE, json={
        "display_name": "First", "identifiers": [{"kind": "phone", "value": "+47 900 11 222"}],
    }).json()  # fmt: skip
    other = agent.post(BASE, json={"display_name": "Other"}).json()
    before = _stored(db, world.tenant_a, Customer)
    real_owner = customers._owner_id
    checks: list[int] = []

    def owner_missed_once(session, kind, value):  # type: ignore[no-untyped-def]
        checks.append(1)
        return None if len(checks) == 1 else real_owner(session, kind, value)

    monkeypatch.setattr(customers, "_owner_id", owner_missed_once)
    made = agent.post(BASE, json={
        "display_name": "Second", "identifiers": [{"kind": "phone", "value": "+4790011222"}],
    })  # fmt: skip
    assert made.status_code == 409, made.text
    assert made.headers["content-type"] == PROBLEM
    assert made.json()["errors"][0]["field"] == "identifiers.0.value"
    assert "First" in made.json()["detail"]
    assert _stored(db, world.tenant_a, Customer) == before

    checks.clear()
    added = agent.post(
        f"{BASE}/{other['id']}/identifiers", json={"kind": "phone", "value": "+47 900 11 222"}
    )
    assert added.status_code == 409 and added.json()["errors"][0]["field"] == "value"
    assert [i["value"] for i in agent.get(f"{BASE}/{first['id']}").json()["identifiers"]] == [
        "+4790011222"
    ]
