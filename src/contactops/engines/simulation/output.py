"""A run's records as canonical events (Arrow tables), built column-wise with NumPy.

Per queue visit, in lifecycle order: ``arrived`` (first visit only) · ``entered_queue`` · then
``offered``, ``answered``, ``transferred`` (to the transfer queue) or ``ended``, and
``wrapup_ended`` when wrap-up took time — or the unanswered exit (``abandoned``, ``timed_out``,
``overflowed``, ``blocked`` — a blocked contact never enters —, ``callback_requested``). A
transferred contact's ``ended`` comes with its last leg. Contact ids are ``<prefix><number>``,
customer ids ``<prefix>C<number>``, agents and queues their codes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC

import numpy as np
import pyarrow as pa

from contactops.engines.events import (
    AGENT_STATE_SCHEMA,
    CONTACT_EVENT_SCHEMA,
    AgentState,
    AgentStateEvent,
    Channel,
    ContactEvent,
    ContactEventType,
)
from contactops.engines.simulation.engine import SimulationRun
from contactops.engines.simulation.records import NO_AGENT, Outcome, StateCode

_T = ContactEventType
_EXIT_EVENT = {
    Outcome.ABANDONED: _T.ABANDONED,
    Outcome.TIMED_OUT: _T.TIMED_OUT,
    Outcome.OVERFLOWED: _T.OVERFLOWED,
    Outcome.BLOCKED: _T.BLOCKED,
    Outcome.CALLBACK_REQUESTED: _T.CALLBACK_REQUESTED,
}
_TYPES = list(_T)
_TYPE_CODE = {t: i for i, t in enumerate(_TYPES)}


def _epoch_us(run: SimulationRun) -> int:
    start = run.scenario.start.astimezone(UTC)
    return int(start.timestamp()) * 1_000_000 + start.microsecond


def _timestamps(run: SimulationRun, at_s: np.ndarray) -> pa.Array:
    us = _epoch_us(run) + np.round(at_s * 1_000_000).astype(np.int64)
    return pa.array(us, type=pa.timestamp("us", tz="UTC"))


def _labels(names: list[str], codes: np.ndarray) -> pa.Array:
    """Strings by index; −1 is null."""
    dictionary = pa.array(names, type=pa.string())
    indices = pa.array(codes, type=pa.int32(), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string())


def contact_events(
    run: SimulationRun,
    prefix: str = "S",
    *,
    contact_ids: Sequence[str] | None = None,
    customer_ids: Sequence[str | None] | None = None,
) -> pa.Table:
    """Every contact event of ``run`` as a table of :data:`CONTACT_EVENT_SCHEMA`, in time order.

    ``contact_ids`` / ``customer_ids`` (one per contact of the run) replace the generated ones.
    """
    v, c = run.visits, run.contacts
    queue_names = list(run.queue_codes)
    channels = [q.channel.value for q in run.scenario.queues]
    first_visit = _first_of_each(v.contact)
    answered = v.outcome == Outcome.ANSWERED
    blocked = v.outcome == Outcome.BLOCKED
    rows: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]] = []  # (visit, time, type, agent)
    none = np.full(v.contact.size, NO_AGENT)

    def add(mask: np.ndarray, at_s: np.ndarray, event: ContactEventType, agent: np.ndarray) -> None:
        idx = np.flatnonzero(mask)
        rows.append((idx, at_s[idx], _TYPE_CODE[event], agent[idx]))

    arrival_of_visit = c.arrival_s[v.contact]
    add(first_visit, arrival_of_visit, _T.ARRIVED, none)
    add(~blocked, v.entered_s, _T.ENTERED_QUEUE, none)
    for outcome, event in _EXIT_EVENT.items():
        add(v.outcome == outcome, v.exit_s, event, none)
    add(answered, v.exit_s, _T.OFFERED, v.agent)
    add(answered, v.answered_s, _T.ANSWERED, v.agent)
    add(answered & v.transferred, v.ended_s, _T.TRANSFERRED, v.agent)
    add(answered & ~v.transferred, v.ended_s, _T.ENDED, v.agent)
    add(answered & (v.wrapup_end_s > v.ended_s), v.wrapup_end_s, _T.WRAPUP_ENDED, v.agent)

    visit = np.concatenate([r[0] for r in rows])
    at_s = np.concatenate([r[1] for r in rows])
    type_code = np.concatenate([np.full(r[0].size, r[2], dtype=np.int64) for r in rows])
    agent = np.concatenate([r[3] for r in rows])
    order = np.lexsort((type_code, visit, at_s))
    visit, at_s, type_code, agent = visit[order], at_s[order], type_code[order], agent[order]
    contact = v.contact[visit]
    queue = v.queue[visit]
    transfer_to = _transfer_targets(run)
    target = np.where(type_code == _TYPE_CODE[_T.TRANSFERRED], transfer_to[queue], -1)
    overflow_to = _overflow_targets(run)
    target = np.where(type_code == _TYPE_CODE[_T.OVERFLOWED], overflow_to[queue], target)
    first_queue = c.queue[contact]
    customer = c.customer[contact]
    if contact_ids is None:
        contact_labels = pa.array(np.char.add(prefix, contact.astype(str)), type=pa.string())
    else:
        contact_labels = pa.array(contact_ids, type=pa.string()).take(pa.array(contact))
    if customer_ids is None:
        customer_labels = pa.array(np.char.add(f"{prefix}C", customer.astype(str)), pa.string())
    else:
        customer_labels = pa.array(customer_ids, type=pa.string()).take(pa.array(contact))
    target_labels = _labels(queue_names, target)
    data = _data_column(type_code, target_labels)
    columns = {
        "occurred_at": _timestamps(run, at_s),
        "contact_id": contact_labels,
        "event_type": _labels([t.value for t in _TYPES], type_code),
        "channel": _labels(channels, first_queue),
        "queue": _labels(queue_names, queue),
        "agent": _labels(list(run.agent_codes), agent),
        "customer_id": customer_labels,
        "target": target_labels,
        "ignore": pa.array(np.zeros(at_s.size, dtype=np.bool_)),
        "data": data,
    }
    return pa.Table.from_pydict(columns, schema=CONTACT_EVENT_SCHEMA)


def _first_of_each(contact: np.ndarray) -> np.ndarray:
    """True on each contact's first visit (visits of a contact need not be adjacent)."""
    first = np.zeros(contact.size, dtype=np.bool_)
    _, index = np.unique(contact, return_index=True)
    first[index] = True
    return first


