"""Weekly opening hours: spans of local wall-clock time per weekday, and their text form.

The text form is what a manager types into a form or a config file, one rule a line::

    mon-fri 08:00-12:00, 13:00-17:00   # lunch closed
    sat 09:00-13:00; sun closed

A rule is a day list (``mon``, ``mon-fri``, ``fri-mon`` wraps, ``mon,wed``, ``daily``, full
names too) and one or more ranges ``HH:MM-HH:MM``; ``24:00`` is allowed as an end. Rules are
separated by new lines or ``;``; a comma either lists more days or more ranges of the same days.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

MINUTES_PER_DAY = 1440

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_WORDS = {
    **{name: index for index, name in enumerate(WEEKDAY_NAMES)},
    **{
        name: index
        for index, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": 1,
    "thur": 3,
    "thurs": 3,
}
_EVERY_DAY = ("daily", "everyday")
_CLOSED = "closed"
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_RANGE = re.compile(r"(\d{1,2}:\d{2})-(\d{1,2}:\d{2})")
_DASHES = re.compile(r"\s*[-–—]\s*")


class CalendarError(ValueError):
    """A business-hours calendar that is malformed, or a question it cannot answer."""


@dataclass(frozen=True, slots=True)
class OpeningSpan:
    """Open from ``start_minute`` to ``end_minute`` local wall time on ``weekday`` (0 = Monday).

    Minutes count from local midnight; ``end_minute`` 1440 is the midnight that ends the day.
    The span is half-open: open at its start, closed again at its end.
    """

    weekday: int
    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not isinstance(self.weekday, int) or not 0 <= self.weekday <= 6:
            raise CalendarError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday!r}")
        for name in ("start_minute", "end_minute"):
            if not isinstance(getattr(self, name), int):
                raise CalendarError(f"{name} must be whole minutes, got {getattr(self, name)!r}")
        if not 0 <= self.start_minute < self.end_minute <= MINUTES_PER_DAY:
            raise CalendarError(
                f"opening span {self} must satisfy 0 ≤ start_minute < end_minute ≤ 1440 "
                f"(got {self.start_minute}..{self.end_minute})"
            )

    def __str__(self) -> str:
        start, end = format_clock(self.start_minute), format_clock(self.end_minute)
        return f"{WEEKDAY_NAMES[self.weekday]} {start}-{end}"


def format_clock(minute: int) -> str:
    """``HH:MM`` for minutes after midnight; 1440 is ``24:00``."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_clock(text: str) -> int:
    """Minutes after midnight of ``HH:MM`` (00:00 to 24:00); CalendarError if malformed."""
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        raise CalendarError(f"expected a clock time HH:MM, got {text!r}")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes > 0):
        raise CalendarError(f"{text!r} is not a clock time between 00:00 and 24:00")
    return hours * 60 + minutes


def check_no_overlap(spans: Iterable[OpeningSpan]) -> tuple[OpeningSpan, ...]:
    """The spans sorted by (weekday, start); CalendarError if two overlap (touching is fine)."""
    ordered = tuple(sorted(spans, key=lambda span: (span.weekday, span.start_minute)))
    for previous, span in pairwise(ordered):
        if previous.weekday == span.weekday and span.start_minute < previous.end_minute:
            raise CalendarError(f"opening spans overlap: {previous} and {span}")
    return ordered


@dataclass(frozen=True, slots=True)
class _Located:
    span: OpeningSpan
    line: int
    rule: str


def parse_opening_hours(text: str) -> tuple[OpeningSpan, ...]:
    """The opening spans of the text form (see the module docstring), sorted.

    Every problem raises CalendarError naming the line number and the rule as written.
    """
    located: list[_Located] = []
    closed: dict[int, tuple[int, str]] = {}
    for number, raw_line in enumerate(text.splitlines(), start=1):
        for raw_rule in raw_line.split("#", 1)[0].split(";"):
            rule = " ".join(raw_rule.split())
            if not rule:
                continue
            try:
                spans, closed_days = _parse_rule(rule)
            except CalendarError as error:
                raise CalendarError(f"line {number} ({rule!r}): {error}") from None
            located.extend(_Located(span, number, rule) for span in spans)
            for day in closed_days:
                closed.setdefault(day, (number, rule))
    if not located:
        raise CalendarError("no opening hours given (expected lines like 'mon-fri 08:00-17:00')")
    _check_located(located, closed)
    return check_no_overlap(item.span for item in located)


