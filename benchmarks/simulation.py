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
from those results. ``run_fast`` is compiled before any timing. Times are medians over
replications; contacts/s counts every simulated contact, the warm-up included.

Agreement: per replication, over contacts entering in [warm-up, horizon): service level =
answered within 20 s ÷ offered (abandons count against, as the catalog's
``sl_abandons_against``), ASA = mean wait of answered contacts, abandon rate = abandoned ÷
offered. Each side's mean over its replications ± the 95 % Student-t half-width; models 1 and 2
also against the Erlang C and Erlang A formulas of ``contactops.engines.queueing``. The general
engine must give the fast path's contacts exactly for the same seed on models 1 and 2.

Usage: ``python benchmarks/simulation.py [--contacts 300000] [--peer-contacts 300000]
[--replications 5] [--repeat 3] [--peer-replications 3] [--seed 11]`` (needs the bench extra:
``pip install -e '.[bench]'``). ``--contacts`` is the expected number per ContactOps
replication, ``--peer-contacts`` per SimPy or Ciw replication (peers may run shorter horizons;
their speed is then compared per second, which is fair for a stationary model).
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
from simulation_peers import PeerRun, ciw_single_queue, simpy_multi_skill, simpy_single_queue

from contactops.engines.events import Channel
from contactops.engines.queueing.erlang import erlang_c
from contactops.engines.queueing.erlang_a import erlang_a
from contactops.engines.simulation.distributions import Duration
from contactops.engines.simulation.engine import SimulationRun, run_general
from contactops.engines.simulation.fast import run_fast
from contactops.engines.simulation.report import Estimate, replication_seeds
from contactops.engines.simulation.scenario import AgentGroup, QueueSpec, Scenario

INTERVAL_S, WARMUP_S, TARGET_S = 1800.0, 3600.0, 20.0
START = datetime(2026, 1, 5, tzinfo=UTC)
FAST_TARGET, GENERAL_TARGET = 20.0, 3.0  # × SimPy's contacts/s
KPIS = ("service_level", "asa_s", "abandon_rate")

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
    aht_s = 180.0
    rate = load / aht_s
    queue = QueueSpec(
        "q",
        Channel.PHONE,
        tuple([rate * INTERVAL_S] * _intervals(contacts, rate)),
        Duration.exponential(aht_s),
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
            tuple([per_hour / 2] * intervals),
            talk,
            patience=Duration.exponential(patience_s),
            priority=priority,
        )
        for code, per_hour, talk, patience_s, priority in MULTI_QUEUES
    )
    return Scenario("multi-skill", START, INTERVAL_S, queues, MULTI_GROUPS, warmup_s=WARMUP_S)


def erlang_formulas(model: str) -> dict[str, float]:
    if model == "mm100":
        c = erlang_c(100, 95.0, 180.0, TARGET_S)
        assert c.service_level is not None
        return {"service_level": float(c.service_level), "asa_s": float(c.asa_s)} | {
            "abandon_rate": 0.0
        }
    a = erlang_a(50, 50.0 / 180.0, 180.0, 120.0, TARGET_S)
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
    values: list[Values] = field(default_factory=list)
    note: str = ""

    def add(self, contacts: int, seconds: float, values: Values | None) -> None:
        self.contacts.append(contacts)
        self.seconds.append(seconds)
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
) -> tuple[SimulationRun, float]:
    gc.collect()
    started = time.perf_counter()
    run = engine(s, seed)
    return run, time.perf_counter() - started


def same_contacts(a: SimulationRun, b: SimulationRun) -> bool:
    x, y = a.visits, b.visits
    return (
        np.array_equal(x.outcome, y.outcome)
        and np.array_equal(x.agent, y.agent)
        and np.array_equal(x.exit_s, y.exit_s, equal_nan=True)
        and np.array_equal(x.wrapup_end_s, y.wrapup_end_s, equal_nan=True)
    )


