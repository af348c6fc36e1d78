"""A tenant's ticket settings: workflow, business-hours calendars, SLA policies and how each
queue's tickets are handled. Every change is audited (the models are ``__audited__``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactops.domains.organization import service as organization
from contactops.domains.tickets import workflow as workflows
from contactops.domains.tickets.clocks import calendar_of
from contactops.domains.tickets.models import (
    HANDLING_MODELS,
    PRIORITIES,
    TIERED,
    TIERS,
    BusinessCalendar,
    SlaPolicy,
    Ticket,
    TicketQueueHandling,
    TicketWorkflow,
)
from contactops.engines import sla
from contactops.platform.auth import Principal, tenant_session
from contactops.platform.database import Database
from contactops.platform.errors import InvalidInput, NotFound
from contactops.platform.i18n import gettext as _
from contactops.platform.i18n import valid_time_zone

NAME_MAX = 200
TARGET_MAX_S = 366 * 24 * 3600


# --- workflow --------------------------------------------------------------------------------


WORKFLOW_CACHE = "tickets.workflow"


def workflow_in(session: Session) -> workflows.Workflow:
    """The tenant's workflow, read once a transaction (a change reads it several times)."""
    cached: workflows.Workflow | None = session.info.get(WORKFLOW_CACHE)
    if cached is not None:
        return cached
    row = session.scalar(select(TicketWorkflow))
    flow = (
        workflows.STANDARD
        if row is None
        else workflows.from_stored(row.statuses, row.transitions, row.types, row.outcomes)
    )
    session.info[WORKFLOW_CACHE] = flow
    return flow


def set_workflow_in(session: Session, stored: Mapping[str, Any]) -> workflows.Workflow:
    """Replace the tenant's workflow, checked whole first (nothing is stored if a part is wrong).
    Statuses that tickets still carry cannot be removed."""
    parsed = workflows.from_stored(
        stored.get("statuses") or [],
        stored.get("transitions") or {},
        stored.get("types") or [],
        stored.get("outcomes") or [],
    )
    kept = {s.code for s in parsed.statuses}
    in_use = session.scalars(select(Ticket.status).distinct()).all()
    for status in in_use:
        if status not in kept:
            raise InvalidInput(
                "statuses",
                _("Tickets are still in the status %(code)s: keep it.", code=status),
            )
    row = session.scalar(select(TicketWorkflow))
    values = workflows.to_stored(parsed)
    session.info[WORKFLOW_CACHE] = parsed
    if row is None:
        session.add(TicketWorkflow(**values))
    else:
        for key, value in values.items():
            setattr(row, key, value)
    return parsed


# --- calendars --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarView:
    id: int
    code: str
    name: str
    time_zone: str
    weekly_hours: str
    holidays: list[date]


def _calendar_view(row: BusinessCalendar) -> CalendarView:
    return CalendarView(
        row.id,
        row.code,
        row.name,
        row.time_zone,
        row.weekly_hours,
        [date.fromisoformat(d) for d in row.holidays],
    )


def list_calendars_in(session: Session) -> list[CalendarView]:
    rows = session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.code))
    return [_calendar_view(row) for row in rows]


def save_calendar_in(
    session: Session,
    code: str,
    name: str,
    time_zone: str,
    weekly_hours: str,
    holidays: Iterable[date],
) -> CalendarView:
    """Create or change the calendar ``code``; the hours are checked by parsing them."""
    code = workflows._code("code", code)
    name = _name(name)
    if not valid_time_zone(time_zone):
        raise InvalidInput(
            "time_zone", _("%(zone)s is not a known time zone.", zone=time_zone or "''")
        )
    days = sorted(set(holidays))
    try:
        sla.BusinessCalendar.parse_weekly(time_zone, weekly_hours, days)
    except ValueError as error:
        # The engine says which line and why, in English: framed here in the reader's language.
        raise InvalidInput(
            "weekly_hours",
            _("The opening hours cannot be read: %(detail)s", detail=str(error)),
        ) from error
    row = session.scalar(select(BusinessCalendar).where(BusinessCalendar.code == code))
    if row is None:
        row = BusinessCalendar(code=code)
        session.add(row)
    row.name, row.time_zone, row.weekly_hours = name, time_zone, weekly_hours.strip()
    row.holidays = [d.isoformat() for d in days]
    session.flush()
    calendar_of(row)  # parsed once more through the cache the clocks use
    return _calendar_view(row)


