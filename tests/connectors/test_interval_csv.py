"""Interval volume history (WFM exports) → IntervalVolume records in UTC.

New York is UTC−5 in winter (EST) and UTC−4 in summer (EDT). In 2003 daylight time began on
6 April (02:00 → 03:00) and ended on 26 October (02:00 → 01:00).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from contactops.connectors.interval_csv import parse_interval_csv
from contactops.connectors.records import (
    ImportFormatError,
    ImportItem,
    LineIssue,
    ParsedLine,
    open_text,
)
from contactops.engines.events import IntervalVolume

NEW_YORK = ZoneInfo("America/New_York")
FIXTURES = Path(__file__).parent / "fixtures" / "csv"


def read(name: str, **options: object) -> list[ImportItem]:
    with open_text(FIXTURES / name) as lines:
        return list(parse_interval_csv(lines, tz=NEW_YORK, **options))  # type: ignore[arg-type]


def parse(*lines: str, **options: object) -> list[ImportItem]:
    return list(parse_interval_csv(list(lines), tz=NEW_YORK, **options))  # type: ignore[arg-type]


def volumes(items: Iterable[ImportItem]) -> list[IntervalVolume]:
    return [v for item in items if isinstance(item, ParsedLine) for v in item.intervals]


def issues(items: Iterable[ImportItem]) -> list[tuple[int, str, str, str | None]]:
    return [(i.line, i.kind.value, i.code, i.column) for i in items if isinstance(i, LineIssue)]


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_rows_become_volumes_per_queue_in_utc_with_bad_rows_skipped():
    items = read("intervals_two_queues.csv")
    # 08:00 EST = 13:00 UTC; billing's 08:40 row is off the inferred 15-minute grid
    assert volumes(items) == [
        IntervalVolume("billing", utc(2024, 1, 15, 13, 0), 15, 12, 11, 1, 240.5),
        IntervalVolume("billing", utc(2024, 1, 15, 13, 15), 15, 20, 18, 2, 200.0),
        IntervalVolume("sales", utc(2024, 1, 15, 13, 0), 15, 5, 5, 0, None),
        IntervalVolume("sales", utc(2024, 1, 15, 13, 15), 15, 7, None, None, None),
    ]
    assert issues(items) == [
        (6, "skipped", "negative-count", "Offered"),
        (7, "skipped", "off-grid", "Interval Start"),
        (8, "skipped", "bad-number", "Offered"),
        (9, "skipped", "bad-time", "Interval Start"),
        (10, "skipped", "bad-columns", None),
        (0, "note", "interval-inferred", None),
    ]


def test_skipped_rows_say_why_naming_column_and_value():
    reasons = {
        i.line: i.reason for i in read("intervals_two_queues.csv") if isinstance(i, LineIssue)
    }
    assert reasons[6] == "column Offered: '-3' is negative"
    assert reasons[7] == (
        "column Interval Start: 2024-01-15 08:40:00 is not on the 15-minute grid of the day"
    )
    assert reasons[8] == "column Offered: 'nine' is not a number"
    assert reasons[9] == "column Interval Start: '2024-01-15 25:00' is not an ISO 8601 date-time"
    assert reasons[10] == "6 columns expected (as in the header), found 5"


def test_inferred_interval_is_reported_with_the_gaps_that_decided_it():
    note = read("intervals_two_queues.csv")[-1]
    # billing read 08:00, 08:15, 08:40 (gaps 15, 25); sales 08:00, 08:15 (gap 15): 15 wins 2 of 3
    assert isinstance(note, LineIssue)
    assert note.reason == (
        "15-minute intervals, inferred from the most common gap between consecutive starts "
        "of a queue (2 of 3 gaps)"
    )


def test_date_and_time_columns_semicolons_and_the_queue_argument():
    items = read("intervals_date_time.csv", queue="bank")
    # 07:00 EST = 12:00 UTC; "Calls" is the volume, "Answered" the handled count
    assert volumes(items) == [
        IntervalVolume("bank", utc(2003, 3, 3, 12, 0), 5, 111, 100),
        IntervalVolume("bank", utc(2003, 3, 3, 12, 5), 5, 113, 110),
        IntervalVolume("bank", utc(2003, 3, 3, 12, 10), 5, 76, 76),
    ]


@pytest.mark.parametrize(
    "header",
    [
        "queue,start,calls,handled,abandoned,aht",
        "QUEUE,Interval_Start,Offered,Answered,Abandoned,AHT_S",
        "Queue,DateTime,Volume,Handled,Abandoned,Handle Time S",
        "queue,timestamp,contacts,handled,abandoned,handle_time_s",
        "queue\tstart\tcalls\thandled\tabandoned\taht",
        "queue|start|calls|handled|abandoned|aht",
    ],
)
def test_header_names_and_delimiters_are_recognised(header):
    delimiter = next(d for d in ",\t|" if d in header)
    row = delimiter.join(["care", "2024-01-15T09:00", "4", "3", "1", "300"])
    items = parse(header, row, interval_minutes=30)
    assert volumes(items) == [IntervalVolume("care", utc(2024, 1, 15, 14), 30, 4, 3, 1, 300.0)]


def test_empty_queue_cell_takes_the_queue_argument():
    items = parse("queue,start,calls", ",2024-01-15 09:00,4", interval_minutes=60, queue="care")
    assert volumes(items)[0].queue == "care"
    (issue,) = issues(parse("queue,start,calls", ",2024-01-15 09:00,4", interval_minutes=60))
    assert issue == (2, "skipped", "missing-field", "queue")


def test_whole_counts_written_as_decimals_are_accepted_fractions_are_not():
    items = parse(
        "start,calls",
        "2024-01-15 09:00,12.0",
        "2024-01-15 10:00,12.5",
        queue="q",
        interval_minutes=60,
    )
    assert [v.offered for v in volumes(items)] == [12]
    assert [i.reason for i in items if isinstance(i, LineIssue)] == [
        "column calls: '12.5' is not a whole count"
    ]


def test_interval_argument_wins_and_sets_the_grid():
    items = parse(
        "start,calls", "2024-01-15 09:00,1", "2024-01-15 09:10,1", queue="q", interval_minutes=15
    )
    assert [v.interval_minutes for v in volumes(items)] == [15]
    assert issues(items) == [(3, "skipped", "off-grid", "start")]


def test_start_written_with_an_offset_keeps_that_offset():
    items = parse("start,calls", "2024-07-01T09:00+02:00,3", queue="q", interval_minutes=60)
    assert volumes(items)[0].interval_start == utc(2024, 7, 1, 7)


def test_interval_that_spring_forward_skips_is_not_imported():
    items = parse(
        "start,calls",
        "2003-04-06 01:30,2",
        "2003-04-06 02:00,9",
        "2003-04-06 02:30,9",
        "2003-04-06 03:00,4",
        queue="q",
    )
    # 01:30 EST = 06:30 UTC; 03:00 EDT = 07:00 UTC; 02:00 and 02:30 never happened
    assert [(v.interval_start, v.offered) for v in volumes(items)] == [
        (utc(2003, 4, 6, 6, 30), 2),
        (utc(2003, 4, 6, 7, 0), 4),
    ]
    assert [i[:3] for i in issues(items)] == [
        (3, "skipped", "nonexistent-local-time"),
        (4, "skipped", "nonexistent-local-time"),
        (0, "note", "interval-inferred"),
    ]


def test_hour_repeated_by_fall_back_is_read_first_then_second_occurrence():
    items = parse(
        "start,calls",
        "2003-10-26 00:30,1",
        "2003-10-26 01:00,2",
        "2003-10-26 01:30,3",
        "2003-10-26 01:00,4",
        "2003-10-26 01:30,5",
        "2003-10-26 02:00,6",
        "2003-10-26 01:30,7",
        queue="q",
    )
    # 00:30 EDT = 04:30 UTC; 01:00 and 01:30 first as EDT (−4), then as EST (−5)
    assert [(v.interval_start, v.offered) for v in volumes(items)] == [
        (utc(2003, 10, 26, 4, 30), 1),
        (utc(2003, 10, 26, 5, 0), 2),
        (utc(2003, 10, 26, 5, 30), 3),
        (utc(2003, 10, 26, 6, 0), 4),
        (utc(2003, 10, 26, 6, 30), 5),
        (utc(2003, 10, 26, 7, 0), 6),
    ]
    assert [i[:3] for i in issues(items)] == [
        (3, "note", "ambiguous-local-time"),
        (4, "note", "ambiguous-local-time"),
        (5, "note", "ambiguous-local-time"),
        (6, "note", "ambiguous-local-time"),
        (8, "skipped", "duplicate-interval"),  # a third 01:30
        (0, "note", "interval-inferred"),
    ]
    second = next(i for i in items if isinstance(i, LineIssue) and i.line == 5)
    assert "read as its second occurrence" in second.reason


def test_header_without_start_volume_or_queue_names_what_is_missing():
    with pytest.raises(ImportFormatError) as error:
        parse("when,how_many")
    assert str(error.value) == (
        "not an interval volume file: the header lacks an interval start (start, "
        "interval_start, datetime, timestamp, or date and time); a volume (calls, offered, "
        "volume, contacts); a queue column (or pass the queue)"
    )
    with pytest.raises(ImportFormatError, match="empty input"):
        parse()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["2024-01-15 09:00,1"], "no queue has two starts"),
        (["2024-01-15 09:00,1", "2024-01-15 09:07,1"], "the most common gap, 7 minutes"),
    ],
)
def test_interval_that_cannot_be_inferred_asks_for_the_argument(rows, message):
    with pytest.raises(ImportFormatError, match=message):
        parse("start,calls", *rows, queue="q")


def test_interval_argument_must_divide_a_day():
    with pytest.raises(ValueError, match="must divide a day, got 7"):
        parse("start,calls", queue="q", interval_minutes=7)


def test_bank_calls_2003_import_whole_in_5_minute_intervals(shared_data: Path):
    path = shared_data / "bank-calls-2003" / "calls_5min.csv"
    with path.open(newline="") as rows:
        file_total = sum(int(row["calls"]) for row in csv.DictReader(rows))
    with open_text(path) as lines:
        items = list(parse_interval_csv(lines, tz=NEW_YORK, queue="bank"))
    imported = volumes(items)
    assert len(imported) == 21_294
    assert {v.interval_minutes for v in imported} == {5}
    assert sum(v.offered for v in imported) == file_total
    # 2003-03-03 07:00 EST (UTC−5) and 2003-08-29 21:00 EDT (UTC−4)
    assert imported[0].interval_start == utc(2003, 3, 3, 12, 0)
    assert imported[-1].interval_start == utc(2003, 8, 30, 1, 0)
    assert [(i.line, i.code) for i in items if isinstance(i, LineIssue)] == [
        (0, "interval-inferred")
    ]
