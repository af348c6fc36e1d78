"""The queue_log table importer: stock Asterisk realtime and PBXware CSV exports.

Stock layout: Asterisk's realtime ``queue_log`` table (``time, callid, queuename, agent, event``
with ``data`` or ``data1..data5``), as ``ast_queue_log()`` in ``main/logger.c`` stores it and
https://docs.asterisk.org/Operation/Logging/Queue-Logs/ documents the fields. PBXware layout: the
export described in ``pbxware-queue-log-2018/SOURCE.md`` of the shared datasets (param1 = caller
id, wait / talk seconds in htime / ttime, RINGNOANSWER htime in ms). The small fixtures are
written by hand in those layouts; times are 2024-01-01 09:00:00 UTC (1704099600) plus an offset.
"""

from __future__ import annotations

import csv
import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from contactops.connectors.asterisk_queue_log import parse_queue_log
from contactops.connectors.asterisk_queue_table import parse_queue_log_table, table_time
from contactops.connectors.records import (
    ImportFormatError,
    ImportItem,
    IssueKind,
    LineIssue,
    ParsedLine,
)
from contactops.engines.events import AgentState, AgentStateEvent, ContactEvent, EventValue

FIXTURES = Path(__file__).parent / "fixtures" / "asterisk"
T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)  # epoch 1704099600
OSLO = ZoneInfo("Europe/Oslo")  # UTC+1 in January
S = AgentState

Row = tuple[float, str, str, str | None, str | None, dict[str, EventValue]]


def at(offset_s: float) -> datetime:
    return T0 + timedelta(seconds=offset_s)


def read(name: str, tz: ZoneInfo = OSLO) -> list[ImportItem]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as lines:
        return list(parse_queue_log_table(lines, tz=tz))


def contacts(items: Iterable[ImportItem]) -> list[ContactEvent]:
    return [e for item in items if isinstance(item, ParsedLine) for e in item.contact_events]


def rows(items: Iterable[ImportItem]) -> list[Row]:
    """(seconds after T0, contact id, type, agent, customer, data) of every contact event."""
    return [
        (
            (e.occurred_at - T0).total_seconds(),
            e.contact_id,
            e.event_type.value,
            e.agent,
            e.customer_id,
            dict(e.data),
        )
        for e in contacts(items)
    ]


def agent_states(items: Iterable[ImportItem]) -> list[AgentStateEvent]:
    return [e for item in items if isinstance(item, ParsedLine) for e in item.agent_events]


def agent_state(
    offset_s: float, agent: str, state: AgentState, reason: str | None, queue: str | None
) -> AgentStateEvent:
    return AgentStateEvent(at(offset_s), agent, state, reason, queue)


def issues(items: Iterable[ImportItem]) -> list[LineIssue]:
    return [item for item in items if isinstance(item, LineIssue)]


# --- layouts ---------------------------------------------------------------------------------


def test_a_header_of_neither_layout_is_refused_naming_the_missing_columns():
    lines = ["time,callid,queue,agent,event,data1", "1704099600,1.1,q,NONE,ENTERQUEUE,"]
    with pytest.raises(ImportFormatError) as caught:
        list(parse_queue_log_table(lines, tz=UTC))
    message = str(caught.value)
    assert "the Asterisk layout lacks queuename" in message
    assert "the PBXware layout lacks date_time, queue_name, type, param1" in message


def test_an_empty_export_is_refused():
    with pytest.raises(ImportFormatError, match="no header"):
        list(parse_queue_log_table([], tz=UTC))


def test_a_single_data_column_with_epoch_times_imports_exactly_what_the_file_does():
    # queue_log_table_data.csv is calls_answered.queue_log with its fields as columns
    table = read("queue_log_table_data.csv")
    with (FIXTURES / "calls_answered.queue_log").open(encoding="utf-8") as lines:
        file = list(parse_queue_log(lines))
    assert table[0] == ParsedLine(1)  # the header
    assert [item.line for item in table[1:]] == [item.line + 1 for item in file]
    assert [_without_line(item) for item in table[1:]] == [_without_line(item) for item in file]


