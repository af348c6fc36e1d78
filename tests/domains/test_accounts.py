"""Security records are kept for a while, then purged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from contactops.domains.accounts import service as accounts
from contactops.platform.database import Database, utcnow
from contactops.platform.identity import LoginAttempt, UserSession
from tests.conftest import World


def test_old_sessions_and_attempts_are_purged_recent_ones_kept(db: Database, world: World) -> None:
    now = utcnow()
    with db.session(system=True) as session:
        for days_ago, key in ((200, "old"), (1, "new")):
            session.add(
                UserSession(
                    key_hash=key,
                    user_id=world.users["admin"],
                    tenant_id=world.tenant_a,
                    created_at=now - timedelta(days=days_ago + 1),
                    expires_at=now - timedelta(days=days_ago),
                )
            )
            session.add(
                LoginAttempt(
                    email="x@a.example",
                    ip_address="1.2.3.4",
                    succeeded=False,
                    attempted_at=now - timedelta(days=days_ago),
                )
            )
    report = accounts.purge_security_records(db, keep_days=90)
    assert (report.sessions, report.login_attempts) == (1, 1)
    with db.session(system=True) as session:
        assert session.scalars(select(UserSession.key_hash)).all() == ["new"]
        assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 1
