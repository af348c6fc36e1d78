"""Any CSV of contacts or contact events, read through a documented column mapping.

A :class:`ColumnMapping` (from a JSON or TOML mapping file) says which CSV column holds which
canonical field, how to read times and how to translate the file's codes. Two row shapes:

- ``rows = "events"``: one row per event (``occurred_at``, ``contact_id``, ``event_type``, ...);
- ``rows = "contacts"``: one row per contact with a time per stage (``arrived_at``,
  ``queued_at``, ``answered_at``, ``abandoned_at``, ``ended_at``, ``wrapup_ended_at``) and an
  optional ``outcome``, expanded into canonical events in lifecycle order.

The mapping file format, with a full example, is in docs/import-csv.md.
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from types import MappingProxyType
from typing import Any

from contactops.connectors.csv_fields import (
    NONEXISTENT_LOCAL_TIME,
    FieldError,
    LocalZone,
    describe_clock_issue,
    normalise_header,
    split_header,
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

EVENT_FIELDS: tuple[str, ...] = (
    "occurred_at",
    "contact_id",
    "event_type",
    "channel",
    "queue",
    "agent",
    "customer_id",
)
CONTACT_TIME_FIELDS: tuple[str, ...] = (
    "arrived_at",
    "queued_at",
    "answered_at",
    "abandoned_at",
    "ended_at",
    "wrapup_ended_at",
)
CONTACT_FIELDS: tuple[str, ...] = (
    "contact_id",
    "channel",
    "queue",
    "agent",
    "customer_id",
    *CONTACT_TIME_FIELDS,
    "outcome",
)
REQUIRED_FIELDS = {
    "events": ("occurred_at", "contact_id", "event_type"),
    "contacts": ("contact_id", "arrived_at"),
}
UNANSWERED_OUTCOMES = ("abandoned", "timed_out", "overflowed", "blocked", "callback_requested")
OUTCOMES = ("answered", *UNANSWERED_OUTCOMES, "self_service", "ignored")
TIME_FORMATS = ("iso", "epoch", "epoch_ms")  # or a strftime pattern (it contains "%")


@dataclass(frozen=True)
class ColumnMapping:
    """How to read one CSV layout: canonical field → CSV column, value maps and options.

    ``columns`` maps a field (``EVENT_FIELDS`` or ``CONTACT_FIELDS``) to its header name;
    ``event_types`` / ``channels`` / ``outcomes`` map the file's codes to canonical values
    (a canonical value itself is always accepted, in any case); ``data_columns`` are copied
    into each event's ``data``. ``time_format`` is ``iso`` (ISO 8601), ``epoch`` (seconds),
    ``epoch_ms`` or a ``strftime`` pattern; times without an offset are local.
    """

    rows: str
    columns: Mapping[str, str]
    event_types: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)
    outcomes: Mapping[str, str] = field(default_factory=dict)
    delimiter: str = ","
    time_format: str = "iso"
    default_channel: str | None = None
    default_queue: str | None = None
    data_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("columns", "event_types", "channels", "outcomes"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        object.__setattr__(self, "data_columns", tuple(self.data_columns))
        self._validate()

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ColumnMapping:
        """A mapping from the parsed content of a JSON or TOML mapping file."""
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise ValueError(
                f"unknown mapping key(s) {', '.join(unknown)}; known: {', '.join(known)}"
            )
        if "rows" not in raw or "columns" not in raw:
            raise ValueError("a mapping needs 'rows' (events or contacts) and 'columns'")
        return cls(
            rows=_text(raw, "rows"),
            columns=_table(raw, "columns"),
            event_types=_table(raw, "event_types"),
            channels=_table(raw, "channels"),
            outcomes=_table(raw, "outcomes"),
            delimiter=_text(raw, "delimiter", ","),
            time_format=_text(raw, "time_format", "iso"),
            default_channel=_optional_text(raw, "default_channel"),
            default_queue=_optional_text(raw, "default_queue"),
            data_columns=_text_list(raw, "data_columns"),
        )

    @classmethod
    def load(cls, path: Path) -> ColumnMapping:
        """Read a ``.json`` or ``.toml`` mapping file."""
        if path.suffix == ".json":
            raw = json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".toml":
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        else:
            raise ValueError(f"{path}: a mapping file ends in .json or .toml")
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: a mapping file holds one object (a table)")
        return cls.from_dict(raw)

    def _validate(self) -> None:
        if self.rows not in REQUIRED_FIELDS:
            raise ValueError(f"rows: {self.rows!r} is not 'events' or 'contacts'")
        fields = EVENT_FIELDS if self.rows == "events" else CONTACT_FIELDS
        for name in self.columns:
            if name not in fields:
                raise ValueError(
                    f"columns.{name} is not a field of rows = {self.rows!r} "
                    f"(fields: {', '.join(fields)})"
                )
        for name in REQUIRED_FIELDS[self.rows]:
            if not self.columns.get(name):
                raise ValueError(f"columns.{name} is required for rows = {self.rows!r}")
        if "channel" not in self.columns and self.default_channel is None:
            raise ValueError("a mapping needs columns.channel or default_channel")
        _check_values("event_types", self.event_types, [t.value for t in ContactEventType])
        _check_values("channels", self.channels, [c.value for c in Channel])
        _check_values("outcomes", self.outcomes, list(OUTCOMES))
        if self.default_channel is not None:
            _check_values("default_channel", {"": self.default_channel}, [c.value for c in Channel])
        if len(self.delimiter) != 1:
            raise ValueError(f"delimiter: {self.delimiter!r} is not one character")
        if self.time_format not in TIME_FORMATS and "%" not in self.time_format:
            raise ValueError(
                f"time_format: {self.time_format!r} is not iso, epoch, epoch_ms or a strftime "
                "pattern"
            )


def _text(raw: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{key}: expected text, got {value!r}")
    return value


def _optional_text(raw: Mapping[str, Any], key: str) -> str | None:
    return None if raw.get(key) is None else _text(raw, key)


def _table(raw: Mapping[str, Any], key: str) -> dict[str, str]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError(f"{key}: expected a table of text to text, got {value!r}")
    return dict(value)


def _text_list(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key}: expected a list of column names, got {value!r}")
    return tuple(value)


def _check_values(key: str, table: Mapping[str, str], allowed: list[str]) -> None:
    for source, target in table.items():
        if target not in allowed:
            where = f"{key}.{source}" if source else key
            raise ValueError(f"{where}: {target!r} is not one of {', '.join(allowed)}")


# --- reading rows ------------------------------------------------------------------------------


class _ValueMap:
    """A file code → canonical value: the mapping's table first, then the canonical names."""

    def __init__(self, table: Mapping[str, str], canonical: Iterable[str]) -> None:
        self._exact = dict(table)
        self._folded = {k.strip().lower(): v for k, v in table.items()}
        self._folded_canonical = {value.lower(): value for value in canonical}

    def get(self, text: str) -> str | None:
        key = text.strip()
        found = self._exact.get(key) or self._folded.get(key.lower())
        return found or self._folded_canonical.get(key.lower())


