"""The general engine's rules, checked as invariants over whole runs of a busy center."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow.compute as pc
import pytest

from contactops.engines.events import Channel
from contactops.engines.kpi.legs import derive_legs
from contactops.engines.simulation.distributions import Duration
from contactops.engines.simulation.engine import run_general
from contactops.engines.simulation.event_loop import CALLBACK_PROMPT_S, HANDOFF_S
from contactops.engines.simulation.output import agent_state_events, contact_events
from contactops.engines.simulation.records import Outcome, StateCode
from contactops.engines.simulation.scenario import (
    AgentGroup,
    Callback,
    Overflow,
    QueueSpec,
    Retrial,
    Scenario,
    Shift,
    Transfer,
)
from tests.engines.simulation.scenarios import START, single_queue

HOUR = 3600.0


def busy_center(**changes: object) -> Scenario:
    """Two phone queues and a chat queue, under-staffed, with every rule switched on."""
    per_interval = (60.0,) * 16  # 8 hours of half hours
    billing = QueueSpec(
        "billing", Channel.PHONE, per_interval, Duration.lognormal(240, 0.8),
        wrapup=Duration.exponential(20), patience=Duration.exponential(90),
        ring=Duration.fixed(5), overflow=Overflow(60, "tech"),
        callback=Callback(120, 0.5), retrial=Retrial(0.5, Duration.exponential(300)),
    )  # fmt: skip
    tech = QueueSpec(
        "tech", Channel.PHONE, (30.0,) * 16, Duration.exponential(300),
        patience=Duration.exponential(150), priority=1, transfer=Transfer(0.1, "billing"),
        max_wait_s=400,
    )  # fmt: skip
    chat = QueueSpec(
        "chat", Channel.CHAT, (25.0,) * 16, Duration.lognormal(500, 0.6),
        patience=Duration.exponential(200), concurrency=3, max_waiting=5,
    )  # fmt: skip
    day = Shift(0, 8 * HOUR, ((2 * HOUR, 900.0), (4 * HOUR, 1800.0)))
    early = Shift(0, 4 * HOUR, ((HOUR, 600.0),))
    late = Shift(4 * HOUR, 8 * HOUR)
    agents = (
        AgentGroup("b", 8, {"billing": 9, "tech": 3}, (day,)),
        AgentGroup("t", 6, {"tech": 9, "billing": 4}, (early, late)),
        AgentGroup("c", 3, {"chat": 9}, (day,), max_contacts=3),
    )
    scenario = Scenario("busy", START, 1800, (billing, tech, chat), agents, lines=30, seed=3)
    return replace(scenario, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def run():  # type: ignore[no-untyped-def]
    return run_general(busy_center())


def test_every_step_of_a_visit_is_in_order(run) -> None:  # type: ignore[no-untyped-def]
    v = run.visits
    answered = v.outcome == Outcome.ANSWERED
    assert answered.any()
    assert np.all(v.agent[answered] >= 0) and np.all(v.agent[~answered] == -1)
    for earlier, later in (
        (v.entered_s, v.exit_s),
        (v.exit_s, v.answered_s),
        (v.answered_s, v.ended_s),
        (v.ended_s, v.wrapup_end_s),
    ):
        assert np.all(earlier[answered] <= later[answered])
    closed = (v.outcome != Outcome.OPEN) & (v.outcome != Outcome.BLOCKED)
    assert np.all(v.exit_s[closed] >= v.entered_s[closed])
    outcomes = set(v.outcome.tolist())
    assert {Outcome.ANSWERED, Outcome.ABANDONED, Outcome.OVERFLOWED} <= outcomes
    assert {Outcome.CALLBACK_REQUESTED, Outcome.BLOCKED} <= outcomes


def test_agents_never_hold_more_than_their_capacity(run) -> None:  # type: ignore[no-untyped-def]
    v = run.visits
    answered = np.flatnonzero(v.outcome == Outcome.ANSWERED)
    chat = run.queue_codes.index("chat")
    for agent in np.unique(v.agent[answered]):
        mine = answered[v.agent[answered] == agent]
        starts, ends = v.exit_s[mine], v.wrapup_end_s[mine]
        steps = np.concatenate([np.ones_like(starts), -np.ones_like(ends)])
        order = np.lexsort((steps, np.concatenate([starts, ends])))
        most = int(np.max(np.cumsum(steps[order])))
        limit = 3 if np.all(v.queue[mine] == chat) else 1
        assert most <= limit, (run.agent_codes[agent], most)


def test_contacts_are_offered_only_while_the_agent_is_logged_in_and_not_on_break(run) -> None:  # type: ignore[no-untyped-def]
    v, s = run.visits, run.states
    answered = np.flatnonzero(v.outcome == Outcome.ANSWERED)
    for agent in range(len(run.agent_codes)):
        mine = s.agent == agent
        at, state = s.at_s[mine], s.state[mine]
        offers = v.exit_s[answered[v.agent[answered] == agent]]
        assert offers.size and np.all(offers >= at[0])
        # From a break or logging out until the next state change, nothing is offered.
        away = np.flatnonzero(np.isin(state, [StateCode.LOGGED_OUT, StateCode.BREAK]))
        for index in away:
            until = at[index + 1] if index + 1 < at.size else np.inf
            assert not np.any((offers >= at[index]) & (offers < until))
    breaks = s.state == StateCode.BREAK
    assert breaks.any()


def test_overflow_moves_the_contact_to_the_next_queue_keeping_it(run) -> None:  # type: ignore[no-untyped-def]
    v = run.visits
    tech = run.queue_codes.index("tech")
    overflowed = np.flatnonzero(v.outcome == Outcome.OVERFLOWED)
    assert overflowed.size
    assert np.allclose(v.exit_s[overflowed] - v.entered_s[overflowed], 60.0)
    for visit in overflowed[:50]:
        later = np.flatnonzero(
            (v.contact == v.contact[visit]) & (np.arange(v.contact.size) > visit)
        )
        assert later.size and v.queue[later[0]] == tech
        assert v.entered_s[later[0]] == pytest.approx(v.exit_s[visit] + HANDOFF_S)


def test_callbacks_keep_their_place_and_never_abandon(run) -> None:  # type: ignore[no-untyped-def]
    v = run.visits
    requested = np.flatnonzero(v.outcome == Outcome.CALLBACK_REQUESTED)
    assert np.allclose(v.exit_s[requested] - v.entered_s[requested], CALLBACK_PROMPT_S)
    callback_legs = v.callback
    assert callback_legs.sum() == requested.size
    assert not np.isin(v.outcome[callback_legs], [Outcome.ABANDONED, Outcome.TIMED_OUT]).any()
    assert (v.outcome[callback_legs] == Outcome.ANSWERED).mean() > 0.9


def test_retrials_are_new_contacts_of_the_same_customer(run) -> None:  # type: ignore[no-untyped-def]
    c, v = run.contacts, run.visits
    retried = np.flatnonzero(c.attempt > 1)
    assert retried.size
    gave_up = np.isin(v.outcome, [Outcome.ABANDONED, Outcome.BLOCKED])
    earlier_customers = set(c.customer[v.contact[gave_up]].tolist())
    assert set(c.customer[retried].tolist()) <= earlier_customers
    assert c.attempt.max() <= 3


def test_time_limit_and_full_queue(run) -> None:  # type: ignore[no-untyped-def]
    v = run.visits
    tech, chat = run.queue_codes.index("tech"), run.queue_codes.index("chat")
    timed_out = v.outcome == Outcome.TIMED_OUT
    assert np.all(v.queue[timed_out] == tech)
    assert np.allclose(v.exit_s[timed_out] - v.entered_s[timed_out], 400.0)
    waited = (v.queue == tech) & ~np.isnan(v.exit_s) & (v.outcome != Outcome.BLOCKED)
    assert np.nanmax(v.exit_s[waited] - v.entered_s[waited]) <= 400.0 + 1e-6
    blocked_chats = (v.queue == chat) & (v.outcome == Outcome.BLOCKED)
    assert blocked_chats.any()


def test_phone_lines_limit_calls_in_the_center() -> None:
    scenario = busy_center(lines=12)
    run = run_general(scenario)
    v, c = run.visits, run.contacts
    phone = np.isin(v.queue, [0, 1])
    blocked = phone & (v.outcome == Outcome.BLOCKED)
    assert blocked.sum() > 0
    # Calls in the center (first entry .. leaving) never exceed the lines.
    first = {}
    last = {}
    for visit in np.flatnonzero(phone & (v.outcome != Outcome.BLOCKED)):
        contact = int(v.contact[visit])
        first.setdefault(contact, v.entered_s[visit])
        end = v.ended_s[visit] if v.outcome[visit] == Outcome.ANSWERED else v.exit_s[visit]
        last[contact] = end if v.outcome[visit] != Outcome.CALLBACK_REQUESTED else v.exit_s[visit]
    starts = np.array([first[k] for k in first])
    ends = np.array([last[k] for k in first])
    steps = np.concatenate([np.ones_like(starts), -np.ones_like(ends)])
    order = np.lexsort((steps, np.concatenate([starts, ends])))
    assert int(np.max(np.cumsum(steps[order]))) <= 12
    assert c.arrival_s.size > 0


def test_transfers_open_a_leg_in_the_target_queue(run) -> None:  # type: ignore[no-untyped-def]
    v = run.visits
    billing = run.queue_codes.index("billing")
    transferred = np.flatnonzero(v.transferred)
    assert transferred.size
    for visit in transferred[:30]:
        later = np.flatnonzero(
            (v.contact == v.contact[visit]) & (np.arange(v.contact.size) > visit)
        )
        assert v.queue[later[0]] == billing
        assert v.entered_s[later[0]] == pytest.approx(v.ended_s[visit] + HANDOFF_S)


def test_same_seed_same_run_other_seed_other_run() -> None:
    a, b = run_general(busy_center()), run_general(busy_center())
    assert np.array_equal(a.visits.exit_s, b.visits.exit_s, equal_nan=True)
    c = run_general(busy_center(seed=4))
    assert a.contacts.arrival_s.size != c.contacts.arrival_s.size or not np.array_equal(
        a.contacts.arrival_s, c.contacts.arrival_s
    )


def test_more_agents_see_the_same_customers() -> None:
    """Common random numbers: a what-if changes the staffing, not the demand."""
    base = single_queue(agents=5, rate_per_s=5 / 200, aht_s=200, patience_s=60, hours=4)
    more = replace(base, agents=(AgentGroup("a", 7, {"q": 5}),))
    a, b = run_general(base), run_general(more)
    assert np.array_equal(a.contacts.arrival_s, b.contacts.arrival_s)
    waits = lambda r: np.nanmean(r.visits.wait_s)  # noqa: E731
    assert waits(b) < waits(a)


def test_events_give_back_the_visits_through_the_leg_derivation(run) -> None:  # type: ignore[no-untyped-def]
    events = contact_events(run)
    legs = derive_legs(events)
    v = run.visits
    assert legs.num_rows == v.contact.size
    for outcome in Outcome:
        expected = int(np.sum(v.outcome == outcome))
        got = pc.sum(pc.equal(legs["outcome"], outcome.leg_outcome.value)).as_py() or 0
        assert got == expected, outcome
    # A leg waits until it is answered (ringing included) or leaves the queue.
    left_s = np.where(v.outcome == Outcome.ANSWERED, v.answered_s, v.exit_s)
    visit_waits = (left_s - v.entered_s)[
        (v.outcome != Outcome.BLOCKED) & (v.outcome != Outcome.OPEN)
    ]
    waits = np.sort(np.asarray(legs["wait_s"].drop_null()))
    assert np.allclose(waits, np.sort(visit_waits), atol=1e-5)
    states = agent_state_events(run)
    assert states.num_rows == run.states.at_s.size
    assert set(states["state"].to_pylist()) >= {"logged_in", "ready", "on_contact", "break"}
