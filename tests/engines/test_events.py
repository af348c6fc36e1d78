"""The canonical event schemas: what every connector, the simulator and the router emit."""

from __future__ import annotations

import dataclasses
import enum
from datetime import UTC, datetime, timedelta, timezone

import pytest

from contactops.engines.events import (
    AgentState,
    AgentStateEvent,
    Channel,
    ContactEvent,
    ContactEventType,
)

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _arrived(occurred_at: datetime = AT) -> ContactEvent:
    return ContactEvent(
        occurred_at,
        "billing-20260302-00001",
        ContactEventType.ARRIVED,
        Channel.PHONE,
        "billing",
        None,
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda at: _arrived(at),
        lambda at: AgentStateEvent(at, "a1001", AgentState.READY),
    ],
    ids=["contact event", "agent state event"],
)
def test_naive_occurred_at_is_rejected_naming_the_field(make):
    with pytest.raises(ValueError, match=r"occurred_at must be timezone-aware.*2026-03-02T09:30"):
        make(datetime(2026, 3, 2, 9, 30))


def test_aware_times_in_any_zone_are_accepted_as_the_same_instant():
    oslo_winter = timezone(timedelta(hours=1))
    event = _arrived(datetime(2026, 3, 2, 10, 30, tzinfo=oslo_winter))
    assert event.occurred_at == AT


@pytest.mark.parametrize("schema", [Channel, ContactEventType, AgentState])
def test_enum_values_are_the_lowercase_member_names(schema: type[enum.StrEnum]):
    assert all(member.value == member.name.lower() for member in schema)


def test_the_canonical_vocabularies_are_complete():
    assert set(Channel) == {"phone", "chat", "email", "social", "callback"}
    assert set(ContactEventType) == {
        "arrived",
        "entered_queue",
        "offered",
        "offer_missed",
        "answered",
        "hold",
        "unhold",
        "transferred",
        "abandoned",
        "timed_out",
        "overflowed",
        "blocked",
        "ended",
        "wrapup_ended",
        "resolved",
        "callback_requested",
    }
    assert set(AgentState) == {
        "logged_in",
        "ready",
        "not_ready",
        "on_contact",
        "wrapup",
        "break",
        "logged_out",
    }


def test_break_is_a_state_named_break():
    assert AgentState.BREAK == "break"
    assert AgentState("break") is AgentState.BREAK


def test_optional_fields_default_to_nothing():
    event = _arrived()
    assert event.customer_id is None
    assert event.data == {}
    assert AgentStateEvent(AT, "a1001", AgentState.NOT_READY).reason is None


def test_each_event_gets_its_own_data_mapping():
    first, second = _arrived(), _arrived()
    assert first.data is not second.data


def test_events_are_immutable_values():
    event = _arrived()
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.queue = "tech"  # type: ignore[misc]
    assert event == _arrived()


def test_a_transfer_carries_its_target_queue_in_data():
    event = ContactEvent(
        AT,
        "billing-20260302-00001",
        ContactEventType.TRANSFERRED,
        Channel.PHONE,
        "billing",
        "a1001",
        customer_id="C000123",
        data={"target": "tech"},
    )
    assert event.data["target"] == "tech"


def test_an_event_is_identified_by_what_it_says() -> None:
    from contactops.engines.events import contact_events_table

    first, same = _arrived(), _arrived()
    later = _arrived(AT + timedelta(seconds=1))
    assert first.key() == same.key() != later.key()
    assert len(first.key()) == 32
    same_instant_elsewhere = _arrived(AT.astimezone(timezone(timedelta(hours=2))))
    assert same_instant_elsewhere.key() == first.key()  # an instant, whatever the zone
    table = contact_events_table([first, later])
    assert table.num_rows == 2 and table.schema.field("occurred_at").type.tz == "UTC"


def test_interval_history_must_divide_a_day_and_count_from_zero() -> None:
    from contactops.engines.events import IntervalVolume

    with pytest.raises(ValueError, match="divide a day"):
        IntervalVolume("billing", AT, 7, offered=1)
    with pytest.raises(ValueError, match="offered"):
        IntervalVolume("billing", AT, 30, offered=-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        IntervalVolume("billing", AT.replace(tzinfo=None), 30, offered=1)
