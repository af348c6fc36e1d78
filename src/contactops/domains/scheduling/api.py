"""REST: schedule versions (build, publish, copy, edit shifts), templates and contracts, my
schedule, requests and their decisions, handover notes, adherence; and the iCalendar feed of a
user's published shifts (a secret URL, for calendar apps that cannot sign in)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from contactops.domains.scheduling import service
from contactops.domains.scheduling.schemas import (
    AnswerRequest,
    BuildRequest,
    ContractRequest,
    DecisionRequest,
    HandoverRequest,
    ShiftRequest,
    SwapRequest,
    TemplateRequest,
    TimeOffRequest,
)
from contactops.platform.auth import Permission, Principal, Scope, require
from contactops.platform.errors import NotFound
from contactops.platform.i18n import gettext as _
from contactops.platform.tenancy import Tenant
from contactops.platform.web import api_router

schedules = api_router("/schedules", "scheduling")
requests = api_router("/schedule-requests", "scheduling")
handovers = api_router("/handovers", "scheduling")
adherence = api_router("/adherence", "scheduling")
mine = api_router("/my", "scheduling")
feed = APIRouter(include_in_schema=False)
FEED_PAST_DAYS, FEED_DAYS = 14, 42


def _scope(principal: Principal) -> Scope:
    return Scope.of(principal)


def _local_today(principal: Principal) -> date:
    return datetime.now(ZoneInfo(principal.time_zone)).date()


# --- versions --------------------------------------------------------------------------------


@schedules.get("")
def list_schedules(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> list[Any]:
    """Every schedule version, the latest first, with its status and solver figures."""
    return [asdict(s) for s in service.list_schedules(request.app.state.db, _scope(principal))]


@schedules.post("", status_code=201)
def build(
    body: BuildRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.EDIT_PLAN)),
) -> Any:
    """Solve shifts and breaks for the staffing plan's days under the labour rules and store
    them as the next version, a draft (takes up to ``time_limit_s``)."""
    return asdict(service.build_schedule(
        request.app.state.db, _scope(principal), plan_version=body.plan_version,
        first_day=body.first_day, days=body.days, rules=body.rules,
        time_limit_s=body.time_limit_s, seed=body.seed, note=body.note,
    ))  # fmt: skip


@schedules.get("/templates")
def templates(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> list[Any]:
    """The shift templates schedules are built from (defaults on first use)."""
    return [asdict(t) for t in service.list_templates(request.app.state.db, _scope(principal))]


@schedules.put("/templates/{code}")
def save_template(
    code: str,
    body: TemplateRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.EDIT_PLAN)),
) -> Any:
    data = {"code": code, **body.model_dump()}
    return asdict(service.save_template(request.app.state.db, _scope(principal), data))


@schedules.put("/contracts/{agent}", status_code=204)
def save_contract(
    agent: str,
    body: ContractRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.EDIT_PLAN)),
) -> Response:
    """An agent's weekly hours, fixed weekdays off (0 = Monday) and allowed templates."""
    service.set_contract(request.app.state.db, _scope(principal), agent, **body.model_dump())
    return Response(status_code=204)


@schedules.get("/{version}")
def get_schedule(
    version: int, request: Request, principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> Any:
    """A version's shifts with breaks, coverage per interval and the rules it breaks."""
    return asdict(service.get_schedule(request.app.state.db, _scope(principal), version))


@schedules.post("/{version}/publish")
def publish(
    version: int, request: Request, principal: Principal = Depends(require(Permission.EDIT_PLAN))
) -> Any:
    """Publish a draft; published versions covering the same days are superseded."""
    return asdict(service.publish(request.app.state.db, _scope(principal), version))


@schedules.post("/{version}/copy", status_code=201)
def copy(
    version: int, request: Request, principal: Principal = Depends(require(Permission.EDIT_PLAN))
) -> Any:
    return asdict(service.copy_schedule(request.app.state.db, _scope(principal), version))


def _shift_input(body: ShiftRequest) -> service.ShiftInput:
    return service.ShiftInput(
        body.agent, body.day, body.start, body.end, body.template, tuple(body.activities),
        body.note,
    )  # fmt: skip


@schedules.post("/{version}/shifts", status_code=201)
def add_shift(
    version: int,
    body: ShiftRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.EDIT_PLAN)),
) -> Any:
    """Add a shift; the answer lists the labour rules the version now breaks."""
    return asdict(service.save_shift(
        request.app.state.db, _scope(principal), version, _shift_input(body)
    ))  # fmt: skip


