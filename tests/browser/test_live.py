"""The live center in real browsers: a customer starts a chat on the public page, an agent on
the desktop is offered it, accepts and replies, the customer reads the reply in the widget,
and a supervisor's wallboard follows it all without reloading."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from contactops.domains.live import service
from contactops.domains.live.models import LiveContact
from contactops.domains.organization import service as organization
from contactops.platform.audit import Actor
from contactops.platform.database import Database
from tests.browser.test_what_if import _sign_in
from tests.conftest import World

SCREENSHOTS = "/tmp/live-{name}.png"  # noqa: S108 - looked at by people, not read back


@pytest.fixture
def chat_center(db: Database, world: World) -> World:
    """Alpha has a phone queue and a chat queue; the agent user works as Cai (chat skill)."""
    with db.session(tenant_id=world.tenant_a, actor=Actor.system("test")) as session:
        organization.create_queue_in(session, code="sales", name="Sales", skill_code="sales")
        organization.create_queue_in(
            session, code="web", name="Web chat", channel="chat", skill_code="chat"
        )
        organization.create_agent_in(
            session, code="c1", display_name="Cai", team_name="Chat team", skills={"chat": 5},
            user_id=world.users["agent"],
        )  # fmt: skip
    return world


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """New pages, each in a browser context of its own (own cookies and session storage)."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(
            locale="en-US", timezone_id="Europe/Oslo", viewport={"width": 1280, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def test_a_customer_chats_with_an_agent_while_the_supervisor_watches(
    open_page: Callable[[], Page], live_server: str, db: Database, chat_center: World
) -> None:
    supervisor = open_page()
    _sign_in(supervisor, live_server, chat_center.email("supervisor"))
    supervisor.get_by_role("navigation", name="Main").get_by_role("link", name="Run").click()
    supervisor.get_by_role("link", name="Wallboard").click()
    expect(supervisor.get_by_test_id("wb-connection")).to_have_text("Live")
    web_queue = supervisor.locator('#wb-queues tr[data-queue="web"]')
    expect(web_queue.get_by_test_id("queue-waiting")).to_have_text("0")
    cai_on_board = supervisor.locator('#wb-agents tr[data-agent="c1"]')
    expect(cai_on_board).to_have_count(0)  # logged out

    agent = open_page()
    _sign_in(agent, live_server, chat_center.email("agent"))
    agent.get_by_role("navigation", name="Main").get_by_role("link", name="Run").click()
    agent.get_by_role("link", name="Agent desktop").click()
    expect(agent.get_by_test_id("desk-connection")).to_have_text("Live")
    agent.get_by_role("button", name="Not ready", exact=True).click()
    expect(agent.get_by_test_id("desk-state-name")).to_have_text("Not ready")
    expect(cai_on_board.get_by_test_id("agent-state")).to_have_text("Not ready")

    customer = open_page()
    customer.goto(f"{live_server}/chat/alpha")
    expect(customer.get_by_label("Topic")).to_have_value("web")  # the only chat queue
    customer.get_by_role("button", name="Open the chat: Chat with us").click()
    widget = customer.get_by_role("dialog", name="Chat with us")
    widget.get_by_label("Your name").fill("Dana Lee")
    widget.get_by_label("E-mail", exact=True).fill("dana@example.org")
    widget.get_by_role("button", name="Start chat").click()
    widget_status = widget.get_by_role("status")
    expect(widget_status).to_have_text("You are number 1 in line")
    widget.get_by_label("Message").fill("Hello, my invoice is wrong.")
    widget.get_by_role("button", name="Send").click()
    transcript = widget.get_by_role("log")
    expect(transcript).to_contain_text("Hello, my invoice is wrong.")
    expect(web_queue.get_by_test_id("queue-waiting")).to_have_text("1")

    agent.get_by_role("button", name="Ready", exact=True).click()
    offer = agent.get_by_test_id("desk-offer")
    expect(offer).to_contain_text("Dana Lee")
    expect(offer).to_contain_text("Web chat")
    expect(agent.get_by_test_id("desk-state-name")).to_have_text("Ringing")
    expect(widget_status).to_have_text("An agent is joining…")
    agent.screenshot(path=SCREENSHOTS.format(name="offer"))
    offer.get_by_role("button", name="Accept").click()

    contact = agent.get_by_test_id("desk-contact")
    expect(contact.get_by_test_id("contact-status")).to_have_text("In conversation")
    expect(contact.get_by_test_id("chat-log")).to_contain_text("Hello, my invoice is wrong.")
    expect(contact.get_by_test_id("customer-panel")).to_contain_text("Dana Lee")
    expect(contact.get_by_test_id("customer-panel").get_by_role("link")).to_have_attribute(
        "href", re.compile(r"^/run/customers/\d+$")
    )
    contact.get_by_label("Reply").fill("Let me check that for you, Dana.")
    contact.get_by_role("button", name="Send").click()
    expect(contact.get_by_test_id("chat-log")).to_contain_text("Let me check that for you, Dana.")
    expect(contact.get_by_label("Reply")).to_have_value("")

    expect(transcript).to_contain_text("Let me check that for you, Dana.")
    expect(widget_status).to_have_text("Connected with Cai")

    expect(cai_on_board.get_by_test_id("agent-state")).to_have_text("On contact")
    expect(web_queue.get_by_test_id("queue-waiting")).to_have_text("0")
    service.refresh_legs(db, chat_center.tenant_a)  # what the timers do every few seconds
    expect(web_queue.get_by_test_id("queue-offered")).to_have_text("1")
    expect(supervisor.locator("#wb-state-chart canvas")).to_have_count(1)
    service.contact_arrived(
        db, chat_center.tenant_a, channel="phone", queue="sales", caller="+4722334455",
        external_ref="call-1", identify=True,
    )  # fmt: skip
    sales_queue = supervisor.locator('#wb-queues tr[data-queue="sales"]')
    expect(sales_queue.get_by_test_id("queue-waiting")).to_have_text("1")
    expect(sales_queue).to_have_class(re.compile("wb-row-alert"))
    expect(supervisor.get_by_test_id("wb-alert")).to_contain_text(
        "Sales: contacts wait and no agent is logged in."
    )

    agent.screenshot(path=SCREENSHOTS.format(name="desktop"), full_page=True)
    supervisor.screenshot(path=SCREENSHOTS.format(name="wallboard"), full_page=True)
    customer.screenshot(path=SCREENSHOTS.format(name="widget"))

    contact.locator("summary", has_text="Transfer").click()
    targets = contact.get_by_label("Transfer to")
    expect(targets.locator("optgroup[label=Queues] option")).to_have_count(3)
    contact.locator("summary", has_text="Schedule a callback").click()
    contact.get_by_label("Number to call").fill("+47 22 33 44 55")
    contact.get_by_label(re.compile(r"^When \(Europe/Oslo\)")).fill("2030-01-15T14:30")
    contact.get_by_role("button", name="Schedule callback").click()
    expect(contact.get_by_role("status")).to_have_text(re.compile("^Callback scheduled for"))
    agent.screenshot(path=SCREENSHOTS.format(name="panels"), full_page=True)
    with db.session(tenant_id=chat_center.tenant_a) as session:
        callback = session.scalar(select(LiveContact).where(LiveContact.channel == "callback"))
    assert callback is not None and callback.status == "scheduled"
    assert callback.callback_at == datetime(2030, 1, 15, 13, 30, tzinfo=UTC)  # 14:30 in Oslo
    assert callback.callback_number == "+47 22 33 44 55"

    contact.get_by_role("button", name="End chat").click()
    wrapup = contact.get_by_test_id("wrapup-form")
    wrapup.get_by_label("Wrap-up code").select_option("resolved")
    wrapup.get_by_label("Resolved on this contact").check()
    agent.screenshot(path=SCREENSHOTS.format(name="wrapup"), full_page=True)
    expect(widget_status).to_have_text("Chat ended")
    wrapup.get_by_role("button", name="Finish wrap-up").click()
    expect(agent.get_by_test_id("desk-empty")).to_be_visible()
    expect(agent.get_by_test_id("desk-state-name")).to_have_text("Ready")
    expect(cai_on_board.get_by_test_id("agent-state")).to_have_text("Ready")


def test_the_widget_reconnects_to_its_chat_after_a_reload(
    open_page: Callable[[], Page], live_server: str, chat_center: World
) -> None:
    customer = open_page()
    customer.goto(f"{live_server}/chat/alpha?queue=web")
    customer.get_by_role("button", name="Open the chat: Chat with us").click()
    widget = customer.get_by_role("dialog", name="Chat with us")
    widget.get_by_label("Your name").fill("Eli")
    widget.get_by_label("E-mail", exact=True).fill("eli@example.org")
    widget.get_by_role("button", name="Start chat").click()
    widget.get_by_label("Message").fill("Are you there?")
    widget.get_by_role("button", name="Send").click()
    expect(widget.get_by_role("log")).to_contain_text("Are you there?")

    customer.reload()
    widget = customer.get_by_role("dialog", name="Chat with us")
    expect(widget.get_by_role("log")).to_contain_text("Are you there?")
    expect(widget.get_by_role("status")).to_have_text("You are number 1 in line")
    widget.get_by_role("button", name="End chat").click()
    expect(widget.get_by_role("status")).to_have_text("Chat ended")
    widget.get_by_role("button", name="Start a new chat").click()
    expect(widget.get_by_label("Your name")).to_be_visible()
