"""KPIs over HTTP: the API in JSON, CSV and Excel, the dashboard, roles and tenant isolation.

Worked numbers (tenant alpha, Europe/Oslo; 2 March 2026 is a Monday, UTC+1):
- call k1 queues at 09:00:10 local and is answered 30 s later, talks 200 s, wraps up 30 s;
- call k2 queues at 09:00:10 local and abandons after 60 s.
offered 2, answered 1, abandoned 1, abandon rate 1/2; ASA 30 s; AHT 200 + 30 = 230 s;
service level answered-only with T = 20 s: 0/1, with T = 30 s: 1/1.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from contactops.domains.events import service as events
from contactops.platform.database import Database
from tests.conftest import World, login
from tests.domains.test_event_store import _call

API = "/api/v1/kpis"
DAY = "from=2026-03-02&to=2026-03-02"


@pytest.fixture
def history(db: Database, world: World) -> World:
    with db.session(tenant_id=world.tenant_a) as session:
        events.append_contact_events_in(session, [*_call("k1"), *_call("k2", None)])
    return world


def test_the_api_answers_with_figures_definitions_and_parameters(client_factory, history: World):
    client = login(client_factory(), history.email("supervisor"))
    response = client.get(f"{API}?{DAY}&kpis=offered,answered,abandon_rate,asa,aht,sl_answered")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"]["time_zone"] == "Europe/Oslo"
    assert body["period"]["start"] == "2026-03-01T23:00:00+00:00"
    (row,) = body["rows"]
    assert (row["offered"], row["answered"], row["abandon_rate"]) == (2, 1, 0.5)
    assert (row["asa"], row["aht"], row["sl_answered"]) == (30.0, 230.0, 0.0)
    sl = next(k for k in body["kpis"] if k["id"] == "sl_answered")
    assert sl["parameters"] == {"service_level_threshold_s": 20.0} and sl["formula"]

    wider = client.get(f"{API}?{DAY}&kpis=sl_answered&sl_threshold_s=30").json()
    assert wider["rows"][0]["sl_answered"] == 1.0


def test_grouping_by_queue_and_interval_uses_local_time(client_factory, history: World):
    client = login(client_factory(), history.email("manager"))
    body = client.get(f"{API}?{DAY}&by=queue,interval&interval=15&kpis=offered").json()
    assert body["group_by"] == ["queue", "interval"]
    (row,) = body["rows"]
    assert row["queue"] == "billing" and row["interval"].startswith("2026-03-02T09:00:00+01:00")


def test_exports_are_csv_and_excel(client_factory, history: World):
    client = login(client_factory(), history.email("client"))
    csv_text = client.get(f"{API}?{DAY}&by=queue&kpis=offered,answered&format=csv")
    assert csv_text.headers["content-type"].startswith("text/csv")
    assert csv_text.text.splitlines() == ["queue,offered,answered", "billing,2,1"]
    xlsx = client.get(f"{API}?{DAY}&by=queue&format=xlsx")
    assert xlsx.status_code == 200
    assert "xl/worksheets/sheet2.xml" in zipfile.ZipFile(io.BytesIO(xlsx.content)).namelist()


def test_bad_queries_are_problems_naming_the_parameter(client_factory, history: World):
    client = login(client_factory(), history.email("admin"))
    response = client.get(f"{API}?{DAY}&by=planet")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "by"
    assert client.get(f"{API}?{DAY}&kpis=happiness").json()["errors"][0]["field"] == "kpis"
    backwards = client.get(f"{API}?from=2026-03-05&to=2026-03-01")
    assert backwards.json()["errors"][0]["field"] == "from"


def test_agents_cannot_read_center_kpis_and_tenants_see_only_their_own(
    client_factory, history: World
):
    agent = login(client_factory(), history.email("agent"))
    assert agent.get(f"{API}?{DAY}").status_code == 403
    other = login(client_factory(), "admin@b.example")
    (row,) = other.get(f"{API}?{DAY}&kpis=offered").json()["rows"]
    assert row["offered"] == 0


def test_the_dashboard_shows_tiles_the_queue_table_and_export_links(client_factory, history: World):
    client = login(client_factory(), history.email("supervisor"))
    page = client.get("/measure/dashboard?from=2026-03-02&to=2026-03-02&sl=30")
    assert page.status_code == 200, page.text
    assert 'data-kpi="sl_abandons_against"' in page.text
    assert 'data-testid="kpi-queue-table"' in page.text and "billing" in page.text
    assert "format=xlsx" in page.text and "kpi-chart-data" in page.text
    bad = client.get("/measure/dashboard?from=yesterday")
    assert bad.status_code == 422 and 'data-field-error="from"' in bad.text
    agent = login(client_factory(), history.email("agent"))
    assert agent.get("/measure/dashboard").status_code == 403
