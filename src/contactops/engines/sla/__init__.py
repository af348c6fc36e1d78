"""SLA clocks in business time: business-hours calendars, cut-off rules, deadlines, readings.

Pure computation on aware datetimes (standard library only). Public API:

- :mod:`.opening` — :class:`OpeningSpan`, the weekly text form, :class:`CalendarError`;
- :mod:`.calendar` — :class:`BusinessCalendar`: is it open, open time between two instants,
  the instant when an amount of open time has elapsed, with DST and holidays;
- :mod:`.cutoff` — :class:`CutoffRule` ("before 16:00 → 18:00 today, else the next business
  day") and :func:`cutoff_deadline`;
- :mod:`.clock` — :class:`SlaTarget`, :class:`Pause`, :func:`due_at`, :func:`warn_at` and
  :func:`read_clock` returning a :class:`ClockReading`.

See ``docs/sla.md`` for the rules in plain words.
"""

from .calendar import BusinessCalendar
from .clock import (
    SLA_KINDS,
    ClockReading,
    ClockState,
    Pause,
    SlaTarget,
    due_at,
    read_clock,
    warn_at,
)
from .cutoff import CutoffRule, cutoff_deadline
from .opening import CalendarError, OpeningSpan

__all__ = [
    "SLA_KINDS",
    "BusinessCalendar",
    "CalendarError",
    "ClockReading",
    "ClockState",
    "CutoffRule",
    "OpeningSpan",
    "Pause",
    "SlaTarget",
    "cutoff_deadline",
    "due_at",
    "read_clock",
    "warn_at",
]
