"""Pages of the live center (Run): the agent desktop, the supervisor's wallboard, and a public
demo page that embeds the chat widget.

The pages are shells: their scripts read the live center's REST API and follow its
Server-Sent Events, so what they show is what the API answers. Each page hands its script one
JSON block with the API paths, the tenant's time zone and the translated texts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from contactops.domains.live import service
from contactops.domains.live.flow import WEEKDAYS
from contactops.domains.live.views import DEFAULT_NOT_READY, default_label
from contactops.domains.organization import service as organization
from contactops.platform.auth import Permission, Principal, Scope, require
from contactops.platform.errors import DomainError, InvalidInput, NotFound
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
register_nav(NavItem("run", _l("Agent desktop"), "/run/desktop", Permission.HANDLE_CONTACTS, 5))
register_nav(NavItem("run", _l("Wallboard"), "/run/wallboard", Permission.SUPERVISE_LIVE, 6))
register_nav(NavItem("run", _l("Reason codes"), "/run/reason-codes", Permission.VIEW_RUN, 30))
router = page_router()

DESKTOP = "/run/desktop"
WALLBOARD = "/run/wallboard"
CHAT_DEMO = "/chat/{tenant_slug}"
ROUTING = "/run/queues/{queue_code}/routing"
REASON_CODES = "/run/reason-codes"
API = "/api/v1/live"


def state_names() -> dict[str, str]:
    """An agent's logged state (and "ringing" while an offer waits), as people say it."""
    return {
        "ready": _("Ready"),
        "not_ready": _("Not ready"),
        "break": _("Break"),
        "logged_out": _("Logged out"),
        "logged_in": _("Logged in"),
        "on_contact": _("On contact"),
        "wrapup": _("Wrap-up"),
        "ringing": _("Ringing"),
    }


def channel_names() -> dict[str, str]:
    return {
        "phone": _("Phone"),
        "chat": _("Chat"),
        "callback": _("Callback"),
        "email": _("E-mail"),
        "social": _("Social"),
    }


def reason_names() -> dict[str, str]:
    """Labels of the reason codes every center knows; a tenant's own codes show as they are."""
    codes = (*DEFAULT_NOT_READY, "ring_no_answer", "declined", "break", "lunch")
    return {code: default_label(code) for code in codes}


def outcome_names() -> dict[str, str]:
    return {
        "answered": _("answered"),
        "abandoned": _("abandoned"),
        "timed_out": _("timed out"),
        "overflowed": _("overflowed"),
        "blocked": _("blocked"),
        "callback_requested": _("callback requested"),
        "self_service": _("self-service"),
        "ignored": _("ignored"),
        "open": _("open"),
    }


def identifier_names() -> dict[str, str]:
    return {
        "phone": _("Phone"),
        "email": _("E-mail"),
        "chat": _("Chat"),
        "external": _("External id"),
    }


def _common_texts() -> dict[str, str]:
    return {
        "live": _("Live"),
        "reconnecting": _("Reconnecting…"),
        "unreachable": _("The server could not be reached. Check the connection and try again."),
        "signed_out": _("Your session has ended. Sign in again to continue."),
        "sign_in": _("Sign in"),
        "dismiss": _("Dismiss"),
        "updated": _("Updated {time}"),
    }


