"""Per-request context: a request id, the locale, and security headers on every response."""

from __future__ import annotations

import random
from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contactops.platform.i18n import (
    DEFAULT_LOCALE,
    SUPPORTED_LOCALES,
    negotiate_locale,
    set_locale,
)

LOCALE_COOKIE = "contactops_locale"
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)
# Request ids only tell log lines apart: no secret, so not from the system's random source, whose
# system call costs more than the rest of the middleware.
_request_ids = random.Random()  # noqa: S311
# Swagger UI boots with one inline script.
DOCS_CSP = PAGE_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def request_locale(scope: Scope) -> tuple[str, str]:
    """The locale and where it came from: ``chosen`` (cookie), ``browser`` or ``default``.

    A signed-in user's own preference and the tenant's are applied by
    :func:`contactops.platform.auth.require`: chosen > user > browser > tenant > English.
    """
    cookie_header = _header(scope, b"cookie")
    if cookie_header:
        cookies: SimpleCookie = SimpleCookie()
        cookies.load(cookie_header)
        morsel = cookies.get(LOCALE_COOKIE)
        if morsel is not None and morsel.value in SUPPORTED_LOCALES:
            return morsel.value, "chosen"
    browser = negotiate_locale(_header(scope, b"accept-language"))
    return (browser, "browser") if browser else (DEFAULT_LOCALE, "default")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = f"{_request_ids.getrandbits(64):016x}"
        scope.setdefault("state", {})["request_id"] = request_id
        locale, source = request_locale(scope)
        scope["state"]["locale_source"] = source
        set_locale(locale)
        csp = DOCS_CSP if scope["path"].startswith("/api/docs") else PAGE_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Request-ID", request_id)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Content-Security-Policy", csp)
            await send(message)

        await self.app(scope, receive, send_with_headers)
