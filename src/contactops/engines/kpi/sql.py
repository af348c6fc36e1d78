"""The catalog in SQL: additive components per source, and each KPI as a formula over them.

Every KPI is a formula over *components*: counts, sums and maxima that add up (or take the max)
across any grouping. The sources are computed once at the finest grouping asked for, then summed
to the report's groups, so a ratio is always Σ numerator ÷ Σ denominator — never a mean of
ratios. A zero denominator gives NULL (``NULLIF``), never 0 or NaN.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from contactops.engines.events import AgentState
from contactops.engines.kpi.adherence import ACTIVITIES
from contactops.engines.kpi.catalog import CATALOG, KpiParameters

Part = Literal[
    "legs", "answered_contacts", "first_legs", "surveys", "agent_states", "schedules",
    "schedule_states", "tickets",
]  # fmt: skip

US_PER_HOUR = 3_600_000_000

# Leg predicates, evaluated once per leg in the legs projection (queries.legs_projection).
IS_OFFERED = "outcome NOT IN ('ignored', 'blocked', 'self_service')"
# Legs with an answer are answered (legs.py); an open leg with an answer time is tolerated too.
IS_ANSWERED = "(outcome = 'answered' OR (outcome = 'open' AND answered_at IS NOT NULL))"
EXITS = "('abandoned', 'timed_out', 'overflowed', 'callback_requested')"
# Agent states as small integers (unknown states: -1, counted as logged in).
STATE_CODES: dict[str, int] = {state.value: code for code, state in enumerate(AgentState)}


@dataclass(frozen=True, slots=True)
class Component:
    """An aggregate over one source's rows; ``combine`` re-aggregates it across groups."""

    part: Part
    sql: str
    combine: Literal["sum", "max"] = "sum"
    integer: bool = True


