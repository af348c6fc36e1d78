"""Asterisk queue_log verbs → canonical contact and agent-state events: the one mapping.

The file form (:mod:`contactops.connectors.asterisk_queue_log`) and the database table form
(:mod:`contactops.connectors.asterisk_queue_table`) both name each event's parameters
(:class:`QueueLogRecord`) and hand them to one :class:`QueueLogMapper`, so the mapping exists once.

Sources: the event list of https://docs.asterisk.org/Operation/Logging/Queue-Logs/ and the
``ast_queue_log()`` calls of Asterisk's ``apps/app_queue.c`` (RINGNOANSWER and RINGCANCELED carry
milliseconds, CONNECT's ring time is seconds; ATTENDEDTRANSFER, Asterisk 12+, starts with
``BRIDGE|bridge``, ``APP|application`` or ``LINK|channel|channel``; PAUSEALL is followed by one
PAUSE per queue).

=================  ============================================================================
verb               canonical events (contact_id = callid, channel phone, data ``source`` = verb)
=================  ============================================================================
ENTERQUEUE         arrived (first sight of the callid) + entered_queue (position = origposition)
RINGNOANSWER       offer_missed (ring_s = ringtime ms / 1000)
RINGCANCELED       offer_missed (reason canceled)
CONNECT            offered at t − ringtime (s), answered at t (wait_s = holdtime)
COMPLETECALLER     ended (ended_by customer, talk_s = calltime); COMPLETEAGENT: ended_by agent
ABANDON            abandoned (wait_s); EXITWITHTIMEOUT: timed_out
EXITEMPTY          overflowed (reason empty); EXITWITHKEY: reason key, target = the key;
                   WITHDRAW: reason withdraw (``info`` as written)
BLINDTRANSFER      transferred (kind blind, target extension@context); TRANSFER is the same
ATTENDEDTRANSFER   transferred (kind attended, ``via`` BRIDGE/APP/LINK, target the bridge id,
                   the application or the first linking channel)
=================  ============================================================================

The customer is the caller id of the call's ENTERQUEUE, remembered per callid. Agent rules are
on :class:`QueueLogMapper`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from contactops.connectors.records import ImportItem, IssueKind, LineIssue, ParsedLine
from contactops.engines.events import (
    AgentState,
    AgentStateEvent,
    Channel,
    ContactEvent,
    ContactEventType,
    EventValue,
)

__all__ = ["QueueLogMapper", "QueueLogRecord", "code_or_none", "stock_params"]

SYSTEM_VERBS = frozenset(
    {"QUEUESTART", "CONFIGRELOAD", "PENALTY", "RINGINUSE", "AGENTDUMP", "SYSCOMPAT"}
)
# PBXware logs its callback agents' outbound calls in the same table (queue NONE).
OUTBOUND_VERBS = frozenset(
    {"OUTDIAL", "OUTANSWER", "OUTCANCEL", "OUTCHANUNAVAIL", "OUTCONGESTION", "OUTTRANSFER"}
)
LOGIN_VERBS = frozenset({"ADDMEMBER", "AGENTLOGIN", "AGENTCALLBACKLOGIN"})
LOGOFF_VERBS = frozenset({"REMOVEMEMBER", "AGENTLOGOFF", "AGENTCALLBACKLOGOFF"})

_WAIT_EXIT = ("position", "orig_position", "wait_s")
_COMPLETE = ("wait_s", "talk_s", "orig_position")
_TRANSFER = ("extension", "context", "wait_s", "talk_s", "orig_position")
# Names of the data fields of stock Asterisk, in the order app_queue.c writes them.
STOCK_PARAMS: dict[str, tuple[str, ...]] = {
    "ENTERQUEUE": ("url", "caller_id", "orig_position"),
    "RINGNOANSWER": ("ring_ms",),
    "RINGCANCELED": ("ring_ms",),
    "CONNECT": ("wait_s", "member_uniqueid", "ring_s"),
    "COMPLETECALLER": _COMPLETE,
    "COMPLETEAGENT": _COMPLETE,
    "ABANDON": _WAIT_EXIT,
    "EXITWITHTIMEOUT": _WAIT_EXIT,
    "EXITEMPTY": _WAIT_EXIT,
    "EXITWITHKEY": ("key", *_WAIT_EXIT),
    "WITHDRAW": (*_WAIT_EXIT, "info"),
    "BLINDTRANSFER": _TRANSFER,
    "TRANSFER": _TRANSFER,
    "ADDMEMBER": ("paused",),
    "PAUSE": ("reason",),
    "UNPAUSE": ("reason",),
    "PAUSEALL": ("reason",),
    "UNPAUSEALL": ("reason",),
    "AGENTLOGIN": ("channel",),
    "AGENTLOGOFF": ("channel", "login_s"),
    "AGENTCALLBACKLOGIN": ("login",),
    "AGENTCALLBACKLOGOFF": ("login", "login_s", "reason"),
}
# Queue exits without an answer: the event and its data ``reason``.
_EXITS: dict[str, tuple[ContactEventType, str | None]] = {
    "ABANDON": (ContactEventType.ABANDONED, None),
    "EXITWITHTIMEOUT": (ContactEventType.TIMED_OUT, None),
    "EXITEMPTY": (ContactEventType.OVERFLOWED, "empty"),
    "EXITWITHKEY": (ContactEventType.OVERFLOWED, "key"),  # target = the key pressed
    "WITHDRAW": (ContactEventType.OVERFLOWED, "withdraw"),
}
# ATTENDEDTRANSFER method → how many target fields follow it (app_queue.c log_attended_transfer).
_ATTENDED_TARGETS = {"BRIDGE": 1, "APP": 1, "LINK": 2}
_QUIET_CALL = timedelta(hours=24)  # a callid silent this long is over: its caller is forgotten
_ALL_QUEUES = "*"  # key of a PAUSEALL in an agent's pauses
_AGENT_LOGIN = "agent login"  # membership key of AGENTLOGIN / AGENTCALLBACKLOGIN


@dataclass(frozen=True, slots=True)
class QueueLogRecord:
    """One queue_log line, its parameters named whatever the layout (``wait_s``, ``ring_ms``...).

    ``queue`` and ``agent`` are None where the log writes ``NONE``; ``verb`` is as written.
    """

    line: int
    occurred_at: datetime
    callid: str
    queue: str | None
    agent: str | None
    verb: str
    params: Mapping[str, str] = field(default_factory=dict)


def code_or_none(text: str) -> str | None:
    """A queue or member name; ``NONE`` and blanks are None."""
    text = text.strip()
    return None if text in ("", "NONE") else text


def stock_params(verb: str, data: Sequence[str]) -> dict[str, str]:
    """Name stock Asterisk's positional data fields (``data1|data2|...``) of ``verb``."""
    if verb == "ATTENDEDTRANSFER" and data and data[0].strip().upper() in _ATTENDED_TARGETS:
        via = data[0].strip().upper()
        width = _ATTENDED_TARGETS[via]
        targets = data[1 : 1 + width]
        named = dict(zip(("wait_s", "talk_s", "orig_position"), data[1 + width :], strict=False))
        named |= {"via": via, "target": targets[0] if targets else ""}
    else:
        names = STOCK_PARAMS.get(verb, _TRANSFER if verb == "ATTENDEDTRANSFER" else ())
        values = list(data[: len(names)])
        if names and names[-1] == "info":  # free text: keep any '|' inside it
            values[len(names) - 1 :] = ["|".join(data[len(names) - 1 :])]
        named = dict(zip(names, values, strict=False))
    return {name: value.strip() for name, value in named.items() if value.strip()}


