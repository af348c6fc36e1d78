"""Pages: the queues and agents of the center (Run section)."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from contactops.domains.organization import service
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.errors import DomainError
from contactops.platform.i18n import gettext as _
from contactops.platform.i18n import lazy_gettext as _l
from contactops.platform.web import (
    NavItem,
    page_router,
    redirect_with_notice,
    register_nav,
    register_templates,
    render,
)

register_templates(Path(__file__).parent / "templates")
register_nav(NavItem("run", _l("Queues"), "/run/queues", Permission.VIEW_RUN, 10))
register_nav(NavItem("run", _l("Agents and skills"), "/run/agents", Permission.VIEW_RUN, 20))
router = page_router()


@router.get("/run/queues")
def queues(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_RUN))
) -> Response:
    return render(
        request,
        "organization/queues.html",
        {"queues": service.list_queues(request.app.state.db, principal)},
        title=_("Queues"),
    )


@router.get("/run/queues/{queue_id}")
def queue_form(
    queue_id: int, request: Request, principal: Principal = Depends(require(Permission.VIEW_RUN))
) -> Response:
    queue = service.get_queue(request.app.state.db, principal, queue_id)
    return render(request, "organization/queue.html", {"queue": queue}, title=queue.name)


@router.post("/run/queues/{queue_id}")
def update_queue(
    queue_id: int,
    request: Request,
    name: str = Form(),
    service_level_target_percent: float = Form(),
    service_level_threshold_s: int = Form(),
    principal: Principal = Depends(require(Permission.CONFIGURE_CENTER)),
) -> Response:
    try:
        queue = service.update_queue(
            request.app.state.db,
            principal,
            queue_id,
            name=name,
            service_level_target=service_level_target_percent / 100,
            service_level_threshold_s=service_level_threshold_s,
        )
    except DomainError as error:
        if error.status == 404:
            raise
        queue = service.get_queue(request.app.state.db, principal, queue_id)
        return render(
            request,
            "organization/queue.html",
            {"queue": queue, "error": error},
            status_code=error.status,
            title=queue.name,
        )
    return redirect_with_notice(request, "/run/queues", _("Queue %(name)s saved.", name=queue.name))


@router.get("/run/agents")
def agents(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_RUN))
) -> Response:
    db = request.app.state.db
    return render(
        request,
        "organization/agents.html",
        {"agents": service.list_agents(db, principal), "teams": service.list_teams(db, principal)},
        title=_("Agents and skills"),
    )
