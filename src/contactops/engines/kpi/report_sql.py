"""The report query: the source parts asked for, summed per group, then the KPI formulas.

Stage one (:mod:`.queries`, :mod:`.agent_time`, :mod:`.schedule_time`) aggregates each source at
the time-grid cell × queue × channel × agent grain the report needs; here the parts are stacked,
joined to the time grid, the code dictionaries and the team mapping, summed per report group, and
every KPI is its catalog formula over those sums (:mod:`.sql`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from contactops.engines.kpi.agent_time import agent_time_sql
from contactops.engines.kpi.catalog import KpiParameters, kpi
from contactops.engines.kpi.queries import (
    Scope,
    aggregate,
    contacts_sql,
    legs_projection,
    survey_legs_sql,
    tickets_projection,
)
from contactops.engines.kpi.schedule_time import adherent_time_sql, scheduled_time_sql
from contactops.engines.kpi.sql import US_PER_HOUR, Component, Part, components, kpi_formulas
from contactops.engines.kpi.time_grid import TIME_COLUMNS

CODED = ("queue", "channel", "agent")  # dimensions grouped as integer codes (see .codes)


def needed_components(ids: Sequence[str], params: KpiParameters) -> dict[str, Component]:
    """The components the KPIs ``ids`` read, by name."""
    formulas = kpi_formulas(params)
    catalog_components = components(params)
    return {name: catalog_components[name] for i in ids for name in formulas[i][1]}


def report_sql(
    scope: Scope,
    dims: Sequence[str],
    ids: Sequence[str],
    params: KpiParameters,
    available: set[Part],
    names: Mapping[str, str],
) -> str:
    """The whole report as one statement over the registered views ``names``.

    ``names`` holds ``legs`` and, where used, ``grid``, ``teams``, ``agent_states``,
    ``schedules``, ``surveys``, ``tickets`` and ``codes_<dimension>``. A part not
    ``available`` yields null components.
    """
    needed = needed_components(ids, params)
    by_part: dict[Part, list[str]] = {}
    for name, component in needed.items():
        if component.part in available:
            by_part.setdefault(component.part, []).append(f"{component.sql} AS {name}")
    if not by_part:
        by_part["legs"] = ["count(*) AS n_legs"]
    coded = frozenset(d for d in CODED if f"codes_{d}" in names)
    # The legs projection is inlined wherever it is read: a CTE would be materialized.
    legs_t = f"({legs_projection(names['legs'], coded)}) AS legs_t"
    ctes = []
    if {"answered_contacts", "first_legs"} & by_part.keys():
        repeats = any(needed[n].part == "first_legs" or n == "n_fcr_met" for n in needed)
        window_us = round(params.repeat_window_h * US_PER_HOUR) if repeats else None
        ctes.append(contacts_sql(scope, legs_t, window_us))
    if "surveys" in by_part:
        ctes.append(survey_legs_sql(legs_t, names["surveys"]))
    first_answered = {c: f"a_{c}" for c in CODED}
    parts = []
    for part, aggregates in by_part.items():
        if part == "legs":
            parts.append(aggregate(scope, legs_t, aggregates))
        elif part == "answered_contacts":
            parts.append(
                aggregate(
                    scope, "contacts", aggregates, t_us="a_t_us", dims=first_answered,
                    where="answered",
                )
            )  # fmt: skip
        elif part == "first_legs":
            parts.append(aggregate(scope, "contacts", aggregates))
        elif part == "surveys":
            parts.append(aggregate(scope, "survey_rows", aggregates))
        elif part == "tickets":
            tickets_t = f"({tickets_projection(names['tickets'], coded)}) AS tickets_t"
            parts.append(aggregate(scope, tickets_t, aggregates))
        elif part == "schedules":
            parts.append(scheduled_time_sql(scope, names["schedules"], aggregates))
        elif part == "schedule_states":
            parts.append(
                adherent_time_sql(scope, names["schedules"], names["agent_states"], aggregates)
            )
        else:
            parts.append(agent_time_sql(scope, names["agent_states"], aggregates))
    union = " UNION ALL BY NAME ".join(f"({p})" for p in parts)
    with_clause = "".join(f"{cte}, " for cte in ctes)
    return f"""
        WITH {with_clause}parts AS ({union})
        {_per_group(scope, dims, ids, params, needed, available, names, coded)}"""


def _per_group(
    scope: Scope,
    dims: Sequence[str],
    ids: Sequence[str],
    params: KpiParameters,
    needed: Mapping[str, Component],
    available: set[Part],
    names: Mapping[str, str],
    coded: frozenset[str],
) -> str:
    """Sum the parts per report group and apply each KPI's formula to the sums."""
    totals = []
    for name, component in needed.items():
        if component.part not in available:
            totals.append(f"NULL AS {name}")
        elif component.combine == "max":
            totals.append(f"max({name})::DOUBLE AS {name}")
        else:
            kind = "BIGINT" if component.integer else "DOUBLE"
            totals.append(f"coalesce(sum({name}), 0)::{kind} AS {name}")
    dim_sql = {d: f"g.{d}" for d in TIME_COLUMNS}
    dim_sql |= {d: f"c_{d}.value" if d in coded else f"p.{d}" for d in CODED}
    joins = ""
    if scope.grid is not None:
        joins += f" LEFT JOIN {names['grid']} g ON p.k = g.k"
    for d in sorted(coded):
        joins += f" LEFT JOIN {names[f'codes_{d}']} c_{d} ON p.{d} = c_{d}.code"
    if "teams" in names and "team" in dims:
        joins += f" LEFT JOIN {names['teams']} t ON {dim_sql['agent']} = t.agent"
        dim_sql["team"] = "t.team"
    else:
        dim_sql["team"] = "NULL::VARCHAR"
    group_dims = [d for d in dims if d != "tenant"]  # a constant, added to the result
    select_dims = [f"{dim_sql[d]} AS {d}" for d in group_dims]
    group = f" GROUP BY {', '.join(dim_sql[d] for d in group_dims)}" if group_dims else ""
    formulas = kpi_formulas(params)
    outputs = []
    for kpi_id in ids:
        kind = "BIGINT" if kpi(kpi_id).unit == "count" else "DOUBLE"
        outputs.append(f"({formulas[kpi_id][0]})::{kind} AS {kpi_id}")
    order = f" ORDER BY {', '.join(f'{d} NULLS LAST' for d in group_dims)}" if group_dims else ""
    return f"""
        SELECT {", ".join([*group_dims, *outputs])}
        FROM (SELECT {", ".join([*select_dims, *totals])} FROM parts p{joins}{group}){order}"""
