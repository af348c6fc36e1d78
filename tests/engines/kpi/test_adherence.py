"""Schedule adherence and conformance: hand-computed cases, an oracle property, the live view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactops.engines.kpi import SCHEDULE_SCHEMA
from contactops.engines.kpi.adherence import (
    ACTIVITIES,
    AgentAdherence,
    check_schedules,
    is_adherent,
    out_of_adherence,
)
from contactops.engines.kpi.catalog import KpiParameters
from contactops.engines.kpi.compute import compute_kpis

from .sample_center import (
    END,
    START,
    TEAMS,
    agent_states_table,
    at,
    sample_agent_states,
    sample_legs,
    sample_schedules,
    schedules_table,
)

IDS = ["adherence", "conformance", "scheduled_hours", "out_of_adherence_hours"]
NO_LEGS = sample_legs().slice(0, 0)


def kpis(
    states: pa.Table | None,
    schedules: pa.Table | None,
    *,
    start: datetime = at(9),
    end: datetime = at(11),
    **options: Any,
) -> list[dict[str, Any]]:
    options.setdefault("kpi_ids", IDS)
    table = compute_kpis(
        NO_LEGS, start=start, end=end, agent_states=states, schedules=schedules, **options
    )
    return table.to_pylist()


def one(rows: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(rows) == 1, rows
    return rows[0]


# --- the activity table ------------------------------------------------------------------------


def test_the_activity_table_says_which_states_adhere():
    assert set(ACTIVITIES) == {"work", "break", "lunch", "meeting", "training", "offline"}
    candidates = ("ready", "on_contact", "wrapup", "not_ready")
    assert [s for s in candidates if is_adherent("work", s)] == ["ready", "on_contact", "wrapup"]
    assert is_adherent("lunch", "logged_out") and is_adherent("break", "break")
    assert not is_adherent("work", "logged_out") and not is_adherent("meeting", "logged_out")
    assert is_adherent("offline", "not_ready") and not is_adherent("training", "ready")
    assert not is_adherent("work", "logged_in")
    assert [a.name for a in ACTIVITIES.values() if a.on_queue] == ["work"]


# --- hand-computed KPI cases --------------------------------------------------------------------


def test_late_login_counts_against_adherence():
    # Work 09:00–10:00, ready from 09:15: 45 of 60 minutes adherent.
    states = agent_states_table([(at(9, 15), "a1", "ready")])
    row = one(kpis(states, schedules_table([("a1", at(9), at(10), "work")])))
    assert row == pytest.approx(
        {"adherence": 0.75, "conformance": 105 / 60, "scheduled_hours": 1.0,
         "out_of_adherence_hours": 0.25}  # on queue 09:15–11:00: 105 min of 60 scheduled
    )  # fmt: skip


def test_early_lunch_is_out_of_adherence_until_lunch_starts():
    # Work 09:00–10:00, lunch 10:00–10:30: break at 09:50, ready again 10:30.
    states = agent_states_table(
        [(at(8, 55), "a1", "ready"), (at(9, 50), "a1", "break"), (at(10, 30), "a1", "ready")]
    )
    plan = schedules_table([("a1", at(9), at(10), "work"), ("a1", at(10), at(10, 30), "lunch")])
    row = one(kpis(states, plan))
    assert row["adherence"] == pytest.approx(80 / 90)  # 50 work + 30 lunch
    assert row["out_of_adherence_hours"] == pytest.approx(10 / 60)


def test_logged_out_during_lunch_is_adherent_but_not_during_work():
    states = agent_states_table(
        [(at(9), "a1", "ready"), (at(10), "a1", "logged_out"), (at(10, 40), "a1", "logged_in")]
    )
    plan = schedules_table([("a1", at(9), at(10), "work"), ("a1", at(10), at(10, 30), "lunch"),
                            ("a1", at(10, 30), at(11), "work")])  # fmt: skip
    row = one(kpis(states, plan))
    # work 60 + lunch 30 adherent; second work: logged out, then bare logged_in: 0 of 30.
    assert row["adherence"] == pytest.approx(90 / 120)


def test_an_agent_without_any_event_is_logged_out():
    plan = schedules_table([("a7", at(9), at(9, 30), "lunch"), ("a7", at(9, 30), at(10), "work")])
    row = one(kpis(agent_states_table([(at(9), "a1", "ready")]), plan))
    assert row["adherence"] == pytest.approx(0.5)  # lunch adherent, work not


def test_work_across_midnight_splits_by_day_and_intervals_add_up():
    states = agent_states_table([(at(21, 55), "a1", "ready"), (at(1, days=1), "a1", "break")])
    plan = schedules_table([("a1", at(22), at(2, days=1), "work")])
    days = kpis(states, plan, start=at(0), end=at(0, days=2), group_by=["day"])
    assert [(r["day"].isoformat(), r["scheduled_hours"], r["adherence"]) for r in days] == [
        ("2025-03-03", 2.0, 1.0),
        ("2025-03-04", 2.0, 0.5),  # break from 01:00
    ]
    hours = kpis(states, plan, start=at(0), end=at(0, days=2), group_by=["interval"],
                 interval_minutes=60)  # fmt: skip
    scheduled = [r["scheduled_hours"] for r in hours if r["scheduled_hours"]]
    assert scheduled == [1.0, 1.0, 1.0, 1.0]
    assert sum(r["out_of_adherence_hours"] for r in hours) == pytest.approx(1.0)


def test_work_across_midnight_in_local_time():
    # 22:00–02:00 UTC is 23:00–03:00 in Oslo (UTC+1 in March): 1 h on the 3rd, 3 h on the 4th.
    states = agent_states_table([(at(21), "a1", "ready")])
    plan = schedules_table([("a1", at(22), at(2, days=1), "work")])
    days = kpis(states, plan, start=at(0), end=at(0, days=2), group_by=["day"],
                timezone="Europe/Oslo")  # fmt: skip
    assert {r["day"].isoformat(): r["scheduled_hours"] for r in days if r["scheduled_hours"]} == {
        "2025-03-03": 1.0, "2025-03-04": 3.0,
    }  # fmt: skip


def test_activities_are_clipped_at_the_report_bounds():
    states = agent_states_table([(at(7), "a1", "ready"), (at(10, 30), "a1", "not_ready")])
    plan = schedules_table([("a1", at(8), at(12), "work")])
    row = one(kpis(states, plan))  # 09:00–11:00
    assert row["scheduled_hours"] == 2.0
    assert row["adherence"] == pytest.approx(0.75)
    assert row["conformance"] == pytest.approx(0.75)  # ready 09:00–10:30 of 2 h


def test_interval_split_sums_to_the_period():
    args = (sample_agent_states(), sample_schedules())
    total = one(kpis(*args))
    for minutes in (15, 30, 60):
        rows = kpis(*args, group_by=["interval"], interval_minutes=minutes)
        assert len(rows) == 120 // minutes
        for name in ("scheduled_hours", "out_of_adherence_hours"):
            assert sum(r[name] for r in rows) == pytest.approx(total[name], abs=1e-12)
    quarter = kpis(*args, group_by=["interval"], interval_minutes=15)
    # 09:00–09:15: a1 work, ready/contact (15 of 15); a3 meeting, logged out (0 of 15).
    assert quarter[0]["adherence"] == 0.5


def test_neutral_activities_are_left_out_of_both_sides():
    states = agent_states_table([(at(9), "a1", "ready")])
    plan = schedules_table([("a1", at(9), at(10), "work"), ("a1", at(10), at(11), "training")])
    plain = one(kpis(states, plan))
    assert (plain["adherence"], plain["scheduled_hours"]) == (0.5, 2.0)
    neutral = one(kpis(states, plan, params=KpiParameters(neutral_activities=("training",))))
    assert neutral == pytest.approx(
        {"adherence": 1.0, "conformance": 2.0, "scheduled_hours": 1.0,
         "out_of_adherence_hours": 0.0}
    )  # fmt: skip


def test_conformance_counts_unscheduled_on_queue_time_and_may_exceed_one():
    states = agent_states_table(
        [(at(9), "a1", "ready"), (at(9, 30), "a1", "on_contact"), (at(9, 40), "a1", "wrapup"),
         (at(9, 45), "a1", "ready"), (at(10, 30), "a2", "ready")]
    )  # fmt: skip
    plan = schedules_table([("a1", at(9), at(9, 30), "work"), ("a1", at(9, 30), at(10), "offline")])
    row = one(kpis(states, plan))
    # On queue: a1 09:00–11:00 (120) + a2 10:30–11:00 (30) = 150 over 30 scheduled work minutes.
    assert row["conformance"] == pytest.approx(5.0)
    assert row["adherence"] == pytest.approx(0.5)  # offline wants not_ready or break
    by_agent = {r["agent"]: r for r in kpis(states, plan, group_by=["agent"])}
    assert by_agent["a1"]["conformance"] == pytest.approx(4.0)
    assert by_agent["a2"]["conformance"] is None  # nothing scheduled: no denominator
    assert by_agent["a2"]["scheduled_hours"] == 0.0


def test_sample_center_by_agent_team_day_and_week():
    args = (sample_agent_states(), sample_schedules())
    agents = {r["agent"]: r for r in kpis(*args, group_by=["agent"])}
    assert agents["a1"]["adherence"] == pytest.approx(95 / 120)
    assert agents["a2"]["adherence"] == pytest.approx(64 / 90)
    assert agents["a3"]["adherence"] == 0.0
    assert agents["a1"]["conformance"] == pytest.approx(90 / 105)  # ready 45 + 35 + 10
    teams = {r["team"]: r for r in kpis(*args, group_by=["team"], agent_teams=TEAMS)}
    assert teams["red"]["adherence"] == pytest.approx(95 / 150)  # a1 + a3
    assert teams["red"]["conformance"] == pytest.approx(120 / 105)  # a3's 30 unscheduled
    assert teams["blue"]["out_of_adherence_hours"] == pytest.approx(26 / 60)
    for dimension in ("day", "week"):
        row = one(kpis(*args, group_by=[dimension]))
        assert row["adherence"] == pytest.approx(159 / 240)
        assert row["scheduled_hours"] == pytest.approx(4.0)


def test_grouped_with_legs_by_agent_adherence_follows_the_agent():
    table = compute_kpis(
        sample_legs(), start=START, end=END, group_by=["agent"], agent_states=sample_agent_states(),
        schedules=sample_schedules(), kpi_ids=["answered", "adherence"],
    )  # fmt: skip
    rows = {r["agent"]: r for r in table.to_pylist()}
    assert rows["a1"] == pytest.approx({"agent": "a1", "answered": 2, "adherence": 95 / 120})
    assert rows[None]["adherence"] is None  # unanswered legs: no agent, nothing scheduled


@pytest.mark.parametrize("dimension", ["queue", "channel"])
def test_null_when_grouped_by_queue_or_channel(dimension: str):
    table = compute_kpis(
        sample_legs(), start=START, end=END, group_by=[dimension],
        agent_states=sample_agent_states(), schedules=sample_schedules(),
    )  # fmt: skip
    for row in table.to_pylist():
        assert all(row[k] is None for k in IDS), row


def test_null_without_a_schedule_and_adherence_null_without_states():
    assert one(kpis(sample_agent_states(), None)) == dict.fromkeys(IDS)
    row = one(kpis(None, sample_schedules()))
    assert row == {"adherence": None, "conformance": None, "scheduled_hours": 4.0,
                   "out_of_adherence_hours": None}  # fmt: skip


def test_bad_schedules_are_refused_naming_the_problem():
    with pytest.raises(ValueError, match=r"row 1: unknown activity 'nap'; known activities: work"):
        kpis(None, schedules_table([("a1", at(9), at(10), "work"), ("a1", at(10), at(11), "nap")]))
    with pytest.raises(ValueError, match=r"row 0 ends at .* not after its start"):
        kpis(None, schedules_table([("a1", at(9), at(9), "work")]))
    with pytest.raises(ValueError, match=r"rows 1 and 0 overlap for agent 'a1'"):
        check_schedules(
            schedules_table([("a1", at(9, 30), at(10), "break"), ("a1", at(9), at(9, 45), "work")])
        )
    with pytest.raises(ValueError, match="schedules: missing columns activity"):
        kpis(None, sample_schedules().drop_columns(["activity"]))
    with pytest.raises(ValueError, match="neutral_activities must be known activities"):
        KpiParameters(neutral_activities=("nap",))
    # Touching activities and other agents' overlaps are fine.
    check_schedules(
        schedules_table([("a1", at(9), at(10), "work"), ("a1", at(10), at(11), "lunch"),
                         ("a2", at(9), at(11), "work")])
    )  # fmt: skip


# --- property: the SQL agrees with a minute-by-minute reading ---------------------------------

STATES = ["logged_in", "ready", "not_ready", "on_contact", "wrapup", "break", "logged_out"]
AGENTS = ["a1", "a2"]
DAY0 = datetime(2025, 3, 3, tzinfo=UTC)


@st.composite
def plans(draw: st.DrawFn) -> tuple[list[tuple[int, str, str]], list[tuple[str, int, int, str]]]:
    """Events and schedules on whole minutes of 03:00 on day 0 … 03:00 on day 2."""
    minute = st.integers(0, 48 * 60)
    events = draw(st.lists(st.tuples(minute, st.sampled_from(AGENTS), st.sampled_from(STATES)),
                           max_size=25))  # fmt: skip
    schedules = []
    for agent in AGENTS:
        cuts = sorted(draw(st.sets(minute, max_size=8)))
        for a, b in pairwise(cuts):
            if draw(st.booleans()):
                schedules.append((agent, a, b, draw(st.sampled_from(list(ACTIVITIES)))))
    return events, schedules


def _minute(m: int) -> datetime:
    return DAY0 + timedelta(hours=3, minutes=m)


def _oracle(
    events: list[tuple[int, str, str]], schedules: list[tuple[str, int, int, str]], lo: int, hi: int
) -> tuple[int, int]:
    """(scheduled, adherent) minutes in [lo, hi), reading each minute's state directly."""
    scheduled = adherent = 0
    events = sorted(events, key=lambda e: e[0])  # stable: the log's order at one instant
    for agent, a, b, activity in schedules:
        for m in range(max(a, lo), min(b, hi)):
            before = [s for t, ag, s in events if ag == agent and t <= m]  # log order kept
            state = before[-1] if before else "logged_out"
            scheduled += 1
            adherent += is_adherent(activity, state)
    return scheduled, adherent


