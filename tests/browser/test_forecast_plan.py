"""A planner makes a staffing plan from the history and overrides a morning, in a real
browser: the forecast and staffing charts are drawn, the override makes version 2."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_what_if import _sign_in
from tests.conftest import World
from tests.domains.test_forecasting_service import PLAN_DAY, with_history  # noqa: F401


def test_a_planner_plans_and_overrides(
    page: Page,
    live_server: str,
    with_history: World,  # noqa: F811
) -> None:
    _sign_in(page, live_server, with_history.email("wfm"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Plan").click()
    page.get_by_role("link", name="Forecast and plan").click()
    expect(page.get_by_test_id("no-plan")).to_be_visible()

    page.get_by_label("First day").fill(PLAN_DAY.isoformat())
    page.get_by_label("Days", exact=True).fill("2")
    page.get_by_label("Weeks of history").fill("3")
    page.get_by_role("button", name="Forecast and plan").click()
    expect(page.get_by_role("heading", name="Plan version 1")).to_be_visible()
    expect(page.get_by_test_id("plan-totals").locator('tr[data-queue="billing"]')).to_be_visible()
    expect(page.locator("#plan-forecast-chart canvas")).to_have_count(1)
    expect(page.locator("#plan-staffing-chart canvas")).to_have_count(1)

    form = page.locator("#override-form")
    form.get_by_label("Queue").select_option("billing")
    form.get_by_label("From").fill("08:00")
    form.get_by_label("To").fill("12:00")
    form.get_by_label("Change (%)").fill("20")
    form.get_by_label("Reason").fill("Billing letters arrive")
    form.get_by_role("button", name="Apply override").click()
    expect(page.get_by_role("heading", name="Plan version 2")).to_be_visible()
    expect(page.get_by_test_id("overrides")).to_contain_text("Billing letters arrive")
    expect(page.get_by_test_id("versions").locator("li")).to_have_count(2)
