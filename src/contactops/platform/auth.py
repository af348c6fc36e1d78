"""Who is calling and what they may do — the one place where roles are checked.

A request is authenticated either by the signed HttpOnly session cookie of a browser login or by
an ``Authorization: Bearer`` API token. Either way it becomes a :class:`Principal`: a user acting
in one tenant with one role. Route handlers declare ``Depends(require(Permission.X))``; the
role → permission table below is the whole policy.

State-changing requests authenticated by the cookie must carry the CSRF token (form field
``csrf_token`` or header ``X-CSRF-Token``), derived from the session key with an HMAC.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPBearer
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import InstanceState, Session

from contactops.platform.audit import Actor
from contactops.platform.database import Database, utcnow
from contactops.platform.errors import CsrfRejected, Forbidden, NotAuthenticated
from contactops.platform.i18n import gettext as _
from contactops.platform.i18n import set_locale
from contactops.platform.identity import ApiToken, Membership, Role, User, UserSession
from contactops.platform.settings import Settings
from contactops.platform.tenancy import Tenant

SESSION_COOKIE = "contactops_session"
PRESESSION_COOKIE = "contactops_presession"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
TOKEN_SCHEME_PREFIX = "co_"  # noqa: S105 - a public prefix, not a secret
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_USE_RESOLUTION = timedelta(minutes=1)
_BEARER_SCHEME = HTTPBearer(
    auto_error=False, description="An API token from /account or POST /api/v1/tokens."
)


class Permission(enum.StrEnum):
    VIEW_HOME = "home.view"
    VIEW_PLAN = "plan.view"
    EDIT_PLAN = "plan.edit"
    VIEW_RUN = "run.view"
    CONFIGURE_CENTER = "center.configure"
    VIEW_MEASURE = "measure.view"
    IMPORT_HISTORY = "history.import"
    MANAGE_QUALITY = "quality.manage"
    MANAGE_USERS = "users.manage"
    MANAGE_TENANT = "tenant.manage"
    VIEW_AUDIT = "audit.view"
    MANAGE_OWN_TOKENS = "tokens.manage_own"
    VIEW_OWN_SCHEDULE = "schedule.view_own"  # my shifts, requests, handover notes
    DECIDE_SCHEDULE_REQUESTS = "schedule.decide"  # approve or reject swaps and time off
    HANDLE_CONTACTS = "contacts.handle"  # the agent desktop: take, handle and wrap up contacts
    SUPERVISE_LIVE = "live.supervise"  # the wallboard, agents' states, moving live contacts
    INTEGRATE_TELEPHONY = "telephony.integrate"  # a PBX reporting calls through the API


_EVERYONE = frozenset({Permission.VIEW_HOME, Permission.MANAGE_OWN_TOKENS})
_STAFF = _EVERYONE | {Permission.VIEW_OWN_SCHEDULE}  # people who may work shifts
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MANAGER: _STAFF
    | {
        Permission.VIEW_PLAN,
        Permission.VIEW_RUN,
        Permission.CONFIGURE_CENTER,
        Permission.VIEW_MEASURE,
        Permission.IMPORT_HISTORY,
        Permission.VIEW_AUDIT,
        Permission.DECIDE_SCHEDULE_REQUESTS,
        Permission.HANDLE_CONTACTS,
        Permission.SUPERVISE_LIVE,
    },
    Role.SUPERVISOR: _STAFF
    | {
        Permission.VIEW_PLAN,
        Permission.VIEW_RUN,
        Permission.VIEW_MEASURE,
        Permission.DECIDE_SCHEDULE_REQUESTS,
        Permission.HANDLE_CONTACTS,
        Permission.SUPERVISE_LIVE,
    },
    Role.WFM: _STAFF
    | {
        Permission.VIEW_PLAN,
        Permission.EDIT_PLAN,
        Permission.VIEW_RUN,
        Permission.VIEW_MEASURE,
        Permission.IMPORT_HISTORY,
        Permission.DECIDE_SCHEDULE_REQUESTS,
    },
    Role.QA: _STAFF | {Permission.VIEW_RUN, Permission.VIEW_MEASURE, Permission.MANAGE_QUALITY},
    Role.AGENT: _STAFF | {Permission.VIEW_RUN, Permission.HANDLE_CONTACTS},
    Role.CLIENT: _EVERYONE | {Permission.VIEW_MEASURE},
}


def role_allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


@dataclass(frozen=True)
class TenantChoice:
    id: int
    slug: str
    name: str
    role: Role


@dataclass(frozen=True)
class Principal:
    """A user acting in one tenant with one role."""

    user_id: int
    email: str
    display_name: str
    user_locale: str | None
    tenant_id: int
    tenant_slug: str
    tenant_name: str
    time_zone: str
    tenant_locale: str
    role: Role
    via: str  # "session" or "token"
    session_key: str | None
    tenants: tuple[TenantChoice, ...]
    client_ip: str | None = None

    def can(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)

    @property
    def locale(self) -> str:
        return self.user_locale or self.tenant_locale


def actor_of(principal: Principal) -> Actor:
    return Actor(user_id=principal.user_id, label=principal.email, ip_address=principal.client_ip)


@dataclass(frozen=True)
class Scope:
    """The tenant a call works for and who acts: a signed-in user, or the command line."""

    tenant_id: int
    tenant_slug: str
    time_zone: str
    actor: Actor

    @classmethod
    def of(cls, principal: Principal) -> Scope:
        return cls(
            principal.tenant_id, principal.tenant_slug, principal.time_zone, actor_of(principal)
        )

    @property
    def user_id(self) -> int | None:
        return self.actor.user_id

    def session(self, db: Database) -> AbstractContextManager[Session]:
        return db.session(tenant_id=self.tenant_id, actor=self.actor)


@contextmanager
def tenant_session(db: Database, principal: Principal) -> Iterator[Session]:
    """A transaction scoped to the principal's tenant, its changes audited as theirs."""
    with db.session(tenant_id=principal.tenant_id, actor=actor_of(principal)) as session:
        yield session


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- session cookie and CSRF -------------------------------------------------------------


