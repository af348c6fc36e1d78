"""Pages of the schedule: the planner's schedule (Plan), the supervisor's request inbox (Plan),
an agent's own schedule, and live adherence with handover notes (Run).

Times are shown in the tenant's time zone; every change goes through the scheduling service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from contactops.domains.forecasting import service as forecasting
from contactops.domains.organization import service as organization
from contactops.domains.scheduling import service
from contactops.domains.scheduling.views import ShiftView
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.database import utcnow
from contactops.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from contactops.platform.i18n import format_local_datetime
from contactops.platform.i18n import gettext as _
from contactops.platform.i18n import lazy_gettext as _l
from contactops.platform.web import (
    NavItem,
    form_data,
    page_router,
    redirect_with_notice,
    register_nav,
    register_templates,
    render,
)

register_templates(Path(__file__).parent / "templates")
register_nav(NavItem("plan", _l("Schedule"), "/plan/schedule", Permission.VIEW_PLAN, 30))
register_nav(
    NavItem("plan", _l("Requests"), "/plan/requests", Permission.DECIDE_SCHEDULE_REQUESTS, 35)
)
register_nav(NavItem("run", _l("Adherence"), "/run/adherence", Permission.VIEW_RUN, 30))
register_nav(NavItem("run", _l("My schedule"), "/my/schedule", Permission.VIEW_OWN_SCHEDULE, 40))
router = page_router()

SCHEDULE = "/plan/schedule"
REQUESTS = "/plan/requests"
MINE = "/my/schedule"
ADHERENCE = "/run/adherence"
MY_DAYS = 14
HANDOVER_HOURS = 12
HANDOVERS_SINCE = timedelta(days=1)


def _text(form: FormData, name: str) -> str:
    return str(form.get(name, "")).strip()


def _int(form: FormData, name: str) -> int:
    try:
        return int(_text(form, name))
    except ValueError:
        raise InvalidInput(name, _("Enter a whole number.")) from None


def _optional_int(form: FormData, name: str) -> int | None:
    return _int(form, name) if _text(form, name) else None


def _day(form: FormData, name: str) -> date:
    try:
        return date.fromisoformat(_text(form, name))
    except ValueError:
        raise InvalidInput(name, _("Enter a date as YYYY-MM-DD.")) from None


def _local_moment(form: FormData, name: str, zone: ZoneInfo) -> datetime:
    try:
        return datetime.fromisoformat(_text(form, name)).replace(tzinfo=zone)
    except ValueError:
        raise InvalidInput(name, _("Enter a date and time.")) from None


FormError = InvalidInput | Conflict | NotFound | Forbidden


def _errors(error: FormError, default: str) -> dict[str, str]:
    """The message under the form field it is about (``activities[2].start`` → activities)."""
    field = getattr(error, "field", None) or default
    return {field.split("[")[0]: error.detail}


def _status(error: FormError) -> int:
    """409 for a conflict, 403 when not allowed, else 422: the form was wrong (an unknown
    agent code or shift id included)."""
    return error.status if isinstance(error, Conflict | Forbidden) else 422


# --- the schedule grid -----------------------------------------------------------------------


def _clock(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def _minute_of(moment: datetime, day: date, zone: ZoneInfo) -> int:
    """Wall-clock minutes from local midnight of ``day`` (past 1440 on the next day)."""
    local = moment.astimezone(zone)
    return (local.date() - day).days * 1440 + local.hour * 60 + local.minute


@dataclass(frozen=True)
class Bar:
    """A shift (or an activity in it) placed on the day cell's hour axis, in percent."""

    left: float
    width: float
    kind: str
    label: str


def _bar(start: int, end: int, axis: tuple[int, int], kind: str, label: str) -> Bar:
    low, high = axis
    span = high - low
    left = (max(start, low) - low) / span * 100
    right = (min(end, high) - low) / span * 100
    return Bar(round(left, 2), round(max(right - left, 0.5), 2), kind, label)


