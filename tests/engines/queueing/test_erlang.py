"""Erlang B and C: exact against 50-digit direct sums, worked examples, and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactops.engines.queueing.erlang import (
    erlang_b,
    erlang_c,
    erlang_c_asa_s,
    erlang_c_service_level,
    erlang_c_wait_probability,
    occupancy,
)

from . import reference

RELATIVE = 1e-9

# (servers, load): tiny queues, the busy middle, and centres of 5,000 and 30,000 agents,
# below, at and above capacity.
ERLANG_B_POINTS = [
    (1, 0.5),
    (2, 3.7),
    (5, 2.0),
    (10, 5.0),
    (16, 15.2),
    (17, 40.0),
    (50, 49.5),
    (200, 180.0),
    (1000, 1003.7),
    (1000, 1500.0),
    (5000, 4800.0),
    (5000, 5000.0),
    (5000, 6200.5),
    (30000, 29400.0),
    (30000, 30000.0),
    (30000, 31000.0),
    (30000, 90000.0),
]
ERLANG_C_POINTS = [
    (1, 0.5, 180.0, 20.0),
    (3, 2.2, 300.0, 15.0),
    (11, 10.0, 180.0, 20.0),
    (60, 55.3, 240.0, 30.0),
    (400, 385.0, 420.0, 20.0),
    (5000, 4850.0, 300.0, 20.0),
    (5000, 4990.0, 600.0, 60.0),
    (30000, 29700.0, 300.0, 20.0),
    (30000, 29990.5, 180.0, 10.0),
]


def assert_close(actual: float, expected: object) -> None:
    assert actual == pytest.approx(float(expected), rel=RELATIVE, abs=0.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(("servers", "load"), ERLANG_B_POINTS)
def test_erlang_b_matches_a_50_digit_direct_sum(servers: int, load: float) -> None:
    assert_close(float(erlang_b(servers, load)), reference.erlang_b(servers, load))


@pytest.mark.parametrize(("agents", "load", "aht_s", "target_s"), ERLANG_C_POINTS)
def test_erlang_c_matches_a_50_digit_direct_sum(
    agents: int, load: float, aht_s: float, target_s: float
) -> None:
    expected = reference.erlang_c(agents, load, aht_s, target_s)
    assert_close(float(erlang_c_wait_probability(agents, load)), expected.p_wait)
    assert_close(
        float(erlang_c_service_level(agents, load, aht_s, target_s)), expected.service_level
    )
    assert_close(float(erlang_c_asa_s(agents, load, aht_s)), expected.asa_s)


def test_erlang_b_table_value_for_ten_lines_and_five_erlangs() -> None:
    """The classic Erlang B table entry: 5 Erlangs on 10 lines block 1.84 % of calls.

    Also B(5, 2) = 4/109 exactly, from the definition (2⁵/5!) / Σₖ₌₀⁵ 2ᵏ/k!.
    """
    assert float(erlang_b(10, 5.0)) == pytest.approx(0.01838457034, rel=1e-9)
    assert float(erlang_b(5, 2.0)) == pytest.approx(4 / 109, rel=1e-12)


def test_classic_example_of_100_calls_per_half_hour_at_180_seconds() -> None:
    """The widely reproduced example (Call Centre Helper, "Erlang C formula – made simple").

    100 calls in 30 minutes at 180 s AHT is A = 10 Erlangs; target 80 % answered in 20 s.
    Values below were checked with 50-digit direct sums (``reference.erlang_c``): 11 agents
    make 68.21 % of callers wait; 13 agents reach 79.56 %, short of the target; 14 agents reach
    88.84 % with ASA 7.84 s.
    """
    load = 100 / 1800 * 180
    assert load == pytest.approx(10.0)
    assert float(erlang_c_wait_probability(11, load)) == pytest.approx(0.6821182, abs=5e-8)
    assert float(erlang_c_service_level(13, load, 180, 20)) == pytest.approx(0.79559479, abs=5e-9)
    assert float(erlang_c_wait_probability(14, load)) == pytest.approx(0.17413193, abs=5e-9)
    assert float(erlang_c_service_level(14, load, 180, 20)) == pytest.approx(0.88835002, abs=5e-9)
    assert float(erlang_c_asa_s(14, load, 180)) == pytest.approx(7.835937, abs=5e-7)
    assert float(occupancy(14, load)) == pytest.approx(10 / 14)


def test_westbay_example_of_360_calls_per_half_hour_and_55_agents() -> None:
    """Step-by-step example of Westbay Engineers' "The Erlang-C formula" page.

    360 calls per half hour, 4-minute calls, 55 agents, 15-second target: traffic 48 Erlangs,
    occupancy 87.27 %, P(wait) 23.87 %, ASA 8.18 s, service level 84.59 % (our 50-digit values).
    """
    load = 360 / 1800 * 240
    metrics = erlang_c(55, load, 240, 15)
    assert load == pytest.approx(48.0)
    assert float(metrics.occupancy) == pytest.approx(0.87272727, abs=5e-9)
    assert float(metrics.p_wait) == pytest.approx(0.23870094, abs=5e-9)
    assert float(metrics.asa_s) == pytest.approx(8.1840321, abs=5e-8)
    assert metrics.service_level is not None
    assert float(metrics.service_level) == pytest.approx(0.84588309, abs=5e-9)


def test_no_lines_block_everything_and_no_traffic_blocks_nothing() -> None:
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(4, 0.0) == 0.0
    assert erlang_b(0, 0.0) == 0.0


def test_at_or_above_capacity_everyone_waits_forever() -> None:
    metrics = erlang_c([10, 10, 3], [10.0, 12.5, 40.0], 180.0, 20.0)
    assert metrics.p_wait.tolist() == [1.0, 1.0, 1.0]
    assert metrics.service_level is not None
    assert metrics.service_level.tolist() == [0.0, 0.0, 0.0]
    assert np.all(np.isinf(metrics.asa_s))
    assert metrics.occupancy.tolist() == [1.0, 1.0, 1.0]
    assert not metrics.stable.any()


def test_no_traffic_means_no_waiting_and_full_service_level() -> None:
    metrics = erlang_c([0, 5], 0.0, 180.0, 20.0)
    assert metrics.p_wait.tolist() == [0.0, 0.0]
    assert metrics.service_level is not None
    assert metrics.service_level.tolist() == [1.0, 1.0]
    assert metrics.asa_s.tolist() == [0.0, 0.0]
    assert metrics.occupancy.tolist() == [0.0, 0.0]


def test_arguments_broadcast_like_numpy() -> None:
    agents = np.array([[11], [14]])
    loads = np.array([8.0, 10.0, 10.5])
    result = erlang_c_service_level(agents, loads, 180.0, 20.0)
    assert result.shape == (2, 3)
    assert result[1, 1] == pytest.approx(0.88835002, abs=5e-9)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: erlang_b(-1, 2.0), "servers"),
        (lambda: erlang_b(2.5, 2.0), "servers"),
        (lambda: erlang_b(2, -0.1), "load"),
        (lambda: erlang_b(2, float("nan")), "load"),
        (lambda: erlang_c_asa_s(3, 2.0, 0.0), "aht_s"),
        (lambda: erlang_c_service_level(3, 2.0, 180.0, -5.0), "target_s"),
        (lambda: occupancy(-2, 1.0), "agents"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call: object, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call()  # type: ignore[operator]


agents_st = st.integers(min_value=1, max_value=60000)
load_fraction_st = st.floats(min_value=0.0, max_value=3.0)
aht_st = st.floats(min_value=10.0, max_value=3600.0)
target_st = st.floats(min_value=0.0, max_value=600.0)


@settings(max_examples=300, deadline=None)
@given(agents=agents_st, fraction=load_fraction_st, aht_s=aht_st, target_s=target_st)
def test_one_more_agent_never_makes_things_worse(
    agents: int, fraction: float, aht_s: float, target_s: float
) -> None:
    load = agents * fraction
    now = erlang_c(agents, load, aht_s, target_s)
    more = erlang_c(agents + 1, load, aht_s, target_s)
    assert now.service_level is not None and more.service_level is not None
    assert more.service_level >= now.service_level * (1 - 1e-12)
    assert more.p_wait <= now.p_wait * (1 + 1e-12)
    assert more.asa_s <= now.asa_s * (1 + 1e-12)
    assert erlang_b(agents + 1, load) <= erlang_b(agents, load) * (1 + 1e-12)


@settings(max_examples=300, deadline=None)
@given(
    agents=st.integers(min_value=0, max_value=300000),
    load=st.floats(min_value=0.0, max_value=1e6),
    aht_s=aht_st,
    target_s=target_st,
)
def test_no_nan_ever_leaks_and_probabilities_stay_in_range(
    agents: int, load: float, aht_s: float, target_s: float
) -> None:
    metrics = erlang_c(agents, load, aht_s, target_s)
    blocking = erlang_b(agents, load)
    assert metrics.service_level is not None
    for value in (blocking, metrics.p_wait, metrics.service_level, metrics.occupancy):
        assert 0.0 <= value <= 1.0
    assert metrics.asa_s >= 0.0 and not np.isnan(metrics.asa_s)


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 40000), load_fraction_st, aht_st, target_st),
        min_size=1,
        max_size=12,
    )
)
def test_a_batch_equals_row_by_row(rows: list[tuple[int, float, float, float]]) -> None:
    agents = np.array([r[0] for r in rows])
    load = np.array([r[0] * r[1] for r in rows])
    aht = np.array([r[2] for r in rows])
    target = np.array([r[3] for r in rows])
    batch = erlang_c(agents, load, aht, target)
    for i in range(len(rows)):
        single = erlang_c(agents[i], load[i], aht[i], target[i])
        assert batch.service_level is not None and single.service_level is not None
        np.testing.assert_allclose(batch.p_wait[i], single.p_wait, rtol=1e-13)
        np.testing.assert_allclose(batch.service_level[i], single.service_level, rtol=1e-13)
        np.testing.assert_allclose(batch.asa_s[i], single.asa_s, rtol=1e-13)
        np.testing.assert_allclose(erlang_b(agents, load)[i], erlang_b(agents[i], load[i]))