def run_single_queue(model: str, args: argparse.Namespace) -> tuple[Scenario, list[Side], str]:
    agents, load, patience_s = (100, 95.0, None) if model == "mm100" else (50, 50.0, 120.0)
    scenario = single_queue(model, agents, load, patience_s, args.contacts)
    peer_scenario = single_queue(model, agents, load, patience_s, args.peer_contacts)
    fast = Side("ContactOps `run_fast` (compiled)")
    general = Side("ContactOps `run_general` (for reference)")
    identical = 0
    for n, seed in enumerate(replication_seeds(args.seed, args.replications)):
        run, seconds = timed_run(run_fast, scenario, seed)
        fast.add(run.visits.entered_s.size, seconds, kpis_of_run(run))
        if n < args.repeat:
            other, seconds = timed_run(run_general, scenario, seed)
            general.add(other.visits.entered_s.size, seconds, kpis_of_run(other))
            identical += same_contacts(run, other)
        del run
    checked = min(args.repeat, args.replications)
    check = (
        f"`run_general` gave exactly the fast path's contacts (outcome, agent, offer and end "
        f"times) in {identical} of {checked} replications with the same seeds."
    )
    sides = [fast, general]
    for label, peer in (("SimPy", simpy_single_queue), ("Ciw", ciw_single_queue)):
        side = Side(label)
        for k in range(args.peer_replications):
            result = peer(peer_scenario, args.seed + 1000 * k)
            side.add(result.entered_s.size, result.seconds, kpis_of_peer(peer_scenario, result))
        sides.append(side)
    return scenario, sides, check


def run_multi_skill(args: argparse.Namespace) -> tuple[Scenario, list[Side]]:
    scenario = multi_skill(args.contacts)
    peer_scenario = multi_skill(args.peer_contacts)
    general = Side("ContactOps `run_general`")
    for seed in replication_seeds(args.seed, args.replications):
        run, seconds = timed_run(run_general, scenario, seed)
        general.add(run.visits.entered_s.size, seconds, kpis_of_run(run))
        del run
    simpy = Side("SimPy")
    for k in range(args.peer_replications):
        result = simpy_multi_skill(peer_scenario, args.seed + 1000 * k)
        simpy.add(result.entered_s.size, result.seconds, kpis_of_peer(peer_scenario, result))
    ciw = Side("Ciw", note="cannot express it")
    return scenario, [general, simpy, ciw]


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
        "| side | replications | contacts / replication | seconds (median) | contacts/s "
        "| ÷ SimPy | SL 20 s | ASA s | abandon rate |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for side in sides:
        if not side.seconds:
            rows.append(f"| {side.label} | {side.note} | — | — | — | — | — | — | — |")
            continue
        values = " | ".join(_value(side.estimate(k, scope), k) for k in KPIS)
        rows.append(
            f"| {side.label} | {len(side.seconds)} | {statistics.median(side.contacts):,.0f} | "
            f"{statistics.median(side.seconds):.2f} | {side.rate:,.0f} | "
            f"{side.rate / simpy.rate:.1f}× | {values} |"
        )
    if formula is not None:
        values = " | ".join(f"{formula[k]:.{2 if k == 'asa_s' else 4}f}" for k in KPIS)
        rows.append(f"| formula | — | — | — | — | — | {values} |")
    return "\n".join(rows)


def queue_table(scenario: Scenario, sides: list[Side]) -> str:
    measured = [s for s in sides if s.values]
    rows = [
        "| queue | load Erlangs | priority | side | SL 20 s | ASA s | abandon rate |",
        "|---|---|---|---|---|---|---|",
    ]
    for q in scenario.queues:
        load = q.arrivals[0] / scenario.interval_s * q.talk.mean
        for side in measured:
            values = " | ".join(_value(side.estimate(k, q.code), k) for k in KPIS)
            rows.append(f"| {q.code} | {load:.0f} | {q.priority} | {side.label} | {values} |")
    return "\n".join(rows)


def disagreements(
    sides: list[Side], reference: Side, scopes: list[str], formula: dict[str, float] | None
) -> list[str]:
    found = []
    for scope in scopes:
        for kpi in KPIS:
            ours = reference.estimate(kpi, scope)
            for side in sides:
                if side is reference or not side.values:
                    continue
                theirs = side.estimate(kpi, scope)
                if not _agrees(ours, theirs):
                    found.append(
                        f"{scope} {kpi}: {reference.label} {_value(ours, kpi)}, "
                        f"{side.label} {_value(theirs, kpi)}"
                    )
            if formula is not None and not ours.contains(formula[kpi]):
                if kpi == "abandon_rate" and formula[kpi] == ours.mean == 0.0:
                    continue
                found.append(
                    f"{scope} {kpi}: {reference.label} {_value(ours, kpi)}, formula "
                    f"{formula[kpi]:.4f}"
                )
    return found


