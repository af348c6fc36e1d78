"""The schedule pages: the planner's schedule, the request inbox, an agent's own schedule and
live adherence with handover notes — who may open them, and their forms end to end."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from contactops.domains.forecasting import service as forecasting
from contactops.domains.scheduling import service
from contactops.platform.database import Database
from tests.conftest import World, login, page_csrf
from tests.domains.test_forecasting_service import PLAN_DAY, with_history  # noqa: F401
from tests.domains.test_scheduling_service import as_user, built, planned  # noqa: F401

OSLO = ZoneInfo("Europe/Oslo")
PAGES = {
    "/plan/schedule": ({"wfm", "supervisor", "manager", "admin"}, {"agent", "qa", "client"}),
    "/plan/requests": ({"wfm", "supervisor", "manager"}, {"agent", "qa", "client"}),
    "/my/schedule": ({"agent", "supervisor", "wfm", "qa"}, {"client"}),
    "/run/adherence": ({"agent", "supervisor", "wfm"}, {"client"}),
    "/run/adherence/live": ({"agent", "supervisor"}, {"client"}),
}


def _client(client_factory, world: World, role: str = "wfm"):  # type: ignore[no-untyped-def]
    client = login(client_factory(), world.email(role))
    client.headers["X-CSRF-Token"] = page_csrf(client)
    return client


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_opens_for_its_roles_only(
    client_factory,
    planned: World,  # noqa: F811
    path: str,
) -> None:
    allowed, refused = PAGES[path]
    for role in allowed:
        response = login(client_factory(), planned.email(role)).get(path)
        assert response.status_code == 200, (role, response.text[:300])
    for role in refused:
        assert login(client_factory(), planned.email(role)).get(path).status_code == 403, role


def test_the_navigation_lists_the_pages_a_role_may_open(
    client_factory,
    planned: World,  # noqa: F811
) -> None:
    planner = login(client_factory(), planned.email("wfm")).get("/plan").text
    assert 'href="/plan/schedule"' in planner and 'href="/plan/requests"' in planner
    agent = login(client_factory(), planned.email("agent")).get("/run").text
    assert 'href="/my/schedule"' in agent and 'href="/run/adherence"' in agent
    assert 'href="/plan/schedule"' not in agent


def test_forms_without_the_csrf_token_are_refused(
    client_factory,
    planned: World,  # noqa: F811
) -> None:
    planner = login(client_factory(), planned.email("wfm"))
    assert planner.post("/plan/schedule", data={"time_limit_s": "3"}).status_code == 403
    assert planner.post("/plan/schedule/1/publish").status_code == 403
    assert planner.post("/plan/requests/1", data={"decision": "approve"}).status_code == 403
    agent = login(client_factory(), planned.email("agent"))
    assert agent.post("/my/schedule/time-off", data={"day": "2026-03-24"}).status_code == 403
    assert agent.post("/run/adherence/handovers", data={"body": "x"}).status_code == 403
    assert 'data-testid="no-schedule"' in planner.get("/plan/schedule").text  # nothing built


def test_a_planner_builds_publishes_edits_and_copies_through_the_forms(
    client_factory,
    db: Database,
    planned: World,  # noqa: F811
) -> None:
    client = _client(client_factory, planned)
    page = client.get("/plan/schedule")
    assert 'data-testid="no-schedule"' in page.text and 'id="build-form"' in page.text
    made = client.post(
        "/plan/schedule", data={"plan_version": "1", "time_limit_s": "3", "note": "first"},
        follow_redirects=True,
    )  # fmt: skip
    assert made.status_code == 200, made.text[:500]
    assert "Schedule version 1" in made.text and 'data-testid="schedule-grid"' in made.text
    assert "schedule-chart-data" in made.text and 'data-testid="publish"' in made.text
    assert 'class="sched-act lunch"' in made.text  # breaks and lunch are drawn in the bars
    bad = client.post("/plan/schedule", data={"plan_version": "1", "time_limit_s": "soon"})
    assert bad.status_code == 422 and 'data-field-error="time_limit_s"' in bad.text

    view = service.get_schedule(db, as_user(planned, "wfm"), 1)
    shift = view.shifts[0]
    edit = client.get(f"/plan/schedule?version=1&shift={shift.id}")
    assert f'name="shift_id" value="{shift.id}"' in edit.text
    form = {"shift_id": str(shift.id), "agent_code": shift.agent_code,
            "day": shift.day.isoformat(), "start": "8h", "end": "16:00",
            "activities": "lunch 12:00 12:30"}  # fmt: skip
    wrong = client.post("/plan/schedule/1/shifts", data=form)
    assert wrong.status_code == 422 and 'data-field-error="start"' in wrong.text
    outside = client.post(
        "/plan/schedule/1/shifts", data=form | {"start": "08:00", "activities": "lunch 17:00 17:30"}
    )
    assert outside.status_code == 422 and 'data-field-error="activities"' in outside.text
    overlap = client.post(
        "/plan/schedule/1/shifts", data=form | {"shift_id": "", "start": "09:00", "end": "10:00",
                                                "activities": ""},
    )  # fmt: skip
    assert overlap.status_code == 409 and 'data-field-error="shift"' in overlap.text
    assert service.get_schedule(db, as_user(planned, "wfm"), 1) == view  # nothing stored
    saved = client.post(
        "/plan/schedule/1/shifts", data=form | {"start": "08:00", "end": "16:30"},
        follow_redirects=True,
    )  # fmt: skip
    assert saved.status_code == 200 and "Shift saved." in saved.text
    changed = next(s for s in service.get_schedule(db, as_user(planned, "wfm"), 1).shifts
                   if s.id == shift.id)  # fmt: skip
    assert changed.starts_at.astimezone(OSLO).strftime("%H:%M") == "08:00"
    assert [a.kind for a in changed.activities] == ["lunch"]

    published = client.post("/plan/schedule/1/publish", follow_redirects=True)
    assert published.status_code == 200 and 'data-testid="schedule-status">published' in (
        published.text
    )
    assert "Copy to a new draft" in published.text
    again = client.post("/plan/schedule/1/publish")
    assert again.status_code == 409
    copied = client.post("/plan/schedule/1/copy", data={"note": "rework"}, follow_redirects=True)
    assert copied.status_code == 200 and "Schedule version 2" in copied.text
    assert [s.status for s in service.list_schedules(db, as_user(planned, "wfm"))] == [
        "draft",
        "published",
    ]
    deleted = client.post(f"/plan/schedule/2/shifts/{view.shifts[-1].id}/delete")
    assert deleted.status_code == 422  # a shift of version 1 is not in version 2
    viewer = _client(client_factory, planned, "supervisor")
    assert 'id="build-form"' not in viewer.get("/plan/schedule").text  # viewing only


def _published(db: Database, world: World, view: service.ScheduleView) -> None:
    service.publish(db, as_user(world, "wfm"), view.summary.version)


def test_requests_are_made_answered_and_decided_through_the_pages(
    client_factory,
    db: Database,
    planned: World,  # noqa: F811
    built: service.ScheduleView,  # noqa: F811
) -> None:
    _published(db, planned, built)
    agent = _client(client_factory, planned, "agent")  # agent a0
    peer = _client(client_factory, planned, "supervisor")  # agent a1
    manager = _client(client_factory, planned, "manager")
    mine = [s for s in built.shifts if s.agent_code == "a0"]
    theirs = [s for s in built.shifts if s.agent_code == "a1"]
    first = PLAN_DAY.isoformat()

    asked = client_post(agent, "/my/schedule/time-off", {"day": mine[0].day.isoformat(),
                                                          "reason": "dentist"})  # fmt: skip
    assert "Your request for a day off was sent." in asked.text
    inbox = manager.get("/plan/requests")
    assert 'data-testid="pending-requests"' in inbox.text and "dentist" in inbox.text
    (pending,) = service.list_requests(db, as_user(planned, "manager"), status="pending")
    decided = client_post(manager, f"/plan/requests/{pending.id}",
                          {"decision": "approve", "note": "ok"})  # fmt: skip
    assert "Request approved." in decided.text and 'data-testid="no-pending"' in decided.text
    assert 'data-testid="other-requests"' in decided.text

    # a0 gives a shift to a1 on a day a1 works already: one shift a day breaks for a1.
    given = next(s for s in mine[1:] if s.day in {t.day for t in theirs})
    offered = client_post(agent, "/my/schedule/swap", {"shift_id": str(given.id),
                                                       "other_agent": "a1", "first": first,
                                                       "reason": "family"})  # fmt: skip
    assert "Your swap offer was sent" in offered.text
    unknown = agent.post("/my/schedule/swap", data={"shift_id": str(given.id), "first": first,
                                                    "other_agent": "nobody"})  # fmt: skip
    assert unknown.status_code == 422 and 'data-field-error="other_agent"' in unknown.text
    swap = next(r for r in service.list_requests(db, as_user(planned, "manager"))
                if r.kind == "swap")  # fmt: skip
    offers = peer.get(f"/my/schedule?first={first}").text
    assert 'data-testid="offers"' in offers and f'data-request="{swap.id}"' in offers
    accepted = client_post(peer, f"/my/schedule/requests/{swap.id}/answer", {"accept": "1"})
    assert "Swap accepted" in accepted.text
    refused = manager.post(f"/plan/requests/{swap.id}", data={"decision": "approve"})
    assert refused.status_code == 409 and 'data-testid="refused"' in refused.text
    assert "one_shift_per_day" in refused.text and "Approve anyway" in refused.text
    owner = {s.id: s.agent_code for s in service.get_schedule(db, as_user(planned, "wfm")).shifts}
    assert owner[given.id] == "a0"  # nothing changed
    forced = manager.post(f"/plan/requests/{swap.id}", data={"decision": "approve", "force": "1"})
    assert forced.status_code == 303
    owner = {s.id: s.agent_code for s in service.get_schedule(db, as_user(planned, "wfm")).shifts}
    assert owner[given.id] == "a1"

    cancel_me = service.request_time_off(db, as_user(planned, "agent"), mine[1].day, "maybe")
    cancelled = client_post(agent, f"/my/schedule/requests/{cancel_me.id}/cancel", {})
    assert "Request cancelled." in cancelled.text


def client_post(client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    response = client.post(path, data=data, follow_redirects=True)
    assert response.status_code == 200, response.text[:500]
    return response


def test_a_handover_note_is_written_read_and_acknowledged(
    client_factory,
    db: Database,
    planned: World,  # noqa: F811
    built: service.ScheduleView,  # noqa: F811
) -> None:
    _published(db, planned, built)
    supervisor = _client(client_factory, planned, "supervisor")
    page = supervisor.get("/run/adherence")
    assert 'hx-trigger="every 30s"' in page.text and 'name="for_from"' in page.text
    first = min((s for s in built.shifts if s.agent_code == "a0"), key=lambda s: s.starts_at)
    local = first.starts_at.astimezone(OSLO)
    window = {"for_from": (local - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
              "for_to": (local + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}  # fmt: skip
    empty = supervisor.post("/run/adherence/handovers", data=window | {"body": " "})
    assert empty.status_code == 422 and 'data-field-error="body"' in empty.text
    backwards = {"for_from": window["for_to"], "for_to": window["for_from"], "body": "x"}
    assert supervisor.post("/run/adherence/handovers", data=backwards).status_code == 422
    saved = client_post(supervisor, "/run/adherence/handovers",
                        window | {"body": "Billing system is slow."})  # fmt: skip
    assert "Handover note saved." in saved.text
    note = service.list_handovers(db, as_user(planned, "wfm"), first.starts_at - timedelta(days=2))
    assert len(note) == 1 and ("Agent 0", None) in note[0].readers

    agent = _client(client_factory, planned, "agent")
    mine = agent.get(f"/my/schedule?first={PLAN_DAY.isoformat()}")
    assert 'data-testid="my-shifts"' in mine.text and 'data-testid="unread-count"' in mine.text
    assert "Billing system is slow." in mine.text
    token = service.feed_token(planned.tenant_a, planned.users["agent"])
    assert re.search(
        rf"/my/schedule.ics\?tenant=alpha&amp;user={planned.users['agent']}&amp;token={token}",
        mine.text,
    )
    read = client_post(agent, f"/my/schedule/handovers/{note[0].id}/acknowledge", {})
    assert "Handover note acknowledged." in read.text
    after = agent.get(f"/my/schedule?first={PLAN_DAY.isoformat()}").text
    assert 'data-testid="unread-count"' not in after
    (listed,) = service.list_handovers(db, as_user(planned, "wfm"), first.starts_at)
    assert dict(listed.readers)["Agent 0"] is not None


def test_a_user_without_an_agent_is_told_so(
    client_factory,
    planned: World,  # noqa: F811
) -> None:
    page = login(client_factory(), planned.email("wfm")).get("/my/schedule")
    assert page.status_code == 200 and 'data-testid="no-agent"' in page.text


def test_live_adherence_lists_who_is_out_now(
    client_factory,
    db: Database,
    planned: World,  # noqa: F811
) -> None:
    """A shift running now for a0, published, and no state from a0: a0 is out of adherence."""
    planner = as_user(planned, "wfm")
    now = datetime.now(OSLO)
    started = now - timedelta(hours=1)
    plan = forecasting.create_plan(db, planner, first_day=started.date() - timedelta(days=1),
                                   days=3, history_weeks=1)  # fmt: skip
    draft = service.build_schedule(db, planner, plan_version=plan.version, time_limit_s=3)
    version = draft.summary.version
    for shift in draft.shifts:
        service.delete_shift(db, planner, version, shift.id)
    running = service.ShiftInput("a0", started.date(), started.strftime("%H:%M"),
                                 (now + timedelta(hours=2)).strftime("%H:%M"))  # fmt: skip
    service.save_shift(db, planner, version, running)
    service.publish(db, planner, version)

    supervisor = _client(client_factory, planned, "supervisor")
    live = supervisor.get("/run/adherence/live")
    assert live.status_code == 200 and 'hx-trigger="every 30s"' in live.text
    assert '<tr data-agent="a0" class="out">' in live.text and "Agent 0" in live.text
    assert 'data-testid="out-count"' in live.text
    page = supervisor.get("/run/adherence")
    assert page.text.count('<section class="card" id="live-adherence"') == 1