def _signer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.resolved_secret_key(), salt=f"contactops.{purpose}")


def new_session_key() -> str:
    return secrets.token_urlsafe(32)


def sign_session_key(settings: Settings, key: str) -> str:
    return _signer(settings, "session").dumps(key)


def unsign_session_key(settings: Settings, cookie: str) -> str | None:
    try:
        return str(_signer(settings, "session").loads(cookie, max_age=settings.session_max_age_s))
    except BadSignature:
        return None


def csrf_token_for(settings: Settings, key: str) -> str:
    """CSRF token bound to a session (or pre-session) key: HMAC-SHA256(secret, key)."""
    secret = settings.resolved_secret_key().encode()
    return hmac.new(secret, f"csrf:{key}".encode(), hashlib.sha256).hexdigest()


def csrf_matches(settings: Settings, key: str | None, submitted: str | None) -> bool:
    if not key or not submitted:
        return False
    return hmac.compare_digest(csrf_token_for(settings, key), submitted)


async def submitted_csrf_token(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def verify_csrf(request: Request, principal: Principal | None) -> None:
    """Refuse a browser write whose CSRF token does not match its session (or pre-session)."""
    settings: Settings = request.app.state.settings
    key = principal.session_key if principal else request.cookies.get(PRESESSION_COOKIE)
    if not csrf_matches(settings, key, await submitted_csrf_token(request)):
        raise CsrfRejected(
            _(
                "The form was missing its security token or it has expired. "
                "Reload the page and try again."
            )
        )


# --- resolving the principal -------------------------------------------------------------


def _tenant_choices(session: Session, user_id: int) -> tuple[TenantChoice, ...]:
    rows = session.execute(
        select(Tenant, Membership.role)
        .join(Membership, Membership.tenant_id == Tenant.id)
        .where(Membership.user_id == user_id)
        .order_by(Tenant.name)
    ).all()
    return tuple(TenantChoice(t.id, t.slug, t.name, role) for t, role in rows)


def build_principal(
    session: Session, user: User, tenant_id: int, *, via: str, session_key: str | None = None
) -> Principal | None:
    """The principal of ``user`` in ``tenant_id``, or None if they are not a member there."""
    choices = _tenant_choices(session, user.id)
    current = next((choice for choice in choices if choice.id == tenant_id), None)
    if current is None or not user.is_active:
        return None
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None
    return Principal(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        user_locale=user.locale,
        tenant_id=tenant.id,
        tenant_slug=tenant.slug,
        tenant_name=tenant.name,
        time_zone=tenant.time_zone,
        tenant_locale=tenant.locale,
        role=current.role,
        via=via,
        session_key=session_key,
        tenants=choices,
    )


PRINCIPAL_CACHE_S = 30.0  # how long another process may act on a revoked credential
PRINCIPAL_CACHE_SIZE = 10_000


class _PrincipalCache:
    """Principals recently resolved from a credential, by the credential's digest, so that most
    requests read nothing to know who calls.

    Any committed change to a user, membership, tenant, token or login empties it at once in
    this process (see :func:`_forget_principals_on_commit`); other processes of the same
    database see such a change within :data:`PRINCIPAL_CACHE_S`. A resolution that started
    before the change is not stored (the generation moved on).
    """

    def __init__(self) -> None:
        self._entries: weakref.WeakKeyDictionary[Database, dict[str, tuple[Principal, float]]]
        self._entries = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self.generation = 0

    def get(self, db: Database, key: str) -> Principal | None:
        entry = self._entries.get(db, {}).get(key)
        if entry is None or entry[1] <= time.monotonic():
            return None
        return entry[0]

    def put(
        self, db: Database, key: str, principal: Principal, generation: int, valid_s: float
    ) -> None:
        with self._lock:
            if generation != self.generation:
                return
            entries = self._entries.setdefault(db, {})
            if len(entries) >= PRINCIPAL_CACHE_SIZE:
                entries.clear()
            entries[key] = (principal, time.monotonic() + min(valid_s, PRINCIPAL_CACHE_S))

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()


_principals = _PrincipalCache()
_IDENTITY_MODELS = (User, Membership, Tenant, ApiToken, UserSession)


@event.listens_for(Session, "after_flush")
def _note_identity_changes(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, _IDENTITY_MODELS):
            session.info["identity_changed"] = True
            return
    for obj in session.dirty:
        if isinstance(obj, _IDENTITY_MODELS):
            ignored: frozenset[str] = getattr(obj, "__audit_ignored__", frozenset())
            state: InstanceState[Any] = inspect(obj)
            if any(attr.history.has_changes() and attr.key not in ignored for attr in state.attrs):
                session.info["identity_changed"] = True
                return


@event.listens_for(Session, "after_commit")
def _forget_principals_on_commit(session: Session) -> None:
    if session.info.pop("identity_changed", False):
        _principals.clear()


@event.listens_for(Session, "after_rollback")
def _drop_identity_note(session: Session) -> None:
    session.info.pop("identity_changed", None)


def _seconds_until(moment: datetime | None, now: datetime) -> float:
    return PRINCIPAL_CACHE_S if moment is None else (moment - now).total_seconds()


def _principal_from_session_cookie(
    session: Session, settings: Settings, cookie: str, now: datetime
) -> tuple[Principal | None, float]:
    key = unsign_session_key(settings, cookie)
    if key is None:
        return None, 0.0
    login = session.scalar(select(UserSession).where(UserSession.key_hash == digest(key)))
    if login is None or login.revoked_at is not None or login.expires_at <= now:
        return None, 0.0
    principal = build_principal(
        session, login.user, login.tenant_id, via="session", session_key=key
    )
    return principal, _seconds_until(login.expires_at, now)


def _principal_from_token(
    session: Session, token: str, now: datetime
) -> tuple[Principal | None, float]:
    if not token.startswith(TOKEN_SCHEME_PREFIX) or token.count("_") < 2:
        return None, 0.0
    prefix = token.split("_")[1]
    api_token = session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    if api_token is None or not hmac.compare_digest(api_token.secret_hash, digest(token)):
        return None, 0.0
    if api_token.revoked_at is not None:
        return None, 0.0
    if api_token.expires_at is not None and api_token.expires_at <= now:
        return None, 0.0
    if api_token.last_used_at is None or now - api_token.last_used_at > TOKEN_USE_RESOLUTION:
        api_token.last_used_at = now
    principal = build_principal(session, api_token.user, api_token.tenant_id, via="token")
    return principal, _seconds_until(api_token.expires_at, now)


def _credential(request: Request) -> tuple[str, str] | None:
    """("token", bearer token) or ("session", cookie) of the request, if it carries one."""
    authorization = request.headers.get("authorization", "")
    scheme, _sep, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return "token", credentials.strip()
    if cookie := request.cookies.get(SESSION_COOKIE):
        return "session", cookie
    return None


def _cache_key(credential: tuple[str, str]) -> str:
    return digest(":".join(credential))


def _with_client(request: Request, principal: Principal | None) -> Principal | None:
    if principal is not None and request.client is not None:
        principal = replace(principal, client_ip=request.client.host)
    request.state.principal = principal
    return principal


def _cached_principal(request: Request) -> tuple[bool, Principal | None]:
    """(known, principal) without touching the database: known when resolved this request,
    when the request has no credential, or when the credential was resolved moments ago."""
    if hasattr(request.state, "principal"):
        return True, request.state.principal
    credential = _credential(request)
    if credential is None:
        return True, _with_client(request, None)
    principal = _principals.get(request.app.state.db, _cache_key(credential))
    if principal is None:
        return False, None
    return True, _with_client(request, principal)


def resolve_principal(request: Request) -> Principal | None:
    """The caller of ``request`` (bearer token first, then session cookie), cached per request
    and, for a few seconds, per credential (see :class:`_PrincipalCache`)."""
    known, principal = _cached_principal(request)
    if known:
        return principal
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    credential = _credential(request)
    assert credential is not None  # not known: the request carries a credential
    kind, secret = credential
    now = utcnow()
    generation = _principals.generation
    with db.session(system=True) as session:
        if kind == "token":
            principal, valid_s = _principal_from_token(session, secret, now)
        else:
            principal, valid_s = _principal_from_session_cookie(session, settings, secret, now)
    if principal is not None:
        _principals.put(db, _cache_key(credential), principal, generation, valid_s)
    return _with_client(request, principal)


async def optional_principal(request: Request) -> Principal | None:
    known, principal = _cached_principal(request)
    if known:
        return principal
    return await run_in_threadpool(resolve_principal, request)


def apply_principal_locale(request: Request, principal: Principal) -> None:
    """Locale order: chosen in the switcher > the user's own > the browser's > the tenant's."""
    source = getattr(request.state, "locale_source", "default")
    if source == "chosen":
        return
    if principal.user_locale:
        set_locale(principal.user_locale)
    elif source == "default":
        set_locale(principal.tenant_locale)


def require(permission: Permission | None = None) -> Callable[..., Awaitable[Principal]]:
    """Dependency: an authenticated principal allowed ``permission``; checks CSRF on writes."""

    async def dependency(
        request: Request,
        principal: Principal | None = Depends(optional_principal),
        _bearer: object = Depends(_BEARER_SCHEME),  # documents the scheme in OpenAPI
    ) -> Principal:
        if principal is None:
            raise NotAuthenticated(_("Please sign in to continue."))
        apply_principal_locale(request, principal)
        if principal.via == "session" and request.method not in SAFE_METHODS:
            await verify_csrf(request, principal)
        if permission is not None and not principal.can(permission):
            raise Forbidden(_("Your role does not allow this."))
        return principal

    return dependency
