"""What-if simulations over HTTP: the REST API and the page under Plan.

Scenarios here are tiny (one or two queues, an hour or two, a few dozen contacts) so a run takes
a fraction of a second; the same seed gives the same numbers, so text and mapping agree exactly.
"""

from __future__ import annotations

import copy
import html as html_lib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from contactops.domains.events import service as events
from contactops.domains.organization.models import Queue
from contactops.domains.organization.service import create_agent_in, create_queue_in
from contactops.domains.simulation.pages import EXAMPLES_DIR, line_of
from contactops.platform.database import Database
from tests.conftest import World, login, page_csrf
from tests.domains.test_event_store import _call

API = "/api/v1/simulations"
PAGE = "/plan/what-if"
PROBLEM = "application/problem+json"
# 30 calls an hour of 3 minutes (1.5 Erlangs) for two hours; one agent cannot keep up, four can.
SMALL: dict[str, Any] = {
    "name": "Small",
    "start": "2026-11-23T08:00",
    "time_zone": "Europe/Oslo",
    "interval_minutes": 30,
    "intervals": 4,
    "seed": 3,
    "queues": [
        {
            "code": "billing",
            "arrivals": {"per_hour": 30},
            "talk": 180,
            "patience": 240,
            "service_level_s": 20,
        }
    ],
    "agents": [{"group": "desk", "count": 1, "skills": ["billing"]}],
}


def _planner(client_factory, world: World, role: str = "wfm"):
    client = login(client_factory(), world.email(role))
    client.headers["X-CSRF-Token"] = page_csrf(client)
    return client


def _problem_fields(response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    return [e["field"] for e in response.json()["errors"]]


def test_a_scenario_runs_and_reports_each_kpi_with_its_interval(
    client_factory, world: World
) -> None:
    client = _planner(client_factory, world)
    response = client.post(API, json={"scenario": yaml.safe_dump(SMALL), "replications": 3})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["replications"] == 3 and len(report["seeds"]) == 3
    assert report["scopes"] == ["all", "billing"]
    offered = report["kpis"]["all"]["offered"]
    assert 30 <= offered["mean"] <= 90 and offered["half_width"] is not None
    assert report["kpis"]["billing"]["sl_abandons_against"]["mean"] < 0.9
    first, second = report["intervals"][:2]
    assert first["interval"] == "2026-11-23T08:00:00+01:00" and first["queue"] == "all"
    assert second["interval"] == first["interval"] and second["queue"] == "billing"
    assert first["offered"] == second["offered"]  # one queue: the center is that queue
    as_mapping = client.post(API, json={"scenario": SMALL, "replications": 3}).json()
    assert as_mapping["kpis"] == report["kpis"]  # same seed, same numbers


def test_the_scenario_s_own_replications_are_used_when_none_are_asked(
    client_factory, world: World
) -> None:
    client = _planner(client_factory, world)
    report = client.post(API, json={"scenario": {**SMALL, "replications": 2}}).json()
    assert report["replications"] == 2


def test_a_variant_is_compared_with_its_base_on_the_same_seeds(
    client_factory, world: World
) -> None:
    client = _planner(client_factory, world)
    body = {"base": SMALL, "changes": {"agents": {"desk": 4}}, "replications": 4}
    response = client.post(f"{API}/compare", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    alone = client.post(API, json={"scenario": SMALL, "replications": 4}).json()
    assert result["base"]["kpis"] == alone["kpis"]
    assert result["base"]["seeds"] == result["variant"]["seeds"]
    base_sl = result["base"]["kpis"]["all"]["sl_abandons_against"]["mean"]
    variant_sl = result["variant"]["kpis"]["all"]["sl_abandons_against"]["mean"]
    assert result["differences"]["all"]["sl_abandons_against"] == pytest.approx(
        variant_sl - base_sl
    )
    assert variant_sl > 0.9 > base_sl
    assert result["distinct"]["all"]["sl_abandons_against"] is True
    assert result["differences"]["billing"]["asa"] < 0
    assert result["variant"]["kpis"]["all"]["agent_hours"]["mean"] == pytest.approx(8.0)


def test_overflow_and_selection_changes_reach_the_variant(client_factory, world: World) -> None:
    client = _planner(client_factory, world)
    base = copy.deepcopy(SMALL)
    base["queues"].append({"code": "tech", "arrivals": {"per_hour": 4}, "talk": 120})
    base["agents"].append({"group": "techs", "count": 3, "skills": {"tech": 10, "billing": 2}})
    changes = {
        "overflow": {"billing": {"after_s": 30, "to": "tech"}},
        "selection": {"billing": "best_skill"},
    }
    result = client.post(
        f"{API}/compare", json={"base": base, "changes": changes, "replications": 2}
    ).json()
    assert result["base"]["kpis"]["billing"]["overflowed"]["mean"] == 0
    assert result["variant"]["kpis"]["billing"]["overflowed"]["mean"] > 0


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (API, {"scenario": "queues: [unclosed", "replications": 1}, "scenario"),
        (API, {"scenario": "just text"}, "scenario"),
        (
            API,
            {"scenario": {**SMALL, "queues": [{**SMALL["queues"][0], "talk": -5}]}},
            "scenario.queues[0].talk.mean_s",
        ),
        (API, {"scenario": {**SMALL, "intervals": 0}}, "scenario.intervals"),
        (API, {"scenario": SMALL, "replications": 0}, "replications"),
        (API, {"scenario": SMALL, "replications": 51}, "replications"),
        (API, {"scenario": {**SMALL, "replications": "many"}}, "replications"),
        (API, {"replications": 1}, "scenario"),
        (API, {"scenario": SMALL, "surprise": 1}, "surprise"),
        (
            f"{API}/compare",
            {"base": {**SMALL, "time_zone": "Mars/Olympus"}},
            "base.time_zone",
        ),
        (f"{API}/compare", {"base": SMALL, "changes": {"agents": {"nobody": 2}}}, "changes.agents"),
        (
            f"{API}/compare",
            {"base": SMALL, "changes": {"agents": {"desk": -1}}},
            "changes.agents.desk",
        ),
        (
            f"{API}/compare",
            {"base": SMALL, "changes": {"selection": {"billing": "random"}}},
            "changes.selection.billing",
        ),
        (
            f"{API}/compare",
            {"base": SMALL, "changes": {"overflow": {"billing": {"after_s": 30, "to": "x"}}}},
            "changes",
        ),
        (f"{API}/compare", {"base": SMALL, "changes": {"agents": {"desk": "many"}}}, None),
    ],
)
def test_bad_input_is_a_422_problem_naming_the_field(
    client_factory, world: World, path: str, body: dict[str, Any], field: str | None
) -> None:
    client = _planner(client_factory, world)
    fields = _problem_fields(client.post(path, json=body))
    if field is None:
        assert fields[0].startswith("changes.agents.desk")
    else:
        assert fields == [field]


