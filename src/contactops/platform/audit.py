"""The audit log: who changed what, when, with the values before and after.

Models that set ``__audited__ = True`` are recorded automatically: after each flush, one
:class:`AuditEntry` per inserted, updated or deleted row is added to the same session, so it
commits or rolls back with the change it describes. Fields named in ``__audit_redacted__`` are
recorded as changed but never with their value; fields in ``__audit_ignored__`` (bookkeeping
such as ``last_used_at``) are not recorded. Entries cannot be updated or deleted: the ORM
refuses, and database triggers refuse too (see the migrations).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from contactops.platform.database import Base, utcnow
from contactops.platform.tenancy import Tenant, TenantOwnedOrPlatform

REDACTED = "[redacted]"


class AuditLogIsAppendOnly(RuntimeError):
    """An audit entry was about to be changed or deleted."""


@dataclass(frozen=True)
class Actor:
    """Who makes the changes of a session: a user, or a named system process."""

    user_id: int | None
    label: str
    ip_address: str | None = None

    @classmethod
    def system(cls, label: str) -> Actor:
        return cls(user_id=None, label=label)


class AuditEntry(TenantOwnedOrPlatform, Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_tenant_at", "tenant_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # No ON DELETE action: users with a history are deactivated, never deleted.
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    actor_label: Mapped[str] = mapped_column(String(320))
    ip_address: Mapped[str | None] = mapped_column(String(64), default=None)
    action: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)


def _column_keys(obj: Any) -> list[str]:
    return [attr.key for attr in inspect(type(obj)).column_attrs]


def _snapshot(obj: Any) -> dict[str, Any]:
    redacted = getattr(obj, "__audit_redacted__", frozenset())
    return {
        key: REDACTED if key in redacted else _json_value(getattr(obj, key))
        for key in _column_keys(obj)
    }


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    redacted = getattr(obj, "__audit_redacted__", frozenset())
    ignored = getattr(obj, "__audit_ignored__", frozenset())
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in _column_keys(obj):
        if key in ignored:
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[key] = REDACTED if key in redacted else _json_value(old)
        after[key] = REDACTED if key in redacted else _json_value(new)
    return before, after


def _entity_tenant(session: Session, obj: Any) -> int | None:
    if isinstance(obj, Tenant):
        return obj.id
    if hasattr(obj, "tenant_id"):
        return obj.tenant_id
    return session.info.get("tenant_id")


def _entry(session: Session, obj: Any, action: str, before: Any, after: Any) -> AuditEntry:
    actor: Actor = session.info.get("actor") or Actor.system("system")
    identity = inspect(type(obj)).primary_key_from_instance(obj)
    return AuditEntry(
        tenant_id=_entity_tenant(session, obj),
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        ip_address=actor.ip_address,
        action=action,
        entity_type=type(obj).__tablename__,
        entity_id="/".join(str(part) for part in identity),
        before=before,
        after=after,
    )


def record_created(session: Session, obj: Any) -> None:
    """The audit entry of a row written outside the flush (see :mod:`.writes`), if audited."""
    if getattr(obj, "__audited__", False):
        session.add(_entry(session, obj, "created", None, _snapshot(obj)))


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit entries are never changed or deleted")


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, _context: Any) -> None:
    entries: list[AuditEntry] = []
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            entries.append(_entry(session, obj, "created", None, _snapshot(obj)))
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj):
            before, after = _changes(obj)
            if after:
                entries.append(_entry(session, obj, "updated", before, after))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            entries.append(_entry(session, obj, "deleted", _snapshot(obj), None))
    session.add_all(entries)