@dataclass(frozen=True, slots=True)
class _Time:
    text: str  # the cell as written
    at: datetime
    local_clock: str | None  # a reading the zone skips, kept as written
    note: LineIssue | None


class _RowReader:
    """One mapping applied to the cells of one header."""

    def __init__(self, mapping: ColumnMapping, header: list[str], zone: LocalZone) -> None:
        self.mapping = mapping
        self.zone = zone
        self.index = {
            name: _column_index(header, column, f"columns.{name}")
            for name, column in mapping.columns.items()
        }
        self.data_index = {
            column: _column_index(header, column, "data_columns") for column in mapping.data_columns
        }
        self.event_types = _ValueMap(mapping.event_types, [t.value for t in ContactEventType])
        self.channels = _ValueMap(mapping.channels, [c.value for c in Channel])
        self.outcomes = _ValueMap(mapping.outcomes, OUTCOMES)

    def cell(self, cells: list[str], name: str) -> str:
        index = self.index.get(name)
        return "" if index is None else cells[index].strip()

    def column(self, name: str) -> str:
        return self.mapping.columns[name]

    def required(self, cells: list[str], name: str) -> str:
        text = self.cell(cells, name)
        if not text:
            raise FieldError("missing-field", self.column(name), text, "is empty")
        return text

    def channel(self, cells: list[str]) -> Channel:
        text = self.cell(cells, "channel")
        if not text:
            if self.mapping.default_channel is None:
                raise FieldError("missing-field", self.column("channel"), text, "is empty")
            return Channel(self.mapping.default_channel)
        value = self.channels.get(text)
        if value is None:
            raise FieldError(
                "unknown-channel", self.column("channel"), text, "is not a known channel"
            )
        return Channel(value)

    def data(self, cells: list[str]) -> dict[str, EventValue]:
        return {
            column: cells[index].strip()
            for column, index in self.data_index.items()
            if cells[index].strip()
        }

    def time(self, cells: list[str], name: str, line: int) -> _Time | None:
        text = self.cell(cells, name)
        if not text:
            return None
        column = self.column(name)
        time_format = self.mapping.time_format
        try:
            if time_format in ("epoch", "epoch_ms"):
                seconds = float(text) / (1000 if time_format == "epoch_ms" else 1)
                return _Time(text, utc_from_seconds(seconds), None, None)
            parsed = (
                datetime.fromisoformat(text)
                if time_format == "iso"
                else datetime.strptime(text, time_format)
            )
        except (ValueError, OverflowError):
            expected = "ISO 8601" if time_format == "iso" else repr(time_format)
            raise FieldError("bad-time", column, text, f"is not a time in {expected}") from None
        if parsed.utcoffset() is not None:
            return _Time(text, parsed.astimezone(UTC), None, None)
        at, code = self.zone.to_utc(parsed)
        if code is None:
            return _Time(text, at, None, None)
        reading = parsed.isoformat()
        reason = f"column {column}: " + describe_clock_issue(code, reading, self.zone)
        note = LineIssue(line, code, reason, IssueKind.NOTE, column)
        return _Time(text, at, reading if code == NONEXISTENT_LOCAL_TIME else None, note)


