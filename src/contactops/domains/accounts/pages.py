"""Pages: sign in, sign out, switch tenant, choose language, my account and tokens."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from contactops.domains.accounts import service
from contactops.platform.auth import (
    PRESESSION_COOKIE,
    SESSION_COOKIE,
    Permission,
    Principal,
    optional_principal,
    require,
    sign_session_key,
    verify_csrf,
)
from contactops.platform.errors import DomainError, InvalidInput, TooManyRequests
from contactops.platform.i18n import SUPPORTED_LOCALES
from contactops.platform.i18n import gettext as _
from contactops.platform.middleware import LOCALE_COOKIE
from contactops.platform.settings import Settings
from contactops.platform.web import (
    page_router,
    presession_key,
    redirect_with_notice,
    register_templates,
    render,
)

register_templates(Path(__file__).parent / "templates")
router = page_router()


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirects)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login")
def login_form(
    request: Request, next: str = "/", principal: Principal | None = Depends(optional_principal)
) -> Response:
    if principal is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "accounts/login.html", {"next": safe_next(next)}, title=_("Sign in"))


@router.post("/login")
async def login(request: Request) -> Response:
    await verify_csrf(request, None)
    form = await request.form()
    settings: Settings = request.app.state.settings
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    try:
        login_result = await run_in_threadpool(
            service.sign_in, request.app.state.db, settings, email, password, _client_ip(request)
        )
    except DomainError as error:
        presession_key(request)
        response = render(
            request,
            "accounts/login.html",
            {"next": target, "email": email, "error": error.detail},
            status_code=error.status,
            title=_("Sign in"),
        )
        if isinstance(error, TooManyRequests):
            response.headers["Retry-After"] = str(error.retry_after_s)
        return response
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        sign_session_key(settings, login_result.session_key),
        max_age=settings.session_max_age_s,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )
    response.delete_cookie(PRESESSION_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, principal: Principal = Depends(require())) -> Response:
    if principal.session_key:
        service.sign_out(request.app.state.db, principal.session_key)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/switch-tenant")
def switch_tenant(
    request: Request, tenant_id: int = Form(), principal: Principal = Depends(require())
) -> Response:
    service.switch_tenant(request.app.state.db, principal, tenant_id)
    name = next(t.name for t in principal.tenants if t.id == tenant_id)
    return redirect_with_notice(request, "/", _("You are now working in %(tenant)s.", tenant=name))


@router.post("/locale")
async def choose_locale(
    request: Request, principal: Principal | None = Depends(optional_principal)
) -> Response:
    """Remember the chosen language (a cookie; for signed-in users also their profile)."""
    await verify_csrf(request, principal)
    form = await request.form()
    locale, target = str(form.get("locale", "")), safe_next(str(form.get("next", "/")))
    settings: Settings = request.app.state.settings
    if principal is not None:
        await run_in_threadpool(
            service.set_preferred_locale, request.app.state.db, principal, locale
        )
    elif locale not in SUPPORTED_LOCALES:
        raise InvalidInput("locale", _("Unknown language: %(locale)s", locale=locale))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        LOCALE_COOKIE, locale, max_age=365 * 86400, samesite="lax", secure=settings.cookie_secure
    )
    return response


@router.get("/account")
def account(
    request: Request, principal: Principal = Depends(require(Permission.MANAGE_OWN_TOKENS))
) -> Response:
    tokens = service.list_tokens(request.app.state.db, principal)
    return render(request, "accounts/account.html", {"tokens": tokens}, title=_("My account"))


@router.post("/account/password")
def change_password(
    request: Request,
    current_password: str = Form(),
    new_password: str = Form(),
    principal: Principal = Depends(require()),
) -> Response:
    db = request.app.state.db
    try:
        service.change_password(db, principal, current_password, new_password)
    except DomainError as error:
        return render(
            request,
            "accounts/account.html",
            {"tokens": service.list_tokens(db, principal), "password_error": error.detail},
            status_code=error.status,
            title=_("My account"),
        )
    return redirect_with_notice(
        request, "/account", _("Password changed. Your other sessions have been signed out.")
    )


@router.post("/account/tokens")
def create_token(
    request: Request,
    name: str = Form(),
    expires_in_days: int | None = Form(90),
    principal: Principal = Depends(require(Permission.MANAGE_OWN_TOKENS)),
) -> Response:
    api_token, secret = service.create_token(request.app.state.db, principal, name, expires_in_days)
    tokens = service.list_tokens(request.app.state.db, principal)
    return render(
        request,
        "accounts/account.html",
        {"tokens": tokens, "new_token": secret, "new_token_name": api_token.name},
        title=_("My account"),
    )


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    token_id: int,
    request: Request,
    principal: Principal = Depends(require(Permission.MANAGE_OWN_TOKENS)),
) -> Response:
    api_token = service.revoke_token(request.app.state.db, principal, token_id)
    return redirect_with_notice(
        request, "/account", _("Token %(name)s revoked.", name=api_token.name)
    )