def test_a_syntax_error_names_its_line(client_factory, world: World) -> None:
    client = _planner(client_factory, world)
    response = client.post(API, json={"scenario": "name: x\nqueues: [\n  {code: a\n"})
    assert _problem_fields(response) == ["scenario"]
    assert "line" in response.json()["detail"]


def test_a_run_too_big_to_wait_for_is_refused(client_factory, world: World) -> None:
    client = _planner(client_factory, world)
    huge = {**SMALL, "queues": [{**SMALL["queues"][0], "arrivals": {"per_hour": 100_000}}]}
    response = client.post(API, json={"scenario": huge, "replications": 10})
    assert _problem_fields(response) == ["replications"]
    assert "command line" in response.json()["detail"]


@pytest.mark.parametrize("role", ["agent", "qa", "client"])
def test_roles_without_plan_access_get_403(client_factory, world: World, role: str) -> None:
    client = _planner(client_factory, world, role)
    assert client.post(API, json={"scenario": SMALL}).status_code == 403
    assert client.post(f"{API}/compare", json={"base": SMALL}).status_code == 403
    response = client.get(f"{API}/tenant-scenario")
    assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    assert client.get(PAGE).status_code == 403
    assert PAGE not in client.get("/").text


def test_strangers_get_401_and_the_page_sends_them_to_sign_in(client_factory, world) -> None:
    stranger = client_factory()
    assert stranger.post(API, json={"scenario": SMALL}).status_code == 401
    assert stranger.get(f"{API}/tenant-scenario").status_code == 401
    page = stranger.get(PAGE)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")


def test_a_browser_write_needs_its_csrf_token(client_factory, world: World) -> None:
    client = login(client_factory(), world.email("wfm"))
    assert client.post(API, json={"scenario": SMALL}).status_code == 403
    assert client.post(PAGE, data={"scenario": yaml.safe_dump(SMALL)}).status_code == 403


# --- a scenario from the tenant's own history --------------------------------------------


