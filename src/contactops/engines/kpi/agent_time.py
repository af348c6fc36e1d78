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


def _iso(at_us: int) -> str:
    return (_EPOCH + timedelta(microseconds=at_us)).isoformat()


def with_row_order(agent_states: pa.Table) -> pa.Table:
    """``agent_states`` plus its row number (shares the other columns' buffers)."""
    rows = pa.array(np.arange(agent_states.num_rows, dtype=np.int64))
    return agent_states.append_column(ROW_COLUMN, rows)


def agent_time_sql(scope: Scope, view: str, aggregates: Sequence[str]) -> str:
    """Aggregates over state pieces (``agent``, ``state_code``, ``duration_us``) at stage-one
    grain; ``agent`` is the agent's code (column ``_agent``, see :mod:`.codes`)."""
    start_us, end_us = scope.start_us, scope.end_us
    cases = " ".join(f"WHEN '{state}' THEN {code}" for state, code in STATE_CODES.items())
    spans = f"""
        SELECT agent, state_code,
               greatest(at_us, {start_us}) AS a_us,
               least(coalesce(next_us, {end_us}), {end_us}) AS b_us
        FROM (
            SELECT agent, state_code, at_us,
                   lead(at_us) OVER (PARTITION BY agent ORDER BY at_us, {ROW_COLUMN}) AS next_us
            FROM (
                SELECT _agent AS agent, epoch_us(occurred_at) AS at_us, {ROW_COLUMN},
                       (CASE state {cases} ELSE -1 END)::TINYINT AS state_code
                FROM {view}
                WHERE occurred_at < TIMESTAMPTZ '{_iso(end_us)}'
            )
        )
        WHERE state_code <> {STATE_CODES["logged_out"]}
          AND least(coalesce(next_us, {end_us}), {end_us}) > greatest(at_us, {start_us})"""
    if scope.grid is None:
        pieces = "SELECT agent, state_code, b_us - a_us AS duration_us FROM spans"
    else:
        base, step = scope.grid.base_us, scope.grid.step_us
        first = f"(a_us - {base}) // {step}"
        last = f"(b_us - 1 - {base}) // {step}"
        pieces = f"""
            SELECT agent, state_code, {first} AS k, b_us - a_us AS duration_us
            FROM spans WHERE {first} = {last}
            UNION ALL
            SELECT agent, state_code, k,
                   least(b_us, {base} + (k + 1) * {step})
                   - greatest(a_us, {base} + k * {step}) AS duration_us
            FROM (SELECT agent, state_code, a_us, b_us, unnest(range({first}, {last} + 1)) AS k
                  FROM spans WHERE {first} < {last})"""
    select = [n for n in scope.columns() if n in ("k", "agent")]
    group = f" GROUP BY {', '.join(select)}" if select else ""
    return f"""
        WITH spans AS ({spans}), pieces AS ({pieces})
        SELECT {", ".join([*select, *aggregates])} FROM pieces{group}"""
