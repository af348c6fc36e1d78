"""A planner builds and publishes a schedule in a real browser: the grid of shifts with their
breaks and the coverage chart are drawn; an agent then reads a handover note on My schedule
and acknowledges it."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from contactops.domains.scheduling import service
from contactops.platform.database import Database
from tests.browser.test_what_if import _sign_in
from tests.conftest import World
from tests.domains.test_forecasting_service import PLAN_DAY, with_history  # noqa: F401
from tests.domains.test_scheduling_service import as_user, planned  # noqa: F401


def test_a_planner_publishes_and_an_agent_acknowledges(
    page: Page,
    live_server: str,
    db: Database,
    planned: World,  # noqa: F811
) -> None:
    _sign_in(page, live_server, planned.email("wfm"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Plan").click()
    page.get_by_role("link", name="Schedule", exact=True).click()
    expect(page.get_by_test_id("no-schedule")).to_be_visible()

    page.get_by_label("Time limit (seconds)").fill("3")
    page.get_by_role("button", name="Build schedule").click()
    expect(page.get_by_role("heading", name="Schedule version 1")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("schedule-status")).to_have_text("draft")
    grid = page.get_by_test_id("schedule-grid")
    expect(grid.locator("tbody tr")).to_have_count(12)  # one row an agent
    expect(grid.locator(".sched-shift").first).to_be_visible()
    expect(grid.locator(".sched-act.lunch").first).to_be_attached()
    expect(page.locator("#schedule-coverage-chart canvas")).to_have_count(1)

    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("schedule-status")).to_have_text("published")
    expect(page.get_by_role("button", name="Copy to a new draft")).to_be_visible()

    view = service.get_schedule(db, as_user(planned, "wfm"), 1)
    first = min((s for s in view.shifts if s.agent_code == "a0"), key=lambda s: s.starts_at)
    service.add_handover(
        db, as_user(planned, "supervisor"), "The billing system is slow today.",
        first.starts_at - timedelta(hours=1), first.starts_at + timedelta(hours=1),
    )  # fmt: skip

    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, live_server, planned.email("agent"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Run").click()
    page.get_by_role("link", name="My schedule").click()
    expect(page.get_by_role("heading", name="My schedule")).to_be_visible()
    page.goto(f"{live_server}/my/schedule?first={PLAN_DAY.isoformat()}")
    expect(page.get_by_test_id("my-shifts").locator("tbody tr").first).to_be_visible()
    expect(page.get_by_test_id("unread-count")).to_have_text("1 unread")
    notes = page.get_by_test_id("my-handovers")
    expect(notes).to_contain_text("The billing system is slow today.")
    notes.get_by_role("button", name="Acknowledge").click()
    expect(
        page.get_by_role("status").filter(has_text="Handover note acknowledged.")
    ).to_be_visible()
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    expect(page.get_by_test_id("feed-url")).to_have_value(
        f"{live_server}/my/schedule.ics?tenant=alpha&user={planned.users['agent']}"
        f"&token={service.feed_token(planned.tenant_a, planned.users['agent'])}"
    )


def test_building_shows_that_the_solver_is_busy(
    page: Page,
    live_server: str,
    planned: World,  # noqa: F811
) -> None:
    _sign_in(page, live_server, planned.email("wfm"))
    page.goto(f"{live_server}/plan/schedule")
    busy = page.get_by_test_id("build-busy")
    expect(busy).to_be_hidden()
    # Hold the submission in the page, so the indicator is seen however fast the server is.
    page.evaluate(
        "document.getElementById('build-form')"
        ".addEventListener('submit', (event) => event.preventDefault())"
    )
    page.get_by_role("button", name="Build schedule").click()
    expect(busy).to_be_visible()
    expect(page.locator("#build-form")).to_have_attribute("aria-busy", "true")
    expect(page.locator("#build-form button[type=submit]")).to_be_disabled()