@dataclass(slots=True)
class _Agent:
    """What the log told about one member; its state follows from it (see ``state``)."""

    logged_in: bool = True  # until the log says otherwise: it shows the agent working
    memberships: set[str] = field(default_factory=set)
    pauses: dict[str, str | None] = field(default_factory=dict)  # queue → reason, latest last
    calls: set[str] = field(default_factory=set)
    outbound: set[str] = field(default_factory=set)
    last: tuple[AgentState, str | None] | None = None

    def state(self) -> tuple[AgentState, str | None]:
        if not self.logged_in:
            return AgentState.LOGGED_OUT, None
        if self.calls or self.outbound:
            return AgentState.ON_CONTACT, None if self.calls else "outbound"
        if self.pauses:
            return AgentState.NOT_READY, next(reversed(self.pauses.values()))
        return AgentState.READY, None


class _Line:
    """The records and notes one queue_log record produces."""

    def __init__(self, record: QueueLogRecord, customer_id: str | None) -> None:
        self.record = record
        self.customer_id = customer_id
        self.contacts: list[ContactEvent] = []
        self.agents: list[AgentStateEvent] = []
        self.issues: list[LineIssue] = []

    def contact(
        self,
        event_type: ContactEventType,
        *,
        at: datetime | None = None,
        agent: str | None = None,
        **data: EventValue,
    ) -> None:
        r = self.record
        values = {"source": r.verb} | {k: v for k, v in data.items() if v is not None}
        self.contacts.append(
            ContactEvent(
                at or r.occurred_at,
                r.callid,
                event_type,
                Channel.PHONE,
                r.queue,
                agent,
                self.customer_id,
                values,
            )
        )

    def number(self, name: str, scale: float = 1.0) -> float | None:
        """The parameter as a number (× scale); a note and None when it is not one."""
        text = self.record.params.get(name)
        if text is None:
            return None
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.note("bad-field", f"{name} {text!r} is not a number: imported without it", name)
            return None
        return value * scale

    def note(self, code: str, reason: str, column: str | None = None) -> None:
        self.issues.append(LineIssue(self.record.line, code, reason, IssueKind.NOTE, column))

    def items(self) -> list[ImportItem]:
        """Notes first: a caller that stores in chunks ends a chunk after a ParsedLine."""
        parsed = ParsedLine(self.record.line, tuple(self.contacts), tuple(self.agents))
        return [*self.issues, parsed]


