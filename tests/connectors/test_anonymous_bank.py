"""The Anonymous Bank (Technion SEE, 1999) per-call importer: every outcome and every quirk.

Israel kept standard time (UTC+2) until 2 April 1999 02:00 and daylight time (UTC+3) from then
to 3 September 1999 02:00 (back to 01:00). January readings are therefore UTC + 2 h: 9:00:00
local on 990105 is 07:00:00 UTC.
"""

from __future__ import annotations

import csv
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from contactops.connectors.anonymous_bank import COLUMNS, parse_anonymous_bank
from contactops.connectors.records import (
    ImportFormatError,
    ImportItem,
    IssueKind,
    LineIssue,
    ParsedLine,
    open_text,
)
from contactops.engines.events import Channel, ContactEvent, ContactEventType

ISRAEL = ZoneInfo("Asia/Jerusalem")
FIXTURE = Path(__file__).parent / "fixtures" / "csv" / "anonymous_bank_sample.tsv"
HEADER = "\t".join(COLUMNS)
# A served call of 5 January 1999; tests change the fields they are about.
BASE = {
    "vru+line": "AA0105",
    "call_id": "60001",
    "customer_id": "87654321",
    "priority": "2",
    "type": "PS",
    "date": "990105",
    "vru_entry": "10:00:00",
    "vru_exit": "10:00:10",
    "vru_time": "10",
    "q_start": "10:00:10",
    "q_exit": "10:01:10",
    "q_time": "60",
    "outcome": "AGENT",
    "ser_start": "10:01:09",
    "ser_exit": "10:05:09",
    "ser_time": "240",
    "server": "NOA",
}
NOT_QUEUED = {"q_start": "0:00:00", "q_exit": "0:00:00", "q_time": "0"}
NOT_SERVED = {"ser_start": "0:00:00", "ser_exit": "0:00:00", "ser_time": "0", "server": "NO_SERVER"}


def record(**changes: str) -> str:
    fields = {**BASE, **{key.replace("vru_line", "vru+line"): v for key, v in changes.items()}}
    return "\t".join(fields[name] for name in COLUMNS)


def parse(*records: str, tz: ZoneInfo | timezone = ISRAEL) -> list[ImportItem]:
    return list(parse_anonymous_bank([HEADER, *records], tz=tz))


def events(items: Iterable[ImportItem]) -> list[ContactEvent]:
    return [e for item in items if isinstance(item, ParsedLine) for e in item.contact_events]


def timeline(items: Iterable[ImportItem]) -> list[tuple[str, datetime, str | None]]:
    return [(e.event_type.value, e.occurred_at, e.agent) for e in events(items)]


def notes(items: Iterable[ImportItem]) -> list[LineIssue]:
    return [i for i in items if isinstance(i, LineIssue) and i.kind is IssueKind.NOTE]


def codes(items: Iterable[ImportItem]) -> list[str]:
    return [i.code for i in items if isinstance(i, LineIssue)]


