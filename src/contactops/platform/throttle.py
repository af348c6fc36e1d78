"""Login throttling: too many failures for one e-mail, or from one address, in a sliding window.

Attempts are rows in the database, so the limit holds across server processes and restarts.
A throttled attempt is refused before the password is even checked.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactops.platform.database import utcnow
from contactops.platform.errors import TooManyRequests
from contactops.platform.i18n import gettext as _
from contactops.platform.identity import LoginAttempt
from contactops.platform.settings import Settings


def _failures_since(
    session: Session, column: Any, value: str, window: timedelta, *, reset_by_success: bool
) -> int:
    """Failures in the window; for an e-mail, only those after its last successful login."""
    start = utcnow() - window
    if reset_by_success:
        last_success = session.scalar(
            select(func.max(LoginAttempt.attempted_at)).where(
                column == value, LoginAttempt.succeeded.is_(True), LoginAttempt.attempted_at > start
            )
        )
        start = last_success or start
    return (
        session.scalar(
            select(func.count()).where(
                column == value,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at > start,
            )
        )
        or 0
    )


def ensure_login_allowed(session: Session, settings: Settings, email: str, ip: str) -> None:
    """Raise :class:`TooManyRequests` when the e-mail or the address is over its limit."""
    window = timedelta(seconds=settings.login_window_s)
    by_email = _failures_since(session, LoginAttempt.email, email, window, reset_by_success=True)
    by_ip = _failures_since(session, LoginAttempt.ip_address, ip, window, reset_by_success=False)
    if by_email >= settings.login_max_failures or by_ip >= settings.login_max_failures_per_ip:
        raise TooManyRequests(
            _(
                "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
                minutes=max(1, settings.login_window_s // 60),
            ),
            retry_after_s=settings.login_window_s,
        )


def record_login_attempt(session: Session, email: str, ip: str, succeeded: bool) -> None:
    session.add(LoginAttempt(email=email, ip_address=ip, succeeded=succeeded))