def _without_line(item: ImportItem) -> object:
    if isinstance(item, ParsedLine):
        return (item.contact_events, item.agent_events)
    return (item.code, item.reason, item.kind, item.column)


def test_data1_to_data5_with_local_clock_times_read_in_the_given_zone():
    items = read("queue_log_table.csv")
    assert rows(items) == [
        # 10:00:00.000000 in Oslo (UTC+1) = 09:00:00 UTC = +0
        (0, "1704099598.10", "arrived", None, "5551234", {"source": "ENTERQUEUE"}),
        (0, "1704099598.10", "entered_queue", None, "5551234",
         {"source": "ENTERQUEUE", "position": 1}),
        # CONNECT at 10:00:22.5 local: answered at +22.5, offered 4 s earlier at +18.5
        (18.5, "1704099598.10", "offered", "Agent/1001", "5551234",
         {"source": "CONNECT", "ring_s": 4.0}),
        (22.5, "1704099598.10", "answered", "Agent/1001", "5551234",
         {"source": "CONNECT", "wait_s": 22.0}),
        # data1..data5 = LINK | Local;1 | Local;2 | 22 | "60|1": Asterisk leaves the remaining
        # fields, joined by '|', in data5, so calltime 60 is read from there
        (82.5, "1704099598.10", "transferred", "Agent/1001", "5551234",
         {"source": "ATTENDEDTRANSFER", "kind": "attended", "via": "LINK",
          "target": "Local/2001@from-internal-00000002;1", "talk_s": 60.0}),
    ]  # fmt: skip
    assert agent_states(items) == [
        # 09:59:50.104512 Oslo = 08:59:50.104512 UTC: 9.895488 s before T0
        agent_state(-9.895488, "Agent/1001", S.READY, None, None),
        agent_state(22.5, "Agent/1001", S.ON_CONTACT, None, "support"),
        agent_state(82.5, "Agent/1001", S.READY, None, "support"),
        # '2024-01-01 09:02:30+00:00' carries its own offset: +150; the stock layout keeps
        # a Local/ member's name as written
        agent_state(150, "Local/2001@from-internal", S.READY, None, "support"),
    ]


def test_bad_time_and_short_rows_are_skipped_naming_the_column():
    assert issues(read("queue_log_table.csv")) == [
        LineIssue(
            6,
            "bad-time",
            "column time: '2024-01-01 25:61:00' is neither a Unix time nor "
            "YYYY-MM-DD HH:MM:SS[.ffffff]",
            column="time",
        ),
        LineIssue(
            7,
            "missing-field",
            "2 column(s) where the header has 11: column callid is missing",
            column="callid",
        ),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1704099600", T0),
        ("1704099600.25", at(0.25)),
        ("2024-01-01 10:00:00", T0),  # Oslo, UTC+1
        ("2024-01-01T10:00:00.5", at(0.5)),
        ("2024-07-01 11:00:00", datetime(2024, 7, 1, 9, 0, tzinfo=UTC)),  # summer, UTC+2
        ("2024-01-01 09:00:00Z", T0),
        ("2024-01-01 12:00:00+03", T0),
        ("2024-01-01", None),
        ("01/01/2024 10:00", None),
        ("2024-02-30 10:00:00", None),
    ],
)
def test_table_times_are_epochs_or_clock_times_of_the_zone(text: str, expected: datetime | None):
    assert table_time(text, OSLO) == expected


def test_semicolon_separated_exports_are_read():
    lines = [
        "time;callid;queuename;agent;event;data",
        "1704099600;1.1;q;NONE;ENTERQUEUE;|555|1",
    ]
    events = contacts(parse_queue_log_table(lines, tz=UTC))
    assert [(e.event_type.value, e.customer_id) for e in events] == [
        ("arrived", "555"),
        ("entered_queue", "555"),
    ]


