"""The "Anonymous Bank" per-call files (Technion SEE Center, 1999) → canonical contact events.

One tab-separated record per call, 17 named columns, clock times ``H:MM:SS`` local to the
center on the record's ``date`` (``YYMMDD``, the VRU entry day). Each record becomes:

- ``arrived`` at ``vru_entry`` (every record, PHANTOM included: the arrival count);
- ``entered_queue`` at ``q_start`` when the call queued; an AGENT call that never queued went
  straight from the VRU to a free agent, so it enters the queue at the VRU exit (zero wait);
- AGENT: ``answered`` (agent = ``server``) at ``ser_start``, never before the queue exit, and
  ``ended`` ``ser_time`` seconds later (the true duration);
- HANG after queueing: ``abandoned`` at ``q_exit``; HANG in the VRU: ``ended`` at ``vru_exit``
  (``ended_by: customer`` — self-service, it never reached a queue);
- PHANTOM ("a virtual call to be ignored"): ``arrived``, ``entered_queue`` and ``ended`` at the
  record's last time, all with ``ignore: true`` (an arrival, never an answer or an abandon).

Stage times never go backwards: a stage clock a little before the previous stage's end is a
disagreement between the VRU and ACD clocks and the stage is placed at that end; one more than
12 hours before it is on the next day (the call was in the center at midnight). Durations
(``vru_time``, ``q_time``, ``ser_time``) are exact in the source and are added to UTC instants.
Format and quirks: docs/import-csv.md; source: Brown et al. (2005), JASA 100(469), 36-50.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from contactops.connectors.csv_fields import (
    DAY_S,
    FieldError,
    LocalZone,
    describe_clock_issue,
    local_day_s,
    local_reading,
    utc_from_seconds,
)
from contactops.connectors.records import (
    ImportFormatError,
    ImportItem,
    IssueKind,
    LineIssue,
    ParsedLine,
    numbered,
)
from contactops.engines.events import Channel, ContactEvent, ContactEventType, EventValue

COLUMNS = (
    "vru+line",
    "call_id",
    "customer_id",
    "priority",
    "type",
    "date",
    "vru_entry",
    "vru_exit",
    "vru_time",
    "q_start",
    "q_exit",
    "q_time",
    "outcome",
    "ser_start",
    "ser_exit",
    "ser_time",
    "server",
)
DOCUMENTED_TYPES = frozenset({"PS", "PE", "IN", "NE", "NW", "TT"})
AGENT, HANG, PHANTOM = "AGENT", "HANG", "PHANTOM"
NO_SERVER = "NO_SERVER"
NEXT_DAY_STEP_S = 43_200  # a stage clock > 12 h before the previous stage is on the next day
CLOCK_TOLERANCE_S = 60  # VRU and ACD clocks disagree by a second or two on most calls
_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE][+-]?\d+")


@dataclass(frozen=True, slots=True)
class _Call:
    vru_line: str
    call_id: str
    customer_text: str
    priority: int
    service_type: str
    date_text: str
    day: date
    vru_entry_s: int
    vru_exit_s: int
    vru_time_s: int
    q_start_s: int
    q_exit_s: int
    q_time_s: int
    outcome: str
    ser_start_s: int
    ser_exit_s: int
    ser_time_s: int
    server: str


@dataclass(frozen=True, slots=True)
class _Note:
    code: str
    column: str
    reason: str


def parse_anonymous_bank(lines: Iterable[str], *, tz: tzinfo) -> Iterator[ImportItem]:
    """Yield one :class:`ParsedLine` (or a skipped :class:`LineIssue`) per line, notes after.

    ``tz`` is the zone of the clock readings (``Asia/Jerusalem`` for the published files). A
    header line repeated later (files concatenated) is read as a header. Missing days between
    the first and the last date are reported at the end as line-0 notes.
    """
    zone = LocalZone(tz)
    rows = numbered(iter(lines))
    first = next(rows, None)
    if first is None:
        raise ImportFormatError("empty input: expected the Anonymous Bank header line")
    header = [name.replace("\ufeff", "").strip().lower() for name in first[1].split("\t")]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise ImportFormatError(
            "not an Anonymous Bank file: the tab-separated header lacks " + ", ".join(missing)
        )
    index = [header.index(name) for name in COLUMNS]
    width = len(header)
    yield ParsedLine(first[0])

    days_seen: set[date] = set()
    day_cache: dict[str, date] = {}
    clock_cache: dict[str, int] = {}
    for number, text in rows:
        fields = text.split("\t")
        if not text.strip() or _is_header(fields, header):
            yield ParsedLine(number)
            continue
        if len(fields) != width:
            yield LineIssue(
                number,
                "bad-columns",
                f"{width} tab-separated columns expected, found {len(fields)}",
            )
            continue
        try:
            call = _read_call([fields[i].strip() for i in index], day_cache, clock_cache)
        except FieldError as error:
            yield LineIssue(number, error.code, str(error), column=error.column)
            continue
        days_seen.add(call.day)
        events, notes = _contact_events(call, zone)
        yield ParsedLine(number, contact_events=events)
        for note in notes:
            yield LineIssue(number, note.code, note.reason, IssueKind.NOTE, note.column)
    yield from _missing_days(days_seen)


# --- reading one record ------------------------------------------------------------------------


def _is_header(fields: list[str], header: list[str]) -> bool:
    """A header line repeated later (files concatenated); cheap test first."""
    return fields[0].strip().lower() == header[0] and [f.strip().lower() for f in fields] == header


def _read_call(cells: list[str], day_cache: dict[str, date], clock_cache: dict[str, int]) -> _Call:
    (vru_line, call_id, customer, priority, service_type, date_text) = cells[:6]
    (vru_entry, vru_exit, vru_time, q_start, q_exit, q_time) = cells[6:12]
    (outcome, ser_start, ser_exit, ser_time, server) = cells[12:]
    for column, value in (("vru+line", vru_line), ("call_id", call_id), ("outcome", outcome)):
        if not value:
            raise FieldError("missing-field", column, value, "is empty")
    if outcome not in (AGENT, HANG, PHANTOM):
        raise FieldError("unknown-outcome", "outcome", outcome, "is not AGENT, HANG or PHANTOM")
    day = day_cache.get(date_text)
    if day is None:
        day = day_cache[date_text] = _day(date_text)

    def clock_s(text: str, column: str) -> int:
        seconds = clock_cache.get(text)
        if seconds is None:
            seconds = clock_cache[text] = _clock_s(text, column)
        return seconds

    return _Call(
        vru_line=vru_line,
        call_id=call_id,
        customer_text=customer,
        priority=_integer(priority, "priority"),
        service_type=service_type,
        date_text=date_text,
        day=day,
        vru_entry_s=clock_s(vru_entry, "vru_entry"),
        vru_exit_s=clock_s(vru_exit, "vru_exit"),
        vru_time_s=_integer(vru_time, "vru_time"),
        q_start_s=clock_s(q_start, "q_start"),
        q_exit_s=clock_s(q_exit, "q_exit"),
        q_time_s=_integer(q_time, "q_time"),
        outcome=outcome,
        ser_start_s=clock_s(ser_start, "ser_start"),
        ser_exit_s=clock_s(ser_exit, "ser_exit"),
        ser_time_s=_integer(ser_time, "ser_time"),
        server=server,
    )


def _day(text: str) -> date:
    """``YYMMDD``; years 70-99 are 19xx, 00-69 are 20xx."""
    if len(text) == 6 and text.isascii() and text.isdigit():
        year = int(text[:2])
        try:
            return date(year + (1900 if year >= 70 else 2000), int(text[2:4]), int(text[4:]))
        except ValueError:
            pass
    raise FieldError("bad-date", "date", text, "is not a date YYMMDD")


def _clock_s(text: str, column: str) -> int:
    """``H:MM:SS`` (hours without a leading zero) as seconds after midnight."""
    parts = text.split(":")
    if len(parts) == 3 and text.isascii():
        hours, minutes, seconds = parts
        if (
            0 < len(hours) <= 2
            and len(minutes) == 2
            and len(seconds) == 2
            and (hours + minutes + seconds).isdigit()
        ):
            h, m, s = int(hours), int(minutes), int(seconds)
            if h < 24 and m < 60 and s < 60:
                return h * 3600 + m * 60 + s
    raise FieldError("bad-time", column, text, "is not a clock time H:MM:SS")


def _integer(text: str, column: str) -> int:
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit()):
        raise FieldError("bad-number", column, text, "is not a whole number")
    return int(text)


# --- one record → events -----------------------------------------------------------------------


def _contact_events(call: _Call, zone: LocalZone) -> tuple[tuple[ContactEvent, ...], list[_Note]]:
    notes: list[_Note] = []
    readings: dict[str, str] = {}  # stage column → a local reading the zone skips or repeats

    def to_utc(local_s: int, column: str) -> int:
        utc_s, code = zone.utc_seconds(local_s)
        if code is not None:
            reading = local_reading(local_s).isoformat()
            reason = f"column {column}: " + describe_clock_issue(code, reading, zone)
            notes.append(_Note(code, column, reason))
            readings[column] = reading
        return utc_s

    def stage_start(previous_l: int, clock_s: int, column: str) -> int:
        """The stage clock on the previous stage's day, or the next day if > 12 h behind."""
        local_s = previous_l - previous_l % DAY_S + clock_s
        behind_s = previous_l - local_s
        if behind_s > NEXT_DAY_STEP_S:
            notes.append(_past_midnight(column, clock_s))
            return local_s + DAY_S
        if behind_s > CLOCK_TOLERANCE_S:
            notes.append(
                _Note(
                    "clock-disagreement",
                    column,
                    f"column {column}: {_clock_text(clock_s)} is {behind_s} s before the "
                    "previous stage ended; the stage is placed at that end",
                )
            )
        return local_s

    notes.extend(_record_notes(call))
    arrival_l = local_day_s(call.day) + call.vru_entry_s
    arrival_u = to_utc(arrival_l, "vru_entry")
    vru_exit_l = arrival_l + call.vru_time_s
    vru_exit_u = arrival_u + call.vru_time_s
    if call.vru_time_s >= 0 and call.vru_exit_s < call.vru_entry_s:
        notes.append(_Note("vru-past-midnight", "vru_exit", _crossing("vru_exit", call.vru_exit_s)))

    queued = call.q_start_s != 0 or call.q_exit_s != 0 or call.q_time_s != 0
    q_time_s = max(call.q_time_s, 0)
    queue_l, queue_u = vru_exit_l, vru_exit_u
    left_queue_l, left_queue_u = vru_exit_l, vru_exit_u
    if queued:
        queue_l = stage_start(vru_exit_l, call.q_start_s, "q_start")
        queue_u = to_utc(queue_l, "q_start")
        left_queue_l, left_queue_u = queue_l + q_time_s, queue_u + q_time_s
        if q_time_s > 0 and call.q_exit_s < call.q_start_s:
            notes.append(_past_midnight("q_exit", call.q_exit_s))

    has_service = call.ser_start_s != 0 or call.ser_exit_s != 0 or call.ser_time_s != 0
    ser_time_s = max(call.ser_time_s, 0)
    service_u = left_queue_u
    if call.outcome != HANG and has_service:
        service_l = stage_start(left_queue_l, call.ser_start_s, "ser_start")
        service_u = to_utc(service_l, "ser_start")
        if ser_time_s > 0 and call.ser_exit_s < call.ser_start_s:
            notes.append(
                _Note("service-past-midnight", "ser_exit", _crossing("ser_exit", call.ser_exit_s))
            )

    base = _base_data(call)
    agent = None if call.server == NO_SERVER or not call.server else call.server
    queue = call.service_type or None
    customer_id = _customer_id(call.customer_text)
    contact_id = f"{call.date_text}-{call.vru_line}-{call.call_id}"
    stamps: list[tuple[int, ContactEventType, str | None, dict[str, EventValue]]] = []
    clock = arrival_u

    def add(
        at_u: int,
        event_type: ContactEventType,
        *,
        column: str | None = None,
        with_agent: bool = False,
        extra: dict[str, EventValue] | None = None,
    ) -> int:
        nonlocal clock
        clock = max(clock, at_u)
        data: dict[str, EventValue] = dict(base)
        if extra:
            data.update(extra)
        if column in readings:
            data["local_clock"] = readings[column]
        stamps.append((clock, event_type, agent if with_agent else None, data))
        return clock

    add(arrival_u, ContactEventType.ARRIVED, column="vru_entry")
    terminal: dict[str, EventValue] = {"source": call.outcome}
    if call.outcome == AGENT:
        add(queue_u if queued else vru_exit_u, ContactEventType.ENTERED_QUEUE, column="q_start")
        answered_u = add(
            max(service_u, left_queue_u),
            ContactEventType.ANSWERED,
            column="ser_start" if service_u >= left_queue_u else None,
            with_agent=True,
        )
        add(answered_u + ser_time_s, ContactEventType.ENDED, with_agent=True, extra=terminal)
    elif call.outcome == HANG and queued:
        add(queue_u, ContactEventType.ENTERED_QUEUE, column="q_start")
        add(left_queue_u, ContactEventType.ABANDONED, extra=terminal)
    elif call.outcome == HANG:
        add(vru_exit_u, ContactEventType.ENDED, extra={**terminal, "ended_by": "customer"})
    else:
        if queued:
            add(queue_u, ContactEventType.ENTERED_QUEUE, column="q_start")
        last_u = max(service_u, left_queue_u) + ser_time_s if has_service else left_queue_u
        add(last_u, ContactEventType.ENDED, extra=terminal)

    events = tuple(
        ContactEvent(
            utc_from_seconds(at_u),
            contact_id,
            event_type,
            Channel.PHONE,
            queue,
            event_agent,
            customer_id,
            data,
        )
        for at_u, event_type, event_agent, data in stamps
    )
    return events, notes


