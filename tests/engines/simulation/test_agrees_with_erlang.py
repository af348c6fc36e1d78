"""Single-queue runs agree with the Erlang C and Erlang A formulas within the replications'
confidence interval. Every figure goes events → legs → KPI engine, as in production.

The file makes 16 comparisons; each uses a Student-t interval at 1 − 0.05/16 (Bonferroni), so
that the whole file has a 95% chance to pass when the simulator is right — a 95% interval per
comparison would fail one of them more often than not.
"""

from __future__ import annotations

import pytest

from contactops.engines.queueing.erlang import erlang_c
from contactops.engines.queueing.erlang_a import erlang_a
from contactops.engines.simulation.report import simulate
from tests.engines.simulation.scenarios import single_queue

REPLICATIONS = 12
LEVEL = 1 - 0.05 / 16


@pytest.mark.parametrize(("agents", "load"), [(10, 8.0), (25, 22.5)])
def test_mmn_matches_erlang_c(agents: int, load: float) -> None:
    aht_s = 180.0
    scenario = single_queue(
        agents=agents, rate_per_s=load / aht_s, aht_s=aht_s, hours=13, warmup_s=3600
    )
    report = simulate(scenario, REPLICATIONS)
    assert report.engine == "fast"
    theory = erlang_c(agents, load, aht_s, target_s=20.0)
    expected = {
        "sl_answered": float(theory.service_level),  # nobody abandons: SL over all = answered
        "asa": float(theory.asa_s),
        "occupancy": float(theory.occupancy),
        "abandon_rate": 0.0,
    }
    for kpi_id, value in expected.items():
        estimate = report.estimate(kpi_id)
        if value == 0.0:
            assert estimate.mean == 0.0
            continue
        assert estimate.contains(value, LEVEL), (kpi_id, value, estimate.mean, estimate.half_width)


@pytest.mark.parametrize(("agents", "load", "patience_s"), [(9, 8.0, 120.0), (20, 22.0, 60.0)])
def test_mmn_plus_m_matches_erlang_a(agents: int, load: float, patience_s: float) -> None:
    aht_s = 180.0
    scenario = single_queue(
        agents=agents,
        rate_per_s=load / aht_s,
        aht_s=aht_s,
        patience_s=patience_s,
        hours=13,
        warmup_s=3600,
    )
    report = simulate(scenario, REPLICATIONS)
    theory = erlang_a(agents, load / aht_s, aht_s, patience_s, 20.0)
    expected = {
        "sl_abandons_against": float(theory.service_level),  # answered in 20 s / all offered
        "abandon_rate": float(theory.p_abandon),
        "asa": float(theory.asa_s),
        "occupancy": float(theory.occupancy),
    }
    for kpi_id, value in expected.items():
        estimate = report.estimate(kpi_id)
        assert estimate.contains(value, LEVEL), (kpi_id, value, estimate.mean, estimate.half_width)


def test_the_general_engine_agrees_with_erlang_a_too() -> None:
    aht_s, load, agents, patience_s = 180.0, 8.0, 9, 120.0
    scenario = single_queue(
        agents=agents, rate_per_s=load / aht_s, aht_s=aht_s, patience_s=patience_s,
        hours=13, warmup_s=3600, seed=11,
    )  # fmt: skip
    report = simulate(scenario, REPLICATIONS, engine="general")
    assert report.engine == "general"
    theory = erlang_a(agents, load / aht_s, aht_s, patience_s, 20.0)
    assert report.estimate("abandon_rate").contains(float(theory.p_abandon), LEVEL)
    assert report.estimate("sl_abandons_against").contains(float(theory.service_level), LEVEL)
