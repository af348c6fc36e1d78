"""Appending to and reading from the contact event log."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from contactops.domains.events.models import AgentStateRecord, ContactEventRecord
from contactops.engines.events import AgentStateEvent, ContactEvent
from contactops.platform.auth import Principal, tenant_session
from contactops.platform.database import Database
from contactops.platform.tenancy import TenantScopeMissing, scope_tenant_id

BATCH_SIZE = 5_000
T = TypeVar("T")


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _tenant(session: Session) -> int:
    tenant_id = scope_tenant_id(session)
    if tenant_id is None:
        raise TenantScopeMissing("events are appended in a tenant session")
    return tenant_id


def _append_in(
    session: Session,
    model: type[ContactEventRecord] | type[AgentStateRecord],
    rows: Iterable[dict[str, Any]],
    progress: Callable[[int], None] | None,
) -> int:
    """Bulk-insert ``rows`` into the tenant of ``session`` in batches; returns the count."""
    tenant_id, written = _tenant(session), 0
    for batch in _batches(rows, BATCH_SIZE):
        # Core executemany on the session's connection: the ORM's bulk path costs 3-4× more.
        session.connection().execute(
            insert(model.__table__), [{"tenant_id": tenant_id, **row} for row in batch]
        )
        written += len(batch)
        if progress:
            progress(len(batch))
    return written


def append_contact_events_in(
    session: Session,
    events: Iterable[ContactEvent],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Append contact events to the log of the session's tenant."""
    rows = (
        {
            "occurred_at": e.occurred_at,
            "contact_id": e.contact_id,
            "event_type": e.event_type.value,
            "channel": e.channel.value,
            "queue": e.queue,
            "agent": e.agent,
            "customer_id": e.customer_id,
            "data": dict(e.data) or None,
        }
        for e in events
    )
    return _append_in(session, ContactEventRecord, rows, progress)


def append_agent_events_in(
    session: Session,
    events: Iterable[AgentStateEvent],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Append agent-state events to the log of the session's tenant."""
    rows = (
        {
            "occurred_at": e.occurred_at,
            "agent": e.agent,
            "state": e.state.value,
            "reason": e.reason,
            "queue": e.queue,
        }
        for e in events
    )
    return _append_in(session, AgentStateRecord, rows, progress)


@dataclass(frozen=True)
class EventLogSummary:
    contact_events: int
    agent_events: int
    contacts: int
    first_at: datetime | None
    last_at: datetime | None


def summary(db: Database, principal: Principal) -> EventLogSummary:
    """How much history the tenant's event log holds, and over which period."""
    with tenant_session(db, principal) as session:
        count, contacts, first_at, last_at = session.execute(
            select(
                func.count(),
                func.count(func.distinct(ContactEventRecord.contact_id)),
                func.min(ContactEventRecord.occurred_at),
                func.max(ContactEventRecord.occurred_at),
            ).select_from(ContactEventRecord)
        ).one()
        agent_events = session.scalar(select(func.count()).select_from(AgentStateRecord)) or 0
    return EventLogSummary(count, agent_events, contacts, first_at, last_at)
