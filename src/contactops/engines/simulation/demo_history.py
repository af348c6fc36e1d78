"""Deterministic demo history: weeks of plausible contacts and agent states, simulated.

A demo center is described the way a planner would (contacts per weekday, weekend shares, handle
time, patience, opening hours); this module turns it into a simulation scenario and runs the
general engine — the same routing, the same events as a what-if run:

- arrivals: Poisson per 15 minutes with an intraday shape (a peak at 10:30, a second one at
  14:30, a lunch dip between) and a weekly one (Monday busiest), in the center's local time,
  with day-to-day noise (overdispersion);
- agents: a shift plan per local day (:mod:`.demo_shifts`) covering each queue's need with
  8-hour shifts and breaks; each agent works their skills, the router decides who takes what;
- 3% of answered contacts are transferred to another queue; 60% of contacts come from known
  customers (some call more than once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from contactops.engines.events import (
    AgentStateEvent,
    Channel,
    ContactEvent,
)
from contactops.engines.simulation.demo_center import DemoAgent, DemoQueue, intraday_weight
from contactops.engines.simulation.demo_shifts import plan_shifts
from contactops.engines.simulation.distributions import Duration
from contactops.engines.simulation.engine import SimulationRun, run_general
from contactops.engines.simulation.output import (
    agent_event_list,
    agent_state_events,
    contact_event_list,
    contact_events,
)
from contactops.engines.simulation.scenario import (
    AgentGroup,
    Customers,
    QueueSpec,
    Scenario,
    Transfer,
)
from contactops.engines.simulation.streams import customer_pool_size

BIN_MINUTES = 15  # arrivals: Poisson with a constant rate inside each bin
DAY_NOISE_CV = 0.06  # day-to-day volume noise, as a fraction of the day's mean
TALK_CV = 0.66  # spread of the log-normal talk time
TRANSFER_SHARE = 0.03
KNOWN_CUSTOMER_SHARE = 0.6
CONTACTS_PER_KNOWN_CUSTOMER = 3.0  # sizes the customer pool so that repeat contacts exist
QUEUE_ENTRY_S = {  # mean IVR menu or pre-chat form before the contact joins the queue
    Channel.PHONE: 17.0,
    Channel.CALLBACK: 2.0,
    Channel.CHAT: 8.0,
    Channel.SOCIAL: 2.0,
    Channel.EMAIL: 0.0,
}
ALERT_S = {  # mean time from offer to answer: ringing, or accepting the chat
    Channel.PHONE: 7.0,
    Channel.CALLBACK: 12.0,
    Channel.CHAT: 5.0,
    Channel.SOCIAL: 5.0,
    Channel.EMAIL: 1.0,
}


@dataclass(frozen=True)
class DemoHistory:
    contact_events: list[ContactEvent]
    agent_events: list[AgentStateEvent]
    contacts: int


def expected_arrivals(queue: DemoQueue, bins: Sequence[tuple[date, float]]) -> tuple[float, ...]:
    """Expected contacts per bin; ``bins`` gives each bin's local day and local mid-hour. A day's
    mean is spread over its open bins by :func:`intraday_weight`."""
    weights = [
        intraday_weight(hour) if queue.open_hour <= hour < queue.close_hour else 0.0
        for _day, hour in bins
    ]
    per_day: dict[date, float] = {}
    for (day, _hour), weight in zip(bins, weights, strict=True):
        per_day[day] = per_day.get(day, 0.0) + weight
    return tuple(
        queue.weekday_contacts * queue.day_share(day) * weight / per_day[day] if weight else 0.0
        for (day, _hour), weight in zip(bins, weights, strict=True)
    )


def demo_scenario(
    queues: Sequence[DemoQueue],
    agents: Sequence[DemoAgent],
    *,
    start: date,
    days: int,
    time_zone: str,
    seed: int = 7,
) -> Scenario:
    """The scenario behind a demo history: ``days`` local days from ``start``."""
    _check_center(queues, agents)
    zone = ZoneInfo(time_zone)
    begin = datetime.combine(start, time(), zone)
    end = datetime.combine(start + timedelta(days=days), time(), zone)
    bin_s = BIN_MINUTES * 60
    bin_count = round((end.timestamp() - begin.timestamp()) / bin_s)
    bins = []
    for n in range(bin_count):
        local = datetime.fromtimestamp(begin.timestamp() + (n + 0.5) * bin_s, zone)
        bins.append((local.date(), local.hour + local.minute / 60 + local.second / 3600))
    specs = tuple(_queue_spec(queue, expected_arrivals(queue, bins), queues) for queue in queues)
    shifts = plan_shifts(queues, agents, start=start, days=days, zone=zone, origin=begin)
    groups = tuple(
        AgentGroup(
            agent.code,
            1,
            {code: agent.levels.get(code, 5) for code in agent.queues},
            shifts.get(agent.code, ()),
            codes=(agent.code,),
        )
        for agent in agents
        if shifts.get(agent.code)
    )
    return Scenario(
        "demo",
        begin,
        bin_s,
        specs,
        groups,
        seed=seed,
        customers=Customers(KNOWN_CUSTOMER_SHARE, CONTACTS_PER_KNOWN_CUSTOMER),
        time_zone=time_zone,
    )


def _check_center(queues: Sequence[DemoQueue], agents: Sequence[DemoAgent]) -> None:
    codes = [queue.code for queue in queues]
    if len(set(codes)) != len(codes):
        raise ValueError(f"queue codes must be unique, got {codes}")
    staffed = dict.fromkeys(codes, 0)
    for agent in agents:
        for code in agent.queues:
            if code not in staffed:
                raise ValueError(f"agent {agent.code!r}: unknown queue {code!r}")
            staffed[code] += 1
    for code, count in staffed.items():
        if not count:
            raise ValueError(f"queue {code!r}: no agent is skilled for it")


def _queue_spec(
    queue: DemoQueue, arrivals: tuple[float, ...], queues: Sequence[DemoQueue]
) -> QueueSpec:
    """Talk ~ log-normal with mean aht − wrap-up, wrap-up ~ exponential, patience ~ exponential;
    e-mail comes last when an agent can take several queues; transfers go to the next queue of
    the same channel, if there is one."""
    others = [q.code for q in queues if q.code != queue.code and q.channel == queue.channel]
    entry_s = QUEUE_ENTRY_S[queue.channel]
    return QueueSpec(
        code=queue.code,
        channel=queue.channel,
        arrivals=arrivals,
        talk=Duration.lognormal(queue.aht_s - queue.wrapup_s, TALK_CV),
        wrapup=Duration.exponential(queue.wrapup_s) if queue.wrapup_s > 0 else None,
        patience=None if queue.patience_s is None else Duration.exponential(queue.patience_s),
        ring=Duration.lognormal(ALERT_S[queue.channel], 0.4),
        entry=Duration.lognormal(entry_s, 0.5) if entry_s > 0 else None,
        priority=0 if queue.channel == Channel.EMAIL else 1,
        concurrency=queue.concurrency,
        overdispersion=DAY_NOISE_CV,
        transfer=Transfer(TRANSFER_SHARE, others[0]) if others else None,
        service_level_s=20.0 if queue.channel == Channel.PHONE else 60.0,
    )


def generate_demo_history(
    queues: Sequence[DemoQueue],
    agents: Sequence[DemoAgent],
    *,
    start: date,
    days: int,
    time_zone: str,
    seed: int = 7,
    progress: Callable[[int], None] | None = None,
) -> DemoHistory:
    """Simulate ``days`` local calendar days from ``start`` in ``time_zone``; times are UTC.

    The same seed gives the same history. ``progress(days_done)`` is called once per day.
    """
    if days < 0:
        raise ValueError(f"days must be 0 or more, got {days}")
    _check_center(queues, agents)
    if days == 0:
        return DemoHistory([], [], 0)
    scenario = demo_scenario(queues, agents, start=start, days=days, time_zone=time_zone, seed=seed)
    run = run_general(scenario, progress=progress)
    contact_ids, customer_ids = _identities(run, ZoneInfo(time_zone))
    table = contact_events(run, contact_ids=contact_ids, customer_ids=customer_ids)
    return DemoHistory(
        contact_event_list(table),
        agent_event_list(agent_state_events(run)),
        int(run.contacts.arrival_s.size),
    )


def _identities(run: SimulationRun, zone: ZoneInfo) -> tuple[list[str], list[str | None]]:
    """Contact ids ``<queue>-<local day>-<number>`` numbered per queue and day in arrival
    order; customer ids ``C000123`` for known customers, none for the others."""
    contacts = run.contacts
    origin = run.scenario.start.timestamp()
    codes = run.queue_codes
    counters: dict[tuple[int, date], int] = {}
    contact_ids = [""] * contacts.arrival_s.size
    for index in np.argsort(contacts.arrival_s, kind="stable").tolist():
        queue = int(contacts.queue[index])
        day = datetime.fromtimestamp(origin + float(contacts.arrival_s[index]), zone).date()
        number = counters.get((queue, day), 0) + 1
        counters[(queue, day)] = number
        contact_ids[index] = f"{codes[queue]}-{day:%Y%m%d}-{number:05d}"
    pool = customer_pool_size(run.scenario)
    customer_ids = [
        f"C{customer:06d}" if customer < pool else None for customer in contacts.customer.tolist()
    ]
    return contact_ids, customer_ids


__all__ = ["DemoAgent", "DemoHistory", "DemoQueue", "demo_scenario", "generate_demo_history"]
