"""A synthetic month of a large center, generated with NumPy straight into Arrow tables.

:func:`generate_month` gives legs (one per queue visit, :data:`LEG_SCHEMA`), agents' state events
(:data:`AGENT_STATE_SCHEMA`) and survey answers (``compute.SURVEY_SCHEMA``); :func:`events_of`
gives the contact events (:data:`CONTACT_EVENT_SCHEMA`) those legs come from, about five and a
half per contact, such that ``derive_legs(events_of(legs))`` gives the legs back. Shapes are
plausible, not fitted: two intraday peaks, quieter weekends, 20 queues over phone / chat / e-mail,
84 % answered, every outcome of the catalog (time-outs, overflows, callbacks, blocked,
self-service, virtual records, conversations still open), 20 % of answers with a hold, 5 %
transferred into a second queue, a customer pool small enough that repeat contacts happen (and
a few customers with two contacts at the same instant), and one survey answer for about one
answered contact in eight.

All instants are whole microseconds and every duration is computed from them exactly as the legs
derivation computes it, so a leg derived from the events equals the generated leg bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from contactops.engines.events import AGENT_STATE_SCHEMA, CONTACT_EVENT_SCHEMA, LEG_SCHEMA
from contactops.engines.kpi.compute import SURVEY_SCHEMA

MONTH_START = datetime(2026, 3, 1, tzinfo=UTC)
DAYS = 31
QUEUES = 20
AGENTS = 600
US = 1_000_000
DAY_US = 86_400 * US
# How a contact goes: the first leg's outcome, plus the generator's own variants of it.
KINDS = np.array(
    [
        "answered",
        "abandoned",
        "timed_out",
        "overflowed",
        "callback_requested",
        "blocked",
        "self_service",
        "ignored",  # a virtual record: queued and left, every event marked ignore
        "abandoned_unqueued",  # abandoned, but the source logged no queue entry: wait unknown
        "open_queued",  # still waiting when the log ends
        "open_talking",  # still talking when the log ends
    ]
)
KIND_P = np.array([0.841, 0.095, 0.02, 0.01, 0.01, 0.01, 0.01, 0.002, 0.001, 0.0005, 0.0005])
# The legs derivation calls a leg with an answer "answered" even while the talk goes on.
OUTCOME_OF_KIND = np.array([*KINDS[:8], "abandoned", "open", "answered"])
TRANSFER_P = 0.05  # of answered contacts: transferred to a second queue, answered there
HOLD_P = 0.2  # of answered first legs
RESOLVED_P = 0.4  # of answered contacts: a resolved event after the last wrap-up
SURVEY_P = 0.125  # of contacts with an answered leg; 1 % of the others answer too (left out)
TWIN_P = 0.0005  # of contacts: the same customer's second contact at the same instant
SELF_SERVICE_S = 30  # the ``ended`` of a self-service contact, after its arrival


@dataclass(frozen=True)
class Month:
    legs: pa.Table
    agent_states: pa.Table
    surveys: pa.Table
    start: datetime
    end: datetime


def month_end() -> datetime:
    return MONTH_START + timedelta(days=DAYS)


def _epoch_us(at: datetime) -> int:
    return int(at.timestamp()) * US


def _ts(micros: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """µs after the month start → timestamp[us, UTC] (null where not ``valid``)."""
    mask = None if valid is None else ~valid
    absolute = micros.astype(np.int64) + _epoch_us(MONTH_START)
    return pa.array(absolute, type=pa.int64(), mask=mask).cast(pa.timestamp("us", tz="UTC"))


def _us(seconds: np.ndarray) -> np.ndarray:
    return np.round(seconds * US).astype(np.int64)


def _f(values: np.ndarray, valid: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.float64(), mask=~valid)


def _names(prefix: str, numbers: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """``prefix`` + number as strings (null where not ``valid``), without a Python loop."""
    mask = None if valid is None else ~valid
    digits = pc.cast(pa.array(numbers.astype(np.int64), mask=mask), pa.string())
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def _arrivals_us(rng: np.random.Generator, contacts: int) -> np.ndarray:
    """Sorted arrival instants: weekends at half volume, peaks near 10:30 and 15:00, 7:00–22:00."""
    weekday = (np.arange(DAYS) + MONTH_START.isoweekday() - 1) % 7  # 0 = Monday
    weight = np.where(weekday >= 5, 0.5, 1.0)
    day = rng.choice(DAYS, contacts, p=weight / weight.sum())
    hours = np.empty(contacts)
    todo = np.arange(contacts)
    while todo.size:
        morning = rng.random(todo.size) < 0.55
        drawn = np.where(
            morning, rng.normal(10.5, 1.5, todo.size), rng.normal(15.0, 2.0, todo.size)
        )
        hours[todo] = drawn
        todo = todo[(drawn < 7) | (drawn >= 22)]
    return np.sort(day * DAY_US + _us(hours * 3600))


def generate_month(contacts: int, seed: int = 7) -> Month:
    """``contacts`` contacts over March 2026 (UTC), reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    n = contacts
    arrived = _arrivals_us(rng, n)
    # A few customers reach out twice at the same instant (two lines, phone and chat at once).
    twin = np.flatnonzero(rng.random(n) < TWIN_P)
    twin = twin[twin > 0]
    arrived[twin] = arrived[twin - 1]
    queue = rng.integers(0, QUEUES, n)
    kind_no = rng.choice(KINDS.size, n, p=KIND_P)
    kind = KINDS[kind_no]
    talking = (kind == "answered") | (kind == "open_talking")
    exits = np.isin(kind, ["abandoned", "timed_out", "overflowed", "callback_requested", "ignored"])
    queued = talking | exits | (kind == "open_queued")
    ivr = _us(rng.uniform(5, 30, n))
    queued_at = arrived + ivr
    wait = _us(np.where(talking, rng.exponential(40, n), rng.exponential(70, n))) + 1
    left = np.select(
        [queued, kind == "blocked", kind == "abandoned_unqueued"],
        [queued_at + wait, arrived + ivr, arrived + ivr + wait],
        0,
    )
    has_left = talking | exits | (kind == "blocked") | (kind == "abandoned_unqueued")
    answered = kind == "answered"  # answered and ended
    hold = np.where(answered & (rng.random(n) < HOLD_P), _us(rng.exponential(60, n)) + 1, 0)
    talk = _us(rng.lognormal(np.log(240), 0.6, n)) + 1
    ended = left + talk + hold
    wrapup = _us(rng.uniform(10, 60, n))
    transferred = answered & (rng.random(n) < TRANSFER_P)
    resolved = answered & (rng.random(n) < RESOLVED_P)
    customer = rng.integers(0, max(n // 3, 1), n)
    known = rng.random(n) < 0.7
    customer[twin], known[twin] = customer[twin - 1], known[twin - 1]
    agent = rng.integers(0, AGENTS, n)

    # Second legs: the transfer's target queue; another agent answers (so wrap-ups stay apart).
    idx = np.flatnonzero(transferred)
    n2 = idx.size
    queue2 = (queue[idx] + rng.integers(1, QUEUES, n2)) % QUEUES
    queued2 = ended[idx] + _us(rng.uniform(1, 5, n2))
    left2 = queued2 + _us(rng.exponential(30, n2)) + 1
    ended2 = left2 + _us(rng.lognormal(np.log(300), 0.5, n2)) + 1
    agent2 = (agent[idx] + rng.integers(1, AGENTS, n2)) % AGENTS

    contact_ids = pc.cast(pa.array(np.arange(n, dtype=np.int64)), pa.string())
    customers = _names("cu", customer, known)
    queue_names = pa.array([f"q{i:02d}" for i in range(QUEUES)])
    channel_of_queue = pa.array(["phone"] * 15 + ["chat"] * 3 + ["email"] * 2)
    channel = channel_of_queue.take(pa.array(queue))
    legs_of = np.where(transferred, 2, 1).astype(np.int32)
    no_queue = kind == "self_service"

    def leg_table(
        rows: np.ndarray,
        leg_no: int,
        q: pa.Array,
        queued_us: np.ndarray,
        is_queued: np.ndarray,
        left_us: np.ndarray,
        is_left: np.ndarray,
        talk_or_open: np.ndarray,
        ended_us: np.ndarray,
        is_ended: np.ndarray,
        hold_us: np.ndarray,
        wrapup_us: np.ndarray,
        ag: np.ndarray,
        outcome: pa.Array,
        transfer: np.ndarray,
        target: pa.Array,
    ) -> pa.Table:
        size = rows.size
        take = pa.array(rows)
        wait_s = (left_us - queued_us) / 1e6
        talk_s = (ended_us - left_us - hold_us) / 1e6
        hold_s = hold_us / 1e6
        wrapup_s = ((ended_us + wrapup_us) - ended_us) / 1e6
        handle_s = talk_s + hold_s + wrapup_s
        return pa.Table.from_arrays(
            [
                contact_ids.take(take),
                pa.array(np.full(size, leg_no, np.int32)),
                pa.array(legs_of[rows]),
                channel.take(take),
                customers.take(take),
                q,
                _ts(arrived[rows]),
                _ts(queued_us, is_queued),
                _ts(left_us, talk_or_open),
                _ts(left_us, is_left),
                _ts(ended_us, is_ended),
                _ts(ended_us + wrapup_us, is_ended),
                _names("a", ag, talk_or_open),
                pa.array(np.zeros(size, np.int32)),
                pa.array(np.zeros(size, np.int32)),
                _f(wait_s, is_queued & is_left),
                _f(talk_s, is_ended),
                _f(hold_s, is_ended),
                _f(wrapup_s, is_ended),
                _f(handle_s, is_ended),
                outcome,
                pa.array(transfer),
                target,
                pa.array(resolved[rows]),
            ],
            schema=LEG_SCHEMA,
        )

    first_queue = queue_names.take(pa.array(queue, mask=no_queue))
    target_queue = np.zeros(n, np.int64)
    target_queue[idx] = queue2
    target = queue_names.take(pa.array(target_queue, mask=~transferred))
    first = leg_table(
        np.arange(n),
        1,
        first_queue,
        queued_at,
        queued,
        left,
        has_left,
        talking,
        ended,
        answered,
        hold,
        wrapup,
        agent,
        pa.array(OUTCOME_OF_KIND[kind_no]),
        transferred,
        target,
    )
    yes = np.ones(n2, bool)
    second = leg_table(
        idx,
        2,
        queue_names.take(pa.array(queue2)),
        queued2,
        yes,
        left2,
        yes,
        yes,
        ended2,
        yes,
        np.zeros(n2, np.int64),
        _us(rng.uniform(10, 60, n2)),
        agent2,
        pa.array(np.full(n2, "answered")),
        np.zeros(n2, bool),
        pa.nulls(n2, pa.string()),
    )
    legs = pa.concat_tables([first, second])
    surveys = generate_surveys(rng, contact_ids, talking, arrived)
    return Month(legs, generate_agent_states(rng), surveys, MONTH_START, month_end())


def generate_surveys(
    rng: np.random.Generator, contact_ids: pa.Array, answered: np.ndarray, arrived: np.ndarray
) -> pa.Table:
    """One answer from 1 in 8 answered contacts and 1 in 100 others: CSAT 1–5, NPS 0–10 or
    CES 1–7, 2 % without a score."""
    n = answered.size
    responds = rng.random(n) < np.where(answered, SURVEY_P, 0.01)
    rows = np.flatnonzero(responds)
    size = rows.size
    survey = np.array(["csat", "nps", "ces"])[rng.choice(3, size, p=[0.5, 0.35, 0.15])]
    score = np.select(
        [survey == "csat", survey == "nps"],
        [
            rng.choice(np.arange(1, 6), size, p=[0.05, 0.07, 0.13, 0.35, 0.40]),
            rng.choice(np.arange(0, 11), size, p=[0.02] * 5 + [0.05, 0.08, 0.12, 0.15, 0.25, 0.25]),
        ],
        rng.integers(1, 8, size),
    ).astype(float)
    return pa.Table.from_arrays(
        [
            contact_ids.take(pa.array(rows)),
            _ts(arrived[rows] + _us(rng.exponential(7200, size)) + 3600 * US),
            pa.array(survey),
            pa.array(score, mask=rng.random(size) < 0.02),
        ],
        schema=SURVEY_SCHEMA,
    )


def generate_agent_states(rng: np.random.Generator) -> pa.Table:
    """Each agent works 22 shifts of 8 h, changing state about every 4 minutes."""
    changes = 120
    agent_col, time_col, state_col = [], [], []
    states = np.array(["ready", "on_contact", "wrapup", "not_ready", "break"])
    state_p = np.array([0.35, 0.4, 0.15, 0.06, 0.04])
    for agent in range(AGENTS):
        days = np.sort(rng.choice(DAYS, 22, replace=False))
        start = days * DAY_US + _us(rng.uniform(7, 14, days.size) * 3600)
        offsets = np.sort(_us(rng.uniform(0, 8 * 3600, (days.size, changes))), axis=1)
        times = (start[:, None] + offsets).ravel()
        chosen = states[rng.choice(states.size, times.size, p=state_p)]
        chosen[::changes] = "ready"
        logout = start + 8 * 3600 * US
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
    """The contact events the legs come from, for timing the legs derivation.

    Per leg: arrived (leg 1, no queue yet), entered_queue, answered, hold + unhold (mid-talk),
    transferred or ended, wrapup_ended, the unanswered exit (abandoned, blocked, ...), ended
    (self-service), resolved after the contact's last wrap-up; virtual records carry ignore.
    Grouped by event type, not sorted: the derivation reads events in any order.
    """
    outcome = legs["outcome"]
    ignored = pc.equal(outcome, "ignored")
    ended = pc.is_valid(legs["ended_at"])
    transferred = legs["transferred"]
    leg1 = pc.equal(legs["leg_no"], 1)
    parts: list[pa.Table] = []

    def add(
        kind: str,
        at: pa.ChunkedArray,
        mask: pa.ChunkedArray | None,
        *,
        queue: bool = True,
        agent: bool = False,
        target: bool = False,
    ) -> None:
        rows = legs if mask is None else legs.filter(mask)
        times = at if mask is None else at.filter(mask)
        size = rows.num_rows
        none = pa.nulls(size, pa.string())
        parts.append(
            pa.Table.from_arrays(
                [
                    times,
                    rows["contact_id"],
                    pa.array(np.full(size, kind)),
                    rows["channel"],
                    rows["queue"] if queue else none,
                    rows["agent"] if agent else none,
                    rows["customer_id"],
                    rows["transfer_target"] if target else none,
                    pc.equal(rows["outcome"], "ignored"),
                    pa.array(np.full(size, "")),
                ],
                schema=CONTACT_EVENT_SCHEMA,
            )
        )

    def shifted(column: str, micros: pa.ChunkedArray) -> pa.ChunkedArray:
        return pc.add(legs[column], pc.cast(micros, pa.duration("us")))

    us = pc.cast(legs["hold_s"], pa.float64())
    hold_us = pc.cast(pc.round(pc.multiply(us, 1e6)), pa.int64())
    talk_us = pc.cast(pc.round(pc.multiply(legs["talk_s"], 1e6)), pa.int64())
    hold_at = shifted("answered_at", pc.divide(talk_us, 2))
    has_hold = pc.and_(ended, pc.greater(hold_us, 0))
    exit_rows = pc.and_(
        pc.is_valid(legs["left_queue_at"]), pc.invert(pc.is_valid(legs["answered_at"]))
    )
    exit_kind = pc.if_else(ignored, "abandoned", outcome)
    self_service = pc.equal(outcome, "self_service")

    add("arrived", legs["arrived_at"], leg1, queue=False)
    add("entered_queue", legs["queued_at"], pc.is_valid(legs["queued_at"]))
    add("answered", legs["answered_at"], pc.is_valid(legs["answered_at"]), agent=True)
    add("hold", hold_at, has_hold, agent=True)
    add("unhold", shifted("answered_at", pc.add(pc.divide(talk_us, 2), hold_us)), has_hold)
    add("transferred", legs["ended_at"], transferred, agent=True, target=True)
    add("ended", legs["ended_at"], pc.and_(ended, pc.invert(transferred)), agent=True)
    add("wrapup_ended", legs["wrapup_ended_at"], ended, agent=True)
    for kind in ("abandoned", "timed_out", "overflowed", "callback_requested", "blocked"):
        add(kind, legs["left_queue_at"], pc.and_(exit_rows, pc.equal(exit_kind, kind)))
    ss_at = pc.add(legs["arrived_at"], pa.scalar(SELF_SERVICE_S * US, pa.duration("us")))
    add("ended", ss_at, self_service, queue=False)
    last_resolved = pc.and_(legs["resolved"], pc.equal(legs["leg_no"], legs["legs"]))
    add("resolved", legs["wrapup_ended_at"], last_resolved, queue=False, agent=True)
    return pa.concat_tables(parts)
