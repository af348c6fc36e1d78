"""Deterministic demo history: weeks of plausible contacts and agent states for demo tenants.

A lightweight stand-in until the full discrete-event simulator exists: Poisson arrivals with an
intraday and a weekly pattern, interval staffing sized from the offered load, FIFO queues served
by the longest-idle agent, exponential patience. It emits the same canonical events as the
connectors and the live routing engine, so everything downstream treats it as real history.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from operator import attrgetter
from zoneinfo import ZoneInfo

from contactops.engines.events import (
    AgentStateEvent,
    Channel,
    ContactEvent,
    ContactEventType,
    EventValue,
)
from contactops.engines.simulation.demo_agent_states import Answered, agent_events, utc
from contactops.engines.simulation.demo_staffing import INTERVAL_MINUTES as INTERVAL_MINUTES
from contactops.engines.simulation.demo_staffing import (
    MAX_SHIFT_INTERVALS as MAX_SHIFT_INTERVALS,
)
from contactops.engines.simulation.demo_staffing import TARGET_OCCUPANCY as TARGET_OCCUPANCY
from contactops.engines.simulation.demo_staffing import (
    Block,
    Slot,
    local_slots,
    skilled_agents,
    staff_day,
)

BIN_MINUTES = 15  # arrivals: Poisson with a constant rate inside each bin
WEEKDAY_FACTORS = (1.12, 1.03, 1.0, 0.97, 0.88)  # Monday..Friday; their mean is 1
DAY_NOISE_SIGMA = 0.06  # day-to-day volume noise, as a fraction of the day's mean
TALK_SIGMA = 0.6  # shape of the lognormal talk time
TRANSFER_SHARE = 0.03
KNOWN_CUSTOMER_SHARE = 0.6
CONTACTS_PER_KNOWN_CUSTOMER = 3.0  # sizes the customer pool so that repeat contacts exist
QUEUE_ENTRY_DELAY_S = {  # IVR menu or pre-chat form before the contact joins the queue
    Channel.PHONE: (5.0, 30.0),
    Channel.CALLBACK: (0.0, 5.0),
    Channel.CHAT: (2.0, 15.0),
    Channel.SOCIAL: (0.0, 5.0),
    Channel.EMAIL: (0.0, 0.0),
}
ALERT_S = {  # from offer to answer: ringing, or accepting the chat
    Channel.PHONE: (3.0, 12.0),
    Channel.CALLBACK: (5.0, 20.0),
    Channel.CHAT: (2.0, 8.0),
    Channel.SOCIAL: (2.0, 8.0),
    Channel.EMAIL: (0.0, 3.0),
}


@dataclass(frozen=True)
class DemoQueue:
    """A queue's demand and service profile, as a planner would describe it."""

    code: str
    channel: Channel
    weekday_contacts: float  # expected contacts on a weekday (Mon-Fri)
    saturday_share: float  # Saturday volume as a fraction of a weekday (0 = closed)
    sunday_share: float
    aht_s: float  # mean handle time (talk + hold + wrap) in seconds
    wrapup_s: float  # mean after-contact work in seconds (part of aht_s)
    patience_s: float | None  # mean patience (exponential); None = never abandons (e-mail)
    open_hour: int = 8  # local opening hour
    close_hour: int = 20  # local closing hour (exclusive)
    concurrency: int = 1  # contacts an agent handles at once (chat 2-3)

    def __post_init__(self) -> None:
        problems = {
            "weekday_contacts": self.weekday_contacts < 0,
            "saturday_share": self.saturday_share < 0,
            "sunday_share": self.sunday_share < 0,
            "aht_s": self.aht_s <= 0,
            "wrapup_s": not 0 <= self.wrapup_s < self.aht_s,
            "patience_s": self.patience_s is not None and self.patience_s <= 0,
            "open_hour": not 0 <= self.open_hour < self.close_hour,
            "close_hour": self.close_hour > 24,
            "concurrency": self.concurrency < 1,
        }
        for name, wrong in problems.items():
            if wrong:
                raise ValueError(f"queue {self.code!r}: {name}={getattr(self, name)!r} is invalid")

    def day_share(self, day: date) -> float:
        """The day's volume as a fraction of an average weekday."""
        weekday = day.weekday()
        if weekday < 5:
            return WEEKDAY_FACTORS[weekday]
        return self.saturday_share if weekday == 5 else self.sunday_share


