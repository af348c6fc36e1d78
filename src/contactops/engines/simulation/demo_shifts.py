"""A simple shift plan for demo centers: who works when, each local day.

Per queue and local half hour the need is ⌈load / concurrency / 0.75⌉ agents (load in Erlangs =
expected contacts × handle time / 1800 s). Queues are planned busiest first: repeatedly the
8-hour shift (shorter when the queue is open less) that covers the most uncovered need goes to
the skilled agent with the fewest days worked this week — primary skill (highest level) first —
until the need is covered, nobody is left, or the day has used its share of the week's
capacity (agents × 5 days, shared by the days' needs). An agent works at most five days a
week, one shift a day, with a 15-minute break after two hours, lunch (30 minutes) after four
and another break after six. This is a demo's stand-in for the real scheduler, not a
substitute for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from contactops.engines.simulation.demo_center import DemoAgent, DemoQueue, intraday_weight
from contactops.engines.simulation.scenario import Shift

SLOTS_PER_DAY = 48
SLOT_MINUTES = 30
SHIFT_SLOTS = 16  # 8 hours
TARGET_OCCUPANCY = 0.75
MAX_DAYS_PER_WEEK = 5
BREAKS = ((120, 15.0), (240, 30.0), (360, 15.0))  # (minutes after shift start, length minutes)


def slot_need(queue: DemoQueue, day: date) -> list[int]:
    """Agents a queue needs in each local half hour of ``day``."""
    hours = [(slot + 0.5) / 2 for slot in range(SLOTS_PER_DAY)]
    weights = [
        intraday_weight(h) if queue.open_hour <= h < queue.close_hour else 0.0 for h in hours
    ]
    total = sum(weights)
    day_contacts = queue.weekday_contacts * queue.day_share(day)
    if total == 0 or day_contacts <= 0:
        return [0] * SLOTS_PER_DAY
    need = []
    for weight in weights:
        load = day_contacts * weight / total * queue.aht_s / (SLOT_MINUTES * 60)
        need.append(math.ceil(load / queue.concurrency / TARGET_OCCUPANCY) if load > 0 else 0)
    return need


def plan_shifts(
    queues: Sequence[DemoQueue],
    agents: Sequence[DemoAgent],
    *,
    start: date,
    days: int,
    zone: ZoneInfo,
    origin: datetime,
) -> dict[str, tuple[Shift, ...]]:
    """Each agent's shifts over ``days`` local days from ``start``, in seconds from ``origin``."""
    shifts: dict[str, list[Shift]] = {agent.code: [] for agent in agents}
    worked_in_week: dict[tuple[str, int], int] = {}
    worked_total = dict.fromkeys(shifts, 0)
    horizon_s = datetime.combine(start + timedelta(days=days), time(), zone).timestamp()
    for offset in range(days):
        day = start + timedelta(days=offset)
        week = day.isocalendar()[1]
        busy_today: set[str] = set()
        needs = {queue.code: slot_need(queue, day) for queue in queues}
        budget = _day_budget(queues, day, len(agents))
        for queue in sorted(queues, key=lambda q: -sum(needs[q.code])):
            need = needs[queue.code]
            open_slots = [slot for slot, n in enumerate(need) if n > 0]
            if not open_slots:
                continue
            length = min(SHIFT_SLOTS, open_slots[-1] + 1 - open_slots[0])
            covered = [0] * SLOTS_PER_DAY
            while len(busy_today) < budget:
                best_start, best_gain = _best_start(need, covered, open_slots, length)
                if best_gain == 0:
                    break
                agent = _next_agent(
                    queue.code, agents, busy_today, worked_in_week, worked_total, week
                )
                if agent is None:
                    break
                busy_today.add(agent)
                worked_in_week[(agent, week)] = worked_in_week.get((agent, week), 0) + 1
                worked_total[agent] += 1
                for slot in range(best_start, best_start + length):
                    covered[slot] += 1
                shift = _shift(day, best_start, length, zone, origin, horizon_s)
                if shift is not None:
                    shifts[agent].append(shift)
    return {code: tuple(sorted(s, key=lambda x: x.start_s)) for code, s in shifts.items()}


def _day_budget(queues: Sequence[DemoQueue], day: date, agents: int) -> int:
    """Shifts a day may use: the week's capacity (agents × 5) shared by the days' needs, so
    that weekdays leave agents for the weekend."""
    monday = day - timedelta(days=day.weekday())
    week = [sum(sum(slot_need(q, monday + timedelta(days=d))) for q in queues) for d in range(7)]
    total = sum(week)
    if total == 0:
        return 0
    return math.ceil(agents * MAX_DAYS_PER_WEEK * week[day.weekday()] / total)


def _best_start(
    need: list[int], covered: list[int], open_slots: list[int], length: int
) -> tuple[int, int]:
    best_start, best_gain = open_slots[0], 0
    for first in range(open_slots[0], open_slots[-1] + 2 - length):
        gain = sum(max(0, need[s] - covered[s]) for s in range(first, first + length))
        if gain > best_gain:
            best_start, best_gain = first, gain
    return best_start, best_gain


def _next_agent(
    queue: str,
    agents: Sequence[DemoAgent],
    busy_today: set[str],
    worked_in_week: dict[tuple[str, int], int],
    worked_total: dict[str, int],
    week: int,
) -> str | None:
    """The free agent skilled for ``queue`` who worked least: primary skill first."""
    candidates = [
        (
            _rank(agent, queue),
            worked_in_week.get((agent.code, week), 0),
            worked_total[agent.code],
            index,
            agent.code,
        )
        for index, agent in enumerate(agents)
        if queue in agent.queues
        and agent.code not in busy_today
        and worked_in_week.get((agent.code, week), 0) < MAX_DAYS_PER_WEEK
    ]
    return min(candidates)[-1] if candidates else None


def _rank(agent: DemoAgent, queue: str) -> int:
    """0 when ``queue`` is the agent's primary skill (highest level, first listed on ties)."""
    levels = [agent.levels.get(code, 5) for code in agent.queues]
    primary = agent.queues[levels.index(max(levels))]
    return 0 if primary == queue else 1


def _shift(
    day: date, first: int, length: int, zone: ZoneInfo, origin: datetime, horizon_s: float
) -> Shift | None:
    local_start = datetime.combine(day, time(), zone) + timedelta(minutes=SLOT_MINUTES * first)
    local_end = local_start + timedelta(minutes=SLOT_MINUTES * length)
    start_s = local_start.timestamp() - origin.timestamp()
    end_s = min(local_end.timestamp(), horizon_s) - origin.timestamp()
    if end_s <= start_s:
        return None
    breaks = []
    for after_minutes, minutes in BREAKS:
        at = (local_start + timedelta(minutes=after_minutes)).timestamp() - origin.timestamp()
        if start_s <= at and at + minutes * 60 < end_s:
            breaks.append((at, minutes * 60))
    return Shift(start_s, end_s, tuple(breaks))