def _base_data(call: _Call) -> dict[str, EventValue]:
    data: dict[str, EventValue] = {"priority": call.priority, "vru_line": call.vru_line}
    if call.outcome == PHANTOM:
        data["ignore"] = True
    if _is_truncated_id(call.customer_text):
        data["customer_id_text"] = call.customer_text
    return data


def _customer_id(text: str) -> str | None:
    """``0`` (not identified) and truncated ids (scientific notation) are no customer."""
    if not text or text == "0" or _is_truncated_id(text):
        return None
    return text


def _is_truncated_id(text: str) -> bool:
    """An id a spreadsheet rewrote in scientific notation (``6.02E+11``): its digits are lost."""
    return _SCIENTIFIC.fullmatch(text) is not None


def _record_notes(call: _Call) -> list[_Note]:
    """Quirks read from the record's fields alone (codes: docs/import-csv.md)."""
    notes: list[_Note] = []
    if call.service_type not in DOCUMENTED_TYPES:
        notes.append(
            _Note(
                "undocumented-type",
                "type",
                f"column type: {call.service_type!r} is not a documented service type "
                "(PS, PE, IN, NE, NW, TT); kept as the queue",
            )
        )
    if _is_truncated_id(call.customer_text):
        notes.append(
            _Note(
                "truncated-customer-id",
                "customer_id",
                f"column customer_id: {call.customer_text!r} is written in scientific notation "
                "(digits lost); no customer id, the text is kept as data.customer_id_text",
            )
        )
    if call.vru_time_s < 0:
        notes.append(
            _Note(
                "negative-vru-time",
                "vru_time",
                f"column vru_time: {call.vru_time_s} s (vru_exit {_clock_text(call.vru_exit_s)} "
                f"before vru_entry {_clock_text(call.vru_entry_s)}); later stages are placed no "
                "earlier than the arrival",
            )
        )
    for column, value in (("q_time", call.q_time_s), ("ser_time", call.ser_time_s)):
        if value < 0:
            notes.append(
                _Note("negative-duration", column, f"column {column}: {value} s, read as 0")
            )
    if call.outcome == AGENT and call.ser_time_s == 0:
        notes.append(
            _Note(
                "zero-service-time",
                "ser_time",
                "column ser_time: 0 on an AGENT call; answered and ended at the same instant",
            )
        )
    if call.outcome == AGENT and call.server in ("", NO_SERVER):
        notes.append(
            _Note(
                "served-without-server",
                "server",
                f"column server: {call.server!r} on an AGENT call; answered with no agent",
            )
        )
    if call.outcome == HANG and call.ser_time_s > 0:
        notes.append(
            _Note(
                "hang-with-service",
                "ser_time",
                f"column ser_time: {call.ser_time_s} s on a HANG call; the service times "
                "are ignored",
            )
        )
    return notes


