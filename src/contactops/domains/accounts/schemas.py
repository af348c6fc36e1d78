"""Shapes of the accounts API: the caller, their tenants, API tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from contactops.platform.identity import Role


class TenantMembershipOut(BaseModel):
    id: int
    slug: str
    name: str
    role: Role


class MeOut(BaseModel):
    user_id: int
    email: str
    display_name: str
    role: Role
    tenant: TenantMembershipOut
    tenants: list[TenantMembershipOut]
    authenticated_by: str = Field(description="'session' (browser) or 'token' (API token)")


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="What the token is for.")
    expires_in_days: int | None = Field(
        default=90, ge=1, le=3650, description="Days until it stops working; null = never."
    )


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret token. It is shown only once.")


class PasswordChange(BaseModel):
    current_password: str
    new_password: str = Field(description="At least 10 characters.")