@settings(max_examples=40, deadline=None)
@given(plans(), st.integers(0, 24 * 60), st.integers(1, 24 * 60))
def test_adherence_matches_a_minute_by_minute_reading(plan, lo: int, length: int):
    events, schedules = plan
    hi = lo + length
    states = agent_states_table([(_minute(t), a, s) for t, a, s in events])
    table = schedules_table([(a, _minute(s), _minute(e), act) for a, s, e, act in schedules])
    start, end = _minute(lo), _minute(hi)
    total = one(kpis(states, table, start=start, end=end))
    scheduled, adherent = _oracle(events, schedules, lo, hi)
    assert total["scheduled_hours"] == pytest.approx(scheduled / 60, abs=1e-9)
    assert total["out_of_adherence_hours"] == pytest.approx((scheduled - adherent) / 60, abs=1e-9)
    assert 0 <= adherent <= scheduled
    if scheduled:
        assert 0 <= total["adherence"] <= 1
    # Intervals add up to the days, and the days to the period.
    for dimension in ("interval", "day"):
        rows = kpis(states, table, start=start, end=end, group_by=[dimension],
                    interval_minutes=30)  # fmt: skip
        for name in ("scheduled_hours", "out_of_adherence_hours"):
            assert sum(r[name] for r in rows) == pytest.approx(total[name], abs=1e-9)


