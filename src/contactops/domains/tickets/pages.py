"""Pages: ticket lists by SLA urgency (mine, my team's, unassigned, about to breach, breached)
and a ticket with its messages, clocks, history and the customer's profile (Run).

Every form on the ticket page carries the ``version`` the page was rendered at: a change made
from an out-of-date page is refused and the page is shown again, current, with the message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, File, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.datastructures import FormData

from contactops.domains.customers import service as customers
from contactops.domains.tickets import attachments, service
from contactops.domains.tickets.models import PRIORITIES, TICKET_CHANNELS, TIERS
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.errors import DomainError, InvalidInput, NotFound
from contactops.platform.i18n import gettext as _
from contactops.platform.i18n import lazy_gettext as _l
from contactops.platform.storage import store_of
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
register_nav(NavItem("run", _l("Tickets"), "/run/tickets", Permission.VIEW_RUN, 45))
router = page_router()

TICKETS = "/run/tickets"
HISTORY_SHOWN = 50


def _text(form: FormData, name: str) -> str:
    return str(form.get(name, "")).strip()


def _int(form: FormData, name: str) -> int | None:
    text = _text(form, name)
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(name, _("Enter a whole number.")) from None


def _errors(error: DomainError) -> dict[str, str]:
    fields = [e.field for e in error.errors] or ["form"]
    return {field: error.detail for field in fields}


def _status(error: DomainError) -> int:
    if isinstance(error, NotFound):
        raise error
    return error.status


def _ticket_url(number: int) -> str:
    return f"{TICKETS}/{number}"


# --- lists -----------------------------------------------------------------------------------


def _list_page(
    request: Request,
    principal: Principal,
    view: str,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    if view not in service.VIEWS:
        view = "all"
    tickets = service.list_tickets(request.app.state.db, principal, view)
    context: dict[str, Any] = {
        "view": view,
        "tickets": tickets,
        "form": form or {"channel": "phone", "priority": "normal", "ticket_type": "question"},
        "errors": errors or {},
        "channels": TICKET_CHANNELS,
        "types": service.ticket_types(request.app.state.db, principal),
        "priorities": PRIORITIES,
    }
    return render(
        request, "tickets/list.html", context, title=_("Tickets"), status_code=status_code
    )


@router.get(TICKETS)
def list_page(
    request: Request,
    view: str = Query("all", max_length=20),
    principal: Principal = Depends(require(Permission.VIEW_RUN)),
) -> Response:
    return _list_page(request, principal, view)


@router.post(TICKETS)
def open_ticket(
    request: Request,
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
    form: FormData = Depends(form_data),
) -> Response:
    try:
        ticket = service.open_ticket(
            request.app.state.db,
            principal,
            subject=_text(form, "subject"),
            body=str(form.get("body", "")),
            channel=_text(form, "channel"),
            ticket_type=_text(form, "ticket_type"),
            priority=_text(form, "priority"),
            customer_id=_int(form, "customer_id"),
        )
    except DomainError as error:
        submitted = {k: _text(form, k) for k in form if k != "csrf_token"}
        return _list_page(
            request, principal, "all", form=submitted, errors=_errors(error),
            status_code=_status(error),
        )  # fmt: skip
    number = ticket.summary.number
    return redirect_with_notice(
        request, _ticket_url(number), _("Ticket %(ticket)s opened.", ticket=f"T-{number}")
    )


# --- one ticket ---------------------------------------------------------------------------------


def _ticket_page(
    request: Request,
    principal: Principal,
    number: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    db = request.app.state.db
    ticket = service.get_ticket(db, principal, number)
    context: dict[str, Any] = {
        "ticket": ticket,
        "form": form or {},
        "errors": errors or {},
        "tiers": TIERS,
        "customer": None,
        "history": [],
    }
    customer_id = ticket.summary.customer_id
    if customer_id is not None:
        profile = customers.customer_profile(db, principal, customer_id, HISTORY_SHOWN)
        context.update(
            customer=profile.customer,
            history=profile.history,
            customer_return_to=_ticket_url(number),
        )
    title = f"T-{number} {ticket.summary.subject}"
    return render(request, "tickets/ticket.html", context, title=title, status_code=status_code)


@router.get(TICKETS + "/{number}")
def ticket_page(
    number: int, request: Request, principal: Principal = Depends(require(Permission.VIEW_RUN))
) -> Response:
    return _ticket_page(request, principal, number)


def _act(
    request: Request, principal: Principal, number: int, form: FormData, action: Any, done: str
) -> Response:
    """Run ``action(db, version)``; a refusal shows the page again, current, with the message
    and what was typed."""
    try:
        action(request.app.state.db, _int(form, "version"))
    except DomainError as error:
        submitted = {k: str(form.get(k, "")) for k in form if k != "csrf_token"}
        return _ticket_page(
            request, principal, number, form=submitted, errors=_errors(error),
            status_code=_status(error),
        )  # fmt: skip
    return redirect_with_notice(request, _ticket_url(number), done)


@router.post(TICKETS + "/{number}/replies")
def reply(
    number: int,
    request: Request,
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
    form: FormData = Depends(form_data),
) -> Response:
    internal = _text(form, "internal") == "1"
    body = str(form.get("body", ""))
    return _act(
        request, principal, number, form,
        lambda db, version: service.reply(db, principal, number, body, version, internal),
        _("Note saved.") if internal else _("Reply sent."),
    )  # fmt: skip


@router.post(TICKETS + "/{number}/status")
def change_status(
    number: int,
    request: Request,
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
    form: FormData = Depends(form_data),
) -> Response:
    status, outcome = _text(form, "status"), _text(form, "outcome") or None
    return _act(
        request, principal, number, form,
        lambda db, version: service.change_status(db, principal, number, status, version, outcome),
        _("Status changed."),
    )  # fmt: skip


@router.post(TICKETS + "/{number}/assignment")
def assign(
    number: int,
    request: Request,
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
    form: FormData = Depends(form_data),
) -> Response:
    to_me = _text(form, "assignee") == "me"
    assignee = principal.user_id if to_me else None
    return _act(
        request, principal, number, form,
        lambda db, version: service.assign(db, principal, number, version, assignee),
        _("Assignment changed."),
    )  # fmt: skip


@router.post(TICKETS + "/{number}/escalation")
def escalate(
    number: int,
    request: Request,
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
    form: FormData = Depends(form_data),
) -> Response:
    reason = _text(form, "reason")

    def action(db: Any, version: int | None) -> None:
        tier = _int(form, "tier")
        if tier is None:
            raise InvalidInput("tier", _("Choose a tier."))
        service.escalate(db, principal, number, version, tier, reason)

    return _act(request, principal, number, form, action, _("Ticket moved."))


@router.post(TICKETS + "/{number}/attachments")
def upload_attachment(
    number: int,
    request: Request,
    file: UploadFile = File(),
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
) -> Response:
    settings = request.app.state.settings
    try:
        view = attachments.attach(
            request.app.state.db, principal, store_of(settings), number,
            filename=file.filename or "", content_type=file.content_type or "",
            data=file.file.read(settings.attachment_max_bytes + 1),
            max_bytes=settings.attachment_max_bytes,
        )  # fmt: skip
    except DomainError as error:
        return _ticket_page(
            request, principal, number, errors={"file": error.detail},
            status_code=_status(error),
        )  # fmt: skip
    return redirect_with_notice(
        request, _ticket_url(number), _("%(file)s attached.", file=view.filename)
    )
