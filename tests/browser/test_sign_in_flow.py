"""A person signs in, switches tenant, sees the home page and signs out, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, World


def test_sign_in_switch_tenant_home_sign_out(page: Page, live_server: str, world: World) -> None:
    page.goto(f"{live_server}/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    page.get_by_label("E-mail address").fill("both@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_test_id("home-title")).to_have_text("Welcome, Both Tenants")
    expect(page.get_by_test_id("current-tenant")).to_have_text("Alpha Care")
    nav = page.get_by_role("navigation", name="Main")
    for section in ("Plan", "Run", "Measure", "Admin"):
        expect(nav.get_by_role("link", name=section, exact=True)).to_be_visible()

    page.get_by_label("Tenant").select_option(label="Bravo Help")  # submits on change
    expect(page.get_by_test_id("current-tenant")).to_have_text("Bravo Help")
    expect(page.get_by_role("status")).to_contain_text("Bravo Help")
    nav.get_by_role("link", name="Run", exact=True).click()
    page.get_by_role("link", name="Queues").click()
    expect(page.get_by_test_id("queues")).to_contain_text("Billing B")
    expect(page.get_by_test_id("queues")).not_to_contain_text("Billing A")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(f"{live_server}/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_a_wrong_password_is_explained_on_the_form(
    page: Page, live_server: str, world: World
) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail address").fill(world.email("admin"))
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The e-mail address or the password is not right."
    )
