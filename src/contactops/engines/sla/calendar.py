"""Business-hours calendars: opening hours in a tenant's local wall clock, counted in UTC.

Opening hours and holidays are local (a 08:00-17:00 day in Oslo is 08:00-17:00 Oslo time in
winter and in summer); instants are UTC. Each local day's spans are turned into UTC intervals
once and cached, and every question (is it open, how much open time between two instants,
when has an amount of open time elapsed) walks those intervals day by day.

Local wall time → instant (the DST rule, after PEP 495): a wall time that occurs twice when the
clocks go back is taken at its first occurrence (``fold=0``); a wall time that does not exist
when the clocks go forward is moved to the first instant after the gap. So on a spring-forward
day a 01:00-04:00 span lasts 2 h and on a fall-back day 4 h, while 08:00-17:00 stays 9 h.

Instants have microsecond resolution: amounts of business time are rounded to the nearest µs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .opening import (
    MINUTES_PER_DAY,
    CalendarError,
    OpeningSpan,
    check_no_overlap,
    format_opening_hours,
    parse_opening_hours,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US_PER_S = 1_000_000
_DAY_CACHE_LIMIT = 4096  # local days kept per calendar (about 11 years); cleared beyond

Interval = tuple[int, int]  # [start, end) in µs since the epoch, UTC


def utc_us(name: str, instant: datetime) -> int:
    """Microseconds since 1970-01-01 UTC; ValueError naming ``name`` if ``instant`` is naive."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {instant!r}")
    delta = instant - EPOCH
    return (delta.days * 86_400 + delta.seconds) * US_PER_S + delta.microseconds


def utc_datetime(us: int) -> datetime:
    """The aware UTC datetime ``us`` microseconds after the epoch."""
    return EPOCH + timedelta(microseconds=us)


def seconds_to_us(name: str, seconds: float) -> int:
    """A non-negative finite amount of seconds in whole microseconds (rounded to nearest)."""
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{name} must be a finite number of seconds ≥ 0, got {seconds!r}")
    return round(seconds * US_PER_S)


class _Compiled:
    """What a calendar derives from its fields: the zone, spans per weekday, the day cache."""

    __slots__ = ("closed_run_limit", "days", "holiday_ordinals", "minutes", "opens", "zone")

    def __init__(self, zone: ZoneInfo, opening: tuple[OpeningSpan, ...], holidays: Iterable[date]):
        self.zone = zone
        self.minutes: tuple[tuple[tuple[int, int], ...], ...] = tuple(  # (start, end) minutes
            tuple((s.start_minute, s.end_minute) for s in opening if s.weekday == weekday)
            for weekday in range(7)
        )
        self.opens = any(self.minutes)  # False: never open, every walk would be endless
        self.holiday_ordinals = frozenset(day.toordinal() for day in holidays)
        # More closed days in a row than this is impossible for a calendar with any span (each
        # weekday recurs every 7 days; holidays and one DST gap can close only so many of them).
        self.closed_run_limit = 7 * (len(self.holiday_ordinals) + 3)
        self.days: dict[int, tuple[Interval, ...]] = {}

    def day(self, ordinal: int) -> tuple[Interval, ...]:
        """The open UTC intervals of the local day ``ordinal`` (``date.toordinal``), in order."""
        intervals = self.days.get(ordinal)
        if intervals is None:
            intervals = ()
            spans = self.minutes[(ordinal - 1) % 7]
            if spans and ordinal not in self.holiday_ordinals:
                midnight = datetime.fromordinal(ordinal)
                converted = (
                    (self.wall_us(midnight, start), self.wall_us(midnight, end))
                    for start, end in spans
                )
                intervals = tuple((a, b) for a, b in converted if a < b)  # a span inside a gap
            if len(self.days) >= _DAY_CACHE_LIMIT:
                self.days.clear()
            self.days[ordinal] = intervals
        return intervals

    def wall_us(self, midnight: datetime, minute: int) -> int:
        """The instant of local wall time ``minute`` after naive ``midnight`` (the DST rule)."""
        wall = midnight + timedelta(minutes=minute)
        first = utc_us("wall", wall.replace(tzinfo=self.zone))
        if utc_datetime(first).astimezone(self.zone).replace(tzinfo=None) == wall:
            return first  # exists; fold=0 already picked the first of two occurrences
        # In a gap: fold=0 reads it with the offset before the jump (instant after the jump),
        # fold=1 with the offset after it (instant before): the jump lies between, in whole s.
        before = utc_us("wall", wall.replace(tzinfo=self.zone, fold=1))
        low, high = min(before, first) // US_PER_S, -(-max(before, first) // US_PER_S)
        offset_after = self.offset(high)
        while high - low > 1:
            middle = (low + high) // 2
            if self.offset(middle) == offset_after:
                high = middle
            else:
                low = middle
        return high * US_PER_S

    def offset(self, epoch_s: int) -> timedelta | None:
        """The zone's UTC offset at ``epoch_s`` seconds after the epoch."""
        return utc_datetime(epoch_s * US_PER_S).astimezone(self.zone).utcoffset()

    def local_ordinal(self, us: int) -> int:
        """The local date of the instant ``us``, as ``date.toordinal``."""
        return utc_datetime(us).astimezone(self.zone).toordinal()


