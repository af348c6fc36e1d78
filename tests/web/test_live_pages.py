"""The live center's pages: the agent desktop and the wallboard open for their roles only,
carry the CSRF token their scripts send, and the public chat page embeds the widget with the
tenant's chat queues."""

from __future__ import annotations

import json
import re

import pytest

from contactops.domains.organization import service as organization
from contactops.platform.audit import Actor
from contactops.platform.database import Database
from tests.conftest import World, csrf_from, login

CONFIG = re.compile(r'<script type="application/json" id="(\w+)-config">(.*?)</script>', re.S)
DATA_CSRF = re.compile(r'data-csrf-token="([^"]+)"')


@pytest.fixture
def live_world(db: Database, world: World) -> World:
    """Alpha has a phone queue and two chat queues; the agent user works as agent c1."""
    with db.session(tenant_id=world.tenant_a, actor=Actor.system("test")) as session:
        organization.create_queue_in(session, code="sales", name="Sales", skill_code="sales")
        organization.create_queue_in(
            session, code="web", name="Web chat", channel="chat", skill_code="chat"
        )
        organization.create_queue_in(
            session, code="vip", name="VIP chat", channel="chat", skill_code="chat"
        )
        organization.create_agent_in(
            session, code="c1", display_name="Cai", team_name="T", skills={"chat": 5},
            user_id=world.users["agent"],
        )  # fmt: skip
    return world


def _config(html: str) -> dict[str, object]:
    match = CONFIG.search(html)
    assert match, "page has no config block"
    return dict(json.loads(match.group(2)))


def test_agents_open_the_desktop_and_supervisors_the_wallboard(
    client_factory, live_world: World
) -> None:
    agent = login(client_factory(), live_world.email("agent"))
    desktop = agent.get("/run/desktop")
    assert desktop.status_code == 200
    assert 'id="desktop"' in desktop.text and "/static/live/desktop.js" in desktop.text
    assert agent.get("/run/wallboard").status_code == 403
    supervisor = login(client_factory(), live_world.email("supervisor"))
    wallboard = supervisor.get("/run/wallboard")
    assert wallboard.status_code == 200
    assert 'id="wallboard"' in wallboard.text and "/static/live/wallboard.js" in wallboard.text
    assert "/static/vendor/echarts/echarts.min.js" in wallboard.text


@pytest.mark.parametrize("path", ["/run/desktop", "/run/wallboard"])
def test_the_client_role_may_open_neither_page(
    client_factory, live_world: World, path: str
) -> None:
    client = login(client_factory(), live_world.email("client"))
    assert client.get(path).status_code == 403


def test_signed_out_visitors_are_sent_to_the_login(client_factory, live_world: World) -> None:
    response = client_factory().get("/run/desktop")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/run/desktop")


def test_the_navigation_lists_the_live_pages_a_role_may_open(
    client_factory, live_world: World
) -> None:
    agent = login(client_factory(), live_world.email("agent")).get("/run").text
    assert 'href="/run/desktop"' in agent and 'href="/run/wallboard"' not in agent
    supervisor = login(client_factory(), live_world.email("supervisor")).get("/run").text
    assert 'href="/run/desktop"' in supervisor and 'href="/run/wallboard"' in supervisor


def test_the_desktop_carries_the_csrf_token_its_script_sends(
    client_factory, live_world: World
) -> None:
    agent = login(client_factory(), live_world.email("agent"))
    page = agent.get("/run/desktop").text
    token = DATA_CSRF.search(page)
    assert token and token.group(1) == csrf_from(page)
    config = _config(page)
    assert config["time_zone"] == "Europe/Oslo"
    assert config["desktop_url"] == "/api/v1/live/desktop"
    assert config["stream_url"] == "/api/v1/live/desktop/stream"
    refused = agent.post("/api/v1/live/desktop/state", json={"state": "ready"})
    assert refused.status_code == 403
    accepted = agent.post(
        "/api/v1/live/desktop/state",
        json={"state": "ready"},
        headers={"X-CSRF-Token": token.group(1)},
    )
    assert accepted.status_code == 200, accepted.text
    assert agent.get("/api/v1/live/desktop").json()["presence"] == "ready"


def test_the_wallboard_page_hands_its_script_the_tenant_zone(
    client_factory, live_world: World
) -> None:
    supervisor = login(client_factory(), live_world.email("supervisor"))
    page = supervisor.get("/run/wallboard").text
    assert csrf_from(page)
    config = _config(page)
    assert config["time_zone"] == "Europe/Oslo"
    assert config["wallboard_url"] == "/api/v1/live/wallboard"
    assert config["states"]["on_contact"] == "On contact"  # type: ignore[index]


def test_a_user_who_is_no_agent_is_told_so_on_the_desktop(
    client_factory, live_world: World
) -> None:
    supervisor = login(client_factory(), live_world.email("supervisor"))
    page = supervisor.get("/run/desktop")
    assert page.status_code == 200
    assert 'data-testid="desk-unlinked"' in page.text
    assert "not linked to an agent" in page.text
    assert "/static/live/desktop.js" not in page.text


def test_the_public_chat_page_offers_the_tenant_chat_queues(
    client_factory, live_world: World
) -> None:
    visitor = client_factory()
    page = visitor.get("/chat/alpha")
    assert page.status_code == 200, page.text
    assert "Alpha Care" in page.text
    chooser = page.text.split('id="chat-queue"')[1].split("</select>")[0]
    options = re.findall(r'<option value="(\w+)"', chooser)
    assert options == ["vip", "web"]  # by name; the phone queue is not offered
    assert re.search(r'<script src="/static/live/widget.js" data-tenant="alpha" data-queue="vip"',
                     page.text)  # fmt: skip
    chosen = visitor.get("/chat/alpha?queue=web").text
    assert 'data-tenant="alpha" data-queue="web"' in chosen
    unknown_queue = visitor.get("/chat/alpha?queue=sales").text
    assert 'data-tenant="alpha" data-queue="vip"' in unknown_queue


def test_the_public_chat_page_of_a_tenant_without_chat_or_of_none(
    client_factory, live_world: World
) -> None:
    visitor = client_factory()
    bravo = visitor.get("/chat/bravo")
    assert bravo.status_code == 200
    assert 'data-testid="no-chat-queues"' in bravo.text and "widget.js" not in bravo.text
    assert visitor.get("/chat/nowhere").status_code == 404


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/static/live/widget.js", "javascript"),
        ("/static/live/desktop.js", "javascript"),
        ("/static/live/wallboard.js", "javascript"),
        ("/static/live/live.css", "css"),
    ],
)
def test_the_live_assets_are_served(client_factory, path: str, kind: str) -> None:
    response = client_factory().get(path)
    assert response.status_code == 200
    assert kind in response.headers["content-type"]


def test_the_widget_reads_its_settings_from_its_script_tag(client_factory) -> None:
    widget = client_factory().get("/static/live/widget.js").text
    for attribute in ("dataset.tenant", "dataset.queue", "dataset.title"):
        assert attribute in widget
    assert "sessionStorage" in widget and "/api/v1/chat/" in widget
    for language in ("zh:", "bg:", "nb:"):
        assert language in widget
