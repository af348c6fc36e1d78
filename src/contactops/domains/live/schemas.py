"""REST request bodies of the live center (responses are the service's views)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class StateRequest(BaseModel):
    state: str = Field(..., description="ready, not_ready, break or logged_out")
    reason: str | None = Field(None, max_length=32, description="Reason code (not ready, break)")


class WrapupRequest(BaseModel):
    code: str | None = Field(None, max_length=32, description="Wrap-up (disposition) code")
    note: str | None = Field(None, max_length=10_000)
    resolved: bool = False


class TransferRequest(BaseModel):
    queue: str | None = Field(None, description="Queue code (a blind transfer to the queue)")
    agent: str | None = Field(None, description="Agent code (offered to that agent)")


class MessageRequest(BaseModel):
    body: str = Field(..., description="The message text")


class NoteRequest(BaseModel):
    note: str = Field(..., max_length=10_000)


class CallbackRequest(BaseModel):
    number: str | None = Field(None, max_length=64, description="Number to call back")
    at: datetime | None = Field(None, description="When, with its offset; empty: now")
    queue: str | None = Field(None, description="Queue of the callback (default the contact's)")


class CallArrived(BaseModel):
    call_id: str = Field(..., min_length=1, max_length=128, description="The PBX's call id")
    queue: str = Field(..., description="Queue code the call is for")
    caller: str | None = Field(None, max_length=64, description="Caller number (ANI)")
    at: datetime | None = Field(None, description="When it arrived (default now)")


class CallAnswered(BaseModel):
    agent: str | None = Field(None, description="Agent code (default the agent it rings at)")
    at: datetime | None = None


class CallEnded(BaseModel):
    ended_by: str = Field("customer", description="customer or agent")
    at: datetime | None = None


class NewCallback(BaseModel):
    queue: str
    number: str = Field(..., min_length=1, max_length=64)
    at: datetime | None = None


class ChatStart(BaseModel):
    queue: str = Field(..., description="Chat queue code")
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=320)


class QueueRoutingRequest(BaseModel):
    """Routing settings of a queue; only the fields given change (see docs/live.md)."""

    priority: int | None = None
    head_start_s: float | None = Field(None, ge=0)
    concurrency: int | None = Field(None, ge=1, le=20)
    selection: str | None = None
    opening_hours: dict[str, list[list[str]]] | None = None
    closed_dates: list[str] | None = None
    max_wait_s: int | None = Field(None, ge=0)
    max_queue_length: int | None = Field(None, ge=0)
    overflow_after_s: int | None = Field(None, ge=0)
    overflow_queue: str | None = Field(None, description="Queue code to overflow to")
    overflow_skill: str | None = Field(None, description="Skill code the queue widens to")
    callback_offer_after_s: int | None = Field(None, ge=0)
    callback_when_full: bool | None = None
    ring_timeout_s: int | None = Field(None, ge=3, le=600)
    wrapup_limit_s: int | None = Field(None, ge=0)
    sticky_agent: bool | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class AgentRoutingRequest(BaseModel):
    max_contacts: int = Field(3, ge=1, le=20, description="Contacts at once (chats)")
    occupancy_cap: float | None = Field(None, gt=0, le=1, description="e.g. 0.85; empty: none")


class ReasonCodeRequest(BaseModel):
    label: str = Field("", max_length=200, description="Empty: the standard label of the code")
    active: bool = True
