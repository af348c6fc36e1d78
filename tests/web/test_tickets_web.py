"""Tickets over HTTP: opened, answered and solved through the API and the pages; a reply from an
out-of-date view refused (409, and the page shown again with the message); settings by the
roles that configure the center; other tenants' tickets are 404."""

from __future__ import annotations

from sqlalchemy import select

from contactops.domains.tickets.models import TicketMessage
from contactops.platform.database import Database
from tests.conftest import World, csrf_from, login, page_csrf

PROBLEM = "application/problem+json"
BASE = "/api/v1/tickets"
SETTINGS = "/api/v1/ticket-settings"


def _client(client_factory, world: World, role: str):  # type: ignore[no-untyped-def]
    client = login(client_factory(), world.email(role) if role != "admin_b" else "admin@b.example")
    client.headers["X-CSRF-Token"] = page_csrf(client)
    return client


def _open(client, **fields):  # type: ignore[no-untyped-def]
    body = {
        "subject": "Broken phone",
        "body": "It does not start.",
        "channel": "email",
        "ticket_type": "complaint",
        **fields,
    }
    made = client.post(BASE, json=body)
    assert made.status_code == 201, made.text
    return made.json()


def test_an_agent_opens_answers_and_solves_a_ticket(client_factory, world: World) -> None:
    manager = _client(client_factory, world, "manager")
    calendar = manager.put(
        f"{SETTINGS}/calendars/office",
        json={"name": "Office", "time_zone": "Europe/Oslo", "weekly_hours": "mon-fri 08:00-17:00"},
    )
    assert calendar.status_code == 200, calendar.text
    policy = manager.put(
        f"{SETTINGS}/sla-policies/complaints",
        json={"name": "Complaints", "ticket_type": "complaint", "calendar_code": "office",
              "first_response_s": 3 * 3600, "resolution_s": 18 * 3600},
    )  # fmt: skip
    assert policy.status_code == 200, policy.text
    agent = _client(client_factory, world, "agent")
    ticket = _open(agent)
    assert ticket["label"] == "T-1"
    assert {c["target"] for c in ticket["clocks"]} == {"first_response", "resolution"}
    assert ticket["sla_due_at"] is not None
    answered = agent.post(
        f"{BASE}/1/replies", json={"body": "Send it to us.", "version": ticket["version"]}
    )
    assert answered.status_code == 201, answered.text
    after = answered.json()
    assert after["first_response_at"] is not None
    assert after["assignee_label"] == "Agent A"
    solved = agent.post(
        f"{BASE}/1/status",
        json={"status": "solved", "outcome": "replacement_no_return", "version": after["version"]},
    )
    assert solved.status_code == 200, solved.text
    assert solved.json()["status_category"] == "solved"
    assert [t["number"] for t in agent.get(BASE, params={"view": "all"}).json()] == []


def test_a_reply_from_an_out_of_date_view_is_a_conflict(client_factory, world: World) -> None:
    agent = _client(client_factory, world, "agent")
    supervisor = _client(client_factory, world, "supervisor")
    ticket = _open(agent)
    first = supervisor.post(
        f"{BASE}/1/replies", json={"body": "One.", "version": ticket["version"]}
    )
    assert first.status_code == 201
    second = agent.post(f"{BASE}/1/replies", json={"body": "Two.", "version": ticket["version"]})
    assert second.status_code == 409
    assert second.headers["content-type"].startswith(PROBLEM)
    assert "Supervisor A" in second.json()["detail"]


def test_the_ticket_page_refuses_a_stale_reply_and_keeps_what_was_typed(
    client_factory, world: World, db: Database
) -> None:
    agent = login(client_factory(), world.email("agent"))
    supervisor = login(client_factory(), world.email("supervisor"))
    form = agent.get("/run/tickets")
    assert form.status_code == 200
    opened = agent.post(
        "/run/tickets",
        data={"subject": "Invoice wrong", "body": "Charged twice.", "channel": "phone",
              "ticket_type": "question", "priority": "high", "csrf_token": csrf_from(form.text)},
    )  # fmt: skip
    assert opened.status_code == 303, opened.text
    assert opened.headers["location"].startswith("/run/tickets/1")
    agent_page = agent.get("/run/tickets/1")
    supervisor_page = supervisor.get("/run/tickets/1")
    assert "Charged twice." in agent_page.text
    version = 'name="version" value="1"'
    assert version in agent_page.text and version in supervisor_page.text
    sent = supervisor.post(
        "/run/tickets/1/replies",
        data={"body": "Refunded.", "version": "1", "csrf_token": csrf_from(supervisor_page.text)},
    )
    assert sent.status_code == 303
    refused = agent.post(
        "/run/tickets/1/replies",
        data={"body": "We will check.", "version": "1", "csrf_token": csrf_from(agent_page.text)},
    )
    assert refused.status_code == 409
    assert 'data-testid="ticket-refused"' in refused.text
    assert "We will check." in refused.text  # what the agent typed is kept
    assert "Refunded." in refused.text  # and the answer sent meanwhile is shown
    with db.session(tenant_id=world.tenant_a) as session:
        bodies = session.scalars(
            select(TicketMessage.body).where(TicketMessage.kind == "reply")
        ).all()
    assert bodies == ["Refunded."]


