"""Scheduled and adherent time: the schedule rows against the agent-state log, in SQL.

Scheduled time is each schedule row's [start, end) clipped to the report's [start, end) and cut
at every time-grid cell boundary, as agent time is (:mod:`.agent_time`), so intervals add up.
Adherent time is the part of it during which the agent's state is one of the activity's
adherent states (:data:`.adherence.ACTIVITIES`); states are spans of the agent-state log as for
agent time, except that ``logged_out`` is a state and an agent is logged out before its first
event.
"""

from __future__ import annotations

from collections.abc import Sequence

from contactops.engines.kpi.adherence import ACTIVITIES
from contactops.engines.kpi.agent_time import grouped_sql, pieces_sql, state_spans_sql
from contactops.engines.kpi.queries import Scope
from contactops.engines.kpi.sql import STATE_CODES


def _scheduled_sql(scope: Scope, view: str) -> str:
    """Schedule rows ``(agent, activity, a_us, b_us)`` clipped to [start, end), none empty."""
    a_us = f'greatest(epoch_us("start"), {scope.start_us})'
    b_us = f'least(epoch_us("end"), {scope.end_us})'
    return (
        f"SELECT _agent AS agent, activity, {a_us} AS a_us, {b_us} AS b_us FROM {view} "
        f"WHERE {b_us} > {a_us}"
    )


def adherent_states_sql(activity: str = "activity", state_code: str = "state_code") -> str:
    """SQL: whether the state ``state_code`` adheres to the scheduled ``activity``."""
    cases = " ".join(
        f"WHEN '{a.name}' THEN {state_code} IN "
        f"({', '.join(str(STATE_CODES[s.value]) for s in sorted(a.adherent_states))})"
        for a in ACTIVITIES.values()
    )
    return f"(CASE {activity} {cases} ELSE FALSE END)"


def scheduled_time_sql(scope: Scope, view: str, aggregates: Sequence[str]) -> str:
    """Aggregates over scheduled pieces (``agent``, ``activity``, ``duration_us``)."""
    pieces = pieces_sql(scope, "scheduled", ("agent", "activity"))
    return f"""
        WITH scheduled AS ({_scheduled_sql(scope, view)}), pieces AS ({pieces})
        {grouped_sql(scope, "pieces", aggregates)}"""


def adherent_time_sql(
    scope: Scope, schedules_view: str, states_view: str, aggregates: Sequence[str]
) -> str:
    """Aggregates over adherent pieces (``agent``, ``activity``, ``duration_us``): scheduled
    time during which the agent's state adhered to the activity."""
    spans = state_spans_sql(
        states_view, scope.start_us, scope.end_us, logged_out=True, agents="scheduled"
    )
    pieces = pieces_sql(scope, "adherent", ("agent", "activity"))
    return f"""
        WITH scheduled AS ({_scheduled_sql(scope, schedules_view)}),
        spans AS ({spans}),
        adherent AS (
            SELECT s.agent, s.activity,
                   greatest(s.a_us, p.a_us) AS a_us, least(s.b_us, p.b_us) AS b_us
            FROM scheduled s JOIN spans p
              ON s.agent = p.agent AND p.a_us < s.b_us AND p.b_us > s.a_us
            WHERE {adherent_states_sql("s.activity", "p.state_code")}
        ),
        pieces AS ({pieces})
        {grouped_sql(scope, "pieces", aggregates)}"""
