"""REST: tickets of the caller's tenant — open, read, list by SLA urgency, reply and note,
change status, assign, escalate — and the tenant's ticket settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Depends, File, Query, Request, Response, UploadFile, status

from contactops.domains.tickets import attachments, configuration, mail, presence, service
from contactops.domains.tickets.schemas import (
    AssignIn,
    AttachmentOut,
    CalendarIn,
    CalendarOut,
    CustomerMessageIn,
    EscalateIn,
    HandlingIO,
    InboundOut,
    MailboxIn,
    MailboxOut,
    PolicyIn,
    PolicyOut,
    PresenceIn,
    PresenceOut,
    ReplyIn,
    StatusIn,
    TicketCreate,
    TicketOut,
    TicketSummaryOut,
    WorkflowIO,
)
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.storage import store_of
from contactops.platform.web import api_router

router = api_router("/tickets", "tickets")
settings_router = api_router("/ticket-settings", "tickets")
view_run = require(Permission.VIEW_RUN)
handle = require(Permission.HANDLE_CONTACTS)
configure = require(Permission.CONFIGURE_CENTER)


@router.get("", response_model=list[TicketSummaryOut])
def list_tickets(
    request: Request,
    view: str = Query("all", description="mine, team, unassigned, at_risk, breached or all"),
    team_id: int | None = Query(None, description="For view=team; default: your own team"),
    limit: int = Query(50, ge=1, le=service.LIST_LIMIT_MAX),
    principal: Principal = Depends(view_run),
) -> list[TicketSummaryOut]:
    """Active tickets, the most urgent first (the earliest running SLA deadline)."""
    rows = service.list_tickets(request.app.state.db, principal, view, team_id, limit)
    return [TicketSummaryOut.of(r) for r in rows]


@router.post("", response_model=TicketOut, status_code=status.HTTP_201_CREATED)
def open_ticket(
    body: TicketCreate, request: Request, principal: Principal = Depends(handle)
) -> TicketOut:
    """A new ticket; the first SLA policy matching its type, priority and customer applies."""
    view = service.open_ticket(request.app.state.db, principal, **body.model_dump())
    return TicketOut.of_view(view)


@router.get("/{number}", response_model=TicketOut)
def get_ticket(
    number: int, request: Request, principal: Principal = Depends(view_run)
) -> TicketOut:
    """The ticket with its messages, history and SLA clocks as they read now."""
    return TicketOut.of_view(service.get_ticket(request.app.state.db, principal, number))


@router.post("/{number}/replies", response_model=TicketOut, status_code=status.HTTP_201_CREATED)
def reply(
    number: int, body: ReplyIn, request: Request, principal: Principal = Depends(handle)
) -> TicketOut:
    """A reply to the customer, or an internal note; 409 if the ticket changed since
    ``version``."""
    view = service.reply(
        request.app.state.db, principal, number, body.body, body.version, body.internal
    )
    return TicketOut.of_view(view)


@router.post(
    "/{number}/customer-messages", response_model=TicketOut, status_code=status.HTTP_201_CREATED
)
def customer_message(
    number: int, body: CustomerMessageIn, request: Request, principal: Principal = Depends(handle)
) -> TicketOut:
    """The customer wrote again (by phone, letter, another channel): the ticket opens again
    and the next-response clock starts."""
    view = service.add_customer_message(
        request.app.state.db, principal, number, body.body, body.author_label
    )
    return TicketOut.of_view(view)


@router.post("/{number}/status", response_model=TicketOut)
def change_status(
    number: int, body: StatusIn, request: Request, principal: Principal = Depends(handle)
) -> TicketOut:
    view = service.change_status(
        request.app.state.db, principal, number, body.status, body.version, body.outcome
    )
    return TicketOut.of_view(view)


@router.post("/{number}/assignment", response_model=TicketOut)
def assign(
    number: int, body: AssignIn, request: Request, principal: Principal = Depends(handle)
) -> TicketOut:
    view = service.assign(
        request.app.state.db, principal, number, body.version, body.assignee_user_id, body.team_id
    )
    return TicketOut.of_view(view)


@router.post("/{number}/escalation", response_model=TicketOut)
def escalate(
    number: int, body: EscalateIn, request: Request, principal: Principal = Depends(handle)
) -> TicketOut:
    view = service.escalate(
        request.app.state.db, principal, number, body.version, body.tier, body.reason
    )
    return TicketOut.of_view(view)


# --- settings -----------------------------------------------------------------------------------


@settings_router.get("/workflow", response_model=WorkflowIO)
def get_workflow(request: Request, principal: Principal = Depends(view_run)) -> Any:
    return configuration.get_workflow(request.app.state.db, principal)


@settings_router.put("/workflow", response_model=WorkflowIO)
def set_workflow(
    body: WorkflowIO, request: Request, principal: Principal = Depends(configure)
) -> Any:
    """Replace the statuses, transitions, types and outcomes; checked whole before storing."""
    return configuration.set_workflow(request.app.state.db, principal, body.model_dump())


@settings_router.get("/calendars", response_model=list[CalendarOut])
def list_calendars(request: Request, principal: Principal = Depends(view_run)) -> list[CalendarOut]:
    return [
        CalendarOut.of(c) for c in configuration.list_calendars(request.app.state.db, principal)
    ]


@settings_router.put("/calendars/{code}", response_model=CalendarOut)
def save_calendar(
    code: str, body: CalendarIn, request: Request, principal: Principal = Depends(configure)
) -> CalendarOut:
    view = configuration.save_calendar(request.app.state.db, principal, code, **body.model_dump())
    return CalendarOut.of(view)


@settings_router.get("/sla-policies", response_model=list[PolicyOut])
def list_policies(request: Request, principal: Principal = Depends(view_run)) -> list[PolicyOut]:
    return [PolicyOut.of(p) for p in configuration.list_policies(request.app.state.db, principal)]


@settings_router.put("/sla-policies/{code}", response_model=PolicyOut)
def save_policy(
    code: str, body: PolicyIn, request: Request, principal: Principal = Depends(configure)
) -> PolicyOut:
    fields = body.model_dump(exclude_unset=True)
    return PolicyOut.of(configuration.save_policy(request.app.state.db, principal, code, fields))


@settings_router.get("/queues/{queue_id}/handling", response_model=HandlingIO)
def get_handling(
    queue_id: int, request: Request, principal: Principal = Depends(view_run)
) -> HandlingIO:
    return HandlingIO.of(configuration.get_handling(request.app.state.db, principal, queue_id))


@settings_router.put("/queues/{queue_id}/handling", response_model=HandlingIO)
def set_handling(
    queue_id: int, body: HandlingIO, request: Request, principal: Principal = Depends(configure)
) -> HandlingIO:
    handling = configuration.set_handling(
        request.app.state.db, principal, queue_id, body.model, body.tier_team_ids
    )
    return HandlingIO.of(handling)


# --- presence -----------------------------------------------------------------------------------


@router.post("/{number}/presence", response_model=PresenceOut)
def beat(
    number: int, body: PresenceIn, request: Request, principal: Principal = Depends(view_run)
) -> PresenceOut:
    """The heartbeat of an open ticket page (every few seconds): answers the other users on
    the ticket now, who of them is typing, and the ticket's version."""
    return PresenceOut.of(presence.beat(request.app.state.db, principal, number, body.typing))


