"""Server-rendered pages: the Jinja2 environment, the page context, navigation and routers.

Domains register their template folders and navigation entries here; ``render`` gives every
page the same context (principal, CSRF token, navigation, translations, local time).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.datastructures import FormData

from contactops import __version__
from contactops.platform.auth import (
    CSRF_FIELD,
    PRESESSION_COOKIE,
    Permission,
    Principal,
    csrf_token_for,
    resolve_principal,
)
from contactops.platform.i18n import (
    LOCALE_NAMES,
    SUPPORTED_LOCALES,
    current_locale,
    format_local_datetime,
    format_number,
    gettext,
    ngettext,
)
from contactops.platform.i18n import (
    lazy_gettext as _l,
)
from contactops.platform.settings import Settings

PLATFORM_DIR = Path(__file__).parent
STATIC_DIR = PLATFORM_DIR / "static"
NOTICE_COOKIE = "contactops_notice"

_loaders: list[FileSystemLoader] = [FileSystemLoader(PLATFORM_DIR / "templates")]
templates = Environment(
    loader=ChoiceLoader(_loaders),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.newstyle_gettext = True  # type: ignore[attr-defined]


def register_templates(folder: Path) -> None:
    """Make a domain's ``templates/`` folder visible to :func:`render` (names are namespaced)."""
    if not any(folder in loader.searchpath for loader in _loaders):
        _loaders.append(FileSystemLoader(folder))


# Catalog texts are ours and trusted; the values filled into them are escaped by Markup's %.
def _template_gettext(message: str, **variables: Any) -> str:
    """Jinja's new-style gettext: translate, mark safe, fill placeholders escaped (``%%`` = %)."""
    return Markup(gettext(message)) % variables  # noqa: S704


def _template_ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    return Markup(ngettext(singular, plural, n)) % {"num": n, **variables}  # noqa: S704


@dataclass(frozen=True)
class NavItem:
    section: str
    label: Any
    href: str
    permission: Permission
    order: int = 100


SECTIONS = (
    ("plan", _l("Plan"), "/plan", Permission.VIEW_PLAN),
    ("run", _l("Run"), "/run", Permission.VIEW_RUN),
    ("measure", _l("Measure"), "/measure", Permission.VIEW_MEASURE),
    ("admin", _l("Admin"), "/admin", Permission.VIEW_AUDIT),
)
_nav_items: list[NavItem] = []


def register_nav(item: NavItem) -> None:
    if item not in _nav_items:
        _nav_items.append(item)


def navigation(principal: Principal | None) -> list[dict[str, Any]]:
    """The sections and entries the principal's role may open."""
    if principal is None:
        return []
    sections = []
    for key, label, href, permission in SECTIONS:
        items = sorted(
            (i for i in _nav_items if i.section == key and principal.can(i.permission)),
            key=lambda i: i.order,
        )
        if principal.can(permission) or items:
            sections.append({"key": key, "label": label, "href": href, "items": items})
    return sections


# --- CSRF for anonymous forms (the login page) ------------------------------------------


def presession_key(request: Request) -> str:
    """The key that binds an anonymous form's CSRF token; set as a cookie by :func:`render`."""
    key = request.cookies.get(PRESESSION_COOKIE) or getattr(request.state, "presession", None)
    if not key:
        key = secrets.token_urlsafe(24)
    request.state.presession = key
    return key


def csrf_token(request: Request) -> str:
    settings: Settings = request.app.state.settings
    principal = resolve_principal(request)
    if principal is not None and principal.session_key:
        return csrf_token_for(settings, principal.session_key)
    return csrf_token_for(settings, presession_key(request))


# --- one-shot notices after a redirect ----------------------------------------------------


def _notice_signer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.resolved_secret_key(), salt="notice")


def redirect_with_notice(request: Request, url: str, message: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        NOTICE_COOKIE, _notice_signer(request).dumps(message), httponly=True, samesite="lax"
    )
    return response


def _pop_notice(request: Request) -> str | None:
    raw = request.cookies.get(NOTICE_COOKIE)
    if not raw:
        return None
    try:
        return str(_notice_signer(request).loads(raw))
    except BadSignature:
        return None


# --- rendering --------------------------------------------------------------------------


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    title: str | None = None,
) -> HTMLResponse:
    principal = resolve_principal(request)
    time_zone = principal.time_zone if principal else "UTC"
    notice = _pop_notice(request)
    page_context = {
        "request": request,
        "principal": principal,
        "nav": navigation(principal),
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "title": title,
        "notice": notice,
        "locale": current_locale(),
        "locales": [(code, LOCALE_NAMES[code]) for code in SUPPORTED_LOCALES],
        "version": __version__,
        "gettext": _template_gettext,
        "_": _template_gettext,
        "ngettext": _template_ngettext,
        "number": format_number,
        "permissions": Permission,
        "localtime": lambda moment, fmt="medium": format_local_datetime(moment, time_zone, fmt),
        **(context or {}),
    }
    body = templates.get_template(template).render(page_context)
    response = HTMLResponse(body, status_code=status_code)
    settings: Settings = request.app.state.settings
    if principal is None and getattr(request.state, "presession", None):
        response.set_cookie(
            PRESESSION_COOKIE,
            request.state.presession,
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
        )
    if notice is not None:
        response.delete_cookie(NOTICE_COOKIE)
    return response


async def form_data(request: Request) -> FormData:
    """Dependency: the submitted form, for handlers that read many or optional fields."""
    return await request.form()


def page_router() -> APIRouter:
    """A router for HTML pages, left out of the OpenAPI document."""
    return APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def api_router(prefix: str, tag: str) -> APIRouter:
    """A router under ``/api/v1`` whose errors are problem+json documents."""
    return APIRouter(
        prefix=f"/api/v1{prefix}",
        tags=[tag],
        responses={
            401: {"description": "Not authenticated (problem+json)"},
            403: {"description": "Role not allowed or CSRF token missing (problem+json)"},
            404: {"description": "Not found in this tenant (problem+json)"},
            422: {"description": "Invalid input, the field is named (problem+json)"},
        },
    )