# --- the live view ------------------------------------------------------------------------------


def live(states: pa.Table, plan: pa.Table, now: datetime, **options: Any) -> list[AgentAdherence]:
    return out_of_adherence(states, plan, now, **options)


WORK_DAY = schedules_table(
    [("a1", at(8), at(10), "work"), ("a1", at(10), at(12), "work"),  # split at 10:00
     ("a1", at(12), at(12, 30), "lunch"), ("a1", at(12, 30), at(16), "work"),
     ("a2", at(9), at(17), "work"), ("a3", at(14), at(18), "work")]
)  # fmt: skip


def test_live_view_lists_agents_scheduled_now_with_their_state():
    states = agent_states_table(
        [(at(7, 58), "a1", "logged_in"), (at(8), "a1", "ready"), (at(9), "a1", "ready"),
         (at(9, 5), "a2", "ready")]
    )  # fmt: skip
    rows = live(states, WORK_DAY, at(9, 30))
    assert rows == [
        AgentAdherence("a1", "work", at(10), "ready", at(8), True, None),  # since the first ready
        AgentAdherence("a2", "work", at(17), "ready", at(9, 5), True, None),
    ]  # a3 is not scheduled at 09:30


def test_live_view_late_login_is_out_after_the_grace_time():
    states = agent_states_table([(at(8), "a1", "ready")])
    within = live(states, WORK_DAY, at(9, 4), grace_s=300)
    assert within[1] == AgentAdherence("a2", "work", at(17), "logged_out", None, True, None)
    late = live(states, WORK_DAY, at(9, 5), grace_s=300)
    assert late[1] == AgentAdherence("a2", "work", at(17), "logged_out", None, False, at(9))
    assert live(states, WORK_DAY, at(9, 0, 1), grace_s=0)[1].out_since == at(9)


