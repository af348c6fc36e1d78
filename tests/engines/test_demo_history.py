"""Demo history: deterministic, plausible, and every contact tells a complete canonical story."""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from contactops.engines.events import AgentState, Channel, ContactEvent, ContactEventType
from contactops.engines.simulation.demo_history import (
    DemoAgent,
    DemoHistory,
    DemoQueue,
    generate_demo_history,
)

T = ContactEventType
OSLO = "Europe/Oslo"
OSLO_ZONE = ZoneInfo(OSLO)
BILLING = DemoQueue("billing", Channel.PHONE, 300, 0.4, 0.0, 300, 40, 120)
CHAT = DemoQueue("chat", Channel.CHAT, 160, 0.3, 0.0, 540, 30, 200, 8, 22, concurrency=2)
EMAIL = DemoQueue("email", Channel.EMAIL, 80, 0.0, 0.0, 420, 60, None)
SALES = DemoQueue("sales", Channel.PHONE, 150, 0.3, 0.0, 360, 40, 150)
QUEUES = (BILLING, CHAT, EMAIL, SALES)
AGENTS = tuple(
    DemoAgent(
        f"a{1001 + i}",
        (QUEUES[i % 4].code,) + ((QUEUES[(i + 1) % 4].code,) if i % 2 else ()),
    )
    for i in range(20)
)
DST_WEEKS_START = date(2026, 3, 23)  # Oslo moves to summer time on Sunday 29 March 2026
# One queue visit (leg), wrap-up aside: answered and ended, answered and transferred (the next
# leg follows in the target queue), abandoned, or still waiting when the history ends (e-mail).
ANSWERED_LEG = (T.OFFERED, T.ANSWERED, T.ENDED)
TRANSFERRED_LEG = (T.OFFERED, T.ANSWERED, T.TRANSFERRED)
ABANDONED_LEG = (T.ABANDONED,)
WAITING_LEG = ()


@pytest.fixture(scope="module")
def history() -> DemoHistory:
    """Two weeks of three queues in Oslo, across the change to summer time."""
    return generate_demo_history(
        QUEUES, AGENTS, start=DST_WEEKS_START, days=14, time_zone=OSLO, seed=11
    )


@pytest.fixture(scope="module")
def four_weeks_of_orders() -> DemoHistory:
    """One phone queue of 400 contacts a weekday, 40% on Saturday, closed on Sunday."""
    orders = DemoQueue("orders", Channel.PHONE, 400, 0.4, 0.0, 240, 30, 150)
    agents = [DemoAgent(f"o{n}", ("orders",)) for n in range(30)]
    return generate_demo_history(
        [orders], agents, start=date(2026, 1, 5), days=28, time_zone=OSLO, seed=3
    )


def _stories(history: DemoHistory) -> dict[str, list[ContactEvent]]:
    stories: dict[str, list[ContactEvent]] = defaultdict(list)
    for event in history.contact_events:
        stories[event.contact_id].append(event)
    return stories


def _legs(events: list[ContactEvent]) -> list[list[ContactEvent]]:
    """A contact's events after each queue entry, wrap-up aside (it may come after the next
    leg has started); the contact's arrival comes before the first entry."""
    legs: list[list[ContactEvent]] = []
    for event in events:
        if event.event_type == T.ENTERED_QUEUE:
            legs.append([])
        elif event.event_type not in (T.ARRIVED, T.WRAPUP_ENDED):
            legs[-1].append(event)
    return legs


def _arrivals(history: DemoHistory) -> list[ContactEvent]:
    return [e for e in history.contact_events if e.event_type == T.ARRIVED]


def _local(event: ContactEvent) -> datetime:
    return event.occurred_at.astimezone(OSLO_ZONE)


def _daily_arrivals(history: DemoHistory) -> Counter[date]:
    return Counter(_local(e).date() for e in _arrivals(history))


def test_same_seed_gives_an_identical_history():
    first = generate_demo_history(QUEUES, AGENTS, start=date(2026, 3, 2), days=3, time_zone=OSLO)
    second = generate_demo_history(QUEUES, AGENTS, start=date(2026, 3, 2), days=3, time_zone=OSLO)
    assert first == second
    assert first.contacts > 0


