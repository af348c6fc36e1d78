"""Administering a tenant: its members and their roles, its settings, its audit log."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactops.platform.audit import AuditEntry
from contactops.platform.auth import Principal, tenant_session
from contactops.platform.database import Database
from contactops.platform.errors import Conflict, InvalidInput, NotFound
from contactops.platform.i18n import SUPPORTED_LOCALES, valid_time_zone
from contactops.platform.i18n import gettext as _
from contactops.platform.identity import Membership, Role, User
from contactops.platform.passwords import hash_password, validate_new_password
from contactops.platform.tenancy import Tenant

AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class Member:
    user_id: int
    email: str
    display_name: str
    role: Role
    is_active: bool
    member_since: datetime
    last_login_at: datetime | None
    initial_password: str | None = None


def _member(membership: Membership, initial_password: str | None = None) -> Member:
    user = membership.user
    return Member(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=membership.role,
        is_active=user.is_active,
        member_since=membership.created_at,
        last_login_at=user.last_login_at,
        initial_password=initial_password,
    )


def _membership(session: Session, user_id: int) -> Membership:
    membership = session.scalar(select(Membership).where(Membership.user_id == user_id))
    if membership is None:
        raise NotFound(_("No such user in this tenant."))
    return membership


def _ensure_admin_remains(session: Session, membership: Membership) -> None:
    """Refuse to leave a tenant without an administrator."""
    if membership.role != Role.ADMIN:
        return
    admins = session.scalar(
        select(func.count()).select_from(Membership).where(Membership.role == Role.ADMIN)
    )
    if (admins or 0) <= 1:
        raise Conflict(_("A tenant needs at least one administrator."))


def list_members(db: Database, principal: Principal) -> list[Member]:
    with tenant_session(db, principal) as session:
        memberships = session.scalars(
            select(Membership).join(User).order_by(User.display_name)
        ).all()
        return [_member(m) for m in memberships]


def add_member(
    db: Database,
    principal: Principal,
    email: str,
    display_name: str,
    role: Role,
    password: str | None = None,
) -> Member:
    """Give someone a role in this tenant, creating their user account if it is new."""
    email = email.strip().lower()
    with tenant_session(db, principal) as session:
        return add_member_in(session, email, display_name, role, password)


def add_member_in(
    session: Session, email: str, display_name: str, role: Role, password: str | None
) -> Member:
    """:func:`add_member` inside an open tenant-scoped transaction (used by the CLI and demo)."""
    if "@" not in email:
        raise InvalidInput("email", _("Enter a valid e-mail address."))
    if not display_name.strip():
        raise InvalidInput("display_name", _("Enter a name."))
    generated = None
    user = session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        if password is None:
            password = generated = secrets.token_urlsafe(12)
        validate_new_password(password)
        user = User(
            email=email, display_name=display_name.strip(), password_hash=hash_password(password)
        )
        session.add(user)
        session.flush()
    elif session.scalar(select(Membership).where(Membership.user_id == user.id)) is not None:
        raise Conflict(_("%(email)s is already a member of this tenant.", email=email))
    membership = Membership(user=user, role=role)
    session.add(membership)
    session.flush()
    return _member(membership, generated)


def change_role(db: Database, principal: Principal, user_id: int, role: Role) -> Member:
    with tenant_session(db, principal) as session:
        membership = _membership(session, user_id)
        if membership.role != role:
            if role != Role.ADMIN:
                _ensure_admin_remains(session, membership)
            membership.role = role
        return _member(membership)


def remove_member(db: Database, principal: Principal, user_id: int) -> None:
    with tenant_session(db, principal) as session:
        membership = _membership(session, user_id)
        _ensure_admin_remains(session, membership)
        session.delete(membership)


# --- tenant settings --------------------------------------------------------------------


def get_tenant(db: Database, principal: Principal) -> Tenant:
    with tenant_session(db, principal) as session:
        tenant = session.get(Tenant, principal.tenant_id)
        assert tenant is not None
        return tenant


def update_tenant(
    db: Database,
    principal: Principal,
    *,
    name: str | None = None,
    time_zone: str | None = None,
    locale: str | None = None,
) -> Tenant:
    if name is not None and not name.strip():
        raise InvalidInput("name", _("Enter a name."))
    if time_zone is not None and not valid_time_zone(time_zone):
        raise InvalidInput("time_zone", _("Unknown time zone: %(zone)s", zone=time_zone))
    if locale is not None and locale not in SUPPORTED_LOCALES:
        raise InvalidInput("locale", _("Unknown language: %(locale)s", locale=locale))
    with tenant_session(db, principal) as session:
        tenant = session.get(Tenant, principal.tenant_id)
        assert tenant is not None
        if name is not None:
            tenant.name = name.strip()
        if time_zone is not None:
            tenant.time_zone = time_zone
        if locale is not None:
            tenant.locale = locale
        return tenant


# --- audit log --------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def audit_log(
    db: Database,
    principal: Principal,
    *,
    page: int = 1,
    entity_type: str | None = None,
    page_size: int = AUDIT_PAGE_SIZE,
) -> AuditPage:
    """The tenant's audit entries, newest first."""
    if page < 1:
        raise InvalidInput("page", _("Pages are numbered from 1."))
    query = select(AuditEntry)
    if entity_type:
        query = query.where(AuditEntry.entity_type == entity_type)
    with tenant_session(db, principal) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        entries = session.scalars(
            query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        ).all()
    return AuditPage(list(entries), total, page, page_size)


# --- tenants (platform operators: CLI and demo) -----------------------------------------

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def create_tenant_in(
    session: Session, *, slug: str, name: str, time_zone: str = "UTC", locale: str = "en"
) -> Tenant:
    """A new tenant, inside an open system-scoped transaction."""
    if not SLUG_PATTERN.match(slug):
        raise InvalidInput(
            "slug",
            _("Use 2–63 lowercase letters, digits and hyphens, starting with a letter or digit."),
        )
    if not name.strip():
        raise InvalidInput("name", _("Enter a name."))
    if not valid_time_zone(time_zone):
        raise InvalidInput("time_zone", _("Unknown time zone: %(zone)s", zone=time_zone))
    if locale not in SUPPORTED_LOCALES:
        raise InvalidInput("locale", _("Unknown language: %(locale)s", locale=locale))
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise Conflict(_("A tenant with the identifier %(slug)s exists already.", slug=slug))
    tenant = Tenant(slug=slug, name=name.strip(), time_zone=time_zone, locale=locale)
    session.add(tenant)
    session.flush()
    return tenant


def find_tenant_in(session: Session, slug: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFound(_("No tenant with the identifier %(slug)s.", slug=slug))
    return tenant
