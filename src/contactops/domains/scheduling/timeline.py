"""Between the engine's local grid (day index × wall-clock minute) and real time (UTC).

Day ``d`` of a horizon starts at local midnight of ``first_day + d``; minute ``m`` of it is the
wall-clock time ``midnight + m`` (past 1440: the next day). A wall-clock time the clocks skip
maps to the instant after the change, a repeated one to its first occurrence (``fold=0``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from contactops.engines.scheduling import ClockChange

MINUTES_PER_DAY = 1440


def local_to_utc(first_day: date, day: int, minute: int, zone: ZoneInfo) -> datetime:
    """The instant of wall-clock ``minute`` after local midnight of day ``day``."""
    wall = datetime.combine(first_day + timedelta(days=day), time()) + timedelta(minutes=minute)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def wall_minute(instant: datetime, day: date, zone: ZoneInfo) -> int:
    """Wall-clock minutes of ``instant`` after local midnight of ``day`` (may pass 1440)."""
    local = instant.astimezone(zone).replace(tzinfo=None)
    return round((local - datetime.combine(day, time())).total_seconds() / 60)


def clock_changes(first_day: date, days: int, zone: ZoneInfo) -> tuple[ClockChange, ...]:
    """The horizon's daylight-saving changes, as the engine declares them: the wall-clock minute
    before the change and how far clocks move (+60 spring, −60 autumn)."""
    changes = []
    for d in range(days):
        midnight = datetime.combine(first_day + timedelta(days=d), time(), tzinfo=zone)
        start = midnight.astimezone(UTC)
        end = (midnight + timedelta(days=1)).astimezone(UTC)
        before, after = start.astimezone(zone).utcoffset(), end.astimezone(zone).utcoffset()
        if before == after or before is None or after is None:
            continue
        lo, hi = start, end  # find the instant the offset changes, to the minute
        while hi - lo > timedelta(minutes=1):
            mid = lo + (hi - lo) / 2
            if mid.astimezone(zone).utcoffset() == before:
                lo = mid
            else:
                hi = mid
        change = hi.replace(second=0, microsecond=0)
        wall_before = change + before
        minute = wall_before.hour * 60 + wall_before.minute
        shift = int((after - before).total_seconds() // 60)
        changes.append(ClockChange(d, minute, shift))
    return tuple(changes)


def requirement_grid(
    starts: Sequence[datetime],
    values: Sequence[int],
    first_day: date,
    days: int,
    interval_minutes: int,
    zone: ZoneInfo,
) -> np.ndarray:
    """Required agents per real interval as a ``days × slots`` wall-clock grid: a repeated
    wall-clock interval (autumn) takes the larger of its two values, a skipped one is 0."""
    slots = MINUTES_PER_DAY // interval_minutes
    grid = np.zeros((days, slots), dtype=np.int64)
    origin = datetime.combine(first_day, time())
    for start, value in zip(starts, values, strict=True):
        local = start.astimezone(zone).replace(tzinfo=None)
        k = int((local - origin).total_seconds() // 60) // interval_minutes
        d, s = divmod(k, slots)
        if 0 <= d < days:
            grid[d, s] = max(grid[d, s], int(value))
    return grid


@dataclass(frozen=True)
class Span:
    """A piece of time [start, end) in UTC with what it is (``work``, ``break``, ...)."""

    start: datetime
    end: datetime
    kind: str


def shift_spans(
    start: datetime, end: datetime, activities: Iterable[tuple[str, datetime, datetime]]
) -> list[Span]:
    """A shift cut into its activities and the on-queue ``work`` between them."""
    spans: list[Span] = []
    cursor = start
    for kind, a, b in sorted(activities, key=lambda x: x[1]):
        a, b = max(a, start), min(b, end)
        if b <= a:
            continue
        if a > cursor:
            spans.append(Span(cursor, a, "work"))
        spans.append(Span(a, b, kind))
        cursor = max(cursor, b)
    if end > cursor:
        spans.append(Span(cursor, end, "work"))
    return spans


def on_duty(
    spans: Iterable[Span], interval_starts: Sequence[datetime], interval_minutes: int
) -> np.ndarray:
    """Agents on queue per interval: Σ work time inside the interval ÷ its length."""
    if not interval_starts:
        return np.zeros(0)
    base = interval_starts[0]
    step = interval_minutes * 60.0
    index = {int((s - base).total_seconds()): i for i, s in enumerate(interval_starts)}
    out = np.zeros(len(interval_starts))
    for span in spans:
        if span.kind != "work":
            continue
        a = (span.start - base).total_seconds()
        b = (span.end - base).total_seconds()
        k = int(a // step)
        while k * step < b:
            i = index.get(int(k * step))
            if i is not None:
                out[i] += (min(b, (k + 1) * step) - max(a, k * step)) / step
            k += 1
    return out