def test_another_seed_gives_another_history():
    first = generate_demo_history(QUEUES, AGENTS, start=date(2026, 3, 2), days=3, time_zone=OSLO)
    other = generate_demo_history(
        QUEUES, AGENTS, start=date(2026, 3, 2), days=3, time_zone=OSLO, seed=8
    )
    assert first.contact_events != other.contact_events


def test_contacts_counts_every_arrival_once(history: DemoHistory):
    arrivals = _arrivals(history)
    assert history.contacts == len(arrivals) == len({e.contact_id for e in arrivals})


def test_contact_id_names_the_queue_and_the_local_day_of_arrival(history: DemoHistory):
    for event in _arrivals(history):
        queue, day, _number = event.contact_id.split("-")
        assert re.fullmatch(rf"{event.queue}-\d{{8}}-\d{{5}}", event.contact_id)
        assert queue == event.queue
        assert day == f"{_local(event):%Y%m%d}"


def test_every_contact_ends_answered_or_abandoned_never_both(history: DemoHistory):
    for events in _stories(history).values():
        last = [e.event_type for e in _legs(events)[-1]]
        assert (T.ANSWERED in last) != (T.ABANDONED in last) or (
            last == [] and events[0].channel == Channel.EMAIL
        ), events


def test_each_contact_tells_its_story_in_the_canonical_order(history: DemoHistory):
    seen = Counter()
    for events in _stories(history).values():
        assert events[0].event_type == T.ARRIVED
        assert events[1].event_type == T.ENTERED_QUEUE
        legs = [tuple(e.event_type for e in leg) for leg in _legs(events)]
        for leg in legs[:-1]:
            assert leg == TRANSFERRED_LEG, legs
        assert legs[-1] in (ANSWERED_LEG, ABANDONED_LEG, WAITING_LEG), legs
        seen[legs[-1]] += 1
        seen[TRANSFERRED_LEG] += len(legs) - 1
        wrapups = sum(e.event_type == T.WRAPUP_ENDED for e in events)
        assert wrapups <= sum(T.ANSWERED in leg for leg in legs)
    assert all(seen[leg] > 0 for leg in (ANSWERED_LEG, TRANSFERRED_LEG, ABANDONED_LEG))


def test_an_agent_is_named_from_the_offer_on_and_never_for_an_abandon(history: DemoHistory):
    named = {T.OFFERED, T.ANSWERED, T.TRANSFERRED, T.ENDED, T.WRAPUP_ENDED}
    for events in _stories(history).values():
        for event in events:
            assert (event.agent is not None) == (event.event_type in named), event
        for leg in _legs(events):
            assert len({e.agent for e in leg if e.agent}) <= 1


def test_every_event_carries_the_channel_and_queue_of_its_contact(history: DemoHistory):
    channels = {queue.code: queue.channel for queue in QUEUES}
    for event in history.contact_events:
        assert event.queue is not None
        assert event.channel == channels[event.queue]


def test_both_event_lists_are_sorted_by_time(history: DemoHistory):
    for events in (history.contact_events, history.agent_events):
        times = [e.occurred_at for e in events]
        assert times == sorted(times)


def test_all_timestamps_are_aware_utc(history: DemoHistory):
    for event in [*history.contact_events, *history.agent_events]:
        assert event.occurred_at.tzinfo is UTC


def test_arrivals_fall_within_the_local_opening_hours_of_their_queue(history: DemoHistory):
    hours = {queue.code: (queue.open_hour, queue.close_hour) for queue in QUEUES}
    for event in _arrivals(history):
        open_hour, close_hour = hours[str(event.queue)]
        assert open_hour <= _local(event).hour < close_hour, event


def test_the_local_opening_hour_holds_on_both_sides_of_a_dst_change(history: DemoHistory):
    first_billing_arrival: dict[date, datetime] = {}
    for event in _arrivals(history):
        if event.queue == "billing":
            first_billing_arrival.setdefault(_local(event).date(), event.occurred_at)
    change = date(2026, 3, 29)
    before = [at for day, at in first_billing_arrival.items() if day < change]
    after = [at for day, at in first_billing_arrival.items() if day > change]
    assert before and after
    assert all(at.astimezone(OSLO_ZONE).hour == 8 for at in before + after)
    assert {at.hour for at in before} == {7}  # 08:00 CET is 07:00 UTC
    assert {at.hour for at in after} == {6}  # 08:00 CEST is 06:00 UTC


