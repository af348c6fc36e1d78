"""Legs derived from contact events: one worked contact per rule, then invariants."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactops.engines.events import (
    LEG_SCHEMA,
    Channel,
    ContactEvent,
    ContactEventType,
    EventValue,
    contact_events_table,
)
from contactops.engines.kpi.legs import derive_legs

T = ContactEventType
R = TypeVar("R")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def event(
    seconds: float,
    event_type: ContactEventType,
    queue: str | None = None,
    agent: str | None = None,
    *,
    contact_id: str = "c1",
    channel: Channel = Channel.PHONE,
    customer_id: str | None = None,
    **data: EventValue,
) -> ContactEvent:
    return ContactEvent(
        at(seconds), contact_id, event_type, channel, queue, agent, customer_id, data
    )


def legs_of(events: list[ContactEvent]) -> list[dict[str, Any]]:
    return derive_legs(contact_events_table(events)).to_pylist()


def only_leg(events: list[ContactEvent]) -> dict[str, Any]:
    (leg,) = legs_of(events)
    return leg


ANSWERED_WITH_HOLD = [
    event(0, T.ARRIVED, customer_id="cust-7"),
    event(5, T.ENTERED_QUEUE, "billing"),
    event(20, T.OFFERED, "billing", "a1"),
    event(25, T.ANSWERED, "billing", "a1"),
    event(85, T.HOLD, "billing", "a1"),
    event(115, T.UNHOLD, "billing", "a1"),
    event(325, T.ENDED, "billing", "a1"),
    event(355, T.WRAPUP_ENDED, "billing", "a1"),
    event(356, T.RESOLVED, "billing", "a1"),
]


def test_answered_call_splits_handle_time_into_talk_hold_and_wrapup():
    leg = only_leg(ANSWERED_WITH_HOLD)
    assert leg["leg_no"] == 1 and leg["legs"] == 1
    assert (leg["channel"], leg["customer_id"], leg["queue"]) == ("phone", "cust-7", "billing")
    assert leg["arrived_at"] == at(0)
    assert leg["queued_at"] == at(5)
    assert leg["answered_at"] == leg["left_queue_at"] == at(25)
    assert leg["ended_at"] == at(325)
    assert leg["wrapup_ended_at"] == at(355)
    assert leg["agent"] == "a1"
    assert leg["wait_s"] == 20.0  # 25 − 5
    assert leg["hold_s"] == 30.0  # 115 − 85
    assert leg["talk_s"] == 270.0  # (325 − 25) − 30
    assert leg["wrapup_s"] == 30.0  # 355 − 325
    assert leg["handle_s"] == 330.0  # 270 + 30 + 30
    assert (leg["offers"], leg["missed_offers"]) == (1, 0)
    assert leg["outcome"] == "answered"
    assert leg["resolved"] is True
    assert leg["transferred"] is False and leg["transfer_target"] is None


def test_abandoned_call_waits_until_the_caller_gives_up():
    leg = only_leg(
        [event(0, T.ARRIVED), event(3, T.ENTERED_QUEUE, "billing"), event(48, T.ABANDONED)]
    )
    assert leg["outcome"] == "abandoned"
    assert leg["left_queue_at"] == at(48)
    assert leg["wait_s"] == 45.0  # 48 − 3
    assert leg["answered_at"] is None and leg["agent"] is None
    assert leg["talk_s"] is None and leg["hold_s"] is None and leg["handle_s"] is None


def test_a_queued_call_that_only_ends_was_abandoned():
    # A source that only logs the hang-up: no abandoned event, the queued leg just ends.
    leg = only_leg([event(0, T.ARRIVED), event(3, T.ENTERED_QUEUE, "billing"), event(33, T.ENDED)])
    assert leg["outcome"] == "abandoned"
    assert leg["left_queue_at"] == at(33)
    assert leg["wait_s"] == 30.0  # 33 − 3


def test_timeout_then_a_second_queue_makes_two_legs():
    legs = legs_of(
        [
            event(0, T.ARRIVED),
            event(2, T.ENTERED_QUEUE, "sales"),
            event(62, T.TIMED_OUT, "sales"),
            event(62.5, T.ENTERED_QUEUE, "billing"),
            event(70, T.OFFERED, "billing", "a2"),
            event(72, T.ANSWERED, "billing", "a2"),
            event(192, T.ENDED, "billing", "a2"),
            event(202, T.WRAPUP_ENDED, "billing", "a2"),
        ]
    )
    first, second = legs
    assert [leg["legs"] for leg in legs] == [2, 2]
    assert [leg["arrived_at"] for leg in legs] == [at(0), at(0)]
    assert (first["leg_no"], first["queue"], first["outcome"]) == (1, "sales", "timed_out")
    assert first["wait_s"] == 60.0  # 62 − 2
    assert first["offers"] == 0 and first["handle_s"] is None
    assert (second["leg_no"], second["queue"], second["outcome"]) == (2, "billing", "answered")
    assert second["queued_at"] == at(62.5)
    assert second["wait_s"] == 9.5  # 72 − 62.5
    assert second["talk_s"] == 120.0  # 192 − 72
    assert second["wrapup_s"] == 10.0  # 202 − 192
    assert second["handle_s"] == 130.0  # 120 + 0 + 10


TRANSFER = [
    event(0, T.ARRIVED),
    event(1, T.ENTERED_QUEUE, "sales"),
    event(10, T.OFFERED, "sales", "a1"),
    event(12, T.ANSWERED, "sales", "a1"),
    event(100, T.TRANSFERRED, "sales", "a1", target="billing", kind="blind"),
    event(100.5, T.ENTERED_QUEUE, "billing"),
    event(130, T.OFFERED, "billing", "a2"),
    event(135, T.ANSWERED, "billing", "a2"),
    event(140, T.WRAPUP_ENDED, "sales", "a1"),  # a1 finishes while a2 already talks
    event(400, T.ENDED, "billing", "a2"),
    event(420, T.WRAPUP_ENDED, "billing", "a2"),
]


def test_blind_transfer_ends_the_first_leg_and_its_wrapup_stays_there():
    first, second = legs_of(TRANSFER)
    assert (first["agent"], first["queue"], first["outcome"]) == ("a1", "sales", "answered")
    assert first["transferred"] is True and first["transfer_target"] == "billing"
    assert first["ended_at"] == at(100)  # the hand-off ends a1's talk
    assert first["wait_s"] == 11.0  # 12 − 1
    assert first["talk_s"] == 88.0  # 100 − 12
    assert first["wrapup_ended_at"] == at(140)
    assert first["wrapup_s"] == 40.0  # 140 − 100, though logged after leg 2 began
    assert first["handle_s"] == 128.0  # 88 + 0 + 40
    assert (second["agent"], second["queue"], second["transferred"]) == ("a2", "billing", False)
    assert second["wait_s"] == 34.5  # 135 − 100.5
    assert second["talk_s"] == 265.0  # 400 − 135
    assert second["wrapup_ended_at"] == at(420)  # not a1's wrap-up at 140
    assert second["wrapup_s"] == 20.0  # 420 − 400
    assert second["handle_s"] == 285.0  # 265 + 0 + 20


def test_a_wrapup_goes_to_the_latest_leg_its_agent_answered():
    # a1 answers leg 1 and leg 3; the wrap-up logged in leg 3 belongs to leg 3 only.
    legs = legs_of(
        [
            event(0, T.ENTERED_QUEUE, "sales"),
            event(10, T.ANSWERED, "sales", "a1"),
            event(20, T.TRANSFERRED, "sales", "a1", target="billing"),
            event(21, T.ENTERED_QUEUE, "billing"),
            event(30, T.ANSWERED, "billing", "a2"),
            event(40, T.TRANSFERRED, "billing", "a2", target="sales"),
            event(41, T.ENTERED_QUEUE, "sales"),
            event(50, T.ANSWERED, "sales", "a1"),
            event(60, T.ENDED, "sales", "a1"),
            event(65, T.WRAPUP_ENDED, "sales", "a1"),
        ]
    )
    assert [leg["agent"] for leg in legs] == ["a1", "a2", "a1"]
    assert [leg["wrapup_s"] for leg in legs] == [None, None, 5.0]  # 65 − 60, on leg 3 only


def test_shuffled_events_with_shared_timestamps_give_the_same_legs():
    # Ties are read in lifecycle order: arrived < entered_queue, offered < answered, ...
    events = [
        event(0, T.ARRIVED),
        event(0, T.ENTERED_QUEUE, "billing"),
        event(20, T.OFFERED, "billing", "a1"),
        event(20, T.ANSWERED, "billing", "a1"),
        event(50, T.HOLD, "billing", "a1"),
        event(50, T.UNHOLD, "billing", "a1"),
        event(200, T.ENDED, "billing", "a1"),
        event(200, T.WRAPUP_ENDED, "billing", "a1"),
        event(200, T.RESOLVED, "billing", "a1"),
        event(5, T.ARRIVED, contact_id="c2"),
        event(5, T.ENTERED_QUEUE, "sales", contact_id="c2"),
        event(65, T.TIMED_OUT, "sales", contact_id="c2"),
        event(66, T.ENTERED_QUEUE, "billing", contact_id="c2"),
        event(66, T.ABANDONED, "billing", contact_id="c2"),  # after entering, not before
    ]
    expected = legs_of(events)
    c1, c2_first, c2_second = expected
    assert c1["wait_s"] == 20.0  # 20 − 0
    assert c1["hold_s"] == 0.0  # held and resumed at 50
    assert c1["talk_s"] == 180.0  # 200 − 20
    assert c1["wrapup_s"] == 0.0  # wrap-up ended with the call
    assert c1["handle_s"] == 180.0
    assert (c2_first["outcome"], c2_first["wait_s"]) == ("timed_out", 60.0)  # 65 − 5
    assert (c2_second["outcome"], c2_second["wait_s"]) == ("abandoned", 0.0)  # 66 − 66
    shuffler = random.Random(20260302)
    for _ in range(5):
        shuffled = events[:]
        shuffler.shuffle(shuffled)
        assert legs_of(shuffled) == expected


def test_ivr_only_contact_is_self_service():
    leg = only_leg([event(0, T.ARRIVED, channel=Channel.CHAT), event(40, T.ENDED)])
    assert leg["outcome"] == "self_service"
    assert (leg["legs"], leg["channel"], leg["queue"]) == (1, "chat", None)
    assert leg["queued_at"] is None and leg["wait_s"] is None


def test_blocked_contact_never_waits():
    leg = only_leg([event(0, T.ARRIVED), event(0, T.BLOCKED, "billing", reason="queue full")])
    assert leg["outcome"] == "blocked"
    assert leg["queue"] == "billing"  # no queue entry: the first queue named
    assert leg["left_queue_at"] == at(0)
    assert leg["queued_at"] is None and leg["wait_s"] is None


def test_callback_request_leaves_the_queue_unanswered():
    leg = only_leg(
        [
            event(0, T.ARRIVED),
            event(2, T.ENTERED_QUEUE, "billing"),
            event(92, T.CALLBACK_REQUESTED, "billing"),
        ]
    )
    assert leg["outcome"] == "callback_requested"
    assert leg["wait_s"] == 90.0  # 92 − 2


def test_contacts_without_a_terminal_event_are_open_or_still_talking():
    talking, waiting = legs_of(
        [
            event(0, T.ARRIVED, contact_id="waiting"),
            event(5, T.ENTERED_QUEUE, "billing", contact_id="waiting"),
            event(0, T.ENTERED_QUEUE, "billing", contact_id="talking"),
            event(11, T.ANSWERED, "billing", "a1", contact_id="talking"),
            event(40, T.HOLD, "billing", "a1", contact_id="talking"),
        ]
    )
    assert waiting["outcome"] == "open"
    assert waiting["left_queue_at"] is None and waiting["wait_s"] is None
    assert talking["outcome"] == "answered"
    assert talking["wait_s"] == 11.0  # 11 − 0
    assert talking["ended_at"] is None
    assert talking["talk_s"] is None and talking["hold_s"] is None
    assert talking["handle_s"] is None


def test_an_ignored_record_marks_every_leg_of_its_contact():
    legs = legs_of(
        [
            event(0, T.ARRIVED, ignore=True),
            event(1, T.ENTERED_QUEUE, "sales"),
            event(31, T.TIMED_OUT, "sales"),
            event(32, T.ENTERED_QUEUE, "billing"),
            event(40, T.ANSWERED, "billing", "a1"),
        ]
    )
    assert [leg["outcome"] for leg in legs] == ["ignored", "ignored"]
    assert legs[0]["wait_s"] == 30.0  # still measured: 31 − 1


def test_answered_without_queue_entry_has_no_wait():
    leg = only_leg(
        [
            event(0, T.ARRIVED),
            event(5, T.ANSWERED, "billing", "a1"),
            event(65, T.ENDED, "billing", "a1"),
            event(75, T.WRAPUP_ENDED, "billing", "a1"),
        ]
    )
    assert (leg["legs"], leg["outcome"], leg["queue"]) == (1, "answered", "billing")
    assert leg["queued_at"] is None and leg["wait_s"] is None
    assert leg["left_queue_at"] == at(5)
    assert leg["talk_s"] == 60.0  # 65 − 5
    assert leg["handle_s"] == 70.0  # 60 + 0 + (75 − 65)


def test_a_hold_without_unhold_runs_to_the_end_of_talk():
    leg = only_leg(
        [
            event(0, T.ENTERED_QUEUE, "billing"),
            event(10, T.ANSWERED, "billing", "a1"),
            event(30, T.HOLD, "billing", "a1"),
            event(40, T.HOLD, "billing", "a1"),  # repeated: still one hold since 30
            event(50, T.UNHOLD, "billing", "a1"),
            event(70, T.HOLD, "billing", "a1"),
            event(100, T.ENDED, "billing", "a1"),
        ]
    )
    assert leg["hold_s"] == 50.0  # (50 − 30) + (100 − 70)
    assert leg["talk_s"] == 40.0  # (100 − 10) − 50
    assert leg["wrapup_s"] is None  # no wrap-up event: the source does not log one
    assert leg["handle_s"] == 90.0  # 40 + 50 + 0


def test_talk_and_hold_stop_at_the_hand_off():
    leg = only_leg(
        [
            event(0, T.ENTERED_QUEUE, "sales"),
            event(10, T.ANSWERED, "sales", "a1"),
            event(20, T.HOLD, "sales", "a1"),  # consulting, then transferring on hold
            event(60, T.TRANSFERRED, "sales", "a1", target="7001", kind="attended"),
            event(61, T.ANSWERED, "sales", "a9"),  # the extension picks up: same leg
            event(70, T.UNHOLD, "sales", "a9"),
            event(300, T.ENDED, "sales", "a9"),
        ]
    )
    assert (leg["agent"], leg["ended_at"], leg["transfer_target"]) == ("a1", at(60), "7001")
    assert leg["hold_s"] == 40.0  # 60 − 20: the hold runs to the hand-off
    assert leg["talk_s"] == 10.0  # (60 − 10) − 40


def test_offers_count_rings_and_misses_before_the_answer():
    leg = only_leg(
        [
            event(0, T.ENTERED_QUEUE, "billing"),
            event(5, T.OFFERED, "billing", "a1", ring_s=15.0),
            event(20, T.OFFER_MISSED, "billing", "a1", ring_s=15.0),
            event(21, T.OFFERED, "billing", "a2", ring_s=4.0),
            event(25, T.ANSWERED, "billing", "a2"),
        ]
    )
    assert (leg["offers"], leg["missed_offers"], leg["agent"]) == (2, 1, "a2")


def test_contact_wide_fields_come_from_the_first_event_and_first_customer():
    first, second = legs_of(
        [
            event(0, T.ENTERED_QUEUE, "chatq", channel=Channel.CHAT),
            event(10, T.OVERFLOWED, "chatq", target="email"),
            event(11, T.ENTERED_QUEUE, "email", channel=Channel.EMAIL, customer_id="cust-9"),
            event(12, T.ARRIVED, channel=Channel.EMAIL, customer_id="cust-1"),
            event(900, T.RESOLVED, "email", "a3"),
        ]
    )
    for leg in (first, second):
        assert leg["channel"] == "chat"  # the first event's channel
        assert leg["customer_id"] == "cust-9"  # the first customer named
        assert leg["arrived_at"] == at(12)  # the arrival, not the first event
        assert leg["resolved"] is True
    assert first["outcome"] == "overflowed" and second["outcome"] == "open"


def test_an_unknown_event_type_changes_nothing():
    events = [event(0, T.ARRIVED), event(5, T.ENTERED_QUEUE, "billing"), event(48, T.ABANDONED)]
    table = contact_events_table([*events, event(6, T.HOLD, "billing")])
    verbs = table.column("event_type").to_pylist()
    table = table.set_column(2, "event_type", pa.array([*verbs[:-1], "survey_sent"]))
    assert derive_legs(table).equals(derive_legs(contact_events_table(events)))


def test_legs_are_sorted_by_contact_then_leg():
    events = [event(0, T.ENTERED_QUEUE, "q", contact_id=cid) for cid in ("c3", "c1", "c2")] + [
        event(9, T.ENTERED_QUEUE, "r", contact_id="c1")
    ]
    legs = legs_of(events)
    assert [(leg["contact_id"], leg["leg_no"]) for leg in legs] == [
        ("c1", 1),
        ("c1", 2),
        ("c2", 1),
        ("c3", 1),
    ]


def test_an_empty_event_table_gives_an_empty_leg_table():
    legs = derive_legs(contact_events_table([]))
    assert legs.num_rows == 0
    assert legs.schema.equals(LEG_SCHEMA)


def test_the_result_has_exactly_the_leg_schema():
    legs = derive_legs(contact_events_table(TRANSFER))
    assert legs.schema.equals(LEG_SCHEMA)
    assert legs.schema.names == LEG_SCHEMA.names


def test_a_callers_connection_in_another_zone_gives_the_same_legs():
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'Pacific/Chatham'")  # UTC+13:45 in March
    table = contact_events_table(ANSWERED_WITH_HOLD)
    assert derive_legs(table, connection).equals(derive_legs(table))
    assert connection.sql("SELECT 42").fetchall() == [(42,)]  # still open and usable


# --- invariants --------------------------------------------------------------------------------


class Story:
    """One contact's events at drawn gaps of 0–600 s (whole ms), as Hypothesis draws them."""

    def __init__(self, draw: st.DrawFn, contact_id: str) -> None:
        self.draw, self.contact_id = draw, contact_id
        self.clock_ms = draw(st.integers(0, 600_000))
        self.events: list[ContactEvent] = []

    def add(
        self,
        event_type: ContactEventType,
        queue: str | None = "q",
        agent: str | None = None,
        min_gap_ms: int = 0,
    ) -> int:
        """Append an event after a drawn gap (≥ ``min_gap_ms``); return its time in ms."""
        self.clock_ms += max(self.draw(st.integers(0, 600_000)), min_gap_ms)
        seconds = self.clock_ms / 1000
        self.events.append(event(seconds, event_type, queue, agent, contact_id=self.contact_id))
        return self.clock_ms