@dataclass(frozen=True)
class DemoAgent:
    code: str
    queues: tuple[str, ...]  # queue codes this agent is skilled for


@dataclass(frozen=True)
class DemoHistory:
    contact_events: list[ContactEvent]
    agent_events: list[AgentStateEvent]
    contacts: int


@dataclass(slots=True)
class _Contact:
    contact_id: str
    queue: DemoQueue
    day_index: int
    arrived_s: float  # all times are seconds since the Unix epoch
    entered_s: float
    patience_s: float | None
    customer_id: str | None
    answered: Answered | None = None
    abandoned_s: float | None = None


@dataclass(slots=True)
class _AgentLoad:
    """The contacts an agent has taken on, as (finish_s, concurrency of their queue)."""

    commitments: list[tuple[float, int]] = field(default_factory=list)
    last_finish_s: float = -math.inf

    def earliest_start_s(self, at_s: float, concurrency: int) -> float:
        """Earliest time ≥ at_s to take one more contact: the contacts in progress allow at
        most the smallest concurrency among them and the new one. Every commitment counts as
        busy until it finishes, so an agent is never double-booked."""
        pending = [c for c in self.commitments if c[0] > at_s]
        if not pending:
            return at_s
        pending.sort()
        start_s = at_s
        while pending and len(pending) >= min(concurrency, *(c for _, c in pending)):
            start_s = pending.pop(0)[0]
        return start_s

    def commit(self, now_s: float, finish_s: float, concurrency: int) -> None:
        self.commitments = [c for c in self.commitments if c[0] > now_s]
        self.commitments.append((finish_s, concurrency))
        self.last_finish_s = max(self.last_finish_s, finish_s)


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

    Every arrived contact ends answered or abandoned; the same seed gives the same history.
    ``progress(days_done)`` is called once per simulated day.
    """
    if days < 0:
        raise ValueError(f"days must be 0 or more, got {days}")
    skilled = skilled_agents(queues, agents)
    zone = ZoneInfo(time_zone)
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    customer_pool = _customer_pool_size(queues, start, days)
    contacts: list[_Contact] = []
    blocks: list[Block] = []
    for day_index in range(days):
        day = start + timedelta(days=day_index)
        forecasts = {queue.code: _bin_forecast(queue, day, zone) for queue in queues}
        for queue in queues:
            arrivals = _arrival_times_s(forecasts[queue.code], rng)
            contacts += _new_contacts(queue, day, day_index, arrivals, customer_pool, rng)
        blocks += staff_day(queues, forecasts, skilled, day, zone, rng)
    contacts.sort(key=attrgetter("entered_s"))
    horizon_end_s = datetime.combine(start + timedelta(days=days), time(), zone).timestamp()
    _serve(_reporting_days(contacts, days, progress), queues, blocks, horizon_end_s, rng)
    contact_events = [event for contact in contacts for event in _contact_events(contact)]
    handled = ((c.answered, c.queue.code) for c in contacts if c.answered is not None)
    state_events = agent_events([agent.code for agent in agents], blocks, handled)
    contact_events.sort(key=attrgetter("occurred_at"))
    state_events.sort(key=attrgetter("occurred_at"))
    return DemoHistory(contact_events, state_events, len(contacts))


def _customer_pool_size(queues: Sequence[DemoQueue], start: date, days: int) -> int:
    expected_contacts = sum(
        queue.weekday_contacts * queue.day_share(start + timedelta(days=offset))
        for queue in queues
        for offset in range(days)
    )
    return max(1, round(KNOWN_CUSTOMER_SHARE * expected_contacts / CONTACTS_PER_KNOWN_CUSTOMER))


def _intraday_weight(hour: float) -> float:
    """Relative arrival rate at a local hour: peaks at 10:30 and 14:30, a lunch dip between,
    and a base level that declines after 16:00."""
    base = max(0.1, 0.3 - 0.03 * max(0.0, hour - 16.0))
    morning = math.exp(-0.5 * ((hour - 10.5) / 1.1) ** 2)
    afternoon = 0.7 * math.exp(-0.5 * ((hour - 14.5) / 1.2) ** 2)
    return base + morning + afternoon


def _bin_forecast(queue: DemoQueue, day: date, zone: ZoneInfo) -> list[tuple[Slot, float]]:
    """(bin, expected contacts) of each open bin: the day's mean spread by the intraday profile."""
    day_contacts = queue.weekday_contacts * queue.day_share(day)
    if day_contacts <= 0:
        return []
    bins = local_slots(zone, day, queue.open_hour * 60, queue.close_hour * 60, BIN_MINUTES)
    weights = [_intraday_weight((b.minute + BIN_MINUTES / 2) / 60) for b in bins]
    total_weight = sum(weights)
    return [(b, day_contacts * w / total_weight) for b, w in zip(bins, weights, strict=True)]