# --- PBXware ---------------------------------------------------------------------------------


def test_pbxware_layout_reads_its_own_parameter_columns():
    items = read("pbxware_sample.csv")
    assert rows(items) == [
        # ENTERQUEUE: caller id in param1, entry position in entpos
        (200, "1704099790.3", "arrived", None, "CALLER-A", {"source": "ENTERQUEUE"}),
        (200, "1704099790.3", "entered_queue", None, "CALLER-A",
         {"source": "ENTERQUEUE", "position": 1}),
        # RINGNOANSWER: htime 10000 ms → 10 s
        (210, "1704099790.3", "offer_missed", "Agent/2102", "CALLER-A",
         {"source": "RINGNOANSWER", "ring_s": 10.0}),
        # CONNECT: param3 = 7 s ringing, htime = 19 s waited (200 → 219)
        (212, "1704099790.3", "offered", "Agent/2101", "CALLER-A",
         {"source": "CONNECT", "ring_s": 7.0}),
        (219, "1704099790.3", "answered", "Agent/2101", "CALLER-A",
         {"source": "CONNECT", "wait_s": 19.0}),
        # COMPLETECALLER: ttime = 100 s of talk (219 → 319)
        (319, "1704099790.3", "ended", "Agent/2101", "CALLER-A",
         {"source": "COMPLETECALLER", "ended_by": "customer", "talk_s": 100.0}),
        (400, "1704099990.5", "arrived", None, "CALLER-B", {"source": "ENTERQUEUE"}),
        (400, "1704099990.5", "entered_queue", None, "CALLER-B",
         {"source": "ENTERQUEUE", "position": 1}),
        (430, "1704099990.5", "abandoned", None, "CALLER-B", {"source": "ABANDON", "wait_s": 30.0}),
        (500, "1704100095.6", "arrived", None, "CALLER-C", {"source": "ENTERQUEUE"}),
        (500, "1704100095.6", "entered_queue", None, "CALLER-C",
         {"source": "ENTERQUEUE", "position": 1}),
        (500, "1704100095.6", "offered", "Agent/2101", "CALLER-C",
         {"source": "CONNECT", "ring_s": 5.0}),
        (505, "1704100095.6", "answered", "Agent/2101", "CALLER-C",
         {"source": "CONNECT", "wait_s": 5.0}),
        # BLINDTRANSFER: param2 = extension, param3 = context
        (565, "1704100095.6", "transferred", "Agent/2101", "CALLER-C",
         {"source": "BLINDTRANSFER", "kind": "blind", "target": "1142@transfer",
          "talk_s": 60.0}),
    ]  # fmt: skip


def test_pbxware_callback_agent_is_one_agent_under_both_names_with_outbound_calls():
    items = read("pbxware_sample.csv")
    assert agent_states(items) == [
        # ADDMEMBER by Local/2101@callback-agent: read as Agent/2101
        agent_state(10, "Agent/2101", S.READY, None, "IT"),
        # AGENTCALLBACKLOGIN at the same second: already logged in
        agent_state(20, "Agent/2101", S.ON_CONTACT, "outbound", None),  # OUTDIAL
        agent_state(100, "Agent/2101", S.READY, None, None),  # OUTANSWER, logged at hang-up
        agent_state(219, "Agent/2101", S.ON_CONTACT, None, "IT"),
        agent_state(319, "Agent/2101", S.READY, None, "IT"),
        agent_state(505, "Agent/2101", S.ON_CONTACT, None, "IT"),
        agent_state(565, "Agent/2101", S.READY, None, "IT"),
        # REMOVEMEMBER IT leaves the callback login; AGENTCALLBACKLOGOFF ends it
        agent_state(600, "Agent/2101", S.LOGGED_OUT, None, None),
    ]