def _past_midnight(column: str, clock_s: int) -> _Note:
    return _Note("queue-past-midnight", column, _crossing(column, clock_s))


def _crossing(column: str, clock_s: int) -> str:
    return (
        f"column {column}: {_clock_text(clock_s)} is earlier than the stage before it: "
        "read as the next day (the call was in the center at midnight)"
    )


def _clock_text(clock_s: int) -> str:
    return f"{clock_s // 3600}:{clock_s // 60 % 60:02d}:{clock_s % 60:02d}"


def _missing_days(days_seen: set[date]) -> Iterator[LineIssue]:
    """One line-0 note per run of days without records between the first and the last day."""
    if not days_seen:
        return
    first, last = min(days_seen), max(days_seen)
    run: list[date] = []
    day = first
    while day <= last:
        if day in days_seen and run:
            yield _missing_run(run, first, last)
            run = []
        elif day not in days_seen:
            run.append(day)
        day += timedelta(days=1)


def _missing_run(run: list[date], first: date, last: date) -> LineIssue:
    days = run[0].isoformat() if len(run) == 1 else f"{run[0]} to {run[-1]} ({len(run)} days)"
    return LineIssue(
        0,
        "missing-day",
        f"no records for {days}, between the first day {first} and the last {last}",
        IssueKind.NOTE,
        "date",
    )