def _arrival_times_s(forecast: list[tuple[Slot, float]], rng: random.Random) -> list[float]:
    """A Poisson process with a constant rate in each bin, scaled by the day's noise."""
    noise = max(0.5, rng.gauss(1.0, DAY_NOISE_SIGMA))
    arrivals: list[float] = []
    for bin_, expected in forecast:
        rate_per_s = expected * noise / (bin_.end_s - bin_.start_s)
        at_s = bin_.start_s + rng.expovariate(rate_per_s)
        while at_s < bin_.end_s:
            arrivals.append(at_s)
            at_s += rng.expovariate(rate_per_s)
    return arrivals


def _new_contacts(
    queue: DemoQueue,
    day: date,
    day_index: int,
    arrivals_s: list[float],
    customer_pool: int,
    rng: random.Random,
) -> Iterator[_Contact]:
    for number, arrived_s in enumerate(arrivals_s, start=1):
        known = rng.random() < KNOWN_CUSTOMER_SHARE
        yield _Contact(
            contact_id=f"{queue.code}-{day:%Y%m%d}-{number:05d}",
            queue=queue,
            day_index=day_index,
            arrived_s=arrived_s,
            entered_s=arrived_s + rng.uniform(*QUEUE_ENTRY_DELAY_S[queue.channel]),
            patience_s=None
            if queue.patience_s is None
            else rng.expovariate(1.0 / queue.patience_s),
            customer_id=f"C{rng.randrange(customer_pool):06d}" if known else None,
        )


def _reporting_days(
    contacts: list[_Contact], days: int, progress: Callable[[int], None] | None
) -> Iterator[_Contact]:
    """Yield ``contacts`` in order, calling ``progress(days_done)`` once per day as days end."""
    done = 0
    for contact in contacts:
        while done < contact.day_index:
            done += 1
            if progress:
                progress(done)
        yield contact
    while done < days:
        done += 1
        if progress:
            progress(done)


@dataclass(slots=True)
class _Roster:
    """One queue's working blocks in start order; ``first`` skips those that are over."""

    blocks: list[Block]
    first: int = 0

    def open_at(self, now_s: float) -> Iterator[Block]:
        """Blocks not yet over at ``now_s``, in start order (``now_s`` only grows)."""
        while self.first < len(self.blocks) and self.blocks[self.first].end_s <= now_s:
            self.first += 1
        for index in range(self.first, len(self.blocks)):
            if self.blocks[index].end_s > now_s:
                yield self.blocks[index]


def _serve(
    contacts: Iterator[_Contact],
    queues: Sequence[DemoQueue],
    blocks: list[Block],
    horizon_end_s: float,
    rng: random.Random,
) -> None:
    """FIFO per queue: each contact, in queue-entry order, goes to the agent free soonest.

    Among agents free at once, the one idle longest takes it. If that moment is past the
    contact's patience, it abandons instead. E-mail never abandons: what no scheduled agent can
    take before the history ends is worked off as overtime by the queue's last agent.
    """
    rosters = {
        queue.code: _Roster(
            sorted((b for b in blocks if b.queue == queue.code), key=attrgetter("start_s"))
        )
        for queue in queues
    }
    loads = {block.agent: _AgentLoad() for block in blocks}
    for contact in contacts:
        queue, now_s = contact.queue, contact.entered_s
        roster = rosters[queue.code]
        deadline_s = math.inf if contact.patience_s is None else now_s + contact.patience_s
        offer = _longest_idle_agent(
            roster.open_at(now_s), loads, now_s, deadline_s, queue.concurrency
        )
        if offer is None and contact.patience_s is None and roster.blocks:
            overtime_agent = max(roster.blocks, key=attrgetter("end_s")).agent
            overtime_s = loads[overtime_agent].earliest_start_s(now_s, queue.concurrency)
            offer = (overtime_s, overtime_agent)
        if offer is None:
            contact.abandoned_s = min(deadline_s, max(horizon_end_s, now_s))
            continue
        offered_s, agent = offer
        transfer_targets = [q.code for q in queues if q.code != queue.code]
        contact.answered = _handle(queue, agent, offered_s, transfer_targets, rng)
        loads[agent].commit(now_s, contact.answered.wrapup_ended_s, queue.concurrency)


