"""A synthetic month of a large center, generated with NumPy straight into Arrow tables.

Legs (one per queue visit, as :data:`LEG_SCHEMA`), the contact events they come from (as
:data:`CONTACT_EVENT_SCHEMA`, about five per contact), and agents' state events. Shapes are
plausible, not fitted: an intraday peak, 20 queues over phone/chat/e-mail, 85 % answered, a
customer pool small enough that repeat contacts happen, 5 % transfers into a second queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from contactops.engines.events import AGENT_STATE_SCHEMA, CONTACT_EVENT_SCHEMA, LEG_SCHEMA

MONTH_START = datetime(2026, 3, 1, tzinfo=UTC)
DAYS = 31
QUEUES = 20
AGENTS = 600
OUTCOMES = np.array(["answered", "abandoned", "timed_out", "overflowed", "blocked", "self_service"])
OUTCOME_P = np.array([0.85, 0.10, 0.02, 0.01, 0.01, 0.01])
US = 1_000_000


@dataclass
class Month:
    legs: pa.Table
    agent_states: pa.Table
    start: datetime
    end: datetime


def _queue_names() -> np.ndarray:
    return np.array([f"q{i:02d}" for i in range(QUEUES)])


def _channels() -> np.ndarray:
    return np.array(["phone"] * 15 + ["chat"] * 3 + ["email"] * 2)


def _ts(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Seconds after the month start → timestamp[us, UTC] (null where not ``valid``)."""
    micros = (seconds * US).astype(np.int64) + int(MONTH_START.timestamp()) * US
    mask = None if valid is None else ~valid
    return pa.array(micros, type=pa.int64(), mask=mask).cast(pa.timestamp("us", tz="UTC"))


def _f(values: np.ndarray, valid: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.float64(), mask=~valid)


