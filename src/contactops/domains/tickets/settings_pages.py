"""Page: a tenant's ticket settings (Run) — business-hours calendars, SLA policies, mailboxes
and each queue's handling model.

Everyone who sees the run section reads them; only those who configure the center get the
forms. Each form saves one thing through the same service as the API; an error is shown at its
field with what was typed kept, and nothing is stored. Targets are typed in hours (or minutes)
and handed to the service in seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from contactops.domains.organization import service as organization
from contactops.domains.tickets import configuration, mail, service
from contactops.domains.tickets.models import HANDLING_MODELS, PRIORITIES
from contactops.platform.auth import CSRF_FIELD, Permission, Principal, require
from contactops.platform.errors import DomainError, InvalidInput, NotFound
from contactops.platform.i18n import format_number
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

SETTINGS = "/run/ticket-settings"

register_templates(Path(__file__).parent / "templates")
register_nav(NavItem("run", _l("Ticket settings"), SETTINGS, Permission.VIEW_RUN, 46))
router = page_router()

POSITION_MAX = 100_000  # as the API allows
HOLIDAYS_MAX = 1000
WEEKLY_HOURS_MAX = 4000
HOUR_S, MINUTE_S = 3600, 60
CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")

CALENDAR_FIELDS = ("code", "name", "time_zone", "weekly_hours", "holidays")
# The policy form types hours, minutes and HH:MM; the service names its fields in seconds and
# minutes of the day. An error the service names is shown at the form field it came from.
POLICY_FORM_FIELD = {
    "first_response_s": "first_response_hours",
    "first_response_cutoff_minute": "first_response_cutoff",
    "first_response_due_minute": "first_response_due",
    "next_response_s": "next_response_hours",
    "resolution_s": "resolution_hours",
    "warn_before_s": "warn_before_minutes",
}
POLICY_FIELDS = (
    "code", "name", "position", "ticket_type", "priority", "customer_tier", "calendar_code",
    *POLICY_FORM_FIELD.values(), "is_active",
)  # fmt: skip
# Text fields of the mailbox form with the longest value each column holds.
MAILBOX_TEXTS = {
    "display_name": 200, "imap_host": 255, "imap_security": 16, "imap_username": 320,
    "imap_password_env": 100, "imap_folder": 200, "processed_folder": 200, "smtp_host": 255,
    "smtp_security": 16, "smtp_username": 320, "smtp_password_env": 100, "ticket_type": 64,
}  # fmt: skip
MAILBOX_OPTIONAL = ("processed_folder", "smtp_username", "smtp_password_env")  # empty: none
MAILBOX_FIELDS = ("address", *MAILBOX_TEXTS, "imap_port", "smtp_port", "auto_acknowledge",
                  "is_active")  # fmt: skip
MAILBOX_DEFAULTS = {
    "imap_port": "993", "imap_security": "ssl", "imap_folder": "INBOX", "smtp_port": "587",
    "smtp_security": "starttls", "ticket_type": "email", "auto_acknowledge": "on",
    "is_active": "on",
}  # fmt: skip


# --- targets as people read them ---------------------------------------------------------------


def clock_text(minute: int) -> str:
    """A minute of the day as ``HH:MM`` (1440 is ``24:00``)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def duration_text(seconds: int | None) -> str:
    """A target as people read it: ``3 h``, ``30 min``, ``1 h 30 min``; none: ``—``."""
    if seconds is None:
        return "—"
    hours, rest = divmod(seconds, HOUR_S)
    minutes, rest_s = divmod(rest, MINUTE_S)
    parts = []
    if hours:
        parts.append(_("%(hours)s h", hours=format_number(hours)))
    if minutes:
        parts.append(_("%(minutes)s min", minutes=format_number(minutes)))
    if rest_s or not parts:
        parts.append(_("%(seconds)s s", seconds=format_number(rest_s)))
    return " ".join(parts)


def first_response_text(policy: configuration.PolicyView) -> str:
    """The first-response target: a cut-off rule or a business time."""
    cutoff, due = policy.first_response_cutoff_minute, policy.first_response_due_minute
    if cutoff is not None and due is not None:
        return _("before %(cutoff)s → by %(due)s", cutoff=clock_text(cutoff), due=clock_text(due))
    return duration_text(policy.first_response_s)


