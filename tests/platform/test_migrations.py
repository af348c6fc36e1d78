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


def test_events_stored_before_content_keys_get_them_and_lose_their_duplicates(
    db: Database,
) -> None:
    """0002 keys the events 0001 stored exactly as the engine keys new ones."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from contactops.engines.events import Channel, ContactEvent, ContactEventType

    migrate.downgrade(db.engine, "0001")
    at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO tenant (slug, name, time_zone, locale, created_at) "
                "VALUES ('t', 'T', 'UTC', 'en', :at)"
            ),
            {"at": at},
        )
        tenant_id = connection.execute(text("SELECT id FROM tenant")).scalar_one()
        for _copy in range(2):  # the same event stored twice by an old import
            connection.execute(
                text(
                    "INSERT INTO contact_event (tenant_id, occurred_at, contact_id, event_type,"
                    " channel, queue, agent, customer_id, data)"
                    " VALUES (:t, :at, 'c1', 'arrived', 'phone', 'billing', NULL, NULL, NULL)"
                ),
                {
                    "t": tenant_id,
                    "at": at.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else at,
                },
            )
    migrate.upgrade(db.engine)
    with db.engine.connect() as connection:
        keys = connection.execute(text("SELECT event_key FROM contact_event")).scalars().all()
    expected = ContactEvent(
        at, "c1", ContactEventType.ARRIVED, Channel.PHONE, "billing", None
    ).key()
    assert keys == [expected]
