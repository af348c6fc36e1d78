"""Forecasts and the staffing plan over HTTP: the REST API and the page under Plan."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from contactops.platform.database import Database
from tests.conftest import World, login, page_csrf
from tests.domains.test_forecasting_service import PLAN_DAY, with_history  # noqa: F401

PROBLEM = "application/problem+json"


def _client(client_factory, world: World, role: str = "wfm"):  # type: ignore[no-untyped-def]
    client = login(client_factory(), world.email(role))
    client.headers["X-CSRF-Token"] = page_csrf(client)
    return client


def _history_csv(weeks: int = 3) -> str:
    """Weekdays 08:00–16:00, 10 calls a half hour before noon and 5 after; AHT 200 s."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["start", "queue", "calls", "aht_s"])
    first = date(2026, 3, 2)
    for n in range(7 * weeks):
        day = first + timedelta(days=n)
        if day.weekday() >= 5:
            continue
        for slot in range(16):
            start = datetime(day.year, day.month, day.day, 8) + timedelta(minutes=30 * slot)
            writer.writerow([start.isoformat(sep=" "), "sales", 10 if slot < 8 else 5, 200])
    return out.getvalue()


def test_forecast_api_answers_every_interval_and_reports_bad_lines(
    client_factory, world: World
) -> None:
    client = _client(client_factory, world)
    text = _history_csv() + "yesterday,sales,3,200\n"
    response = client.post(
        "/api/v1/forecasts",
        json={"history_csv": text, "start": "2026-03-23", "days": 2, "interval_minutes": 60},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["rows"]) == 48  # two days of hours, zeros included
    by_start = {row["start"]: row for row in body["rows"]}
    assert by_start["2026-03-23 09:00:00"]["calls"] > by_start["2026-03-23 14:00:00"]["calls"]
    assert by_start["2026-03-23 03:00:00"]["calls"] == 0
    assert by_start["2026-03-23 09:00:00"]["aht_s"] == 200
    last_line = len(text.splitlines())
    assert [(p["line"], p["column"]) for p in body["skipped_lines"]] == [(last_line, "start")]
    bad = client.post(
        "/api/v1/forecasts", json={"history_csv": text, "start": "2026-03-23", "model": "magic"}
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    assert [e["field"] for e in bad.json()["errors"]] == ["model"]


def test_backtest_api_scores_every_model(client_factory, world: World) -> None:
    client = _client(client_factory, world, "supervisor")
    response = client.post(
        "/api/v1/forecasts/backtest", json={"history_csv": _history_csv(4), "weeks": 2}
    )
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    models = {r["model"] for r in rows if r["horizon_day"] is None}
    assert {"auto", "seasonal_naive_week"} <= models
    assert all(r["wape"] is None or r["wape"] >= 0 for r in rows)


def test_plans_over_the_api_need_the_right_role_and_keep_tenants_apart(
    client_factory,
    db: Database,
    with_history: World,  # noqa: F811
) -> None:
    supervisor = _client(client_factory, with_history, "supervisor")
    request = {"first_day": PLAN_DAY.isoformat(), "days": 2, "history_weeks": 3}
    assert supervisor.post("/api/v1/plans", json=request).status_code == 403
    planner = _client(client_factory, with_history)
    created = planner.post("/api/v1/plans", json=request)
    assert created.status_code == 201, created.text
    plan = created.json()
    assert plan["version"] == 1 and plan["queues"][0]["queue"] == "billing"
    override = {
        "queue": "billing",
        "starts_at": f"{PLAN_DAY.isoformat()}T08:00",
        "ends_at": f"{PLAN_DAY.isoformat()}T12:00",
        "percent": 25,
        "reason": "Price change letter",
    }
    changed = planner.post("/api/v1/plans/1/overrides", json=override)
    assert changed.status_code == 201, changed.text
    assert changed.json()["version"] == 2
    assert supervisor.get("/api/v1/plans/current").json()["version"] == 2
    assert [p["version"] for p in supervisor.get("/api/v1/plans").json()] == [2, 1]
    stale = planner.post("/api/v1/plans/1/overrides", json=override)
    assert stale.status_code == 409
    other = login(client_factory(), "admin@b.example")
    assert other.get("/api/v1/plans").json() == []
    assert other.get("/api/v1/plans/1").status_code == 404


def test_the_page_plans_overrides_and_measures_accuracy(
    client_factory,
    db: Database,
    with_history: World,  # noqa: F811
) -> None:
    client = _client(client_factory, with_history)
    page = client.get("/plan/forecast")
    assert page.status_code == 200 and 'data-testid="no-plan"' in page.text
    csrf = page_csrf(client, "/plan/forecast")
    form = {"csrf_token": csrf, "first_day": PLAN_DAY.isoformat(), "days": "2",
            "interval_minutes": "30", "model": "auto", "history_weeks": "3",
            "shrinkage": "30"}  # fmt: skip
    made = client.post("/plan/forecast", data=form, follow_redirects=True)
    assert made.status_code == 200 and "plan-chart-data" in made.text
    bad = client.post("/plan/forecast", data=form | {"days": "x"})
    assert bad.status_code == 422 and 'data-field-error="days"' in bad.text
    override = {"csrf_token": csrf, "version": "1", "queue": "billing",
                "day": PLAN_DAY.isoformat(), "from": "09:00", "to": "11:00", "percent": "15",
                "reason": "Newsletter"}  # fmt: skip
    changed = client.post("/plan/forecast/overrides", data=override, follow_redirects=True)
    assert changed.status_code == 200 and "Newsletter" in changed.text
    assert "Version 2" in changed.text
    missing = client.post(
        "/plan/forecast/overrides", data=override | {"version": "2", "reason": ""}
    )
    assert missing.status_code == 422 and 'data-field-error="override.reason"' in missing.text
    accuracy = client.get("/plan/forecast?accuracy=1")
    assert accuracy.status_code == 200 and 'data-testid="accuracy"' in accuracy.text
    viewer = _client(client_factory, with_history, "supervisor")
    assert 'id="plan-form"' not in viewer.get("/plan/forecast").text  # viewing only
