"""The catalog's metadata: complete, consistent, extractable for translation, and computable."""

from __future__ import annotations

import io
import math
from dataclasses import fields
from pathlib import Path
from typing import get_args

import pytest
from babel.messages.extract import extract

from contactops.engines.kpi import catalog
from contactops.engines.kpi.catalog import (
    AGENT_TIME,
    CATALOG,
    FIRST_ANSWERED_TIME,
    FIRST_LEG_TIME,
    GROUPS,
    LEG_TIME,
    N_,
    PARAMETER_DOCS,
    SCHEDULE_TIME,
    SURVEY_TIME,
    Better,
    Kpi,
    KpiParameters,
    Source,
    Unit,
    kpi,
)
from contactops.engines.kpi.sql import components, kpi_formulas

TEXT_FIELDS = ("id", "name", "short", "definition", "formula")


@pytest.mark.parametrize("entry", CATALOG, ids=lambda k: k.id)
def test_every_kpi_has_complete_metadata(entry: Kpi):
    for name in TEXT_FIELDS:
        assert getattr(entry, name).strip(), f"{entry.id}.{name} is empty"
    assert entry.unit in get_args(Unit)
    assert entry.better in get_args(Better)
    assert entry.group in GROUPS
    assert entry.source in get_args(Source)
    assert "\n" not in entry.short and len(entry.short) <= 100
    assert entry.definition.endswith((".", ")")), entry.id
    assert set(entry.parameters) <= catalog.PARAMETER_NAMES, entry.id


def test_ids_are_unique_snake_case():
    ids = [k.id for k in CATALOG]
    assert len(ids) == len(set(ids))
    assert all(i.isidentifier() and i == i.lower() for i in ids)


def test_the_catalog_lists_groups_in_display_order_without_interleaving():
    seen = [k.group for k in CATALOG]
    order = list(dict.fromkeys(seen))
    assert order == [g for g in GROUPS if g in seen]
    assert seen == sorted(seen, key=order.index)


def test_the_required_metrics_are_all_there():
    required = [
        "arrivals", "offered", "answered", "abandoned", "short_abandoned", "abandoned_excl_short",
        "abandon_rate", "abandon_rate_excl_short", "timed_out", "overflowed",
        "callbacks_requested", "blocked", "blocked_rate", "self_service", "sl_answered",
        "sl_abandons_met", "sl_abandons_against", "sl_excl_short_abandons", "asa", "avg_wait",
        "longest_wait", "avg_abandon_wait", "aht", "avg_talk", "avg_hold", "avg_wrapup",
        "transfer_rate", "fcr", "resolution_rate", "repeat_rate", "agent_hours", "ready_hours",
        "not_ready_hours", "occupancy", "utilisation", "contacts_per_agent_hour",
        "cost_per_contact", "csat", "nps", "ces", "adherence", "conformance",
        "scheduled_hours", "out_of_adherence_hours", "resolution_by_first_agent",
        "escalation_rate", "ticket_sla_breach_rate",
    ]  # fmt: skip
    assert set(required) <= {k.id for k in CATALOG}


@pytest.mark.parametrize("entry", CATALOG, ids=lambda k: k.id)
def test_each_definition_states_where_it_counts(entry: Kpi):
    rule = {
        "legs": (LEG_TIME, FIRST_ANSWERED_TIME, FIRST_LEG_TIME),
        "agent_states": (AGENT_TIME,),
        "surveys": (SURVEY_TIME,),
        "schedules": (SCHEDULE_TIME,),
        "tickets": (catalog.TICKET_TIME,),
    }[entry.source]
    assert any(r in entry.definition for r in rule), entry.id


def test_parameters_are_named_in_the_kpis_that_use_them():
    sources = {k.id: k for k in CATALOG}
    assert "service_level_threshold_s" in sources["sl_answered"].parameters
    assert "include_flow_outs" in sources["sl_abandons_against"].parameters
    assert "short_abandon_s" in sources["sl_excl_short_abandons"].parameters
    assert "repeat_window_h" in sources["fcr"].parameters
    assert "cost_per_agent_hour" in sources["cost_per_contact"].parameters
    assert "csat_satisfied_min" in sources["csat"].parameters
    assert "neutral_activities" in sources["adherence"].parameters
    used = {p for k in CATALOG for p in k.parameters}
    assert used == catalog.PARAMETER_NAMES == set(PARAMETER_DOCS)


def test_every_kpi_has_a_formula_in_sql_over_existing_components():
    formulas = kpi_formulas(KpiParameters())
    assert list(formulas) == [k.id for k in CATALOG]
    names = components(KpiParameters())
    for kpi_id, (sql, used) in formulas.items():
        assert set(used) <= set(names), kpi_id
        assert used, f"{kpi_id} reads no component: {sql}"


def test_lookup_by_id_and_a_helpful_error_for_an_unknown_one():
    assert kpi("asa").unit == "seconds"
    with pytest.raises(KeyError, match=r"unknown KPI id 'ASA'; known ids: arrivals, offered, "):
        kpi("ASA")


def test_names_and_shorts_are_marked_for_translation():
    assert N_("Average handle time") == "Average handle time"
    source = Path(catalog.__file__).read_bytes()
    messages = {message for _, message, _, _ in extract("python", io.BytesIO(source))}
    for entry in CATALOG:
        assert entry.name in messages, entry.id
        assert entry.short in messages, entry.id


def test_parameter_defaults():
    defaults = KpiParameters()
    assert (
        defaults.service_level_threshold_s,
        defaults.short_abandon_s,
        defaults.repeat_window_h,
        defaults.include_flow_outs,
        defaults.cost_per_agent_hour,
        defaults.csat_satisfied_min,
        defaults.neutral_activities,
    ) == (20, 5, 72, True, None, 4, ())
    assert [f.name for f in fields(KpiParameters)] == list(PARAMETER_DOCS)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("service_level_threshold_s", -1),
        ("service_level_threshold_s", math.nan),
        ("service_level_threshold_s", "20"),
        ("short_abandon_s", -0.5),
        ("repeat_window_h", 0),
        ("include_flow_outs", 1),
        ("cost_per_agent_hour", -3.0),
        ("cost_per_agent_hour", math.inf),
        ("csat_satisfied_min", 6),
        ("csat_satisfied_min", True),
        ("neutral_activities", "meeting"),
        ("neutral_activities", ("meeting", "nap")),
    ],
)
def test_invalid_parameters_are_refused_naming_the_field(field: str, value: object):
    with pytest.raises(ValueError, match=rf"^{field} must be"):
        KpiParameters(**{field: value})  # type: ignore[arg-type]


def test_valid_edge_parameters_are_accepted():
    params = KpiParameters(
        service_level_threshold_s=0, short_abandon_s=0, repeat_window_h=0.25,
        include_flow_outs=False, cost_per_agent_hour=0, csat_satisfied_min=5,
        neutral_activities=["training", "meeting", "training"],  # type: ignore[arg-type]
    )  # fmt: skip
    assert params.repeat_window_h == 0.25
    assert params.neutral_activities == ("training", "meeting")