@router.delete("/{number}/presence", status_code=status.HTTP_204_NO_CONTENT)
def leave(number: int, request: Request, principal: Principal = Depends(view_run)) -> Response:
    """The page was closed: the others stop seeing you at once."""
    presence.leave(request.app.state.db, principal, number)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- mailboxes ----------------------------------------------------------------------------------


@settings_router.get("/mailboxes", response_model=list[MailboxOut])
def list_mailboxes(request: Request, principal: Principal = Depends(view_run)) -> list[MailboxOut]:
    return [MailboxOut.of(m) for m in mail.list_mailboxes(request.app.state.db, principal)]


@settings_router.put("/mailboxes/{address}", response_model=MailboxOut)
def save_mailbox(
    address: str, body: MailboxIn, request: Request, principal: Principal = Depends(configure)
) -> MailboxOut:
    """Create or change the mailbox of ``address``: read over IMAP into tickets, answered
    over SMTP."""
    fields = body.model_dump(exclude_unset=True)
    return MailboxOut.of(mail.save_mailbox(request.app.state.db, principal, address, fields))


@settings_router.get("/inbound-mail", response_model=list[InboundOut])
def inbound_mail(
    request: Request,
    limit: int = Query(100, ge=1, le=1000),
    principal: Principal = Depends(configure),
) -> list[InboundOut]:
    """What the mailboxes read lately and what became of each message, newest first."""
    return [InboundOut.of(r) for r in mail.inbound_mail(request.app.state.db, principal, limit)]


# --- attachments --------------------------------------------------------------------------------


@router.get("/{number}/attachments", response_model=list[AttachmentOut])
def list_attachments(
    number: int, request: Request, principal: Principal = Depends(view_run)
) -> list[AttachmentOut]:
    rows = attachments.list_attachments(request.app.state.db, principal, number)
    return [AttachmentOut.of(a) for a in rows]


@router.post(
    "/{number}/attachments", response_model=AttachmentOut, status_code=status.HTTP_201_CREATED
)
def upload_attachment(
    number: int,
    request: Request,
    file: UploadFile = File(description="The file; at most CONTACTOPS_ATTACHMENT_MAX_BYTES"),
    principal: Principal = Depends(handle),
) -> AttachmentOut:
    settings = request.app.state.settings
    data = file.file.read(settings.attachment_max_bytes + 1)
    view = attachments.attach(
        request.app.state.db, principal, store_of(settings), number,
        filename=file.filename or "", content_type=file.content_type or "", data=data,
        max_bytes=settings.attachment_max_bytes,
    )  # fmt: skip
    return AttachmentOut.of(view)


@router.get("/{number}/attachments/{attachment_id}", response_class=Response)
def download_attachment(
    number: int, attachment_id: int, request: Request, principal: Principal = Depends(view_run)
) -> Response:
    """The file, always as a download (never shown inline)."""
    settings = request.app.state.settings
    view, data = attachments.attachment_file(
        request.app.state.db, principal, store_of(settings), number, attachment_id
    )
    return Response(
        content=data,
        media_type=attachments.download_type(view.content_type),
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(view.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