# --- SLA policies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyView:
    id: int
    code: str
    name: str
    position: int
    ticket_type: str | None
    priority: str | None
    customer_tier: str | None
    calendar_code: str | None
    first_response_s: int | None
    first_response_cutoff_minute: int | None
    first_response_due_minute: int | None
    next_response_s: int | None
    resolution_s: int | None
    warn_before_s: int | None
    is_active: bool


POLICY_FIELDS = (
    "name",
    "position",
    "ticket_type",
    "priority",
    "customer_tier",
    "calendar_code",
    "first_response_s",
    "first_response_cutoff_minute",
    "first_response_due_minute",
    "next_response_s",
    "resolution_s",
    "warn_before_s",
    "is_active",
)


def _policy_view(session: Session, row: SlaPolicy) -> PolicyView:
    calendar = session.get(BusinessCalendar, row.calendar_id) if row.calendar_id else None
    return PolicyView(
        id=row.id,
        code=row.code,
        name=row.name,
        position=row.position,
        ticket_type=row.ticket_type,
        priority=row.priority,
        customer_tier=row.customer_tier,
        calendar_code=calendar.code if calendar else None,
        first_response_s=row.first_response_s,
        first_response_cutoff_minute=row.first_response_cutoff_minute,
        first_response_due_minute=row.first_response_due_minute,
        next_response_s=row.next_response_s,
        resolution_s=row.resolution_s,
        warn_before_s=row.warn_before_s,
        is_active=row.is_active,
    )


def list_policies_in(session: Session) -> list[PolicyView]:
    rows = session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.code))
    return [_policy_view(session, row) for row in rows]


def _seconds(field_name: str, value: Any) -> int | None:
    if value is None:
        return None
    seconds = int(value)
    if not 0 < seconds <= TARGET_MAX_S:
        raise InvalidInput(field_name, _("Enter a target of 1 second to %(days)d days.", days=366))
    return seconds


def _minute(field_name: str, value: Any) -> int | None:
    if value is None:
        return None
    minute = int(value)
    if not 0 <= minute <= 1440:
        raise InvalidInput(field_name, _("Enter a time of day from 00:00 to 24:00."))
    return minute


def save_policy_in(session: Session, code: str, fields: Mapping[str, Any]) -> PolicyView:
    """Create or change the policy ``code``; fields not given keep their value."""
    code = workflows._code("code", code)
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], _("This field does not exist."))
    row = session.scalar(select(SlaPolicy).where(SlaPolicy.code == code))
    if row is None:
        row = SlaPolicy(code=code, name=code, position=100, is_active=True)
        session.add(row)
    values = dict(fields)
    if "name" in values:
        row.name = _name(values["name"])
    if "position" in values:
        row.position = int(values["position"])
    if "ticket_type" in values:
        kind = values["ticket_type"] or None
        row.ticket_type = workflow_in(session).type_code(kind) if kind else None
    if "priority" in values:
        priority = values["priority"] or None
        if priority is not None and priority not in PRIORITIES:
            raise InvalidInput(
                "priority", _("Use a priority of %(known)s.", known=", ".join(PRIORITIES))
            )
        row.priority = priority
    if "customer_tier" in values:
        row.customer_tier = (values["customer_tier"] or "").strip() or None
    if "calendar_code" in values:
        row.calendar_id = _calendar_id(session, values["calendar_code"])
    for name in ("first_response_s", "next_response_s", "resolution_s", "warn_before_s"):
        if name in values:
            setattr(row, name, _seconds(name, values[name]))
    for name in ("first_response_cutoff_minute", "first_response_due_minute"):
        if name in values:
            setattr(row, name, _minute(name, values[name]))
    if "is_active" in values:
        row.is_active = bool(values["is_active"])
    cutoff, due = row.first_response_cutoff_minute, row.first_response_due_minute
    if (cutoff is None) != (due is None):
        raise InvalidInput(
            "first_response_due_minute",
            _("A cut-off rule needs both times: the cut-off and when the answer is due."),
        )
    if cutoff is not None and row.first_response_s is not None:
        raise InvalidInput(
            "first_response_s",
            _("Give the first response either a cut-off rule or a target time, not both."),
        )
    session.flush()
    return _policy_view(session, row)


