"""A ticket's SLA clocks: which policy applies, the deadlines of its three targets, and what
the scan must raise next.

The clocks themselves are the SLA engine's (:mod:`contactops.engines.sla`): business time in
the policy's calendar, paused while the ticket waits for the customer. This module only
turns the stored rows into the engine's terms and the engine's answers back into columns.

- first response: from the ticket's creation until the first reply to the customer;
- next response: from the customer's oldest unanswered message until the next reply
  (after the first response);
- resolution: from creation until the ticket is solved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactops.domains.tickets.models import BusinessCalendar, SlaPolicy, Ticket
from contactops.engines import sla
from contactops.platform.tenancy import Tenant

FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION = "first_response", "next_response", "resolution"
TARGET_KINDS = (FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION)
WARNED, BREACHED = "warned", "breached"


@dataclass(frozen=True)
class Clocks:
    """A policy in the engine's terms: its calendar and its targets by kind."""

    policy_id: int
    calendar: sla.BusinessCalendar
    targets: dict[str, sla.SlaTarget]


@lru_cache(maxsize=256)
def _calendar(time_zone: str, weekly_hours: str, holidays: tuple[str, ...]) -> sla.BusinessCalendar:
    return sla.BusinessCalendar.parse_weekly(
        time_zone, weekly_hours, [date.fromisoformat(day) for day in holidays]
    )


def calendar_of(row: BusinessCalendar) -> sla.BusinessCalendar:
    return _calendar(row.time_zone, row.weekly_hours, tuple(row.holidays))


def targets_of(policy: SlaPolicy) -> dict[str, sla.SlaTarget]:
    warn = float(policy.warn_before_s) if policy.warn_before_s else None
    targets: dict[str, sla.SlaTarget] = {}
    if policy.first_response_cutoff_minute is not None and policy.first_response_due_minute:
        rule = sla.CutoffRule(policy.first_response_cutoff_minute, policy.first_response_due_minute)
        targets[FIRST_RESPONSE] = sla.SlaTarget(FIRST_RESPONSE, cutoff=rule, warn_before_s=warn)
    elif policy.first_response_s:
        targets[FIRST_RESPONSE] = sla.SlaTarget(
            FIRST_RESPONSE, business_seconds=float(policy.first_response_s), warn_before_s=warn
        )
    if policy.next_response_s:
        targets[NEXT_RESPONSE] = sla.SlaTarget(
            NEXT_RESPONSE, business_seconds=float(policy.next_response_s), warn_before_s=warn
        )
    if policy.resolution_s:
        targets[RESOLUTION] = sla.SlaTarget(
            RESOLUTION, business_seconds=float(policy.resolution_s), warn_before_s=warn
        )
    return targets


def clocks_of(session: Session, policy: SlaPolicy) -> Clocks:
    if policy.calendar_id is not None:
        row = session.get(BusinessCalendar, policy.calendar_id)
        assert row is not None  # the foreign key restricts deletes
        calendar = calendar_of(row)
    else:
        tenant = session.get(Tenant, policy.tenant_id)
        calendar = sla.BusinessCalendar.always_open(tenant.time_zone if tenant else "UTC")
    return Clocks(policy.id, calendar, targets_of(policy))


def matching_policy(
    session: Session, ticket_type: str, priority: str, customer_tier: str | None
) -> SlaPolicy | None:
    """The active policy with the lowest position whose every match field is empty or equal."""
    policies = session.scalars(
        select(SlaPolicy)
        .where(SlaPolicy.is_active.is_(True))
        .order_by(SlaPolicy.position, SlaPolicy.id)
    )
    for policy in policies:
        if policy.ticket_type not in (None, ticket_type):
            continue
        if policy.priority not in (None, priority):
            continue
        if policy.customer_tier not in (None, customer_tier):
            continue
        return policy
    return None


# --- pauses --------------------------------------------------------------------------------


def pauses_of(ticket: Ticket) -> list[sla.Pause]:
    return [
        sla.Pause(
            datetime.fromisoformat(str(start)),
            datetime.fromisoformat(end) if end else None,
        )
        for start, end in ticket.sla_pauses
    ]


def pause(ticket: Ticket, now: datetime) -> None:
    """Stop the clocks (the ticket now waits for the customer); a running pause stays."""
    if ticket.sla_pauses and ticket.sla_pauses[-1][1] is None:
        return
    ticket.sla_pauses = [*ticket.sla_pauses, [now.isoformat(), None]]


