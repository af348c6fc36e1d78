"""Interval staffing for demo history: who works which queue in each 30-minute local interval.

Each open queue wants ceil(load / concurrency / occupancy) ± 1 agents per interval. Agents stay
on last interval's queue while it needs them; the rest go, most-short queue first, to the free
skilled agent who has worked least today. An agent's consecutive intervals on one queue form a
working block.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

INTERVAL_MINUTES = 30  # staffing: who works which queue changes only at these boundaries
TARGET_OCCUPANCY = 0.75
MAX_SHIFT_INTERVALS = 18  # 9 hours a day, unless a queue would otherwise be left empty


class StaffedQueue(Protocol):
    """What staffing reads of a queue."""

    @property
    def code(self) -> str: ...
    @property
    def aht_s(self) -> float: ...  # mean handle time in seconds
    @property
    def concurrency(self) -> int: ...  # contacts an agent handles at once


class StaffedAgent(Protocol):
    """What staffing reads of an agent."""

    @property
    def code(self) -> str: ...
    @property
    def queues(self) -> Sequence[str]: ...  # queue codes this agent is skilled for


@dataclass(slots=True)
class Block:
    """An agent working one queue without a break: contacts are offered in [start_s, end_s)."""

    agent: str
    queue: str
    start_s: float
    end_s: float


class Slot(NamedTuple):
    """A stretch of a local day: starts at ``minute`` (local), lasts [start_s, end_s)."""

    minute: int
    start_s: float
    end_s: float


def skilled_agents(
    queues: Sequence[StaffedQueue], agents: Sequence[StaffedAgent]
) -> dict[str, list[StaffedAgent]]:
    """Agents skilled for each queue; a queue nobody can serve is a configuration error."""
    codes = [queue.code for queue in queues]
    if len(set(codes)) != len(codes):
        raise ValueError(f"queue codes must be unique, got {codes}")
    skilled: dict[str, list[StaffedAgent]] = {code: [] for code in codes}
    for agent in agents:
        for code in agent.queues:
            if code not in skilled:
                raise ValueError(f"agent {agent.code!r}: unknown queue {code!r}")
            skilled[code].append(agent)
    for code, members in skilled.items():
        if not members:
            raise ValueError(f"queue {code!r}: no agent is skilled for it")
    return skilled


def _wall_clock_s(zone: ZoneInfo, day: date, minute_of_day: int) -> float | None:
    """The instant of a local wall-clock time, or None if a DST change skips it."""
    local = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(minutes=minute_of_day)
    round_trip = local.astimezone(UTC).astimezone(zone)
    return (
        local.timestamp() if round_trip.replace(tzinfo=None) == local.replace(tzinfo=None) else None
    )


def local_slots(
    zone: ZoneInfo, day: date, first_minute: int, end_minute: int, step_minutes: int
) -> list[Slot]:
    """Consecutive slots of a local day. Wall times skipped by a DST change start no slot; a
    repeated hour lengthens the slot it falls in."""
    boundaries = [
        (minute, instant_s)
        for minute in range(first_minute, end_minute + 1, step_minutes)
        if (instant_s := _wall_clock_s(zone, day, minute)) is not None
    ]
    return [Slot(m, s, e) for (m, s), (_, e) in pairwise(boundaries)]


def staff_day(
    queues: Sequence[StaffedQueue],
    forecasts: Mapping[str, list[tuple[Slot, float]]],
    skilled: Mapping[str, Sequence[StaffedAgent]],
    day: date,
    zone: ZoneInfo,
    rng: random.Random,
) -> list[Block]:
    """The day's working blocks: each interval's assignment, merged while an agent stays."""
    blocks: list[Block] = []
    current: dict[str, Block] = {}
    worked: dict[str, int] = {}
    previous: dict[str, str] = {}
    for interval in local_slots(zone, day, 0, 24 * 60, INTERVAL_MINUTES):
        demand = {
            queue.code: _agents_wanted(queue, forecasts[queue.code], interval.minute, skilled, rng)
            for queue in queues
        }
        demand = {code: wanted for code, wanted in demand.items() if wanted > 0}
        previous = _assign_agents(demand, previous, worked, skilled)
        for agent, queue_code in previous.items():
            worked[agent] = worked.get(agent, 0) + 1
            block = current.get(agent)
            if block and block.queue == queue_code and block.end_s == interval.start_s:
                block.end_s = interval.end_s
            else:
                current[agent] = Block(agent, queue_code, interval.start_s, interval.end_s)
                blocks.append(current[agent])
    return blocks


def _agents_wanted(
    queue: StaffedQueue,
    forecast: list[tuple[Slot, float]],
    interval_minute: int,
    skilled: Mapping[str, Sequence[StaffedAgent]],
    rng: random.Random,
) -> int:
    """ceil(load / concurrency / occupancy) ± 1, at least 1 while open, at most the skilled.

    Load in Erlangs = expected contacts × aht_s / interval length.
    """
    expected = sum(
        contacts
        for bin_, contacts in forecast
        if interval_minute <= bin_.minute < interval_minute + INTERVAL_MINUTES
    )
    if expected <= 0:
        return 0
    load_erlangs = expected * queue.aht_s / (INTERVAL_MINUTES * 60)
    wanted = math.ceil(load_erlangs / queue.concurrency / TARGET_OCCUPANCY) + rng.randint(-1, 1)
    return min(max(1, wanted), len(skilled[queue.code]))


def _assign_agents(
    demand: Mapping[str, int],
    previous: Mapping[str, str],
    worked: Mapping[str, int],
    skilled: Mapping[str, Sequence[StaffedAgent]],
) -> dict[str, str]:
    """Who works which queue (agent code -> queue code) in one interval.

    Agents stay on last interval's queue while it needs them — the latest starters stay, so
    shifts end in turn. Then the queue most short of its demand takes the free skilled agent who
    has worked least today (specialists first), until every queue is staffed or nobody is free.
    A day's work is capped at MAX_SHIFT_INTERVALS unless the queue would otherwise be empty.
    """
    assignment: dict[str, str] = {}
    staffed = dict.fromkeys(demand, 0)
    for queue_code, wanted in demand.items():
        stayers = sorted(
            (a for a, q in previous.items() if q == queue_code and worked[a] < MAX_SHIFT_INTERVALS),
            key=lambda a: (worked[a], a),
        )
        for agent in stayers[:wanted]:
            assignment[agent] = queue_code
            staffed[queue_code] += 1
    short = [code for code in demand if staffed[code] < demand[code]]
    while short:
        queue_code = min(short, key=lambda code: staffed[code] / demand[code])
        free = [
            agent
            for agent in skilled[queue_code]
            if agent.code not in assignment
            and (worked.get(agent.code, 0) < MAX_SHIFT_INTERVALS or staffed[queue_code] == 0)
        ]
        if not free:
            short.remove(queue_code)
            continue
        chosen = min(free, key=lambda agent: (worked.get(agent.code, 0), len(agent.queues)))
        assignment[chosen.code] = queue_code
        staffed[queue_code] += 1
        if staffed[queue_code] == demand[queue_code]:
            short.remove(queue_code)
    return assignment