def _check_located(located: list[_Located], closed: dict[int, tuple[int, str]]) -> None:
    """CalendarError naming the lines of overlapping spans or of hours on a day said closed."""
    ordered = sorted(located, key=lambda item: (item.span.weekday, item.span.start_minute))
    for item in ordered:
        if item.span.weekday in closed:
            line, rule = closed[item.span.weekday]
            raise CalendarError(
                f"line {item.line} ({item.rule!r}): {WEEKDAY_NAMES[item.span.weekday]} is "
                f"declared closed on line {line} ({rule!r})"
            )
    for previous, item in pairwise(ordered):
        same_day = previous.span.weekday == item.span.weekday
        if same_day and item.span.start_minute < previous.span.end_minute:
            raise CalendarError(
                f"line {item.line} ({item.rule!r}): {item.span} overlaps {previous.span} "
                f"from line {previous.line}"
            )


def _parse_rule(rule: str) -> tuple[list[OpeningSpan], list[int]]:
    """The spans of one rule and the weekdays it declares closed."""
    spans: list[OpeningSpan] = []
    closed: list[int] = []
    days: list[int] = []  # the days the next range applies to
    pending: list[int] = []  # days listed before a comma, waiting for their ranges
    for piece in (part.strip() for part in rule.split(",")):
        if not piece:
            raise CalendarError("empty item between commas")
        piece_days: list[int] = []
        ranges: list[tuple[int, int]] = []
        is_closed = False
        for word in _DASHES.sub("-", piece).lower().split():
            if _RANGE.fullmatch(word):
                ranges.append(_parse_range(word))
            elif word == _CLOSED:
                is_closed = True
            elif any(char.isdigit() for char in word):
                raise CalendarError(f"expected a time range HH:MM-HH:MM, got {word!r}")
            elif ranges:
                raise CalendarError(f"day {word!r} after the opening hours")
            else:
                piece_days.extend(_parse_days(word))
        if piece_days or pending:
            days = pending + piece_days
            if not ranges and not is_closed:
                pending = days
                continue
            pending = []
        if not days:
            raise CalendarError("opening hours without days (start with e.g. 'mon-fri')")
        if is_closed:
            if ranges:
                raise CalendarError("a day cannot be both closed and open")
            closed.extend(days)
        spans.extend(OpeningSpan(day, start, end) for day in days for start, end in ranges)
    if pending:
        raise CalendarError("days without opening hours (write e.g. 'sun closed')")
    return spans, closed


def _parse_days(token: str) -> list[int]:
    """Weekday numbers of ``mon``, ``monday``, ``mon-fri`` (wrapping past Sunday) or ``daily``."""
    if token in _EVERY_DAY:
        return list(range(7))
    names = token.split("-")
    if len(names) > 2 or any(name not in _DAY_WORDS for name in names):
        raise CalendarError(f"expected days like 'mon' or 'mon-fri', got {token!r}")
    first, last = _DAY_WORDS[names[0]], _DAY_WORDS[names[-1]]
    return [(first + offset) % 7 for offset in range((last - first) % 7 + 1)]


def _parse_range(token: str) -> tuple[int, int]:
    """(start, end) minutes of ``HH:MM-HH:MM``; the end must be later the same day."""
    start_text, end_text = token.split("-")
    start, end = parse_clock(start_text), parse_clock(end_text)
    if end <= start:
        raise CalendarError(
            f"{token!r} ends before it starts; split a night across midnight into "
            "'22:00-24:00' and '00:00-06:00' on the next day"
        )
    return start, end


def format_opening_hours(spans: Iterable[OpeningSpan]) -> str:
    """The text form of ``spans``: consecutive weekdays with equal hours share a line."""
    by_day: list[list[OpeningSpan]] = [[] for _ in range(7)]
    for span in check_no_overlap(spans):
        by_day[span.weekday].append(span)
    hours = [
        ", ".join(f"{format_clock(s.start_minute)}-{format_clock(s.end_minute)}" for s in day)
        for day in by_day
    ]
    lines: list[str] = []
    first = 0
    while first < 7:
        last = first
        while last + 1 < 7 and hours[last + 1] == hours[first]:
            last += 1
        if hours[first]:
            days = WEEKDAY_NAMES[first]
            if last > first:
                days += f"-{WEEKDAY_NAMES[last]}"
            lines.append(f"{days} {hours[first]}")
        first = last + 1
    return "\n".join(lines)