def generate_legs(contacts: int, seed: int = 7) -> Month:
    rng = np.random.default_rng(seed)
    day = rng.integers(0, DAYS, contacts)
    time_of_day = np.clip(rng.normal(13 * 3600, 3 * 3600, contacts), 7 * 3600, 22 * 3600 - 1)
    arrived = np.sort(day * 86400 + time_of_day)
    queue = rng.integers(0, QUEUES, contacts)
    outcome = rng.choice(len(OUTCOMES), contacts, p=OUTCOME_P)
    answered = outcome == 0
    queued = outcome != 4  # blocked contacts never reach the queue
    queued &= outcome != 5  # self service ends in the IVR
    ivr_s = rng.uniform(5, 30, contacts)
    queued_at = arrived + ivr_s
    wait = np.where(answered, rng.exponential(40, contacts), rng.exponential(70, contacts))
    talk = rng.lognormal(np.log(240), 0.6, contacts)
    has_hold = answered & (rng.random(contacts) < 0.2)
    hold = np.where(has_hold, rng.exponential(60, contacts), 0.0)
    wrapup = rng.uniform(10, 60, contacts)
    transferred = answered & (rng.random(contacts) < 0.05)
    known = rng.random(contacts) < 0.7
    customer = rng.integers(0, max(contacts // 3, 1), contacts)
    agent = rng.integers(0, AGENTS, contacts)
    left = queued_at + wait
    ended = left + talk + hold
    # second legs: transferred contacts queue again in another queue and are answered
    idx = np.flatnonzero(transferred)
    n2 = idx.size
    queue2 = (queue[idx] + 1 + rng.integers(0, QUEUES - 1, n2)) % QUEUES
    wait2 = rng.exponential(30, n2)
    talk2 = rng.lognormal(np.log(300), 0.5, n2)
    left2 = ended[idx] + wait2
    ended2 = left2 + talk2
    agent2 = rng.integers(0, AGENTS, n2)

    contact_ids = pc.cast(pa.array(np.arange(contacts, dtype=np.int64)), pa.string())
    customers = pc.cast(pa.array(customer, mask=~known), pa.string())
    names, channels = _queue_names(), _channels()

    def leg_table(
        rows: np.ndarray,
        leg_no: int,
        q: np.ndarray,
        qd: np.ndarray,
        q_at: np.ndarray,
        ans: np.ndarray,
        left_at: np.ndarray,
        end_at: np.ndarray,
        hold_s: np.ndarray,
        wrap_s: np.ndarray,
        ag: np.ndarray,
        outcome_names: np.ndarray,
        transfer: np.ndarray,
    ) -> pa.Table:
        n = rows.size
        legs_of = np.where(transferred[rows], 2, 1).astype(np.int32)
        talk_s = end_at - left_at - hold_s
        handle = talk_s + hold_s + wrap_s
        left_valid = qd & (ans | (outcome_names != "self_service"))
        return pa.Table.from_arrays(
            [
                contact_ids.take(pa.array(rows)),
                pa.array(np.full(n, leg_no, np.int32)),
                pa.array(legs_of),
                pa.array(channels[q]),
                customers.take(pa.array(rows)),
                pa.array(names[q]),
                _ts(arrived[rows]),
                _ts(q_at, qd),
                _ts(left_at, ans),
                _ts(left_at, left_valid),
                _ts(end_at, ans),
                _ts(end_at + wrap_s, ans),
                pa.array(np.char.add("a", ag.astype(str)), mask=~ans),
                pa.array(ans.astype(np.int32)),
                pa.array(np.zeros(n, np.int32)),
                _f(left_at - q_at, left_valid),
                _f(talk_s, ans),
                _f(hold_s, ans),
                _f(wrap_s, ans),
                _f(handle, ans),
                pa.array(outcome_names),
                pa.array(transfer),
                pa.array(np.where(transfer, names[(q + 1) % QUEUES], None)),
                pa.array(np.zeros(n, bool)),
            ],
            schema=LEG_SCHEMA,
        )

    first = leg_table(
        np.arange(contacts),
        1,
        queue,
        queued,
        queued_at,
        answered,
        left,
        ended,
        hold,
        wrapup,
        agent,
        OUTCOMES[outcome],
        transferred,
    )
    second = leg_table(
        idx,
        2,
        queue2,
        np.ones(n2, bool),
        ended[idx],
        np.ones(n2, bool),
        left2,
        ended2,
        np.zeros(n2),
        rng.uniform(10, 60, n2),
        agent2,
        np.full(n2, "answered"),
        np.zeros(n2, bool),
    )
    legs = pa.concat_tables([first, second])
    end = datetime.fromtimestamp(MONTH_START.timestamp() + DAYS * 86400, UTC)
    return Month(legs, generate_agent_states(rng), MONTH_START, end)


def generate_agent_states(rng: np.random.Generator) -> pa.Table:
    """Each agent works 22 shifts of 8 h, changing state about every 4 minutes."""
    shifts = []
    for agent in range(AGENTS):
        days = np.sort(rng.choice(DAYS, 22, replace=False))
        shifts.append((agent, days))
    changes = 120
    agent_col, time_col, state_col = [], [], []
    states = np.array(["ready", "on_contact", "wrapup", "not_ready", "break"])
    state_p = np.array([0.35, 0.4, 0.15, 0.06, 0.04])
    for agent, days in shifts:
        start = days * 86400 + rng.uniform(7, 14, days.size) * 3600
        offsets = np.sort(rng.uniform(0, 8 * 3600, (days.size, changes)), axis=1)
        times = (start[:, None] + offsets).ravel()
        chosen = states[rng.choice(states.size, times.size, p=state_p)]
        chosen[::changes] = "ready"
        logout = start + 8 * 3600
        agent_col.append(np.full(times.size + days.size, f"a{agent}"))
        time_col.append(np.concatenate([times, logout]))
        state_col.append(np.concatenate([chosen, np.full(days.size, "logged_out")]))
    times = np.concatenate(time_col)
    order = np.argsort(times, kind="stable")
    return pa.Table.from_arrays(
        [
            _ts(times[order]),
            pa.array(np.concatenate(agent_col)[order]),
            pa.array(np.concatenate(state_col)[order]),
            pa.nulls(times.size, pa.string()),
            pa.nulls(times.size, pa.string()),
        ],
        schema=AGENT_STATE_SCHEMA,
    )


def events_of(legs: pa.Table) -> pa.Table:
    """The contact events the first legs imply (arrived, entered_queue, answered or the exit,
    ended, wrapup_ended): about five per contact, for timing the legs derivation."""
    first = legs.filter(pc.equal(legs["leg_no"], 1))
    outcome = first["outcome"]
    answered = pc.equal(outcome, "answered")
    parts = []

    def add(kind: str | pa.Array, at: pa.Array, mask: pa.Array | None) -> None:
        rows = first if mask is None else first.filter(mask)
        times = at if mask is None else at.filter(mask)
        n = rows.num_rows
        kinds = pa.array([kind] * n) if isinstance(kind, str) else kind.filter(mask)
        parts.append(
            pa.Table.from_arrays(
                [
                    times,
                    rows["contact_id"],
                    kinds,
                    rows["channel"],
                    rows["queue"],
                    rows["agent"],
                    rows["customer_id"],
                    pa.nulls(n, pa.string()),
                    pa.array(np.zeros(n, bool)),
                    pa.array([""] * n),
                ],
                schema=CONTACT_EVENT_SCHEMA,
            )
        )

    queued = pc.is_valid(first["queued_at"])
    add("arrived", first["arrived_at"], None)
    add("entered_queue", first["queued_at"], queued)
    add("answered", first["answered_at"], answered)
    add("ended", first["ended_at"], answered)
    add("wrapup_ended", first["wrapup_ended_at"], answered)
    unanswered = pc.and_(pc.invert(answered), queued)
    add(outcome, first["left_queue_at"], unanswered)
    return pa.concat_tables(parts)
