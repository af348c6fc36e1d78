"""Page: Forecast and staffing plan (Plan section) — last week's contacts and the plan's
forecast with its prediction band, the agents it needs, the accuracy of every model on the
tenant's own history, overrides with their reasons, and the plan's versions."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from contactops.domains.forecasting import service
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.errors import Conflict, InvalidInput, NotFound
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
register_nav(NavItem("plan", _l("Forecast and plan"), "/plan/forecast", Permission.VIEW_PLAN, 20))
router = page_router()

PATH = "/plan/forecast"
TEMPLATE = "forecasting/plan.html"
HISTORY_DAYS_SHOWN = 7


def _local_label(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return local.strftime("%a %d %H:%M")


def chart_of(
    plan: service.PlanView, history: service.HistoryRows, days: list[date], zone: ZoneInfo
) -> dict[str, Any]:
    """Per queue: the offered contacts of ``days`` (every interval, zeros included), then the
    plan's forecast (model and after overrides) with its band, and the required and scheduled
    agents, on one time line."""
    step = timedelta(minutes=plan.interval_minutes)
    grid = [
        datetime.combine(day, time()) + k * step
        for day in days
        for k in range(1440 // plan.interval_minutes)
    ]
    queues: dict[str, Any] = {}
    for q in plan.queues:
        offered: dict[datetime, float] = {}
        for start, queue, calls in zip(history.starts, history.queues, history.calls, strict=True):
            if queue == q.queue:
                offered[start] = offered.get(start, 0.0) + calls
        labels = [t.strftime("%a %d %H:%M") for t in grid] + [
            _local_label(t, zone) for t in q.starts_at
        ]
        gap = [None] * len(grid)
        queues[q.queue] = {
            "labels": labels,
            "actual": [round(offered.get(t, 0.0), 2) for t in grid] + [None] * len(q.starts_at),
            "forecast": gap + [round(c, 2) for c in q.forecast_calls],
            "calls": gap + [round(c, 2) for c in q.calls],
            "lo": gap + [round(c, 2) for c in q.calls_lo],
            "hi": gap + [round(c, 2) for c in q.calls_hi],
            "required": gap + q.required_agents,
            "scheduled": gap + q.scheduled_agents,
        }
    return {
        "queues": queues,
        "names": {
            "actual": _("Offered (history)"),
            "forecast": _("Forecast"),
            "calls": _("Forecast after overrides"),
            "band": _("Prediction interval"),
            "required": _("Required agents"),
            "scheduled": _("Scheduled agents"),
            "contacts": _("Contacts"),
            "agents": _("Agents"),
        },
    }


def totals_of(plan: service.PlanView) -> list[dict[str, Any]]:
    hours = plan.interval_minutes / 60
    return [
        {
            "queue": q.queue,
            "model": q.model,
            "calls": sum(q.calls),
            "peak_required": max(q.required_agents, default=0),
            "scheduled_hours": sum(q.scheduled_agents) * hours,
        }
        for q in plan.queues
    ]


def _history_for(
    request: Request, scope: service.Scope, plan: service.PlanView, zone: ZoneInfo
) -> tuple[service.HistoryRows, list[date]]:
    """The offered contacts of the week before the plan (or before today), and its days."""
    today = datetime.now(zone).date()
    last = min(plan.first_day, today) - timedelta(days=1)
    first = last - timedelta(days=HISTORY_DAYS_SHOWN - 1)
    rows = service.event_log_rows(request.app.state.db, scope, first, last, plan.interval_minutes)
    return rows, [first + timedelta(days=n) for n in range(HISTORY_DAYS_SHOWN)]


def _context(
    request: Request, principal: Principal, version: int | None, accuracy: bool
) -> dict[str, Any]:
    db = request.app.state.db
    scope = service.Scope.of(principal)
    zone = ZoneInfo(principal.time_zone)
    today = datetime.now(zone).date()
    versions = service.list_plans(db, scope)
    context: dict[str, Any] = {
        "versions": versions,
        "plan": None,
        "can_edit": principal.can(Permission.EDIT_PLAN),
        "errors": {},
        "form": {
            "first_day": (today + timedelta(days=7 - today.weekday())).isoformat(),
            "days": "7",
            "interval_minutes": "30",
            "model": service.AUTO,
            "history_weeks": str(service.DEFAULT_HISTORY_WEEKS),
            "shrinkage": "30",
        },
        "override": {"percent": "", "reason": "", "queue": "", "day": "", "from": "", "to": ""},
        "models": [service.AUTO, *service.MODELS],
        "intervals": service.INTERVALS,
        "accuracy": None,
        "time_zone": principal.time_zone,
    }
    if versions:
        try:
            plan = service.get_plan(db, scope, version)
        except NotFound:
            plan = service.get_plan(db, scope)
        context.update(
            plan=plan,
            latest=versions[0].version,
            totals=totals_of(plan),
            chart=chart_of(plan, *_history_for(request, scope, plan, zone), zone),
            created=format_local_datetime(plan.created_at, principal.time_zone, "short"),
            overrides=[
                {
                    "view": o,
                    "starts": format_local_datetime(o.starts_at, principal.time_zone, "short"),
                    "ends": format_local_datetime(o.ends_at, principal.time_zone, "short"),
                }
                for o in plan.overrides
            ],
        )
        context["override"]["day"] = plan.first_day.isoformat()
    if accuracy:
        # Scored on the weeks before the plan shown (or before today without a plan).
        until = min(today, context["plan"].first_day) if context["plan"] else today
        try:
            origins, report = service.event_log_backtest(db, scope, today=until)
            rows = [r for r in service.accuracy_rows(report) if r.horizon_day is None]
            context["accuracy"] = {"origins": origins, "rows": rows, "error": None}
        except InvalidInput as error:
            context["accuracy"] = {"origins": [], "rows": [], "error": error.detail}
    return context


@router.get(PATH)
def plan_page(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> Response:
    args = request.query_params
    version = int(args["version"]) if args.get("version", "").isdigit() else None
    context = _context(request, principal, version, args.get("accuracy") == "1")
    return render(request, TEMPLATE, context, title=_("Forecast and plan"))


def _number(form: FormData, name: str, kind: type[int] | type[float]) -> Any:
    text = str(form.get(name, "")).strip()
    try:
        return kind(text)
    except ValueError:
        message = _("Enter a whole number.") if kind is int else _("Enter a number.")
        raise InvalidInput(name, message) from None


def _day(form: FormData, name: str) -> date:
    try:
        return date.fromisoformat(str(form.get(name, "")).strip())
    except ValueError:
        raise InvalidInput(name, _("Enter a date as YYYY-MM-DD.")) from None


def _clock(form: FormData, name: str) -> time:
    try:
        return time.fromisoformat(str(form.get(name, "")).strip())
    except ValueError:
        raise InvalidInput(name, _("Enter a time as HH:MM.")) from None


@router.post(PATH)
def create_plan(
    request: Request,
    principal: Principal = Depends(require(Permission.EDIT_PLAN)),
    form: FormData = Depends(form_data),
) -> Response:
    """Forecast every queue and store the staffing as the next version."""
    try:
        plan = service.create_plan(
            request.app.state.db,
            service.Scope.of(principal),
            first_day=_day(form, "first_day"),
            days=_number(form, "days", int),
            interval_minutes=_number(form, "interval_minutes", int),
            model=str(form.get("model", service.AUTO)),
            history_weeks=_number(form, "history_weeks", int),
            shrinkage=_number(form, "shrinkage", float) / 100,
            note=str(form.get("note", "")),
        )
    except InvalidInput as error:
        context = _context(request, principal, None, False)
        context["form"] = {k: str(form.get(k, v)) for k, v in context["form"].items()}
        context["errors"] = {error.field or "form": error.detail}
        return render(request, TEMPLATE, context, title=_("Forecast and plan"), status_code=422)
    return redirect_with_notice(
        request,
        f"{PATH}?version={plan.version}",
        _("Plan version %(version)d saved.", version=plan.version),
    )


@router.post(PATH + "/overrides")
def add_override(
    request: Request,
    principal: Principal = Depends(require(Permission.EDIT_PLAN)),
    form: FormData = Depends(form_data),
) -> Response:
    """Change the forecast over a range of one day, with a reason: a new version."""
    zone = ZoneInfo(principal.time_zone)
    version = int(str(form.get("version", "0")) or 0)
    try:
        day = _day(form, "day")
        starts_at = datetime.combine(day, _clock(form, "from"), zone)
        end_clock = _clock(form, "to")
        ends_at = datetime.combine(day, end_clock, zone)
        if end_clock == time(0):
            ends_at = datetime.combine(day + timedelta(days=1), time(0), zone)
        queue = str(form.get("queue", "")).strip() or None
        plan = service.add_override(
            request.app.state.db,
            service.Scope.of(principal),
            version=version,
            queue=queue,
            starts_at=starts_at,
            ends_at=ends_at,
            percent=_number(form, "percent", float),
            reason=str(form.get("reason", "")),
        )
    except (InvalidInput, Conflict, NotFound) as error:
        context = _context(request, principal, version or None, False)
        context["override"] = {
            k: str(form.get(k, "")) for k in ("percent", "reason", "queue", "day", "from", "to")
        }
        field = getattr(error, "field", None) or "override"
        context["errors"] = {f"override.{field}": error.detail}
        return render(request, TEMPLATE, context, title=_("Forecast and plan"), status_code=422)
    return redirect_with_notice(
        request,
        f"{PATH}?version={plan.version}",
        _("Override saved: plan version %(version)d.", version=plan.version),
    )