def _transfer_targets(run: SimulationRun) -> np.ndarray:
    index = {code: i for i, code in enumerate(run.queue_codes)}
    return np.array(
        [index[q.transfer.to] if q.transfer else -1 for q in run.scenario.queues], dtype=np.int64
    )


def _overflow_targets(run: SimulationRun) -> np.ndarray:
    index = {code: i for i, code in enumerate(run.queue_codes)}
    return np.array(
        [index[q.overflow.to] if q.overflow else -1 for q in run.scenario.queues], dtype=np.int64
    )


def _data_column(type_code: np.ndarray, targets: pa.Array) -> pa.Array:
    """The ``data`` JSON: ``{"target": ...}`` on transfers and overflows, else empty."""
    data = np.full(type_code.size, "", dtype=object)
    has_target = np.flatnonzero(~np.asarray(targets.is_null()))
    target_values = targets.to_numpy(zero_copy_only=False)
    for i in has_target:
        data[i] = json.dumps({"target": target_values[i]}, separators=(",", ":"))
    return pa.array(data, type=pa.string())


def agent_state_events(run: SimulationRun) -> pa.Table:
    """Every agent state change of ``run`` as a table of :data:`AGENT_STATE_SCHEMA`."""
    s = run.states
    reason = np.where(s.state == StateCode.BREAK, 0, -1)
    columns = {
        "occurred_at": _timestamps(run, s.at_s),
        "agent": _labels(list(run.agent_codes), s.agent),
        "state": _labels([code.agent_state.value for code in StateCode], s.state),
        "reason": _labels(["break"], reason),
        "queue": _labels(list(run.queue_codes), s.queue),
    }
    return pa.Table.from_pydict(columns, schema=AGENT_STATE_SCHEMA)


def contact_event_list(table: pa.Table) -> list[ContactEvent]:
    """Rows of a :data:`CONTACT_EVENT_SCHEMA` table as event objects (for the event store)."""
    events = []
    for row in table.to_pylist():
        target = row["target"]
        events.append(
            ContactEvent(
                row["occurred_at"].astimezone(UTC),
                row["contact_id"],
                ContactEventType(row["event_type"]),
                Channel(row["channel"]),
                row["queue"],
                row["agent"],
                row["customer_id"],
                {"target": target} if target is not None else {},
            )
        )
    return events


def agent_event_list(table: pa.Table) -> list[AgentStateEvent]:
    """Rows of an :data:`AGENT_STATE_SCHEMA` table as event objects, in time order."""
    events = [
        AgentStateEvent(
            row["occurred_at"].astimezone(UTC),
            row["agent"],
            AgentState(row["state"]),
            row["reason"],
            row["queue"],
        )
        for row in table.to_pylist()
    ]
    events.sort(key=lambda e: e.occurred_at)  # stable: same-instant changes keep their order
    return events
