"""A supervisor reads the KPI dashboard and a planner imports a PBX log, in a real browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from contactops.domains.events import service as events
from contactops.platform.database import Database
from tests.conftest import PASSWORD, World
from tests.domains.test_event_store import _call
from tests.domains.test_imports import QUEUE_LOG


@pytest.fixture
def history(db: Database, world: World) -> World:
    with db.session(tenant_id=world.tenant_a) as session:
        events.append_contact_events_in(session, [*_call("k1"), *_call("k2", None)])
    return world


def _sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("home-title")).to_be_visible()


def test_the_dashboard_shows_tiles_charts_and_exports(
    page: Page, live_server: str, history: World
) -> None:
    _sign_in(page, live_server, history.email("supervisor"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Measure").click()
    page.get_by_role("link", name="KPI dashboard").click()
    page.get_by_label("From").fill("2026-03-02")
    page.get_by_label("To").fill("2026-03-02")
    page.get_by_role("button", name="Show").click()

    offered = page.locator('[data-kpi="offered"] .stat')
    expect(offered).to_have_text("2")
    expect(page.locator('[data-kpi="abandon_rate"]')).to_contain_text("50")
    expect(page.locator('[data-kpi="abandon_rate"]')).to_have_class(re.compile("kpi-missed"))
    expect(page.locator("#kpi-trend canvas")).to_have_count(1)  # ECharts drew the trend
    expect(page.locator("#kpi-heat canvas")).to_have_count(1)
    expect(page.get_by_test_id("kpi-queue-table")).to_contain_text("billing")

    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[1].startswith("billing,2,1,1,0.5")


def test_a_planner_uploads_a_queue_log_and_sees_what_was_kept(
    page: Page, live_server: str, world: World, tmp_path: Path
) -> None:
    log = tmp_path / "queue_log"
    log.write_text(QUEUE_LOG, encoding="utf-8")
    _sign_in(page, live_server, world.email("wfm"))
    page.goto(f"{live_server}/measure/imports")
    page.get_by_label("Format").select_option("queue-log")
    page.get_by_label("File", exact=True).set_input_files(str(log))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_contain_text("6 lines imported, 1 skipped")
    run = page.get_by_test_id("import-run").first
    run.locator("summary").click()
    expect(run).to_contain_text("line 6")
