"""The staffing calculator over HTTP: the batch API and the page under Plan.

Worked number: 100 calls per 1800 s at an AHT of 180 s is 10 Erlangs; 80 % within 20 s by
Erlang C needs 14 agents (13 reach 79.56 %, 14 reach 88.84 %; see tests/test_cli_staffing.py).
"""

from __future__ import annotations

import json
import re

import pytest

from contactops.domains.staffing.schemas import MAX_ROWS_PER_REQUEST
from tests.conftest import World, login, page_csrf

API = "/api/v1/staffing"
ERLANG_C_80_20 = {
    "model": "erlang_c",
    "calls": 100,
    "interval_s": 1800,
    "aht_s": 180,
    "target_sl": 0.8,
    "target_s": 20,
}
PAGE_QUERY = (
    "/plan/staffing?model=erlang_c&calls=100&interval_minutes=30&aht_s=180"
    "&target_sl_percent=80&target_s=20&shrinkage_percent=30&concurrency=1"
    "&patience_s=120&max_blocking_percent=1&agents="
)


def _planner(client_factory, world: World, role: str = "wfm"):
    client = login(client_factory(), world.email(role))
    client.headers["X-CSRF-Token"] = page_csrf(client)
    return client


def test_the_api_answers_every_row_in_order_with_errors_in_place(
    client_factory, world: World
) -> None:
    client = _planner(client_factory, world)
    rows = [
        ERLANG_C_80_20,
        {"model": "erlang_b", "calls": 100, "interval_s": 1800, "aht_s": 180, "lines": 18},
        {**ERLANG_C_80_20, "aht_s": -1},
        "not an object",
        {**ERLANG_C_80_20, "model": "erlang_z"},
        {**ERLANG_C_80_20, "max_abandon": 0.05},
        {**ERLANG_C_80_20, "agents": 9},
    ]
    response = client.post(API, json={"rows": rows})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == len(rows)
    assert results[0]["agents"] == 14 and results[0]["scheduled_agents"] == 14
    assert results[0]["service_level"] == pytest.approx(0.88835, abs=1e-4)
    assert results[0]["occupancy"] == pytest.approx(10 / 14)
    assert results[1]["agents"] == 18 and results[1]["p_block"] == pytest.approx(
        0.0071424, rel=1e-4
    )
    assert results[2] == {
        "error": "Line 3: aht_s: Must be more than 0.",
        "field": "aht_s",
        "line": 3,
    }
    assert results[3]["line"] == 4 and "JSON object" in results[3]["error"]
    assert results[4]["field"] == "model"
    assert results[5]["field"] == "max_abandon" and "erlang_c" in results[5]["error"]
    assert results[6]["feasible"] is False and results[6]["asa_s"] is None


def test_a_body_that_is_not_a_batch_is_a_422_problem(client_factory, world: World) -> None:
    client = _planner(client_factory, world)
    for body in ({"rows": {"model": "erlang_c"}}, [ERLANG_C_80_20], {}):
        response = client.post(API, json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
    too_many = client.post(API, json={"rows": [{}] * (MAX_ROWS_PER_REQUEST + 1)})
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "rows"
    assert str(MAX_ROWS_PER_REQUEST) in too_many.json()["errors"][0]["message"]


@pytest.mark.parametrize("role", ["agent", "qa", "client"])
def test_roles_without_plan_access_get_403(client_factory, world: World, role: str) -> None:
    client = _planner(client_factory, world, role)
    response = client.post(API, json={"rows": [ERLANG_C_80_20]})
    assert response.status_code == 403 and response.json()["status"] == 403
    assert client.get(PAGE_QUERY).status_code == 403


def test_strangers_get_401_from_the_api_and_the_login_from_the_page(client_factory, world) -> None:
    stranger = client_factory()
    assert stranger.post(API, json={"rows": [ERLANG_C_80_20]}).status_code == 401
    page = stranger.get(PAGE_QUERY)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")


def _curve(html: str) -> dict[str, object]:
    match = re.search(
        r'<script type="application/json" id="staffing-curve">(.*?)</script>', html, re.S
    )
    assert match, "no chart data block"
    return json.loads(match.group(1))


def test_the_calculator_page_shows_the_answer_and_the_chart_data(
    client_factory, world: World
) -> None:
    client = login(client_factory(), world.email("supervisor"))
    assert "/plan/staffing" in client.get("/plan").text
    page = client.get(PAGE_QUERY)
    assert page.status_code == 200, page.text
    answer = re.search(r'data-testid="agents"><div class="stat">(\d+)<', page.text)
    assert answer and answer.group(1) == "14"
    assert re.search(r'data-testid="scheduled-agents"><div class="stat">20<', page.text)
    assert "88.8%" in page.text
    curve = _curve(page.text)
    assert curve["answer"] == 14 and 14 in curve["agents"]
    names = [series["name"] for series in curve["series"]]
    assert names == ["Service level", "Occupancy", "ASA (seconds)"]
    # Only the JSON data block is inline: the page's CSP allows no inline script.
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    for path in ("/static/charts/staffing.js", "/static/vendor/echarts/echarts.min.js"):
        assert path in page.text and client.get(path).status_code == 200


def test_the_empty_form_shows_defaults_and_no_answer(client_factory, world: World) -> None:
    page = login(client_factory(), world.email("wfm")).get("/plan/staffing")
    assert page.status_code == 200
    assert 'name="calls" value="100"' in page.text
    assert "staffing-curve" not in page.text


def test_a_bad_input_is_shown_on_its_field(client_factory, world: World) -> None:
    client = login(client_factory(), world.email("wfm"))
    page = client.get(PAGE_QUERY.replace("aht_s=180", "aht_s=-5"))
    assert page.status_code == 422
    assert re.search(r'data-field-error="aht_s">Must be more than 0.<', page.text)
    assert 'name="aht_s" value="-5"' in page.text
    percent = client.get(PAGE_QUERY.replace("target_sl_percent=80", "target_sl_percent=120"))
    assert re.search(r'data-field-error="target_sl_percent">Must be less than 100.<', percent.text)
    words = client.get(PAGE_QUERY.replace("calls=100", "calls=many"))
    assert re.search(r'data-field-error="calls">Must be a number.<', words.text)


def test_the_page_ignores_inputs_the_chosen_model_does_not_use(
    client_factory, world: World
) -> None:
    client = login(client_factory(), world.email("wfm"))
    page = client.get(PAGE_QUERY.replace("model=erlang_c", "model=erlang_b"))
    assert page.status_code == 200, page.text
    assert re.search(r'data-testid="agents"><div class="stat">18<', page.text)
    names = [series["name"] for series in _curve(page.text)["series"]]
    assert names == ["Blocked"]
