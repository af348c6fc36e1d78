"""Agent time from the agent-state log: states as spans, clipped and split at interval bounds.

Each event opens a state that lasts until the same agent's next event (events at one instant
keep the log's order); ``logged_out`` closes the session and is not agent time; the last open
state is cut at the report's end. Spans are clipped to [start, end) and cut at every time-grid
cell boundary, so the time of the intervals adds up exactly to the time of the period. The log
must hold each agent's last event before ``start``, or the first minutes are unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from contactops.engines.kpi.queries import Scope
from contactops.engines.kpi.sql import STATE_CODES

ROW_COLUMN = "_row"  # the log's own order, to break ties between events at one instant
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BEFORE_ANY_US = -(1 << 62)  # earlier than any event: "logged out since ever"


def _iso(at_us: int) -> str:
    return (_EPOCH + timedelta(microseconds=at_us)).isoformat()


def with_row_order(agent_states: pa.Table) -> pa.Table:
    """``agent_states`` plus its row number (shares the other columns' buffers)."""
    rows = pa.array(np.arange(agent_states.num_rows, dtype=np.int64))
    return agent_states.append_column(ROW_COLUMN, rows)


def state_spans_sql(
    view: str, start_us: int, end_us: int, *, logged_out: bool = False, agents: str | None = None
) -> str:
    """State spans ``(agent, state_code, a_us, b_us)`` clipped to [start, end), none empty.

    Each event lasts until the same agent's next event (ties in the log's order ``_row``); the
    last is cut at ``end_us``. With ``logged_out`` the logged-out spans are kept and every agent
    of the relation ``agents`` (one column ``agent``) is logged out before its first event.
    """
    cases = " ".join(f"WHEN '{state}' THEN {code}" for state, code in STATE_CODES.items())
    off = STATE_CODES["logged_out"]
    events = f"""
                SELECT _agent AS agent, epoch_us(occurred_at) AS at_us, {ROW_COLUMN},
                       (CASE state {cases} ELSE -1 END)::TINYINT AS state_code
                FROM {view}
                WHERE occurred_at < TIMESTAMPTZ '{_iso(end_us)}'"""
    if agents is not None:
        events += f""" AND _agent IN (SELECT agent FROM {agents})
                UNION ALL
                SELECT DISTINCT agent, {_BEFORE_ANY_US}::BIGINT, -1::BIGINT, {off}::TINYINT
                FROM {agents}"""
    keep = "" if logged_out else f"state_code <> {off} AND "
    return f"""
        SELECT agent, state_code,
               greatest(at_us, {start_us}) AS a_us,
               least(coalesce(next_us, {end_us}), {end_us}) AS b_us
        FROM (
            SELECT agent, state_code, at_us,
                   lead(at_us) OVER (PARTITION BY agent ORDER BY at_us, {ROW_COLUMN}) AS next_us
            FROM ({events}
            )
        )
        WHERE {keep}least(coalesce(next_us, {end_us}), {end_us}) > greatest(at_us, {start_us})"""


def pieces_sql(scope: Scope, spans: str, carry: Sequence[str]) -> str:
    """The rows of ``spans`` (``carry`` columns, ``a_us``, ``b_us``) cut at every time-grid cell
    boundary: ``carry``, ``k`` (without a grid: none) and ``duration_us``."""
    cols = ", ".join(carry)
    if scope.grid is None:
        return f"SELECT {cols}, b_us - a_us AS duration_us FROM {spans}"
    base, step = scope.grid.base_us, scope.grid.step_us
    first = f"(a_us - {base}) // {step}"
    last = f"(b_us - 1 - {base}) // {step}"
    return f"""
            SELECT {cols}, {first} AS k, b_us - a_us AS duration_us
            FROM {spans} WHERE {first} = {last}
            UNION ALL
            SELECT {cols}, k,
                   least(b_us, {base} + (k + 1) * {step})
                   - greatest(a_us, {base} + k * {step}) AS duration_us
            FROM (SELECT {cols}, a_us, b_us, unnest(range({first}, {last} + 1)) AS k
                  FROM {spans} WHERE {first} < {last})"""


def grouped_sql(scope: Scope, pieces: str, aggregates: Sequence[str]) -> str:
    """``aggregates`` over ``pieces`` per stage-one group (time-grid cell and agent)."""
    select = [n for n in scope.columns() if n in ("k", "agent")]
    group = f" GROUP BY {', '.join(select)}" if select else ""
    return f"SELECT {', '.join([*select, *aggregates])} FROM {pieces}{group}"


def agent_time_sql(scope: Scope, view: str, aggregates: Sequence[str]) -> str:
    """Aggregates over state pieces (``agent``, ``state_code``, ``duration_us``) at stage-one
    grain; ``agent`` is the agent's code (column ``_agent``, see :mod:`.codes`)."""
    spans = state_spans_sql(view, scope.start_us, scope.end_us)
    pieces = pieces_sql(scope, "spans", ("agent", "state_code"))
    return f"""
        WITH spans AS ({spans}), pieces AS ({pieces})
        {grouped_sql(scope, "pieces", aggregates)}"""
