"""Cut-off rules: "received before 16:00, answered by 18:00 the same business day, else the next".

The rule reads the local wall clock of the calendar's time zone at the moment of receipt:

- received on a business day strictly before the cut-off (including before opening, e.g. at
  06:00) → due at the due time that same day;
- received at or after the cut-off (16:00:00 exactly counts as after) → due at the due time of
  the next business day;
- received on a day that is not a business day (weekend, holiday) → due at the due time of the
  next business day.

The due time is a wall time; if it falls into a DST gap it moves to the first instant after the
gap, if it occurs twice the first occurrence counts (as for opening hours).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .calendar import BusinessCalendar, utc_datetime, utc_us
from .opening import MINUTES_PER_DAY, CalendarError, format_clock, parse_clock


@dataclass(frozen=True, slots=True)
class CutoffRule:
    """Received before ``cutoff_minute`` → due at ``due_minute`` that business day, else the next.

    Both are local minutes after midnight (16:00 is 960); 0 ≤ cutoff ≤ due ≤ 1440.
    """

    cutoff_minute: int
    due_minute: int

    def __post_init__(self) -> None:
        for name in ("cutoff_minute", "due_minute"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value <= MINUTES_PER_DAY:
                raise CalendarError(f"{name} must be whole minutes 0..1440, got {value!r}")
        if self.due_minute < self.cutoff_minute:
            raise CalendarError(
                f"the due time {format_clock(self.due_minute)} must not be before the cut-off "
                f"{format_clock(self.cutoff_minute)}"
            )

    @classmethod
    def from_times(cls, cutoff: str, due: str) -> CutoffRule:
        """The rule from clock times, e.g. ``CutoffRule.from_times("16:00", "18:00")``."""
        return cls(parse_clock(cutoff), parse_clock(due))

    def __str__(self) -> str:
        cutoff, due = format_clock(self.cutoff_minute), format_clock(self.due_minute)
        return f"before {cutoff} → {due} the same business day, else {due} the next"


def cutoff_deadline(
    calendar: BusinessCalendar, rule: CutoffRule, received_at: datetime
) -> datetime:
    """The deadline of a message received at ``received_at`` under ``rule`` (module docstring)."""
    return utc_datetime(cutoff_deadline_us(calendar, rule, utc_us("received_at", received_at)))


def cutoff_deadline_us(calendar: BusinessCalendar, rule: CutoffRule, received_us: int) -> int:
    """:func:`cutoff_deadline` on µs since the epoch."""
    local = calendar._local(received_us)
    day = local.date()
    if not (calendar.is_business_day(day) and local.hour * 60 + local.minute < rule.cutoff_minute):
        day = calendar.next_business_day(day)
    return calendar._wall_us(day, rule.due_minute)
