"""Shapes of the organisation API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Channel = Literal["phone", "chat", "email", "social", "callback"]


class QueueOut(BaseModel):
    id: int
    code: str
    name: str
    channel: Channel
    skill_code: str | None
    service_level_target: float
    service_level_threshold_s: int
    is_active: bool


class QueueCreate(BaseModel):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str = Field(min_length=1, max_length=200)
    channel: Channel = "phone"
    skill_code: str | None = None
    service_level_target: float = Field(0.8, gt=0, le=1, description="Fraction, e.g. 0.8")
    service_level_threshold_s: int = Field(20, ge=0, le=86400 * 7)


class QueueUpdate(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    service_level_target: float | None = Field(None, gt=0, le=1)
    service_level_threshold_s: int | None = Field(None, ge=0, le=86400 * 7)
    is_active: bool | None = None


class AgentSkillOut(BaseModel):
    skill_code: str
    level: int


class AgentOut(BaseModel):
    id: int
    code: str
    display_name: str
    team: str | None
    is_active: bool
    skills: list[AgentSkillOut]


class TeamOut(BaseModel):
    id: int
    name: str
    agents: int
