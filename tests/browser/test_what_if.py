"""A planner runs a what-if in a real browser: a small scenario, more agents in B, both read
side by side with the per-interval chart."""

from __future__ import annotations

import re

import yaml
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, World
from tests.web.test_simulation import SMALL


def _sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("home-title")).to_be_visible()


def test_a_planner_compares_a_and_b(page: Page, live_server: str, world: World) -> None:
    _sign_in(page, live_server, world.email("wfm"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Plan").click()
    page.get_by_role("link", name="What-if").click()
    expect(page.get_by_role("heading", name="What-if", exact=True)).to_be_visible()
    page.get_by_test_id("load-example").click()
    expect(page.get_by_label("Scenario (YAML)")).to_have_value(re.compile("Two queues and chat"))
    expect(page.get_by_test_id("b-agents-late")).to_have_value("6")

    page.get_by_label("Scenario (YAML)").fill(yaml.safe_dump(SMALL, sort_keys=False))
    page.get_by_role("button", name="Update Variant B from the scenario").click()
    agents_b = page.get_by_test_id("b-agents-desk")
    expect(agents_b).to_have_value("1")
    agents_b.fill("4")
    page.get_by_label("Replications").fill("3")
    page.get_by_test_id("run-what-if").click()

    table = page.get_by_test_id("what-if-table-all")
    expect(table).to_be_visible()
    expect(table.locator("thead")).to_contain_text("A")
    expect(table.locator("thead")).to_contain_text("B − A")
    service_level = table.locator('tr[data-kpi="sl_abandons_against"]')
    expect(service_level).to_have_class(re.compile("distinct"))
    expect(service_level.locator('[data-column="a"]')).to_contain_text("%")
    expect(service_level.locator('[data-column="b"]')).to_contain_text("%")
    expect(service_level.locator('[data-column="difference"]')).to_contain_text("pp")
    expect(page.locator("#what-if-chart canvas")).to_have_count(1)  # ECharts drew it
    expect(agents_b).to_have_value("4")


def test_a_run_shows_that_it_is_busy(page: Page, live_server: str, world: World) -> None:
    _sign_in(page, live_server, world.email("wfm"))
    page.goto(f"{live_server}/plan/what-if")
    busy = page.locator("#what-if-busy")
    expect(busy).to_be_hidden()
    # Hold the submission in the page, so the indicator is seen however fast the server is.
    page.evaluate(
        "document.getElementById('what-if-form')"
        ".addEventListener('submit', (event) => event.preventDefault())"
    )
    page.get_by_test_id("run-what-if").click()
    expect(busy).to_be_visible()
    expect(busy).to_contain_text("Running A and B")
    expect(page.locator("#what-if-form")).to_have_attribute("aria-busy", "true")


def test_a_scenario_error_shows_under_the_editor(
    page: Page, live_server: str, world: World
) -> None:
    _sign_in(page, live_server, world.email("wfm"))
    page.goto(f"{live_server}/plan/what-if")
    page.get_by_label("Scenario (YAML)").fill("name: broken\nqueues: [\n")
    page.get_by_test_id("run-what-if").click()
    error = page.locator('[data-field-error="scenario"]')
    expect(error).to_contain_text("line 3")
    expect(page.get_by_label("Scenario (YAML)")).to_have_attribute("aria-invalid", "true")