def _amount_text(seconds: int | None, unit_s: int) -> str:
    """Seconds as the hours or minutes the form shows (six decimals give the seconds back)."""
    if seconds is None:
        return ""
    return f"{seconds / unit_s:.6f}".rstrip("0").rstrip(".")


# --- reading the forms --------------------------------------------------------------------------


def _text(form: FormData, name: str, max_length: int) -> str:
    text = str(form.get(name, "")).strip()
    if len(text) > max_length:
        raise InvalidInput(name, _("Enter at most %(high)d characters.", high=max_length))
    return text


def _whole(form: FormData, name: str) -> int:
    try:
        return int(_text(form, name, 20))
    except ValueError:
        raise InvalidInput(name, _("Enter a whole number.")) from None


def _duration_s(form: FormData, name: str, unit_s: int) -> int | None:
    """Hours or minutes, decimals allowed (``0.5`` or ``0,5``), as whole seconds; empty: none.
    Whether the target is in range is the service's rule."""
    text = _text(form, name, 20).replace(",", ".")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount.adjusted() > 9:
        raise InvalidInput(name, _("Enter a number, such as 3 or 0.5."))
    return int((amount * unit_s).to_integral_value(ROUND_HALF_UP))


def _minute_of_day(form: FormData, name: str) -> int | None:
    """``HH:MM`` as the minute of the day (``24:00`` is 1440); empty: none."""
    text = _text(form, name, 5)
    if not text:
        return None
    match = CLOCK.match(text)
    minute = int(match[1]) * 60 + int(match[2]) if match else -1
    if match is None or int(match[2]) > 59 or not 0 <= minute <= 1440:
        raise InvalidInput(name, _("Enter a time of day as HH:MM, such as 16:00."))
    return minute


def parse_holidays(text: str) -> list[date]:
    """Dates ``YYYY-MM-DD``, one a line or separated by commas; a wrong one is named."""
    days: set[date] = set()
    for token in text.replace(",", " ").split():
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", token):
                raise ValueError(token)
            days.add(date.fromisoformat(token))
        except ValueError:
            raise InvalidInput(
                "holidays", _("%(value)s is not a date: write dates as YYYY-MM-DD.", value=token)
            ) from None
    if len(days) > HOLIDAYS_MAX:
        raise InvalidInput("holidays", _("Give at most %(high)d holidays.", high=HOLIDAYS_MAX))
    return sorted(days)


def _calendar_fields(form: FormData) -> dict[str, Any]:
    return {
        "name": str(form.get("name", "")),
        "time_zone": _text(form, "time_zone", 64),
        "weekly_hours": _text(form, "weekly_hours", WEEKLY_HOURS_MAX),
        "holidays": parse_holidays(str(form.get("holidays", ""))),
    }


def _policy_fields(form: FormData) -> dict[str, Any]:
    """Every field of the policy form, as :data:`configuration.POLICY_FIELDS`."""
    position = _whole(form, "position")
    if not 0 <= position <= POSITION_MAX:
        raise InvalidInput(
            "position",
            _("Enter a whole number from %(low)d to %(high)d.", low=0, high=POSITION_MAX),
        )
    return {
        "name": str(form.get("name", "")),
        "position": position,
        "ticket_type": _text(form, "ticket_type", 64) or None,
        "priority": _text(form, "priority", 16) or None,
        "customer_tier": _text(form, "customer_tier", 32) or None,
        "calendar_code": _text(form, "calendar_code", 64) or None,
        "first_response_s": _duration_s(form, "first_response_hours", HOUR_S),
        "first_response_cutoff_minute": _minute_of_day(form, "first_response_cutoff"),
        "first_response_due_minute": _minute_of_day(form, "first_response_due"),
        "next_response_s": _duration_s(form, "next_response_hours", HOUR_S),
        "resolution_s": _duration_s(form, "resolution_hours", HOUR_S),
        "warn_before_s": _duration_s(form, "warn_before_minutes", MINUTE_S),
        "is_active": form.get("is_active") == "on",
    }


def _mailbox_fields(form: FormData) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, max_length in MAILBOX_TEXTS.items():
        text = _text(form, name, max_length)
        fields[name] = (text or None) if name in MAILBOX_OPTIONAL else text
    fields["imap_port"] = _whole(form, "imap_port")
    fields["smtp_port"] = _whole(form, "smtp_port")
    fields["auto_acknowledge"] = form.get("auto_acknowledge") == "on"
    fields["is_active"] = form.get("is_active") == "on"
    return fields


