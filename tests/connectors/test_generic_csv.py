"""A generic CSV read through a column mapping: one row per event, or one row per contact.

Times in the fixtures are Oslo local time in January, UTC+1: 09:00 local is 08:00 UTC.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from contactops.connectors.generic_csv import ColumnMapping, parse_generic_csv
from contactops.connectors.records import (
    ImportFormatError,
    ImportItem,
    LineIssue,
    ParsedLine,
    open_text,
)
from contactops.engines.events import Channel, ContactEvent, ContactEventType

OSLO = ZoneInfo("Europe/Oslo")
FIXTURES = Path(__file__).parent / "fixtures" / "csv"
EVENTS = ColumnMapping.load(FIXTURES / "events_mapping.toml")
CONTACTS = ColumnMapping.load(FIXTURES / "contacts_mapping.json")


def read(name: str, mapping: ColumnMapping) -> list[ImportItem]:
    with open_text(FIXTURES / name) as lines:
        return list(parse_generic_csv(lines, mapping=mapping, tz=OSLO))


def parse(mapping: ColumnMapping, *lines: str) -> list[ImportItem]:
    return list(parse_generic_csv(list(lines), mapping=mapping, tz=OSLO))


def events(items: Iterable[ImportItem], line: int | None = None) -> list[ContactEvent]:
    return [
        e
        for item in items
        if isinstance(item, ParsedLine) and line in (None, item.line)
        for e in item.contact_events
    ]


def steps(items: Iterable[ImportItem], line: int) -> list[tuple[str, datetime, str | None]]:
    return [(e.event_type.value, e.occurred_at, e.agent) for e in events(items, line)]


def issues(items: Iterable[ImportItem]) -> list[tuple[int, str, str, str | None]]:
    return [(i.line, i.kind.value, i.code, i.column) for i in items if isinstance(i, LineIssue)]


def utc(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2024, 1, 15, hour, minute, second, tzinfo=UTC)


def mapping(**changes: object) -> ColumnMapping:
    raw: dict[str, object] = {
        "rows": "events",
        "columns": {"occurred_at": "at", "contact_id": "id", "event_type": "what"},
        "default_channel": "phone",
    }
    raw.update(changes)
    return ColumnMapping.from_dict(raw)


# --- rows = "events" ---------------------------------------------------------------------------


def test_event_rows_are_mapped_through_value_maps_with_a_strftime_format():
    items = read("events.csv", EVENTS)
    first = events(items, 2)[0]
    assert first == ContactEvent(
        utc(8, 0),
        "c-1",
        ContactEventType.ARRIVED,
        Channel.PHONE,
        "billing",
        None,
        "cust-9",
        {"source": "ARR"},  # the file's code, kept beside the canonical type
    )
    assert [(e.event_type.value, e.occurred_at, e.agent) for e in events(items)[:5]] == [
        ("arrived", utc(8, 0, 0), None),
        ("entered_queue", utc(8, 0, 5), None),
        ("answered", utc(8, 0, 35), "a-7"),
        ("ended", utc(8, 4, 35), "a-7"),
        ("wrapup_ended", utc(8, 5, 35), "a-7"),
    ]
    # a quoted cell with the delimiter in it, copied as a data column
    assert events(items, 6)[0].data == {"Wrap code": "W12, callback", "source": "ACW"}


def test_codes_match_case_insensitively_and_canonical_names_need_no_map():
    items = read("events.csv", EVENTS)
    arrived, answered = events(items, 7) + events(items, 8)
    assert (arrived.event_type.value, arrived.data) == ("arrived", {"source": "arr"})
    assert (answered.event_type.value, answered.channel, answered.agent) == (
        "answered",
        Channel.CHAT,
        "a-8",
    )
    # empty channel and queue cells take the mapping's defaults
    assert (arrived.channel, arrived.queue) == (Channel.PHONE, "general")


def test_bad_event_rows_are_skipped_naming_line_column_and_value():
    items = read("events.csv", EVENTS)
    assert issues(items) == [
        (9, "skipped", "unknown-event-type", "Event"),
        (10, "skipped", "bad-time", "Timestamp"),
        (11, "skipped", "missing-field", "Call ID"),
        (12, "skipped", "unknown-channel", "Media"),
    ]
    reasons = [i.reason for i in items if isinstance(i, LineIssue)]
    assert reasons[0].startswith("column Event: 'XFER' is not a canonical event type")
    assert reasons[1] == (
        "column Timestamp: '2024-01-15 09:13:00' is not a time in '%d/%m/%Y %H:%M:%S'"
    )
    assert reasons[3] == "column Media: 'FAX' is not a known channel"


@pytest.mark.parametrize(
    ("time_format", "cell", "expected"),
    [
        ("epoch", "1705305600", utc(8, 0)),  # 1705305600 = 2024-01-15T08:00:00Z
        ("epoch", "1705305600.5", utc(8, 0).replace(microsecond=500_000)),
        ("epoch_ms", "1705305600250", utc(8, 0).replace(microsecond=250_000)),
        ("iso", "2024-01-15T09:00:00", utc(8, 0)),  # local Oslo, UTC+1
        ("iso", "2024-01-15T08:00:00Z", utc(8, 0)),
        ("iso", "2024-01-15 10:00:00+02:00", utc(8, 0)),
        ("%Y%m%d%H%M%S", "20240115090000", utc(8, 0)),
    ],
)
def test_time_formats(time_format, cell, expected):
    items = parse(mapping(time_format=time_format), "at,id,what", f"{cell},x,arrived")
    assert events(items)[0].occurred_at == expected


def test_delimiter_and_header_names_ignoring_case_and_spacing():
    items = parse(mapping(delimiter=";"), "AT ; Id;WHAT", "2024-01-15T09:00;x;arrived")
    assert events(items)[0].contact_id == "x"


def test_local_time_skipped_by_spring_forward_is_noted_and_kept():
    # Oslo moves 02:00 → 03:00 on 31 March 2024; 02:30 is read with +01:00 = 01:30 UTC
    items = parse(mapping(), "at,id,what", "2024-03-31T02:30:00,x,arrived")
    (event,) = events(items)
    assert event.occurred_at == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    assert event.data == {"local_clock": "2024-03-31T02:30:00"}
    assert issues(items) == [(2, "note", "nonexistent-local-time", "at")]


def test_row_with_a_wrong_number_of_cells_is_skipped():
    items = parse(mapping(), "at,id,what", "2024-01-15T09:00,x")
    assert issues(items) == [(2, "skipped", "bad-columns", None)]


# --- rows = "contacts" -------------------------------------------------------------------------


def test_contact_row_expands_into_events_in_lifecycle_order():
    items = read("contacts.csv", CONTACTS)
    assert steps(items, 2) == [
        ("arrived", utc(8, 0, 0), None),
        ("entered_queue", utc(8, 0, 10), None),
        ("answered", utc(8, 0, 40), "a-7"),
        ("ended", utc(8, 5, 40), "a-7"),
        ("wrapup_ended", utc(8, 6, 40), "a-7"),
    ]
    first = events(items, 2)[0]
    assert (first.contact_id, first.channel, first.queue, first.customer_id) == (
        "k-1",
        Channel.PHONE,
        "billing",
        "cu-1",
    )
    assert first.data == {"source": "Handled"}


def test_unanswered_outcome_turns_the_end_into_that_exit():
    items = read("contacts.csv", CONTACTS)
    assert steps(items, 3) == [  # ABN, no abandoned_at: the end (09:03:10) is the abandon
        ("arrived", utc(8, 1, 0), None),
        ("entered_queue", utc(8, 1, 10), None),
        ("abandoned", utc(8, 3, 10), None),
    ]
    assert steps(items, 6)[-1] == ("timed_out", utc(8, 6, 10), None)  # TIMEOUT


def test_abandoned_at_without_an_outcome_is_an_abandon():
    items = read("contacts.csv", CONTACTS)
    assert steps(items, 4) == [
        ("arrived", utc(8, 2, 0), None),
        ("entered_queue", utc(8, 2, 5), None),
        ("abandoned", utc(8, 4, 5), None),
    ]
    assert events(items, 4)[0].channel is Channel.CHAT


def test_self_service_contact_arrives_and_ends_without_a_queue():
    items = read("contacts.csv", CONTACTS)
    assert steps(items, 5) == [("arrived", utc(8, 3, 0), None), ("ended", utc(8, 3, 45), None)]
    assert events(items, 5)[0].queue is None


def test_time_before_the_previous_stage_is_moved_to_it_and_noted():
    items = read("contacts.csv", CONTACTS)
    # answered 09:05:20 is before queued 09:05:30 → answered at 09:05:30
    assert steps(items, 7)[1:3] == [
        ("entered_queue", utc(8, 5, 30), None),
        ("answered", utc(8, 5, 30), "a-8"),
    ]
    note = next(i for i in items if isinstance(i, LineIssue) and i.line == 7)
    assert (note.code, note.column) == ("times-out-of-order", "answered")


def test_ignored_outcome_marks_every_event():
    items = read("contacts.csv", CONTACTS)
    assert steps(items, 12) == [
        ("arrived", utc(9, 10, 0), None),  # written with Z: already UTC
        ("entered_queue", utc(9, 10, 5), None),
        ("ended", utc(9, 10, 30), None),
    ]
    assert all(e.data == {"source": "TEST", "ignore": True} for e in events(items, 12))


def test_contradictory_contact_rows_are_skipped_with_the_reason():
    items = read("contacts.csv", CONTACTS)
    assert [i for i in issues(items) if i[1] == "skipped"] == [
        (8, "skipped", "missing-field", "disposition"),
        (9, "skipped", "conflicting-times", "answered"),
        (10, "skipped", "unknown-outcome", "disposition"),
        (11, "skipped", "missing-field", "start"),
    ]
    reasons = {i.line: i.reason for i in items if isinstance(i, LineIssue)}
    assert reasons[8] == "column disposition: 'Handled' (answered) has no answered_at"
    assert reasons[9] == (
        "column answered: '2024-01-15T09:07:20' is set on a contact that left the queue "
        "unanswered (outcome ABN)"
    )


def test_unanswered_outcome_without_any_exit_time_is_skipped():
    contacts = ColumnMapping.from_dict(
        {
            "rows": "contacts",
            "columns": {"contact_id": "id", "arrived_at": "start", "outcome": "result"},
            "default_channel": "phone",
        }
    )
    items = parse(contacts, "id,start,result", "k,2024-01-15T09:00,abandoned")
    (issue,) = [i for i in items if isinstance(i, LineIssue)]
    assert issue.reason == (
        "column result: 'abandoned' (abandoned) needs a time: abandoned_at or ended_at is empty"
    )


# --- the mapping -------------------------------------------------------------------------------


def test_mapping_loads_the_same_from_json_and_toml(tmp_path: Path):
    raw = {
        "rows": "events",
        "columns": {"occurred_at": "at", "contact_id": "id", "event_type": "what"},
        "event_types": {"ANS": "answered"},
        "default_channel": "chat",
        "data_columns": ["note"],
    }
    (tmp_path / "m.json").write_text(json.dumps(raw))
    (tmp_path / "m.toml").write_text(
        'rows = "events"\ndefault_channel = "chat"\ndata_columns = ["note"]\n'
        '[columns]\noccurred_at = "at"\ncontact_id = "id"\nevent_type = "what"\n'
        '[event_types]\nANS = "answered"\n'
    )
    assert ColumnMapping.load(tmp_path / "m.json") == ColumnMapping.load(tmp_path / "m.toml")
    assert ColumnMapping.load(tmp_path / "m.json") == ColumnMapping.from_dict(raw)
    with pytest.raises(ValueError, match=r"ends in \.json or \.toml"):
        ColumnMapping.load(tmp_path / "m.yaml")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rows": "calls"}, "rows: 'calls' is not 'events' or 'contacts'"),
        ({"colour": "red"}, "unknown mapping key"),
        (
            {"columns": {"contact_id": "id", "event_type": "what"}},
            "columns.occurred_at is required",
        ),
        (
            {"columns": {"occurred_at": "at", "contact_id": "id", "event_type": "e", "x": "y"}},
            "columns.x is not a field of rows = 'events'",
        ),
        ({"event_types": {"ANS": "picked_up"}}, "event_types.ANS: 'picked_up' is not one of"),
        ({"channels": {"V": "voice"}}, "channels.V: 'voice' is not one of"),
        ({"outcomes": {"OK": "fine"}}, "outcomes.OK: 'fine' is not one of"),
        ({"default_channel": None}, "needs columns.channel or default_channel"),
        ({"default_channel": "fax"}, "default_channel: 'fax' is not one of"),
        ({"time_format": "dd/mm/yyyy"}, "time_format: 'dd/mm/yyyy' is not iso"),
        ({"delimiter": ";;"}, "delimiter: ';;' is not one character"),
        ({"data_columns": "note"}, "data_columns: expected a list"),
    ],
)
def test_mapping_errors_name_the_key(changes, message):
    with pytest.raises(ValueError, match=message):
        mapping(**changes)


def test_mapped_column_missing_from_the_header_is_not_this_format():
    with pytest.raises(ImportFormatError) as error:
        parse(mapping(), "at,contact,what")
    assert str(error.value) == (
        "mapped column 'id' (columns.contact_id) is not in the header: at, contact, what"
    )
    with pytest.raises(ImportFormatError, match=r"'note' \(data_columns\)"):
        parse(mapping(data_columns=["note"]), "at,id,what")
    with pytest.raises(ImportFormatError, match="empty input"):
        parse(mapping())