@st.composite
def single_visit(draw: st.DrawFn, contact_id: str) -> tuple[list[ContactEvent], dict[str, float]]:
    """arrived, entered_queue, missed offers, answered, holds, ended, wrapup_ended."""
    story = Story(draw, contact_id)
    story.add(T.ARRIVED)
    queued_ms = story.add(T.ENTERED_QUEUE)
    for _ in range(draw(st.integers(0, 3))):
        story.add(T.OFFERED, agent="a0")
        story.add(T.OFFER_MISSED, agent="a0")
    story.add(T.OFFERED, agent="a1")
    story.add(T.ANSWERED, agent="a1")
    hold_ms = 0
    # toggles at least 1 ms apart, so their order is their time order
    for _ in range(draw(st.integers(0, 3))):
        held_ms = story.add(T.HOLD, agent="a1", min_gap_ms=1)
        hold_ms += story.add(T.UNHOLD, agent="a1", min_gap_ms=1) - held_ms
    if draw(st.booleans()):  # a hold left open runs to the end
        held_ms = story.add(T.HOLD, agent="a1", min_gap_ms=1)
        hold_ms += story.add(T.ENDED, agent="a1", min_gap_ms=1) - held_ms
    else:
        story.add(T.ENDED, agent="a1", min_gap_ms=1)
    wrapup_ms = story.add(T.WRAPUP_ENDED, agent="a1")
    facts = {"queue_to_wrapup_s": (wrapup_ms - queued_ms) / 1000, "hold_s": hold_ms / 1000}
    return story.events, facts