def test_live_view_carries_the_out_time_over_a_split_activity_and_state_changes():
    states = agent_states_table(
        [(at(8), "a1", "ready"), (at(9, 50), "a1", "not_ready"), (at(9, 55), "a1", "logged_out")]
    )
    row = live(states, WORK_DAY, at(10, 20))[0]
    assert (row.state, row.state_since, row.adherent, row.out_since) == (
        "logged_out", at(9, 55), False, at(9, 50),
    )  # fmt: skip


def test_live_view_early_lunch_is_out_until_lunch_starts_and_logged_out_lunch_is_adherent():
    states = agent_states_table([(at(8), "a1", "ready"), (at(11, 50), "a1", "logged_out")])
    early = live(states, WORK_DAY, at(11, 58), grace_s=60)[0]
    assert (early.activity, early.adherent, early.out_since) == ("work", False, at(11, 50))
    lunch = live(states, WORK_DAY, at(12, 10))[0]
    assert (lunch.activity, lunch.activity_end, lunch.adherent) == ("lunch", at(12, 30), True)
    # Still logged out after lunch: out since the work started again, not since 11:50.
    after = live(states, WORK_DAY, at(12, 40))[0]
    assert (after.adherent, after.out_since) == (False, at(12, 30))


def test_live_view_events_at_one_instant_follow_the_log_order_and_neutral_is_adherent():
    states = agent_states_table([(at(9), "a2", "ready"), (at(9), "a2", "not_ready")])
    row = live(states, WORK_DAY, at(9, 30))[1]
    assert (row.state, row.adherent, row.out_since) == ("not_ready", False, at(9))
    plan = schedules_table([("a2", at(9), at(10), "training")])
    assert live(agent_states_table([]), plan, at(9, 30))[0].adherent is False
    assert live(agent_states_table([]), plan, at(9, 30), neutral_activities=["training"])[
        0
    ].adherent  # fmt: skip


def test_live_view_refuses_bad_arguments():
    with pytest.raises(ValueError, match="at must be timezone-aware"):
        live(agent_states_table([]), WORK_DAY, datetime(2025, 3, 3, 9))
    with pytest.raises(ValueError, match="grace_s must be"):
        live(agent_states_table([]), WORK_DAY, at(9), grace_s=-1)
    with pytest.raises(ValueError, match="unknown activity 'nap'"):
        live(agent_states_table([]), WORK_DAY, at(9), neutral_activities=["nap"])


def test_schedule_schema_is_exported():
    assert SCHEDULE_SCHEMA.names == ["agent", "start", "end", "activity"]
    assert SCHEDULE_SCHEMA.field("start").type == pa.timestamp("us", tz="UTC")
