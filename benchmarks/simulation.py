"""Contact-center simulation: ContactOps against SimPy and Ciw on the same models, in one run.

Three models, each run by every side that can express it (``simulation_peers.py``):

1. M/M/100 at 95 % load: AHT 180 s exponential, nobody abandons (Erlang C);
2. M/M/50+M (Erlang A): 50 Erlangs on 50 agents, patience exponential with mean 120 s;
3. multi-skill: three queues (different rates, AHTs, patience; one with a higher priority) and
   four agent groups with overlapping skills and skill levels, longest-idle agent selection,
   a freed agent taking the waiting contact by (skill level, queue priority, age).

Sides: ContactOps' compiled fast path (``run_fast``, single queue) and general event engine
(``run_general``), SimPy (a ``Resource`` for one queue, a skill-based agent pool for model 3)
and Ciw (one queue only: its servers cannot be shared by several queues with skills).

What is timed: the call that runs one replication and leaves per-contact results — ContactOps'
``run_fast`` / ``run_general`` (sampling the arrivals and durations, the run, the visit and
agent-state columns), SimPy's ``env.run()`` (its random draws and per-contact lists inside),
Ciw's ``simulate_until_max_time``. Not timed: computing service level, ASA and abandon rate
from those results. Both ContactOps engines are compiled (Numba) before any timing. Times are
medians over replications (wall and process CPU); contacts/s counts every simulated contact,
the warm-up included.

Exactness first: on a short run of each model, every peer is fed ContactOps' own arrival times
and patience and talk draws and must reproduce ContactOps contact by contact (outcome, wait,
and for the multi-skill SimPy model the agent) — so the peers are the same model, not a
similar one.

Agreement: per replication, over contacts entering in [warm-up, horizon): service level =
answered within 20 s ÷ offered (abandons count against, as the catalog's
``sl_abandons_against``), ASA = mean wait of answered contacts, abandon rate = abandoned ÷
offered. Each side's mean over its replications ± the 95 % Student-t half-width; models 1 and 2
also against the Erlang C and Erlang A formulas of ``contactops.engines.queueing``. The general
engine must give the fast path's contacts exactly for the same seed on models 1 and 2.

Usage: ``python benchmarks/simulation.py [--contacts 300000] [--peer-contacts 300000]
[--replications 5] [--repeat 3] [--peer-replications 3] [--seed 11] [--check-contacts 20000]``
(needs the bench extra: ``pip install -e '.[bench]'``). ``--contacts`` is the expected number
per ContactOps replication, ``--peer-contacts`` per SimPy or Ciw replication (peers may run
shorter horizons; their speed is then compared per second, fair for a stationary model).
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import write_section
from simulation_peers import (
    Draws,
    PeerRun,
    ciw_single_queue,
    simpy_multi_skill,
    simpy_single_queue,
)

from contactops.engines.events import Channel
from contactops.engines.queueing.erlang import erlang_c
from contactops.engines.queueing.erlang_a import erlang_a
from contactops.engines.simulation.compiled import compile_all
from contactops.engines.simulation.distributions import Duration
from contactops.engines.simulation.engine import SimulationRun, run_general
from contactops.engines.simulation.fast import run_fast
from contactops.engines.simulation.report import Estimate, replication_seeds
from contactops.engines.simulation.scenario import AgentGroup, QueueSpec, Scenario
from contactops.engines.simulation.streams import run_inputs

INTERVAL_S, WARMUP_S, TARGET_S = 1800.0, 3600.0, 20.0
START = datetime(2026, 1, 5, tzinfo=UTC)
FAST_TARGET, GENERAL_TARGET = 20.0, 3.0  # × SimPy's contacts/s
KPIS = ("service_level", "asa_s", "abandon_rate")
AHT_S = 180.0
# Models 1 and 2: agents, load in Erlangs, mean patience s (None: nobody abandons).
SINGLE_QUEUE_MODELS: dict[str, tuple[int, float, float | None]] = {
    "mm100": (100, 95.0, None),
    "erlang_a": (50, 50.0, 120.0),
}

# Model 3: (code, contacts per hour, talk, mean patience s, priority) and the agent groups.
MULTI_QUEUES = (
    ("sales", 600.0, Duration.exponential(240), 180.0, 0),  # 40 Erlangs
    ("support", 380.0, Duration.lognormal(420, 0.8), 300.0, 0),  # 44.3 Erlangs
    ("vip", 144.0, Duration.exponential(300), 90.0, 1),  # 12 Erlangs
)
MULTI_GROUPS = (
    AgentGroup("generalist", 20, {"sales": 5, "support": 5, "vip": 5}),
    AgentGroup("sales", 30, {"sales": 8, "vip": 4}),
    AgentGroup("support", 40, {"support": 8, "sales": 3}),
    AgentGroup("vip", 10, {"vip": 9, "support": 4}),
)


# --- the models --------------------------------------------------------------------------------


def _intervals(contacts: int, rate_per_s: float) -> int:
    """Intervals for ``contacts`` expected arrivals after the warm-up."""
    return math.ceil((contacts / rate_per_s + WARMUP_S) / INTERVAL_S)


def single_queue(
    name: str, agents: int, load: float, patience_s: float | None, contacts: int
) -> Scenario:
    rate = load / AHT_S
    queue = QueueSpec(
        "q",
        Channel.PHONE,
        tuple([rate * INTERVAL_S] * _intervals(contacts, rate)),
        Duration.exponential(AHT_S),
        patience=None if patience_s is None else Duration.exponential(patience_s),
    )
    group = AgentGroup("agents", agents, {"q": 1})
    return Scenario(name, START, INTERVAL_S, (queue,), (group,), warmup_s=WARMUP_S)


def multi_skill(contacts: int) -> Scenario:
    rate = sum(per_hour for _c, per_hour, *_rest in MULTI_QUEUES) / 3600
    intervals = _intervals(contacts, rate)
    queues = tuple(
        QueueSpec(
            code,
            Channel.PHONE,
            tuple([per_hour * INTERVAL_S / 3600] * intervals),
            talk,
            patience=Duration.exponential(patience_s),
            priority=priority,
        )
        for code, per_hour, talk, patience_s, priority in MULTI_QUEUES
    )
    return Scenario("multi-skill", START, INTERVAL_S, queues, MULTI_GROUPS, warmup_s=WARMUP_S)


def model_scenario(model: str, contacts: int) -> Scenario:
    return single_queue(model, *SINGLE_QUEUE_MODELS[model], contacts)


def erlang_formulas(model: str) -> dict[str, float]:
    agents, load, patience_s = SINGLE_QUEUE_MODELS[model]
    if patience_s is None:
        c = erlang_c(agents, load, AHT_S, TARGET_S)
        assert c.service_level is not None
        return {
            "service_level": float(c.service_level),
            "asa_s": float(c.asa_s),
            "abandon_rate": 0.0,
        }
    a = erlang_a(agents, load / AHT_S, AHT_S, patience_s, TARGET_S)
    return {
        "service_level": float(a.service_level),
        "asa_s": float(a.asa_s),
        "abandon_rate": float(a.p_abandon),
    }


# --- measuring ---------------------------------------------------------------------------------


Values = dict[str, dict[str, float]]  # scope ("all" or a queue code) -> KPI -> value


def kpis(
    scenario: Scenario,
    queue: npt.NDArray[np.int64],
    entered_s: npt.NDArray[np.float64],
    wait_s: npt.NDArray[np.float64],
    answered: npt.NDArray[np.bool_],
    abandoned: npt.NDArray[np.bool_],
) -> Values:
    """Service level, ASA and abandon rate of the contacts entering in [warm-up, horizon)."""
    window = (entered_s >= scenario.warmup_s) & (entered_s < scenario.horizon_s)
    scopes = {"all": window}
    if len(scenario.queues) > 1:
        scopes |= {q.code: window & (queue == i) for i, q in enumerate(scenario.queues)}
    out: Values = {}
    for scope, mine in scopes.items():
        offered = int(mine.sum())
        served = mine & answered
        out[scope] = {
            "service_level": float((served & (wait_s <= TARGET_S)).sum()) / offered,
            "asa_s": float(wait_s[served].mean()),
            "abandon_rate": float((mine & abandoned).sum()) / offered,
        }
    return out


def kpis_of_run(run: SimulationRun) -> Values:
    v = run.visits
    return kpis(run.scenario, v.queue, v.entered_s, v.wait_s, v.outcome == 0, v.outcome == 1)


def kpis_of_peer(scenario: Scenario, run: PeerRun) -> Values:
    return kpis(scenario, run.queue, run.entered_s, run.wait_s, run.answered, ~run.answered)


@dataclass
class Side:
    label: str
    contacts: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    values: list[Values] = field(default_factory=list)
    note: str = ""

    def add(self, contacts: int, seconds: float, cpu_s: float, values: Values | None) -> None:
        self.contacts.append(contacts)
        self.seconds.append(seconds)
        self.cpu_s.append(cpu_s)
        if values is not None:
            self.values.append(values)
        print(f"  {self.label}: {contacts:,} contacts in {seconds:.2f} s", flush=True)

    @property
    def rate(self) -> float:
        return statistics.median(c / s for c, s in zip(self.contacts, self.seconds, strict=True))

    def estimate(self, kpi: str, scope: str = "all") -> Estimate:
        return Estimate.of([v[scope][kpi] for v in self.values])


def timed_run(
    engine: Callable[[Scenario, int], SimulationRun], s: Scenario, seed: int
) -> tuple[SimulationRun, float, float]:
    gc.collect()
    started, cpu_started = time.perf_counter(), time.process_time()
    run = engine(s, seed)
    return run, time.perf_counter() - started, time.process_time() - cpu_started


def same_contacts(a: SimulationRun, b: SimulationRun) -> bool:
    x, y = a.visits, b.visits
    return (
        np.array_equal(x.outcome, y.outcome)
        and np.array_equal(x.agent, y.agent)
        and np.array_equal(x.exit_s, y.exit_s, equal_nan=True)
        and np.array_equal(x.wrapup_end_s, y.wrapup_end_s, equal_nan=True)
    )


# --- exactness: the peers fed ContactOps' own random numbers ------------------------------------


def contactops_draws(scenario: Scenario, seed: int) -> Draws:
    """The arrival times and the patience and talk draws ContactOps takes for ``seed``."""
    inputs = run_inputs(scenario, seed)
    queues = range(len(scenario.queues))
    return Draws.given(
        [inputs.entered_s[inputs.queue == q].tolist() for q in queues],
        [
            s.patience.take if q.patience else None
            for q, s in zip(scenario.queues, inputs.streams, strict=True)
        ],
        [s.talk.take for s in inputs.streams],
    )


def differences(run: SimulationRun, peer: PeerRun) -> list[str]:
    """Contacts whose outcome, entry, wait (beyond 1e-6 s) or agent (where the peer names one)
    differ, in entry order per queue."""
    v = run.visits
    if v.queue.size != peer.queue.size:
        return [f"{v.queue.size:,} contacts in ContactOps, {peer.queue.size:,} in the peer"]
    ours, theirs = np.lexsort((v.entered_s, v.queue)), np.lexsort((peer.entered_s, peer.queue))
    answered = v.outcome[ours] == 0
    peer_agent = peer.agent[theirs]
    bad = (
        (v.queue[ours] != peer.queue[theirs])
        | (answered != peer.answered[theirs])
        | (np.abs(v.entered_s[ours] - peer.entered_s[theirs]) > 1e-6)
        | (np.abs(v.wait_s[ours] - peer.wait_s[theirs]) > 1e-6)
        | ((peer_agent >= 0) & (v.agent[ours] != peer_agent))
    )
    return [
        f"contact entering {v.entered_s[i]:.3f} s in queue {v.queue[i]}: ContactOps "
        f"{'answered by ' + str(v.agent[i]) if v.outcome[i] == 0 else 'abandoned'} after "
        f"{v.wait_s[i]:.3f} s; peer {'answered' if peer.answered[j] else 'abandoned'} after "
        f"{peer.wait_s[j]:.3f} s (agent {peer.agent[j]})"
        for i, j in zip(ours[bad], theirs[bad], strict=True)
    ]


def exact_check(contacts: int, seed: int) -> tuple[str, list[str]]:
    """Each peer, fed ContactOps' arrival times and draws, against ContactOps contact by
    contact: (Markdown lines, problems)."""
    cases = [
        ("1", model_scenario("mm100", contacts), run_fast, simpy_single_queue),
        ("1", model_scenario("mm100", contacts), run_fast, ciw_single_queue),
        ("2", model_scenario("erlang_a", contacts), run_fast, simpy_single_queue),
        ("2", model_scenario("erlang_a", contacts), run_fast, ciw_single_queue),
        ("3", multi_skill(contacts), run_general, simpy_multi_skill),
    ]
    lines, problems = [], []
    for model, scenario, engine, peer in cases:
        run = engine(scenario, seed)
        result = peer(scenario, seed, contactops_draws(scenario, seed))
        found = differences(run, result)
        name = "SimPy" if peer is not ciw_single_queue else "Ciw"
        what = "outcome, wait" + (" and agent" if (result.agent >= 0).any() else "")
        lines.append(
            f"- model {model}, {name}: {run.visits.queue.size:,} contacts — "
            + (f"same {what} for every contact" if not found else f"{len(found):,} DIFFER")
        )
        problems += [f"[model {model}, {name}] {p}" for p in found[:5]]
    return "\n".join(lines), problems


def run_single_queue(model: str, args: argparse.Namespace) -> tuple[list[Side], str]:
    """Every side on model 1 or 2, their replications interleaved (the k-th of each side, then
    the next), so that a busy spell on the shared machine falls on all sides alike."""
    scenario = model_scenario(model, args.contacts)
    peer_scenario = model_scenario(model, args.peer_contacts)
    fast = Side("ContactOps `run_fast` (compiled)")
    general = Side("ContactOps `run_general` (for reference)")
    peers = ((Side("SimPy"), simpy_single_queue), (Side("Ciw"), ciw_single_queue))
    seeds = replication_seeds(args.seed, args.replications)
    identical = 0
    for k in range(max(args.replications, args.peer_replications)):
        if k < args.replications:
            run, seconds, cpu_s = timed_run(run_fast, scenario, seeds[k])
            fast.add(run.visits.entered_s.size, seconds, cpu_s, kpis_of_run(run))
            if k < args.repeat:
                other, seconds, cpu_s = timed_run(run_general, scenario, seeds[k])
                general.add(other.visits.entered_s.size, seconds, cpu_s, kpis_of_run(other))
                identical += same_contacts(run, other)
                del other
            del run
        if k < args.peer_replications:
            for side, peer in peers:
                r = peer(peer_scenario, args.seed + 1000 * k)
                side.add(r.entered_s.size, r.seconds, r.cpu_s, kpis_of_peer(peer_scenario, r))
    check = (
        f"`run_general` gave exactly the fast path's contacts (outcome, agent, offer and end "
        f"times) in {identical} of {len(general.seconds)} replications with the same seeds."
    )
    return [fast, general, *(side for side, _peer in peers)], check


def run_multi_skill(args: argparse.Namespace) -> tuple[Scenario, list[Side]]:
    """ContactOps and SimPy on model 3, interleaved as in :func:`run_single_queue`."""
    scenario = multi_skill(args.contacts)
    peer_scenario = multi_skill(args.peer_contacts)
    general, simpy = Side("ContactOps `run_general`"), Side("SimPy")
    seeds = replication_seeds(args.seed, args.replications)
    for k in range(max(args.replications, args.peer_replications)):
        if k < args.replications:
            run, seconds, cpu_s = timed_run(run_general, scenario, seeds[k])
            general.add(run.visits.entered_s.size, seconds, cpu_s, kpis_of_run(run))
            del run
        if k < args.peer_replications:
            r = simpy_multi_skill(peer_scenario, args.seed + 1000 * k)
            simpy.add(r.entered_s.size, r.seconds, r.cpu_s, kpis_of_peer(peer_scenario, r))
    return scenario, [general, simpy, Side("Ciw", note="cannot express it")]


# --- the report --------------------------------------------------------------------------------


def _value(estimate: Estimate, kpi: str) -> str:
    if estimate.mean is None:
        return "—"
    digits = 2 if kpi == "asa_s" else 4
    text = f"{estimate.mean:.{digits}f}"
    return text if estimate.half_width is None else f"{text} ± {estimate.half_width:.{digits}f}"


def _agrees(a: Estimate, b: Estimate) -> bool:
    """Means within the 95 % half-width of their difference (√(h₁² + h₂²))."""
    assert a.mean is not None and b.mean is not None
    return abs(a.mean - b.mean) <= math.hypot(a.half_width or 0.0, b.half_width or 0.0)


def table(sides: list[Side], formula: dict[str, float] | None, scope: str = "all") -> str:
    simpy = next(s for s in sides if s.label == "SimPy")
    rows = [
        "| side | replications | contacts / replication | seconds (median) | CPU s (median) "
        "| contacts/s | ÷ SimPy | SL 20 s | ASA s | abandon rate |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for side in sides:
        if not side.seconds:
            rows.append(f"| {side.label} | {side.note} | — | — | — | — | — | — | — | — |")
            continue
        values = " | ".join(_value(side.estimate(k, scope), k) for k in KPIS)
        rows.append(
            f"| {side.label} | {len(side.seconds)} | {statistics.median(side.contacts):,.0f} | "
            f"{statistics.median(side.seconds):.2f} | {statistics.median(side.cpu_s):.2f} | "
            f"{side.rate:,.0f} | "
            f"{side.rate / simpy.rate:.1f}× | {values} |"
        )
    if formula is not None:
        values = " | ".join(f"{formula[k]:.{2 if k == 'asa_s' else 4}f}" for k in KPIS)
        rows.append(f"| formula | — | — | — | — | — | — | {values} |")
    return "\n".join(rows)


def queue_table(scenario: Scenario, sides: list[Side]) -> str:
    measured = [s for s in sides if s.values]
    rows = [
        "| queue | load Erlangs | priority | side | SL 20 s | ASA s | abandon rate |",
        "|---|---|---|---|---|---|---|",
    ]
    for q in scenario.queues:
        load = q.arrivals[0] / scenario.interval_s * q.talk.mean_s
        for side in measured:
            values = " | ".join(_value(side.estimate(k, q.code), k) for k in KPIS)
            rows.append(f"| {q.code} | {load:.0f} | {q.priority} | {side.label} | {values} |")
    return "\n".join(rows)


def disagreements(
    reference: Side, others: list[Side], scopes: list[str], formula: dict[str, float] | None
) -> tuple[list[str], int]:
    """(KPIs outside the intervals, intervals checked): every other side against
    ``reference``, and every side against the formula."""
    found, checked = [], 0
    for scope in scopes:
        where = "overall" if scope == "all" else f"queue {scope}"
        for kpi in KPIS:
            ours = reference.estimate(kpi, scope)
            for side in others:
                theirs = side.estimate(kpi, scope)
                checked += 1
                if not _agrees(ours, theirs):
                    found.append(
                        f"{where} {kpi}: {reference.label} {_value(ours, kpi)}, "
                        f"{side.label} {_value(theirs, kpi)}"
                    )
            if formula is None:
                continue
            for side in [reference, *others]:
                estimate = side.estimate(kpi, scope)
                checked += 1
                if not estimate.contains(formula[kpi]):
                    found.append(
                        f"{where} {kpi}: {side.label} {_value(estimate, kpi)}, formula "
                        f"{formula[kpi]:.4f}"
                    )
    return found, checked


def agreement_text(found: list[str], checked: int, what: str) -> str:
    if not found:
        return f"All {checked} comparisons ({what}) agree within the 95 % intervals."
    return (
        f"{len(found)} of {checked} comparisons ({what}) {'falls' if len(found) == 1 else 'fall'} "
        "outside the 95 % intervals "
        f"(about {checked / 20:.1f} would by chance alone): " + "; ".join(found) + "."
    )


def verdict(ratio: float, target: float) -> str:
    return f"**{ratio:.1f}×** (target ≥ {target:.0f}×: {'met' if ratio >= target else 'NOT met'})"


SINGLE_QUEUE_TITLES = {
    "mm100": "1. M/M/100 at 95 % load (AHT 180 s, no abandonment) against Erlang C",
    "erlang_a": "2. M/M/50+M: 50 Erlangs, patience exponential 120 s, against Erlang A",
}
CIW_NOTE = (
    "Ciw cannot express this model: a Ciw node's servers serve that node's queue only and a "
    "server priority function only orders free servers, so agents shared by several queues "
    "with skill levels, and an agent choosing among queues, have no Ciw form."
)


def single_queue_part(model: str, args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """(Markdown paragraphs, disagreements) of model 1 or 2."""
    title = SINGLE_QUEUE_TITLES[model]
    print(title, flush=True)
    sides, check = run_single_queue(model, args)
    formula = erlang_formulas(model)
    found, checked = disagreements(sides[0], sides[2:], ["all"], formula)
    agreement = agreement_text(
        found, checked, "each peer against the fast path, every side against the formula"
    )
    ratio = sides[0].rate / sides[2].rate
    text = f"Fast path ÷ SimPy: {verdict(ratio, FAST_TARGET)}. {agreement} {check}"
    return [f"### {title}", table(sides, formula), text], [f"[{model}] {p}" for p in found]


def multi_skill_part(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """(Markdown paragraphs, disagreements) of model 3."""
    print("3. multi-skill", flush=True)
    scenario, sides = run_multi_skill(args)
    scopes = ["all", *(q.code for q in scenario.queues)]
    found, checked = disagreements(sides[0], [sides[1]], scopes, None)
    groups = "; ".join(
        f"{g.name} ×{g.count} ({', '.join(f'{q} {lvl}' for q, lvl in g.skills.items())})"
        for g in MULTI_GROUPS
    )
    queues = "; ".join(
        f"{code}: {per_hour:.0f}/h, talk {talk.shape} mean {talk.mean_s:.0f} s"
        + (f" cv {talk.cv}" if talk.shape == "lognormal" else "")
        + f", patience exponential {patience_s:.0f} s, priority {priority}"
        for code, per_hour, talk, patience_s, priority in MULTI_QUEUES
    )
    erlangs = sum(per_hour / 3600 * talk.mean_s for _c, per_hour, talk, *_r in MULTI_QUEUES)
    agents = sum(g.count for g in MULTI_GROUPS)
    agreement = agreement_text(
        found, checked, "SimPy against ContactOps, every KPI in total and per queue"
    )
    ratio = sides[0].rate / sides[1].rate
    return [
        "### 3. Multi-skill: 3 queues, 4 agent groups, skill levels, longest-idle agents",
        f"Queues — {queues}. Agent groups (skill levels) — {groups}. {erlangs:.1f} Erlangs "
        f"on {agents} agents.",
        table(sides, None),
        queue_table(scenario, sides),
        f"General engine ÷ SimPy: {verdict(ratio, GENERAL_TARGET)}. {agreement} {CIW_NOTE}",
    ], [f"[multi-skill] {p}" for p in found]


def introduction(args: argparse.Namespace, elapsed_s: float, load: tuple[float, float]) -> str:
    return (
        f"ContactOps: {args.replications} replications a model, about {args.contacts:,} "
        f"contacts each after a {WARMUP_S / 3600:.0f} h warm-up (`run_general` on models 1 and "
        f"2: the first {args.repeat}); SimPy and Ciw: {args.peer_replications} replications of "
        f"about {args.peer_contacts:,}. Timed: one call that runs a replication and leaves "
        "per-contact results — `run_fast` / `run_general` (arrival and duration sampling, the "
        "run, the contact and visit columns its event log is made from; `run_general` also "
        "records every agent-state change as it goes, `run_fast` derives them from the visits "
        "when first asked, outside the timing; both compiled with Numba beforehand), SimPy's "
        "`env.run()`, Ciw's `simulate_until_max_time`; KPIs are computed afterwards, untimed. "
        "The peers keep five values a contact. Seconds are medians (wall, and CPU of the "
        "process), contacts/s the median over replications, every simulated contact counted "
        "(warm-up included). KPIs over "
        "contacts entering after the warm-up: SL = answered within 20 s ÷ offered (abandons "
        "count against), ASA = mean wait of answered contacts, abandon rate = abandoned ÷ "
        "offered; mean ± 95 % Student-t half-width over replications. Whole run "
        f"{elapsed_s / 60:.1f} min; 1-minute load average {load[0]:.2f} before, {load[1]:.2f} "
        "after (2 cores, shared)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=300_000)
    parser.add_argument("--peer-contacts", type=int, default=300_000)
    parser.add_argument("--replications", type=int, default=5, help="ContactOps replications")
    parser.add_argument("--repeat", type=int, default=3, help="`run_general` runs on 1 and 2")
    parser.add_argument("--peer-replications", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--check-contacts", type=int, default=20_000, help="size of the exact cross-check"
    )
    args = parser.parse_args()
    if args.replications < 2 or args.peer_replications < 2:
        parser.error("intervals need at least two replications per side")

    compile_all()  # both engines and the router are compiled before any timing
    print(f"exact cross-check on about {args.check_contacts:,} contacts a model", flush=True)
    check_lines, problems = exact_check(args.check_contacts, args.seed)
    print(check_lines, flush=True)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    parts: list[str] = []
    for model in SINGLE_QUEUE_TITLES:
        paragraphs, found = single_queue_part(model, args)
        parts += paragraphs
        problems += found
    paragraphs, found = multi_skill_part(args)
    parts += paragraphs
    problems += found
    intro = introduction(args, time.perf_counter() - started, (load_before, os.getloadavg()[0]))
    exactness = (
        "Exact cross-check before the timing: each peer, fed ContactOps' own arrival times "
        f"and patience and talk draws (seed {args.seed}, about {args.check_contacts:,} "
        "contacts after the warm-up), against ContactOps contact by contact (entry and wait "
        "within 1e-6 s):"
    )
    body = "\n\n".join([intro, exactness, check_lines, *parts])
    print(body)
    if problems:
        print("\nDisagreements:\n" + "\n".join(problems))
    command = (
        f"python benchmarks/simulation.py --contacts {args.contacts} --peer-contacts "
        f"{args.peer_contacts} --replications {args.replications} --repeat {args.repeat} "
        f"--peer-replications {args.peer_replications} --seed {args.seed} "
        f"--check-contacts {args.check_contacts}"
    )
    write_section("Simulation: ContactOps vs SimPy and Ciw", command, body)


if __name__ == "__main__":
    main()