@st.composite
def shuffled_contacts(
    draw: st.DrawFn, lifecycle: Callable[[str], st.SearchStrategy[tuple[list[ContactEvent], R]]]
) -> tuple[list[ContactEvent], dict[str, R]]:
    """1–4 contacts drawn from ``lifecycle``, their events in one shuffled list."""
    events: list[ContactEvent] = []
    expected: dict[str, R] = {}
    for n in range(draw(st.integers(1, 4))):
        contact_events, expected[f"c{n}"] = draw(lifecycle(f"c{n}"))
        events += contact_events
    return draw(st.permutations(events)), expected


@settings(max_examples=40, deadline=None)
@given(shuffled_contacts(single_visit))
def test_wait_talk_hold_and_wrapup_add_up_to_queue_entry_to_wrapup_end(
    batch: tuple[list[ContactEvent], dict[str, dict[str, float]]],
):
    events, expected = batch
    legs = legs_of(events)
    assert sorted(leg["contact_id"] for leg in legs) == sorted(expected)  # one leg each
    for leg in legs:
        facts = expected[leg["contact_id"]]
        total_s = leg["wait_s"] + leg["talk_s"] + leg["hold_s"] + leg["wrapup_s"]
        assert total_s == pytest.approx(facts["queue_to_wrapup_s"], abs=1e-6)
        assert leg["hold_s"] == pytest.approx(facts["hold_s"], abs=1e-6)
        assert leg["handle_s"] == pytest.approx(total_s - leg["wait_s"], abs=1e-6)
        assert (leg["outcome"], leg["legs"]) == ("answered", 1)


