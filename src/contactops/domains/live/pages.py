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

from contactops.domains.live import service
from contactops.domains.live.views import DEFAULT_NOT_READY, default_label
from contactops.platform.auth import Permission, Principal, Scope, require
from contactops.platform.errors import NotFound
from contactops.platform.i18n import gettext as _
from contactops.platform.i18n import lazy_gettext as _l
from contactops.platform.web import NavItem, page_router, register_nav, register_templates, render

register_templates(Path(__file__).parent / "templates")
register_nav(NavItem("run", _l("Agent desktop"), "/run/desktop", Permission.HANDLE_CONTACTS, 5))
register_nav(NavItem("run", _l("Wallboard"), "/run/wallboard", Permission.SUPERVISE_LIVE, 6))
router = page_router()

DESKTOP = "/run/desktop"
WALLBOARD = "/run/wallboard"
CHAT_DEMO = "/chat/{tenant_slug}"
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