@schedules.put("/{version}/shifts/{shift_id}")
def change_shift(
    version: int,
    shift_id: int,
    body: ShiftRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.EDIT_PLAN)),
) -> Any:
    return asdict(service.save_shift(
        request.app.state.db, _scope(principal), version, _shift_input(body), shift_id
    ))  # fmt: skip


@schedules.delete("/{version}/shifts/{shift_id}")
def delete_shift(
    version: int,
    shift_id: int,
    request: Request,
    principal: Principal = Depends(require(Permission.EDIT_PLAN)),
) -> Any:
    return asdict(service.delete_shift(request.app.state.db, _scope(principal), version, shift_id))


# --- my schedule and requests ----------------------------------------------------------------


@mine.get("/schedule")
def my_schedule(
    request: Request,
    first: date | None = Query(None, description="First local day (default today)"),
    days: int = Query(14, ge=1, le=62),
    principal: Principal = Depends(require(Permission.VIEW_OWN_SCHEDULE)),
) -> Any:
    """The signed-in agent's published shifts, requests and handover notes."""
    first = first or _local_today(principal)
    return asdict(service.my_schedule(request.app.state.db, _scope(principal), first, days))


@requests.get("")
def list_requests(
    request: Request,
    status: str | None = Query(None, description="pending_peer, pending, approved, ..."),
    principal: Principal = Depends(require(Permission.DECIDE_SCHEDULE_REQUESTS)),
) -> list[Any]:
    """Every swap and time-off request, newest first (the supervisor's inbox)."""
    db, scope = request.app.state.db, _scope(principal)
    return [asdict(r) for r in service.list_requests(db, scope, status)]


@requests.post("/time-off", status_code=201)
def time_off(
    body: TimeOffRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.VIEW_OWN_SCHEDULE)),
) -> Any:
    db, scope = request.app.state.db, _scope(principal)
    return asdict(service.request_time_off(db, scope, body.day, body.reason))


@requests.post("/swap", status_code=201)
def swap(
    body: SwapRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.VIEW_OWN_SCHEDULE)),
) -> Any:
    return asdict(service.request_swap(
        request.app.state.db, _scope(principal), body.shift_id, body.other_agent,
        body.other_shift_id, body.reason,
    ))  # fmt: skip


@requests.post("/{request_id}/answer")
def answer(
    request_id: int,
    body: AnswerRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.VIEW_OWN_SCHEDULE)),
) -> Any:
    """The colleague asked accepts or declines a swap."""
    db, scope = request.app.state.db, _scope(principal)
    return asdict(service.answer_swap(db, scope, request_id, body.accept))


@requests.post("/{request_id}/cancel")
def cancel(
    request_id: int,
    request: Request,
    principal: Principal = Depends(require(Permission.VIEW_OWN_SCHEDULE)),
) -> Any:
    return asdict(service.cancel_request(request.app.state.db, _scope(principal), request_id))


@requests.post("/{request_id}/decision")
def decide(
    request_id: int,
    body: DecisionRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.DECIDE_SCHEDULE_REQUESTS)),
) -> Any:
    """Approve (the published schedule changes; 409 naming the rule a swap would break,
    unless ``force``) or reject."""
    return asdict(service.decide_request(
        request.app.state.db, _scope(principal), request_id, body.approve, body.note, body.force
    ))  # fmt: skip


# --- handover notes --------------------------------------------------------------------------


@handovers.get("")
def list_handovers(
    request: Request,
    since: datetime | None = Query(None, description="Notes whose window ends after (UTC)"),
    principal: Principal = Depends(require(Permission.VIEW_RUN)),
) -> list[Any]:
    """Notes with every agent they are for and when each read it."""
    since = since or datetime.now(UTC) - timedelta(days=1)
    db, scope = request.app.state.db, _scope(principal)
    return [asdict(h) for h in service.list_handovers(db, scope, _aware(since, principal))]