def test_pbxware_outbound_calls_and_unknown_verbs_are_reported():
    assert issues(read("pbxware_sample.csv")) == [
        LineIssue(
            5,
            "outbound-call",
            "OUTDIAL to 3300: an agent's outbound call, not a queued contact; "
            "no contact events, the agent counted on_contact (outbound)",
            IssueKind.NOTE,
            "event",
        ),
        LineIssue(
            6,
            "outbound-call",
            "OUTANSWER to 3300: an agent's outbound call, not a queued contact; "
            "no contact events, the agent counted on_contact (outbound)",
            IssueKind.NOTE,
            "event",
        ),
        LineIssue(
            18,
            "unknown-event",
            "column event: 'DID' is not a queue_log event this importer knows "
            "(a custom QueueLog() event or a vendor's verb): line skipped",
            column="event",
        ),
    ]


# --- the real PBXware export -----------------------------------------------------------------


@pytest.fixture(scope="module")
def pbxware_2018(shared_data: Path) -> list[ImportItem]:
    path = shared_data / "pbxware-queue-log-2018" / "queue_log.csv"
    with path.open(encoding="utf-8", newline="") as lines:
        return list(parse_queue_log_table(lines, tz=UTC))


def test_real_pbxware_export_accounts_for_every_line(pbxware_2018: list[ImportItem]):
    # 1 header + 1,000 rows
    assert sorted({item.line for item in pbxware_2018}) == list(range(1, 1002))
    assert [i for i in issues(pbxware_2018) if i.kind is IssueKind.SKIPPED] == []


def test_real_pbxware_export_has_108_inbound_calls_and_their_first_exits(
    pbxware_2018: list[ImportItem],
):
    events = contacts(pbxware_2018)
    entered = {e.contact_id for e in events if e.event_type == "entered_queue" and e.queue == "IT"}
    assert len(entered) == 108
    first_exit: dict[str, str] = {}
    for e in events:
        if e.event_type in ("answered", "abandoned", "timed_out", "overflowed"):
            first_exit.setdefault(e.contact_id, e.event_type.value)
    assert Counter(first_exit.values()) == {"answered": 93, "abandoned": 12, "timed_out": 1}
    assert len(entered - first_exit.keys()) == 2  # still queued when the export ends
    # 93 + 12 + 1 + 2 = 108


def test_real_pbxware_completed_answered_calls_waited_40_s_on_average(
    pbxware_2018: list[ImportItem],
):
    queued: dict[str, datetime] = {}
    answered: dict[str, datetime] = {}
    completed: set[str] = set()
    for e in contacts(pbxware_2018):
        if e.event_type == "entered_queue":
            queued[e.contact_id] = e.occurred_at
        elif e.event_type == "answered":
            answered[e.contact_id] = e.occurred_at
        elif e.event_type == "ended":
            completed.add(e.contact_id)
    waits_s = [(answered[c] - queued[c]).total_seconds() for c in completed]
    assert len(waits_s) == 89  # COMPLETECALLER 38 + COMPLETEAGENT 51
    assert round(statistics.mean(waits_s), 1) == 40.0


def test_real_pbxware_outbound_calls_are_noted_once_per_line(
    shared_data: Path, pbxware_2018: list[ImportItem]
):
    path = shared_data / "pbxware-queue-log-2018" / "queue_log.csv"
    with path.open(encoding="utf-8", newline="") as lines:
        verbs = Counter(row["event"] for row in csv.DictReader(lines))
    outbound = sum(n for verb, n in verbs.items() if verb.startswith("OUT"))
    # OUTDIAL 128 + OUTANSWER 77 + OUTCANCEL 24 + OUTCHANUNAVAIL 18 + OUTCONGESTION 9
    # + OUTTRANSFER 1 = 257
    assert outbound == 257
    assert Counter(i.code for i in issues(pbxware_2018)) == {"outbound-call": 257}
    agents = {e.agent for e in agent_states(pbxware_2018)}
    assert agents == {f"Agent/{n}" for n in (1109, 1126, 1127, 1128, 1141, 1144)}
