"""Schedules over HTTP: build, publish and edit as a planner; my schedule and the calendar feed
as an agent; requests decided by a supervisor; adherence from the agent-state log."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from contactops.domains.events import service as events
from contactops.domains.scheduling.api import calendar_text
from contactops.engines.events import AgentState, AgentStateEvent
from contactops.platform.audit import Actor
from contactops.platform.database import Database
from tests.conftest import World, login, page_csrf
from tests.domains.test_forecasting_service import PLAN_DAY, with_history
from tests.domains.test_scheduling_service import planned

__all__ = ["planned", "with_history"]

PROBLEM = "application/problem+json"


def _client(client_factory, world: World, role: str):  # type: ignore[no-untyped-def]
    client = login(client_factory(), world.email(role))
    client.headers["X-CSRF-Token"] = page_csrf(client)
    return client


def test_a_planner_builds_edits_and_publishes_agents_read_it(
    client_factory, db: Database, planned: World
) -> None:
    planner = _client(client_factory, planned, "wfm")
    agent = _client(client_factory, planned, "agent")
    assert agent.post("/api/v1/schedules", json={"time_limit_s": 3}).status_code == 403
    bad = planner.post("/api/v1/schedules", json={"days": 40})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    built = planner.post("/api/v1/schedules", json={"time_limit_s": 3, "seed": 2})
    assert built.status_code == 201, built.text
    body = built.json()
    assert body["summary"]["status"] == "draft" and body["shifts"]
    assert len(body["coverage"]["required"]) == len(body["coverage"]["starts_at"])
    shift = body["shifts"][0]
    edited = planner.put(
        f"/api/v1/schedules/1/shifts/{shift['id']}",
        json={"agent": shift["agent_code"], "day": shift["day"], "start": "09:00",
              "end": "17:00", "activities": [["lunch", "12:00", "12:30"]]},
    )  # fmt: skip
    assert edited.status_code == 200, edited.text
    wrong = planner.put(
        f"/api/v1/schedules/1/shifts/{shift['id']}",
        json={"agent": shift["agent_code"], "day": shift["day"], "start": "25:00", "end": "17:00"},
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "start"
    assert planner.post("/api/v1/schedules/1/publish").json()["status"] == "published"
    assert planner.post("/api/v1/schedules/1/publish").status_code == 409

    first = PLAN_DAY.isoformat()
    mine = agent.get(f"/api/v1/my/schedule?first={first}&days=7").json()
    assert mine["agent"]["code"] == "a0"
    assert all(s["agent_code"] == "a0" for s in mine["shifts"]) and mine["shifts"]

    # The calendar feed needs no session, only the secret URL.
    from contactops.domains.scheduling import service

    token = service.feed_token(planned.tenant_a, planned.users["agent"])
    anonymous = client_factory()
    url = f"/my/schedule.ics?tenant=alpha&user={planned.users['agent']}"
    assert anonymous.get(f"{url}&token={'0' * 40}").status_code == 404
    feed = anonymous.get(f"{url}&token={token}")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    icalendar.Calendar.from_ical(feed.content)  # the plan week lies outside its window, so:
    week = service.my_schedule(db, service.Scope(planned.tenant_a, "alpha", "Europe/Oslo",
                                                 Actor(planned.users["agent"], "agent")),
                               PLAN_DAY, 7).shifts  # fmt: skip
    events_ = icalendar.Calendar.from_ical(calendar_text(week, ZoneInfo("Europe/Oslo")))
    vevents = events_.walk("VEVENT")
    assert [str(e["uid"]) for e in vevents] == [f"shift-{s.id}@contactops" for s in week]
    assert vevents[0].decoded("dtstart") == week[0].starts_at

    # A day off, decided by a supervisor; agents cannot decide.
    day = mine["shifts"][0]["day"]
    asked = agent.post("/api/v1/schedule-requests/time-off", json={"day": day, "reason": "exam"})
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    assert agent.post(f"/api/v1/schedule-requests/{request_id}/decision",
                      json={"approve": True}).status_code == 403  # fmt: skip
    supervisor = _client(client_factory, planned, "supervisor")
    inbox = supervisor.get("/api/v1/schedule-requests?status=pending").json()
    assert [r["id"] for r in inbox] == [request_id]
    decided = supervisor.post(f"/api/v1/schedule-requests/{request_id}/decision",
                              json={"approve": True, "note": "good luck"})  # fmt: skip
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    again = agent.get(f"/api/v1/my/schedule?first={first}&days=7").json()
    assert next(s for s in again["shifts"] if s["day"] == day)["kind"] == "time_off"


def test_adherence_compares_states_with_the_published_schedule(
    client_factory, db: Database, planned: World
) -> None:
    planner = _client(client_factory, planned, "wfm")
    body = planner.post("/api/v1/schedules", json={"time_limit_s": 3, "seed": 3}).json()
    planner.post("/api/v1/schedules/1/publish")
    shift = next(s for s in body["shifts"] if s["activities"])
    start = datetime.fromisoformat(shift["starts_at"])
    end = datetime.fromisoformat(shift["ends_at"])
    # Logs in 30 minutes late, then ready the whole shift (breaks included: out of adherence).
    with db.session(tenant_id=planned.tenant_a) as session:
        events.append_agent_events_in(session, [
            AgentStateEvent(start + timedelta(minutes=30), shift["agent_code"], AgentState.READY),
            AgentStateEvent(end, shift["agent_code"], AgentState.LOGGED_OUT),
        ])  # fmt: skip
    supervisor = _client(client_factory, planned, "supervisor")
    rows = supervisor.get(
        f"/api/v1/adherence?first={shift['day']}&days=1&group_by=agent"
    ).json()  # fmt: skip
    row = next(r for r in rows if r["agent"] == shift["agent_code"])
    scheduled_h = (end - start).total_seconds() / 3600
    away_h = sum(
        (datetime.fromisoformat(a["ends_at"]) - datetime.fromisoformat(a["starts_at"]))
        .total_seconds() / 3600
        for a in shift["activities"]
    )  # fmt: skip
    assert row["scheduled_hours"] == scheduled_h
    assert row["out_of_adherence_hours"] == 0.5 + away_h
    assert row["adherence"] == (scheduled_h - 0.5 - away_h) / scheduled_h
    assert supervisor.get("/api/v1/adherence/live").status_code == 200
    assert _client(client_factory, planned, "client").get("/api/v1/adherence").status_code == 403
