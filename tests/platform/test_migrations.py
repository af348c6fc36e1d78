"""Migrations build the schema the models describe, and can be undone and redone."""

from __future__ import annotations

from sqlalchemy import inspect

from contactops.platform import migrate
from contactops.platform.database import Database


def test_upgrade_downgrade_upgrade(db: Database) -> None:
    assert migrate.is_up_to_date(db.engine)
    migrate.downgrade(db.engine, "base")
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    assert migrate.current_revision(db.engine) is None
    migrate.upgrade(db.engine)
    assert migrate.is_up_to_date(db.engine)
    assert {"tenant", "user_account", "membership", "audit_log", "contact_event"} <= set(
        inspect(db.engine).get_table_names()
    )


def test_the_models_and_the_migrations_agree(db: Database) -> None:
    assert migrate.schema_drift(db.engine) == []
