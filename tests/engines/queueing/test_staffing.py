"""Staffing: evaluate a level, solve for the fewest agents, add shrinkage — per model, in batch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactops.engines.queueing.staffing import (
    Model,
    Performance,
    Targets,
    evaluate,
    required_agents,
    scheduled_agents,
)

CLASSIC = {"calls": 100, "interval_s": 1800, "aht_s": 180}  # A = 10 Erlangs


def test_classic_example_needs_14_agents_for_80_percent_in_20_seconds() -> None:
    performance = required_agents(
        Model.ERLANG_C, **CLASSIC, targets=Targets(service_level=0.8, service_level_s=20)
    )
    assert int(performance.agents) == 14
    assert performance.service_level is not None
    assert float(performance.service_level) == pytest.approx(0.88835002, abs=5e-9)
    assert bool(performance.feasible)


def test_each_model_reports_only_the_metrics_it_defines() -> None:
    b = evaluate(Model.ERLANG_B, **CLASSIC, agents=18)
    assert b.p_block is not None
    assert (b.service_level, b.asa_s, b.p_wait, b.p_abandon, b.occupancy) == (None,) * 5
    c = evaluate(Model.ERLANG_C, **CLASSIC, agents=14, service_level_s=20)
    assert None not in (c.service_level, c.asa_s, c.p_wait, c.occupancy)
    assert (c.p_abandon, c.p_block) == (None, None)
    assert evaluate(Model.ERLANG_C, **CLASSIC, agents=14).service_level is None
    a = evaluate(Model.ERLANG_A, **CLASSIC, agents=14, patience_s=180, service_level_s=20)
    assert None not in (a.service_level, a.asa_s, a.p_wait, a.p_abandon, a.occupancy)
    assert a.p_block is None


def test_erlang_b_lines_for_a_blocking_target() -> None:
    """5 Erlangs need 11 lines for at most 1 % blocking (B(10, 5) = 1.84 %, B(11, 5) = 0.83 %)."""
    performance = required_agents(
        Model.ERLANG_B, calls=5, interval_s=3600, aht_s=3600, targets=Targets(max_blocking=0.01)
    )
    assert int(performance.agents) == 11
    assert performance.p_block is not None and float(performance.p_block) < 0.01


def test_rows_without_targets_get_the_smallest_stable_staffing() -> None:
    calls = [100, 101, 0]  # A = 10, 10.1, 0
    c = required_agents(Model.ERLANG_C, calls=calls, interval_s=1800, aht_s=180, targets=Targets())
    assert c.agents.tolist() == [11, 11, 0]
    a = required_agents(
        Model.ERLANG_A, calls=calls, interval_s=1800, aht_s=180, patience_s=60, targets=Targets()
    )
    assert a.agents.tolist() == [0, 0, 0]


def test_no_traffic_needs_no_agents_whatever_the_targets() -> None:
    targets = Targets(service_level=0.95, service_level_s=5, asa_s=1, max_occupancy=0.5)
    performance = required_agents(
        Model.ERLANG_C, calls=0, interval_s=900, aht_s=300, targets=targets
    )
    assert int(performance.agents) == 0
    assert performance.service_level == 1.0 and performance.asa_s == 0.0


def test_nan_targets_mean_no_target_so_mixed_batches_solve_in_one_call() -> None:
    targets = Targets(
        service_level=[0.8, np.nan, np.nan, 0.9],
        service_level_s=20,
        asa_s=[np.nan, 10.0, np.nan, 15.0],
        max_occupancy=[np.nan, np.nan, 0.6, 0.85],
    )
    batch = required_agents(Model.ERLANG_C, **CLASSIC, targets=targets)
    singles = [
        Targets(service_level=0.8, service_level_s=20),
        Targets(asa_s=10.0),
        Targets(max_occupancy=0.6),
        Targets(service_level=0.9, service_level_s=20, asa_s=15.0, max_occupancy=0.85),
    ]
    expected = [int(required_agents(Model.ERLANG_C, **CLASSIC, targets=t).agents) for t in singles]
    assert batch.agents.tolist() == expected == [14, 14, 17, 15]


def test_unreachable_targets_are_infeasible_at_max_agents_without_nan() -> None:
    targets = Targets(service_level=[0.8, 0.999999], service_level_s=0)
    performance = required_agents(Model.ERLANG_C, **CLASSIC, targets=targets, max_agents=20)
    assert performance.feasible.tolist() == [True, False]
    assert performance.agents.tolist() == [14, 20]  # SL at T = 0 is 1 − P(wait)
    assert performance.service_level is not None
    assert not np.isnan(performance.service_level).any()


def test_a_max_agents_below_stability_is_infeasible_and_reported_as_saturated() -> None:
    performance = required_agents(Model.ERLANG_C, **CLASSIC, targets=Targets(), max_agents=9)
    assert not bool(performance.feasible)
    assert int(performance.agents) == 9
    assert performance.p_wait == 1.0 and np.isinf(performance.asa_s)  # type: ignore[arg-type]


def test_default_max_agents_is_generous_but_finite() -> None:
    """The search stops at ⌈2A + 100·√A + 100⌉ agents (436 for A = 10) by default."""
    performance = required_agents(Model.ERLANG_C, **CLASSIC, targets=Targets(max_occupancy=1e-6))
    assert not bool(performance.feasible)
    assert int(performance.agents) == int(np.ceil(2 * 10 + 100 * np.sqrt(10) + 100))


def test_shrinkage_turns_required_into_scheduled_agents() -> None:
    assert scheduled_agents([8, 10, 14, 0], [0.2, 0.3, 0.0, 0.5]).tolist() == [10, 15, 14, 0]


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: evaluate(Model.ERLANG_C, calls=-1, interval_s=1800, aht_s=180, agents=3), "calls"),
        (
            lambda: evaluate(Model.ERLANG_C, calls=1, interval_s=0, aht_s=180, agents=3),
            "interval_s",
        ),
        (lambda: evaluate(Model.ERLANG_C, calls=1, interval_s=900, aht_s=-3, agents=3), "aht_s"),
        (lambda: evaluate(Model.ERLANG_C, **CLASSIC, agents=-3), "agents"),
        (lambda: evaluate(Model.ERLANG_C, **CLASSIC, agents=3, concurrency=0), "concurrency"),
        (lambda: evaluate(Model.ERLANG_A, **CLASSIC, agents=3), "patience_s"),
        (lambda: evaluate(Model.ERLANG_A, **CLASSIC, agents=3, patience_s=-1), "patience_s"),
        (lambda: scheduled_agents(10, 1.0), "shrinkage"),
        (lambda: scheduled_agents(10, -0.1), "shrinkage"),
        (
            lambda: required_agents(Model.ERLANG_C, **CLASSIC, targets=Targets(max_abandon=0.1)),
            "max_abandon",
        ),
        (
            lambda: required_agents(Model.ERLANG_B, **CLASSIC, targets=Targets(asa_s=20)),
            "asa_s",
        ),
        (
            lambda: required_agents(Model.ERLANG_C, **CLASSIC, targets=Targets(service_level=0.8)),
            "service_level_s",
        ),
        (
            lambda: required_agents(
                Model.ERLANG_C, **CLASSIC, targets=Targets(service_level=1.5, service_level_s=20)
            ),
            "service_level",
        ),
        (
            lambda: required_agents(
                Model.ERLANG_C, **CLASSIC, targets=Targets(asa_s=20), max_agents=-1
            ),
            "max_agents",
        ),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call: Any, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call()


def _meets(performance: Performance, targets: Targets) -> np.ndarray[Any, np.dtype[np.bool_]]:
    ok = performance.feasible.copy()
    checks = [
        (targets.service_level, performance.service_level, np.greater_equal),
        (targets.asa_s, performance.asa_s, np.less_equal),
        (targets.max_abandon, performance.p_abandon, np.less_equal),
        (targets.max_occupancy, performance.occupancy, np.less_equal),
        (targets.max_blocking, performance.p_block, np.less_equal),
    ]
    for target, value, compare in checks:
        if target is not None:
            assert value is not None
            wanted = np.broadcast_to(np.asarray(target, dtype=float), ok.shape)
            ok &= np.isnan(wanted) | compare(value, wanted)
    return ok


row_st = st.tuples(
    st.floats(min_value=0.0, max_value=20000.0),  # calls per half hour
    st.floats(min_value=30.0, max_value=900.0),  # aht_s
    st.floats(min_value=0.5, max_value=0.99) | st.just(float("nan")),  # service level
    st.floats(min_value=1.0, max_value=120.0) | st.just(float("nan")),  # asa_s
    st.floats(min_value=0.6, max_value=0.98) | st.just(float("nan")),  # max occupancy
    st.floats(min_value=0.01, max_value=0.2) | st.just(float("nan")),  # max abandon
)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(row_st, min_size=1, max_size=8),
    model=st.sampled_from([Model.ERLANG_C, Model.ERLANG_A]),
)
def test_required_agents_is_minimal_n_meets_every_target_and_n_minus_1_does_not(
    rows: list[tuple[float, ...]], model: Model
) -> None:
    calls, aht, sl, asa, occ, abandon = (np.array(column) for column in zip(*rows, strict=True))
    targets = Targets(
        service_level=sl,
        service_level_s=20,
        asa_s=asa,
        max_occupancy=occ,
        max_abandon=abandon if model is Model.ERLANG_A else None,
    )
    common: dict[str, Any] = {"calls": calls, "interval_s": 1800, "aht_s": aht}
    if model is Model.ERLANG_A:
        common["patience_s"] = 120.0
    solved = required_agents(model, **common, targets=targets)
    assert solved.feasible.all()
    assert _meets(solved, targets).all()
    fewer = evaluate(model, **common, agents=np.maximum(solved.agents - 1, 0), service_level_s=20)
    assert not (_meets(fewer, targets) & (solved.agents > 0)).any()


@settings(max_examples=40, deadline=None)
@given(
    calls=st.lists(st.floats(min_value=0.0, max_value=1e5), min_size=1, max_size=6),
    blocking=st.floats(min_value=1e-4, max_value=0.5),
)
def test_erlang_b_lines_are_minimal(calls: list[float], blocking: float) -> None:
    targets = Targets(max_blocking=blocking)
    solved = required_agents(
        Model.ERLANG_B, calls=calls, interval_s=3600, aht_s=300, targets=targets
    )
    assert _meets(solved, targets).all()
    fewer = evaluate(
        Model.ERLANG_B,
        calls=calls,
        interval_s=3600,
        aht_s=300,
        agents=np.maximum(solved.agents - 1, 0),
    )
    assert not (_meets(fewer, targets) & (solved.agents > 0)).any()


def test_a_target_met_exactly_is_met_despite_rounding() -> None:
    """918 calls × 265 s / 1800 s = 135.15 Erlangs; 159 agents are exactly 85 % busy."""
    result = required_agents(
        Model.ERLANG_C,
        calls=918,
        interval_s=1800,
        aht_s=265,
        targets=Targets(max_occupancy=0.85),
    )
    assert int(result.agents) == 159
