"""The SQL of each source part: legs, contacts (first answered leg, first leg), surveys and
tickets.

Each part aggregates its components at the finest grouping the report needs — the time-grid
cell ``k`` and the queue, channel and agent columns asked for — over rows whose attribution time
``t_us`` lies in [start, end). :mod:`.report_sql` sums the parts to the report's groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contactops.engines.kpi.sql import EXITS, IS_ANSWERED, IS_OFFERED
from contactops.engines.kpi.time_grid import TimeGrid


@dataclass(frozen=True, slots=True)
class Scope:
    """Which rows count ([start, end) in µs) and the stage-one grouping columns."""

    start_us: int
    end_us: int
    grid: TimeGrid | None  # None when no time dimension is asked for
    by_queue: bool
    by_channel: bool
    by_agent: bool  # grouped by agent or by team (team is the agent's, joined later)

    def columns(self) -> list[str]:
        """The grouping columns every part yields, in a fixed order."""
        names = ["k"] if self.grid else []
        names += [n for n, on in (("queue", self.by_queue), ("channel", self.by_channel)) if on]
        return names + (["agent"] if self.by_agent else [])

    def cell(self, t_us: str) -> str:
        """SQL of the time-grid cell of the µs instant ``t_us``."""
        assert self.grid is not None
        return f"({t_us} - {self.grid.base_us}) // {self.grid.step_us}"

    def within(self, t_us: str) -> str:
        return f"{t_us} >= {self.start_us} AND {t_us} < {self.end_us}"


def legs_projection(view: str, coded: frozenset[str] = frozenset()) -> str:
    """Every leg with its attribution time ``t_us`` and the outcome predicates evaluated once.

    Time attribution: the leg's queue entry, or the contact's arrival when it never queued.
    The dimensions in ``coded`` are read from their integer code columns (``_queue``, ...).
    """
    dims = ", ".join(f"_{d} AS {d}" if d in coded else d for d in ("queue", "channel", "agent"))
    return f"""
        SELECT contact_id, leg_no, legs, customer_id, {dims}, outcome,
               wait_s, talk_s, hold_s, wrapup_s, handle_s, transferred, resolved,
               epoch_us(coalesce(queued_at, arrived_at)) AS t_us,
               epoch_us(arrived_at) AS arrived_us,
               {IS_OFFERED} AS is_offered,
               {IS_ANSWERED} AS is_answered,
               ({IS_ANSWERED} OR outcome IN {EXITS}) AS left_queue
        FROM {view}"""


def tickets_projection(view: str, coded: frozenset[str] = frozenset()) -> str:
    """Every ticket with its attribution time ``t_us``: its opening."""
    dims = ", ".join(f"_{d} AS {d}" if d in coded else d for d in ("queue", "channel", "agent"))
    return f"""
        SELECT {dims}, resolved_at IS NOT NULL AS resolved, resolved_by_first_agent,
               escalated, sla_breached, epoch_us(opened_at) AS t_us
        FROM {view}"""


def aggregate(
    scope: Scope,
    source: str,
    aggregates: Sequence[str],
    *,
    t_us: str = "t_us",
    dims: dict[str, str] | None = None,
    where: str = "TRUE",
) -> str:
    """``SELECT <grouping>, <aggregates> FROM source WHERE t_us in scope AND where GROUP BY``.

    ``dims`` renames the source columns that hold queue / channel / agent (default: same name).
    """
    dims = dims or {}
    select: list[str] = []
    for name in scope.columns():
        expr = scope.cell(t_us) if name == "k" else dims.get(name, name)
        select.append(f"{expr} AS {name}")
    group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(select)))}" if select else ""
    return (
        f"SELECT {', '.join([*select, *aggregates])} FROM {source} "
        f"WHERE {scope.within(t_us)} AND ({where}){group}"
    )


def contacts_sql(scope: Scope, legs: str, repeat_window_us: int | None) -> str:
    """One row per contact (virtual records excluded) from its leg 1 and its other legs.

    ``a_*``: where the first answered leg counts (null when never answered). ``repeated``
    (when ``repeat_window_us`` is given): the same customer has another contact arriving within
    the window after this one, or at the same instant — so the result does not depend on the
    order of simultaneous contacts. Searched over every leg given, whatever the report's period.
    Only the columns the report groups by are carried.
    """
    dims = [c for c in scope.columns() if c != "k"]
    leg1 = ", ".join(["customer_id", "arrived_us", "t_us", *dims])
    first_single = ", ".join(
        f"CASE WHEN is_answered THEN {c} END AS a_{c}" for c in ("t_us", *dims)
    )
    leg1_multi = ", ".join(
        f"arg_min_null({c}, leg_no) AS {c}" for c in ("customer_id", "arrived_us", "t_us", *dims)
    )
    first_multi = ", ".join(
        f"arg_min_null({c}, leg_no) FILTER (WHERE is_answered) AS a_{c}" for c in ("t_us", *dims)
    )
    all_contacts = f"""
        SELECT {leg1}, is_answered AS answered, transferred AS any_transferred, resolved,
               {first_single}
        FROM {legs} WHERE leg_no = 1 AND legs = 1 AND outcome <> 'ignored'
        UNION ALL
        SELECT {leg1_multi}, bool_or(is_answered) AS answered,
               bool_or(transferred) AS any_transferred, bool_or(resolved) AS resolved,
               {first_multi}
        FROM {legs} WHERE legs > 1 GROUP BY contact_id
        HAVING min(leg_no) = 1 AND arg_min_null(outcome, leg_no) <> 'ignored'"""
    if repeat_window_us is None:
        return f"""
        contacts AS MATERIALIZED (
            SELECT * EXCLUDE (customer_id, arrived_us),
                   customer_id IS NOT NULL AS known, FALSE AS repeated
            FROM ({all_contacts})
        )"""
    return f"""
        contacts_all AS NOT MATERIALIZED ({all_contacts}),
        contacts AS MATERIALIZED (
            SELECT * EXCLUDE (customer_id, arrived_us), TRUE AS known,
                   coalesce(lead(arrived_us) OVER r - arrived_us <= {repeat_window_us}, FALSE)
                   OR coalesce(lag(arrived_us) OVER r = arrived_us, FALSE) AS repeated
            FROM contacts_all WHERE customer_id IS NOT NULL
            WINDOW r AS (PARTITION BY customer_id ORDER BY arrived_us)
            UNION ALL
            SELECT * EXCLUDE (customer_id, arrived_us), FALSE AS known,
                   FALSE AS repeated
            FROM contacts_all WHERE customer_id IS NULL
        )"""


def survey_legs_sql(legs: str, surveys_view: str) -> str:
    """Each surveyed contact's last answered leg: where its survey answers count."""
    last = ", ".join(
        f"arg_max_null({c}, leg_no) AS {c}" for c in ("t_us", "queue", "channel", "agent")
    )
    return f"""
        survey_legs AS (
            SELECT contact_id, {last} FROM {legs}
            WHERE is_answered AND contact_id IN (SELECT contact_id FROM {surveys_view})
            GROUP BY contact_id
        ),
        survey_rows AS NOT MATERIALIZED (
            SELECT s.survey, s.score, l.t_us, l.queue, l.channel, l.agent
            FROM {surveys_view} s JOIN survey_legs l USING (contact_id)
        )"""
