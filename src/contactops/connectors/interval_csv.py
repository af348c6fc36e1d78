"""Per-interval volume history (as WFM tools export it) → :class:`IntervalVolume` records.

One row per queue and interval: when it starts (local time), how many contacts were offered,
and optionally handled, abandoned and the average handle time. Header names are recognised
case-insensitively (spaces read as ``_``):

=============  ==================================================================
field          accepted header names (the first one present wins)
=============  ==================================================================
start          ``start``, ``interval_start``, ``datetime``, ``timestamp`` — or ``date`` + ``time``
offered        ``calls``, ``offered``, ``volume``, ``contacts``
handled        ``handled``, ``answered``
abandoned      ``abandoned``
aht_s          ``aht``, ``aht_s``, ``handle_time_s`` (seconds)
queue          ``queue`` (else the ``queue`` argument; a cell left empty takes it too)
=============  ==================================================================

The interval length is the argument, or the most common gap between consecutive starts of a
queue (reported as a line-0 note). Starts must lie on that grid of the local day.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise

from contactops.connectors.csv_fields import (
    AMBIGUOUS_LOCAL_TIME,
    NONEXISTENT_LOCAL_TIME,
    FieldError,
    LocalZone,
    describe_clock_issue,
    normalise_header,
    parse_count,
    parse_seconds,
    sniff_delimiter,
    split_header,
)
from contactops.connectors.records import (
    ImportFormatError,
    ImportItem,
    IssueKind,
    LineIssue,
    ParsedLine,
    numbered,
)
from contactops.engines.events import IntervalVolume

START_NAMES = ("start", "interval_start", "datetime", "timestamp")
OFFERED_NAMES = ("calls", "offered", "volume", "contacts")
HANDLED_NAMES = ("handled", "answered")
ABANDONED_NAMES = ("abandoned",)
AHT_NAMES = ("aht", "aht_s", "handle_time_s")
QUEUE_NAMES = ("queue",)
MINUTES_PER_DAY = 1440


@dataclass(frozen=True, slots=True)
class _Columns:
    header: list[str]
    start: int | None
    date: int | None
    time: int | None
    offered: int
    handled: int | None
    abandoned: int | None
    aht: int | None
    queue: int | None


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    queue: str
    clock: datetime  # the start as written, naive (wall clock of its zone)
    offset: timedelta | None  # an explicit UTC offset written with the start
    offered: int
    handled: int | None
    abandoned: int | None
    aht_s: float | None


def parse_interval_csv(
    lines: Iterable[str],
    *,
    tz: tzinfo,
    queue: str | None = None,
    interval_minutes: int | None = None,
) -> Iterator[ImportItem]:
    """Yield one :class:`ParsedLine` with an :class:`IntervalVolume` (or a skipped issue) per row.

    Starts without an offset are local times in ``tz``; the delimiter (``,`` ``;`` tab ``|``)
    is the one the header uses. The whole file is read before the first row is yielded,
    because the interval length may be inferred from all of it.
    """
    if interval_minutes is not None and (
        interval_minutes <= 0 or MINUTES_PER_DAY % interval_minutes
    ):
        raise ValueError(f"interval_minutes must divide a day, got {interval_minutes}")
    zone = LocalZone(tz)
    source = numbered(iter(lines))
    first = next(source, None)
    if first is None:
        raise ImportFormatError("empty input: expected a header line")
    delimiter = sniff_delimiter(first[1])
    columns = _find_columns(split_header(first[1], delimiter), queue)

    items: list[ImportItem | _Row] = [ParsedLine(first[0])]
    reader = csv.reader((text for _, text in source), delimiter=delimiter)
    end_line = first[0]
    for cells in reader:
        line, end_line = end_line + 1, first[0] + reader.line_num
        if not any(cell.strip() for cell in cells):
            items.append(ParsedLine(line))
            continue
        if len(cells) != len(columns.header):
            items.append(
                LineIssue(
                    line,
                    "bad-columns",
                    f"{len(columns.header)} columns expected (as in the header), "
                    f"found {len(cells)}",
                )
            )
            continue
        try:
            items.append(_read_row(line, cells, columns, queue))
        except FieldError as error:
            items.append(LineIssue(line, error.code, str(error), column=error.column))

    rows = [item for item in items if isinstance(item, _Row)]
    inferred: LineIssue | None = None
    if interval_minutes is None:
        interval_minutes, inferred = _infer_interval_minutes(rows)
    yield from _volumes(items, interval_minutes, zone, _start_column(columns))
    if inferred is not None:
        yield inferred


def _find_columns(header: list[str], queue: str | None) -> _Columns:
    keys = [normalise_header(name) for name in header]

    def find(names: tuple[str, ...]) -> int | None:
        return next((keys.index(name) for name in names if name in keys), None)

    start = find(START_NAMES)
    day, clock = find(("date",)), find(("time",))
    offered = find(OFFERED_NAMES)
    queue_column = find(QUEUE_NAMES)
    missing = []
    if start is None and (day is None or clock is None):
        missing.append("an interval start (" + ", ".join(START_NAMES) + ", or date and time)")
    if offered is None:
        missing.append("a volume (" + ", ".join(OFFERED_NAMES) + ")")
    if queue_column is None and queue is None:
        missing.append("a queue column (or pass the queue)")
    if missing:
        raise ImportFormatError(
            "not an interval volume file: the header lacks " + "; ".join(missing)
        )
    assert offered is not None
    return _Columns(
        header=header,
        start=start,
        date=day if start is None else None,
        time=clock if start is None else None,
        offered=offered,
        handled=find(HANDLED_NAMES),
        abandoned=find(ABANDONED_NAMES),
        aht=find(AHT_NAMES),
        queue=queue_column,
    )


def _start_column(columns: _Columns) -> str:
    if columns.start is not None:
        return columns.header[columns.start]
    assert columns.date is not None and columns.time is not None
    return f"{columns.header[columns.date]}+{columns.header[columns.time]}"


def _read_row(line: int, cells: list[str], columns: _Columns, queue: str | None) -> _Row:
    header = columns.header
    queue_code = cells[columns.queue].strip() if columns.queue is not None else ""
    if not queue_code:
        if queue is None:
            assert columns.queue is not None
            raise FieldError("missing-field", header[columns.queue], "", "is empty")
        queue_code = queue
    start = _read_start(cells, columns)
    offered_text = cells[columns.offered]
    if not offered_text.strip():
        raise FieldError("missing-field", header[columns.offered], offered_text, "is empty")

    def count(index: int | None) -> int | None:
        if index is None or not cells[index].strip():
            return None
        return parse_count(cells[index], header[index])

    aht_s = None
    if columns.aht is not None and cells[columns.aht].strip():
        aht_s = parse_seconds(cells[columns.aht], header[columns.aht])
    return _Row(
        line=line,
        queue=queue_code,
        clock=start.replace(tzinfo=None),
        offset=start.utcoffset(),
        offered=parse_count(offered_text, header[columns.offered]),
        handled=count(columns.handled),
        abandoned=count(columns.abandoned),
        aht_s=aht_s,
    )


def _read_start(cells: list[str], columns: _Columns) -> datetime:
    """ISO 8601 ``2003-03-03 07:00[:00]`` (an offset, if written, is kept)."""
    if columns.start is not None:
        text = cells[columns.start].strip()
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise FieldError(
                "bad-time", columns.header[columns.start], text, "is not an ISO 8601 date-time"
            ) from None
    assert columns.date is not None and columns.time is not None
    day_text, time_text = cells[columns.date].strip(), cells[columns.time].strip()
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise FieldError(
            "bad-date", columns.header[columns.date], day_text, "is not an ISO 8601 date"
        ) from None
    try:
        clock = time.fromisoformat(time_text)
    except ValueError:
        raise FieldError(
            "bad-time", columns.header[columns.time], time_text, "is not a time HH:MM[:SS]"
        ) from None
    return datetime.combine(day, clock)


def _infer_interval_minutes(rows: list[_Row]) -> tuple[int, LineIssue]:
    """The most common whole-minute gap between consecutive starts of a queue (ties: shorter)."""
    starts: dict[str, set[datetime]] = {}
    for row in rows:
        starts.setdefault(row.queue, set()).add(row.clock)
    gaps: Counter[int] = Counter()
    for clocks in starts.values():
        for earlier, later in pairwise(sorted(clocks)):
            gap_s = (later - earlier).total_seconds()
            if gap_s % 60 == 0:
                gaps[int(gap_s // 60)] += 1
    if not gaps:
        raise ImportFormatError(
            "cannot infer the interval length: no queue has two starts a whole number of "
            "minutes apart; pass interval_minutes"
        )
    minutes, count = min(gaps.items(), key=lambda item: (-item[1], item[0]))
    if MINUTES_PER_DAY % minutes:
        raise ImportFormatError(
            f"cannot infer the interval length: the most common gap, {minutes} minutes, does "
            "not divide a day; pass interval_minutes"
        )
    note = LineIssue(
        0,
        "interval-inferred",
        f"{minutes}-minute intervals, inferred from the most common gap between consecutive "
        f"starts of a queue ({count} of {gaps.total()} gaps)",
        IssueKind.NOTE,
    )
    return minutes, note


def _volumes(
    items: list[ImportItem | _Row], interval_minutes: int, zone: LocalZone, start_column: str
) -> Iterator[ImportItem]:
    seen: set[tuple[str, datetime]] = set()
    ambiguous_seen: set[tuple[str, datetime]] = set()
    for item in items:
        if not isinstance(item, _Row):
            yield item
            continue
        clock = item.clock
        minute_of_day = clock.hour * 60 + clock.minute
        if minute_of_day % interval_minutes or clock.second or clock.microsecond:
            yield LineIssue(
                item.line,
                "off-grid",
                f"column {start_column}: {clock.isoformat(sep=' ')} is not on the "
                f"{interval_minutes}-minute grid of the day",
                column=start_column,
            )
            continue
        note: LineIssue | None = None
        if item.offset is not None:
            start = (clock - item.offset).replace(tzinfo=UTC)
        else:
            key = (item.queue, clock)
            start, code = zone.to_utc(clock, second_occurrence=key in ambiguous_seen)
            reading = clock.isoformat(sep=" ")
            if code == NONEXISTENT_LOCAL_TIME:
                yield LineIssue(
                    item.line,
                    code,
                    f"column {start_column}: {reading} does not exist in {zone.tz} (skipped "
                    "by a daylight-saving change); no such interval",
                    column=start_column,
                )
                continue
            if code == AMBIGUOUS_LOCAL_TIME:
                occurrence = "second" if key in ambiguous_seen else "first"
                ambiguous_seen.add(key)
                note = LineIssue(
                    item.line,
                    code,
                    f"column {start_column}: "
                    + describe_clock_issue(code, reading, zone, occurrence)
                    + " (a queue's rows are read in file order)",
                    IssueKind.NOTE,
                    start_column,
                )
        if (item.queue, start) in seen:
            yield LineIssue(
                item.line,
                "duplicate-interval",
                f"queue {item.queue!r} already has the interval starting {start.isoformat()} (UTC)",
                column=start_column,
            )
            continue
        seen.add((item.queue, start))
        volume = IntervalVolume(
            queue=item.queue,
            interval_start=start,
            interval_minutes=interval_minutes,
            offered=item.offered,
            handled=item.handled,
            abandoned=item.abandoned,
            aht_s=item.aht_s,
        )
        yield ParsedLine(item.line, intervals=(volume,))
        if note is not None:
            yield note
