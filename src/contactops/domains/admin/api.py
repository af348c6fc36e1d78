"""REST: members and roles, tenant settings and the audit log of the caller's tenant."""

from __future__ import annotations

from fastapi import Depends, Query, Request, Response, status

from contactops.domains.admin import service
from contactops.domains.admin.schemas import (
    AuditEntryOut,
    AuditPage,
    MemberCreate,
    MemberCreated,
    MemberOut,
    MemberUpdate,
    TenantOut,
    TenantUpdate,
)
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.errors import NotFound
from contactops.platform.i18n import gettext as _
from contactops.platform.web import api_router

router = api_router("", "admin")
manage_users = require(Permission.MANAGE_USERS)


def _member_out(member: service.Member) -> MemberOut:
    return MemberOut.model_validate(member, from_attributes=True)


@router.get("/users", response_model=list[MemberOut])
def list_users(request: Request, principal: Principal = Depends(manage_users)) -> list[MemberOut]:
    """Everyone with a role in the current tenant."""
    return [_member_out(m) for m in service.list_members(request.app.state.db, principal)]


@router.post("/users", response_model=MemberCreated, status_code=status.HTTP_201_CREATED)
def add_user(
    body: MemberCreate, request: Request, principal: Principal = Depends(manage_users)
) -> MemberCreated:
    """Give a person a role in this tenant; a new e-mail address creates their account."""
    member = service.add_member(
        request.app.state.db, principal, body.email, body.display_name, body.role, body.password
    )
    return MemberCreated.model_validate(member, from_attributes=True)


@router.get("/users/{user_id}", response_model=MemberOut)
def get_user(
    user_id: int, request: Request, principal: Principal = Depends(manage_users)
) -> MemberOut:
    for member in service.list_members(request.app.state.db, principal):
        if member.user_id == user_id:
            return _member_out(member)
    raise NotFound(_("No such user in this tenant."))


@router.patch("/users/{user_id}", response_model=MemberOut)
def update_user(
    user_id: int,
    body: MemberUpdate,
    request: Request,
    principal: Principal = Depends(manage_users),
) -> MemberOut:
    """Change a member's role in this tenant."""
    return _member_out(service.change_role(request.app.state.db, principal, user_id, body.role))


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_user(
    user_id: int, request: Request, principal: Principal = Depends(manage_users)
) -> Response:
    """Take a member's role in this tenant away (their account and other tenants stay)."""
    service.remove_member(request.app.state.db, principal, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/tenant", response_model=TenantOut)
def get_tenant(request: Request, principal: Principal = Depends(require())) -> TenantOut:
    return TenantOut.model_validate(
        service.get_tenant(request.app.state.db, principal), from_attributes=True
    )


@router.patch("/tenant", response_model=TenantOut)
def update_tenant(
    body: TenantUpdate,
    request: Request,
    principal: Principal = Depends(require(Permission.MANAGE_TENANT)),
) -> TenantOut:
    tenant = service.update_tenant(
        request.app.state.db, principal, **body.model_dump(exclude_unset=True)
    )
    return TenantOut.model_validate(tenant, from_attributes=True)


@router.get("/audit", response_model=AuditPage)
def audit_log(
    request: Request,
    page: int = Query(1, ge=1),
    page_size: int = Query(service.AUDIT_PAGE_SIZE, ge=1, le=500),
    entity_type: str | None = Query(None, description="e.g. membership, queue, tenant"),
    principal: Principal = Depends(require(Permission.VIEW_AUDIT)),
) -> AuditPage:
    """The tenant's audit log, newest first."""
    result = service.audit_log(
        request.app.state.db, principal, page=page, entity_type=entity_type, page_size=page_size
    )
    return AuditPage(
        entries=[AuditEntryOut.model_validate(e, from_attributes=True) for e in result.entries],
        total=result.total,
        page=result.page,
        page_size=result.page_size,
    )
