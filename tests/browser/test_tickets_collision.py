"""Agent collision detection in real browsers: an agent and a supervisor open the same ticket
and each sees the other, live, typing included; the agent answers first; the supervisor's page
says that the ticket changed, and a reply sent from it anyway is refused with what was typed
kept, so the customer gets one answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from contactops.domains.tickets import service
from contactops.domains.tickets.models import TicketMessage
from contactops.platform.audit import Actor
from contactops.platform.database import Database
from tests.browser.test_what_if import _sign_in
from tests.conftest import World

LIVE_MS = 8_000  # a beat every 3 s, seen by the other page at its own next beat
# Typing shows for 4 s after the last key: typing at a person's pace keeps it on long enough
# for the other page's next beat even on a busy machine.
KEY_MS = 50


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """New pages, each in a browser context of its own (own cookies: another user)."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(locale="en-US", timezone_id="Europe/Oslo")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.mark.browser
def test_two_agents_on_one_ticket_see_each_other_and_only_one_answer_is_sent(
    open_page: Callable[[], Page], live_server: str, db: Database, world: World
) -> None:
    with db.session(tenant_id=world.tenant_a, actor=Actor(world.users["agent"], "agent")) as s:
        number = service.open_ticket_in(
            s, subject="Charged twice", body="My invoice shows the same line twice.",
            channel="email", ticket_type="complaint",
        ).number  # fmt: skip
    ticket_url = f"{live_server}/run/tickets/{number}"
    agent, supervisor = open_page(), open_page()
    _sign_in(agent, live_server, world.email("agent"))
    _sign_in(supervisor, live_server, world.email("supervisor"))
    agent.goto(ticket_url)
    supervisor.goto(ticket_url)

    on_agent_page = agent.get_by_test_id("ticket-viewers")
    on_supervisor_page = supervisor.get_by_test_id("ticket-viewers")
    supervisor_seen = on_agent_page.locator(f'[data-viewer="{world.users["supervisor"]}"]')
    agent_seen = on_supervisor_page.locator(f'[data-viewer="{world.users["agent"]}"]')
    expect(supervisor_seen).to_have_text("Supervisor A", timeout=LIVE_MS)
    expect(agent_seen).to_have_text("Agent A", timeout=LIVE_MS)
    expect(on_supervisor_page).to_contain_text("Also on this ticket: Agent A")
    expect(agent_seen).to_have_attribute("data-typing", "false")

    agent.get_by_label("Your answer").press_sequentially(
        "We refunded the second line.", delay=KEY_MS
    )
    expect(agent_seen).to_have_attribute("data-typing", "true", timeout=LIVE_MS)
    expect(on_supervisor_page).to_contain_text("Agent A is typing…")
    supervisor.get_by_label("Your answer").press_sequentially(
        "I will look into it today.", delay=KEY_MS
    )
    expect(supervisor_seen).to_have_attribute("data-typing", "true", timeout=LIVE_MS)

    agent.locator("#reply-form").get_by_role("button", name="Send").click()
    expect(agent.get_by_role("status").filter(has_text="Reply sent.")).to_be_visible()
    changed = supervisor.get_by_test_id("ticket-changed")
    expect(changed).to_be_visible(timeout=LIVE_MS)
    expect(changed).to_contain_text(
        "This ticket has changed since you opened it. Reload it before you answer."
    )
    expect(changed.get_by_role("link", name="Reload")).to_be_visible()
    expect(agent.get_by_test_id("ticket-changed")).to_be_hidden()  # its page is current
    expect(agent_seen).to_be_visible()  # answering keeps the agent on the ticket

    supervisor.locator("#reply-form").get_by_role("button", name="Send").click()
    refused = supervisor.get_by_test_id("ticket-refused")
    expect(refused).to_contain_text("changed after you opened it (Agent A)")
    expect(supervisor.get_by_label("Your answer")).to_have_value("I will look into it today.")
    expect(supervisor.get_by_test_id("messages")).to_contain_text("We refunded the second line.")
    expect(supervisor.get_by_test_id("ticket-changed")).to_be_hidden()  # shown current now
    with db.session(tenant_id=world.tenant_a) as session:
        replies = session.scalars(select(TicketMessage.body).where(TicketMessage.kind == "reply"))
        assert replies.all() == ["We refunded the second line."]

    expect(agent_seen).to_be_visible(timeout=LIVE_MS)
    agent.get_by_role("link", name="All tickets").click()  # leaving says so at once
    expect(on_supervisor_page).to_be_hidden(timeout=LIVE_MS)


@pytest.mark.browser
def test_reloading_a_changed_ticket_keeps_the_answer_typed_so_far(
    open_page: Callable[[], Page], live_server: str, db: Database, world: World
) -> None:
    with db.session(tenant_id=world.tenant_a, actor=Actor(world.users["agent"], "agent")) as s:
        number = service.open_ticket_in(
            s, subject="Late parcel", body="Where is my parcel?", channel="web",
            ticket_type="question",
        ).number  # fmt: skip
    agent = open_page()
    _sign_in(agent, live_server, world.email("agent"))
    agent.goto(f"{live_server}/run/tickets/{number}")
    agent.get_by_label("Your answer").fill("It left the depot this morning.")
    with db.session(tenant_id=world.tenant_a, actor=Actor(world.users["qa"], "qa")) as s:
        service.reply_in(s, number, "Checked with the carrier.", version=1, internal=True)
    changed = agent.get_by_test_id("ticket-changed")
    expect(changed).to_be_visible(timeout=LIVE_MS)
    changed.get_by_role("link", name="Reload").click()
    expect(agent.get_by_test_id("messages")).to_contain_text("Checked with the carrier.")
    expect(agent.get_by_label("Your answer")).to_have_value("It left the depot this morning.")
    expect(changed).to_be_hidden()