def _longest_idle_agent(
    blocks: Iterator[Block],
    loads: Mapping[str, _AgentLoad],
    now_s: float,
    deadline_s: float,
    concurrency: int,
) -> tuple[float, str] | None:
    """(offer time, agent) of the earliest possible offer no later than ``deadline_s``; ties go
    to the agent idle longest. None if no scheduled agent can take the contact in time."""
    best: tuple[float, float, str] | None = None
    for block in blocks:
        if block.start_s > deadline_s or (best is not None and block.start_s > best[0]):
            break
        load = loads[block.agent]
        offered_s = load.earliest_start_s(max(now_s, block.start_s), concurrency)
        if offered_s < block.end_s and offered_s <= deadline_s:
            candidate = (offered_s, max(load.last_finish_s, block.start_s), block.agent)
            if best is None or candidate < best:
                best = candidate
    return None if best is None else (best[0], best[2])


def _handle(
    queue: DemoQueue,
    agent: str,
    offered_s: float,
    transfer_targets: list[str],
    rng: random.Random,
) -> Answered:
    """Talk ~ lognormal with mean aht_s − wrapup_s, wrap-up ~ exponential with mean wrapup_s."""
    answered_s = offered_s + rng.uniform(*ALERT_S[queue.channel])
    talk_mean_s = queue.aht_s - queue.wrapup_s
    talk_s = rng.lognormvariate(math.log(talk_mean_s) - TALK_SIGMA**2 / 2, TALK_SIGMA)
    wrapup_s = rng.expovariate(1.0 / queue.wrapup_s) if queue.wrapup_s > 0 else 0.0
    transferred = bool(transfer_targets) and rng.random() < TRANSFER_SHARE
    ended_s = answered_s + talk_s
    return Answered(
        agent=agent,
        offered_s=offered_s,
        answered_s=answered_s,
        ended_s=ended_s,
        wrapup_ended_s=ended_s + wrapup_s,
        transferred_to=rng.choice(transfer_targets) if transferred else None,
    )


def _contact_events(contact: _Contact) -> list[ContactEvent]:
    """arrived, entered_queue, then offered, answered, [transferred], ended, wrapup_ended — or
    abandoned. The agent is named from the offer on."""
    steps: list[tuple[float, ContactEventType, str | None, dict[str, EventValue]]] = [
        (contact.arrived_s, ContactEventType.ARRIVED, None, {}),
        (contact.entered_s, ContactEventType.ENTERED_QUEUE, None, {}),
    ]
    answered = contact.answered
    if answered is None:
        assert contact.abandoned_s is not None, f"{contact.contact_id} has no outcome"
        steps.append((contact.abandoned_s, ContactEventType.ABANDONED, None, {}))
    else:
        agent = answered.agent
        steps += [
            (answered.offered_s, ContactEventType.OFFERED, agent, {}),
            (answered.answered_s, ContactEventType.ANSWERED, agent, {}),
        ]
        if answered.transferred_to is not None:
            transfer: dict[str, EventValue] = {"target": answered.transferred_to}
            steps.append((answered.ended_s, ContactEventType.TRANSFERRED, agent, transfer))
        steps += [
            (answered.ended_s, ContactEventType.ENDED, agent, {}),
            (answered.wrapup_ended_s, ContactEventType.WRAPUP_ENDED, agent, {}),
        ]
    queue = contact.queue
    return [
        ContactEvent(
            utc(at_s),
            contact.contact_id,
            event_type,
            queue.channel,
            queue.code,
            agent,
            contact.customer_id,
            data,
        )
        for at_s, event_type, agent, data in steps
    ]
