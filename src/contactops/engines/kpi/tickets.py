"""Ticket facts: one row per ticket, derived from its ticket events in one DuckDB query.

The rules (the ticket KPIs of the catalog count these columns):

- opened_at, queue, channel: of the ticket's first ``opened`` event; a ticket without one in
  the events given is left out (its opening lies outside what was read).
- agent = the agent of the first ``first_response``: the first agent, who answered first.
- resolved_at = the last ``resolved`` when no ``reopened`` follows it, else null (a reopened
  ticket is not resolved until it is solved again); resolver = that event's agent.
- resolved_by_first_agent = resolved, and the resolver is the first agent (both known).
- escalated = the ticket has an ``escalated`` event; sla_breached = an ``sla_breached`` event.
"""

from __future__ import annotations

import uuid

import duckdb
import pyarrow as pa

from contactops.engines.events import TICKET_EVENT_SCHEMA, TIMESTAMP, TicketEventType

_E = TicketEventType

TICKET_FACTS_SCHEMA = pa.schema(
    [
        pa.field("ticket_id", pa.string(), nullable=False),
        pa.field("opened_at", TIMESTAMP, nullable=False),
        pa.field("queue", pa.string()),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("agent", pa.string()),  # the first agent
        pa.field("resolved_at", TIMESTAMP),
        pa.field("resolved_by_first_agent", pa.bool_(), nullable=False),
        pa.field("escalated", pa.bool_(), nullable=False),
        pa.field("sla_breached", pa.bool_(), nullable=False),
    ]
)


def _sql(view: str) -> str:
    return f"""
        WITH per_ticket AS (
            SELECT ticket_id,
                   min(occurred_at) FILTER (event_type = '{_E.OPENED}') AS opened_at,
                   arg_min(queue, occurred_at) FILTER (event_type = '{_E.OPENED}') AS queue,
                   arg_min(channel, occurred_at) FILTER (event_type = '{_E.OPENED}') AS channel,
                   arg_min(agent, occurred_at)
                       FILTER (event_type = '{_E.FIRST_RESPONSE}') AS agent,
                   max(occurred_at) FILTER (event_type = '{_E.RESOLVED}') AS last_resolved_at,
                   arg_max(agent, occurred_at)
                       FILTER (event_type = '{_E.RESOLVED}') AS resolver,
                   max(occurred_at) FILTER (event_type = '{_E.REOPENED}') AS last_reopened_at,
                   bool_or(event_type = '{_E.ESCALATED}') AS escalated,
                   bool_or(event_type = '{_E.SLA_BREACHED}') AS sla_breached
            FROM {view} GROUP BY ticket_id
        )
        SELECT ticket_id, opened_at, queue, channel, agent,
               CASE WHEN last_reopened_at IS NULL OR last_reopened_at < last_resolved_at
                    THEN last_resolved_at END AS resolved_at,
               coalesce(
                   (last_reopened_at IS NULL OR last_reopened_at < last_resolved_at)
                   AND resolver = agent, FALSE
               ) AS resolved_by_first_agent,
               escalated, sla_breached
        FROM per_ticket WHERE opened_at IS NOT NULL
        ORDER BY opened_at, ticket_id"""


def ticket_facts(events: pa.Table, connection: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """One row of :data:`TICKET_FACTS_SCHEMA` per ticket opened in ``events``
    (:data:`TICKET_EVENT_SCHEMA`)."""
    missing = [c for c in TICKET_EVENT_SCHEMA.names if c not in events.column_names]
    if missing:
        raise ValueError(f"ticket events: missing columns {', '.join(missing)}")
    con = connection if connection is not None else duckdb.connect()
    name = f"ticket_events_{uuid.uuid4().hex}"
    con.register(name, events)
    try:
        result = con.sql(_sql(name)).to_arrow_table()
    finally:
        con.unregister(name)
        if connection is None:
            con.close()
    return result.cast(TICKET_FACTS_SCHEMA)
