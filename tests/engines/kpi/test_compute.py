"""Every catalog KPI on a hand-checked sample (see sample_center.py for the legs L0..L19)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from contactops.engines.kpi.catalog import CATALOG, KpiParameters
from contactops.engines.kpi.compute import DIMENSIONS, compute_kpis

from .sample_center import (
    END,
    START,
    TEAMS,
    legs_table,
    sample_agent_states,
    sample_legs,
    sample_schedules,
    sample_surveys,
    sample_tickets,
)

PARAMS = KpiParameters(cost_per_agent_hour=30.0)


def compute(**options: Any) -> pa.Table:
    arguments: dict[str, Any] = {
        "start": START,
        "end": END,
        "params": PARAMS,
        "agent_states": sample_agent_states(),
        "surveys": sample_surveys(),
        "agent_teams": TEAMS,
        "schedules": sample_schedules(),
        "tickets": sample_tickets(),
    }
    arguments.update(options)
    legs = arguments.pop("legs", sample_legs())
    return compute_kpis(legs, **arguments)


def only_row(table: pa.Table) -> dict[str, Any]:
    rows = table.to_pylist()
    assert len(rows) == 1, rows
    return rows[0]


def by(table: pa.Table, *keys: str) -> dict[Any, dict[str, Any]]:
    out = {}
    for row in table.to_pylist():
        key = row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)
        out[key] = row
    return out


# In the period (09:00–11:00): L1..L15 and L17. Answered: L1 L4 L5 L6 L13 L14, waits
# 10 25 5 15 20 8. Abandoned: L2 (3 s, short), L3 (30 s). Flow-outs: L7 timed out (120 s),
# L8 overflowed (60 s), L9 callback (45 s). Never queued: L10 blocked, L11 self-service,
# L12 ignored. Still waiting: L15, L17.
# Agent time (minutes): logged in a1 120 + a2 65 + a3 30 = 215; ready 45 + 14 + 30 = 89;
# not ready + break 30 (a1); on contact 35 + 30 = 65; wrap-up 10 + 5 = 15.
EXPECTED: dict[str, Any] = {
    "arrivals": 15,  # leg 1 of every contact, ignored L12 included: 16 legs − L5 (leg 2)
    "offered": 13,  # 16 legs − blocked L10 − self-service L11 − ignored L12
    "answered": 6,
    "abandoned": 2,
    "short_abandoned": 1,  # L2: 3 s < 5 s
    "abandoned_excl_short": 1,  # 2 − 1
    "abandon_rate": 2 / 13,
    "abandon_rate_excl_short": 1 / 12,  # (2 − 1) ÷ (13 − 1)
    "timed_out": 1,
    "overflowed": 1,
    "callbacks_requested": 1,
    "blocked": 1,
    "blocked_rate": 1 / 14,  # 1 ÷ (13 + 1)
    "self_service": 1,
    "asa": 83 / 6,  # (10 + 25 + 5 + 15 + 20 + 8) ÷ 6
    "avg_wait": 31.0,  # (83 + 3 + 30 + 120 + 60 + 45) ÷ 11 legs that left = 341 ÷ 11
    "longest_wait": 120.0,  # L7; the still-waiting L15, L17 have no wait
    "avg_abandon_wait": 16.5,  # (3 + 30) ÷ 2
    "sl_answered": 5 / 6,  # within 20 s: L1 L5 L6 L13 (= 20) L14; L4 (25) is not
    "sl_abandons_met": 6 / 8,  # (5 + L2 within 20 s) ÷ (6 + 2)
    "sl_abandons_against": 5 / 11,  # 5 ÷ (6 + 2 + 3 flow-outs)
    "sl_excl_short_abandons": 5 / 12,  # 5 ÷ (13 − 1)
    "aht": 332.0,  # (300 + 120 + 400 + 660 + 180) ÷ 5; L14 still talking has none
    "avg_talk": 270.0,  # (200 + 100 + 300 + 600 + 150) ÷ 5
    "avg_hold": 22.0,  # (20 + 0 + 60 + 0 + 30) ÷ 5
    "avg_wrapup": 50.0,  # (80 + 20 + 40 + 60) ÷ 4; L13's wrap-up has not ended
    "transfer_rate": 1 / 6,  # L4
    # Answered contacts c01 c04 c05 c12 c13; known customers c01 c04 c05 c12. c01 is repeated
    # by c05 (40 min), c04 was transferred, c12 is repeated by c16 at 11:30 (after the end):
    # only c05 resolved at first contact.
    "fcr": 1 / 4,
    "resolution_rate": 2 / 5,  # c01 and c04 have a resolved event
    # Known customers with leg 1 in the period: c01 c03 c04 c05 c07 c08 c09 c12 (c11 is
    # ignored). Repeated: c01 (c05), c03 (c12, 80 min), c08 (c15 at 11:00), c12 (c16). c09's
    # next contact c18 comes 72 h 1 min later: outside the window.
    "repeat_rate": 4 / 8,
    "agent_hours": 215 / 60,
    "ready_hours": 89 / 60,
    "not_ready_hours": 0.5,
    "occupancy": 80 / 169,  # (65 + 15) ÷ (65 + 15 + 89)
    "utilisation": 80 / 215,
    "contacts_per_agent_hour": 6 / (215 / 60),
    # Schedules (sample_schedules): adherent 159 of 240 scheduled minutes; on queue (ready +
    # on contact + wrap-up, a3's unscheduled 30 included) 89 + 65 + 15 = 169 of 165 scheduled
    # work minutes.
    "adherence": 159 / 240,
    "conformance": 169 / 165,
    "scheduled_hours": 4.0,
    "out_of_adherence_hours": 81 / 60,
    "agent_cost": 215 / 60 * 30.0,  # 107.5
    "cost_per_contact": 107.5 / 6,
    "csat": 2 / 3,  # c01 5, c04 3, c05 4 (c02 has no answered leg): two ≥ 4
    "csat_responses": 3,
    "nps": 25.0,  # promoters 9, 10; detractor 6; passive 7: 100 × (2 − 1) ÷ 4
    "nps_responses": 4,
    "ces": 4.0,  # (5 + 3) ÷ 2
    "ces_responses": 2,
    # Tickets opened 09:00–11:00: T-1..T-4 (T-5 before). Resolved: T-1 (by a1, who answered
    # first), T-2 (by a2; a1 answered); T-3 was reopened. Escalated: T-2. Breached: T-3, T-4.
    "tickets_opened": 4,
    "tickets_resolved": 2,
    "resolution_by_first_agent": 0.5,
    "escalation_rate": 0.25,
    "ticket_sla_breach_rate": 0.5,
}


def test_every_catalog_kpi_has_a_hand_computed_value():
    assert set(EXPECTED) == {k.id for k in CATALOG}


def test_every_kpi_matches_its_hand_computed_value():
    row = only_row(compute())
    for kpi_id, expected in EXPECTED.items():
        if expected is None:
            assert row[kpi_id] is None, kpi_id
        else:
            assert row[kpi_id] == pytest.approx(expected, rel=1e-12), kpi_id


def test_output_has_every_kpi_column_in_catalog_order_with_exact_types():
    table = compute()
    assert table.column_names == [k.id for k in CATALOG]
    for k in CATALOG:
        expected = pa.int64() if k.unit == "count" else pa.float64()
        assert table.schema.field(k.id).type == expected, k.id


def test_the_four_service_level_variants_differ_on_the_same_legs():
    row = only_row(compute())
    variants = [
        row[k] for k in ("sl_answered", "sl_abandons_met", "sl_abandons_against",
                         "sl_excl_short_abandons")
    ]  # fmt: skip
    # 0.833, 0.75, 0.4545, 0.4167
    assert len(set(variants)) == 4
    assert variants == sorted(variants, reverse=True)


def test_flow_outs_can_be_left_out_of_the_abandons_against_service_level():
    params = replace(PARAMS, include_flow_outs=False)
    row = only_row(compute(params=params, kpi_ids=["sl_abandons_against"]))
    assert row["sl_abandons_against"] == pytest.approx(5 / 8)  # 5 ÷ (6 answered + 2 abandoned)


def test_thresholds_are_parameters():
    params = replace(PARAMS, service_level_threshold_s=25, short_abandon_s=3)
    row = only_row(compute(params=params))
    assert row["sl_answered"] == 1.0  # L4 waited exactly 25 s: within
    assert row["short_abandoned"] == 0  # L2 waited 3 s, not less than 3
    assert row["abandon_rate_excl_short"] == pytest.approx(2 / 13)


def test_a_shorter_repeat_window_turns_repeats_into_first_contact_resolutions():
    # 30 min: c01→c05 is 40 min, c03→c12 80, c08→c15 55, c12→c16 60: no repeats left.
    row = only_row(compute(params=replace(PARAMS, repeat_window_h=0.5)))
    assert row["repeat_rate"] == 0.0
    assert row["fcr"] == pytest.approx(3 / 4)  # c01, c05, c12; c04 stays transferred


def test_a_repeat_after_the_end_counts_because_the_whole_table_is_searched():
    without_c16 = sample_legs().filter(pa.compute.not_equal(sample_legs()["contact_id"], "c16"))
    row = only_row(compute(legs=without_c16, kpi_ids=["fcr", "repeat_rate"]))
    assert row["fcr"] == pytest.approx(2 / 4)  # c12 is now resolved at first contact
    assert row["repeat_rate"] == pytest.approx(3 / 8)


def test_csat_threshold_and_cost_are_parameters():
    row = only_row(compute(params=replace(PARAMS, csat_satisfied_min=5, cost_per_agent_hour=None)))
    assert row["csat"] == pytest.approx(1 / 3)
    assert row["agent_cost"] is None
    assert row["cost_per_contact"] is None


def test_without_agent_states_or_surveys_their_kpis_are_null():
    row = only_row(compute(agent_states=None, surveys=None, schedules=None, tickets=None))
    for k in CATALOG:
        if k.source in ("agent_states", "surveys", "schedules", "tickets"):
            assert row[k.id] is None, k.id
    assert row["answered"] == 6


def test_zero_denominators_are_null_and_counts_zero_on_an_empty_log():
    row = only_row(
        compute(
            legs=sample_legs().slice(0, 0),
            agent_states=None,
            surveys=None,
            schedules=None,
            tickets=None,
        )
    )
    for k in CATALOG:
        if k.unit == "count" and k.source == "legs":
            assert row[k.id] == 0, k.id
        else:
            assert row[k.id] is None, k.id


def test_grouped_by_queue_agent_time_is_null_and_surveys_follow_the_last_answered_leg():
    rows = by(compute(group_by=["queue"]), "queue")
    assert list(rows) == ["billing", "sales", None]  # sorted, null last
    billing, sales, no_queue = rows["billing"], rows["sales"], rows[None]
    # billing: L1 L2 L3 L4 L8 L9 L10 L12 L13 arrive; L10 blocked and L12 ignored not offered.
    assert (billing["arrivals"], billing["offered"], billing["answered"]) == (9, 7, 3)
    assert billing["sl_answered"] == pytest.approx(2 / 3)  # L1 10 s, L13 20 s; L4 25 s
    # sales: L6 L7 L14 L15 L17 arrive; L5 is c04's second leg, offered here.
    assert (sales["arrivals"], sales["offered"], sales["answered"]) == (5, 6, 3)
    assert sales["avg_abandon_wait"] is None  # no abandons in sales
    assert (no_queue["arrivals"], no_queue["self_service"], no_queue["offered"]) == (1, 1, 0)
    assert no_queue["abandon_rate"] is None  # nothing offered
    for row in rows.values():
        assert row["agent_hours"] is None
        assert row["occupancy"] is None
    # Contacts by their first answered leg: billing c01 c04 c12, sales c05 c13.
    assert billing["resolution_rate"] == pytest.approx(2 / 3)
    assert billing["fcr"] == 0.0  # c01 repeated, c04 transferred, c12 repeated
    assert sales["fcr"] == 1.0  # c05 (c13 has no known customer)
    # Repeats by leg 1: billing c01 c03 c08 c12 of 7 known; sales c05 of 1.
    assert billing["repeat_rate"] == pytest.approx(4 / 7)
    assert sales["repeat_rate"] == 0.0
    # c04's survey counts in sales, where its last answered leg L5 is.
    assert (billing["csat"], billing["csat_responses"]) == (1.0, 1)  # c01: 5
    assert (sales["csat"], sales["csat_responses"]) == (0.5, 2)  # c04: 3, c05: 4
    assert billing["nps"] == pytest.approx(-50.0)  # c01 6, c12 7: 100 × (0 − 1) ÷ 2
    assert sales["nps"] == pytest.approx(100.0)  # c05 9, c04 10


def test_grouped_by_channel_agent_time_is_null_too():
    rows = by(compute(group_by=["channel"], kpi_ids=["answered", "agent_hours"]), "channel")
    assert rows["chat"] == {"channel": "chat", "answered": 1, "agent_hours": None}
    assert rows["phone"] == {"channel": "phone", "answered": 5, "agent_hours": None}


def test_grouped_by_agent_legs_are_the_answering_agents_and_time_is_theirs():
    ids = ["answered", "asa", "agent_hours", "contacts_per_agent_hour", "resolution_rate"]
    rows = by(compute(group_by=["agent"], kpi_ids=ids), "agent")
    assert list(rows) == ["a1", "a2", "a3", None]
    assert rows["a1"] == pytest.approx(
        {"agent": "a1", "answered": 2, "asa": 15.0, "agent_hours": 2.0,
         "contacts_per_agent_hour": 1.0, "resolution_rate": 0.5}  # L1 10 s, L13 20 s; c01, c12
    )  # fmt: skip
    assert rows["a2"]["asa"] == 16.5  # L4 25 s, L14 8 s
    assert rows["a2"]["contacts_per_agent_hour"] == pytest.approx(2 / (65 / 60))
    assert rows["a3"]["contacts_per_agent_hour"] == pytest.approx(4.0)  # 2 legs in 30 min
    # Unanswered legs have no agent: their group has no agent time.
    assert rows[None]["answered"] == 0
    assert rows[None]["agent_hours"] == 0.0
    assert rows[None]["contacts_per_agent_hour"] is None


def test_grouped_by_team_agents_are_mapped_to_their_team():
    ids = ["answered", "agent_hours", "contacts_per_agent_hour", "occupancy"]
    rows = by(compute(group_by=["team"], kpi_ids=ids), "team")
    assert list(rows) == ["blue", "red", None]
    red, blue = rows["red"], rows["blue"]
    assert (red["answered"], red["agent_hours"]) == (4, 2.5)  # a1 + a3: 120 + 30 min
    assert red["contacts_per_agent_hour"] == pytest.approx(1.6)
    # red busy: a1 35 + 10; ready: a1 45 + a3 30 → 45 ÷ (45 + 75)
    assert red["occupancy"] == pytest.approx(45 / 120)
    assert blue["agent_hours"] == pytest.approx(65 / 60)
    assert blue["occupancy"] == pytest.approx(35 / 49)  # (30 + 5) ÷ (35 + 14)


def test_grouped_by_tenant_the_tenant_is_a_constant_column():
    table = compute(group_by=["tenant", "queue"], tenant="alpha", kpi_ids=["offered"])
    assert table.column_names == ["tenant", "queue", "offered"]
    assert table.to_pylist() == [
        {"tenant": "alpha", "queue": "billing", "offered": 7},
        {"tenant": "alpha", "queue": "sales", "offered": 6},
        {"tenant": "alpha", "queue": None, "offered": 0},
    ]


def test_kpi_ids_choose_and_order_the_columns():
    table = compute(group_by=["queue"], kpi_ids=["aht", "offered"])
    assert table.column_names == ["queue", "aht", "offered"]


def test_unknown_kpi_id_is_a_key_error_listing_the_known_ids():
    with pytest.raises(KeyError, match=r"unknown KPI id 'sla'.*known ids: arrivals, offered"):
        compute(kpi_ids=["sla"])


def test_unknown_dimension_is_named_with_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown dimension 'hour'.*interval, time_of_day"):
        compute(group_by=["hour"])


def test_bad_arguments_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="interval_minutes must divide a day"):
        compute(interval_minutes=7)
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        compute(start=START.replace(tzinfo=None))
    with pytest.raises(ValueError, match="end must be after start"):
        compute(end=START)
    with pytest.raises(ValueError, match="unknown IANA time zone 'Mars/Olympus'"):
        compute(timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="needs the tenant argument"):
        compute(group_by=["tenant"])
    with pytest.raises(ValueError, match="legs: missing columns outcome"):
        compute(legs=sample_legs().drop_columns(["outcome"]))


def test_dimensions_are_the_documented_ones():
    assert DIMENSIONS == (
        "interval", "time_of_day", "weekday", "day", "week", "month",
        "queue", "channel", "agent", "team", "tenant",
    )  # fmt: skip


def test_a_given_connection_is_used_and_left_clean():
    con = duckdb.connect()
    row = only_row(compute(connection=con, kpi_ids=["answered"]))
    assert row == {"answered": 6}
    assert con.sql("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall() == [(0,)]
    assert con.sql("SELECT 1").fetchall() == [(1,)]


def test_legs_table_is_not_modified():
    legs = legs_table(sample_legs().to_pylist())
    before = legs.to_pylist()
    compute(legs=legs, group_by=["queue", "interval"])
    assert legs.to_pylist() == before