def desktop_texts() -> dict[str, str]:
    """What the desktop script writes; ``{name}`` marks a value the script fills in."""
    return {
        **_common_texts(),
        "accept": _("Accept"),
        "decline": _("Decline"),
        "incoming": _("Incoming {channel}"),
        "hold": _("Hold"),
        "unhold": _("Resume"),
        "end": _("End"),
        "end_chat": _("End chat"),
        "offered": _("Offered"),
        "connected": _("In conversation"),
        "held": _("On hold"),
        "wrapup": _("Wrap-up"),
        "since_arrival": _("Since arrival"),
        "talking": _("Handling time"),
        "in_wrapup": _("In wrap-up"),
        "wrapup_left": _("Wrap-up ends in"),
        "no_contacts": _("No contacts right now."),
        "no_contacts_ready": _("You are ready: the next contact will be offered here."),
        "no_contacts_not_ready": _("Go ready to receive contacts."),
        "waiting_in_queues": _("Waiting in your queues: {count}"),
        "transcript": _("Conversation"),
        "no_messages": _("No messages yet."),
        "system": _("System"),
        "you": _("You"),
        "reply": _("Reply"),
        "send": _("Send"),
        "note": _("Note"),
        "save_note": _("Save note"),
        "note_saved": _("Note saved."),
        "wrapup_title": _("Finish the wrap-up"),
        "wrapup_code": _("Wrap-up code"),
        "no_code": _("No code"),
        "wrapup_note": _("Wrap-up note"),
        "resolved": _("Resolved on this contact"),
        "finish_wrapup": _("Finish wrap-up"),
        "transfer_title": _("Transfer"),
        "transfer_to": _("Transfer to"),
        "choose": _("Choose…"),
        "queues": _("Queues"),
        "ready_agents": _("Ready agents"),
        "transfer": _("Transfer"),
        "callback_title": _("Schedule a callback"),
        "callback_number": _("Number to call"),
        "callback_at": _("When ({zone}); empty: as soon as possible"),
        "schedule_callback": _("Schedule callback"),
        "callback_scheduled": _("Callback scheduled."),
        "callback_scheduled_at": _("Callback scheduled for {time}."),
        "profile": _("Customer profile"),
        "profile_loading": _("Loading the profile…"),
        "profile_missing": _("No profile is available for this customer."),
        "open_profile": _("Open full profile"),
        "recent_contacts": _("Recent contacts"),
        "no_history": _("No earlier contacts."),
        "tier": _("Tier"),
        "unknown_customer": _("Unknown customer"),
        "choose_time": _("Enter the date and the time."),
    }


def wallboard_texts() -> dict[str, str]:
    return {
        **_common_texts(),
        "no_queues": _("No open queue."),
        "no_agents": _("No agent is logged in."),
        "no_alerts": _("No alerts."),
        "target": _("target {target}"),
    }


def _page_config(principal: Principal, texts: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "time_zone": principal.time_zone,
        "states": state_names(),
        "channels": channel_names(),
        "reasons": reason_names(),
        "texts": texts,
        **extra,
    }


def _linked_agent(request: Request, principal: Principal) -> str | None:
    """Why the user cannot work on the desktop (not linked to an agent), or None."""
    try:
        service.agent_of_user(request.app.state.db, Scope.of(principal))
    except NotFound as error:
        return error.detail
    return None


@router.get(DESKTOP)
def desktop_page(
    request: Request, principal: Principal = Depends(require(Permission.HANDLE_CONTACTS))
) -> Response:
    config = _page_config(
        principal,
        desktop_texts(),
        desktop_url=f"{API}/desktop",
        stream_url=f"{API}/desktop/stream",
        customers_url="/api/v1/customers",
        profile_url="/run/customers",
        outcomes=outcome_names(),
        identifiers=identifier_names(),
    )
    context = {"config": config, "unlinked": _linked_agent(request, principal)}
    return render(request, "live/desktop.html", context, title=_("Agent desktop"))


@router.get(WALLBOARD)
def wallboard_page(
    request: Request, principal: Principal = Depends(require(Permission.SUPERVISE_LIVE))
) -> Response:
    config = _page_config(
        principal,
        wallboard_texts(),
        wallboard_url=f"{API}/wallboard",
        stream_url=f"{API}/wallboard/stream",
    )
    return render(request, "live/wallboard.html", {"config": config}, title=_("Wallboard"))


