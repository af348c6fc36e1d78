"""The SLA scan: raises the warnings and breaches that have come due, each once, in every
tenant; run by a thread of the server every ``sla_scan_s`` seconds and by
``contactops tickets scan-sla``.

It reads only the tickets whose ``sla_check_at`` has come (an index range), and writes a
tenant's batch at once: one UPDATE statement for the tickets' marks and next check (an
executemany, one pipeline on PostgreSQL) and one INSERT for their history lines. Each row is
updated only if its version is still the one read; if an agent changed one of them meanwhile,
the batch is rolled back and those tickets are taken one at a time. The scan never changes a
ticket's version, so an agent's open page stays current.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from contactops.domains.events import service as events
from contactops.domains.organization import service as organization
from contactops.domains.tickets import clocks
from contactops.domains.tickets import service as tickets
from contactops.domains.tickets.models import SlaPolicy, Ticket, TicketActivity
from contactops.domains.tickets.views import ScanResult
from contactops.engines.events import TicketEvent, TicketEventType
from contactops.platform.audit import Actor
from contactops.platform.database import Database, utcnow

SCAN_BATCH = 500
RECHECK_AFTER = timedelta(minutes=1)
SCAN_ACTOR = Actor.system("SLA scan")

_ticket, _activity = Ticket.__table__, TicketActivity.__table__
_WRITE_MARKS = (
    update(_ticket)
    .where(_ticket.c.id == bindparam("_id"), _ticket.c.version == bindparam("_version"))
    .values(
        sla_marks=bindparam("sla_marks"),
        sla_breached=bindparam("sla_breached"),
        sla_check_at=bindparam("sla_check_at"),
        sla_due_at=bindparam("sla_due_at"),
    )
)


@dataclass
class _Change:
    ticket_id: int
    version: int
    values: dict[str, Any]
    raised: list[clocks.Raised]
    logged: list[TicketEvent]  # the event-log records of what was raised


def scan_sla(db: Database, now: datetime | None = None, batch: int = SCAN_BATCH) -> ScanResult:
    """Raise every warning and breach due at ``now`` (at most ``batch`` tickets a call)."""
    now = now if now is not None else utcnow()
    with db.session(system=True, actor=SCAN_ACTOR) as session:
        due = session.execute(
            select(Ticket.id, Ticket.tenant_id)
            .where(Ticket.sla_check_at <= now)
            .order_by(Ticket.sla_check_at)
            .limit(batch)
        ).all()
    by_tenant: dict[int, list[int]] = {}
    for ticket_id, tenant_id in due:
        by_tenant.setdefault(tenant_id, []).append(ticket_id)
    raised: list[clocks.Raised] = []
    for tenant_id, ids in by_tenant.items():
        with db.session(tenant_id=tenant_id, actor=SCAN_ACTOR) as session:
            changes = _changes(session, ids, now)
            if _write(session, tenant_id, changes, now):
                raised += [r for change in changes for r in change.raised]
                continue
            session.rollback()  # someone changed a ticket meanwhile: one at a time
            for ticket_id in ids:
                one = _changes(session, [ticket_id], now)
                if _write(session, tenant_id, one, now):
                    raised += [r for change in one for r in change.raised]
                else:
                    session.rollback()
    return ScanResult(
        tickets=len(due),
        warnings=sum(1 for r in raised if r.kind == clocks.WARNED),
        breaches=sum(1 for r in raised if r.kind == clocks.BREACHED),
    )


def _changes(session: Session, ids: Sequence[int], now: datetime) -> list[_Change]:
    """What each ticket's clocks say at ``now``, computed on the loaded rows, not flushed."""
    rows = session.scalars(select(Ticket).where(Ticket.id.in_(ids))).all()
    policies: dict[int, clocks.Clocks | None] = {}
    changes: list[_Change] = []
    queue_codes = organization.queue_codes_in(session)
    with session.no_autoflush:
        for ticket in rows:
            key = ticket.sla_policy_id or 0
            if key not in policies:
                policy = session.get(SlaPolicy, key) if key else None
                policies[key] = clocks.clocks_of(session, policy) if policy else None
            policy_clocks = policies[key]
            version = ticket.version
            raised = clocks.raise_due(ticket, policy_clocks, now) if policy_clocks else []
            clocks.apply_deadlines(ticket, policy_clocks)
            if ticket.sla_check_at is not None and ticket.sla_check_at <= now:
                # The engine's reading and its deadlines disagree by a rounding: look again
                # later rather than at once, forever.
                ticket.sla_check_at = now + RECHECK_AFTER
            values = {
                "sla_marks": dict(ticket.sla_marks),
                "sla_breached": ticket.sla_breached,
                "sla_check_at": ticket.sla_check_at,
                "sla_due_at": ticket.sla_due_at,
            }
            logged = [
                tickets.ticket_event(
                    session,
                    ticket,
                    TicketEventType.SLA_BREACHED
                    if r.kind == clocks.BREACHED
                    else TicketEventType.SLA_WARNING,
                    now,
                    queue_codes=queue_codes,
                    target=r.target,
                )
                for r in raised
            ]
            changes.append(_Change(ticket.id, version, values, raised, logged))
    for ticket in rows:
        session.expire(ticket)  # the changes are written by statement, not by the flush
    return changes


def _write(session: Session, tenant_id: int, changes: list[_Change], now: datetime) -> bool:
    """The batch's rows and history lines; False (nothing kept) if a version moved."""
    if not changes:
        return True
    rows = [{"_id": c.ticket_id, "_version": c.version, **c.values} for c in changes]
    written = session.execute(_WRITE_MARKS, rows)
    if written.rowcount != len(rows):  # type: ignore[attr-defined]
        return False
    history = [
        {
            "tenant_id": tenant_id,
            "ticket_id": c.ticket_id,
            "at": now,
            "actor_user_id": None,
            "actor_label": SCAN_ACTOR.label,
            "kind": "sla_breached" if r.kind == clocks.BREACHED else "sla_warning",
            "data": {"target": r.target, "due_at": r.due_at.isoformat()},
        }
        for c in changes
        for r in c.raised
    ]
    if history:
        session.execute(insert(_activity), history)
        events.append_ticket_events_in(session, [e for c in changes for e in c.logged])
    return True