def utc(month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(1999, month, day, hour, minute, second, tzinfo=UTC)


# --- outcomes ----------------------------------------------------------------------------------


def test_served_call_arrives_queues_is_answered_at_queue_exit_and_ends_after_ser_time():
    items = parse(record())
    # 10:00:00 local = 08:00:00 UTC; queue 10:00:10; q_exit 10:00:10 + 60 s = 10:01:10 (ser_start
    # 10:01:09 is one second earlier on the ACD clock: the caller waited until 10:01:10);
    # ended 10:01:10 + ser_time 240 s = 10:05:10.
    assert timeline(items) == [
        ("arrived", utc(1, 5, 8, 0, 0), None),
        ("entered_queue", utc(1, 5, 8, 0, 10), None),
        ("answered", utc(1, 5, 8, 1, 10), "NOA"),
        ("ended", utc(1, 5, 8, 5, 10), "NOA"),
    ]
    assert notes(items) == []


def test_agent_call_that_never_queued_enters_the_queue_at_vru_exit_with_zero_wait():
    items = parse(record(**NOT_QUEUED, ser_start="10:00:09", ser_exit="10:02:09", ser_time="120"))
    # vru_exit 10:00:00 + 10 s = 10:00:10 → queued and answered there (ser_start 10:00:09 is a
    # second behind); ended 10:00:10 + 120 s = 10:02:10.
    assert timeline(items) == [
        ("arrived", utc(1, 5, 8, 0, 0), None),
        ("entered_queue", utc(1, 5, 8, 0, 10), None),
        ("answered", utc(1, 5, 8, 0, 10), "NOA"),
        ("ended", utc(1, 5, 8, 2, 10), "NOA"),
    ]


def test_hang_after_queueing_is_an_abandon_at_queue_exit():
    items = parse(record(outcome="HANG", q_exit="10:03:40", q_time="210", **NOT_SERVED))
    # queued 10:00:10, abandoned 10:00:10 + 210 s = 10:03:40
    assert timeline(items) == [
        ("arrived", utc(1, 5, 8, 0, 0), None),
        ("entered_queue", utc(1, 5, 8, 0, 10), None),
        ("abandoned", utc(1, 5, 8, 3, 40), None),
    ]
    assert events(items)[-1].data["source"] == "HANG"


def test_hang_without_queueing_ends_in_the_vru_as_self_service():
    items = parse(record(outcome="HANG", **NOT_QUEUED, **NOT_SERVED))
    assert timeline(items) == [
        ("arrived", utc(1, 5, 8, 0, 0), None),
        ("ended", utc(1, 5, 8, 0, 10), None),
    ]
    assert events(items)[-1].data == {
        "priority": 2,
        "vru_line": "AA0105",
        "source": "HANG",
        "ended_by": "customer",
    }


def test_phantom_keeps_its_times_marked_ignore_and_is_never_answered_or_abandoned():
    items = parse(record(outcome="PHANTOM", server="NO_SERVER", ser_time="30"))
    # ended = max(ser_start 10:01:09, q_exit 10:01:10) + 30 s = 10:01:40
    assert timeline(items) == [
        ("arrived", utc(1, 5, 8, 0, 0), None),
        ("entered_queue", utc(1, 5, 8, 0, 10), None),
        ("ended", utc(1, 5, 8, 1, 40), None),
    ]
    assert all(e.data["ignore"] is True for e in events(items))


def test_phantom_without_service_times_ends_at_queue_exit():
    items = parse(record(outcome="PHANTOM", **NOT_SERVED))
    assert timeline(items)[-1] == ("ended", utc(1, 5, 8, 1, 10), None)


def test_record_fields_become_contact_id_queue_agent_customer_and_data():
    arrived, *_, ended = events(parse(record()))
    assert arrived.contact_id == "990105-AA0105-60001"  # date as in the file, VRU line, call id
    assert arrived.channel is Channel.PHONE
    assert arrived.queue == "PS"
    assert arrived.customer_id == "87654321"
    assert arrived.data == {"priority": 2, "vru_line": "AA0105"}
    assert ended.data == {"priority": 2, "vru_line": "AA0105", "source": "AGENT"}


def test_customer_zero_is_no_customer():
    assert {e.customer_id for e in events(parse(record(customer_id="0")))} == {None}


# --- quirks ------------------------------------------------------------------------------------


def test_negative_vru_time_is_noted_and_no_stage_precedes_the_arrival():
    items = parse(
        record(
            vru_entry="10:00:40",
            vru_exit="10:00:03",
            vru_time="-37",
            q_start="10:00:03",
            q_exit="10:01:20",
            q_time="77",
            outcome="HANG",
            **NOT_SERVED,
        )
    )
    # queue entry 10:00:03 is before the arrival 10:00:40 → placed at the arrival; the
    # abandon stays at q_start + q_time = 10:00:03 + 77 s = 10:01:20.
    assert timeline(items) == [
        ("arrived", utc(1, 5, 8, 0, 40), None),
        ("entered_queue", utc(1, 5, 8, 0, 40), None),
        ("abandoned", utc(1, 5, 8, 1, 20), None),
    ]
    (note,) = notes(items)
    assert (note.code, note.column, note.line) == ("negative-vru-time", "vru_time", 2)
    assert "-37 s" in note.reason


def test_service_past_midnight_ends_on_the_next_day_after_ser_time():
    items = parse(
        record(
            vru_entry="23:50:00",
            vru_exit="23:50:10",
            q_start="23:50:10",
            q_exit="23:52:10",
            q_time="120",
            ser_start="23:52:10",
            ser_exit="0:05:10",
            ser_time="780",
        )
    )
    # answered 23:52:10 local = 21:52:10 UTC; + 780 s = 22:05:10 UTC (00:05:10 on 6 January)
    assert timeline(items)[-2:] == [
        ("answered", utc(1, 5, 21, 52, 10), "NOA"),
        ("ended", utc(1, 5, 22, 5, 10), "NOA"),
    ]
    assert [(n.code, n.column) for n in notes(items)] == [("service-past-midnight", "ser_exit")]


def test_queue_wait_across_midnight_puts_the_answer_on_the_next_day():
    items = parse(
        record(
            vru_entry="23:59:20",
            vru_exit="23:59:25",
            vru_time="5",
            q_start="23:59:25",
            q_exit="0:00:05",
            q_time="40",
            ser_start="0:00:05",
            ser_exit="0:01:05",
            ser_time="60",
        )
    )
    # q_exit = 23:59:25 + 40 s = 00:00:05 on 6 January = 22:00:05 UTC on the 5th
    assert timeline(items)[2:] == [
        ("answered", utc(1, 5, 22, 0, 5), "NOA"),
        ("ended", utc(1, 5, 22, 1, 5), "NOA"),
    ]
    assert [(n.code, n.column) for n in notes(items)] == [("queue-past-midnight", "q_exit")]


def test_stage_clock_that_runs_behind_is_a_clock_disagreement_not_a_new_day():
    items = parse(record(ser_start="10:00:10", ser_exit="10:04:10", ser_time="240"))
    # q_exit 10:01:10 − ser_start 10:00:10 = 60 s: within the 60 s tolerance, no note
    assert notes(items) == []
    items = parse(record(ser_start="9:59:10", ser_exit="10:03:10", ser_time="240"))
    # 10:01:10 − 9:59:10 = 120 s behind: answered at the queue exit 10:01:10, same day
    assert timeline(items)[2] == ("answered", utc(1, 5, 8, 1, 10), "NOA")
    (note,) = notes(items)
    assert (note.code, note.column) == ("clock-disagreement", "ser_start")
    assert "120 s before" in note.reason


def test_undocumented_type_is_kept_as_the_queue_and_noted():
    items = parse(record(type="AA"))
    assert {e.queue for e in events(items)} == {"AA"}
    assert [(n.code, n.column) for n in notes(items)] == [("undocumented-type", "type")]


def test_truncated_customer_id_is_no_customer_and_keeps_its_text():
    items = parse(record(customer_id="6.02E+11"))
    assert {e.customer_id for e in events(items)} == {None}
    assert events(items)[0].data["customer_id_text"] == "6.02E+11"
    assert [(n.code, n.column) for n in notes(items)] == [("truncated-customer-id", "customer_id")]


def test_zero_service_time_answers_and_ends_at_once():
    items = parse(record(ser_exit="10:01:09", ser_time="0"))
    assert timeline(items)[2:] == [
        ("answered", utc(1, 5, 8, 1, 10), "NOA"),
        ("ended", utc(1, 5, 8, 1, 10), "NOA"),
    ]
    assert [n.code for n in notes(items)] == ["zero-service-time"]


def test_served_call_without_service_times_is_answered_at_queue_exit():
    # ser_start / ser_exit 0:00:00 with ser_time 0 are "not recorded", not midnight
    items = parse(record(ser_start="0:00:00", ser_exit="0:00:00", ser_time="0"))
    assert timeline(items)[2:] == [
        ("answered", utc(1, 5, 8, 1, 10), "NOA"),
        ("ended", utc(1, 5, 8, 1, 10), "NOA"),
    ]
    assert [n.code for n in notes(items)] == ["zero-service-time"]


def test_served_call_without_server_is_answered_by_no_agent():
    items = parse(record(server="NO_SERVER"))
    assert timeline(items)[2][2] is None
    assert [(n.code, n.column) for n in notes(items)] == [("served-without-server", "server")]


def test_hang_with_service_time_is_an_abandon_and_the_service_is_ignored():
    items = parse(record(outcome="HANG", server="NO_SERVER"))
    assert [t[0] for t in timeline(items)] == ["arrived", "entered_queue", "abandoned"]
    assert [(n.code, n.column) for n in notes(items)] == [("hang-with-service", "ser_time")]


def test_queue_start_at_midnight_with_a_queue_time_is_a_queue_visit():
    items = parse(
        record(
            vru_entry="23:59:54",
            vru_exit="23:59:54",
            vru_time="0",
            q_start="0:00:00",
            q_exit="0:00:26",
            q_time="26",
            ser_start="0:00:26",
            ser_exit="0:01:33",
            ser_time="67",
        )
    )
    # q_start 0:00:00 is 23:59:54 minus ~24 h: the next day, 6 January 00:00:00 = 22:00:00 UTC
    assert timeline(items)[1:3] == [
        ("entered_queue", utc(1, 5, 22, 0, 0), None),
        ("answered", utc(1, 5, 22, 0, 26), "NOA"),
    ]
    assert [(n.code, n.column) for n in notes(items)] == [("queue-past-midnight", "q_start")]


def test_vru_stay_across_midnight_ends_on_the_next_day():
    items = parse(
        record(
            vru_entry="23:59:50",
            vru_exit="0:00:05",
            vru_time="15",
            outcome="HANG",
            **NOT_QUEUED,
            **NOT_SERVED,
        )
    )
    # 23:59:50 local = 21:59:50 UTC; + vru_time 15 s = 22:00:05 UTC (00:00:05 on 6 January)
    assert timeline(items)[-1] == ("ended", utc(1, 5, 22, 0, 5), None)
    assert [(n.code, n.column) for n in notes(items)] == [("vru-past-midnight", "vru_exit")]


def test_negative_queue_time_is_read_as_zero_and_noted():
    items = parse(record(outcome="HANG", q_exit="10:00:00", q_time="-10", **NOT_SERVED))
    assert timeline(items)[-1] == ("abandoned", utc(1, 5, 8, 0, 10), None)
    assert [(n.code, n.column) for n in notes(items)] == [("negative-duration", "q_time")]


# --- time zones --------------------------------------------------------------------------------


def test_summer_readings_are_israel_daylight_time_unlike_a_fixed_offset():
    summer = record(date="990715", **NOT_QUEUED, outcome="HANG", **NOT_SERVED)
    # 10:00 IDT (UTC+3) = 07:00 UTC; a fixed UTC+2 would say 08:00 UTC
    assert events(parse(summer))[0].occurred_at == utc(7, 15, 7, 0)
    fixed = timezone(timedelta(hours=2))
    assert events(parse(summer, tz=fixed))[0].occurred_at == utc(7, 15, 8, 0)


def test_reading_skipped_by_spring_forward_is_read_before_the_change_and_kept():
    items = parse(
        record(
            date="990402",
            vru_entry="2:30:00",
            vru_exit="2:30:10",
            outcome="HANG",
            **NOT_QUEUED,
            **NOT_SERVED,
        )
    )
    # 02:30 does not exist on 2 April 1999 (02:00 → 03:00); with the offset before the change,
    # +02:00, it is 00:30 UTC. The reading is kept in data.local_clock.
    arrived, ended = events(items)
    assert arrived.occurred_at == utc(4, 2, 0, 30)
    assert arrived.data["local_clock"] == "1999-04-02T02:30:00"
    assert ended.occurred_at == utc(4, 2, 0, 30, 10)
    (note,) = notes(items)
    assert (note.code, note.column) == ("nonexistent-local-time", "vru_entry")


def test_reading_repeated_by_fall_back_is_its_first_occurrence():
    items = parse(
        record(
            date="990903",
            vru_entry="1:30:00",
            vru_exit="1:30:10",
            outcome="HANG",
            **NOT_QUEUED,
            **NOT_SERVED,
        )
    )
    # 01:00-01:59 happens twice on 3 September 1999; the first time is IDT, +03:00 → 22:30 UTC
    assert events(items)[0].occurred_at == datetime(1999, 9, 2, 22, 30, tzinfo=UTC)
    assert [n.code for n in notes(items)] == ["ambiguous-local-time"]


# --- lines and files ---------------------------------------------------------------------------


def test_sample_file_yields_an_item_per_line_and_the_missing_day_last():
    with open_text(FIXTURE) as lines:
        items = list(parse_anonymous_bank(lines, tz=ISRAEL))
    kinds = [
        (i.line, "parsed" if isinstance(i, ParsedLine) else f"{i.kind.value}:{i.code}")
        for i in items
    ]
    assert kinds == [
        (1, "parsed"),
        (2, "parsed"),
        (3, "parsed"),
        (4, "parsed"),
        (5, "parsed"),
        (6, "parsed"),
        (7, "skipped:bad-columns"),
        (8, "parsed"),
        (0, "note:missing-day"),
    ]
    assert [e.event_type.value for e in events(items)].count("arrived") == 6
    assert items[-1].reason.startswith("no records for 1999-01-06,")  # type: ignore[union-attr]
    # 990107 0:00:00 local = 6 January 22:00 UTC
    assert events(items)[-2].occurred_at == utc(1, 6, 22, 0)


def test_consecutive_missing_days_are_one_note():
    items = parse(record(date="990101"), record(date="990105"))
    (note,) = notes(items)
    assert (note.line, note.code) == (0, "missing-day")
    assert "1999-01-02 to 1999-01-04 (3 days)" in note.reason


@pytest.mark.parametrize(
    ("changes", "code", "column", "value"),
    [
        ({"q_start": "25:61:00"}, "bad-time", "q_start", "25:61:00"),
        ({"vru_entry": "10.00.00"}, "bad-time", "vru_entry", "10.00.00"),
        ({"date": "991332"}, "bad-date", "date", "991332"),
        ({"vru_time": "ten"}, "bad-number", "vru_time", "ten"),
        ({"outcome": "TRANSFER"}, "unknown-outcome", "outcome", "TRANSFER"),
        ({"call_id": ""}, "missing-field", "call_id", ""),
    ],
)
def test_malformed_record_is_skipped_naming_the_column_and_value(changes, code, column, value):
    items = parse(record(**changes), record(call_id="60002"))
    issue = items[1]
    assert isinstance(issue, LineIssue)
    assert (issue.line, issue.kind, issue.code, issue.column) == (
        2,
        IssueKind.SKIPPED,
        code,
        column,
    )
    assert f"column {column}: {value!r}" in issue.reason
    assert isinstance(items[2], ParsedLine) and items[2].contact_events  # the next line is read


def test_record_with_a_wrong_column_count_is_skipped():
    (issue,) = [i for i in parse("AA0101\t1\t0") if isinstance(i, LineIssue)]
    assert (issue.code, issue.reason) == (
        "bad-columns",
        "17 tab-separated columns expected, found 3",
    )


def test_repeated_header_of_concatenated_files_is_read_as_a_header():
    items = parse(record(), HEADER, record(call_id="60002"))
    assert [type(i).__name__ for i in items] == ["ParsedLine"] * 4
    assert codes(items) == []


def test_header_without_the_needed_columns_is_not_this_format():
    with pytest.raises(ImportFormatError, match=r"lacks q_start, q_exit$"):
        list(
            parse_anonymous_bank(
                [HEADER.replace("q_start", "qs").replace("q_exit", "qe")], tz=ISRAEL
            )
        )
    with pytest.raises(ImportFormatError, match="empty input"):
        list(parse_anonymous_bank([], tz=ISRAEL))


# --- the published files -----------------------------------------------------------------------


@dataclass
class _Summary:
    arrivals: Counter[tuple[str, int]]  # (local date, 6-minute interval) → arrivals
    event_types: Counter[str]
    vru_ends: int  # HANG in the VRU: ended with ended_by customer
    ignored_arrivals: int
    notes: Counter[str]
    missing_day_reasons: list[str]
    first_answer_hours: dict[date, float]  # local hour of each day's first answer after 03:00


def _six_minute_interval(local: datetime) -> int:
    """Interval k holds seconds s with 360(k−1) < s ≤ 360k; s = 0 is in interval 1."""
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return max(1, -(-seconds // 360))


@pytest.fixture(scope="module")
def bank_1999(shared_data: Path) -> _Summary:
    arrivals: Counter[tuple[str, int]] = Counter()
    event_types: Counter[str] = Counter()
    note_codes: Counter[str] = Counter()
    missing: list[str] = []
    first_answer: dict[date, float] = defaultdict(lambda: 24.0)
    vru_ends = ignored = 0
    for path in sorted((shared_data / "anonymous-bank-1999").glob("1999-*.tsv.gz")):
        with open_text(path) as lines:
            for item in parse_anonymous_bank(lines, tz=ISRAEL):
                if isinstance(item, LineIssue):
                    assert item.kind is IssueKind.NOTE, item
                    note_codes[item.code] += 1
                    if item.code == "missing-day":
                        missing.append(item.reason)
                    continue
                for event in item.contact_events:
                    event_types[event.event_type.value] += 1
                    if event.event_type is ContactEventType.ARRIVED:
                        local = event.occurred_at.astimezone(ISRAEL)
                        arrivals[(local.date().isoformat(), _six_minute_interval(local))] += 1
                        ignored += bool(event.data.get("ignore"))
                    elif event.event_type is ContactEventType.ANSWERED:
                        local = event.occurred_at.astimezone(ISRAEL)
                        hour = local.hour + local.minute / 60
                        if hour >= 3:
                            first_answer[local.date()] = min(first_answer[local.date()], hour)
                    elif event.data.get("ended_by") == "customer":
                        vru_ends += 1
    return _Summary(
        arrivals, event_types, vru_ends, ignored, note_codes, missing, dict(first_answer)
    )


def test_arrivals_per_6_minutes_equal_the_published_series_exactly(bank_1999, shared_data):
    """Arrivals, read back from UTC into Asia/Jerusalem, reproduce calls_6min.csv exactly.

    A fixed +02:00 would reproduce them too: no reading of January-August falls in the hour
    skipped on 2 April 1999 (the only call that night is at 01:48) and the repeated hour comes
    on 3 September, so the zone-aware round trip loses nothing (no nonexistent or ambiguous
    reading is reported). Asia/Jerusalem is the right zone because it also gives the right
    instants: see test_agents_start_at_seven_local_in_winter_and_in_summer.
    """
    published: dict[tuple[str, int], int] = {}
    with (shared_data / "anonymous-bank-1999-6min" / "calls_6min.csv").open() as rows:
        for row in csv.DictReader(rows):
            published[(row["date"], int(row["interval"]))] = int(row["calls"])
    assert len(published) == 57_840  # 241 days × 240 intervals, 11 and 12 January at zero
    assert sum(published.values()) == 294_368
    assert set(bank_1999.arrivals) <= set(published)
    differences = {
        key: (count, bank_1999.arrivals.get(key, 0))
        for key, count in published.items()
        if count != bank_1999.arrivals.get(key, 0)
    }
    assert differences == {}
    assert bank_1999.notes["nonexistent-local-time"] == 0
    assert bank_1999.notes["ambiguous-local-time"] == 0


def test_outcome_mix_of_the_events_matches_the_source(bank_1999):
    types = bank_1999.event_types
    assert types["arrived"] == 294_368
    assert types["answered"] == 227_766  # AGENT
    assert types["abandoned"] == 47_310  # HANG after queueing
    assert bank_1999.vru_ends == 16_634  # HANG in the VRU; 47,310 + 16,634 = 63,944 HANG
    assert bank_1999.ignored_arrivals == 2_658  # PHANTOM
    # every call ends once: 227,766 served + 16,634 VRU + 2,658 PHANTOM
    assert types["ended"] == 227_766 + 16_634 + 2_658


def test_every_documented_quirk_is_reported_with_its_count(bank_1999):
    assert bank_1999.notes["negative-vru-time"] == 292
    assert bank_1999.notes["service-past-midnight"] == 199
    assert bank_1999.notes["undocumented-type"] == 4
    assert bank_1999.notes["truncated-customer-id"] == 157
    assert bank_1999.notes["zero-service-time"] == 952
    assert bank_1999.notes["hang-with-service"] == 822
    # the reports this importer adds, as docs/import-csv.md lists them
    assert bank_1999.notes["served-without-server"] == 3_589
    assert bank_1999.notes["queue-past-midnight"] == 56
    assert bank_1999.notes["clock-disagreement"] == 498
    assert bank_1999.notes["vru-past-midnight"] == 0
    assert bank_1999.notes["negative-duration"] == 0
    assert bank_1999.missing_day_reasons == [
        "no records for 1999-01-11 to 1999-01-12 (2 days), between the first day 1999-01-01 "
        "and the last 1999-01-31"
    ]


def test_agents_start_at_seven_local_in_winter_and_in_summer(bank_1999):
    """The center's clock followed Israeli civil time: the first answer of a weekday (Sun-Thu)
    is at ~07:00 local both before and after daylight time began on 2 April 1999. A clock kept
    on standard time would show the summer opening at 06:00, and a fixed +02:00 would then be
    right; it is not, so Asia/Jerusalem gives the true instants."""

    def median_start(first: date, last: date) -> float:
        return statistics.median(
            hour
            for day, hour in bank_1999.first_answer_hours.items()
            if first <= day <= last and day.isoweekday() in (7, 1, 2, 3, 4)
        )

    assert 6.8 < median_start(date(1999, 1, 1), date(1999, 4, 1)) < 7.2
    assert 6.8 < median_start(date(1999, 4, 3), date(1999, 8, 31)) < 7.2