# --- what the forms show --------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """A refused form: which one, what was typed, and the message at its field (``form`` when
    the form has no such field)."""

    section: str  # calendar, policy, mailbox or handling
    values: dict[str, str]
    field: str
    message: str
    queue_id: int | None = None

    def at(self, section: str, field: str, queue_id: int | None = None) -> bool:
        return (self.section, self.field, self.queue_id) == (section, field, queue_id)


def _failure(
    section: str,
    form: FormData,
    error: DomainError,
    known: tuple[str, ...],
    renamed: dict[str, str] | None = None,
    queue_id: int | None = None,
) -> Failure:
    name = getattr(error, "field", None) or "form"
    name = (renamed or {}).get(name, name)
    values = {k: str(v) for k, v in form.items() if k != CSRF_FIELD}
    return Failure(section, values, name if name in known else "form", error.detail, queue_id)


def _calendar_values(view: configuration.CalendarView) -> dict[str, str]:
    return {
        "code": view.code,
        "name": view.name,
        "time_zone": view.time_zone,
        "weekly_hours": view.weekly_hours,
        "holidays": "\n".join(d.isoformat() for d in view.holidays),
    }


def _policy_values(view: configuration.PolicyView) -> dict[str, str]:
    def clock(minute: int | None) -> str:
        return "" if minute is None else clock_text(minute)

    return {
        "code": view.code,
        "name": view.name,
        "position": str(view.position),
        "ticket_type": view.ticket_type or "",
        "priority": view.priority or "",
        "customer_tier": view.customer_tier or "",
        "calendar_code": view.calendar_code or "",
        "first_response_hours": _amount_text(view.first_response_s, HOUR_S),
        "first_response_cutoff": clock(view.first_response_cutoff_minute),
        "first_response_due": clock(view.first_response_due_minute),
        "next_response_hours": _amount_text(view.next_response_s, HOUR_S),
        "resolution_hours": _amount_text(view.resolution_s, HOUR_S),
        "warn_before_minutes": _amount_text(view.warn_before_s, MINUTE_S),
        "is_active": "on" if view.is_active else "",
    }


def _mailbox_values(view: mail.MailboxView) -> dict[str, str]:
    values = {name: getattr(view, name) for name in MAILBOX_FIELDS}
    for name in ("auto_acknowledge", "is_active"):
        values[name] = "on" if values[name] else ""
    return {name: "" if value is None else str(value) for name, value in values.items()}


def _settings_page(
    request: Request,
    principal: Principal,
    *,
    failure: Failure | None = None,
    error: DomainError | None = None,
    calendar: str | None = None,
    policy: str | None = None,
    mailbox: str | None = None,
) -> Response:
    """The page; ``calendar``, ``policy`` and ``mailbox`` name the one whose values fill its
    form (to change it), a ``failure`` fills its form with what was typed."""
    db = request.app.state.db
    calendars = configuration.list_calendars(db, principal)
    policies = configuration.list_policies(db, principal)
    mailboxes = mail.list_mailboxes(db, principal)
    queues = organization.list_queues(db, principal)
    handling = {q.id: configuration.get_handling(db, principal, q.id).model for q in queues}
    forms: dict[str, dict[str, str]] = {  # the values each form starts with
        "calendar": {"time_zone": principal.time_zone},
        "policy": {"position": "100", "is_active": "on"},
        "mailbox": dict(MAILBOX_DEFAULTS),
    }
    forms["calendar"].update(
        next((_calendar_values(c) for c in calendars if c.code == calendar), {})
    )
    forms["policy"].update(next((_policy_values(p) for p in policies if p.code == policy), {}))
    forms["mailbox"].update(
        next((_mailbox_values(m) for m in mailboxes if m.address == mailbox), {})
    )
    if failure is not None and failure.section in forms:
        forms[failure.section] = failure.values
    context = {
        "calendars": calendars,
        "policies": policies,
        "mailboxes": mailboxes,
        "queues": queues,
        "handling": handling,
        "handling_models": HANDLING_MODELS,
        "type_names": {t.code: t.label for t in service.ticket_types(db, principal)},
        "calendar_names": {c.code: c.name for c in calendars},
        "priorities": PRIORITIES,
        "securities": mail.SECURITIES,
        "forms": forms,
        "failure": failure,
        "duration_text": duration_text,
        "first_response_text": first_response_text,
        "can_edit": principal.can(Permission.CONFIGURE_CENTER),
    }
    return render(
        request,
        "tickets/settings.html",
        context,
        title=_("Ticket settings"),
        status_code=error.status if error else 200,
    )


# --- routes -----------------------------------------------------------------------------------


@router.get(SETTINGS)
def settings_page(
    request: Request,
    calendar: str | None = Query(None, max_length=64),
    policy: str | None = Query(None, max_length=64),
    mailbox: str | None = Query(None, max_length=320),
    principal: Principal = Depends(require(Permission.VIEW_RUN)),
) -> Response:
    return _settings_page(request, principal, calendar=calendar, policy=policy, mailbox=mailbox)


@router.post(SETTINGS + "/calendars")
def save_calendar(
    request: Request,
    principal: Principal = Depends(require(Permission.CONFIGURE_CENTER)),
    form: FormData = Depends(form_data),
) -> Response:
    """Add a business-hours calendar or change one (by its code)."""
    code = str(form.get("code", "")).strip()
    try:
        configuration.save_calendar(request.app.state.db, principal, code, **_calendar_fields(form))
    except NotFound:
        raise
    except DomainError as error:
        failure = _failure("calendar", form, error, CALENDAR_FIELDS)
        return _settings_page(request, principal, failure=failure, error=error)
    return redirect_with_notice(
        request, SETTINGS + "#calendars", _("Calendar %(code)s saved.", code=code)
    )


@router.post(SETTINGS + "/sla-policies")
def save_policy(
    request: Request,
    principal: Principal = Depends(require(Permission.CONFIGURE_CENTER)),
    form: FormData = Depends(form_data),
) -> Response:
    """Add an SLA policy or change one (by its code); every field of the form is saved."""
    code = str(form.get("code", "")).strip()
    try:
        configuration.save_policy(request.app.state.db, principal, code, _policy_fields(form))
    except NotFound:
        raise
    except DomainError as error:
        failure = _failure("policy", form, error, POLICY_FIELDS, POLICY_FORM_FIELD)
        return _settings_page(request, principal, failure=failure, error=error)
    return redirect_with_notice(
        request, SETTINGS + "#sla-policies", _("SLA policy %(code)s saved.", code=code)
    )


@router.post(SETTINGS + "/mailboxes")
def save_mailbox(
    request: Request,
    principal: Principal = Depends(require(Permission.CONFIGURE_CENTER)),
    form: FormData = Depends(form_data),
) -> Response:
    """Add a mailbox or change one (by its address)."""
    try:
        saved = mail.save_mailbox(
            request.app.state.db, principal, _text(form, "address", 320), _mailbox_fields(form)
        )
    except NotFound:
        raise
    except DomainError as error:
        failure = _failure("mailbox", form, error, MAILBOX_FIELDS)
        return _settings_page(request, principal, failure=failure, error=error)
    return redirect_with_notice(
        request, SETTINGS + "#mailboxes", _("Mailbox %(address)s saved.", address=saved.address)
    )


@router.post(SETTINGS + "/queues/{queue_id}/handling")
def save_handling(
    queue_id: int,
    request: Request,
    principal: Principal = Depends(require(Permission.CONFIGURE_CENTER)),
    form: FormData = Depends(form_data),
) -> Response:
    """Choose how the queue's tickets are handled; the teams of its tiers are kept."""
    db = request.app.state.db
    try:
        kept = configuration.get_handling(db, principal, queue_id).tier_team_ids
        configuration.set_handling(
            db, principal, queue_id, str(form.get("model", "")).strip(), kept
        )
    except NotFound:
        raise
    except DomainError as error:
        failure = _failure("handling", form, error, ("model",), queue_id=queue_id)
        return _settings_page(request, principal, failure=failure, error=error)
    queue = organization.get_queue(db, principal, queue_id)
    return redirect_with_notice(
        request,
        SETTINGS + "#queue-handling",
        _("Handling of %(queue)s saved.", queue=queue.name),
    )