@st.composite
def queue_visits(draw: st.DrawFn, contact_id: str) -> tuple[list[ContactEvent], list[str]]:
    """1–4 queue visits: each but the last leaves by timeout, overflow or transfer."""
    story = Story(draw, contact_id)
    story.add(T.ARRIVED, queue=None)
    queues = draw(st.lists(st.sampled_from(["sales", "billing", "tech"]), min_size=1, max_size=4))
    for visit, queue in enumerate(queues, start=1):
        # the next entry at least 1 ms after the previous visit's exit
        story.add(T.ENTERED_QUEUE, queue, min_gap_ms=1)
        last = visit == len(queues)
        exits = [T.ABANDONED, T.ENDED] if last else [T.TIMED_OUT, T.OVERFLOWED, T.TRANSFERRED]
        leave = draw(st.sampled_from(exits))
        agent = "a1" if leave in (T.TRANSFERRED, T.ENDED) else None
        if agent:
            story.add(T.ANSWERED, queue, agent)
        story.add(leave, queue, agent)
    return story.events, queues


@settings(max_examples=40, deadline=None)
@given(shuffled_contacts(queue_visits))
def test_every_queue_entry_starts_exactly_one_leg(
    batch: tuple[list[ContactEvent], dict[str, list[str]]],
):
    events, expected = batch
    legs = legs_of(events)
    for contact_id, queues in expected.items():
        mine = [leg for leg in legs if leg["contact_id"] == contact_id]
        assert [leg["leg_no"] for leg in mine] == list(range(1, len(queues) + 1))
        assert [leg["queue"] for leg in mine] == queues
        assert {leg["legs"] for leg in mine} == {len(queues)}
