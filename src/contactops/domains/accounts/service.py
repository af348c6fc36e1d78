"""Signing in and out, switching tenant, language preference, and personal API tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from contactops.platform.auth import (
    TOKEN_SCHEME_PREFIX,
    Principal,
    digest,
    new_session_key,
    tenant_session,
)
from contactops.platform.database import Database, utcnow
from contactops.platform.errors import DomainError, InvalidInput, NotFound
from contactops.platform.i18n import SUPPORTED_LOCALES
from contactops.platform.i18n import gettext as _
from contactops.platform.identity import ApiToken, LoginAttempt, Membership, User, UserSession
from contactops.platform.passwords import (
    dummy_hash,
    hash_password,
    needs_rehash,
    validate_new_password,
    verify_password,
)
from contactops.platform.settings import Settings
from contactops.platform.throttle import ensure_login_allowed, record_login_attempt


class LoginFailed(DomainError):
    status = 401
    title = "Sign-in failed"
    type_slug = "login-failed"


@dataclass(frozen=True)
class Login:
    session_key: str
    user_id: int
    tenant_id: int


def normalise_email(email: str) -> str:
    return email.strip().lower()


def sign_in(db: Database, settings: Settings, email: str, password: str, ip: str) -> Login:
    """Check the password (throttled), then open a session in the user's first tenant.

    A failed attempt is committed before the error is raised, so throttling counts it.
    """
    email = normalise_email(email)
    with db.session(system=True) as session:
        ensure_login_allowed(session, settings, email, ip)
        user = session.scalar(select(User).where(func.lower(User.email) == email))
        valid = verify_password(user.password_hash if user else dummy_hash(), password)
        tenant_id = (
            session.scalar(
                select(Membership.tenant_id)
                .where(Membership.user_id == user.id)
                .order_by(Membership.id)
                .limit(1)
            )
            if user is not None
            else None
        )
        succeeded = bool(valid and user is not None and user.is_active and tenant_id is not None)
        record_login_attempt(session, email, ip, succeeded)
        if succeeded:
            assert user is not None and tenant_id is not None
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            user.last_login_at = utcnow()
            key = new_session_key()
            session.add(
                UserSession(
                    key_hash=digest(key),
                    user_id=user.id,
                    tenant_id=tenant_id,
                    expires_at=utcnow() + timedelta(seconds=settings.session_max_age_s),
                    ip_address=ip,
                )
            )
            return Login(session_key=key, user_id=user.id, tenant_id=tenant_id)
    raise LoginFailed(_("The e-mail address or the password is not right."))


def sign_out(db: Database, session_key: str) -> None:
    with db.session(system=True) as session:
        login = session.scalar(
            select(UserSession).where(UserSession.key_hash == digest(session_key))
        )
        if login is not None and login.revoked_at is None:
            login.revoked_at = utcnow()


def switch_tenant(db: Database, principal: Principal, tenant_id: int) -> None:
    """Move the browser session to another tenant the user belongs to (404 otherwise)."""
    if principal.session_key is None or tenant_id not in {t.id for t in principal.tenants}:
        raise NotFound(_("You do not belong to that tenant."))
    with db.session(system=True) as session:
        login = session.scalar(
            select(UserSession).where(UserSession.key_hash == digest(principal.session_key))
        )
        if login is None:
            raise NotFound(_("Your session has ended. Please sign in again."))
        login.tenant_id = tenant_id


def set_preferred_locale(db: Database, principal: Principal, locale: str) -> None:
    if locale not in SUPPORTED_LOCALES:
        raise InvalidInput("locale", _("Unknown language: %(locale)s", locale=locale))
    with tenant_session(db, principal) as session:
        user = session.get(User, principal.user_id)
        assert user is not None
        user.locale = locale


def change_password(
    db: Database, principal: Principal, current_password: str, new_password: str
) -> None:
    """Replace the caller's password and end their other browser sessions."""
    validate_new_password(new_password, "new_password")
    with tenant_session(db, principal) as session:
        user = session.get(User, principal.user_id)
        assert user is not None
        if not verify_password(user.password_hash, current_password):
            raise InvalidInput("current_password", _("The current password is not right."))
        user.password_hash = hash_password(new_password)
    keep = digest(principal.session_key) if principal.session_key else None
    with db.session(system=True) as session:
        for login in session.scalars(
            select(UserSession).where(
                UserSession.user_id == principal.user_id, UserSession.revoked_at.is_(None)
            )
        ):
            if login.key_hash != keep:
                login.revoked_at = utcnow()


@dataclass(frozen=True)
class PurgeReport:
    sessions: int
    login_attempts: int


def purge_security_records(db: Database, keep_days: int = 90) -> PurgeReport:
    """Delete sessions that ended, and login attempts, older than ``keep_days``."""
    if keep_days < 1:
        raise InvalidInput("keep_days", _("Keep at least one day."))
    cutoff = utcnow() - timedelta(days=keep_days)
    with db.session(system=True) as session:
        sessions = session.execute(
            delete(UserSession).where(
                (UserSession.expires_at < cutoff) | (UserSession.revoked_at < cutoff)
            )
        ).rowcount
        attempts = session.execute(
            delete(LoginAttempt).where(LoginAttempt.attempted_at < cutoff)
        ).rowcount
    return PurgeReport(sessions or 0, attempts or 0)


# --- API tokens -------------------------------------------------------------------------


def list_tokens(db: Database, principal: Principal) -> list[ApiToken]:
    with tenant_session(db, principal) as session:
        return list(
            session.scalars(
                select(ApiToken)
                .where(ApiToken.user_id == principal.user_id)
                .order_by(ApiToken.created_at.desc())
            )
        )


def create_token(
    db: Database, principal: Principal, name: str, expires_in_days: int | None
) -> tuple[ApiToken, str]:
    """A new token for the caller in the current tenant; the secret is returned only here."""
    name = name.strip()
    if not name:
        raise InvalidInput("name", _("Give the token a name."))
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_SCHEME_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    with tenant_session(db, principal) as session:
        api_token = ApiToken(
            user_id=principal.user_id,
            name=name,
            prefix=prefix,
            secret_hash=digest(token),
            expires_at=expires_at,
        )
        session.add(api_token)
    return api_token, token


def revoke_token(db: Database, principal: Principal, token_id: int) -> ApiToken:
    with tenant_session(db, principal) as session:
        api_token = session.scalar(
            select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == principal.user_id)
        )
        if api_token is None:
            raise NotFound(_("No such token."))
        if api_token.revoked_at is None:
            api_token.revoked_at = utcnow()
        return api_token
