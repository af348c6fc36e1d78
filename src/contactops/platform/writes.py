"""A new row written at once, without flushing the rest of the session.

``session.flush()`` writes every pending change of the session. Where many small transactions
share one session (the live center's group commit), the changes should go to the database in
one flush at the end, while a few new rows are needed earlier: their id is needed now, or a
unique constraint must answer now. :func:`insert_now` writes one such row with a single
``INSERT ... RETURNING`` and attaches it to the session as a stored row; the session's tenant
scope and the audit log apply to it as they do to a flushed row.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.session import make_transient_to_detached

from contactops.platform.audit import record_created
from contactops.platform.tenancy import CrossTenantWrite, TenantScoped, scope_tenant_id

WRITTEN = "written"  # session.info: set when this session wrote a row (see Flow.untouched)

_Row = TypeVar("_Row")


def insert_now(session: Session, row: _Row, *, unless_taken: Sequence[str] = ()) -> _Row | None:
    """Insert ``row`` (new, not yet in the session) now and return it attached as stored, with
    every column as the database holds it (defaults included).

    With ``unless_taken`` (the columns of a unique constraint), a row whose values there are
    stored already is not inserted (``ON CONFLICT DO NOTHING``): None is returned and the
    transaction stays usable, without a savepoint.

    The session's ``after_flush`` listeners do not see the row: this is not for the models they
    watch (identity, configuration).
    """
    mapper = inspect(type(row))
    table = mapper.local_table
    if isinstance(row, TenantScoped):
        tenant_id = scope_tenant_id(session)
        if tenant_id is not None:
            if row.tenant_id is None:
                row.tenant_id = tenant_id
            elif row.tenant_id != tenant_id:
                raise CrossTenantWrite(
                    f"{type(row).__name__} of tenant {row.tenant_id} written in tenant {tenant_id}"
                )
    state = inspect(row)
    values: dict[str, Any] = {}
    for attribute in mapper.column_attrs:
        if attribute.key in state.dict:
            values[attribute.columns[0].key] = state.dict[attribute.key]
    statement = _insert_statement(session.get_bind().dialect.name, table, tuple(unless_taken))
    stored = session.connection().execute(statement, values).one_or_none()
    session.info[WRITTEN] = True
    if stored is None:
        return None
    for attribute in mapper.column_attrs:
        set_committed_value(row, attribute.key, stored._mapping[attribute.columns[0]])
    make_transient_to_detached(row)
    session.add(row)
    record_created(session, row)
    return row


@functools.cache
def _insert_statement(dialect: str, table: Any, unless_taken: tuple[str, ...]) -> Any:
    """Built once: ``INSERT ... [ON CONFLICT (unless_taken) DO NOTHING] RETURNING *``."""
    statement: Any = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    if unless_taken:
        statement = statement.on_conflict_do_nothing(index_elements=list(unless_taken))
    return statement.returning(*table.c)