def components(params: KpiParameters) -> dict[str, Component]:
    """Every component by name, with the parameters' thresholds written in as literals."""
    t = float(params.service_level_threshold_s)
    s = float(params.short_abandon_s)

    def legs(
        sql: str, *, integer: bool = True, combine: Literal["sum", "max"] = "sum"
    ) -> Component:
        return Component("legs", sql, combine, integer)

    def outcome(name: str) -> Component:
        return legs(f"count(*) FILTER (outcome = '{name}')")

    out: dict[str, Component] = {
        "n_arrivals": legs("count(*) FILTER (leg_no = 1)"),
        "n_offered": legs("count(*) FILTER (is_offered)"),
        "n_answered": legs("count(*) FILTER (is_answered)"),
        "n_abandoned": outcome("abandoned"),
        "n_short_abandoned": legs(f"count(*) FILTER (outcome = 'abandoned' AND wait_s < {s!r})"),
        "n_timed_out": outcome("timed_out"),
        "n_overflowed": outcome("overflowed"),
        "n_callbacks": outcome("callback_requested"),
        "n_blocked": outcome("blocked"),
        "n_self_service": outcome("self_service"),
        "n_answered_in_t": legs(f"count(*) FILTER (is_answered AND wait_s <= {t!r})"),
        "n_abandoned_in_t": legs(f"count(*) FILTER (outcome = 'abandoned' AND wait_s <= {t!r})"),
        "n_transferred": legs("count(*) FILTER (is_answered AND transferred)"),
        "wait_max_s": legs("max(wait_s) FILTER (left_queue)", integer=False, combine="max"),
    }
    means = {
        "answer_wait": ("wait_s", "is_answered"),
        "wait": ("wait_s", "left_queue"),
        "abandon_wait": ("wait_s", "outcome = 'abandoned'"),
        "handle": ("handle_s", "is_answered"),
        "talk": ("talk_s", "is_answered"),
        "hold": ("hold_s", "is_answered"),
        "wrapup": ("wrapup_s", "is_answered"),
    }
    for name, (column, where) in means.items():
        out[f"{name}_sum_s"] = legs(f"sum({column}) FILTER ({where})", integer=False)
        out[f"{name}_n"] = legs(f"count({column}) FILTER ({where})")
    out |= {
        "n_answered_contacts": Component("answered_contacts", "count(*)"),
        "n_resolved_contacts": Component("answered_contacts", "count(*) FILTER (resolved)"),
        "n_fcr_eligible": Component("answered_contacts", "count(*) FILTER (known)"),
        "n_fcr_met": Component(
            "answered_contacts", "count(*) FILTER (known AND NOT any_transferred AND NOT repeated)"
        ),
        "n_known_contacts": Component("first_legs", "count(*) FILTER (known)"),
        "n_repeat_contacts": Component("first_legs", "count(*) FILTER (known AND repeated)"),
        "n_csat": Component("surveys", "count(*) FILTER (survey = 'csat' AND score IS NOT NULL)"),
        "n_csat_satisfied": Component(
            "surveys",
            f"count(*) FILTER (survey = 'csat' AND score >= {float(params.csat_satisfied_min)!r})",
        ),
        "n_nps": Component("surveys", "count(*) FILTER (survey = 'nps' AND score IS NOT NULL)"),
        "n_promoters": Component("surveys", "count(*) FILTER (survey = 'nps' AND score >= 9)"),
        "n_detractors": Component("surveys", "count(*) FILTER (survey = 'nps' AND score <= 6)"),
        "n_ces": Component("surveys", "count(*) FILTER (survey = 'ces' AND score IS NOT NULL)"),
        "ces_sum": Component("surveys", "sum(score) FILTER (survey = 'ces')", integer=False),
        "n_tickets": Component("tickets", "count(*)"),
        "n_tickets_resolved": Component("tickets", "count(*) FILTER (resolved)"),
        "n_resolved_by_first_agent": Component(
            "tickets", "count(*) FILTER (resolved_by_first_agent)"
        ),
        "n_tickets_escalated": Component("tickets", "count(*) FILTER (escalated)"),
        "n_tickets_breached": Component("tickets", "count(*) FILTER (sla_breached)"),
    }
    code = STATE_CODES
    for state, where in {
        "logged_in": f"state_code <> {code['logged_out']}",
        "ready": f"state_code = {code['ready']}",
        "not_ready": f"state_code IN ({code['not_ready']}, {code['break']})",
        "on_contact": f"state_code = {code['on_contact']}",
        "wrapup": f"state_code = {code['wrapup']}",
    }.items():
        out[f"{state}_us"] = Component("agent_states", f"sum(duration_us) FILTER ({where})")
    # Scheduled pieces (schedules) and their adherent parts (schedule_states), by activity.
    counted = "TRUE"
    if params.neutral_activities:
        counted = f"activity NOT IN ({_sql_strings(params.neutral_activities)})"
    on_queue = _sql_strings(a.name for a in ACTIVITIES.values() if a.on_queue)
    out |= {
        "scheduled_us": Component("schedules", f"sum(duration_us) FILTER ({counted})"),
        "scheduled_on_queue_us": Component(
            "schedules", f"sum(duration_us) FILTER (activity IN ({on_queue}))"
        ),
        "adherent_us": Component("schedule_states", f"sum(duration_us) FILTER ({counted})"),
    }
    return out


