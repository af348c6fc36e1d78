"""Shapes of the admin API: members and roles, tenant settings, audit entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, EmailStr, Field

from contactops.platform.identity import Role


class MemberOut(BaseModel):
    user_id: int
    email: str
    display_name: str
    role: Role
    is_active: bool
    member_since: datetime
    last_login_at: datetime | None


class MemberCreate(BaseModel):
    email: EmailStr
    display_name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str | None = Field(
        default=None,
        description="Initial password for a new user (10+ characters). Omit to have one "
        "generated; it is returned once. Ignored when the user already exists.",
    )


class MemberCreated(MemberOut):
    initial_password: str | None = Field(
        default=None, description="The generated password, shown only once."
    )


class MemberUpdate(BaseModel):
    role: Role


class TenantOut(BaseModel):
    id: int
    slug: str
    name: str
    time_zone: str
    locale: str
    created_at: datetime


class TenantUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    time_zone: str | None = Field(default=None, description="IANA name, e.g. Europe/Oslo")
    locale: str | None = Field(default=None, description="en, zh_Hans, bg or nb")


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor_label: str
    actor_user_id: int | None
    ip_address: str | None
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    total: int
    page: int
    page_size: int
