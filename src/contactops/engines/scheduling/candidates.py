"""The candidate shifts (template × day × start) on the slot grid, and who may work them.

Slot ``t`` of the horizon is ``day · slots_per_day + slot``; the grid runs one day past the
horizon so a night shift of the last day has somewhere to end. ``real_minutes[t]`` is what a slot
lasts in real time (0 or 2 × interval across a clock change, see :mod:`.problem`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .problem import MINUTES_PER_DAY, Agent, IntArray, Problem, Requirements, ShiftTemplate


@dataclass(frozen=True, slots=True)
class Grid:
    interval_minutes: int
    days: int
    slots_per_day: int
    real_minutes: IntArray
    """Real minutes of each slot, for ``days + 1`` days."""
    real_clock: IntArray
    """Real minutes from the grid start to the start of slot ``t`` (``len = slots + 1``)."""

    @property
    def horizon_slots(self) -> int:
        return self.days * self.slots_per_day


def grid_of(requirements: Requirements) -> Grid:
    """real_minutes = interval, except 0 in a skipped hour and 2 · interval in a repeated one."""
    step = requirements.interval_minutes
    per_day = requirements.slots_per_day
    real = np.full((requirements.days + 1) * per_day, step, dtype=np.int64)
    for change in requirements.clock_changes:
        first = change.day * per_day + change.local_minute // step
        count = abs(change.offset_change_minutes) // step
        if change.offset_change_minutes > 0:
            real[first : first + count] = 0
        else:
            real[first - count : first] = 2 * step
    clock = np.concatenate([[0], np.cumsum(real)]).astype(np.int64)
    return Grid(step, requirements.days, per_day, real, clock)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One shift a day could hold: slots ``start_slot … end_slot − 1`` (global), breaks as
    the possible start slots of each break (global), paid real minutes and cost in cents."""

    template: int
    day: int
    start_minute: int
    end_minute: int
    """Wall-clock end in minutes after midnight of the start day (may pass 1440)."""
    start_slot: int
    end_slot: int
    break_starts: tuple[tuple[int, ...], ...]
    break_lengths: tuple[int, ...]
    paid_minutes: int
    cost_cents: int
    night: bool


def all_candidates(templates: Sequence[ShiftTemplate], grid: Grid) -> tuple[Candidate, ...]:
    """Every template × day × start. paid = Σ real minutes of the shift − unpaid break length;
    cost = round(100 · cost_per_hour · paid / 60) cents."""
    step = grid.interval_minutes
    out: list[Candidate] = []
    for k, template in enumerate(templates):
        length_slots = template.length_minutes // step
        for day in range(grid.days):
            for start in sorted(set(template.start_minutes)):
                first = day * grid.slots_per_day + start // step
                last = first + length_slots
                breaks = tuple(
                    tuple(
                        first + offset // step
                        for offset in range(
                            rule.earliest_start_minutes, rule.latest_start_minutes + 1, step
                        )
                    )
                    for rule in template.breaks
                )
                paid = int(grid.real_clock[last] - grid.real_clock[first]) - template.unpaid_minutes
                out.append(
                    Candidate(
                        template=k,
                        day=day,
                        start_minute=start,
                        end_minute=start + template.length_minutes,
                        start_slot=first,
                        end_slot=last,
                        break_starts=breaks,
                        break_lengths=tuple(r.length_minutes // step for r in template.breaks),
                        paid_minutes=paid,
                        cost_cents=round(100 * template.cost_per_hour * paid / 60),
                        night=template.night(start),
                    )
                )
    return tuple(out)


def allowed_for(problem: Problem, agent: Agent, candidates: tuple[Candidate, ...]) -> list[int]:
    """Indices of the candidates ``agent`` may work: an allowed template, not a fixed day off,
    not touching an unavailable window, inside an available window when any is given."""
    codes = set(agent.templates) or {t.code for t in problem.templates}
    allowed_templates = {k for k, t in enumerate(problem.templates) if t.code in codes}
    days_off = set(agent.fixed_days_off)
    blocked = [
        (w.day * MINUTES_PER_DAY + w.start_minute, w.day * MINUTES_PER_DAY + w.end_minute)
        for w in agent.unavailable
    ]
    open_windows = [
        (w.day * MINUTES_PER_DAY + w.start_minute, w.day * MINUTES_PER_DAY + w.end_minute)
        for w in agent.available
    ]
    out = []
    for i, c in enumerate(candidates):
        if c.template not in allowed_templates or c.day in days_off:
            continue
        begin = c.day * MINUTES_PER_DAY + c.start_minute
        end = c.day * MINUTES_PER_DAY + c.end_minute
        if any(b < end and begin < e for b, e in blocked):
            continue
        if open_windows and not any(b <= begin and end <= e for b, e in open_windows):
            continue
        out.append(i)
    return out
