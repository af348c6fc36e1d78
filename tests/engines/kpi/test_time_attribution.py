"""Which interval, day and week a leg or an agent minute counts in, in local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest

from contactops.engines.kpi.compute import compute_kpis
from contactops.engines.kpi.time_grid import time_grid

from .sample_center import (
    END,
    START,
    agent_states_table,
    at,
    leg,
    legs_table,
    sample_agent_states,
    sample_legs,
)

OSLO = ZoneInfo("Europe/Oslo")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def counts(table: pa.Table, key: str, kpi: str = "arrivals") -> dict[object, object]:
    """``key`` → ``kpi``; intervals as UTC datetimes, because Python datetimes made in a zone
    by Arrow lose the fold that tells the two 02:00s of a fall-back night apart."""
    keys = table.column(key)
    if key == "interval":
        keys = keys.cast(pa.timestamp("us", tz="UTC"))
    return dict(zip(keys.to_pylist(), table.column(kpi).to_pylist(), strict=True))


def test_legs_count_in_the_half_hour_of_their_queue_entry():
    table = compute_kpis(
        sample_legs(), start=START, end=END, group_by=["interval"],
        kpi_ids=["arrivals", "offered", "answered"],
    )  # fmt: skip
    assert table.schema.field("interval").type == pa.timestamp("us", tz="UTC")
    assert table.to_pylist() == [
        # L1 L2 L3 L4 arrive, L5 (c04's second leg) is offered too
        {"interval": at(9), "arrivals": 4, "offered": 5, "answered": 3},
        {"interval": at(9, 30), "arrivals": 2, "offered": 2, "answered": 1},  # L6 L7
        # L8 queued at 10:00 sharp: left-closed, so here. L10 L11 L12 by their arrival.
        {"interval": at(10), "arrivals": 5, "offered": 2, "answered": 0},
        {"interval": at(10, 30), "arrivals": 4, "offered": 4, "answered": 2},
    ]


def test_fifteen_and_six_minute_intervals():
    def arrivals(minutes: int) -> dict[object, object]:
        table = compute_kpis(
            sample_legs(), start=START, end=END, group_by=["interval"],
            interval_minutes=minutes, kpi_ids=["arrivals"],
        )  # fmt: skip
        return counts(table, "interval")

    assert arrivals(15) == {
        at(9): 3,  # L1 L2 L3
        at(9, 15): 1,  # L4
        at(9, 30): 1,  # L6
        at(9, 45): 1,  # L7
        at(10): 3,  # L8 L9 L10
        at(10, 15): 2,  # L11 L12
        at(10, 30): 1,  # L13
        at(10, 45): 3,  # L14 L15 L17
    }
    six = arrivals(6)
    assert [six[at(10)], six[at(10, 6)], six[at(10, 12)], six[at(10, 18)]] == [2, 1, 1, 1]
    assert sum(six.values()) == 15  # type: ignore[arg-type]


def test_a_leg_at_the_end_is_outside_and_a_leg_at_the_start_inside():
    table = compute_kpis(sample_legs(), start=at(9), end=at(11), kpi_ids=["answered"])
    assert table.to_pylist() == [{"answered": 6}]  # L1 at 09:00 in, c15 at 11:00 out
    later = compute_kpis(sample_legs(), start=at(9), end=at(11, 0, 1), kpi_ids=["answered"])
    assert later.to_pylist() == [{"answered": 7}]


def test_the_period_may_be_given_in_any_zone():
    oslo = compute_kpis(
        sample_legs(), start=START.astimezone(OSLO), end=END.astimezone(OSLO),
        kpi_ids=["arrivals"],
    )  # fmt: skip
    assert oslo.to_pylist() == [{"arrivals": 15}]


def test_agent_time_is_split_at_interval_boundaries_and_adds_up_exactly():
    table = compute_kpis(
        sample_legs(), start=START, end=END, group_by=["interval"],
        agent_states=sample_agent_states(),
        kpi_ids=["agent_hours", "ready_hours", "contacts_per_agent_hour"],
    )  # fmt: skip
    hours = counts(table, "interval", "agent_hours")
    # 09:00 a1 30 min; 09:30 a1 30 + a2 30 (a2's contact 09:45–10:15 is split 15 + 15);
    # 10:00 a1 30 + a2 20; 10:30 a1 30 + a2 15 + a3 30.
    assert hours == {at(9): 0.5, at(9, 30): 1.0, at(10): 50 / 60, at(10, 30): 1.25}
    total = compute_kpis(
        sample_legs(), start=START, end=END, agent_states=sample_agent_states(),
        kpi_ids=["agent_hours"],
    )  # fmt: skip
    minutes = [round(h * 60, 9) for h in hours.values()]  # type: ignore[operator]
    assert sum(minutes) == 215 == round(total.to_pylist()[0]["agent_hours"] * 60, 9)
    per_hour = counts(table, "interval", "contacts_per_agent_hour")
    assert per_hour[at(9)] == 6.0  # 3 answered in 0.5 h
    assert per_hour[at(10)] == 0.0  # nothing answered, 50 agent minutes


def test_an_agent_state_crossing_the_period_is_clipped_on_both_sides():
    states = agent_states_table([(at(8), "a9", "ready"), (at(12), "a9", "logged_out")])
    table = compute_kpis(
        sample_legs().slice(0, 0), start=at(9), end=at(10), agent_states=states,
        kpi_ids=["ready_hours"],
    )  # fmt: skip
    assert table.to_pylist() == [{"ready_hours": 1.0}]


# Oslo leaves summer time on Sunday 26 October 2025 at 01:00 UTC: 03:00 CEST becomes 02:00 CET.
FALL_BACK = [
    utc(2025, 10, 25, 22, 30),  # 00:30 CEST on the 26th (the 25th in UTC)
    utc(2025, 10, 26, 0, 15),  # 02:15 CEST
    utc(2025, 10, 26, 0, 45),  # 02:45 CEST
    utc(2025, 10, 26, 1, 0),  # 02:00 CET: the change itself, on a boundary
    utc(2025, 10, 26, 1, 15),  # 02:15 CET
    utc(2025, 10, 26, 2, 0),  # 03:00 CET
]


def fall_back_legs() -> pa.Table:
    return legs_table(
        [leg(f"d{i}", "abandoned", queued=t, wait_s=1) for i, t in enumerate(FALL_BACK)]
    )


def oslo_counts(group_by: str, interval_minutes: int = 30) -> dict[object, object]:
    table = compute_kpis(
        fall_back_legs(), start=utc(2025, 10, 25, 20), end=utc(2025, 10, 26, 4),
        group_by=[group_by], timezone="Europe/Oslo", interval_minutes=interval_minutes,
        kpi_ids=["arrivals"],
    )  # fmt: skip
    if group_by == "interval":
        assert table.schema.field("interval").type == pa.timestamp("us", tz="Europe/Oslo")
    return counts(table, group_by)


def test_the_repeated_hour_of_a_dst_change_gives_two_intervals_with_their_offsets():
    intervals = oslo_counts("interval")
    assert list(intervals.items()) == [
        (utc(2025, 10, 25, 22, 30), 1),
        (utc(2025, 10, 26, 0, 0), 1),  # 02:00 CEST
        (utc(2025, 10, 26, 0, 30), 1),  # 02:30 CEST
        (utc(2025, 10, 26, 1, 0), 2),  # 02:00 CET
        (utc(2025, 10, 26, 2, 0), 1),  # 03:00 CET
    ]
    shown = [(t.astimezone(OSLO).strftime("%H:%M%z")) for t in intervals]  # type: ignore[attr-defined]
    assert shown == ["00:30+0200", "02:00+0200", "02:30+0200", "02:00+0100", "03:00+0100"]


def test_time_of_day_merges_the_repeated_hour_and_days_are_local():
    assert oslo_counts("time_of_day") == {"00:30": 1, "02:00": 3, "02:30": 1, "03:00": 1}
    assert oslo_counts("day") == {date(2025, 10, 26): 6}  # 22:30 UTC on the 25th included
    assert oslo_counts("weekday") == {7: 6}  # Sunday
    assert oslo_counts("week") == {date(2025, 10, 20): 6}  # ISO week starts on Monday
    assert oslo_counts("month") == {date(2025, 10, 1): 6}


def test_hourly_intervals_across_the_change():
    assert list(oslo_counts("interval", 60).values()) == [1, 2, 2, 1]  # 00, 02+2, 02+1, 03


def test_agent_time_across_the_dst_change_in_local_hours():
    states = agent_states_table(
        [(utc(2025, 10, 25, 23), "a1", "ready"), (utc(2025, 10, 26, 2), "a1", "logged_out")]
    )

    def hours(group_by: str) -> list[tuple[object, object]]:
        table = compute_kpis(
            fall_back_legs().slice(0, 0), start=utc(2025, 10, 25, 22), end=utc(2025, 10, 26, 3),
            group_by=[group_by], timezone="Europe/Oslo", interval_minutes=60,
            agent_states=states, kpi_ids=["ready_hours"],
        )  # fmt: skip
        return list(counts(table, group_by, "ready_hours").items())

    # 01:00 CEST, 02:00 CEST, 02:00 CET: an hour each
    assert hours("interval") == [
        (utc(2025, 10, 25, 23), 1.0), (utc(2025, 10, 26, 0), 1.0), (utc(2025, 10, 26, 1), 1.0),
    ]  # fmt: skip
    assert hours("time_of_day") == [("01:00", 1.0), ("02:00", 2.0)]
    assert hours("day") == [(date(2025, 10, 26), 3.0)]


def test_spring_forward_skips_the_missing_local_hour():
    # Sunday 30 March 2025, 01:00 UTC: 02:00 CET becomes 03:00 CEST.
    legs = legs_table(
        [
            leg("s1", "abandoned", queued=utc(2025, 3, 30, 0, 45), wait_s=1),  # 01:45 CET
            leg("s2", "abandoned", queued=utc(2025, 3, 30, 1, 0), wait_s=1),  # 03:00 CEST
        ]
    )
    table = compute_kpis(
        legs, start=utc(2025, 3, 30), end=utc(2025, 3, 30, 2), group_by=["time_of_day"],
        timezone="Europe/Oslo", interval_minutes=60, kpi_ids=["arrivals"],
    )  # fmt: skip
    assert counts(table, "time_of_day") == {"01:00": 1, "03:00": 1}


@pytest.mark.parametrize(
    ("timezone", "day", "expected_start"),
    [
        # Oslo: days of 23 and 25 hours start at local midnight.
        ("Europe/Oslo", date(2025, 3, 30), utc(2025, 3, 29, 23)),
        ("Europe/Oslo", date(2025, 10, 26), utc(2025, 10, 25, 22)),
        # Santiago skips midnight on 7 September 2024: that day starts at 01:00 local.
        ("America/Santiago", date(2024, 9, 8), utc(2024, 9, 8, 4)),
    ],
)
def test_daily_intervals_start_when_the_local_day_starts(
    timezone: str, day: date, expected_start: datetime
):
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
    grid = time_grid(start, start + timedelta(days=3), timezone, 1440)
    by_day = dict(
        zip(grid.table["day"].to_pylist(), grid.table["interval"].to_pylist(), strict=True)
    )
    assert by_day[day] == expected_start