@pytest.fixture
def centers(db: Database, world: World) -> World:
    """Tenant A: billing (no skill) and support with two agents, two calls on Monday
    2026-03-02 09:00 Oslo time. Tenant B: billing and sales with one agent, no history."""
    with db.session(tenant_id=world.tenant_a) as session:
        create_queue_in(session, code="support", name="Support", skill_code="support")
        for code in ("s1", "s2"):
            create_agent_in(
                session, code=code, display_name=code, team_name=None, skills={"support": 7}
            )
        events.append_contact_events_in(session, [*_call("k1"), *_call("k2", None)])
    with db.session(tenant_id=world.tenant_b) as session:
        create_queue_in(session, code="sales", name="Sales", skill_code="sales")
        create_agent_in(session, code="b1", display_name="b1", team_name=None, skills={"sales": 5})
    return world


def test_the_tenant_scenario_comes_from_the_tenant_s_own_data_only(
    client_factory, centers: World
) -> None:
    a = login(client_factory(), centers.email("wfm"))
    b = login(client_factory(), "admin@b.example")
    mine = a.get(f"{API}/tenant-scenario", params={"day": "2026-03-09"})
    theirs = b.get(f"{API}/tenant-scenario", params={"day": "2026-03-09"})
    assert mine.status_code == theirs.status_code == 200
    mine_json, theirs_json = mine.json(), theirs.json()
    assert {q["code"] for q in mine_json["queues"]} == {"billing", "support"}
    assert {q["code"] for q in theirs_json["queues"]} == {"billing", "sales"}
    assert (mine_json["time_zone"], theirs_json["time_zone"]) == ("Europe/Oslo", "Asia/Shanghai")
    assert mine_json["start"] == "2026-03-09T09:00:00"  # 08:00 UTC is 09:00 in Oslo in March
    billing = {q["code"]: q for q in mine_json["queues"]}["billing"]
    assert billing["arrivals"]["per_interval"] == [2.0]  # the one Monday with history
    # Patience = all time waited / abandons = (30 s answered + 60 s abandoned) / 1 abandon.
    assert billing["patience"]["mean_s"] == pytest.approx(90.0)
    assert [(g["skills"], g["count"]) for g in mine_json["agents"]] == [({"support": 7}, 2)]
    their_billing = {q["code"]: q for q in theirs_json["queues"]}["billing"]
    assert set(their_billing["arrivals"]["per_interval"]) == {0.0}
    assert theirs_json["agents"][0]["skills"] == {"sales": 5}
    runs = a.post(
        API,
        json={"scenario": mine_json, "replications": 1},
        headers={"X-CSRF-Token": page_csrf(a)},
    )
    assert runs.status_code == 200, runs.text


def test_a_bad_day_is_a_422_naming_it(client_factory, world: World) -> None:
    client = _planner(client_factory, world)
    response = client.get(f"{API}/tenant-scenario", params={"day": "next monday"})
    assert _problem_fields(response) == ["day"]


# --- the page ----------------------------------------------------------------------------


def _chart(html: str) -> dict[str, Any]:
    match = re.search(
        r'<script type="application/json" id="what-if-chart-data">(.*?)</script>', html, re.S
    )
    assert match, "no chart data block"
    return json.loads(match.group(1))


def _textarea(html: str) -> str:
    match = re.search(r'<textarea id="f-scenario"[^>]*>(.*?)</textarea>', html, re.S)
    assert match
    return html_lib.unescape(match.group(1))


def test_the_page_starts_from_the_tenant_s_scenario(client_factory, centers: World) -> None:
    client = login(client_factory(), centers.email("supervisor"))
    assert PAGE in client.get("/plan").text
    page = client.get(PAGE, params={"day": "2026-03-09"})
    assert page.status_code == 200, page.text
    scenario = yaml.safe_load(_textarea(page.text))
    assert scenario["name"].startswith("2026-03-09")
    assert 'name="b_agents.support" value="2"' in page.text  # no roster history: all day
    example = client.get(PAGE, params={"example": "two-queues"})
    assert yaml.safe_load(_textarea(example.text))["name"] == "Two queues and chat, one weekday"


def test_a_center_without_agents_gets_empty_groups_to_fill(client_factory, world: World) -> None:
    client = login(client_factory(), world.email("wfm"))
    page = client.get(PAGE)
    assert page.status_code == 200
    scenario = yaml.safe_load(_textarea(page.text))
    assert [q["code"] for q in scenario["queues"]] == ["billing"]
    assert 'name="b_agents.billing" value="0"' in page.text


