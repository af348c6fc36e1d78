"""Chat concurrency: an agent with concurrency k is k slots of an ordinary Erlang queue."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactops.engines.queueing.chat import agents_for_slots, slots
from contactops.engines.queueing.staffing import Model, Targets, evaluate, required_agents


def test_slots_and_agents_convert_both_ways() -> None:
    assert slots([4, 0, 7], 3).tolist() == [12, 0, 21]
    assert agents_for_slots([12, 13, 0, 1], 3).tolist() == [4, 5, 0, 1]


def test_required_agents_are_required_slots_divided_by_concurrency_rounded_up() -> None:
    """100 chats per half hour at 180 s each need 14 slots for 80 % in 20 s (the classic
    Erlang C example), so 5 agents at concurrency 3 and 7 at concurrency 2."""
    targets = Targets(service_level=0.8, service_level_s=20)
    by_k = required_agents(
        Model.ERLANG_C,
        calls=100,
        interval_s=1800,
        aht_s=180,
        targets=targets,
        concurrency=[1, 2, 3],
    )
    assert by_k.agents.tolist() == [14, 7, 5]


def test_occupancy_is_reported_per_agent_as_the_busy_share_of_its_slots() -> None:
    performance = evaluate(
        Model.ERLANG_C, calls=100, interval_s=1800, aht_s=180, agents=5, concurrency=3
    )
    assert performance.occupancy is not None
    assert float(performance.occupancy) == pytest.approx(10 / 15)


@pytest.mark.parametrize("concurrency", [0, -2, 1.5])
def test_concurrency_below_one_or_fractional_is_refused(concurrency: float) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        slots(3, concurrency)


@settings(max_examples=60, deadline=None)
@given(
    calls=st.floats(min_value=0.0, max_value=5000.0),
    aht_s=st.floats(min_value=60.0, max_value=1200.0),
    concurrency=st.integers(min_value=1, max_value=6),
    model=st.sampled_from([Model.ERLANG_C, Model.ERLANG_A]),
)
def test_concurrency_solves_in_slots_then_rounds_up_to_agents(
    calls: float, aht_s: float, concurrency: int, model: Model
) -> None:
    common = {
        "calls": calls,
        "interval_s": 1800,
        "aht_s": aht_s,
        "targets": Targets(service_level=0.8, service_level_s=60, asa_s=30),
        "patience_s": 300.0 if model is Model.ERLANG_A else None,
    }
    per_slot = required_agents(model, **common)  # type: ignore[arg-type]
    per_agent = required_agents(model, concurrency=concurrency, **common)  # type: ignore[arg-type]
    expected = agents_for_slots(per_slot.agents, concurrency)
    assert np.array_equal(per_agent.agents, expected)