def _calendar_id(session: Session, code: str | None) -> int | None:
    if not code:
        return None
    row_id = session.scalar(select(BusinessCalendar.id).where(BusinessCalendar.code == code))
    if row_id is None:
        raise InvalidInput("calendar_code", _("There is no calendar %(code)s.", code=code))
    return row_id


def _name(name: str) -> str:
    text = " ".join(str(name or "").split())
    if not 1 <= len(text) <= NAME_MAX:
        raise InvalidInput("name", _("Enter a name of 1 to %(high)d characters.", high=NAME_MAX))
    return text


# --- queue handling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Handling:
    model: str
    tier_team_ids: dict[int, int]  # tier → team that works it


def handling_in(session: Session, queue_id: int | None) -> Handling:
    """How the queue's tickets are handled; tiered escalation unless the queue says otherwise."""
    row = (
        session.scalar(select(TicketQueueHandling).where(TicketQueueHandling.queue_id == queue_id))
        if queue_id is not None
        else None
    )
    if row is None:
        return Handling(TIERED, {})
    return Handling(row.model, {int(k): int(v) for k, v in row.tier_team_ids.items()})


def set_handling_in(
    session: Session, queue_id: int, model: str, tier_team_ids: Mapping[int, int]
) -> Handling:
    if model not in HANDLING_MODELS:
        raise InvalidInput(
            "model", _("Use a handling model of %(known)s.", known=", ".join(HANDLING_MODELS))
        )
    for tier in tier_team_ids:
        if tier not in TIERS:
            raise InvalidInput("tier_team_ids", _("There is no tier %(tier)s.", tier=tier))
    row = session.scalar(
        select(TicketQueueHandling).where(TicketQueueHandling.queue_id == queue_id)
    )
    if row is None:
        row = TicketQueueHandling(queue_id=queue_id)
        session.add(row)
    row.model = model
    row.tier_team_ids = {str(k): int(v) for k, v in tier_team_ids.items()}
    session.flush()
    return handling_in(session, queue_id)


def policy_row_in(session: Session, policy_id: int) -> SlaPolicy:
    row = session.get(SlaPolicy, policy_id)
    if row is None:
        raise NotFound(_("There is no SLA policy %(id)d.", id=policy_id))
    return row


# --- entry points for the web layer -------------------------------------------------------------


def get_workflow(db: Database, principal: Principal) -> dict[str, Any]:
    with tenant_session(db, principal) as session:
        return workflows.to_stored(workflow_in(session))


def set_workflow(db: Database, principal: Principal, stored: Mapping[str, Any]) -> dict[str, Any]:
    with tenant_session(db, principal) as session:
        return workflows.to_stored(set_workflow_in(session, stored))


def list_calendars(db: Database, principal: Principal) -> list[CalendarView]:
    with tenant_session(db, principal) as session:
        return list_calendars_in(session)


def save_calendar(db: Database, principal: Principal, code: str, **fields: Any) -> CalendarView:
    with tenant_session(db, principal) as session:
        return save_calendar_in(session, code, **fields)


def list_policies(db: Database, principal: Principal) -> list[PolicyView]:
    with tenant_session(db, principal) as session:
        return list_policies_in(session)


def save_policy(
    db: Database, principal: Principal, code: str, fields: Mapping[str, Any]
) -> PolicyView:
    with tenant_session(db, principal) as session:
        return save_policy_in(session, code, fields)


def get_handling(db: Database, principal: Principal, queue_id: int) -> Handling:
    with tenant_session(db, principal) as session:
        return handling_in(session, queue_id)


def set_handling(
    db: Database, principal: Principal, queue_id: int, model: str, tier_team_ids: Mapping[int, int]
) -> Handling:
    with tenant_session(db, principal) as session:
        organization.get_queue_in(session, queue_id)
        return set_handling_in(session, queue_id, model, tier_team_ids)
