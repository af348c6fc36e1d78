"""Alembic environment: runs on the connection handed over by contactops.platform.migrate."""

from __future__ import annotations

from alembic import context

from contactops.platform.migrate import all_metadata

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=all_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