def test_weekday_volume_is_near_the_expected_mean(four_weeks_of_orders: DemoHistory):
    daily = _daily_arrivals(four_weeks_of_orders)
    weekdays = [count for day, count in daily.items() if day.weekday() < 5]
    assert len(weekdays) == 20
    assert 368 <= statistics.mean(weekdays) <= 432  # 400 expected


def test_saturday_volume_follows_its_share_of_a_weekday(four_weeks_of_orders: DemoHistory):
    daily = _daily_arrivals(four_weeks_of_orders)
    saturdays = [count for day, count in daily.items() if day.weekday() == 5]
    assert len(saturdays) == 4
    assert 120 <= statistics.mean(saturdays) <= 200  # 0.4 x 400 = 160 expected


def test_a_closed_sunday_has_no_arrivals(four_weeks_of_orders: DemoHistory):
    assert not [day for day in _daily_arrivals(four_weeks_of_orders) if day.weekday() == 6]


def test_monday_is_busier_than_friday(four_weeks_of_orders: DemoHistory):
    daily = _daily_arrivals(four_weeks_of_orders)
    mondays = [count for day, count in daily.items() if day.weekday() == 0]
    fridays = [count for day, count in daily.items() if day.weekday() == 4]
    assert statistics.mean(mondays) > statistics.mean(fridays)


def test_arrivals_peak_mid_morning_dip_at_lunch_and_rise_again_mid_afternoon(
    four_weeks_of_orders: DemoHistory,
):
    by_hour = Counter(_local(e).hour for e in _arrivals(four_weeks_of_orders))
    assert by_hour[10] > by_hour[8]
    assert by_hour[10] > by_hour[12] < by_hour[14]
    assert by_hour[14] > by_hour[19]
    assert max(by_hour, key=lambda hour: by_hour[hour]) in (10, 11)