@lru_cache(maxsize=128)
def _compile(
    time_zone: str, opening: tuple[OpeningSpan, ...], holidays: frozenset[date]
) -> _Compiled:
    """Equal calendars share one compiled form, so a calendar rebuilt for every request (say
    ``always_open(zone)``) still finds its local days already converted."""
    return _Compiled(ZoneInfo(time_zone), opening, holidays)


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly opening hours in the local time of ``time_zone`` (IANA), closed on ``holidays``.

    Frozen and hashable. ``opening`` is stored sorted by (weekday, start); spans on one weekday
    must not overlap. ``holidays`` are local dates closed all day. Every instant argument must
    be timezone-aware; every instant returned is an aware UTC datetime.
    """

    time_zone: str
    opening: tuple[OpeningSpan, ...]
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, OSError, TypeError) as error:
            raise CalendarError(f"unknown time zone {self.time_zone!r}") from error
        opening = tuple(self.opening)
        for span in opening:
            if not isinstance(span, OpeningSpan):
                raise CalendarError(f"opening must hold OpeningSpan items, got {span!r}")
        holidays = frozenset(self.holidays)
        for day in holidays:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise CalendarError(f"holidays must be dates, got {day!r}")
        opening = check_no_overlap(opening)
        object.__setattr__(self, "opening", opening)
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "_compiled", _compile(self.time_zone, opening, holidays))

    def __reduce__(self) -> tuple[type[BusinessCalendar], tuple[object, ...]]:
        # Pickle and copy the three fields only; the compiled form is rebuilt (or shared).
        return type(self), (self.time_zone, self.opening, self.holidays)

    @property
    def _c(self) -> _Compiled:
        return cast(_Compiled, self.__dict__["_compiled"])

    @classmethod
    def always_open(cls, time_zone: str = "UTC") -> BusinessCalendar:
        """Open 24 hours a day, 7 days a week (holidays none)."""
        return cls(time_zone, tuple(OpeningSpan(day, 0, MINUTES_PER_DAY) for day in range(7)))

    @classmethod
    def parse_weekly(
        cls, time_zone: str, lines: str, holidays: Iterable[date] = ()
    ) -> BusinessCalendar:
        """A calendar from the text form, e.g. ``"mon-fri 08:00-12:00, 13:00-17:00"``.

        A bad rule raises CalendarError naming its line (see :mod:`.opening` for the format).
        """
        return cls(time_zone, parse_opening_hours(lines), frozenset(holidays))

    def weekly_text(self) -> str:
        """The opening hours in the text form that :meth:`parse_weekly` reads."""
        return format_opening_hours(self.opening)

    # -- questions about days -------------------------------------------------------------

    def local_date(self, instant: datetime) -> date:
        """The date on the calendar's local wall clock at ``instant``."""
        return utc_datetime(utc_us("instant", instant)).astimezone(self._c.zone).date()

    def is_business_day(self, day: date) -> bool:
        """True if ``day`` has at least one opening span and is not a holiday."""
        if isinstance(day, datetime):
            raise ValueError(f"day must be a date, not a datetime (got {day!r})")
        return bool(self._c.minutes[day.weekday()]) and day not in self.holidays

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after ``day``; CalendarError if there is none."""
        if not self._c.opens:
            raise CalendarError(f"the calendar in {self.time_zone} has no opening hours")
        for offset in range(1, self._c.closed_run_limit + 1):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                return candidate
        raise AssertionError("unreachable: holidays close at most len(holidays) open weekdays")

    def at_local(self, day: date, minute: int) -> datetime:
        """The UTC instant of local wall time ``minute`` (0..1440) on ``day`` (the DST rule)."""
        if not 0 <= minute <= MINUTES_PER_DAY:
            raise ValueError(f"minute must be 0..1440, got {minute!r}")
        return utc_datetime(self._c.wall_us(datetime.fromordinal(day.toordinal()), minute))

    # -- questions about instants ---------------------------------------------------------

    def is_open(self, instant: datetime) -> bool:
        """True if ``instant`` lies in an opening span (spans are open at start, closed at end)."""
        us = utc_us("instant", instant)
        if not self._c.opens:
            return False
        start, _ = next(self._forward(us))
        return start <= us

    def next_open(self, instant: datetime) -> datetime:
        """The first open instant at or after ``instant``; CalendarError if never open."""
        start, _ = next(self._forward(utc_us("instant", instant)))
        return utc_datetime(start)

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals clipped to [start, end), in order; touching intervals are joined."""
        start_us, end_us = utc_us("start", start), utc_us("end", end)
        return self._joined(start_us, end_us)

    def _joined(self, start_us: int, end_us: int) -> Iterator[tuple[datetime, datetime]]:
        if end_us <= start_us or not self._c.opens:
            return
        pending: Interval | None = None
        for a, b in self._forward(start_us):
            if a >= end_us:
                break
            b = min(b, end_us)
            if pending is not None and pending[1] == a:
                pending = (pending[0], b)
                continue
            if pending is not None:
                yield utc_datetime(pending[0]), utc_datetime(pending[1])
            pending = (a, b)
        if pending is not None:
            yield utc_datetime(pending[0]), utc_datetime(pending[1])

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        """Open time in [start, end) in seconds; 0 if ``end`` ≤ ``start``."""
        return self._between_us(utc_us("start", start), utc_us("end", end)) / US_PER_S

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant at which ``seconds`` of open time have elapsed after ``start``.

        With ``seconds`` = 0: the first open instant at or after ``start``. An amount that runs
        out exactly at a span's end gives that end (closing time), not the next opening.
        CalendarError if the calendar has no opening hours.
        """
        amount_us = seconds_to_us("seconds", seconds)
        return utc_datetime(self._add_us(utc_us("start", start), amount_us))

    def subtract_business_seconds(self, end: datetime, seconds: float) -> datetime:
        """The earliest instant t with ``business_seconds_between(t, end)`` ≤ ``seconds``.

        The mirror of :meth:`add_business_seconds`: counting back from ``end``; an amount that
        runs out exactly at a span's start gives the end of the span before it.
        """
        amount_us = seconds_to_us("seconds", seconds)
        return utc_datetime(self._subtract_us(utc_us("end", end), amount_us, None))

    # -- the walks, on µs since the epoch (shared with the clock) -------------------------

    def _forward(self, from_us: int) -> Iterator[Interval]:
        """Open intervals ending after ``from_us``, the first clipped to start there, in order."""
        compiled = self._c
        if not compiled.opens:
            raise CalendarError(f"the calendar in {self.time_zone} has no opening hours")
        ordinal = compiled.local_ordinal(from_us) - 1
        closed_run = 0
        while True:
            closed_run += 1
            for a, b in compiled.day(ordinal):
                if b > from_us:
                    closed_run = 0
                    yield (a if a > from_us else from_us), b
            if closed_run > compiled.closed_run_limit:
                raise CalendarError(f"the calendar in {self.time_zone} never opens")
            ordinal += 1

    def _backward(self, to_us: int) -> Iterator[Interval]:
        """Open intervals starting before ``to_us``, the first clipped to end there, last first."""
        compiled = self._c
        if not compiled.opens:
            raise CalendarError(f"the calendar in {self.time_zone} has no opening hours")
        ordinal = compiled.local_ordinal(to_us) + 1
        closed_run = 0
        while True:
            closed_run += 1
            for a, b in reversed(compiled.day(ordinal)):
                if a < to_us:
                    closed_run = 0
                    yield a, (b if b < to_us else to_us)
            if closed_run > compiled.closed_run_limit:
                raise CalendarError(f"the calendar in {self.time_zone} never opens")
            ordinal -= 1

    def _between_us(self, start_us: int, end_us: int) -> int:
        total = 0
        compiled = self._c
        if end_us <= start_us or not compiled.opens:
            return total
        # A local day's intervals lie between its two midnights: a day before and after the
        # local dates of the ends is margin enough.
        first, last = compiled.local_ordinal(start_us), compiled.local_ordinal(end_us)
        for ordinal in range(first - 1, last + 2):
            for a, b in compiled.day(ordinal):
                if b > start_us and a < end_us:
                    total += (b if b < end_us else end_us) - (a if a > start_us else start_us)
        return total

    def _add_us(self, start_us: int, amount_us: int) -> int:
        for a, b in self._forward(start_us):
            length = b - a
            if amount_us <= length:
                return a + amount_us
            amount_us -= length
        raise AssertionError("unreachable: _forward never ends")

    def _subtract_us(self, end_us: int, amount_us: int, floor_us: int | None) -> int:
        """Like :meth:`subtract_business_seconds`, never earlier than ``floor_us``."""
        for a, b in self._backward(end_us):
            if floor_us is not None and b <= floor_us:
                return floor_us
            if floor_us is not None and a < floor_us:
                a = floor_us
            length = b - a
            if amount_us < length:
                return b - amount_us
            amount_us -= length
            if a == floor_us:
                return floor_us
        raise AssertionError("unreachable: _backward never ends")

    def _local(self, us: int) -> datetime:
        """The local wall-clock datetime of the instant ``us``."""
        return utc_datetime(us).astimezone(self._c.zone)

    def _wall_us(self, day: date, minute: int) -> int:
        return self._c.wall_us(datetime.fromordinal(day.toordinal()), minute)
