"""SLA clocks: deadlines, warnings and readings of a target counted in business time.

A clock starts at ``started_at`` (a ticket created, a customer message received) and runs in
the calendar's open time only. While the ticket waits for the customer the clock is paused:

- a business-time target (``business_seconds``) is due when the open time elapsed since the
  start, paused time excluded, reaches the budget;
- a cut-off target is due at the cut-off deadline, moved later by the open time of every pause
  that begins before the (already moved) deadline: the whole pause counts, so the time left
  when the pause began is the time left when it ends;
- while a pause that began before the deadline is still open the deadline is unknown (None).

The warning comes when the open, unpaused time left before the deadline first drops to
``warn_before_s`` (never before the start). With no pauses in between that is the deadline
minus ``warn_before_s`` business seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .calendar import US_PER_S, BusinessCalendar, seconds_to_us, utc_datetime, utc_us
from .cutoff import CutoffRule, cutoff_deadline_us

SLA_KINDS = ("first_response", "next_response", "resolution")
ClockState = Literal["running", "paused", "warning", "breached", "met"]
_PauseUs = tuple[int, int | None]  # [start, end) in µs since the epoch; end None = still paused


@dataclass(frozen=True, slots=True)
class SlaTarget:
    """One SLA target: a budget of ``business_seconds`` or a ``cutoff`` rule (exactly one).

    ``kind`` is one of :data:`SLA_KINDS`; the engine treats them alike, the caller decides when
    each clock starts (first response: ticket created; next response: each customer message).
    """

    kind: str
    business_seconds: float | None = None
    cutoff: CutoffRule | None = None
    warn_before_s: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in SLA_KINDS:
            raise ValueError(f"kind must be one of {', '.join(SLA_KINDS)}, got {self.kind!r}")
        if (self.business_seconds is None) == (self.cutoff is None):
            raise ValueError("set exactly one of business_seconds and cutoff")
        if self.business_seconds is not None:
            seconds_to_us("business_seconds", self.business_seconds)
        if self.cutoff is not None and not isinstance(self.cutoff, CutoffRule):
            raise ValueError(f"cutoff must be a CutoffRule, got {self.cutoff!r}")
        if self.warn_before_s is not None:
            seconds_to_us("warn_before_s", self.warn_before_s)


@dataclass(frozen=True, slots=True)
class Pause:
    """The clock stopped from ``started_at`` to ``ended_at`` (None: still stopped)."""

    started_at: datetime
    ended_at: datetime | None = None

    def __post_init__(self) -> None:
        start = utc_us("started_at", self.started_at)
        if self.ended_at is not None and utc_us("ended_at", self.ended_at) < start:
            raise ValueError(
                f"pause ended_at {self.ended_at} is before started_at {self.started_at}"
            )


@dataclass(frozen=True, slots=True)
class ClockReading:
    """A clock at one moment. ``business_seconds_left`` is negative when overdue, frozen while
    paused, and for a stopped clock (met or late) the time that was left when it stopped."""

    state: ClockState
    due_at: datetime | None
    warn_at: datetime | None
    business_seconds_left: float | None
    elapsed_business_s: float


@dataclass(frozen=True, slots=True)
class _Deadline:
    due_us: int | None  # None: an open pause began before the deadline was reached
    left_at_pause_us: int  # with due_us None: the open time left when that pause began


def due_at(
    calendar: BusinessCalendar,
    target: SlaTarget,
    started_at: datetime,
    pauses: Sequence[Pause] = (),
) -> datetime | None:
    """The deadline of a clock started at ``started_at`` (module docstring); None while unknown."""
    start_us = utc_us("started_at", started_at)
    deadline = _deadline(calendar, target, start_us, _pauses_us(pauses, start_us))
    return None if deadline.due_us is None else utc_datetime(deadline.due_us)


def warn_at(
    calendar: BusinessCalendar,
    target: SlaTarget,
    started_at: datetime,
    pauses: Sequence[Pause] = (),
) -> datetime | None:
    """When ``warn_before_s`` of unpaused business time is left (not before ``started_at``).

    None if the target has no warning or the deadline is unknown.
    """
    start_us = utc_us("started_at", started_at)
    normalised = _pauses_us(pauses, start_us)
    deadline = _deadline(calendar, target, start_us, normalised)
    if deadline.due_us is None:
        return None
    warn_us = _warn_us(calendar, target, start_us, deadline.due_us, normalised)
    return None if warn_us is None else utc_datetime(warn_us)


def read_clock(
    calendar: BusinessCalendar,
    target: SlaTarget,
    started_at: datetime,
    now: datetime,
    pauses: Sequence[Pause] = (),
    stopped_at: datetime | None = None,
) -> ClockReading:
    """The clock as it stood at ``now``.

    Only what was known at ``now`` counts: a pause that begins later is ignored, one still
    running at ``now`` is open, and a ``stopped_at`` later than ``now`` has not happened yet.
    Stopped (target met) on or before the deadline → "met", after it → "breached"; a clock
    stopped while a pause kept its deadline unknown is "met".
    """
    start_us, now_us = utc_us("started_at", started_at), utc_us("now", now)
    stop_us = None if stopped_at is None else utc_us("stopped_at", stopped_at)
    if stop_us is not None and stop_us > now_us:
        stop_us = None
    until_us = now_us if stop_us is None else stop_us
    known = _pauses_us(pauses, start_us, until_us)
    deadline = _deadline(calendar, target, start_us, known)
    due_us = deadline.due_us
    elapsed_s = _elapsed_us(calendar, start_us, until_us, known) / US_PER_S
    if due_us is None:
        left_s = deadline.left_at_pause_us / US_PER_S
        state: ClockState = "paused" if stop_us is None else "met"
        return ClockReading(state, None, None, left_s, elapsed_s)
    warn_us = _warn_us(calendar, target, start_us, due_us, known)
    if until_us > due_us:
        left_s = 0.0 - calendar._between_us(due_us, until_us) / US_PER_S
        state = "breached"
    else:
        left_s = calendar._between_us(until_us, due_us) / US_PER_S
        if stop_us is not None:
            state = "met"
        elif known and known[-1][1] is None and known[-1][0] <= now_us:
            state = "paused"  # paused exactly at the deadline
        elif warn_us is not None and now_us >= warn_us:
            state = "warning"
        else:
            state = "running"
    due = utc_datetime(due_us)
    return ClockReading(
        state, due, None if warn_us is None else utc_datetime(warn_us), left_s, elapsed_s
    )


def _pauses_us(
    pauses: Sequence[Pause], start_us: int, until_us: int | None = None
) -> list[_PauseUs]:
    """Pauses as sorted, merged µs intervals from ``start_us`` on, as known at ``until_us``."""
    intervals: list[_PauseUs] = []
    for index, pause in enumerate(pauses):
        a = utc_us(f"pauses[{index}].started_at", pause.started_at)
        e = None if pause.ended_at is None else utc_us(f"pauses[{index}].ended_at", pause.ended_at)
        if until_us is not None:
            if a > until_us:
                continue
            if e is not None and e > until_us:
                e = None
        if e is not None and (e <= start_us or e <= a):
            continue
        intervals.append((max(a, start_us), e))
    intervals.sort(key=lambda interval: interval[0])
    merged: list[_PauseUs] = []
    for a, e in intervals:
        if merged and (merged[-1][1] is None or a <= merged[-1][1]):
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, None if last_end is None or e is None else max(last_end, e))
        else:
            merged.append((a, e))
    return merged


def _deadline(
    calendar: BusinessCalendar, target: SlaTarget, start_us: int, pauses: list[_PauseUs]
) -> _Deadline:
    if target.business_seconds is not None:
        remaining_us = seconds_to_us("business_seconds", target.business_seconds)
        resume_us = start_us
        for a, e in pauses:
            available_us = calendar._between_us(resume_us, a)
            if available_us >= remaining_us:
                break  # the budget runs out before this pause begins
            remaining_us -= available_us
            if e is None:
                return _Deadline(None, remaining_us)
            resume_us = e
        return _Deadline(calendar._add_us(resume_us, remaining_us), 0)
    assert target.cutoff is not None
    base_us = cutoff_deadline_us(calendar, target.cutoff, start_us)
    due_us, pushed_us = base_us, 0
    for a, e in pauses:
        if a >= due_us:
            break
        if e is None:
            return _Deadline(None, calendar._between_us(a, due_us))
        pushed_us += calendar._between_us(a, e)
        due_us = calendar._add_us(base_us, pushed_us) if pushed_us else base_us
    return _Deadline(due_us, 0)


def _warn_us(
    calendar: BusinessCalendar,
    target: SlaTarget,
    start_us: int,
    due_us: int,
    pauses: list[_PauseUs],
) -> int | None:
    """The earliest instant ≥ start with ≤ ``warn_before_s`` of unpaused open time left."""
    if target.warn_before_s is None:
        return None
    remaining_us = seconds_to_us("warn_before_s", target.warn_before_s)
    if not pauses:
        return calendar._subtract_us(due_us, remaining_us, start_us)
    for a, b in calendar._backward(due_us):
        if b <= start_us:
            return start_us
        a = max(a, start_us)
        for piece_a, piece_b in reversed(_unpaused(a, b, pauses)):
            length = piece_b - piece_a
            if remaining_us < length:
                return piece_b - remaining_us
            remaining_us -= length
        if a == start_us:
            return start_us
    raise AssertionError("unreachable: _backward never ends")


def _unpaused(a: int, b: int, pauses: list[_PauseUs]) -> list[tuple[int, int]]:
    """[a, b) minus the pauses, as ordered pieces."""
    pieces: list[tuple[int, int]] = []
    for pause_a, pause_b in pauses:
        if (pause_b is not None and pause_b <= a) or pause_a >= b:
            continue
        if pause_a > a:
            pieces.append((a, pause_a))
        if pause_b is None or pause_b >= b:
            return pieces
        a = pause_b
    pieces.append((a, b))
    return pieces


def _elapsed_us(
    calendar: BusinessCalendar, start_us: int, until_us: int, pauses: list[_PauseUs]
) -> int:
    """Open time from ``start_us`` to ``until_us``, paused time excluded."""
    elapsed = calendar._between_us(start_us, until_us)
    for a, e in pauses:
        if a >= until_us:
            break
        elapsed -= calendar._between_us(a, until_us if e is None else min(e, until_us))
    return elapsed