def _column_index(header: list[str], column: str, key: str) -> int:
    """The header position of ``column``: exact name, else the one name equal to it ignoring
    case and spacing."""
    if column in header:
        return header.index(column)
    folded = [
        i for i, name in enumerate(header) if normalise_header(name) == normalise_header(column)
    ]
    if len(folded) == 1:
        return folded[0]
    raise ImportFormatError(
        f"mapped column {column!r} ({key}) is not in the header: " + ", ".join(header)
    )


def parse_generic_csv(
    lines: Iterable[str], *, mapping: ColumnMapping, tz: tzinfo
) -> Iterator[ImportItem]:
    """Yield one :class:`ParsedLine` (or a skipped :class:`LineIssue`) per CSV row, notes after.

    ``tz`` is the zone of times written without an offset. Raises :class:`ImportFormatError`
    when a mapped column is not in the header.
    """
    zone = LocalZone(tz)
    source = numbered(iter(lines))
    first = next(source, None)
    if first is None:
        raise ImportFormatError("empty input: expected a header line")
    header = [
        name.replace("\ufeff", "").strip() for name in split_header(first[1], mapping.delimiter)
    ]
    reader = _RowReader(mapping, header, zone)
    read_row = _event_row if mapping.rows == "events" else _contact_row
    yield ParsedLine(first[0])

    rows = csv.reader((text for _, text in source), delimiter=mapping.delimiter)
    end_line = first[0]
    for cells in rows:
        line, end_line = end_line + 1, first[0] + rows.line_num
        if not any(cell.strip() for cell in cells):
            yield ParsedLine(line)
            continue
        if len(cells) != len(header):
            yield LineIssue(
                line,
                "bad-columns",
                f"{len(header)} columns expected (as in the header), found {len(cells)}",
            )
            continue
        try:
            events, notes = read_row(reader, cells, line)
        except FieldError as error:
            yield LineIssue(line, error.code, str(error), column=error.column)
            continue
        yield ParsedLine(line, contact_events=events)
        yield from notes


def _event_row(
    reader: _RowReader, cells: list[str], line: int
) -> tuple[tuple[ContactEvent, ...], list[LineIssue]]:
    """One row = one event."""
    when = reader.time(cells, "occurred_at", line)
    if when is None:
        raise FieldError("missing-field", reader.column("occurred_at"), "", "is empty")
    contact_id = reader.required(cells, "contact_id")
    raw_type = reader.required(cells, "event_type")
    event_type = reader.event_types.get(raw_type)
    if event_type is None:
        raise FieldError(
            "unknown-event-type",
            reader.column("event_type"),
            raw_type,
            "is not a canonical event type and not in the mapping's event_types",
        )
    data = reader.data(cells)
    if raw_type != event_type:
        data["source"] = raw_type
    if when.local_clock is not None:
        data["local_clock"] = when.local_clock
    event = ContactEvent(
        when.at,
        contact_id,
        ContactEventType(event_type),
        reader.channel(cells),
        reader.cell(cells, "queue") or reader.mapping.default_queue,
        reader.cell(cells, "agent") or None,
        reader.cell(cells, "customer_id") or None,
        data,
    )
    return (event,), [when.note] if when.note is not None else []