def test_an_agent_never_holds_more_contacts_at_once_than_the_queue_concurrency(
    history: DemoHistory,
):
    """An agent is reserved from the offer to the end of wrap-up."""
    concurrency = {queue.code: queue.concurrency for queue in QUEUES}
    busy: dict[str, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    for events in _stories(history).values():
        wrapups = [e for e in events if e.event_type == T.WRAPUP_ENDED]
        for offered in (e for e in events if e.event_type == T.OFFERED):
            done = next(
                w
                for w in wrapups
                if w.agent == offered.agent and w.occurred_at > offered.occurred_at
            )
            busy[str(offered.agent)].append(
                (offered.occurred_at, done.occurred_at, concurrency[str(offered.queue)])
            )
    most_at_once = 0
    for intervals in busy.values():
        in_progress: list[tuple[datetime, datetime, int]] = []
        for interval in sorted(intervals):
            in_progress = [other for other in in_progress if other[1] > interval[0]]
            in_progress.append(interval)
            assert len(in_progress) <= min(limit for _s, _e, limit in in_progress)
            most_at_once = max(most_at_once, len(in_progress))
    assert most_at_once == 2  # chat agents do use their concurrency


def test_abandonment_falls_when_there_are_plenty_of_agents():
    queue = DemoQueue("sales", Channel.PHONE, 400, 0.0, 0.0, 300, 30, 120)

    def abandon_rate(agent_count: int) -> float:
        agents = [DemoAgent(f"s{n}", ("sales",)) for n in range(agent_count)]
        history = generate_demo_history(
            [queue], agents, start=date(2026, 3, 2), days=5, time_zone=OSLO
        )
        abandons = sum(e.event_type == T.ABANDONED for e in history.contact_events)
        return abandons / history.contacts

    scarce, plenty = abandon_rate(2), abandon_rate(20)
    assert plenty < scarce / 2
    assert plenty < 0.25


def test_e_mail_never_abandons(history: DemoHistory):
    email_outcomes = {
        e.event_type
        for e in history.contact_events
        if e.queue == "email" and e.event_type in (T.ANSWERED, T.ABANDONED)
    }
    assert email_outcomes == {T.ANSWERED}
    waiting = [
        events
        for events in _stories(history).values()
        if events[0].queue == "email" and T.ANSWERED not in {e.event_type for e in events}
    ]
    assert len(waiting) < 0.05 * sum(1 for e in _arrivals(history) if e.queue == "email")


def test_a_few_answered_contacts_are_transferred_to_another_queue(history: DemoHistory):
    answered = sum(e.event_type == T.ANSWERED for e in history.contact_events)
    transfers = [e for e in history.contact_events if e.event_type == T.TRANSFERRED]
    assert 0.015 <= len(transfers) / answered <= 0.05  # about 3%
    channel = {q.code: q.channel for q in QUEUES}
    for transfer in transfers:
        target = transfer.data["target"]
        assert target != transfer.queue and channel[str(target)] == channel[str(transfer.queue)]


def test_most_contacts_come_from_known_customers_and_some_come_back(history: DemoHistory):
    customers = [e.customer_id for e in _arrivals(history)]
    known = [c for c in customers if c is not None]
    assert 0.55 <= len(known) / len(customers) <= 0.65
    assert all(re.fullmatch(r"C\d{6}", c) for c in known)
    assert max(Counter(known).values()) >= 2


def test_every_login_is_closed_by_a_later_logout_of_the_same_agent(history: DemoHistory):
    logged_in_since: dict[str, datetime | None] = defaultdict(lambda: None)
    for event in history.agent_events:
        since = logged_in_since[event.agent]
        if event.state == AgentState.LOGGED_IN:
            assert since is None, f"{event.agent} logged in twice"
            logged_in_since[event.agent] = event.occurred_at
        else:
            assert since is not None, f"{event.agent} is {event.state} while logged out"
            if event.state == AgentState.LOGGED_OUT:
                assert event.occurred_at >= since
                logged_in_since[event.agent] = None
    assert logged_in_since
    assert all(since is None for since in logged_in_since.values())


def test_agents_answer_contacts_only_while_logged_in_and_on_contact(history: DemoHistory):
    sessions: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    login: dict[str, datetime] = {}
    on_contact = Counter()
    for event in history.agent_events:
        if event.state == AgentState.LOGGED_IN:
            login[event.agent] = event.occurred_at
        elif event.state == AgentState.LOGGED_OUT:
            sessions[event.agent].append((login.pop(event.agent), event.occurred_at))
        elif event.state == AgentState.ON_CONTACT:
            on_contact[event.agent] += 1
    answers = [e for e in history.contact_events if e.event_type == T.ANSWERED]
    for answer in answers:
        agent_sessions = sessions[str(answer.agent)]
        assert any(start <= answer.occurred_at <= end for start, end in agent_sessions), answer
    assert set(on_contact) == {e.agent for e in answers}


def test_progress_is_reported_once_per_simulated_day():
    done: list[int] = []
    generate_demo_history(
        QUEUES, AGENTS, start=date(2026, 3, 6), days=4, time_zone=OSLO, progress=done.append
    )
    assert done == [1, 2, 3, 4]


def test_no_days_give_an_empty_history():
    history = generate_demo_history(QUEUES, AGENTS, start=date(2026, 3, 2), days=0, time_zone=OSLO)
    assert history == DemoHistory([], [], 0)


def test_arrivals_start_at_the_local_opening_hour_far_from_utc():
    shanghai = ZoneInfo("Asia/Shanghai")
    history = generate_demo_history(
        [BILLING],
        [DemoAgent("g1", ("billing",)), DemoAgent("g2", ("billing",))],
        start=date(2026, 3, 2),
        days=1,
        time_zone="Asia/Shanghai",
    )
    local_times = [e.occurred_at.astimezone(shanghai) for e in _arrivals(history)]
    assert {t.date() for t in local_times} == {date(2026, 3, 2)}
    assert min(t.time() for t in local_times) >= time(8)


@pytest.mark.parametrize(
    ("queues", "agents", "message"),
    [
        (QUEUES, [*AGENTS, DemoAgent("x1", ("loans",))], "agent 'x1': unknown queue 'loans'"),
        (QUEUES, [DemoAgent("x1", ("billing", "chat"))], "queue 'email': no agent is skilled"),
        ((BILLING, BILLING), AGENTS, "queue codes must be unique"),
    ],
    ids=["unknown queue", "unstaffable queue", "duplicate queue"],
)
def test_an_impossible_center_is_rejected_with_the_reason(queues, agents, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        generate_demo_history(queues, agents, start=date(2026, 3, 2), days=1, time_zone=OSLO)


def test_a_queue_with_wrapup_longer_than_its_handle_time_is_rejected():
    with pytest.raises(ValueError, match=r"queue 'billing': wrapup_s=300"):
        DemoQueue("billing", Channel.PHONE, 300, 0.4, 0.0, 300, 300, 120)