def verdict(ratio: float, target: float) -> str:
    return f"**{ratio:.1f}×** (target ≥ {target:.0f}×: {'met' if ratio >= target else 'NOT met'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=300_000)
    parser.add_argument("--peer-contacts", type=int, default=300_000)
    parser.add_argument("--replications", type=int, default=5, help="ContactOps replications")
    parser.add_argument("--repeat", type=int, default=3, help="`run_general` runs on 1 and 2")
    parser.add_argument("--peer-replications", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if args.replications < 2 or args.peer_replications < 2:
        parser.error("intervals need at least two replications per side")

    run_fast(single_queue("compile", 2, 1.0, 60.0, 100), 1)  # compile before any timing
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    parts, problems, ratios = [], [], {}
    titles = {
        "mm100": "1. M/M/100 at 95 % load (AHT 180 s, no abandonment) against Erlang C",
        "erlang_a": "2. M/M/50+M: 50 Erlangs, patience exponential 120 s, against Erlang A",
    }
    for model, title in titles.items():
        print(title, flush=True)
        _scenario, sides, check = run_single_queue(model, args)
        formula = erlang_formulas(model)
        simpy_rate = sides[2].rate
        ratios[f"{model} fast"] = sides[0].rate / simpy_rate
        ratios[f"{model} general"] = sides[1].rate / simpy_rate
        found = disagreements([sides[2], sides[3]], sides[0], ["all"], formula)
        problems += [f"[{model}] {p}" for p in found]
        agreement = (
            "All sides agree with each other and with the formula within their intervals."
            if not found
            else "Outside the intervals: " + "; ".join(found) + "."
        )
        parts += [
            f"### {title}",
            table(sides, formula),
            f"Fast path ÷ SimPy: {verdict(ratios[f'{model} fast'], FAST_TARGET)}. "
            f"{agreement} {check}",
        ]
    print("3. multi-skill", flush=True)
    scenario, sides = run_multi_skill(args)
    ratios["multi general"] = sides[0].rate / sides[1].rate
    scopes = ["all", *(q.code for q in scenario.queues)]
    found = disagreements([sides[1]], sides[0], scopes, None)
    problems += [f"[multi-skill] {p}" for p in found]
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
    title = "3. Multi-skill: 3 queues, 4 agent groups, skill levels, longest-idle agents"
    parts += [
        f"### {title}",
        f"Queues — {queues}. Agent groups (skill levels) — {groups}. {erlangs:.1f} Erlangs "
        f"on {sum(g.count for g in MULTI_GROUPS)} agents.",
        table(sides, None),
        queue_table(scenario, sides),
        f"General engine ÷ SimPy: {verdict(ratios['multi general'], GENERAL_TARGET)}. "
        + (
            "ContactOps and SimPy agree within their intervals on every KPI of every queue."
            if not found
            else "Outside the intervals: " + "; ".join(found) + "."
        )
        + " Ciw cannot express this model: a Ciw node's servers serve that node's queue only "
        "and a server priority function only orders free servers, so agents shared by several "
        "queues with skill levels, and an agent choosing among queues, have no Ciw form.",
    ]
    elapsed = time.perf_counter() - started
    load = (load_before, os.getloadavg()[0])
    intro = (
        f"ContactOps: {args.replications} replications a model, about {args.contacts:,} "
        f"contacts each after a {WARMUP_S / 3600:.0f} h warm-up (`run_general` on models 1 and "
        f"2: the first {args.repeat}); SimPy and Ciw: {args.peer_replications} replications of "
        f"about {args.peer_contacts:,}. Timed: one call that runs a replication and leaves "
        "per-contact results — `run_fast` / `run_general` (arrival and duration sampling, the "
        "run, visit and agent-state columns; `run_fast` compiled beforehand), SimPy's "
        "`env.run()`, Ciw's `simulate_until_max_time`; KPIs are computed afterwards, untimed. "
        "Seconds are medians, contacts/s the median over replications, every simulated "
        "contact counted (warm-up included). KPIs over contacts entering after the warm-up: "
        "SL = answered within 20 s ÷ offered (abandons count against), ASA = mean wait of "
        "answered contacts, abandon rate = abandoned ÷ offered; mean ± 95 % Student-t "
        f"half-width over replications. Whole run {elapsed / 60:.1f} min; 1-minute load "
        f"average {load[0]:.2f} before, {load[1]:.2f} after (2 cores)."
    )
    body = "\n\n".join([intro, *parts])
    print(body)
    if problems:
        print("\nDisagreements:\n" + "\n".join(problems))
    command = (
        f"python benchmarks/simulation.py --contacts {args.contacts} --peer-contacts "
        f"{args.peer_contacts} --replications {args.replications} --repeat {args.repeat} "
        f"--peer-replications {args.peer_replications} --seed {args.seed}"
    )
    write_section("Simulation: ContactOps vs SimPy and Ciw", command, body)


if __name__ == "__main__":
    main()