def _contact_row(
    reader: _RowReader, cells: list[str], line: int
) -> tuple[tuple[ContactEvent, ...], list[LineIssue]]:
    """One row = one contact: a canonical event per stage time, in lifecycle order."""
    contact_id = reader.required(cells, "contact_id")
    times = {name: reader.time(cells, name, line) for name in CONTACT_TIME_FIELDS}
    if times["arrived_at"] is None:
        raise FieldError("missing-field", reader.column("arrived_at"), "", "is empty")
    raw_outcome = reader.cell(cells, "outcome")
    outcome = reader.outcomes.get(raw_outcome) if raw_outcome else None
    if raw_outcome and outcome is None:
        raise FieldError(
            "unknown-outcome",
            reader.column("outcome"),
            raw_outcome,
            "is not a canonical outcome (" + ", ".join(OUTCOMES) + ") and not in the mapping",
        )
    stages = _stages(reader, times, outcome, raw_outcome)
    channel = reader.channel(cells)
    queue = reader.cell(cells, "queue") or reader.mapping.default_queue
    agent = reader.cell(cells, "agent") or None
    customer_id = reader.cell(cells, "customer_id") or None
    base = reader.data(cells)
    if raw_outcome:
        base["source"] = raw_outcome
    if outcome == "ignored":
        base["ignore"] = True

    events: list[ContactEvent] = []
    notes = [t.note for t in times.values() if t is not None and t.note is not None]
    previous: tuple[str, datetime] | None = None
    for event_type, name in stages:
        when = times[name]
        assert when is not None
        at = when.at
        if previous is not None and at < previous[1]:
            notes.append(_out_of_order(reader, line, name, at, *previous))
            at = previous[1]
        data = dict(base)
        if when.local_clock is not None:
            data["local_clock"] = when.local_clock
        with_agent = event_type in _AGENT_EVENTS and (
            event_type is not ContactEventType.ENDED or times["answered_at"] is not None
        )
        events.append(
            ContactEvent(
                at,
                contact_id,
                event_type,
                channel,
                queue,
                agent if with_agent else None,
                customer_id,
                data,
            )
        )
        previous = (name, at)
    return tuple(events), notes


_AGENT_EVENTS = frozenset(
    {ContactEventType.ANSWERED, ContactEventType.ENDED, ContactEventType.WRAPUP_ENDED}
)


def _stages(
    reader: _RowReader,
    times: Mapping[str, _Time | None],
    outcome: str | None,
    raw_outcome: str,
) -> list[tuple[ContactEventType, str]]:
    """(event type, time field) in lifecycle order; the outcome names the unanswered exit.

    An unanswered outcome (abandoned, timed_out, ...) happens at ``abandoned_at``, or at
    ``ended_at`` when there is no ``abandoned_at`` (that end is then the exit, not an
    ``ended`` event).
    """
    answered = times["answered_at"] is not None
    exit_field: str | None = "abandoned_at" if times["abandoned_at"] is not None else None
    exit_type = ContactEventType.ABANDONED
    if outcome in UNANSWERED_OUTCOMES:
        exit_type = ContactEventType(outcome)
        if exit_field is None and times["ended_at"] is not None:
            exit_field = "ended_at"
        if exit_field is None:
            raise FieldError(
                "missing-field",
                reader.column("outcome"),
                raw_outcome,
                f"({outcome}) needs a time: abandoned_at or ended_at is empty",
            )
    if outcome == "answered" and not answered:
        raise FieldError(
            "missing-field", reader.column("outcome"), raw_outcome, "(answered) has no answered_at"
        )
    answered_time = times["answered_at"]
    if answered_time is not None and exit_field is not None:
        raise FieldError(
            "conflicting-times",
            reader.column("answered_at"),
            answered_time.text,
            "is set on a contact that left the queue unanswered "
            f"(outcome {raw_outcome or 'abandoned_at'})",
        )
    stages = [(ContactEventType.ARRIVED, "arrived_at")]
    if times["queued_at"] is not None:
        stages.append((ContactEventType.ENTERED_QUEUE, "queued_at"))
    if answered:
        stages.append((ContactEventType.ANSWERED, "answered_at"))
    if exit_field is not None:
        stages.append((exit_type, exit_field))
    if times["ended_at"] is not None and exit_field != "ended_at":
        stages.append((ContactEventType.ENDED, "ended_at"))
    if times["wrapup_ended_at"] is not None:
        stages.append((ContactEventType.WRAPUP_ENDED, "wrapup_ended_at"))
    return stages


def _out_of_order(
    reader: _RowReader, line: int, name: str, at: datetime, previous_name: str, previous: datetime
) -> LineIssue:
    column, previous_column = reader.column(name), reader.column(previous_name)
    return LineIssue(
        line,
        "times-out-of-order",
        f"column {column}: {at.isoformat()} is before {previous_column} "
        f"({previous.isoformat()}); placed at that time",
        IssueKind.NOTE,
        column,
    )
