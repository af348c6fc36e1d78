"""The compiled fast path: one queue, one pool of identical agents, first come first served.

For a single FCFS queue with N agents the whole run is a recursion over contacts in queue-entry
order (Kiefer & Wolfowitz 1955; impatience as in Baccelli & Hébuterne 1981): keep each agent's
next free time in a min-heap keyed (free time, agent number). Contact i entering at tᵢ with
patience pᵢ meets the earliest free agent at f = the heap minimum:

- f − tᵢ > pᵢ: it abandons at tᵢ + pᵢ and takes no agent;
- else that agent offers it at max(tᵢ, f) and is free again after ring + talk + wrap-up.

Among agents idle at tᵢ the minimum is the one idle longest — the router's ``longest_idle``
rule — so this path and the general engine give identical contacts for the same seed (a test
holds them to it). It applies when a scenario has exactly that shape (:func:`fast_path_applies`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from contactops.engines.routing import AgentSelection
from contactops.engines.simulation.engine import SimulationRun, run_end_s
from contactops.engines.simulation.records import (
    NO_AGENT,
    ContactColumns,
    Outcome,
    VisitColumns,
)
from contactops.engines.simulation.scenario import Scenario
from contactops.engines.simulation.streams import agent_roster, run_inputs


def fast_path_applies(scenario: Scenario) -> bool:
    """One queue, FCFS with longest-idle agents who are all logged in the whole horizon, one
    contact at a time, and none of: line limits, queue limits, overflow, callbacks, retrials,
    transfers."""
    if len(scenario.queues) != 1 or scenario.lines is not None:
        return False
    q = scenario.queues[0]
    rules = (q.max_wait_s, q.max_waiting, q.overflow, q.callback, q.retrial, q.transfer)
    return (
        all(rule is None for rule in rules)
        and q.concurrency == 1
        and q.selection == AgentSelection.LONGEST_IDLE
        and all(not group.shifts for group in scenario.agents)
    )


@njit(cache=True, nogil=True)
def _fcfs(
    entered: np.ndarray,
    patience: np.ndarray,
    ring: np.ndarray,
    talk: np.ndarray,
    wrap: np.ndarray,
    agents: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per contact: agent (−1: abandoned), offer or abandon time, index into the service draws."""
    n = entered.size
    agent_of = np.full(n, -1, dtype=np.int64)
    exit_s = np.empty(n)
    service = np.full(n, -1, dtype=np.int64)
    free = np.zeros(agents)  # heap of (free time, agent): keys and ids side by side
    ids = np.arange(agents)
    served = 0
    for i in range(n):
        t = entered[i]
        f = free[0]
        if agents == 0 or f - t > patience[i]:
            exit_s[i] = t + patience[i]
            continue
        start = t if t > f else f
        agent_of[i] = ids[0]
        exit_s[i] = start
        service[i] = served
        key = start + ring[served] + talk[served] + wrap[served]
        served += 1
        # Replace the heap's top with (key, agent) and sift it down.
        agent = ids[0]
        pos = 0
        while True:
            child = 2 * pos + 1
            if child >= agents:
                break
            right = child + 1
            if right < agents and (
                free[right] < free[child]
                or (free[right] == free[child] and ids[right] < ids[child])
            ):
                child = right
            if free[child] < key or (free[child] == key and ids[child] < agent):
                free[pos] = free[child]
                ids[pos] = ids[child]
                pos = child
            else:
                break
        free[pos] = key
        ids[pos] = agent
    return agent_of, exit_s, service


def run_fast(scenario: Scenario, seed: int | None = None) -> SimulationRun:
    """One replication of a single-queue scenario (see :func:`fast_path_applies`)."""
    if not fast_path_applies(scenario):
        raise ValueError("the fast path only runs single-queue FCFS scenarios")
    seed = scenario.seed if seed is None else seed
    inputs = run_inputs(scenario, seed)
    stream = inputs.streams[0]
    n = inputs.entered_s.size
    roster = agent_roster(scenario)
    agents = len(roster)
    patience = stream.patience.take_array(n)
    # The k-th offer takes the k-th draw of each stream, as in the general engine.
    ring, talk, wrap = (pool.take_array(n) for pool in (stream.ring, stream.talk, stream.wrapup))
    agent_of, exit_s, service = _fcfs(inputs.entered_s, patience, ring, talk, wrap, agents)
    answered = agent_of != NO_AGENT
    k = service[answered]
    answered_s = np.full(n, math.nan)
    ended_s = np.full(n, math.nan)
    wrap_end_s = np.full(n, math.nan)
    answered_s[answered] = exit_s[answered] + ring[k]
    ended_s[answered] = answered_s[answered] + talk[k]
    wrap_end_s[answered] = ended_s[answered] + wrap[k]
    outcome = np.where(answered, Outcome.ANSWERED, Outcome.ABANDONED).astype(np.int64)
    never = ~answered & np.isinf(exit_s)  # no agent and no patience: still waiting at the end
    outcome[never] = Outcome.OPEN
    exit_s[never] = math.nan
    visits = VisitColumns(
        contact=np.arange(n, dtype=np.int64),
        queue=np.zeros(n, dtype=np.int64),
        entered_s=inputs.entered_s,
        exit_s=exit_s,
        outcome=outcome,
        agent=agent_of,
        answered_s=answered_s,
        ended_s=ended_s,
        wrapup_end_s=wrap_end_s,
        transferred=np.zeros(n, dtype=np.bool_),
        callback=np.zeros(n, dtype=np.bool_),
    )
    contacts = ContactColumns(
        arrival_s=inputs.arrival_s,
        queue=np.zeros(n, dtype=np.int64),
        customer=inputs.customer.astype(np.int64),
        attempt=np.ones(n, dtype=np.int64),
    )
    end_s = run_end_s(scenario, exit_s, wrap_end_s)
    return SimulationRun(
        scenario=scenario,
        seed=seed,
        contacts=contacts,
        visits=visits,
        recorded_states=None,  # derived from the visits when first asked for
        agent_codes=tuple(code for code, _g in roster),
        engine="fast",
        end_s=end_s,
    )
