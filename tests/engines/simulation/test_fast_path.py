"""The compiled fast path and the general engine give the same contacts for the same seed."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from contactops.engines.simulation.distributions import Duration
from contactops.engines.simulation.engine import DRAWS_PER_STREAM, run_general
from contactops.engines.simulation.fast import fast_path_applies, run_fast
from contactops.engines.simulation.scenario import Overflow
from tests.engines.simulation.scenarios import single_queue

FIELDS = ("contact", "entered_s", "exit_s", "outcome", "agent", "answered_s", "ended_s",
          "wrapup_end_s")  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(
    agents=st.integers(0, 8),
    load_share=st.floats(0.3, 1.4),
    patience_s=st.one_of(st.none(), st.floats(5.0, 300.0)),
    ring_s=st.sampled_from([None, 4.0]),
    wrapup_s=st.sampled_from([None, 20.0]),
    seed=st.integers(0, 10_000),
)
def test_fast_path_equals_the_general_engine(
    agents: int,
    load_share: float,
    patience_s: float | None,
    ring_s: float | None,
    wrapup_s: float | None,
    seed: int,
) -> None:
    aht_s = 120.0
    scenario = single_queue(
        agents=agents,
        rate_per_s=max(agents, 1) * load_share / aht_s,
        aht_s=aht_s,
        patience_s=patience_s,
        hours=2,
        seed=seed,
        ring=None if ring_s is None else Duration.fixed(ring_s),
        wrapup=None if wrapup_s is None else Duration.exponential(wrapup_s),
    )
    fast, general = run_fast(scenario), run_general(scenario)
    for name in FIELDS:
        a, b = getattr(fast.visits, name), getattr(general.visits, name)
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name
    assert fast.end_s == general.end_s
    for agent in range(agents):
        mine_fast = fast.states.agent == agent
        mine_general = general.states.agent == agent
        assert np.array_equal(fast.states.state[mine_fast], general.states.state[mine_general])
        assert np.array_equal(fast.states.at_s[mine_fast], general.states.at_s[mine_general])


def test_fast_path_applies_only_to_its_shape() -> None:
    plain = single_queue(agents=3, rate_per_s=0.01, aht_s=100)
    assert fast_path_applies(plain)
    assert not fast_path_applies(
        single_queue(agents=3, rate_per_s=0.01, aht_s=100, max_wait_s=60.0)
    )
    assert not fast_path_applies(single_queue(agents=3, rate_per_s=0.01, aht_s=100, concurrency=2))
    assert not fast_path_applies(
        single_queue(agents=3, rate_per_s=0.01, aht_s=100, overflow=Overflow(30, "q"))
    )


def test_a_long_run_tops_up_its_draws_without_changing_them() -> None:
    """Well past the draws the general engine holds per stream: same contacts as the fast
    path, which takes every draw at once."""
    scenario = single_queue(agents=20, rate_per_s=20 * 0.9 / 120, aht_s=120, patience_s=60,
                            hours=24)  # fmt: skip
    fast, general = run_fast(scenario), run_general(scenario)
    assert fast.visits.entered_s.size > 3 * DRAWS_PER_STREAM
    for name in FIELDS:
        a, b = getattr(fast.visits, name), getattr(general.visits, name)
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name