def _sql_strings(values: Iterable[str]) -> str:
    """SQL string literals, comma-separated (the values are known activity names)."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _ratio(numerator: str, denominator: str) -> str:
    return f"({numerator})::DOUBLE / NULLIF({denominator}, 0)"


def _hours(component: str) -> str:
    return f"{component}::DOUBLE / {US_PER_HOUR}"


def kpi_formulas(params: KpiParameters) -> dict[str, tuple[str, tuple[str, ...]]]:
    """KPI id → (SQL over the summed components, the components it reads)."""
    flow_outs = " + n_timed_out + n_overflowed + n_callbacks" if params.include_flow_outs else ""
    cost = params.cost_per_agent_hour
    cost_sql = "NULL::DOUBLE" if cost is None else repr(float(cost))
    busy = "(on_contact_us + wrapup_us)"
    on_queue_us = "ready_us + on_contact_us + wrapup_us"
    counts = {
        "arrivals": "n_arrivals",
        "offered": "n_offered",
        "answered": "n_answered",
        "abandoned": "n_abandoned",
        "short_abandoned": "n_short_abandoned",
        "timed_out": "n_timed_out",
        "overflowed": "n_overflowed",
        "callbacks_requested": "n_callbacks",
        "blocked": "n_blocked",
        "self_service": "n_self_service",
        "csat_responses": "n_csat",
        "nps_responses": "n_nps",
        "ces_responses": "n_ces",
        "tickets_opened": "n_tickets",
        "tickets_resolved": "n_tickets_resolved",
    }
    formulas: dict[str, str] = dict(counts)
    formulas |= {
        "abandoned_excl_short": "n_abandoned - n_short_abandoned",
        "abandon_rate": _ratio("n_abandoned", "n_offered"),
        "abandon_rate_excl_short": _ratio(
            "n_abandoned - n_short_abandoned", "n_offered - n_short_abandoned"
        ),
        "blocked_rate": _ratio("n_blocked", "n_offered + n_blocked"),
        "asa": _ratio("answer_wait_sum_s", "answer_wait_n"),
        "avg_wait": _ratio("wait_sum_s", "wait_n"),
        "longest_wait": "wait_max_s",
        "avg_abandon_wait": _ratio("abandon_wait_sum_s", "abandon_wait_n"),
        "sl_answered": _ratio("n_answered_in_t", "n_answered"),
        "sl_abandons_met": _ratio("n_answered_in_t + n_abandoned_in_t", "n_answered + n_abandoned"),
        "sl_abandons_against": _ratio("n_answered_in_t", f"n_answered + n_abandoned{flow_outs}"),
        "sl_excl_short_abandons": _ratio("n_answered_in_t", "n_offered - n_short_abandoned"),
        "aht": _ratio("handle_sum_s", "handle_n"),
        "avg_talk": _ratio("talk_sum_s", "talk_n"),
        "avg_hold": _ratio("hold_sum_s", "hold_n"),
        "avg_wrapup": _ratio("wrapup_sum_s", "wrapup_n"),
        "transfer_rate": _ratio("n_transferred", "n_answered"),
        "fcr": _ratio("n_fcr_met", "n_fcr_eligible"),
        "resolution_rate": _ratio("n_resolved_contacts", "n_answered_contacts"),
        "repeat_rate": _ratio("n_repeat_contacts", "n_known_contacts"),
        "agent_hours": _hours("logged_in_us"),
        "ready_hours": _hours("ready_us"),
        "not_ready_hours": _hours("not_ready_us"),
        "occupancy": _ratio(busy, f"{busy} + ready_us"),
        "utilisation": _ratio(busy, "logged_in_us"),
        "contacts_per_agent_hour": _ratio("n_answered", _hours("logged_in_us")),
        "adherence": _ratio("adherent_us", "scheduled_us"),
        "conformance": _ratio(f"{on_queue_us}", "scheduled_on_queue_us"),
        "scheduled_hours": _hours("scheduled_us"),
        "out_of_adherence_hours": _hours("(scheduled_us - adherent_us)"),
        "agent_cost": f"{_hours('logged_in_us')} * {cost_sql}",
        "cost_per_contact": _ratio(f"{_hours('logged_in_us')} * {cost_sql}", "n_answered"),
        "csat": _ratio("n_csat_satisfied", "n_csat"),
        "nps": f"100.0 * {_ratio('n_promoters - n_detractors', 'n_nps')}",
        "ces": _ratio("ces_sum", "n_ces"),
        "resolution_by_first_agent": _ratio("n_resolved_by_first_agent", "n_tickets_resolved"),
        "escalation_rate": _ratio("n_tickets_escalated", "n_tickets"),
        "ticket_sla_breach_rate": _ratio("n_tickets_breached", "n_tickets"),
    }
    names = components(params)
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for kpi in CATALOG:
        sql = formulas[kpi.id]
        used = tuple(n for n in names if _mentions(sql, n))
        out[kpi.id] = (sql, used)
    return out


def _mentions(sql: str, name: str) -> bool:
    """Whether ``name`` appears in ``sql`` as a whole identifier."""
    start = sql.find(name)
    while start >= 0:
        end = start + len(name)
        before = sql[start - 1] if start else " "
        after = sql[end] if end < len(sql) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            return True
        start = sql.find(name, end)
    return False
