"""What the customer service answers: profiles, search hits, notes and history rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class NoteView:
    id: int
    body: str
    created_at: datetime
    author_user_id: int | None
    author_name: str | None
    author_email: str | None


@dataclass(frozen=True)
class CustomerView:
    id: int
    display_name: str
    tier: str | None
    tags: list[str]
    identifiers: list[tuple[str, str]]  # (kind, normalised value)
    notes: list[NoteView]  # newest first
    created_at: datetime
    updated_at: datetime
    merged_ids: list[int]  # customers merged into this one


@dataclass(frozen=True)
class CustomerSummary:
    id: int
    display_name: str
    tier: str | None
    tags: list[str]
    identifiers: list[tuple[str, str]]
    updated_at: datetime


@dataclass(frozen=True)
class HistoryRow:
    """One queue visit of one of the customer's contacts, from the legs of the event log."""

    arrived_at: datetime
    contact_id: str
    channel: str
    queue: str | None
    agent: str | None
    outcome: str
    wait_s: float | None
    handle_s: float | None
    transferred: bool
    leg_no: int = 1
    customer_id: str = ""  # the id the log names: a merged customer's for its older contacts


@dataclass(frozen=True)
class CustomerProfile:
    customer: CustomerView
    history: list[HistoryRow]