@handovers.post("", status_code=201)
def add_handover(
    body: HandoverRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.VIEW_OWN_SCHEDULE)),
) -> Any:
    """A note for the agents whose published shifts start in [for_from, for_to)."""
    return asdict(service.add_handover(
        request.app.state.db, _scope(principal), body.body, _aware(body.for_from, principal),
        _aware(body.for_to, principal), body.team, principal.display_name,
    ))  # fmt: skip


@handovers.post("/{note_id}/acknowledge")
def acknowledge(
    note_id: int,
    request: Request,
    principal: Principal = Depends(require(Permission.VIEW_OWN_SCHEDULE)),
) -> Any:
    return asdict(service.acknowledge(request.app.state.db, _scope(principal), note_id))


def _aware(moment: datetime, principal: Principal) -> datetime:
    zone = ZoneInfo(principal.time_zone)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


# --- adherence -------------------------------------------------------------------------------


@adherence.get("")
def adherence_report(
    request: Request,
    first: date | None = Query(None, description="First local day (default today)"),
    days: int = Query(1, ge=1, le=62),
    group_by: str = Query("agent,day", description="Comma-separated: agent, team, day, ..."),
    principal: Principal = Depends(require(Permission.VIEW_RUN)),
) -> list[Any]:
    """Adherence, conformance, scheduled and out-of-adherence hours per group (KPI catalog)."""
    groups = [g.strip() for g in group_by.split(",") if g.strip()]
    return service.adherence_report(
        request.app.state.db, _scope(principal), first or _local_today(principal), days, groups
    )


@adherence.get("/live")
def live(
    request: Request,
    grace_s: float = Query(service.DEFAULT_GRACE_S, ge=0, le=3600),
    principal: Principal = Depends(require(Permission.VIEW_RUN)),
) -> list[Any]:
    """Every agent scheduled now: activity, state, and since when out of adherence."""
    rows = service.live_adherence(request.app.state.db, _scope(principal), grace_s=grace_s)
    return [asdict(r) for r in rows]


# --- iCalendar feed --------------------------------------------------------------------------


@feed.get("/my/schedule.ics")
def calendar_feed(
    request: Request,
    tenant: str = Query(...),
    user: int = Query(...),
    token: str = Query(...),
) -> Response:
    """The published shifts of the last two weeks and the next six, as iCalendar (RFC 5545);
    a wrong token answers 404, like an unknown user."""
    db = request.app.state.db
    with db.session(system=True) as session:
        row = session.scalar(select(Tenant).where(Tenant.slug == tenant))
        tenant_id, zone_name = (row.id, row.time_zone) if row else (0, "UTC")
    if row is None or not service.check_feed_token(tenant_id, user, token):
        raise NotFound(_("There is no such calendar."))
    zone = ZoneInfo(zone_name)
    today = datetime.now(zone).date()
    with db.session(tenant_id=tenant_id) as session:
        shifts = service.feed_shifts_in(
            session, user, today - timedelta(days=FEED_PAST_DAYS), today + timedelta(FEED_DAYS)
        )
    return Response(calendar_text(shifts, zone), media_type="text/calendar; charset=utf-8")


def calendar_text(shifts: list[service.ShiftView], zone: ZoneInfo) -> bytes:
    """One VEVENT per shift (UTC times; breaks listed in the description in local time)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//ContactOps//Schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("My shifts"))
    stamp = datetime.now(UTC)
    for shift in shifts:
        event = icalendar.Event()
        event.add("uid", f"shift-{shift.id}@contactops")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.starts_at.astimezone(UTC))
        event.add("dtend", shift.ends_at.astimezone(UTC))
        if shift.kind == "time_off":
            event.add("summary", _("Time off"))
            event.add("transp", "TRANSPARENT")
        else:
            event.add("summary", _("Shift %(template)s", template=shift.template).strip())
            lines = [
                f"{a.kind}: {a.starts_at.astimezone(zone):%H:%M}–{a.ends_at.astimezone(zone):%H:%M}"
                for a in shift.activities
            ]
            if lines:
                event.add("description", "\n".join(lines))
        calendar.add_component(event)
    return bytes(calendar.to_ical())


__all__ = ["adherence", "feed", "handovers", "mine", "requests", "schedules"]
