"""Erlang A (M/M/N+M): exact against the birth–death chain summed at 50 digits, and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactops.engines.queueing.erlang import erlang_c
from contactops.engines.queueing.erlang_a import ErlangAMetrics, erlang_a

from . import reference

RELATIVE = 1e-9
FIELDS = ("p_wait", "p_abandon", "service_level", "asa_s", "occupancy")

# (agents, load as a fraction of agents, aht_s, patience_s, target_s): small and large centres,
# patience shorter and longer than the handle time, under, at and over capacity.
POINTS = [
    (1, 0.6, 180.0, 60.0, 20.0),
    (3, 1.4, 300.0, 120.0, 30.0),
    (14, 10 / 14, 180.0, 180.0, 20.0),
    (25, 0.95, 240.0, 900.0, 20.0),
    (60, 1.3, 420.0, 45.0, 10.0),
    (400, 0.97, 300.0, 600.0, 20.0),
    (400, 1.0, 300.0, 300.0, 0.0),
    (5000, 0.97, 300.0, 60.0, 20.0),
    (5000, 0.995, 300.0, 600.0, 20.0),
    (5000, 1.02, 300.0, 3600.0, 20.0),
    (30000, 0.99, 300.0, 600.0, 20.0),
    (30000, 1.0, 180.0, 120.0, 15.0),
    (30000, 1.05, 300.0, 300.0, 20.0),
]


def metrics_at(
    agents: int, fraction: float, aht_s: float, patience_s: float, target_s: float
) -> ErlangAMetrics:
    return erlang_a(agents, agents * fraction / aht_s, aht_s, patience_s, target_s)


@pytest.mark.parametrize(("agents", "fraction", "aht_s", "patience_s", "target_s"), POINTS)
def test_erlang_a_matches_the_chain_summed_at_50_digits(
    agents: int, fraction: float, aht_s: float, patience_s: float, target_s: float
) -> None:
    rate = agents * fraction / aht_s
    expected = reference.erlang_a(agents, rate, aht_s, patience_s, target_s)
    actual = erlang_a(agents, rate, aht_s, patience_s, target_s)
    for field in FIELDS:
        want = float(getattr(expected, field))
        assert float(getattr(actual, field)) == pytest.approx(want, rel=RELATIVE, abs=0.0), field


def test_worked_example_of_the_classic_queue_with_three_minute_patience() -> None:
    """The 100-calls-per-half-hour example (A = 10, 14 agents, 180 s AHT) with callers who wait
    180 s on average: 13.55 % wait, 1.87 % abandon, 92.56 % are answered within 20 s (abandons
    count against it), answered calls wait 3.00 s on average (50-digit chain sums)."""
    metrics = erlang_a(14, 100 / 1800, 180.0, 180.0, 20.0)
    assert float(metrics.p_wait) == pytest.approx(0.13553558, abs=5e-9)
    assert float(metrics.p_abandon) == pytest.approx(0.01869372, abs=5e-9)
    assert float(metrics.service_level) == pytest.approx(0.92555979, abs=5e-9)
    assert float(metrics.asa_s) == pytest.approx(2.9976902, abs=5e-8)
    assert float(metrics.occupancy) == pytest.approx(10 * (1 - 0.018693715) / 14, abs=5e-9)


def test_infinite_patience_converges_to_erlang_c() -> None:
    """Abandonment vanishes as patience grows; the gap shrinks like aht/patience."""
    c = erlang_c(14, 10.0, 180.0, 20.0)
    assert c.service_level is not None
    for patience_s, tolerance in ((1e6, 1e-3), (1e9, 1e-6)):
        a = erlang_a(14, 10.0 / 180.0, 180.0, patience_s, 20.0)
        assert float(a.p_abandon) < 1e-2 * tolerance * 1e3
        assert float(a.p_wait) == pytest.approx(float(c.p_wait), rel=tolerance)
        assert float(a.service_level) == pytest.approx(float(c.service_level), rel=tolerance)
        assert float(a.asa_s) == pytest.approx(float(c.asa_s), rel=tolerance)


def test_service_level_counts_abandons_against_it() -> None:
    """With a threshold far beyond any wait, SL is everyone answered: exactly 1 − P(abandon)."""
    metrics = erlang_a([20, 20], 22.0 / 300.0, 300.0, 120.0, [1e5, 20.0])
    assert float(metrics.service_level[0]) == pytest.approx(1 - float(metrics.p_abandon[0]))
    assert metrics.service_level[1] < 1 - metrics.p_abandon[1]


def test_asa_is_the_mean_wait_of_answered_contacts_not_of_all() -> None:
    """By Little's law every arrival waits P(abandon)·patience on average; answered ones less."""
    patience_s = 200.0
    metrics = erlang_a(30, 33.0 / 240.0, 240.0, patience_s, 20.0)
    mean_wait_of_all_s = float(metrics.p_abandon) * patience_s
    answered = 1 - float(metrics.p_abandon)
    assert float(metrics.asa_s) * answered < mean_wait_of_all_s
    assert float(metrics.asa_s) > 0.0


