"""Tenants and tenant isolation by construction.

Every session carries a scope in ``session.info``:

- ``tenant_id=N`` — every ORM query on a tenant-scoped model gets ``WHERE tenant_id = N``
  added by the session itself, and every write is checked to stay inside tenant N;
- ``system=True`` — platform work that spans tenants (login, CLI, migrations of data);
- neither — any ORM query or write touching a tenant-scoped model raises
  :class:`TenantScopeMissing`, so a forgotten scope fails loudly instead of leaking data.

Pattern: SQLAlchemy's "global WHERE criteria" recipe (``do_orm_execute`` +
``with_loader_criteria``), so the rule holds for selects, ORM updates, deletes and lazy loads.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)

from contactops.platform.database import Base, utcnow

DEFAULT_TIME_ZONE = "UTC"


class TenantScopeMissing(RuntimeError):
    """A session touched tenant-scoped data without saying which tenant it works for."""


class CrossTenantWrite(RuntimeError):
    """A session tried to write a row that belongs to another tenant."""


class Tenant(Base):
    """A client company served by this installation; owns all of its data."""

    __tablename__ = "tenant"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TenantScoped:
    """Mixin of models whose rows belong to a tenant; the session filters them by scope."""

    __tenant_optional__ = False

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(
            ForeignKey("tenant.id", ondelete="CASCADE"),
            index=True,
            nullable=cls.__tenant_optional__,
        )


class TenantOwned(TenantScoped):
    """Mixin: a row owned by exactly one tenant."""


class TenantOwnedOrPlatform(TenantScoped):
    """Mixin: a row owned by a tenant, or by the platform itself (``tenant_id`` NULL).

    Platform rows are invisible to every tenant session and visible to system sessions only.
    """

    __tenant_optional__ = True


def scope_tenant_id(session: Session) -> int | None:
    """The tenant a session works for; ``None`` for system sessions; raises when unscoped."""
    if "tenant_id" in session.info:
        return int(session.info["tenant_id"])
    if session.info.get("system"):
        return None
    raise TenantScopeMissing("this session has no scope: open it with tenant_id=... or system=True")


def _touches_tenant_data(state: ORMExecuteState) -> bool:
    return any(issubclass(mapper.class_, TenantScoped) for mapper in state.all_mappers)


@event.listens_for(Session, "do_orm_execute")
def _apply_tenant_criteria(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria propagate from the statement that loaded the parent
    if not (state.is_select or state.is_update or state.is_delete):
        return
    session = state.session
    if "tenant_id" not in session.info:
        if not session.info.get("system") and _touches_tenant_data(state):
            scope_tenant_id(session)  # raises TenantScopeMissing
        return
    tenant_id = int(session.info["tenant_id"])
    # Added to every statement, not only those naming a tenant-scoped model at the top level:
    # the option reaches subqueries and joins too, and is a no-op where no such model appears.
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
        )
    )


@event.listens_for(Session, "before_flush")
def _check_tenant_writes(session: Session, _context: Any, _instances: Any) -> None:
    changed = [
        obj
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, TenantScoped)
    ]
    if not changed:
        return
    tenant_id = scope_tenant_id(session)
    for obj in changed:
        if tenant_id is None:
            if isinstance(obj, TenantOwned) and obj.tenant_id is None:
                raise TenantScopeMissing(f"{type(obj).__name__} written without a tenant_id")
            continue
        if obj in session.new and obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise CrossTenantWrite(
                f"{type(obj).__name__} of tenant {obj.tenant_id} written in tenant {tenant_id}"
            )