@router.get(CHAT_DEMO)
def chat_demo_page(
    request: Request, tenant_slug: str, queue: str | None = Query(None, max_length=64)
) -> Response:
    """A customer-facing page of the tenant with the chat widget (no sign-in)."""
    db = request.app.state.db
    tenant_name, queues = service.chat_queues(db, tenant_slug)
    codes = [code for code, _name in queues]
    chosen = queue if queue in codes else (codes[0] if codes else None)
    context = {
        "tenant_slug": tenant_slug,
        "tenant_name": tenant_name,
        "queues": queues,
        "chosen": chosen,
    }
    return render(
        request, "live/chat_demo.html", context, title=_("Chat with %(name)s", name=tenant_name)
    )


# --- settings: queue routing and reason codes ----------------------------------------------

ROUTING_NUMBERS = ("priority", "concurrency", "ring_timeout_s")
ROUTING_OPTIONAL = ("wrapup_limit_s", "max_wait_s", "max_queue_length", "overflow_after_s",
                    "callback_offer_after_s")  # fmt: skip


def format_opening_hours(hours: dict[str, list[list[str]]] | None) -> str:
    """One line a weekday: ``mon 08:00-16:00, 18:00-20:00`` (empty: always open)."""
    if hours is None:
        return ""
    return "\n".join(
        f"{day} " + ", ".join(f"{start}-{end}" for start, end in hours[day])
        for day in WEEKDAYS
        if hours.get(day)
    )


def parse_opening_hours(text: str) -> dict[str, list[list[str]]] | None:
    """The form's opening hours: lines of ``mon-fri 08:00-16:00, 18:00-20:00``; a weekday not
    named is closed; no lines at all: always open. The service checks the times themselves."""
    hours: dict[str, list[list[str]]] = {}
    for line in filter(None, (raw.strip() for raw in text.lower().splitlines())):
        days, _sep, ranges = line.partition(" ")
        first, _dash, last = days.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise InvalidInput(
                "opening_hours",
                _("%(line)s: start with a weekday (mon … sun) or a range like mon-fri.",
                  line=line),
            )  # fmt: skip
        span = WEEKDAYS[WEEKDAYS.index(first) : WEEKDAYS.index(last or first) + 1]
        pairs = [part.strip().split("-") for part in ranges.replace(";", ",").split(",")]
        if not span or not ranges.strip() or any(len(pair) != 2 for pair in pairs):
            raise InvalidInput(
                "opening_hours", _("%(line)s: give hours like 08:00-16:00.", line=line)
            )
        for day in span:
            hours.setdefault(day, []).extend([[a.strip(), b.strip()] for a, b in pairs])
    return hours or None


def _routing_changes(form: FormData) -> dict[str, object]:
    """The routing form as the service's changes; a number field that is not one is named."""
    changes: dict[str, object] = {}
    for name in (*ROUTING_NUMBERS, *ROUTING_OPTIONAL, "head_start_s"):
        raw = str(form.get(name, "")).strip()
        if not raw and name in ROUTING_OPTIONAL:
            changes[name] = None
            continue
        try:
            changes[name] = float(raw) if name == "head_start_s" else int(raw)
        except ValueError:
            raise InvalidInput(name, _("Give a whole number.")) from None
    changes["selection"] = str(form.get("selection", "longest_idle"))
    changes["overflow_queue"] = str(form.get("overflow_queue", "")) or None
    changes["overflow_skill"] = str(form.get("overflow_skill", "")) or None
    changes["callback_when_full"] = form.get("callback_when_full") == "on"
    changes["sticky_agent"] = form.get("sticky_agent") == "on"
    changes["opening_hours"] = parse_opening_hours(str(form.get("opening_hours", "")))
    changes["closed_dates"] = sorted(
        {d for d in str(form.get("closed_dates", "")).replace(",", " ").split() if d}
    )
    return changes


