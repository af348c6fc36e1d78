"""Customers, the identifiers that recognise them on every channel, and agents' notes.

A merged customer keeps its row with ``merged_into_id`` set: the event log names customers by
id and is never rewritten, so the merged id must stay resolvable to the survivor.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contactops.platform.database import Base, utcnow
from contactops.platform.tenancy import TenantOwned

IDENTIFIER_KINDS = ("phone", "email", "chat", "external")


class Customer(TenantOwned, Base):
    __tablename__ = "customer"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str | None] = mapped_column(String(32), default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="SET NULL"), index=True, default=None
    )


class CustomerIdentifier(TenantOwned, Base):
    """A phone number, e-mail address, chat handle or external id, stored normalised."""

    __tablename__ = "customer_identifier"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "value", name="uq_customer_identifier_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(320))


class CustomerNote(TenantOwned, Base):
    __tablename__ = "customer_note"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True
    )
    author_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