def test_overload_is_stable_with_abandonment() -> None:
    metrics = metrics_at(50, 2.0, 300.0, 60.0, 20.0)
    for field in FIELDS:
        assert np.isfinite(getattr(metrics, field))
    assert float(metrics.p_abandon) > 0.45
    assert float(metrics.occupancy) == pytest.approx(1.0, abs=1e-3)


def test_no_traffic_and_no_agents() -> None:
    idle = erlang_a(5, 0.0, 300.0, 60.0, 20.0)
    assert (idle.p_wait, idle.p_abandon, idle.service_level, idle.asa_s) == (0, 0, 1, 0)
    empty = erlang_a(0, 0.1, 300.0, 60.0, 20.0)
    assert (empty.p_wait, empty.p_abandon, empty.service_level) == (1, 1, 0)
    assert np.isinf(empty.asa_s) and empty.occupancy == 0.0


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"agents": -1}, "agents"),
        ({"arrival_rate_per_s": -0.5}, "arrival_rate_per_s"),
        ({"aht_s": 0.0}, "aht_s"),
        ({"patience_s": 0.0}, "patience_s"),
        ({"patience_s": float("inf")}, "patience_s"),
        ({"target_s": float("nan")}, "target_s"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(
    kwargs: dict[str, float], name: str
) -> None:
    arguments = {
        "agents": 5,
        "arrival_rate_per_s": 0.1,
        "aht_s": 30.0,
        "patience_s": 60.0,
        "target_s": 20.0,
    }
    with pytest.raises(ValueError, match=name):
        erlang_a(**(arguments | kwargs))  # type: ignore[arg-type]


queue_st = st.tuples(
    st.integers(min_value=0, max_value=40000),
    st.floats(min_value=0.0, max_value=3.0),
    st.floats(min_value=10.0, max_value=3600.0),
    st.floats(min_value=1.0, max_value=1e5),
    st.floats(min_value=0.0, max_value=600.0),
)


@settings(max_examples=200, deadline=None)
@given(queue=queue_st)
def test_one_more_agent_never_makes_things_worse(
    queue: tuple[int, float, float, float, float],
) -> None:
    agents, fraction, aht_s, patience_s, target_s = queue
    rate = max(agents, 1) * fraction / aht_s
    now = erlang_a(agents, rate, aht_s, patience_s, target_s)
    more = erlang_a(agents + 1, rate, aht_s, patience_s, target_s)
    slack = 1e-9
    assert more.service_level >= now.service_level - slack
    assert more.p_wait <= now.p_wait + slack
    assert more.p_abandon <= now.p_abandon + slack
    assert more.asa_s <= now.asa_s * (1 + slack)


@settings(max_examples=200, deadline=None)
@given(queue=queue_st)
def test_no_nan_ever_leaks_and_probabilities_stay_in_range(
    queue: tuple[int, float, float, float, float],
) -> None:
    agents, fraction, aht_s, patience_s, target_s = queue
    metrics = erlang_a(agents, max(agents, 1) * fraction / aht_s, aht_s, patience_s, target_s)
    for field in ("p_wait", "p_abandon", "service_level", "occupancy"):
        assert 0.0 <= getattr(metrics, field) <= 1.0, field
    assert metrics.p_abandon <= metrics.p_wait
    assert metrics.service_level <= 1.0 - metrics.p_abandon + 1e-12
    assert metrics.asa_s >= 0.0 and not np.isnan(metrics.asa_s)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(queue_st, min_size=1, max_size=10))
def test_a_batch_equals_row_by_row(rows: list[tuple[int, float, float, float, float]]) -> None:
    agents, fraction, aht, patience, target = (
        np.array(column) for column in zip(*rows, strict=True)
    )
    rate = np.maximum(agents, 1) * fraction / aht
    batch = erlang_a(agents, rate, aht, patience, target)
    for i in range(len(rows)):
        single = erlang_a(agents[i], rate[i], aht[i], patience[i], target[i])
        for field in FIELDS:
            np.testing.assert_allclose(
                getattr(batch, field)[i], getattr(single, field), rtol=1e-12, err_msg=field
            )
