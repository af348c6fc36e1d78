"""Asterisk queue_log file → canonical contact and agent-state events.

The file ``/var/log/asterisk/queue_log`` holds one line per queue event,
``epoch|callid|queue|agent|EVENT|data1|data2|...`` (epoch seconds, UTC; ``NONE`` where there is
no queue or member). Each line's data fields are named by :func:`stock_params` and mapped by the
one :class:`QueueLogMapper` of :mod:`contactops.connectors.asterisk_queue_events` (the verb table
and its sources are there). The database form (the realtime ``queue_log`` table, PBXware's
export) is read by :mod:`contactops.connectors.asterisk_queue_table`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

from contactops.connectors.asterisk_queue_events import (
    QueueLogMapper,
    QueueLogRecord,
    code_or_none,
    stock_params,
)
from contactops.connectors.records import (
    ImportFormatError,
    ImportItem,
    LineIssue,
    ParsedLine,
    numbered,
)

__all__ = ["parse_queue_log"]

FILE_COLUMNS = ("epoch", "callid", "queue", "agent", "event")
_EPOCH = re.compile(r"\d{1,12}(\.\d+)?")


def parse_epoch(text: str) -> datetime | None:
    """Unix seconds (``1366720340`` or fractional ``1366720340.303267``) as aware UTC, else None."""
    text = text.strip()
    if not _EPOCH.fullmatch(text):
        return None
    whole, _, fraction = text.partition(".")
    micros = round(int((fraction + "000000")[:7]) / 10) if fraction else 0
    return datetime.fromtimestamp(int(whole), UTC) + timedelta(microseconds=micros)


def parse_queue_log(lines: Iterable[str]) -> Iterator[ImportItem]:
    """Read the pipe-delimited queue_log file: one ParsedLine or LineIssue(s) per line."""
    mapper = QueueLogMapper()
    first = True
    for number, text in numbered(iter(lines)):
        if not text.strip():
            yield ParsedLine(number)
            continue
        fields = text.split("|")
        if first and len(fields) < len(FILE_COLUMNS) and "," in text:
            raise ImportFormatError(
                f"line {number} is not pipe-delimited queue_log ({text[:60]!r}); "
                "a CSV export of the queue_log table is read by the table importer"
            )
        first = False
        if len(fields) < len(FILE_COLUMNS):
            missing = FILE_COLUMNS[len(fields)]
            yield LineIssue(
                number,
                "missing-field",
                f"{len(fields)} field(s) where queue_log has at least 5 "
                f"(epoch|callid|queue|agent|event): column {missing} is missing",
                column=missing,
            )
            continue
        occurred_at = parse_epoch(fields[0])
        if occurred_at is None:
            yield LineIssue(
                number,
                "bad-time",
                f"column epoch: {fields[0]!r} is not a Unix time in seconds",
                column="epoch",
            )
            continue
        verb = fields[4].strip()
        record = QueueLogRecord(
            number,
            occurred_at,
            fields[1].strip(),
            code_or_none(fields[2]),
            code_or_none(fields[3]),
            verb,
            stock_params(verb.upper(), fields[5:]),
        )
        yield from mapper.items(record)
