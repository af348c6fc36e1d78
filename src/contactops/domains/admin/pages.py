"""Admin pages: members and roles, tenant settings, audit log."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from contactops.domains.admin import service
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.errors import DomainError
from contactops.platform.i18n import gettext as _
from contactops.platform.i18n import lazy_gettext as _l
from contactops.platform.identity import Role
from contactops.platform.web import (
    NavItem,
    page_router,
    redirect_with_notice,
    register_nav,
    register_templates,
    render,
)

register_templates(Path(__file__).parent / "templates")
register_nav(NavItem("admin", _l("Users and roles"), "/admin/users", Permission.MANAGE_USERS, 10))
register_nav(NavItem("admin", _l("Tenant settings"), "/admin/tenant", Permission.MANAGE_TENANT, 20))
register_nav(NavItem("admin", _l("Audit log"), "/admin/audit", Permission.VIEW_AUDIT, 30))
router = page_router()


@router.get("/admin")
def admin_home(principal: Principal = Depends(require(Permission.VIEW_AUDIT))) -> Response:
    target = "/admin/users" if principal.can(Permission.MANAGE_USERS) else "/admin/audit"
    return RedirectResponse(target, status_code=303)


def _users_page(
    request: Request,
    principal: Principal,
    *,
    form: dict[str, str] | None = None,
    error: DomainError | None = None,
) -> Response:
    members = service.list_members(request.app.state.db, principal)
    return render(
        request,
        "admin/users.html",
        {"members": members, "roles": list(Role), "form": form or {}, "error": error},
        status_code=error.status if error else 200,
        title=_("Users and roles"),
    )


@router.get("/admin/users")
def users(
    request: Request, principal: Principal = Depends(require(Permission.MANAGE_USERS))
) -> Response:
    return _users_page(request, principal)


@router.post("/admin/users")
def add_user(
    request: Request,
    email: str = Form(),
    display_name: str = Form(),
    role: Role = Form(),
    password: str = Form(""),
    principal: Principal = Depends(require(Permission.MANAGE_USERS)),
) -> Response:
    try:
        member = service.add_member(
            request.app.state.db, principal, email, display_name, role, password or None
        )
    except DomainError as error:
        form = {"email": email, "display_name": display_name, "role": role.value}
        return _users_page(request, principal, form=form, error=error)
    message = _(
        "%(name)s can now work here as %(role)s.", name=member.display_name, role=role.label
    )
    if member.initial_password:
        message += " " + _("Initial password: %(password)s", password=member.initial_password)
    return redirect_with_notice(request, "/admin/users", message)


@router.post("/admin/users/{user_id}/role")
def change_role(
    user_id: int,
    request: Request,
    role: Role = Form(),
    principal: Principal = Depends(require(Permission.MANAGE_USERS)),
) -> Response:
    try:
        member = service.change_role(request.app.state.db, principal, user_id, role)
    except DomainError as error:
        if error.status == 404:
            raise
        return _users_page(request, principal, error=error)
    return redirect_with_notice(
        request,
        "/admin/users",
        _("%(name)s is now %(role)s.", name=member.display_name, role=role.label),
    )


@router.post("/admin/users/{user_id}/remove")
def remove_user(
    user_id: int,
    request: Request,
    principal: Principal = Depends(require(Permission.MANAGE_USERS)),
) -> Response:
    try:
        service.remove_member(request.app.state.db, principal, user_id)
    except DomainError as error:
        if error.status == 404:
            raise
        return _users_page(request, principal, error=error)
    return redirect_with_notice(request, "/admin/users", _("Access removed."))


@router.get("/admin/tenant")
def tenant_settings(
    request: Request, principal: Principal = Depends(require(Permission.MANAGE_TENANT))
) -> Response:
    tenant = service.get_tenant(request.app.state.db, principal)
    return _tenant_page(request, tenant)


def _tenant_page(request: Request, tenant: object, error: DomainError | None = None) -> Response:
    return render(
        request,
        "admin/tenant.html",
        {"tenant": tenant, "error": error},
        status_code=error.status if error else 200,
        title=_("Tenant settings"),
    )


@router.post("/admin/tenant")
def update_tenant(
    request: Request,
    name: str = Form(),
    time_zone: str = Form(),
    locale: str = Form(),
    principal: Principal = Depends(require(Permission.MANAGE_TENANT)),
) -> Response:
    try:
        service.update_tenant(
            request.app.state.db, principal, name=name, time_zone=time_zone, locale=locale
        )
    except DomainError as error:
        tenant = service.get_tenant(request.app.state.db, principal)
        return _tenant_page(request, tenant, error)
    return redirect_with_notice(request, "/admin/tenant", _("Settings saved."))


@router.get("/admin/audit")
def audit(
    request: Request,
    page: int = 1,
    entity_type: str = "",
    principal: Principal = Depends(require(Permission.VIEW_AUDIT)),
) -> Response:
    result = service.audit_log(
        request.app.state.db, principal, page=max(1, page), entity_type=entity_type or None
    )
    return render(
        request,
        "admin/audit.html",
        {"result": result, "entity_type": entity_type},
        title=_("Audit log"),
    )