def resume(ticket: Ticket, now: datetime) -> None:
    if ticket.sla_pauses and ticket.sla_pauses[-1][1] is None:
        start = ticket.sla_pauses[-1][0]
        ticket.sla_pauses = [*ticket.sla_pauses[:-1], [start, now.isoformat()]]


def is_paused(ticket: Ticket) -> bool:
    return bool(ticket.sla_pauses) and ticket.sla_pauses[-1][1] is None


# --- deadlines ------------------------------------------------------------------------------


def start_of(ticket: Ticket, kind: str) -> datetime | None:
    """When the clock of ``kind`` started, if it runs for this ticket at all."""
    if kind == NEXT_RESPONSE:
        if ticket.first_response_at is None:
            return None  # the first response clock covers the wait
        return ticket.awaiting_reply_since
    return ticket.created_at


def stopped_at(ticket: Ticket, kind: str) -> datetime | None:
    if kind == FIRST_RESPONSE:
        return ticket.first_response_at
    if kind == RESOLUTION:
        return ticket.resolved_at
    return None  # a next-response clock is cleared when the reply is sent


def apply_deadlines(ticket: Ticket, clocks: Clocks | None) -> None:
    """Set the ticket's deadline columns, its urgency (``sla_due_at``: the earliest deadline
    still running) and the next instant the scan must look at it (``sla_check_at``)."""
    pauses = pauses_of(ticket)
    dues: dict[str, datetime | None] = dict.fromkeys(TARGET_KINDS)
    running: list[datetime] = []
    checks: list[datetime] = []
    for kind in TARGET_KINDS:
        target = clocks.targets.get(kind) if clocks else None
        start = start_of(ticket, kind)
        if target is None or start is None or clocks is None:
            continue
        due = sla.due_at(clocks.calendar, target, start, pauses)
        dues[kind] = due
        if stopped_at(ticket, kind) is not None or due is None:
            continue
        running.append(due)
        mark = ticket.sla_marks.get(kind)
        if mark != BREACHED:
            checks.append(due)
        if mark is None:
            warning = sla.warn_at(clocks.calendar, target, start, pauses)
            if warning is not None:
                checks.append(warning)
    ticket.first_response_due_at = dues[FIRST_RESPONSE]
    ticket.next_response_due_at = dues[NEXT_RESPONSE]
    ticket.resolution_due_at = dues[RESOLUTION]
    ticket.sla_due_at = min(running, default=None)
    ticket.sla_check_at = min(checks, default=None)


@dataclass(frozen=True)
class Raised:
    """A warning or a breach the scan raised for one target of a ticket."""

    kind: str  # warned / breached
    target: str
    due_at: datetime


def raise_due(ticket: Ticket, clocks: Clocks, now: datetime) -> list[Raised]:
    """Marks the warnings and breaches that are due at ``now``; each is raised once."""
    raised: list[Raised] = []
    pauses = pauses_of(ticket)
    for kind, target in clocks.targets.items():
        start = start_of(ticket, kind)
        if start is None or stopped_at(ticket, kind) is not None:
            continue
        reading = sla.read_clock(clocks.calendar, target, start, now, pauses)
        mark = ticket.sla_marks.get(kind)
        if reading.state == "breached" and mark != BREACHED and reading.due_at is not None:
            raised.append(Raised(BREACHED, kind, reading.due_at))
        elif reading.state == "warning" and mark is None and reading.due_at is not None:
            raised.append(Raised(WARNED, kind, reading.due_at))
    if raised:
        ticket.sla_marks = {**ticket.sla_marks, **{r.target: r.kind for r in raised}}
        ticket.sla_breached = ticket.sla_breached or any(r.kind == BREACHED for r in raised)
    return raised


def stop_late(ticket: Ticket, kinds: Sequence[str], now: datetime) -> list[str]:
    """Targets of ``kinds`` met after their deadline; marked breached if not yet."""
    late: list[str] = []
    dues = {
        FIRST_RESPONSE: ticket.first_response_due_at,
        NEXT_RESPONSE: ticket.next_response_due_at,
        RESOLUTION: ticket.resolution_due_at,
    }
    for kind in kinds:
        due = dues[kind]
        if due is not None and now > due and ticket.sla_marks.get(kind) != BREACHED:
            late.append(kind)
    if late:
        ticket.sla_marks = {**ticket.sla_marks, **dict.fromkeys(late, BREACHED)}
        ticket.sla_breached = True
    return late
