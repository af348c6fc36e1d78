"""The queue_log file importer: every Asterisk verb to exact canonical events.

The fixtures under ``fixtures/asterisk/`` are written by hand from Asterisk's documentation of
each event and its fields (https://docs.asterisk.org/Operation/Logging/Queue-Logs/) and the
``ast_queue_log()`` calls of ``apps/app_queue.c``: RINGNOANSWER / RINGCANCELED carry the ring
time in milliseconds, CONNECT is ``holdtime|bridged uniqueid|ringtime`` (seconds),
COMPLETE* ``holdtime|calltime|origposition``, ABANDON / EXITEMPTY / EXITWITHTIMEOUT
``position|origposition|waittime``, EXITWITHKEY ``key|position|origposition|waittime``,
WITHDRAW ``...|waittime|info``, BLINDTRANSFER / TRANSFER ``extension|context|holdtime|calltime|
origposition``, ATTENDEDTRANSFER ``BRIDGE|bridge`` / ``APP|application`` / ``LINK|chan|chan`` then
``holdtime|calltime|origposition``. Every time is 2024-01-01 09:00:00 UTC (epoch 1704099600)
plus the offset written beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contactops.connectors.asterisk_queue_events import stock_params
from contactops.connectors.asterisk_queue_log import parse_epoch, parse_queue_log
from contactops.connectors.records import (
    ImportFormatError,
    ImportItem,
    IssueKind,
    LineIssue,
    ParsedLine,
)
from contactops.engines.events import (
    AgentState,
    AgentStateEvent,
    Channel,
    ContactEvent,
    ContactEventType,
    EventValue,
)

FIXTURES = Path(__file__).parent / "fixtures" / "asterisk"
T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)  # epoch 1704099600
S = AgentState

# A contact event as (seconds after T0, type, queue, agent, customer, data); contact id and
# channel are checked apart.
Row = tuple[float, str, str | None, str | None, str | None, dict[str, EventValue]]


def at(offset_s: float) -> datetime:
    return T0 + timedelta(seconds=offset_s)


def read(name: str) -> list[ImportItem]:
    with (FIXTURES / name).open(encoding="utf-8") as lines:
        return list(parse_queue_log(lines))


def contacts(items: Iterable[ImportItem]) -> list[ContactEvent]:
    events = [e for item in items if isinstance(item, ParsedLine) for e in item.contact_events]
    assert all(e.channel is Channel.PHONE for e in events)
    return events


def rows(items: Iterable[ImportItem], callid: str) -> list[Row]:
    return [
        (
            (e.occurred_at - T0).total_seconds(),
            e.event_type.value,
            e.queue,
            e.agent,
            e.customer_id,
            dict(e.data),
        )
        for e in contacts(items)
        if e.contact_id == callid
    ]


def agent_states(items: Iterable[ImportItem], agent: str | None = None) -> list[AgentStateEvent]:
    return [
        event
        for item in items
        if isinstance(item, ParsedLine)
        for event in item.agent_events
        if agent is None or event.agent == agent
    ]


def agent_state(
    offset_s: float, agent: str, state: AgentState, reason: str | None, queue: str | None
) -> AgentStateEvent:
    return AgentStateEvent(at(offset_s), agent, state, reason, queue)


def issues(items: Iterable[ImportItem]) -> list[LineIssue]:
    return [item for item in items if isinstance(item, LineIssue)]


# --- answered calls --------------------------------------------------------------------------


def test_ring_no_answer_then_answer_by_another_agent():
    items = read("calls_answered.queue_log")
    assert rows(items, "1704099598.10") == [
        (0, "arrived", "support", None, "5551234", {"source": "ENTERQUEUE"}),
        (0, "entered_queue", "support", None, "5551234", {"source": "ENTERQUEUE", "position": 1}),
        # RINGNOANSWER|15000: 15000 ms / 1000 = 15 s of ringing at SIP/100
        (15, "offer_missed", "support", "SIP/100", "5551234",
         {"source": "RINGNOANSWER", "ring_s": 15.0}),
        # CONNECT|22|1704099618.11|4 at +22: offered at 22 − 4 = +18, answered at +22
        (18, "offered", "support", "Agent/1001", "5551234", {"source": "CONNECT", "ring_s": 4.0}),
        (22, "answered", "support", "Agent/1001", "5551234", {"source": "CONNECT", "wait_s": 22.0}),
        # COMPLETECALLER|22|120|1 at +142 = 22 s answer + 120 s talk
        (142, "ended", "support", "Agent/1001", "5551234",
         {"source": "COMPLETECALLER", "ended_by": "customer", "talk_s": 120.0}),
    ]  # fmt: skip


def test_a_call_requeued_after_a_timeout_arrives_once_and_keeps_its_caller():
    items = read("calls_answered.queue_log")
    assert rows(items, "1704099699.20") == [
        (100, "arrived", "support", None, "5559876", {"source": "ENTERQUEUE"}),
        (100, "entered_queue", "support", None, "5559876", {"source": "ENTERQUEUE", "position": 1}),
        # EXITWITHTIMEOUT|1|1|60 at 100 + 60
        (160, "timed_out", "support", None, "5559876",
         {"source": "EXITWITHTIMEOUT", "wait_s": 60.0}),
        # the same callid enters a second queue: no second arrival
        (161, "entered_queue", "sales", None, "5559876", {"source": "ENTERQUEUE", "position": 1}),
        # CONNECT|9|...|2 at +170: offered at 170 − 2; waited 170 − 161 = 9 s in sales
        (168, "offered", "sales", "SIP/100", "5559876", {"source": "CONNECT", "ring_s": 2.0}),
        (170, "answered", "sales", "SIP/100", "5559876", {"source": "CONNECT", "wait_s": 9.0}),
        (290, "ended", "sales", "SIP/100", "5559876",
         {"source": "COMPLETEAGENT", "ended_by": "agent", "talk_s": 120.0}),
    ]  # fmt: skip


def test_a_callid_quiet_for_a_day_is_forgotten_and_arrives_again():
    lines = [
        "1704099600|9.9|support|NONE|ENTERQUEUE||555|1",
        "1704099660|9.9|support|NONE|ABANDON|1|1|60",
        "1704186000|9.9|support|NONE|ENTERQUEUE||555|1",  # +86,400 s = 24 h after line 1
        "1704186060|9.9|support|NONE|ABANDON|1|1|60",
        "1704186061|1.1|support|NONE|ENTERQUEUE||777|1",  # 24 h + 1 s after line 2's last sight
    ]
    arrivals = [
        (e.contact_id, e.customer_id, (e.occurred_at - T0).total_seconds())
        for e in contacts(parse_queue_log(lines))
        if e.event_type is ContactEventType.ARRIVED
    ]
    # line 3 comes 86,340 s after the call was last seen (line 2, +60): still the same call
    assert arrivals == [("9.9", "555", 0), ("1.1", "777", 86461)]


def test_an_answering_agent_is_on_contact_from_connect_to_completion():
    items = read("calls_answered.queue_log")
    assert agent_states(items) == [
        agent_state(22, "Agent/1001", S.ON_CONTACT, None, "support"),
        agent_state(142, "Agent/1001", S.READY, None, "support"),
        agent_state(170, "SIP/100", S.ON_CONTACT, None, "sales"),
        agent_state(290, "SIP/100", S.READY, None, "sales"),
    ]
    assert issues(items) == []


# --- unanswered calls ------------------------------------------------------------------------


def test_abandon_and_a_cancelled_ring():
    items = read("calls_unanswered.queue_log")
    assert rows(items, "1704099600.30")[2:] == [  # ABANDON|1|1|45
        (45, "abandoned", "support", None, "5550001", {"source": "ABANDON", "wait_s": 45.0}),
    ]
    # RINGCANCELED|7500: the caller hung up after 7.5 s of ringing SIP/100, then ABANDON|1|1|8
    assert rows(items, "1704099700.31")[2:] == [
        (108, "offer_missed", "support", "SIP/100", "5550002",
         {"source": "RINGCANCELED", "ring_s": 7.5, "reason": "canceled"}),
        (108, "abandoned", "support", None, "5550002", {"source": "ABANDON", "wait_s": 8.0}),
    ]  # fmt: skip
    assert agent_states(items) == []  # a cancelled ring leaves the member as it was


def test_exit_empty_exit_with_key_and_withdraw_overflow_with_their_reason():
    items = read("calls_unanswered.queue_log")
    assert rows(items, "1704099800.32")[2:] == [  # EXITEMPTY|1|1|30
        (230, "overflowed", "support", None, "5550003",
         {"source": "EXITEMPTY", "reason": "empty", "wait_s": 30.0}),
    ]  # fmt: skip
    assert rows(items, "1704099900.33")[2:] == [  # EXITWITHKEY|5|2|2|20: key 5 pressed
        (320, "overflowed", "support", None, "5550004",
         {"source": "EXITWITHKEY", "reason": "key", "target": "5", "wait_s": 20.0}),
    ]  # fmt: skip
    assert rows(items, "1704100000.34")[2:] == [  # WITHDRAW|1|1|12|callback requested
        (412, "overflowed", "support", None, "5550005",
         {"source": "WITHDRAW", "reason": "withdraw", "wait_s": 12.0,
          "info": "callback requested"}),
    ]  # fmt: skip


def test_every_call_arrives_once_and_enters_the_queue_at_its_origposition():
    events = contacts(read("calls_unanswered.queue_log"))
    entries = [e for e in events if e.event_type is ContactEventType.ENTERED_QUEUE]
    arrivals = [e for e in events if e.event_type is ContactEventType.ARRIVED]
    assert [e.data["position"] for e in entries] == [1, 1, 1, 2, 1]
    assert [(a.contact_id, a.occurred_at) for a in arrivals] == [
        (e.contact_id, e.occurred_at) for e in entries
    ]


# --- transfers -------------------------------------------------------------------------------


def test_blind_and_attended_transfers_name_kind_and_target():
    items = read("calls_transferred.queue_log")
    transfers = [
        (e.contact_id, e.agent, dict(e.data))
        for e in contacts(items)
        if e.event_type is ContactEventType.TRANSFERRED
    ]
    assert transfers == [
        # BLINDTRANSFER|2000|from-internal|6|60|1
        ("1704099600.40", "SIP/100", {"source": "BLINDTRANSFER", "kind": "blind",
                                      "target": "2000@from-internal", "talk_s": 60.0}),
        # ATTENDEDTRANSFER|BRIDGE|<bridge id>|3|60|1: a bridge merge
        ("1704099700.42", "SIP/101", {"source": "ATTENDEDTRANSFER", "kind": "attended",
                                      "via": "BRIDGE",
                                      "target": "5d4b1d2e-1111-4c2a-9a1e-0d7c2f6c0a01",
                                      "talk_s": 60.0}),
        # ATTENDEDTRANSFER|APP|VoiceMail|4|30|1: an application run on the bridge
        ("1704099800.44", "SIP/100", {"source": "ATTENDEDTRANSFER", "kind": "attended",
                                      "via": "APP", "target": "VoiceMail", "talk_s": 30.0}),
        # ATTENDEDTRANSFER|LINK|<Local;1>|<Local;2>|5|60|1: bridges linked by a Local pair
        ("1704099900.46", "SIP/101", {"source": "ATTENDEDTRANSFER", "kind": "attended",
                                      "via": "LINK",
                                      "target": "Local/2001@from-internal-00000001;1",
                                      "talk_s": 60.0}),
        # TRANSFER|3000|from-internal|2|30|1: what releases before 12 wrote
        ("1704100000.48", "SIP/100", {"source": "TRANSFER", "kind": "blind",
                                      "target": "3000@from-internal", "talk_s": 30.0}),
    ]  # fmt: skip
    # a transfer hands the call off at the transfer line's own time: +66 = answered +6 + talk 60
    assert rows(items, "1704099600.40")[-1][0] == 66
    assert not [e for e in contacts(items) if e.event_type is ContactEventType.ENDED]


def test_a_transfer_ends_the_agents_call():
    items = read("calls_transferred.queue_log")
    assert agent_states(items, "SIP/100")[:2] == [
        agent_state(6, "SIP/100", S.ON_CONTACT, None, "support"),
        agent_state(66, "SIP/100", S.READY, None, "support"),
    ]


# --- agents ----------------------------------------------------------------------------------


def test_agent_logins_pauses_and_logoffs():
    items = read("agents.queue_log")
    assert agent_states(items) == [
        agent_state(1, "SIP/100", S.READY, None, "support"),  # ADDMEMBER support
        # line 3, ADDMEMBER sales: already logged in, nothing new
        agent_state(10, "Agent/1001", S.READY, None, None),  # AGENTLOGIN
        agent_state(20, "SIP/100", S.NOT_READY, "Lunch", "support"),  # PAUSE|Lunch
        agent_state(80, "SIP/100", S.READY, None, "support"),  # UNPAUSE
        # PAUSEALL at +100 and the PAUSE per queue Asterisk writes after it: one change
        agent_state(100, "SIP/100", S.NOT_READY, None, None),
        agent_state(160, "SIP/100", S.READY, None, None),  # UNPAUSEALL (+ UNPAUSE per queue)
        agent_state(205, "SIP/100", S.ON_CONTACT, None, "support"),  # CONNECT
        # PAUSE|Wrap-up at +230 during the call changes nothing until the call ends at +300
        agent_state(300, "SIP/100", S.NOT_READY, "Wrap-up", "support"),
        agent_state(360, "SIP/100", S.READY, None, "support"),  # UNPAUSE
        # REMOVEMEMBER support at +400: still a member of sales
        agent_state(405, "SIP/100", S.LOGGED_OUT, None, "sales"),  # the last queue goes
        agent_state(410, "Agent/1001", S.LOGGED_OUT, None, None),  # AGENTLOGOFF
        agent_state(420, "Agent/1002", S.READY, None, None),  # AGENTCALLBACKLOGIN
        agent_state(480, "Agent/1002", S.LOGGED_OUT, None, None),  # AGENTCALLBACKLOGOFF
    ]
    assert issues(items) == []


def test_a_pause_holds_per_queue_until_each_is_lifted():
    lines = [
        "1704099600|MANAGER|support|SIP/7|ADDMEMBER|PAUSED",  # added paused: not ready
        "1704099601|MANAGER|sales|SIP/7|ADDMEMBER|",
        "1704099610|NONE|support|SIP/7|UNPAUSE|",
        "1704099620|NONE|support|SIP/7|PAUSE|Training",
        "1704099630|NONE|sales|SIP/7|PAUSE|Lunch",  # the latest pause gives the reason
        "1704099640|NONE|sales|SIP/7|UNPAUSE|",  # still paused in support
        "1704099650|NONE|support|SIP/7|UNPAUSE|",
        "1704099660|NONE|NONE|SIP/7|PAUSEALL|Meeting",
        "1704099670|NONE|sales|SIP/7|UNPAUSE|",  # lifts sales and the all-queue pause
    ]
    assert agent_states(parse_queue_log(lines)) == [
        agent_state(0, "SIP/7", S.NOT_READY, None, "support"),
        agent_state(10, "SIP/7", S.READY, None, "support"),
        agent_state(20, "SIP/7", S.NOT_READY, "Training", "support"),
        agent_state(30, "SIP/7", S.NOT_READY, "Lunch", "sales"),
        agent_state(40, "SIP/7", S.NOT_READY, "Training", "sales"),
        agent_state(50, "SIP/7", S.READY, None, "support"),
        agent_state(60, "SIP/7", S.NOT_READY, "Meeting", None),
        agent_state(70, "SIP/7", S.READY, None, "sales"),
    ]


def test_agent_events_of_a_line_without_an_agent_are_reported():
    items = list(parse_queue_log(["1704099600|NONE|support|NONE|PAUSE|Lunch"]))
    assert items == [
        LineIssue(
            1, "missing-field", "column agent: PAUSE needs one, the line has none", column="agent"
        ),
    ]


def test_a_call_event_without_a_callid_is_reported():
    items = list(parse_queue_log(["1704099600|NONE|support|NONE|ABANDON|1|1|5"]))
    assert items == [
        LineIssue(
            1,
            "missing-field",
            "column callid: ABANDON needs one, the line has none",
            column="callid",
        )
    ]


def test_the_end_of_a_call_after_a_logoff_does_not_log_the_agent_back_in():
    items = list(
        parse_queue_log(
            [
                "1704099600|1.1|q|NONE|ENTERQUEUE||555|1",
                "1704099605|1.1|q|SIP/7|CONNECT|5|1.2|1",
                "1704099610|MANAGER|q|SIP/7|REMOVEMEMBER|",
                "1704099620|1.1|q|SIP/7|COMPLETECALLER|5|15|1",
            ]
        )
    )
    assert [(e.occurred_at, e.state) for e in agent_states(items)] == [
        (at(5), S.ON_CONTACT),
        (at(10), S.LOGGED_OUT),
    ]


# --- system events, custom events, bad lines -------------------------------------------------


def test_system_events_import_nothing_and_every_line_is_accounted_for():
    items = read("mixed_with_bad_lines.queue_log")
    assert sorted({item.line for item in items}) == list(range(1, 16))
    # QUEUESTART CONFIGRELOAD PENALTY RINGINUSE, AGENTDUMP SYSCOMPAT, and the blank line 11
    for line in [1, 2, 3, 4, 9, 10, 11]:
        assert [item for item in items if item.line == line] == [ParsedLine(line)]


def test_custom_events_and_malformed_lines_are_skipped_naming_the_column_and_value():
    items = read("mixed_with_bad_lines.queue_log")
    assert issues(items) == [
        LineIssue(
            6,
            "unknown-event",
            "column event: 'VIPCALLER' is not a queue_log event this importer knows "
            "(a custom QueueLog() event or a vendor's verb): line skipped",
            column="event",
        ),
        LineIssue(
            7,
            "missing-field",
            "3 field(s) where queue_log has at least 5 (epoch|callid|queue|agent|event): "
            "column agent is missing",
            column="agent",
        ),
        LineIssue(
            8,
            "bad-time",
            "column epoch: 'not-a-time' is not a Unix time in seconds",
            column="epoch",
        ),
        LineIssue(
            14,
            "bad-field",
            "ring_ms 'abc' is not a number: imported without it",
            IssueKind.NOTE,
            "ring_ms",
        ),
    ]


def test_lines_after_a_malformed_line_are_still_imported_with_fractional_epochs():
    items = read("mixed_with_bad_lines.queue_log")
    assert rows(items, "1704099610.50") == [
        # 1704099610.250000 → +10.25 s
        (10.25, "arrived", "support", None, "5550201", {"source": "ENTERQUEUE"}),
        (10.25, "entered_queue", "support", None, "5550201",
         {"source": "ENTERQUEUE", "position": 1}),
        # line 12, after the bad lines 6–8: 1704099618.75 → +18.75 s
        (18.75, "abandoned", "support", None, "5550201", {"source": "ABANDON", "wait_s": 8.0}),
    ]  # fmt: skip


def test_a_call_open_at_the_end_of_the_log_gets_no_invented_events():
    items = read("mixed_with_bad_lines.queue_log")
    assert [(row[1], row[5]) for row in rows(items, "1704099620.51")] == [
        ("arrived", {"source": "ENTERQUEUE"}),
        ("entered_queue", {"source": "ENTERQUEUE", "position": 1}),
        ("offer_missed", {"source": "RINGNOANSWER"}),  # ring time 'abc': kept without ring_s
        ("offer_missed", {"source": "RINGNOANSWER", "ring_s": 10.0}),
    ]


def test_a_csv_export_given_as_a_queue_log_file_is_refused_as_a_whole():
    lines = ["time,callid,queuename,agent,event,data", "1704099600,1.1,q,NONE,ENTERQUEUE,|5|1"]
    with pytest.raises(ImportFormatError, match="table importer"):
        list(parse_queue_log(lines))


def test_the_fixtures_cover_every_verb_of_the_asterisk_reference_table():
    verbs = set()
    for path in FIXTURES.glob("*.queue_log"):
        for line in path.read_text(encoding="utf-8").splitlines():
            fields = line.split("|")
            if len(fields) > 4:
                verbs.add(fields[4])
    assert verbs >= {
        "ENTERQUEUE", "RINGNOANSWER", "RINGCANCELED", "CONNECT", "COMPLETECALLER",
        "COMPLETEAGENT", "ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY", "WITHDRAW",
        "BLINDTRANSFER", "ATTENDEDTRANSFER", "TRANSFER", "AGENTLOGIN", "AGENTLOGOFF",
        "AGENTCALLBACKLOGIN", "AGENTCALLBACKLOGOFF", "ADDMEMBER", "REMOVEMEMBER", "PAUSE",
        "UNPAUSE", "PAUSEALL", "UNPAUSEALL", "PENALTY", "RINGINUSE", "AGENTDUMP", "SYSCOMPAT",
        "QUEUESTART", "CONFIGRELOAD", "VIPCALLER",
    }  # fmt: skip


# --- fields ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1704099600", T0),
        ("1704099600.5", at(0.5)),
        ("1704099600.303267", at(0.303267)),
        (" 1704099600 ", T0),
        ("", None),
        ("-5", None),
        ("1704099600,5", None),
        ("17e8", None),
    ],
)
def test_epochs_are_whole_or_fractional_utc_seconds(text: str, expected: datetime | None):
    assert parse_epoch(text) == expected


def test_withdraw_info_keeps_its_pipes_and_blank_fields_are_left_out():
    assert stock_params("WITHDRAW", ["3", "", "40", "press 1|callback"]) == {
        "position": "3",
        "wait_s": "40",
        "info": "press 1|callback",
    }


def test_an_attended_transfer_without_a_method_is_read_as_extension_and_context():
    assert stock_params("ATTENDEDTRANSFER", ["2000", "from-internal", "4", "30", "1"]) == {
        "extension": "2000",
        "context": "from-internal",
        "wait_s": "4",
        "talk_s": "30",
        "orig_position": "1",
    }
