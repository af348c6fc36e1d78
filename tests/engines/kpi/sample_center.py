"""Two hours of a small center, as legs, agent states and surveys, for hand-checked KPIs.

Monday 3 March 2025, report period 09:00–11:00 UTC. Two queues (billing, sales), three agents
(a1 and a3 in team red, a2 in team blue). Each leg below carries a label L1..L18 used in the
tests' arithmetic; c00, c15, c16 and c18 fall outside the period and only matter as repeats.

label contact  leg queue    ch    cust queued  outcome             wait  agent
L0    c00      1/1 billing  phone u1   08:00   answered            10    a1   (before start)
L1    c01      1/1 billing  phone u1   09:00   answered            10    a1   resolved
L2    c02      1/1 billing  phone -    09:05   abandoned            3         (short)
L3    c03      1/1 billing  phone u2   09:10   abandoned           30
L4    c04      1/2 billing  phone u3   09:20   answered            25    a2   transferred, resolved
L5    c04      2/2 sales    phone u3   09:25   answered             5    a3   resolved
L6    c05      1/1 sales    chat  u1   09:40   answered            15    a3
L7    c06      1/1 sales    chat  -    09:45   timed_out          120
L8    c07      1/1 billing  phone u4   10:00   overflowed          60         (on a boundary)
L9    c08      1/1 billing  phone u5   10:05   callback_requested  45
L10   c09      1/1 billing  phone u6   (10:10) blocked              -
L11   c10      1/1 -        phone -    (10:15) self_service         -
L12   c11      1/1 billing  phone u8   (10:20) ignored              -
L13   c12      1/1 billing  phone u2   10:30   answered            20    a1   (wait = T)
L14   c13      1/1 sales    phone -    10:50   answered             8    a2   (still talking)
L15   c14      1/1 sales    phone -    10:55   open                 -         (still waiting)
L16   c15      1/1 billing  phone u5   11:00   answered             7    a1   (at end: outside)
L17   c17      1/1 sales    phone -    10:58   open                 -         (still waiting)
L18   c16      1/1 billing  phone u2   11:30   answered             9    a1   (after end)
L19   c18      1/1 billing  phone u6   Thu 10:11 answered           9    a1   (72 h 1 min after c09)

Times in parentheses are arrivals of legs that never queued.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from contactops.engines.events import (
    AGENT_STATE_SCHEMA,
    LEG_SCHEMA,
    TicketEvent,
    TicketEventType,
    ticket_events_table,
)
from contactops.engines.kpi import SCHEDULE_SCHEMA
from contactops.engines.kpi.compute import SURVEY_SCHEMA
from contactops.engines.kpi.tickets import ticket_facts

DAY = datetime(2025, 3, 3, tzinfo=UTC)
START = DAY + timedelta(hours=9)
END = DAY + timedelta(hours=11)
TEAMS = {"a1": "red", "a2": "blue", "a3": "red"}


def at(hour: int, minute: int = 0, second: int = 0, *, days: int = 0) -> datetime:
    return DAY + timedelta(days=days, hours=hour, minutes=minute, seconds=second)


def leg(
    contact_id: str,
    outcome: str,
    *,
    queued: datetime | None,
    arrived: datetime | None = None,
    wait_s: float | None = None,
    queue: str | None = "billing",
    channel: str = "phone",
    customer: str | None = None,
    agent: str | None = None,
    leg_no: int = 1,
    legs: int = 1,
    talk_s: float | None = None,
    hold_s: float | None = None,
    wrapup_s: float | None = None,
    transferred: bool = False,
    resolved: bool = False,
) -> dict[str, Any]:
    """A LEG_SCHEMA row; handle = talk + hold + wrap-up when talk and hold are known."""
    arrived = arrived or queued
    answered_at = left = None
    if wait_s is not None and queued is not None:
        left = queued + timedelta(seconds=wait_s)
        answered_at = left if outcome == "answered" else None
    handle_s = None
    if talk_s is not None and hold_s is not None:
        handle_s = talk_s + hold_s + (wrapup_s or 0.0)
    return {
        "contact_id": contact_id,
        "leg_no": leg_no,
        "legs": legs,
        "channel": channel,
        "customer_id": customer,
        "queue": queue,
        "arrived_at": arrived,
        "queued_at": queued,
        "answered_at": answered_at,
        "left_queue_at": left,
        "ended_at": None,
        "wrapup_ended_at": None,
        "agent": agent,
        "offers": 1 if agent else 0,
        "missed_offers": 0,
        "wait_s": wait_s,
        "talk_s": talk_s,
        "hold_s": hold_s,
        "wrapup_s": wrapup_s,
        "handle_s": handle_s,
        "outcome": outcome,
        "transferred": transferred,
        "transfer_target": "sales" if transferred else None,
        "resolved": resolved,
    }


def legs_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=LEG_SCHEMA)


def sample_legs() -> pa.Table:
    answered = "answered"
    rows = [
        leg("c00", answered, queued=at(8), wait_s=10, customer="u1", agent="a1",
            talk_s=100, hold_s=0, wrapup_s=10),  # L0
        leg("c01", answered, queued=at(9), wait_s=10, customer="u1", agent="a1",
            talk_s=200, hold_s=20, wrapup_s=80, resolved=True),  # L1
        leg("c02", "abandoned", queued=at(9, 5), wait_s=3),  # L2
        leg("c03", "abandoned", queued=at(9, 10), wait_s=30, customer="u2"),  # L3
        leg("c04", answered, queued=at(9, 20), wait_s=25, customer="u3", agent="a2", legs=2,
            talk_s=100, hold_s=0, wrapup_s=20, transferred=True, resolved=True),  # L4
        leg("c04", answered, queued=at(9, 25), arrived=at(9, 20), wait_s=5, queue="sales",
            customer="u3", agent="a3", leg_no=2, legs=2, talk_s=300, hold_s=60, wrapup_s=40,
            resolved=True),  # L5
        leg("c05", answered, queued=at(9, 40), wait_s=15, queue="sales", channel="chat",
            customer="u1", agent="a3", talk_s=600, hold_s=0, wrapup_s=60),  # L6
        leg("c06", "timed_out", queued=at(9, 45), wait_s=120, queue="sales",
            channel="chat"),  # L7
        leg("c07", "overflowed", queued=at(10), wait_s=60, customer="u4"),  # L8
        leg("c08", "callback_requested", queued=at(10, 5), wait_s=45, customer="u5"),  # L9
        leg("c09", "blocked", queued=None, arrived=at(10, 10), customer="u6"),  # L10
        leg("c10", "self_service", queued=None, arrived=at(10, 15), queue=None),  # L11
        leg("c11", "ignored", queued=None, arrived=at(10, 20), customer="u8"),  # L12
        leg("c12", answered, queued=at(10, 30), wait_s=20, customer="u2", agent="a1",
            talk_s=150, hold_s=30),  # L13: wrap-up not ended, handle unknown
        leg("c13", answered, queued=at(10, 50), wait_s=8, queue="sales", agent="a2"),  # L14
        leg("c14", "open", queued=at(10, 55), queue="sales"),  # L15
        leg("c15", answered, queued=at(11), wait_s=7, customer="u5", agent="a1",
            talk_s=60, hold_s=0, wrapup_s=5),  # L16
        leg("c17", "open", queued=at(10, 58), queue="sales"),  # L17
        leg("c16", answered, queued=at(11, 30), wait_s=9, customer="u2", agent="a1",
            talk_s=60, hold_s=0, wrapup_s=5),  # L18
        leg("c18", answered, queued=at(10, 11, days=3), wait_s=9, customer="u6",
            agent="a1", talk_s=60, hold_s=0, wrapup_s=5),  # L19
    ]  # fmt: skip
    return legs_table(rows)


def agent_states_table(rows: list[tuple[datetime, str, str]]) -> pa.Table:
    return pa.Table.from_pylist(
        [{"occurred_at": t, "agent": a, "state": s, "reason": None, "queue": None}
         for t, a, s in rows],
        schema=AGENT_STATE_SCHEMA,
    )  # fmt: skip


def sample_agent_states() -> pa.Table:
    """a1: 2 h logged in; a2: 65 min (with a log-out gap); a3: 30 min (a tie at 10:30)."""
    return agent_states_table(
        [
            (at(8, 50), "a1", "logged_in"),
            (at(9), "a1", "ready"),
            (at(9, 10), "a1", "on_contact"),
            (at(9, 25), "a1", "wrapup"),
            (at(9, 35), "a1", "ready"),
            (at(9, 50), "a1", "not_ready"),
            (at(10, 10), "a1", "break"),
            (at(10, 20), "a1", "ready"),
            (at(10, 40), "a1", "on_contact"),  # still on contact at the end: cut at 11:00
            (at(9, 30), "a2", "logged_in"),
            (at(9, 31), "a2", "ready"),
            (at(9, 45), "a2", "on_contact"),
            (at(10, 15), "a2", "wrapup"),
            (at(10, 20), "a2", "logged_out"),
            (at(10, 45), "a2", "logged_in"),
            (at(10, 30), "a3", "logged_in"),  # same instant as the next: lasts 0 s
            (at(10, 30), "a3", "ready"),
            (at(11, 30), "a3", "logged_out"),  # after the end: ready is clipped at 11:00
        ]
    )


def schedules_table(rows: list[tuple[str, datetime, datetime, str]]) -> pa.Table:
    return pa.Table.from_pylist(
        [{"agent": a, "start": s, "end": e, "activity": act} for a, s, e, act in rows],
        schema=SCHEDULE_SCHEMA,
    )


def sample_schedules() -> pa.Table:
    """a1 works with a break at 10:00, a2 works then lunches, a3 has a meeting before logging in.

    Adherent minutes in 09:00–11:00 (scheduled): a1 work 09:00–10:00 ready/contact/wrap-up until
    the not-ready at 09:50: 50 (60); break 10:00–10:15 in break from 10:10: 5 (15); work
    10:15–11:00 ready from 10:20: 40 (45). a2 work 09:30–10:30 ready from 09:31 to the log-out at
    10:20: 49 (60); lunch 10:30–11:00 logged out until 10:45: 15 (30). a3 meeting 09:00–09:30
    with no event yet, so logged out: 0 (30). Total 159 of 240; scheduled work 60 + 45 + 60 = 165.
    """
    return schedules_table(
        [
            ("a1", at(8), at(10), "work"),  # clipped at 09:00
            ("a1", at(10), at(10, 15), "break"),
            ("a1", at(10, 15), at(12), "work"),  # clipped at 11:00
            ("a2", at(9, 30), at(10, 30), "work"),
            ("a2", at(10, 30), at(11), "lunch"),
            ("a3", at(9), at(9, 30), "meeting"),
        ]
    )


def sample_surveys() -> pa.Table:
    rows = [
        ("c01", "csat", 5.0),  # billing (L1), a1
        ("c04", "csat", 3.0),  # last answered leg L5: sales, a3
        ("c05", "csat", 4.0),  # sales, a3
        ("c02", "csat", 1.0),  # abandoned, no answered leg: left out
        ("c05", "nps", 9.0),  # promoter, sales
        ("c01", "nps", 6.0),  # detractor, billing
        ("c04", "nps", 10.0),  # promoter, sales
        ("c12", "nps", 7.0),  # passive, billing
        ("c05", "ces", 5.0),
        ("c01", "ces", 3.0),
    ]
    return pa.Table.from_pylist(
        [{"contact_id": c, "responded_at": END + timedelta(hours=1), "survey": s, "score": v}
         for c, s, v in rows],
        schema=SURVEY_SCHEMA,
    )  # fmt: skip


def sample_ticket_events() -> pa.Table:
    """Five tickets. In the period: T-1 (billing, a1 answers and solves), T-2 (billing, a1
    answers, escalated, a2 solves), T-3 (sales, a2 answers, breaches, solves, reopened),
    T-4 (sales, no answer, breaches). T-5 opened before the period."""
    E = TicketEventType

    def event(when: datetime, ticket: str, kind: TicketEventType, queue: str, agent: str | None
              = None, channel: str = "email") -> TicketEvent:  # fmt: skip
        return TicketEvent(when, ticket, kind, channel, queue, agent)

    return ticket_events_table([
        event(at(9, 10), "T-1", E.OPENED, "billing"),
        event(at(9, 30), "T-1", E.FIRST_RESPONSE, "billing", "a1"),
        event(at(10, 0), "T-1", E.RESOLVED, "billing", "a1"),
        event(at(9, 20), "T-2", E.OPENED, "billing"),
        event(at(9, 40), "T-2", E.FIRST_RESPONSE, "billing", "a1"),
        event(at(9, 50), "T-2", E.ESCALATED, "billing", "a1"),
        event(at(10, 30), "T-2", E.RESOLVED, "billing", "a2"),
        event(at(9, 45), "T-3", E.OPENED, "sales", channel="web"),
        event(at(10, 0), "T-3", E.FIRST_RESPONSE, "sales", "a2", channel="web"),
        event(at(10, 20), "T-3", E.SLA_BREACHED, "sales", channel="web"),
        event(at(10, 40), "T-3", E.RESOLVED, "sales", "a2", channel="web"),
        event(at(10, 50), "T-3", E.REOPENED, "sales", channel="web"),
        event(at(10, 30), "T-4", E.OPENED, "sales"),
        event(at(10, 55), "T-4", E.SLA_BREACHED, "sales"),
        event(at(8, 30), "T-5", E.OPENED, "billing"),
        event(at(9, 15), "T-5", E.RESOLVED, "billing", "a1"),
    ])  # fmt: skip


def sample_tickets() -> pa.Table:
    return ticket_facts(sample_ticket_events())
