"""REST: who am I, and my API tokens."""

from __future__ import annotations

from fastapi import Depends, Request, Response, status

from contactops.domains.accounts import service
from contactops.domains.accounts.schemas import (
    MeOut,
    PasswordChange,
    TenantMembershipOut,
    TokenCreate,
    TokenCreated,
    TokenOut,
)
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.web import api_router

router = api_router("", "account")


def _tenant_out(choice: object) -> TenantMembershipOut:
    return TenantMembershipOut.model_validate(choice, from_attributes=True)


@router.get("/me", response_model=MeOut)
def me(principal: Principal = Depends(require())) -> MeOut:
    """The caller, the tenant they act in, their role there, and all their tenants."""
    current = next(t for t in principal.tenants if t.id == principal.tenant_id)
    return MeOut(
        user_id=principal.user_id,
        email=principal.email,
        display_name=principal.display_name,
        role=principal.role,
        tenant=_tenant_out(current),
        tenants=[_tenant_out(t) for t in principal.tenants],
        authenticated_by=principal.via,
    )


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(
    request: Request, principal: Principal = Depends(require(Permission.MANAGE_OWN_TOKENS))
) -> list[TokenOut]:
    """The caller's API tokens in the current tenant (secrets are never shown again)."""
    tokens = service.list_tokens(request.app.state.db, principal)
    return [TokenOut.model_validate(t, from_attributes=True) for t in tokens]


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(
    body: TokenCreate,
    request: Request,
    principal: Principal = Depends(require(Permission.MANAGE_OWN_TOKENS)),
) -> TokenCreated:
    """A new API token acting as the caller in the current tenant, with the caller's role."""
    api_token, secret = service.create_token(
        request.app.state.db, principal, body.name, body.expires_in_days
    )
    out = TokenOut.model_validate(api_token, from_attributes=True)
    return TokenCreated(**out.model_dump(), token=secret)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(
    token_id: int,
    request: Request,
    principal: Principal = Depends(require(Permission.MANAGE_OWN_TOKENS)),
) -> TokenOut:
    api_token = service.revoke_token(request.app.state.db, principal, token_id)
    return TokenOut.model_validate(api_token, from_attributes=True)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    body: PasswordChange, request: Request, principal: Principal = Depends(require())
) -> Response:
    """Change the caller's password; their other browser sessions end."""
    service.change_password(
        request.app.state.db, principal, body.current_password, body.new_password
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
