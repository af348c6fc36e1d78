"""Shapes of the customers API."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from contactops.domains.customers.views import (
    CustomerSummary,
    CustomerView,
    HistoryRow,
    NoteView,
)

IdentifierKind = Literal["phone", "email", "chat", "external"]


class IdentifierIn(BaseModel):
    kind: IdentifierKind
    value: str = Field(
        max_length=400, description="Stored normalised: phone + and digits, e-mail lower case"
    )


class IdentifierOut(BaseModel):
    kind: IdentifierKind
    value: str


class CustomerCreate(BaseModel):
    display_name: str = Field(max_length=400)
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=50)
    tier: str | None = Field(None, max_length=100)
    tags: list[str] = Field(default_factory=list, max_length=100)


class CustomerUpdate(BaseModel):
    display_name: str | None = Field(None, max_length=400)
    tier: str | None = Field(None, max_length=100, description="Empty or null clears the tier")
    tags: list[str] | None = Field(None, max_length=100, description="Replaces every tag")


class NoteIn(BaseModel):
    body: str = Field(max_length=20_000)


class MergeIn(BaseModel):
    merged_id: int = Field(description="The duplicate; its identifiers and notes move over")


class NoteOut(BaseModel):
    id: int
    body: str
    created_at: datetime
    author_user_id: int | None
    author_name: str | None
    author_email: str | None

    @classmethod
    def of(cls, note: NoteView) -> NoteOut:
        return cls(**asdict(note))


def _identifiers(pairs: list[tuple[str, str]]) -> list[IdentifierOut]:
    return [IdentifierOut(kind=kind, value=value) for kind, value in pairs]  # type: ignore[arg-type]


class CustomerOut(BaseModel):
    id: int
    display_name: str
    tier: str | None
    tags: list[str]
    identifiers: list[IdentifierOut]
    notes: list[NoteOut]
    created_at: datetime
    updated_at: datetime
    merged_ids: list[int] = Field(description="Customers merged into this one")

    @classmethod
    def of(cls, view: CustomerView) -> CustomerOut:
        return cls(
            id=view.id,
            display_name=view.display_name,
            tier=view.tier,
            tags=view.tags,
            identifiers=_identifiers(view.identifiers),
            notes=[NoteOut.of(n) for n in view.notes],
            created_at=view.created_at,
            updated_at=view.updated_at,
            merged_ids=view.merged_ids,
        )


class CustomerSummaryOut(BaseModel):
    id: int
    display_name: str
    tier: str | None
    tags: list[str]
    identifiers: list[IdentifierOut]
    updated_at: datetime

    @classmethod
    def of(cls, summary: CustomerSummary) -> CustomerSummaryOut:
        return cls(
            id=summary.id,
            display_name=summary.display_name,
            tier=summary.tier,
            tags=summary.tags,
            identifiers=_identifiers(summary.identifiers),
            updated_at=summary.updated_at,
        )


class HistoryRowOut(BaseModel):
    arrived_at: datetime
    contact_id: str
    leg_no: int
    channel: str
    queue: str | None
    agent: str | None
    outcome: str
    wait_s: float | None
    handle_s: float | None
    transferred: bool
    customer_id: str = Field(description="The id the event log names (a merged customer's)")

    @classmethod
    def of(cls, row: HistoryRow) -> HistoryRowOut:
        return cls(**asdict(row))