def test_only_roles_that_configure_the_center_change_ticket_settings(
    client_factory, world: World
) -> None:
    agent = _client(client_factory, world, "agent")
    refused = agent.put(
        f"{SETTINGS}/calendars/office",
        json={"name": "Office", "time_zone": "Europe/Oslo", "weekly_hours": "mon-fri 08:00-17:00"},
    )
    assert refused.status_code == 403
    client = _client(client_factory, world, "client")
    assert (
        client.post(BASE, json={"subject": "x", "body": "y", "ticket_type": "question"}).status_code
        == 403
    )
    manager = _client(client_factory, world, "manager")
    bad = manager.put(
        f"{SETTINGS}/calendars/office",
        json={"name": "Office", "time_zone": "Europe/Oslo", "weekly_hours": "mon-fri 17:00-08:00"},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "weekly_hours"
    assert manager.get(f"{SETTINGS}/calendars").json() == []
    workflow = manager.get(f"{SETTINGS}/workflow").json()
    assert workflow["statuses"][0]["code"] == "new"


def test_another_tenant_sees_no_ticket(client_factory, world: World) -> None:
    agent = _client(client_factory, world, "agent")
    _open(agent)
    other = _client(client_factory, world, "admin_b")
    assert other.get(f"{BASE}/1").status_code == 404
    assert other.get(BASE).json() == []
    assert other.get("/run/tickets/1").status_code == 404


def test_a_manager_sets_up_a_mailbox_without_giving_its_password(
    client_factory, world: World
) -> None:
    manager = _client(client_factory, world, "manager")
    made = manager.put(
        f"{SETTINGS}/mailboxes/Support@Alpha.example",
        json={"display_name": "Alpha Support", "imap_host": "imap.alpha.example",
              "imap_username": "support", "imap_password_env": "ALPHA_IMAP_PASSWORD",
              "smtp_host": "smtp.alpha.example"},
    )  # fmt: skip
    assert made.status_code == 200, made.text
    assert made.json()["address"] == "support@alpha.example"
    assert "password" not in " ".join(k for k in made.json() if not k.endswith("_env"))
    bad = manager.put(
        f"{SETTINGS}/mailboxes/support@alpha.example", json={"imap_password_env": "secret pw"}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "imap_password_env"
    agent = _client(client_factory, world, "agent")
    assert agent.put(f"{SETTINGS}/mailboxes/x@alpha.example", json={}).status_code == 403
    assert [m["address"] for m in agent.get(f"{SETTINGS}/mailboxes").json()] == [
        "support@alpha.example"
    ]
    assert manager.get(f"{SETTINGS}/inbound-mail").json() == []


def test_files_are_attached_listed_and_downloaded_never_inline(
    client_factory, world: World
) -> None:
    agent = _client(client_factory, world, "agent")
    _open(agent)
    sent = agent.post(
        f"{BASE}/1/attachments",
        files={"file": ("../../kvittering 收据.pdf", b"%PDF-1.4 receipt", "application/pdf")},
    )
    assert sent.status_code == 201, sent.text
    made = sent.json()
    assert made["filename"] == "kvittering 收据.pdf"
    assert made["size_bytes"] == 16
    page = agent.post(
        f"{BASE}/1/attachments", files={"file": ("page.html", b"<script>x</script>", "text/html")}
    ).json()
    ticket = agent.get(f"{BASE}/1").json()
    assert [a["filename"] for a in ticket["attachments"]] == ["kvittering 收据.pdf", "page.html"]
    pdf = agent.get(f"{BASE}/1/attachments/{made['id']}")
    assert pdf.content == b"%PDF-1.4 receipt"
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
    html = agent.get(f"{BASE}/1/attachments/{page['id']}")
    assert html.headers["content-type"] == "application/octet-stream"
    assert html.headers["x-content-type-options"] == "nosniff"
    empty = agent.post(f"{BASE}/1/attachments", files={"file": ("e.txt", b"", "text/plain")})
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "file"
    other = _client(client_factory, world, "admin_b")
    assert other.get(f"{BASE}/1/attachments/{made['id']}").status_code == 404


def test_an_attachment_over_the_limit_is_refused_and_nothing_is_kept(
    client_factory, world: World, app, settings
) -> None:
    app.state.settings = settings.model_copy(update={"attachment_max_bytes": 10})
    agent = _client(client_factory, world, "agent")
    _open(agent)
    big = agent.post(f"{BASE}/1/attachments", files={"file": ("big.bin", b"x" * 11, "x/y")})
    assert big.status_code == 422
    assert "MB" in big.json()["detail"]
    assert agent.get(f"{BASE}/1").json()["attachments"] == []
    kept = settings.var_dir / "attachments"
    assert not kept.exists() or not any(p.is_file() for p in kept.rglob("*"))