def test_a_center_without_active_queues_starts_from_the_example(
    client_factory, db: Database, world: World
) -> None:
    with db.session(tenant_id=world.tenant_a) as session:
        queue = session.get(Queue, world.queue_a)
        assert queue is not None
        queue.is_active = False
    client = login(client_factory(), world.email("wfm"))
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'data-testid="what-if-note"' in page.text
    assert "Two queues and chat" in _textarea(page.text)


def _form(client, scenario: dict[str, Any], **fields: str) -> dict[str, str]:
    return {
        "csrf_token": page_csrf(client, PAGE),
        "scenario": yaml.safe_dump(scenario, sort_keys=False),
        "replications": "3",
        "action": "run",
        **fields,
    }


def test_running_a_and_b_shows_both_side_by_side_in_the_tenant_time_zone(
    client_factory, world: World
) -> None:
    client = login(client_factory(), world.email("wfm"))
    scenario = {**SMALL, "time_zone": "UTC"}  # 08:00 UTC is 09:00 for the Oslo tenant
    page = client.post(PAGE, data=_form(client, scenario, **{"b_agents.desk": "4"}))
    assert page.status_code == 200, page.text
    table = page.text.split('data-testid="what-if-table-all"')[1].split("</table>")[0]
    assert re.search(r'<tr data-kpi="sl_abandons_against" class="distinct better"', table)
    assert re.search(r'data-column="difference">\+\d+(\.\d)? pp', table)
    assert 'data-testid="what-if-table-billing"' in page.text
    chart = _chart(page.text)
    assert chart["times"] == ["09:00", "09:30", "10:00", "10:30"]
    assert chart["queues"] == ["all", "billing"]
    assert chart["series"]["all"]["a"]["offered"] == chart["series"]["billing"]["a"]["offered"]
    a, b = chart["series"]["billing"]["a"], chart["series"]["billing"]["b"]
    assert len(a["offered"]) == len(b["service_level"]) == 4
    assert 'name="b_agents.desk" value="4"' in page.text  # B's inputs are kept


def test_errors_in_the_scenario_show_inline_with_the_line(client_factory, world: World) -> None:
    client = login(client_factory(), world.email("wfm"))
    bad = copy.deepcopy(SMALL)
    bad["queues"][0]["talk"] = -5
    page = client.post(PAGE, data=_form(client, bad))
    assert page.status_code == 422
    error = re.search(r'data-field-error="scenario">([^<]*)<', page.text)
    assert error, page.text
    line = yaml.safe_dump(bad, sort_keys=False).splitlines().index("  talk: -5") + 1
    assert f"Line {line}, queues[0].talk" in error.group(1)
    assert "must be" in error.group(1)


def test_errors_in_variant_b_show_at_its_input(client_factory, world: World) -> None:
    client = login(client_factory(), world.email("wfm"))
    page = client.post(PAGE, data=_form(client, SMALL, **{"b_agents.desk": "-2"}))
    assert page.status_code == 422
    assert 'data-field-error="agents.desk"' in page.text
    page = client.post(PAGE, data=_form(client, SMALL, **{"b_agents.desk": "two"}))
    assert 'data-field-error="agents.desk"' in page.text
    page = client.post(PAGE, data=_form(client, SMALL, replications="0"))
    assert 'data-field-error="replications"' in page.text


def test_refresh_rebuilds_variant_b_from_the_edited_scenario(client_factory, world) -> None:
    client = login(client_factory(), world.email("wfm"))
    edited = copy.deepcopy(SMALL)
    edited["agents"][0]["group"] = "front"
    page = client.post(PAGE, data=_form(client, edited, action="refresh", **{"b_agents.desk": "9"}))
    assert page.status_code == 200
    assert 'name="b_agents.front" value="1"' in page.text
    assert "b_agents.desk" not in page.text and "what-if-chart-data" not in page.text


def test_the_packaged_example_is_the_documented_one() -> None:
    repo_example = Path(__file__).resolve().parents[2] / "examples/scenarios/two-queues.yaml"
    packaged = EXAMPLES_DIR / "two-queues.yaml"
    assert packaged.read_text(encoding="utf-8") == repo_example.read_text(encoding="utf-8")


def test_a_field_path_is_found_in_the_text() -> None:
    text = "name: x\nqueues:\n  - code: a\n    talk: {mean_s: -1}\n  - code: b\n"
    assert line_of(text, "queues[0].talk.mean_s") == 4
    assert line_of(text, "queues[1].code") == 5
    assert line_of(text, "queues[7].code") == 2
    assert line_of(text, "") is None
    assert line_of("queues: [", "queues") is None
