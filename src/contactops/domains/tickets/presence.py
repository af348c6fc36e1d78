"""Who else has a ticket open, and who is typing an answer: agent collision detection.

Each open ticket page sends a heartbeat every few seconds (:func:`beat`); it upserts the
caller's :class:`TicketViewer` row and answers with the other users seen within the last
``PRESENCE_TTL_S`` seconds and the ticket's current ``version``, so the page can say that the
ticket changed since it was rendered. Presence lives in the database, not in a process, so it
works the same with several web workers. It only warns: the refusal of a change made from an
out-of-date view stays with :mod:`.service` (the ``version`` check).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from contactops.domains.tickets import service
from contactops.domains.tickets.models import TicketViewer
from contactops.platform.auth import Principal, tenant_session
from contactops.platform.database import Database, utcnow
from contactops.platform.identity import User
from contactops.platform.tenancy import scope_tenant_id

PRESENCE_TTL_S = 15  # a page that has not beaten for this long is not on the ticket any more
FORGET_AFTER_S = 60  # rows older than this are deleted (a closed tab that could not say so)


@dataclass(frozen=True)
class ViewerView:
    """Another user who has the ticket open."""

    user_id: int
    name: str
    typing: bool
    seen_at: datetime


@dataclass(frozen=True)
class PresenceView:
    """The ticket's current version and the other users on it, by name."""

    version: int
    viewers: list[ViewerView]


def _upsert(session: Session, values: dict[str, Any]) -> None:
    """``INSERT ... ON CONFLICT (ticket_id, user_id) DO UPDATE``: two beats of one user racing
    both succeed, the later one's values stay. A Core statement: the session's tenant check does
    not see it, so ``values`` carries the tenant."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = TicketViewer.__table__
    statement = dialect.insert(table).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.ticket_id, table.c.user_id],
        set_={"typing": statement.excluded.typing, "seen_at": statement.excluded.seen_at},
    )
    session.connection().execute(statement)


def beat_in(
    session: Session, number: int, user_id: int, typing: bool, now: datetime | None = None
) -> PresenceView:
    """Record that ``user_id`` has ticket ``number`` open (typing or not) at ``now``; answer
    with the other users seen within ``PRESENCE_TTL_S`` and the ticket's version."""
    now = now if now is not None else utcnow()
    ticket = service._ticket(session, number)
    tenant_id = scope_tenant_id(session)
    _upsert(
        session,
        {
            "tenant_id": tenant_id if tenant_id is not None else ticket.tenant_id,
            "ticket_id": ticket.id,
            "user_id": user_id,
            "typing": typing,
            "seen_at": now,
        },
    )
    return PresenceView(ticket.version, _others(session, ticket.id, user_id, now))


def _others(session: Session, ticket_id: int, user_id: int, now: datetime) -> list[ViewerView]:
    rows = session.execute(
        select(TicketViewer.user_id, User.display_name, TicketViewer.typing, TicketViewer.seen_at)
        .join(User, User.id == TicketViewer.user_id)
        .where(
            TicketViewer.ticket_id == ticket_id,
            TicketViewer.user_id != user_id,
            TicketViewer.seen_at >= now - timedelta(seconds=PRESENCE_TTL_S),
        )
        .order_by(User.display_name, TicketViewer.user_id)
    )
    return [ViewerView(uid, name, typing, seen_at) for uid, name, typing, seen_at in rows]


def leave_in(session: Session, number: int, user_id: int) -> None:
    """``user_id`` closed the ticket's page: forget their row at once."""
    ticket = service._ticket(session, number)
    session.execute(
        delete(TicketViewer)
        .where(TicketViewer.ticket_id == ticket.id, TicketViewer.user_id == user_id)
        .execution_options(synchronize_session=False)
    )


def forget_stale_in(session: Session, now: datetime | None = None) -> None:
    """Delete the tenant's rows not refreshed for ``FORGET_AFTER_S`` (pages closed without
    saying so: a crash, a lost connection)."""
    now = now if now is not None else utcnow()
    session.execute(
        delete(TicketViewer)
        .where(TicketViewer.seen_at < now - timedelta(seconds=FORGET_AFTER_S))
        .execution_options(synchronize_session=False)
    )


# --- entry points for the web layer -------------------------------------------------------------


def beat(
    db: Database, principal: Principal, number: int, typing: bool, now: datetime | None = None
) -> PresenceView:
    """The heartbeat of an open ticket page. The stale rows are deleted in a transaction of
    their own, after it: a beat then holds the lock of one row only, its own, so beats of
    several users of one ticket cannot deadlock on PostgreSQL."""
    with tenant_session(db, principal) as session:
        view = beat_in(session, number, principal.user_id, typing, now)
    with tenant_session(db, principal) as session:
        forget_stale_in(session, now)
    return view


def leave(db: Database, principal: Principal, number: int) -> None:
    with tenant_session(db, principal) as session:
        leave_in(session, number, principal.user_id)