def _axis(shifts: list[ShiftView], zone: ZoneInfo) -> tuple[int, int]:
    """Whole hours from the earliest start to the latest end of the shifts (or the whole day)."""
    work = [s for s in shifts if s.kind == "work"]
    if not work:
        return (0, 1440)
    low = min(_minute_of(s.starts_at, s.day, zone) for s in work)
    high = max(_minute_of(s.ends_at, s.day, zone) for s in work)
    return (low // 60 * 60, min(-(-high // 60) * 60, 2880))


def shift_cell(s: ShiftView, zone: ZoneInfo, axis: tuple[int, int]) -> dict[str, Any]:
    """What a day cell shows of a shift: its times, a bar on the axis and its activities."""
    start = _minute_of(s.starts_at, s.day, zone)
    end = _minute_of(s.ends_at, s.day, zone)
    activities = [
        {
            "kind": a.kind,
            "name": activity_name(a.kind),
            "from": _clock(a.starts_at, zone),
            "to": _clock(a.ends_at, zone),
            "bar": _bar(
                _minute_of(a.starts_at, s.day, zone), _minute_of(a.ends_at, s.day, zone),
                axis, a.kind, "",
            ),
        }
        for a in s.activities
    ]  # fmt: skip
    times = f"{_clock(s.starts_at, zone)}–{_clock(s.ends_at, zone)}"
    details = ", ".join(f"{x['name']} {x['from']}–{x['to']}" for x in activities)
    return {
        "shift": s,
        "times": times,
        "off": s.kind != "work",
        "bar": _bar(start, end, axis, s.kind, times),
        "activities": activities,
        "title": f"{s.agent_name} · {times}" + (f" · {details}" if details else ""),
    }


def activity_name(kind: str) -> str:
    names = {
        "break": _("Break"),
        "lunch": _("Lunch"),
        "meeting": _("Meeting"),
        "training": _("Training"),
        "offline": _("Offline work"),
        "work": _("Work"),
        "time_off": _("Time off"),
    }
    return names.get(kind, kind)


def state_name(state: str) -> str:
    names = {
        "logged_in": _("Logged in"),
        "ready": _("Ready"),
        "not_ready": _("Not ready"),
        "on_contact": _("On a contact"),
        "wrapup": _("Wrap-up"),
        "break": _("Break"),
        "logged_out": _("Logged out"),
    }
    return names.get(state, state)


def grid_of(view: service.ScheduleView, zone: ZoneInfo) -> dict[str, Any]:
    """Agents (rows, by team then code) × the version's days (columns), shifts in the cells."""
    summary = view.summary
    days = [summary.first_day + timedelta(days=k) for k in range(summary.days)]
    axis = _axis(view.shifts, zone)
    agents: dict[str, dict[str, Any]] = {}
    for s in view.shifts:
        row = agents.setdefault(
            s.agent_code, {"code": s.agent_code, "name": s.agent_name, "team": s.team or "",
                           "cells": {d: [] for d in days}, "hours": 0.0},
        )  # fmt: skip
        row["cells"].setdefault(s.day, []).append(shift_cell(s, zone, axis))
        row["hours"] += s.paid_minutes / 60
    rows = sorted(agents.values(), key=lambda r: (r["team"], _natural(r["code"])))
    hours = [f"{(m // 60) % 24:02d}:00" for m in axis]
    return {"days": days, "rows": rows, "axis": axis, "from": hours[0], "to": hours[1]}


def _natural(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts a2 before a10."""
    parts = re.split(r"(\d+)", code)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)


def coverage_chart(view: service.ScheduleView, zone: ZoneInfo) -> dict[str, Any]:
    c = view.coverage
    return {
        "labels": [t.astimezone(zone).strftime("%a %d %H:%M") for t in c.starts_at],
        "required": c.required,
        "scheduled": c.scheduled,
        "names": {
            "required": _("Required agents"),
            "scheduled": _("Scheduled agents"),
            "agents": _("Agents"),
        },
    }


def solver_name(status: str) -> str:
    names = {
        "optimal": _("optimal"),
        "feasible": _("feasible (time limit reached)"),
        "infeasible": _("infeasible"),
        "unknown": _("no solution in the time limit"),
    }
    return names.get(status, status or "—")


def summary_of(view: service.ScheduleView) -> dict[str, Any]:
    """Coverage in agent-hours: Σ max(required − scheduled, 0) × interval ÷ 60 (and over)."""
    hours = view.summary.interval_minutes / 60
    result = view.summary.result
    return {
        "solver": solver_name(str(result.get("status") or "")),
        "gap": result.get("relative_gap"),
        "wall_time_s": result.get("wall_time_s"),
        "under_hours": view.coverage.under * hours,
        "over_hours": view.coverage.over * hours,
        "shifts": sum(1 for s in view.shifts if s.kind == "work"),
        "blocking": result.get("blocking") or [],
    }


def _shift_form(view: service.ScheduleView | None, shift_id: int | None) -> dict[str, str]:
    blank = {"shift_id": "", "agent_code": "", "day": "", "start": "", "end": "",
             "activities": "", "note": "", "template": ""}  # fmt: skip
    if view is None:
        return blank
    blank["day"] = view.summary.first_day.isoformat()
    shift = next((s for s in view.shifts if s.id == shift_id), None)
    if shift is None:
        return blank
    zone = ZoneInfo(view.summary.time_zone)
    return {
        "shift_id": str(shift.id),
        "agent_code": shift.agent_code,
        "day": shift.day.isoformat(),
        "start": _clock(shift.starts_at, zone),
        "end": _clock(shift.ends_at, zone),
        "activities": "\n".join(
            f"{a.kind} {_clock(a.starts_at, zone)} {_clock(a.ends_at, zone)}"
            for a in shift.activities
        ),
        "note": shift.note,
        "template": shift.template,
    }


def _schedule_context(
    request: Request, principal: Principal, version: int | None, shift_id: int | None = None
) -> dict[str, Any]:
    db = request.app.state.db
    scope = service.Scope.of(principal)
    zone = ZoneInfo(principal.time_zone)
    versions = service.list_schedules(db, scope)
    plans = forecasting.list_plans(db, scope)
    context: dict[str, Any] = {
        "versions": versions,
        "plans": plans,
        "view": None,
        "can_edit": principal.can(Permission.EDIT_PLAN),
        "errors": {},
        "build": {"plan_version": str(plans[0].version) if plans else "",
                  "time_limit_s": str(int(service.DEFAULT_TIME_LIMIT_S)), "note": ""},
        "shift_form": _shift_form(None, None),
        "activity_kinds": ("break", "lunch", "meeting", "training", "offline"),
        "time_zone": principal.time_zone,
        "activity_name": activity_name,
    }  # fmt: skip
    if versions:
        try:
            view = service.get_schedule(db, scope, version)
        except NotFound:
            view = service.get_schedule(db, scope)
        context.update(
            view=view,
            summary=summary_of(view),
            grid=grid_of(view, zone),
            chart=coverage_chart(view, zone),
            created=format_local_datetime(view.summary.created_at, principal.time_zone, "short"),
            published=format_local_datetime(
                view.summary.published_at, principal.time_zone, "short"
            ),
            editable=view.summary.status != "superseded",
            shift_form=_shift_form(view, shift_id),
        )
    return context


@router.get(SCHEDULE)
def schedule_page(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> Response:
    args = request.query_params
    version = int(args["version"]) if args.get("version", "").isdigit() else None
    shift_id = int(args["shift"]) if args.get("shift", "").isdigit() else None
    context = _schedule_context(request, principal, version, shift_id)
    return render(request, "scheduling/schedule.html", context, title=_("Schedule"))


def _schedule_error(
    request: Request,
    principal: Principal,
    version: int | None,
    error: FormError,
    field: str,
    **forms: dict[str, str],
) -> Response:
    context = _schedule_context(request, principal, version)
    context["errors"] = _errors(error, field)
    context.update(forms)
    return render(
        request, "scheduling/schedule.html", context, title=_("Schedule"),
        status_code=_status(error),
    )  # fmt: skip


@router.post(SCHEDULE)
def build(
    request: Request,
    principal: Principal = Depends(require(Permission.EDIT_PLAN)),
    form: FormData = Depends(form_data),
) -> Response:
    """Solve a schedule from a staffing plan version within the time limit: a new draft."""
    try:
        view = service.build_schedule(
            request.app.state.db,
            service.Scope.of(principal),
            plan_version=_optional_int(form, "plan_version"),
            time_limit_s=float(_int(form, "time_limit_s")),
            note=_text(form, "note"),
        )
    except (InvalidInput, NotFound) as error:
        fields = {k: _text(form, k) for k in ("plan_version", "time_limit_s", "note")}
        return _schedule_error(request, principal, None, error, "build", build=fields)
    return redirect_with_notice(
        request,
        f"{SCHEDULE}?version={view.summary.version}",
        _("Schedule version %(version)d built as a draft.", version=view.summary.version),
    )


@router.post(SCHEDULE + "/{version}/publish")
def publish(
    request: Request, version: int, principal: Principal = Depends(require(Permission.EDIT_PLAN))
) -> Response:
    try:
        service.publish(request.app.state.db, service.Scope.of(principal), version)
    except (Conflict, NotFound) as error:
        return _schedule_error(request, principal, version, error, "conflict")
    return redirect_with_notice(
        request,
        f"{SCHEDULE}?version={version}",
        _("Schedule version %(version)d published.", version=version),
    )


@router.post(SCHEDULE + "/{version}/copy")
def copy(
    request: Request,
    version: int,
    principal: Principal = Depends(require(Permission.EDIT_PLAN)),
    form: FormData = Depends(form_data),
) -> Response:
    try:
        new = service.copy_schedule(
            request.app.state.db, service.Scope.of(principal), version, _text(form, "note")
        )
    except NotFound as error:
        return _schedule_error(request, principal, None, error, "conflict")
    return redirect_with_notice(
        request,
        f"{SCHEDULE}?version={new.version}",
        _("Draft version %(version)d copied from version %(source)d.",
          version=new.version, source=version),
    )  # fmt: skip


def parse_activities(text: str) -> tuple[tuple[str, str, str], ...]:
    """One activity a line: ``kind HH:MM HH:MM``; blank lines are skipped."""
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3:
            raise InvalidInput("activities", _("Line %(line)d: write kind HH:MM HH:MM.", line=n))
        out.append((parts[0], parts[1], parts[2]))
    return tuple(out)


SHIFT_FIELDS = ("shift_id", "agent_code", "day", "start", "end", "activities", "note", "template")


@router.post(SCHEDULE + "/{version}/shifts")
def save_shift(
    request: Request,
    version: int,
    principal: Principal = Depends(require(Permission.EDIT_PLAN)),
    form: FormData = Depends(form_data),
) -> Response:
    """Add a shift, or change the one named by ``shift_id``; nothing is stored on an error."""
    try:
        shift = service.ShiftInput(
            agent_code=_text(form, "agent_code"),
            day=_day(form, "day"),
            start=_text(form, "start"),
            end=_text(form, "end"),
            template=_text(form, "template"),
            activities=parse_activities(str(form.get("activities", ""))),
            note=_text(form, "note"),
        )
        shift_id = _optional_int(form, "shift_id")
        service.save_shift(
            request.app.state.db, service.Scope.of(principal), version, shift, shift_id
        )
    except (InvalidInput, Conflict, NotFound) as error:
        field = "agent_code" if isinstance(error, NotFound) else "shift"
        fields = {k: str(form.get(k, "")) for k in SHIFT_FIELDS}
        return _schedule_error(request, principal, version, error, field, shift_form=fields)
    return redirect_with_notice(request, f"{SCHEDULE}?version={version}", _("Shift saved."))


@router.post(SCHEDULE + "/{version}/shifts/{shift_id}/delete")
def delete_shift(
    request: Request,
    version: int,
    shift_id: int,
    principal: Principal = Depends(require(Permission.EDIT_PLAN)),
) -> Response:
    try:
        service.delete_shift(request.app.state.db, service.Scope.of(principal), version, shift_id)
    except (Conflict, NotFound) as error:
        return _schedule_error(request, principal, version, error, "shift")
    return redirect_with_notice(request, f"{SCHEDULE}?version={version}", _("Shift deleted."))


# --- the request inbox -----------------------------------------------------------------------


def _requests_context(request: Request, principal: Principal) -> dict[str, Any]:
    scope = service.Scope.of(principal)
    every = service.list_requests(request.app.state.db, scope)
    return {
        "pending": [r for r in every if r.status == "pending"],
        "others": [r for r in every if r.status != "pending"],
        "refused": None,
        "time_zone": principal.time_zone,
        "clock": lambda moment: _clock(moment, ZoneInfo(principal.time_zone)),
        "activity_name": activity_name,
    }


@router.get(REQUESTS)
def requests_page(
    request: Request,
    principal: Principal = Depends(require(Permission.DECIDE_SCHEDULE_REQUESTS)),
) -> Response:
    context = _requests_context(request, principal)
    return render(request, "scheduling/requests.html", context, title=_("Requests"))


@router.post(REQUESTS + "/{request_id}")
def decide(
    request: Request,
    request_id: int,
    principal: Principal = Depends(require(Permission.DECIDE_SCHEDULE_REQUESTS)),
    form: FormData = Depends(form_data),
) -> Response:
    """Approve or reject; an approval that breaks a labour rule is shown, to force or leave."""
    approve = _text(form, "decision") == "approve"
    note = _text(form, "note")
    try:
        service.decide_request(
            request.app.state.db, service.Scope.of(principal), request_id, approve, note,
            force=_text(form, "force") == "1",
        )  # fmt: skip
    except (Conflict, NotFound) as error:
        context = _requests_context(request, principal)
        context["refused"] = {"id": request_id, "message": error.detail, "note": note,
                              "can_force": approve and isinstance(error, Conflict)}  # fmt: skip
        return render(
            request, "scheduling/requests.html", context, title=_("Requests"), status_code=409
        )
    message = _("Request approved.") if approve else _("Request rejected.")
    return redirect_with_notice(request, REQUESTS, message)


# --- my schedule -----------------------------------------------------------------------------


def _my_context(request: Request, principal: Principal, first: date | None) -> dict[str, Any]:
    zone = ZoneInfo(principal.time_zone)
    first = first or datetime.now(zone).date()
    mine = service.my_schedule(request.app.state.db, service.Scope.of(principal), first, MY_DAYS)
    code = mine.agent.code if mine.agent else None
    token = service.feed_token(principal.tenant_id, principal.user_id)
    base = str(request.base_url).rstrip("/")
    return {
        "mine": mine,
        "first": first,
        "days": MY_DAYS,
        "previous": (first - timedelta(days=7)).isoformat(),
        "next": (first + timedelta(days=7)).isoformat(),
        "shifts": [shift_cell(s, zone, (0, 1440)) for s in mine.shifts],
        "offers": [r for r in mine.requests if r.other_agent_code == code
                   and r.status == "pending_peer"],
        "own": [r for r in mine.requests if r.agent_code == code],
        "unread": sum(1 for h in mine.handovers if h.acknowledged_at is None),
        "feed_url": f"{base}{MINE}.ics?tenant={principal.tenant_slug}"
                    f"&user={principal.user_id}&token={token}",
        "errors": {},
        "form": {},
        "clock": lambda moment: _clock(moment, zone),
        "activity_name": activity_name,
        "time_zone": principal.time_zone,
    }  # fmt: skip


def _first_of(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _back(form: FormData) -> str:
    """My schedule again, from the first day the form was sent from."""
    first = _first_of(_text(form, "first"))
    return f"{MINE}?first={first.isoformat()}" if first else MINE


@router.get(MINE)
def my_page(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_OWN_SCHEDULE))
) -> Response:
    first = _first_of(request.query_params.get("first", ""))
    context = _my_context(request, principal, first)
    return render(request, "scheduling/my.html", context, title=_("My schedule"))


def _my_error(
    request: Request, principal: Principal, form: FormData, error: FormError, field: str
) -> Response:
    context = _my_context(request, principal, _first_of(str(form.get("first", ""))))
    context["errors"] = _errors(error, field)
    context["form"] = {k: str(v) for k, v in form.items()}
    return render(
        request, "scheduling/my.html", context, title=_("My schedule"),
        status_code=_status(error),
    )  # fmt: skip


@router.post(MINE + "/time-off")
def time_off(
    request: Request,
    principal: Principal = Depends(require(Permission.VIEW_OWN_SCHEDULE)),
    form: FormData = Depends(form_data),
) -> Response:
    try:
        service.request_time_off(
            request.app.state.db, service.Scope.of(principal), _day(form, "day"),
            _text(form, "reason"),
        )  # fmt: skip
    except (InvalidInput, Forbidden) as error:
        return _my_error(request, principal, form, error, "time_off")
    return redirect_with_notice(request, _back(form), _("Your request for a day off was sent."))


@router.post(MINE + "/swap")
def swap(
    request: Request,
    principal: Principal = Depends(require(Permission.VIEW_OWN_SCHEDULE)),
    form: FormData = Depends(form_data),
) -> Response:
    try:
        service.request_swap(
            request.app.state.db, service.Scope.of(principal), _int(form, "shift_id"),
            _text(form, "other_agent"), _optional_int(form, "other_shift"),
            reason=_text(form, "reason"),
        )  # fmt: skip
    except (InvalidInput, Conflict, NotFound, Forbidden) as error:
        field = "other_agent" if isinstance(error, NotFound) else "swap"
        return _my_error(request, principal, form, error, field)
    return redirect_with_notice(
        request, _back(form), _("Your swap offer was sent to your colleague.")
    )


@router.post(MINE + "/requests/{request_id}/answer")
def answer(
    request: Request,
    request_id: int,
    principal: Principal = Depends(require(Permission.VIEW_OWN_SCHEDULE)),
    form: FormData = Depends(form_data),
) -> Response:
    accept = _text(form, "accept") == "1"
    try:
        service.answer_swap(request.app.state.db, service.Scope.of(principal), request_id, accept)
    except (Conflict, NotFound, Forbidden) as error:
        return _my_error(request, principal, form, error, "offers")
    message = _("Swap accepted; a supervisor decides now.") if accept else _("Swap declined.")
    return redirect_with_notice(request, _back(form), message)


@router.post(MINE + "/requests/{request_id}/cancel")
def cancel(
    request: Request,
    request_id: int,
    principal: Principal = Depends(require(Permission.VIEW_OWN_SCHEDULE)),
    form: FormData = Depends(form_data),
) -> Response:
    try:
        service.cancel_request(request.app.state.db, service.Scope.of(principal), request_id)
    except (Conflict, NotFound, Forbidden) as error:
        return _my_error(request, principal, form, error, "own")
    return redirect_with_notice(request, _back(form), _("Request cancelled."))


@router.post(MINE + "/handovers/{note_id}/acknowledge")
def acknowledge(
    request: Request,
    note_id: int,
    principal: Principal = Depends(require(Permission.VIEW_OWN_SCHEDULE)),
    form: FormData = Depends(form_data),
) -> Response:
    try:
        service.acknowledge(request.app.state.db, service.Scope.of(principal), note_id)
    except (NotFound, Forbidden) as error:
        return _my_error(request, principal, form, error, "handovers")
    return redirect_with_notice(request, _back(form), _("Handover note acknowledged."))


# --- adherence and handover notes ------------------------------------------------------------


def _live_context(request: Request, principal: Principal) -> dict[str, Any]:
    rows = service.live_adherence(request.app.state.db, service.Scope.of(principal))
    zone = ZoneInfo(principal.time_zone)
    now = utcnow()
    return {
        "rows": sorted(rows, key=lambda r: r.adherent),  # out of adherence first, order kept
        "out": sum(1 for r in rows if not r.adherent),
        "checked": format_local_datetime(now, principal.time_zone, "medium"),
        "clock": lambda moment: _clock(moment, zone) if moment else "—",
        "minutes_since": lambda moment: int((now - moment).total_seconds() // 60),
        "activity_name": activity_name,
        "state_name": state_name,
    }


def _handover_form(principal: Principal) -> dict[str, str]:
    now = datetime.now(ZoneInfo(principal.time_zone)).replace(second=0, microsecond=0)
    later = now + timedelta(hours=HANDOVER_HOURS)
    return {"body": "", "team": "", "for_from": now.strftime("%Y-%m-%dT%H:%M"),
            "for_to": later.strftime("%Y-%m-%dT%H:%M")}  # fmt: skip


def _adherence_context(request: Request, principal: Principal) -> dict[str, Any]:
    db = request.app.state.db
    scope = service.Scope.of(principal)
    since = utcnow() - HANDOVERS_SINCE
    return {
        **_live_context(request, principal),
        "handovers": service.list_handovers(db, scope, since),
        "teams": [t.name for t in organization.list_teams(db, principal)],
        "form": _handover_form(principal),
        "errors": {},
        "tz": principal.time_zone,
    }


@router.get(ADHERENCE)
def adherence_page(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_RUN))
) -> Response:
    context = _adherence_context(request, principal)
    return render(request, "scheduling/adherence.html", context, title=_("Adherence"))


@router.get(ADHERENCE + "/live")
def adherence_live(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_RUN))
) -> Response:
    """The live table alone, polled by the page every 30 seconds."""
    context = _live_context(request, principal)
    return render(request, "scheduling/_live_adherence.html", context)


@router.post(ADHERENCE + "/handovers")
def add_handover(
    request: Request,
    principal: Principal = Depends(require(Permission.VIEW_RUN)),
    form: FormData = Depends(form_data),
) -> Response:
    zone = ZoneInfo(principal.time_zone)
    try:
        service.add_handover(
            request.app.state.db, service.Scope.of(principal), _text(form, "body"),
            _local_moment(form, "for_from", zone), _local_moment(form, "for_to", zone),
            team=_text(form, "team") or None, author_name=principal.display_name,
        )  # fmt: skip
    except InvalidInput as error:
        context = _adherence_context(request, principal)
        context["errors"] = _errors(error, "body")
        context["form"] = {k: str(form.get(k, "")) for k in ("body", "team", "for_from", "for_to")}
        return render(
            request, "scheduling/adherence.html", context, title=_("Adherence"), status_code=422
        )
    return redirect_with_notice(request, ADHERENCE, _("Handover note saved."))
