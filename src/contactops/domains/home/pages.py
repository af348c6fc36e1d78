"""The home page and the landing pages of the Plan, Run and Measure pillars."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, Request
from fastapi.responses import Response

from contactops.domains.events import service as events
from contactops.domains.organization import service as organization
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.i18n import gettext as _
from contactops.platform.i18n import lazy_gettext as _l
from contactops.platform.web import navigation, page_router, register_templates, render

register_templates(Path(__file__).parent / "templates")
router = page_router()

PILLARS = {
    "plan": {
        "title": _l("Plan"),
        "summary": _l(
            "Forecast contacts per queue and interval, turn them into required agents, "
            "build shift schedules under labour rules, publish them and track adherence."
        ),
        "permission": Permission.VIEW_PLAN,
    },
    "run": {
        "title": _l("Run"),
        "summary": _l(
            "Queues, skills-based routing, the agent desktop, callbacks, chat, e-mail, tickets "
            "with SLA clocks, customer profiles and the knowledge base."
        ),
        "permission": Permission.VIEW_RUN,
    },
    "measure": {
        "title": _l("Measure"),
        "summary": _l(
            "Every KPI computed one documented way from the contact event log: dashboards, "
            "wallboards, quality scoring, agent scorecards and client reports."
        ),
        "permission": Permission.VIEW_MEASURE,
    },
}


@router.get("/")
def home(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_HOME))
) -> Response:
    db = request.app.state.db
    context: dict[str, object] = {"pillars": PILLARS}
    if principal.can(Permission.VIEW_RUN):
        context["queues"] = organization.list_queues(db, principal)
        context["agents"] = len(organization.list_agents(db, principal))
        context["log"] = events.summary(db, principal)
    return render(request, "home/home.html", context, title=_("Home"))


def _pillar_page(request: Request, principal: Principal, key: str) -> Response:
    sections = {s["key"]: s for s in navigation(principal)}
    pillar = PILLARS[key]
    return render(
        request,
        "home/pillar.html",
        {"pillar": pillar, "items": sections.get(key, {}).get("items", [])},
        title=str(pillar["title"]),
    )


@router.get("/plan")
def plan(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> Response:
    return _pillar_page(request, principal, "plan")


@router.get("/run")
def run(request: Request, principal: Principal = Depends(require(Permission.VIEW_RUN))) -> Response:
    return _pillar_page(request, principal, "run")


@router.get("/measure")
def measure(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_MEASURE))
) -> Response:
    return _pillar_page(request, principal, "measure")
