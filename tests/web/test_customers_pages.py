"""Customer pages: search and profile for the roles that may open them, their forms end to end
with CSRF, history in the tenant's time zone, and the profile partial other pages include."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contactops.domains.customers import service
from contactops.domains.customers.models import Customer, CustomerNote
from contactops.domains.events import service as events
from contactops.engines.events import Channel
from contactops.platform.audit import Actor
from contactops.platform.auth import Permission
from contactops.platform.database import Database
from contactops.platform.web import templates
from tests.conftest import World, csrf_from, login
from tests.domains.test_customers_service import T0, answered_contact

ROLES_ALLOWED = {"agent", "supervisor", "qa", "wfm", "manager", "admin"}


@pytest.fixture
def kari(db: Database, world: World) -> int:
    """Customer Kari in tenant a with a phone number, a call (08:00 UTC) and a chat."""
    actor = Actor(world.users["agent"], "agent@a.example")
    with db.session(tenant_id=world.tenant_a, actor=actor) as session:
        customer = service.identify_customer_in(session, "phone", "+4722334455", "Kari Nordmann")
        events.append_contact_events_in(session, [
            *answered_contact("call-1", customer.id),
            *answered_contact("chat-1", customer.id, T0 + timedelta(days=1), Channel.CHAT),
        ])  # fmt: skip
    return customer.id


def _count(db: Database, world: World, model: type) -> int:
    with db.session(tenant_id=world.tenant_a) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("path", ["/run/customers", "/run/customers?q=kari", "profile"])
def test_the_pages_open_for_the_roles_that_see_the_run_section(
    client_factory, world: World, kari: int, path: str
) -> None:
    path = f"/run/customers/{kari}" if path == "profile" else path
    for role in ROLES_ALLOWED:
        response = login(client_factory(), world.email(role)).get(path)
        assert response.status_code == 200, (role, response.text[:300])
        assert "Kari Nordmann" in response.text
    assert login(client_factory(), world.email("client")).get(path).status_code == 403
    assert client_factory().get(path).status_code == 303  # to the login page


def test_the_navigation_lists_customers_under_run(client_factory, world: World) -> None:
    agent = login(client_factory(), world.email("agent")).get("/run").text
    assert 'href="/run/customers"' in agent


def test_the_profile_shows_history_in_the_tenant_time_zone(
    client_factory, world: World, kari: int
) -> None:
    page = login(client_factory(), world.email("agent")).get(f"/run/customers/{kari}").text
    assert 'href="tel:+4722334455"' in page and "Europe/Oslo" in page
    call = re.search(r'<tr data-contact="call-1">(.*?)</tr>', page, re.S)
    assert call is not None
    assert "9:00" in call.group(1) and "8:00" not in call.group(1)  # 08:00 UTC is 09:00 in Oslo
    assert "0:20" in call.group(1) and "3:50" in call.group(1)  # waited 20 s, handled 230 s
    assert page.index('data-contact="chat-1"') < page.index('data-contact="call-1"')


def test_the_note_form_round_trips_with_its_csrf_token(
    client_factory, db: Database, world: World, kari: int
) -> None:
    agent = login(client_factory(), world.email("agent"))
    url = f"/run/customers/{kari}"
    page = agent.get(url).text
    assert 'data-testid="note-form"' in page
    forged = agent.post(f"{url}/notes", data={"body": "Forged"})
    assert forged.status_code == 403 and _count(db, world, CustomerNote) == 0
    token = csrf_from(page)
    saved = agent.post(
        f"{url}/notes", data={"body": "Wants invoices by e-mail.", "csrf_token": token}
    )
    assert saved.status_code == 303 and saved.headers["location"] == url
    shown = agent.get(url).text
    assert "Wants invoices by e-mail." in shown and "Agent A" in shown and "Note saved." in shown
    empty = agent.post(f"{url}/notes", data={"body": "  ", "csrf_token": token})
    assert empty.status_code == 422 and 'data-field-error="body"' in empty.text
    assert _count(db, world, CustomerNote) == 1
    back = agent.post(
        f"{url}/notes", data={"body": "From the desk", "next": "/run?x=1", "csrf_token": token}
    )
    assert back.headers["location"] == "/run?x=1"
    away = agent.post(
        f"{url}/notes",
        data={"body": "Elsewhere", "next": "https://evil.example/", "csrf_token": token},
    )
    assert away.headers["location"] == url
    qa_page = login(client_factory(), world.email("qa")).get(url).text
    assert 'data-testid="note-form"' not in qa_page and "Wants invoices" in qa_page


def test_profile_identifier_and_create_forms(
    client_factory, db: Database, world: World, kari: int
) -> None:
    agent = login(client_factory(), world.email("agent"))
    url = f"/run/customers/{kari}"
    token = csrf_from(agent.get(url).text)
    saved = agent.post(url, data={"display_name": "Kari N.", "tier": "gold",
                                  "tags": "vip, churn risk,", "csrf_token": token})  # fmt: skip
    assert saved.status_code == 303
    page = agent.get(url).text
    assert "Kari N." in page and '<strong data-testid="tier">gold</strong>' in page
    assert '<span class="badge">churn risk</span>' in page
    blank = agent.post(url, data={"display_name": " ", "tier": "", "tags": "", "csrf_token": token})
    assert blank.status_code == 422 and 'data-field-error="display_name"' in blank.text
    mail = {"kind": "email", "value": "Kari@Example.com", "csrf_token": token}
    added = agent.post(f"{url}/identifiers", data=mail)
    assert added.status_code == 303 and "mailto:kari@example.com" in agent.get(url).text
    wrong = agent.post(f"{url}/identifiers", data=mail | {"value": "kari@"})
    assert wrong.status_code == 422 and 'data-field-error="value"' in wrong.text

    per = {"display_name": "Per", "kind": "phone", "value": "22 11 00 99", "csrf_token": token}
    made = agent.post("/run/customers", data=per)
    assert made.status_code == 303 and made.headers["location"].startswith("/run/customers/")
    taken = agent.post("/run/customers", data=per | {"value": "+47 22334455"})
    assert taken.status_code == 409 and 'data-field-error="value"' in taken.text
    assert _count(db, world, Customer) == 2
    found = agent.get("/run/customers", params={"q": "2211"}).text
    assert f'href="{made.headers["location"]}"' in found and "Kari" not in found


def test_a_supervisor_merges_through_the_form_and_the_old_page_redirects(
    client_factory, db: Database, world: World, kari: int
) -> None:
    with db.session(tenant_id=world.tenant_a) as session:
        duplicate = service.identify_customer_in(session, "email", "kari@example.com").id
    supervisor = login(client_factory(), world.email("supervisor"))
    url = f"/run/customers/{kari}"
    page = supervisor.get(url).text
    assert 'id="merge-form"' in page
    assert 'id="merge-form"' not in login(client_factory(), world.email("agent")).get(url).text
    token = csrf_from(page)
    wrong = supervisor.post(f"{url}/merge", data={"merged_id": "nine", "csrf_token": token})
    assert wrong.status_code == 422 and 'data-field-error="merged_id"' in wrong.text
    missing = supervisor.post(f"{url}/merge", data={"merged_id": "99999", "csrf_token": token})
    assert missing.status_code == 422 and 'data-field-error="merged_id"' in missing.text
    merged = supervisor.post(
        f"{url}/merge", data={"merged_id": str(duplicate), "csrf_token": token}
    )
    assert merged.status_code == 303 and merged.headers["location"] == url
    old = supervisor.get(f"/run/customers/{duplicate}")
    assert old.status_code == 303 and old.headers["location"] == url
    assert "mailto:kari@example.com" in supervisor.get(url).text


def test_another_tenants_customer_page_is_not_found(
    client_factory, db: Database, world: World, kari: int
) -> None:
    stranger = login(client_factory(), "admin@b.example")
    assert stranger.get(f"/run/customers/{kari}").status_code == 404
    token = csrf_from(stranger.get("/run/customers").text)
    taken = stranger.post(f"/run/customers/{kari}/notes", data={"body": "x", "csrf_token": token})
    assert taken.status_code == 404 and "Traceback" not in taken.text
    assert "Kari" not in stranger.get("/run/customers?q=kari").text
    assert _count(db, world, CustomerNote) == 0


def test_the_profile_partial_needs_only_the_customer_and_its_history(
    db: Database, world: World, kari: int
) -> None:
    """What the agent desktop includes: no form without a principal, no page context needed."""
    with db.session(tenant_id=world.tenant_a) as session:
        profile = service.customer_profile_in(session, kari)
    html = templates.get_template("customers/_profile.html").render(
        customer=profile.customer,
        history=profile.history,
        _=lambda message, **values: message % values,
        localtime=lambda moment, fmt="medium": moment.isoformat(),
        permissions=Permission,
        principal=None,
    )
    assert f'data-customer-id="{kari}"' in html and 'data-contact="call-1"' in html
    assert 'data-testid="note-form"' not in html
