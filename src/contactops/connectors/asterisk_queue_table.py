"""Asterisk queue_log as a database table exported to CSV: stock realtime and PBXware layouts.

The header says which layout it is:

- **stock** (Asterisk realtime ``queue_log``, see ``ast_queue_log()`` in Asterisk's
  ``main/logger.c``): ``time, callid, queuename, agent, event`` and either one ``data`` column
  (``data1|data2|...``) or ``data1..data5`` (the last holding any remaining ``|`` fields).
  ``time`` is Unix seconds or a ``YYYY-MM-DD HH:MM:SS[.ffffff]`` clock time of the server,
  read in ``tz`` unless it carries its own offset.
- **PBXware** (Bicom's export): ``uid, date_time, callid, queue_name, type, event, param1..3,
  entpos, expos, htime, ttime, time``. ``date_time`` is Unix seconds (UTC); the parameters are
  laid out differently from stock Asterisk: caller-side events carry the caller id in
  ``param1``, wait and talk seconds are in ``htime`` / ``ttime``, positions in ``entpos`` /
  ``expos``, and RINGNOANSWER's ``htime`` is the ring time in ms. PBXware logs a callback agent
  as ``Local/1141@callback-agent`` on ADDMEMBER / REMOVEMEMBER and ``Agent/1141`` everywhere
  else, so in this layout ``Local/NNNN@...`` members are read as ``Agent/NNNN``.

Either way the row is turned into a :class:`QueueLogRecord` and mapped by the one
:class:`QueueLogMapper` of :mod:`contactops.connectors.asterisk_queue_events`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, tzinfo

from contactops.connectors.asterisk_queue_events import (
    QueueLogMapper,
    QueueLogRecord,
    code_or_none,
    stock_params,
)
from contactops.connectors.asterisk_queue_log import parse_epoch
from contactops.connectors.records import ImportFormatError, ImportItem, LineIssue, ParsedLine

STOCK_REQUIRED = ("time", "callid", "queuename", "agent", "event")
PBXWARE_REQUIRED = (
    "date_time",
    "callid",
    "queue_name",
    "type",
    "event",
    "param1",
    "param2",
    "param3",
    "entpos",
    "expos",
    "htime",
    "ttime",
)
_CLOCK_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)?"
)
_LOCAL_AGENT = re.compile(r"Local/([^@/]+)@.*")

_CALLER = ("caller_id", "param1")
_WAIT_EXIT = (_CALLER, ("position", "expos"), ("orig_position", "entpos"), ("wait_s", "htime"))
_COMPLETE = (_CALLER, ("wait_s", "htime"), ("talk_s", "ttime"), ("orig_position", "entpos"))
_TRANSFER = (*_COMPLETE, ("extension", "param2"), ("context", "param3"))
# PBXware: parameter name ← column, per verb. Verbs absent from the published export
# (EXITEMPTY, EXITWITHKEY, WITHDRAW, TRANSFER) are read by analogy with ABANDON / BLINDTRANSFER.
PBXWARE_PARAMS: dict[str, tuple[tuple[str, str], ...]] = {
    "ENTERQUEUE": (_CALLER, ("orig_position", "entpos")),
    "RINGNOANSWER": (_CALLER, ("ring_ms", "htime")),
    "RINGCANCELED": (_CALLER, ("ring_ms", "htime")),
    "CONNECT": (("wait_s", "htime"), ("member_uniqueid", "param2"), ("ring_s", "param3")),
    "COMPLETECALLER": _COMPLETE,
    "COMPLETEAGENT": _COMPLETE,
    "ABANDON": _WAIT_EXIT,
    "EXITWITHTIMEOUT": _WAIT_EXIT,
    "EXITEMPTY": _WAIT_EXIT,
    "EXITWITHKEY": (*_WAIT_EXIT, ("key", "param2")),
    "WITHDRAW": (*_WAIT_EXIT, ("info", "param2")),
    "BLINDTRANSFER": _TRANSFER,
    "TRANSFER": _TRANSFER,
    "ATTENDEDTRANSFER": (*_COMPLETE, ("target", "param2")),
    **dict.fromkeys(
        ("OUTDIAL", "OUTANSWER", "OUTCANCEL", "OUTCHANUNAVAIL", "OUTCONGESTION", "OUTTRANSFER"),
        (("number", "param1"),),
    ),
}

_Row = dict[str, str]
_Record = QueueLogRecord | LineIssue
_ReadRow = Callable[[int, _Row], _Record]


def parse_queue_log_table(lines: Iterable[str], *, tz: tzinfo) -> Iterator[ImportItem]:
    """Read a CSV export of the queue_log table (header first): one item or more per line.

    Raises :class:`ImportFormatError` when the header has neither layout's columns.
    """
    iterator = iter(lines)
    header_line = next(iterator, None)
    if header_line is None or not header_line.strip():
        raise ImportFormatError("line 1: no header; a queue_log table export starts with one")
    delimiter = _delimiter(header_line)
    header = [
        name.strip().lstrip("\ufeff").lower()
        for name in next(csv.reader([header_line], delimiter=delimiter))
    ]
    read_row = _layout(header, tz)
    yield ParsedLine(1)
    mapper = QueueLogMapper()
    reader = csv.reader(iterator, delimiter=delimiter)
    last_line = 1
    for row in reader:
        number, last_line = last_line + 1, 1 + reader.line_num
        if not any(value.strip() for value in row):
            yield ParsedLine(number)
            continue
        if len(row) < len(header):
            missing = header[len(row)]
            yield LineIssue(
                number,
                "missing-field",
                f"{len(row)} column(s) where the header has {len(header)}: "
                f"column {missing} is missing",
                column=missing,
            )
            continue
        record = read_row(number, dict(zip(header, row, strict=False)))
        if isinstance(record, LineIssue):
            yield record
        else:
            yield from mapper.items(record)


def _delimiter(header_line: str) -> str:
    """Comma, unless the header only splits on semicolons or tabs (some database tools)."""
    for candidate in (",", ";", "\t"):
        if candidate in header_line:
            return candidate
    return ","


def _layout(header: list[str], tz: tzinfo) -> _ReadRow:
    columns = set(header)
    if columns.issuperset(PBXWARE_REQUIRED):
        return _pbxware_row
    has_data = "data" in columns or "data1" in columns
    if columns.issuperset(STOCK_REQUIRED) and has_data:
        data_columns = _data_columns(header)
        return lambda number, row: _stock_row(number, row, data_columns, tz)
    stock_missing = [name for name in STOCK_REQUIRED if name not in columns]
    if not has_data:
        stock_missing.append("data (or data1..data5)")
    pbxware_missing = [name for name in PBXWARE_REQUIRED if name not in columns]
    raise ImportFormatError(
        f"line 1: the header ({', '.join(header)}) is not a queue_log table export: "
        f"the Asterisk layout lacks {', '.join(stock_missing)}; "
        f"the PBXware layout lacks {', '.join(pbxware_missing)}"
    )


def _data_columns(header: list[str]) -> list[str]:
    numbered = sorted((int(name[4:]), name) for name in header if re.fullmatch(r"data[1-9]", name))
    return [name for _, name in numbered] if numbered else ["data"]


def _stock_row(number: int, row: _Row, data_columns: list[str], tz: tzinfo) -> _Record:
    occurred_at = table_time(row["time"], tz)
    if occurred_at is None:
        return _bad_time(number, "time", row["time"])
    # Asterisk splits the data into data1..data5 with '|' and leaves the rest in the last one.
    data = [row[name] for name in data_columns[:-1]] + row[data_columns[-1]].split("|")
    verb = row["event"].strip()
    return QueueLogRecord(
        number,
        occurred_at,
        row["callid"].strip(),
        code_or_none(row["queuename"]),
        code_or_none(row["agent"]),
        verb,
        stock_params(verb.upper(), data),
    )


def _pbxware_row(number: int, row: _Row) -> _Record:
    occurred_at = parse_epoch(row["date_time"])
    if occurred_at is None:
        return _bad_time(number, "date_time", row["date_time"])
    verb = row["event"].strip()
    spec = PBXWARE_PARAMS.get(verb.upper())
    if spec is None:  # agent and system verbs: param1..3 are Asterisk's data1..3
        params = stock_params(verb.upper(), [row["param1"], row["param2"], row["param3"]])
    else:
        params = {name: row[column].strip() for name, column in spec if row[column].strip()}
    agent = code_or_none(row["type"])
    if agent is not None:
        agent = _LOCAL_AGENT.sub(r"Agent/\1", agent)
    return QueueLogRecord(
        number,
        occurred_at,
        row["callid"].strip(),
        code_or_none(row["queue_name"]),
        agent,
        verb,
        params,
    )


def _bad_time(number: int, column: str, value: str) -> LineIssue:
    return LineIssue(
        number,
        "bad-time",
        f"column {column}: {value!r} is neither a Unix time nor YYYY-MM-DD HH:MM:SS[.ffffff]",
        column=column,
    )


def table_time(text: str, tz: tzinfo) -> datetime | None:
    """Unix seconds, or a clock time read in ``tz`` (its own offset wins), as aware UTC."""
    epoch = parse_epoch(text)
    if epoch is not None:
        return epoch
    text = text.strip()
    if not _CLOCK_TIME.fullmatch(text):
        return None
    try:
        clock = datetime.fromisoformat(text)
    except ValueError:  # a month 13, a minute 61
        return None
    if clock.tzinfo is None:
        clock = clock.replace(tzinfo=tz)
    return clock.astimezone(UTC)