def _routing_page(
    request: Request,
    principal: Principal,
    queue_code: str,
    *,
    form: FormData | None = None,
    error: DomainError | None = None,
) -> Response:
    db = request.app.state.db
    scope = Scope.of(principal)
    settings = service.queue_routing(db, scope, queue_code)
    queues = organization.list_queues(db, principal)
    skills = sorted(
        {q.skill_code for q in queues if q.skill_code}
        | {s.skill_code for a in organization.list_agents(db, principal) for s in a.skills}
    )
    overflow = next((q.code for q in queues if q.id == settings.overflow_queue_id), "")
    values: dict[str, object] = {
        **{name: getattr(settings, name) for name in (*ROUTING_NUMBERS, *ROUTING_OPTIONAL)},
        "head_start_s": settings.head_start_s,
        "selection": settings.selection,
        "overflow_queue": overflow,
        "overflow_skill": settings.overflow_skill_code or "",
        "callback_when_full": settings.callback_when_full,
        "sticky_agent": settings.sticky_agent,
        "opening_hours": format_opening_hours(settings.opening_hours),
        "closed_dates": "\n".join(settings.closed_dates),
    }
    if form is not None:  # show what was typed, with the error beside it
        values.update({k: str(v) for k, v in form.items() if k in values})
        values["callback_when_full"] = form.get("callback_when_full") == "on"
        values["sticky_agent"] = form.get("sticky_agent") == "on"
    context = {
        "queue": settings,
        "values": values,
        "queues": [q for q in queues if q.code != queue_code],
        "skills": skills,
        "error": error,
        "error_field": getattr(error, "field", None),
        "can_edit": principal.can(Permission.CONFIGURE_CENTER),
    }
    return render(
        request,
        "live/routing.html",
        context,
        status_code=error.status if error else 200,
        title=_("Routing of %(name)s", name=settings.name),
    )


@router.get(ROUTING)
def routing_page(
    queue_code: str,
    request: Request,
    principal: Principal = Depends(require(Permission.VIEW_RUN)),
) -> Response:
    return _routing_page(request, principal, queue_code)


@router.post(ROUTING)
def save_routing(
    queue_code: str,
    request: Request,
    principal: Principal = Depends(require(Permission.CONFIGURE_CENTER)),
    form: FormData = Depends(form_data),
) -> Response:
    """Save every routing setting of the queue at once; nothing is stored on an error."""
    try:
        changes = _routing_changes(form)
        service.update_queue_routing(request.app.state.db, Scope.of(principal), queue_code, changes)
    except NotFound:
        raise
    except DomainError as error:
        return _routing_page(request, principal, queue_code, form=form, error=error)
    return redirect_with_notice(
        request, ROUTING.format(queue_code=queue_code), _("Routing settings saved.")
    )


def _reason_codes_page(
    request: Request, principal: Principal, error: DomainError | None = None,
    form: FormData | None = None,
) -> Response:  # fmt: skip
    codes = service.reason_codes(request.app.state.db, Scope.of(principal))
    context = {
        "kinds": [
            ("not_ready", _("Not-ready reasons"), [c for c in codes if c.kind == "not_ready"]),
            ("wrapup", _("Wrap-up codes"), [c for c in codes if c.kind == "wrapup"]),
        ],
        "error": error,
        "error_field": getattr(error, "field", None),
        "failed": {k: str(v) for k, v in form.items()} if form is not None else {},
        "can_edit": principal.can(Permission.CONFIGURE_CENTER),
    }
    return render(
        request,
        "live/reason_codes.html",
        context,
        status_code=error.status if error else 200,
        title=_("Reason codes"),
    )


@router.get(REASON_CODES)
def reason_codes_page(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_RUN))
) -> Response:
    return _reason_codes_page(request, principal)


@router.post(REASON_CODES)
def save_reason_code(
    request: Request,
    principal: Principal = Depends(require(Permission.CONFIGURE_CENTER)),
    form: FormData = Depends(form_data),
) -> Response:
    """Add a code, or change one's label or whether agents may pick it."""
    try:
        saved = service.save_reason_code(
            request.app.state.db,
            Scope.of(principal),
            str(form.get("kind", "")),
            str(form.get("code", "")),
            str(form.get("label", "")),
            active=form.get("active") == "on",
        )
    except DomainError as error:
        return _reason_codes_page(request, principal, error, form)
    return redirect_with_notice(request, REASON_CODES, _("Code %(code)s saved.", code=saved.code))