class QueueLogMapper:
    """Turns named queue_log records into canonical events, remembering callers and agents.

    Agents (named as the log writes the member, ``Agent/1141``, ``SIP/100``): a member is logged
    in from its first ADDMEMBER / AGENTLOGIN / AGENTCALLBACKLOGIN and logged out when its last
    membership goes (REMOVEMEMBER per queue; AGENTLOGOFF / AGENTCALLBACKLOGOFF for the agent
    login). PAUSE / PAUSEALL → not_ready with the reason while any pause holds (UNPAUSE lifts
    its queue's and an all-queue pause; UNPAUSEALL lifts all). CONNECT → on_contact; the end of
    the call (COMPLETE*, transfer) → ready, or not_ready if the agent paused meanwhile. OUTDIAL →
    on_contact (reason outbound) until the call's OUTANSWER / OUTCANCEL / ... line. An event is
    emitted only when the state or its reason changes.
    """

    def __init__(self) -> None:
        # callid → (caller id of its ENTERQUEUE, last line), least recently seen first
        self._customers: dict[str, tuple[str | None, datetime]] = {}
        self._answered_by: dict[str, str] = {}  # callid → agent of its last CONNECT
        self._agents: dict[str, _Agent] = {}
        # Lines of one call within one logged instant: (instant, callid) → lines seen so far.
        self._same_instant: dict[str, int] = {}
        self._instant: datetime | None = None
        self._handlers: dict[str, Callable[[_Line], None]] = {
            "ENTERQUEUE": self._enter_queue,
            "RINGNOANSWER": self._ring_missed,
            "RINGCANCELED": self._ring_missed,
            "CONNECT": self._connect,
            "COMPLETECALLER": self._complete,
            "COMPLETEAGENT": self._complete,
            "BLINDTRANSFER": self._transfer,
            "TRANSFER": self._transfer,
            "ATTENDEDTRANSFER": self._transfer,
        }
        for verbs, handler in (
            (LOGIN_VERBS, self._login),
            (LOGOFF_VERBS, self._logoff),
            ({"PAUSE", "PAUSEALL", "UNPAUSE", "UNPAUSEALL"}, self._pause),
            (OUTBOUND_VERBS, self._outbound),
            (_EXITS, self._unanswered_exit),
        ):
            self._handlers |= dict.fromkeys(verbs, handler)

    def items(self, record: QueueLogRecord) -> list[ImportItem]:
        """What one record imports: a ParsedLine and its notes, or one skipped LineIssue."""
        verb = record.verb.upper()
        if verb in SYSTEM_VERBS:
            return [ParsedLine(record.line)]
        handler = self._handlers.get(verb)
        if handler is None:
            return [
                LineIssue(
                    record.line,
                    "unknown-event",
                    f"column event: {record.verb!r} is not a queue_log event this importer "
                    "knows (a custom QueueLog() event or a vendor's verb): line skipped",
                    column="event",
                )
            ]
        needs = "agent" if handler in (self._login, self._logoff, self._pause) else "callid"
        if (record.agent if needs == "agent" else code_or_none(record.callid)) is None:
            return [
                LineIssue(
                    record.line,
                    "missing-field",
                    f"column {needs}: {verb} needs one, the line has none",
                    column=needs,
                )
            ]
        line = _Line(self._in_file_order(record), self._customer(record))
        handler(line)
        return line.items()

    def _in_file_order(self, record: QueueLogRecord) -> QueueLogRecord:
        """An ENTERQUEUE that is the n-th line of its call within one logged instant moves n µs.

        queue_log stamps whole seconds, and a call that times out, overflows or is transferred
        enters its next queue in the same second. Within an instant the legs read events in
        lifecycle order, which would put that entry before the exit it follows; the file's order
        is right, so it is kept in the time (1 µs is far below the log's resolution). The same
        file always gets the same offsets, so re-imports stay idempotent.
        """
        if record.occurred_at != self._instant:
            self._instant, self._same_instant = record.occurred_at, {}
        earlier = self._same_instant.get(record.callid, 0)
        self._same_instant[record.callid] = earlier + 1
        if not earlier or record.verb.upper() != "ENTERQUEUE":
            return record
        return replace(record, occurred_at=record.occurred_at + timedelta(microseconds=earlier))

    def _customer(self, record: QueueLogRecord) -> str | None:
        """The call's remembered caller id (else the line's own); forgets calls quiet for a day."""
        known = self._customers.pop(record.callid, None)
        if known is not None:  # re-inserted: the dict stays ordered by last sight
            self._customers[record.callid] = (known[0], record.occurred_at)
        horizon = record.occurred_at - _QUIET_CALL
        while self._customers:
            oldest = next(iter(self._customers))
            if self._customers[oldest][1] >= horizon:
                break
            del self._customers[oldest]
        return (known[0] if known else None) or record.params.get("caller_id") or None

    # --- contacts ------------------------------------------------------------------------------

    def _enter_queue(self, line: _Line) -> None:
        r = line.record
        if r.callid not in self._customers:
            self._customers[r.callid] = (line.customer_id, r.occurred_at)
            line.contact(ContactEventType.ARRIVED)
        position = line.number("orig_position")
        line.contact(
            ContactEventType.ENTERED_QUEUE,
            position=None if position is None else int(position),
        )

    def _ring_missed(self, line: _Line) -> None:
        canceled = line.record.verb.upper() == "RINGCANCELED"
        line.contact(
            ContactEventType.OFFER_MISSED,
            agent=line.record.agent,
            ring_s=line.number("ring_ms", scale=0.001),
            reason="canceled" if canceled else None,
        )

    def _connect(self, line: _Line) -> None:
        r = line.record
        ring_s = line.number("ring_s")
        offered_at = r.occurred_at - timedelta(seconds=ring_s or 0.0)
        line.contact(ContactEventType.OFFERED, at=offered_at, agent=r.agent, ring_s=ring_s)
        line.contact(ContactEventType.ANSWERED, agent=r.agent, wait_s=line.number("wait_s"))
        if r.agent is not None:
            self._answered_by[r.callid] = r.agent
            self._change(line, r.agent, lambda agent: agent.calls.add(r.callid))

    def _complete(self, line: _Line) -> None:
        by_agent = line.record.verb.upper() == "COMPLETEAGENT"
        agent = self._call_ends(line)
        line.contact(
            ContactEventType.ENDED,
            agent=agent,
            ended_by="agent" if by_agent else "customer",
            talk_s=line.number("talk_s"),
        )

    def _unanswered_exit(self, line: _Line) -> None:
        event_type, reason = _EXITS[line.record.verb.upper()]
        params = line.record.params
        line.contact(
            event_type,
            reason=reason,
            target=params.get("key"),
            wait_s=line.number("wait_s"),
            info=params.get("info"),
        )

    def _transfer(self, line: _Line) -> None:
        params = line.record.params
        attended = line.record.verb.upper() == "ATTENDEDTRANSFER"
        target = params.get("target")
        if target is None and "extension" in params:
            context = params.get("context")
            target = params["extension"] + (f"@{context}" if context else "")
        agent = self._call_ends(line)
        line.contact(
            ContactEventType.TRANSFERRED,
            agent=agent,
            kind="attended" if attended else "blind",
            target=target,
            via=params.get("via"),
            talk_s=line.number("talk_s"),
        )

    def _call_ends(self, line: _Line) -> str | None:
        """The agent of a call that ends (the line's, else the one who answered): off the call."""
        r = line.record
        agent = r.agent or self._answered_by.get(r.callid)
        self._answered_by.pop(r.callid, None)
        if agent is not None:
            self._change(line, agent, lambda track: track.calls.discard(r.callid), logs_in=False)
        return agent

    # --- agents --------------------------------------------------------------------------------

    def _change(
        self,
        line: _Line,
        name: str,
        update: Callable[[_Agent], object],
        *,
        logs_in: bool = True,
    ) -> None:
        """Apply ``update`` to the agent; emit its state if the state or reason changed.

        ``logs_in``: the line shows the agent logged in (a login, a call, a pause); the end of
        a call does not (it may come after a logoff).
        """
        agent = self._agents.setdefault(name, _Agent())
        agent.logged_in = agent.logged_in or logs_in
        update(agent)
        state, reason = agent.state()
        if agent.last != (state, reason):
            agent.last = (state, reason)
            r = line.record
            line.agents.append(AgentStateEvent(r.occurred_at, name, state, reason, r.queue))

    def _login(self, line: _Line) -> None:
        r = line.record
        added_paused = r.params.get("paused", "").upper() == "PAUSED"

        def login(agent: _Agent) -> None:
            if r.verb.upper() != "ADDMEMBER":
                agent.memberships.add(_AGENT_LOGIN)
                return
            agent.memberships.add(f"queue {r.queue}")
            if added_paused:
                agent.pauses[r.queue or _ALL_QUEUES] = None

        self._change(line, str(r.agent), login)

    def _logoff(self, line: _Line) -> None:
        r = line.record

        def logoff(agent: _Agent) -> None:
            if r.verb.upper() == "REMOVEMEMBER":
                agent.memberships.discard(f"queue {r.queue}")
                agent.pauses.pop(r.queue or _ALL_QUEUES, None)
            else:
                agent.memberships.discard(_AGENT_LOGIN)
            if not agent.memberships:  # the last membership went: logged out, state forgotten
                agent.logged_in = False
                agent.pauses.clear()
                agent.calls.clear()
                agent.outbound.clear()

        self._change(line, str(r.agent), logoff)

    def _pause(self, line: _Line) -> None:
        r = line.record
        verb = r.verb.upper()
        key = _ALL_QUEUES if verb.endswith("ALL") or r.queue is None else r.queue

        def pause(agent: _Agent) -> None:
            if verb == "UNPAUSEALL":
                agent.pauses.clear()
            elif verb == "UNPAUSE":
                agent.pauses.pop(key, None)
                agent.pauses.pop(_ALL_QUEUES, None)
            else:
                agent.pauses.pop(key, None)  # re-inserted last: its reason is the current one
                agent.pauses[key] = r.params.get("reason") or None

        self._change(line, str(r.agent), pause)

    def _outbound(self, line: _Line) -> None:
        r = line.record
        verb = r.verb.upper()
        number = r.params.get("number")
        line.note(
            "outbound-call",
            f"{verb}{f' to {number}' if number else ''}: an agent's outbound call, not a queued "
            "contact; no contact events, the agent counted on_contact (outbound)",
            "event",
        )
        if r.agent is None:
            return
        if verb == "OUTDIAL":
            self._change(line, r.agent, lambda agent: agent.outbound.add(r.callid))
        else:
            end = r.callid
            self._change(line, r.agent, lambda agent: agent.outbound.discard(end), logs_in=False)
