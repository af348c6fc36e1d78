"""Schedule adherence: the scheduled activities, the agent states that adhere to each, and the
live view of who is out of adherence now.

A schedule row says an agent should do one activity during [start, end) (UTC). Time with no
scheduled activity is not scheduled time. Adherence compares it with the agent-state log, read
as :mod:`.agent_time` reads it (each event lasts until the agent's next event), except that
``logged_out`` is a state here, and an agent is logged out before its first event. The KPIs
(adherence, conformance, scheduled and out-of-adherence hours) are computed in
:mod:`.schedule_time`; this module holds the rules and the live helper.

State-matching adherence, as Amazon Connect computes it: adherent time ÷ scheduled time, where
time is adherent when the agent's state is one of the activity's adherent states ("Adherence" in
https://docs.aws.amazon.com/connect/latest/adminguide/metrics-definitions.html). Genesys Cloud
states the same number as 1 − out-of-adherence ÷ scheduled; Calabrio leaves neutral activities
out of both sides (``KpiParameters.neutral_activities``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from contactops.engines.events import TIMESTAMP, AgentState

SCHEDULE_SCHEMA = pa.schema(
    [
        pa.field("agent", pa.string(), nullable=False),  # the agent's code, as in the state log
        pa.field("start", TIMESTAMP, nullable=False),
        pa.field("end", TIMESTAMP, nullable=False),  # exclusive
        pa.field("activity", pa.string(), nullable=False),  # a key of ACTIVITIES
    ]
)


@dataclass(frozen=True, slots=True)
class Activity:
    """A scheduled activity, the agent states that adhere to it, and whether it is on queue
    (conformance compares on-queue time with the on-queue activities' scheduled time)."""

    name: str
    adherent_states: frozenset[AgentState]
    on_queue: bool = False


_S = AgentState
_ON_QUEUE = frozenset({_S.READY, _S.ON_CONTACT, _S.WRAPUP})
_AWAY = frozenset({_S.BREAK, _S.LOGGED_OUT})
_OFF_QUEUE = frozenset({_S.NOT_READY, _S.BREAK})

# The one table of which agent states adhere to which scheduled activity.
# | activity | adherent states                  | meaning                                 |
# | work     | ready, on_contact, wrapup        | on queue: taking or finishing contacts  |
# | break    | break, logged_out                | a paid break                            |
# | lunch    | break, logged_out                | an unpaid meal break                    |
# | meeting  | not_ready, break                 | off-queue work, logged in               |
# | training | not_ready, break                 | off-queue work, logged in               |
# | offline  | not_ready, break                 | other off-queue work (e-mail, back office) |
# ``logged_in`` (logged in, no state chosen yet) and unknown states adhere to nothing.
ACTIVITIES: Mapping[str, Activity] = {
    a.name: a
    for a in (
        Activity("work", _ON_QUEUE, on_queue=True),
        Activity("break", _AWAY),
        Activity("lunch", _AWAY),
        Activity("meeting", _OFF_QUEUE),
        Activity("training", _OFF_QUEUE),
        Activity("offline", _OFF_QUEUE),
    )
}


def check_activity(name: object, where: str = "activity") -> str:
    """``name`` when it is a known activity; ValueError naming it and the known ones otherwise."""
    if not isinstance(name, str) or name not in ACTIVITIES:
        raise ValueError(
            f"{where}: unknown activity {name!r}; known activities: {', '.join(ACTIVITIES)}"
        )
    return name


def is_adherent(activity: str, state: str) -> bool:
    """Whether an agent in ``state`` adheres to ``activity`` (see :data:`ACTIVITIES`)."""
    return state in ACTIVITIES[activity].adherent_states


def check_schedules(schedules: pa.Table) -> None:
    """ValueError naming the row and the reason for a schedule the engine cannot read.

    Every row needs an agent, a start, an end after the start and a known activity; one agent's
    activities may touch but not overlap (an instant has one scheduled activity at most).
    """
    missing = [c for c in SCHEDULE_SCHEMA.names if c not in schedules.column_names]
    if missing:
        raise ValueError(f"schedules: missing columns {', '.join(missing)}")
    for name in SCHEDULE_SCHEMA.names:
        nulls = schedules.column(name).null_count
        if nulls:
            row = pc.index(pc.is_null(schedules.column(name)), True).as_py()
            raise ValueError(f"schedules: row {row} has no {name}")
    for activity in pc.unique(schedules.column("activity")).to_pylist():
        if activity not in ACTIVITIES:
            row = pc.index(schedules.column("activity"), activity).as_py()
            check_activity(activity, f"schedules row {row}")
    if schedules.num_rows == 0:
        return
    start = _us(schedules.column("start"))
    end = _us(schedules.column("end"))
    empty = np.flatnonzero(end <= start)
    if empty.size:
        row = int(empty[0])
        raise ValueError(
            f"schedules: row {row} ends at {_iso(end[row])}, not after its start {_iso(start[row])}"
        )
    agents = schedules.column("agent").cast(pa.string())
    order = pc.sort_indices(
        pa.table({"a": agents, "s": start}), [("a", "ascending"), ("s", "ascending")]
    )
    order_np = order.to_numpy()
    sorted_agents = agents.take(order).to_numpy(zero_copy_only=False)
    same = sorted_agents[1:] == sorted_agents[:-1]
    overlap = np.flatnonzero(same & (start[order_np][1:] < end[order_np][:-1]))
    if overlap.size:
        first, second = int(order_np[overlap[0]]), int(order_np[overlap[0] + 1])
        raise ValueError(
            f"schedules: rows {first} and {second} overlap for agent {sorted_agents[overlap[0]]!r}"
            f" ({_iso(start[first])}–{_iso(end[first])} and {_iso(start[second])}–"
            f"{_iso(end[second])})"
        )


def _us(column: pa.ChunkedArray) -> npt.NDArray[np.int64]:
    return np.asarray(column.cast(TIMESTAMP).cast(pa.int64()).to_numpy(), dtype=np.int64)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _iso(at_us: int | np.integer) -> str:
    return (_EPOCH + timedelta(microseconds=int(at_us))).isoformat()


@dataclass(frozen=True, slots=True)
class AgentAdherence:
    """One scheduled agent at one instant, as a live adherence view shows it."""

    agent: str
    activity: str  # scheduled now
    activity_end: datetime
    state: str  # the agent's current state; logged_out when the log has no event yet
    state_since: datetime | None  # when the agent entered it (None: no event in the log)
    adherent: bool  # in an adherent state, a neutral activity, or out for less than the grace
    out_since: datetime | None  # when the agent went out of adherence (None when adherent)


def out_of_adherence(
    agent_states: pa.Table,
    schedules: pa.Table,
    at: datetime,
    *,
    grace_s: float = 300,
    neutral_activities: Iterable[str] = (),
) -> list[AgentAdherence]:
    """Every agent with an activity scheduled at ``at`` (start ≤ at < end), sorted by agent.

    The agent's state at ``at`` is its last event at or before ``at`` (events at one instant in
    the log's order; no event: logged_out), held since the first of the run of events that
    kept that state. The agent is out of adherence when that state is not one of the activity's
    adherent states (:data:`ACTIVITIES`), since the later of the state change and the activity
    start — carried back over earlier back-to-back scheduled time that was out of adherence as
    well, so a schedule split at 10:00 or not_ready turning into logged_out during work does not
    restart the clock. Out of adherence for less than ``grace_s`` seconds counts as adherent
    (a late login by a minute is not an exception); neutral activities are always adherent.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"at must be timezone-aware, got naive {at.isoformat()}")
    if isinstance(grace_s, bool) or not isinstance(grace_s, int | float) or not grace_s >= 0:
        raise ValueError(f"grace_s must be a number >= 0, got {grace_s!r}")
    neutral = frozenset(check_activity(a, "neutral_activities") for a in neutral_activities)
    check_schedules(schedules)
    now = at.astimezone(UTC)
    rows = schedules.select(SCHEDULE_SCHEMA.names).to_pylist()
    by_agent: dict[str, list[tuple[datetime, datetime, str]]] = {}
    for row in rows:
        by_agent.setdefault(row["agent"], []).append((row["start"], row["end"], row["activity"]))
    current = {
        agent: row
        for agent, plan in sorted(by_agent.items())
        for row in plan
        if row[0] <= now < row[1]
    }
    history = _state_history(agent_states, list(current), now)
    out: list[AgentAdherence] = []
    for agent, (_, end, activity) in current.items():
        changes = history.get(agent, [])
        state, since = (changes[-1][1], changes[-1][0]) if changes else ("logged_out", None)
        out_since = None
        if activity not in neutral and not is_adherent(activity, state):
            out_since = _out_since(changes, sorted(by_agent[agent]), now, neutral)
            if (now - out_since).total_seconds() < grace_s:
                out_since = None
        out.append(AgentAdherence(agent, activity, end, state, since, out_since is None, out_since))
    return out


def _state_history(
    agent_states: pa.Table, agents: list[str], now: datetime
) -> dict[str, list[tuple[datetime, str]]]:
    """Per agent, its state changes up to ``now``: (instant, state), one per instant (the last
    event of the instant in log order), consecutive events of one state merged."""
    if not agents:
        return {}
    wanted = pc.and_(
        pc.is_in(agent_states.column("agent"), value_set=pa.array(agents, pa.string())),
        pc.less_equal(agent_states.column("occurred_at"), pa.scalar(now, TIMESTAMP)),
    )
    rows = agent_states.filter(wanted).select(["occurred_at", "agent", "state"]).to_pylist()
    events: dict[str, list[tuple[datetime, int, str]]] = {}
    for index, row in enumerate(rows):
        events.setdefault(row["agent"], []).append((row["occurred_at"], index, row["state"]))
    history: dict[str, list[tuple[datetime, str]]] = {}
    for agent, items in events.items():
        items.sort()
        changes: list[tuple[datetime, str]] = []
        for occurred_at, _, state in items:
            if changes and changes[-1][0] == occurred_at:
                changes.pop()
            if not changes or changes[-1][1] != state:
                changes.append((occurred_at, state))
        history[agent] = changes
    return history


def _out_since(
    changes: list[tuple[datetime, str]],
    plan: list[tuple[datetime, datetime, str]],
    now: datetime,
    neutral: frozenset[str],
) -> datetime:
    """Start of the unbroken stretch of scheduled, non-neutral, non-adherent time up to now.

    Walks back from ``now`` one piece at a time, a piece being where both the state and the
    activity stay the same; stops at the first piece that is unscheduled, neutral or adherent.
    """
    cursor, at_now = now, True
    while True:
        # The state change and the activity in force at ``now``, or just before ``cursor``.
        index = (
            bisect_right(changes, cursor, key=lambda c: c[0])
            if at_now
            else (bisect_left(changes, cursor, key=lambda c: c[0]))
        )
        state_start, state = changes[index - 1] if index else (None, "logged_out")
        row = next(
            (r for r in plan if (r[0] <= cursor < r[1] if at_now else r[0] < cursor <= r[1])),
            None,
        )
        if row is None or row[2] in neutral or is_adherent(row[2], state):
            return cursor
        cursor = row[0] if state_start is None else max(state_start, row[0])
        at_now = False
