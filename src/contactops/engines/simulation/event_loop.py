"""The general engine's event loop, compiled (Numba): the life of every contact and agent.

:mod:`.engine` prepares an :class:`EngineState` (the scenario as arrays, the first arrivals, the
random draws, the router) and calls :func:`run_events`, which returns when the run is done, when
the simulated clock reaches a progress boundary, or when some random stream is running low —
the caller then tops the draws up in place and calls again. Draws are taken in the order the
rules need them, so a stream's n-th value goes to the same step however the run is cut.

Every routing decision goes to the compiled router (:mod:`contactops.engines.routing.router`)
and every wait ends by :func:`contactops.engines.routing.waiting.wait_end`, the functions the
live center calls.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit, types
from numba.experimental import structref

from contactops.engines.routing.heaps import heap_pop, heap_push, heaps_new
from contactops.engines.routing.router import (
    RouterState,
    router_arrive,
    router_make_available,
    router_make_unavailable,
    router_release,
    router_withdraw,
)
from contactops.engines.routing.waiting import callback_due, wait_end
from contactops.engines.simulation.records import NO_AGENT, Outcome, StateCode

CALLBACK_PROMPT_S = 10.0  # the announcement and key press that accept a callback
HANDOFF_S = 0.001  # a transferred or called-back contact joins its next queue this much later

# Streams per queue, in this order: stream index = queue × PURPOSES + purpose.
PATIENCE, TALK, WRAPUP, RING, ENTRY, RETRIAL_DELAY, DECISIONS = range(7)
PURPOSES = 7

# Calendar event kinds.
END_TALK, WRAP_END, WAIT_LIMIT, CALLBACK, RETRY, ENTER = range(6)
SHIFT_START, SHIFT_END, BREAK_START, BREAK_END = range(6, 10)

# What run_events returns.
DONE, AT_BOUNDARY, DRAWS_LOW = range(3)

_ANSWERED, _ABANDONED, _TIMED_OUT = int(Outcome.ANSWERED), int(Outcome.ABANDONED), 2
_OVERFLOWED, _BLOCKED = int(Outcome.OVERFLOWED), int(Outcome.BLOCKED)
_CALLBACK_REQUESTED, _OPEN = int(Outcome.CALLBACK_REQUESTED), int(Outcome.OPEN)
_LOGGED_IN, _READY = int(StateCode.LOGGED_IN), int(StateCode.READY)
_ON_CONTACT, _WRAPUP = int(StateCode.ON_CONTACT), int(StateCode.WRAPUP)
_BREAK, _LOGGED_OUT = int(StateCode.BREAK), int(StateCode.LOGGED_OUT)
_ABANDON_EXIT, _TIME_OUT_EXIT = 0, 1
assert int(Outcome.TIMED_OUT) == _TIMED_OUT


@structref.register
class EngineStateType(types.StructRef):
    def preprocess_fields(self, fields):  # type: ignore[no-untyped-def]
        return tuple((name, types.unliteral(t)) for name, t in fields)


class EngineState(structref.StructRefProxy):
    """Everything a run knows: scenario rules per queue, inputs, records, agents, router."""

    if TYPE_CHECKING:  # fields are defined by define_proxy below

        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...


_FIELDS = [
    # queue rules (inf / NaN / −1 where a queue has no such rule)
    "is_phone",
    "max_waiting",
    "max_wait_s",
    "overflow_after_s",
    "overflow_to",
    "callback_after_s",
    "callback_accept",
    "retrial_max",
    "retrial_probability",
    "transfer_to",
    "transfer_probability",
    "mean_handle_s",
    "lines_free",
    # first contacts in queue-entry order
    "first_arrival_s",
    "first_entered_s",
    "first_queue",
    "first_customer",
    "next_first",
    # random draws: [stream, k], the next one at draw_pos[stream]; flags[0] = running low
    "draws",
    "draw_pos",
    "flags",
    "margin",
    # the calendar: (time, seq, kind, a, b)
    "calendar",
    "calendar_seq",
    "now",
    # records
    "c_arrival_s",
    "c_queue",
    "c_customer",
    "c_attempt",
    "c_holds_line",
    "contacts",
    "v_contact",
    "v_queue",
    "v_entered_s",
    "v_exit_s",
    "v_outcome",
    "v_agent",
    "v_answered_s",
    "v_ended_s",
    "v_wrapup_end_s",
    "v_transferred",
    "v_callback",
    "v_deadline_s",  # patience deadline while waiting
    "v_routed_s",  # routing time inherited from an earlier leg (NaN: its own entry)
    "visits",
    "s_at_s",
    "s_agent",
    "s_state",
    "s_queue",
    "states",
    # agents
    "logged_in",
    "on_break",
    "pending_break_s",
    "pending_logout",
    "in_talk",
    "in_wrap",
    "state",
    "staffed",  # per queue: logged-in agents skilled for it
    "router",
]
structref.define_proxy(EngineState, EngineStateType, _FIELDS)


@njit(cache=True)
def engine_new(
    rules_f: np.ndarray,
    rules_i: np.ndarray,
    lines: float,
    first_arrival_s: np.ndarray,
    first_entered_s: np.ndarray,
    first_queue: np.ndarray,
    first_customer: np.ndarray,
    draws: np.ndarray,
    draw_pos: np.ndarray,
    flags: np.ndarray,
    margin: int,
    router: RouterState,
    agents: int,
) -> EngineState:
    """A state before the first event. ``rules_f`` rows: max wait, overflow after, callback
    after, callback accept, retrial probability, transfer probability, mean handle; ``rules_i``
    rows: is phone, max waiting, overflow to, retrial max attempts, transfer to."""
    queues = first_queue.max() + 1 if first_queue.size else 0
    queues = max(queues, rules_f.shape[1])
    room = max(16, first_entered_s.size + first_entered_s.size // 4)
    f, i = np.float64, np.int64
    return EngineState(
        rules_i[0].astype(np.bool_),
        rules_i[1].copy(),
        rules_f[0].copy(),
        rules_f[1].copy(),
        rules_i[2].copy(),
        rules_f[2].copy(),
        rules_f[3].copy(),
        rules_i[3].copy(),
        rules_f[4].copy(),
        rules_i[4].copy(),
        rules_f[5].copy(),
        rules_f[6].copy(),
        lines,
        first_arrival_s,
        first_entered_s,
        first_queue,
        first_customer,
        0,
        draws,
        draw_pos,
        flags,
        margin,
        heaps_new(1, 4 * agents + 64),
        0,
        0.0,
        np.empty(room, f),
        np.empty(room, i),
        np.empty(room, i),
        np.empty(room, i),
        np.zeros(room, np.bool_),
        0,
        np.empty(room, i),
        np.empty(room, i),
        np.empty(room, f),
        np.empty(room, f),
        np.empty(room, i),
        np.empty(room, i),
        np.empty(room, f),
        np.empty(room, f),
        np.empty(room, f),
        np.zeros(room, np.bool_),
        np.zeros(room, np.bool_),
        np.empty(room, f),
        np.empty(room, f),
        0,
        np.empty(4 * room, f),
        np.empty(4 * room, i),
        np.empty(4 * room, i),
        np.empty(4 * room, i),
        0,
        np.zeros(agents, np.bool_),
        np.zeros(agents, np.bool_),
        np.zeros(agents, f),
        np.zeros(agents, np.bool_),
        np.zeros(agents, i),
        np.zeros(agents, i),
        np.full(agents, -1, i),
        np.zeros(queues, i),
        router,
    )


# --- records ---------------------------------------------------------------------------------


@njit(cache=True)
def _bigger(a: np.ndarray) -> np.ndarray:
    out = np.zeros(2 * a.size, a.dtype)
    out[: a.size] = a
    return out


@njit(cache=True)
def _add_contact(st: EngineState, arrival_s: float, queue: int, customer: int, attempt: int) -> int:
    n = st.contacts
    if n == st.c_queue.size:
        st.c_arrival_s, st.c_queue = _bigger(st.c_arrival_s), _bigger(st.c_queue)
        st.c_customer, st.c_attempt = _bigger(st.c_customer), _bigger(st.c_attempt)
        st.c_holds_line = _bigger(st.c_holds_line)
    st.c_arrival_s[n] = arrival_s
    st.c_queue[n] = queue
    st.c_customer[n] = customer
    st.c_attempt[n] = attempt
    st.c_holds_line[n] = False
    st.contacts = n + 1
    return n


@njit(cache=True)
def _add_visit(st: EngineState, contact: int, queue: int, entered_s: float, callback: bool) -> int:
    n = st.visits
    if n == st.v_contact.size:
        st.v_contact, st.v_queue = _bigger(st.v_contact), _bigger(st.v_queue)
        st.v_entered_s, st.v_exit_s = _bigger(st.v_entered_s), _bigger(st.v_exit_s)
        st.v_outcome, st.v_agent = _bigger(st.v_outcome), _bigger(st.v_agent)
        st.v_answered_s, st.v_ended_s = _bigger(st.v_answered_s), _bigger(st.v_ended_s)
        st.v_wrapup_end_s = _bigger(st.v_wrapup_end_s)
        st.v_transferred, st.v_callback = _bigger(st.v_transferred), _bigger(st.v_callback)
        st.v_deadline_s, st.v_routed_s = _bigger(st.v_deadline_s), _bigger(st.v_routed_s)
    st.v_contact[n] = contact
    st.v_queue[n] = queue
    st.v_entered_s[n] = entered_s
    st.v_exit_s[n] = math.nan
    st.v_outcome[n] = _OPEN
    st.v_agent[n] = NO_AGENT
    st.v_answered_s[n] = math.nan
    st.v_ended_s[n] = math.nan
    st.v_wrapup_end_s[n] = math.nan
    st.v_transferred[n] = False
    st.v_callback[n] = callback
    st.v_deadline_s[n] = math.inf
    st.v_routed_s[n] = math.nan
    st.visits = n + 1
    return n


@njit(cache=True)
def _set_state(st: EngineState, agent: int, state: int, t: float, queue: int) -> None:
    if st.state[agent] == state:
        return
    st.state[agent] = state
    n = st.states
    if n == st.s_agent.size:
        st.s_at_s, st.s_agent = _bigger(st.s_at_s), _bigger(st.s_agent)
        st.s_state, st.s_queue = _bigger(st.s_state), _bigger(st.s_queue)
    st.s_at_s[n] = t
    st.s_agent[n] = agent
    st.s_state[n] = state
    st.s_queue[n] = queue
    st.states = n + 1


# --- time and draws --------------------------------------------------------------------------


@njit(cache=True)
def _at(st: EngineState, t: float, kind: int, a: int, b: int) -> None:
    st.calendar_seq += 1
    heap_push(st.calendar, 0, t, float(st.calendar_seq), kind, a, b)


@njit(cache=True)
def _take(st: EngineState, queue: int, purpose: int) -> float:
    stream = queue * PURPOSES + purpose
    k = st.draw_pos[stream]
    st.draw_pos[stream] = k + 1
    if st.draws.shape[1] - k - 1 < st.margin:
        st.flags[0] = 1
    return st.draws[stream, k]


@njit(cache=True)
def schedule(
    st: EngineState, t_s: np.ndarray, kind: np.ndarray, a: np.ndarray, b: np.ndarray
) -> None:
    """Put the shift and break events on the calendar, in the order given."""
    for k in range(t_s.size):
        _at(st, t_s[k], kind[k], a[k], b[k])


# --- agents ----------------------------------------------------------------------------------


@njit(cache=True)
def _idle_state(st: EngineState, agent: int) -> int:
    if st.in_talk[agent]:
        return _ON_CONTACT
    if st.in_wrap[agent]:
        return _WRAPUP
    return _BREAK if st.on_break[agent] else _READY


@njit(cache=True)
def _staff(st: EngineState, agent: int, change: int) -> None:
    router = st.router
    for k in range(router.skill_start[agent], router.skill_start[agent + 1]):
        st.staffed[router.skill_queue[k]] += change


@njit(cache=True)
def _assign(st: EngineState, agent: int, count: int) -> None:
    """Offer ``agent`` the contacts the router just gave it."""
    taken = st.router.taken_contact[:count].copy()
    for visit in taken:
        _offer(st, visit, agent, math.nan)


@njit(cache=True)
def _make_available(st: EngineState, agent: int) -> None:
    _assign(st, agent, router_make_available(st.router, agent, st.now))


@njit(cache=True)
def _shift_start(st: EngineState, agent: int) -> None:
    if not st.logged_in[agent]:
        st.logged_in[agent] = True
        _staff(st, agent, 1)
        _set_state(st, agent, _LOGGED_IN, st.now, -1)
    st.pending_logout[agent] = False
    if not st.on_break[agent] and st.pending_break_s[agent] == 0.0:
        _set_state(st, agent, _idle_state(st, agent), st.now, -1)
        _make_available(st, agent)


@njit(cache=True)
def _shift_end(st: EngineState, agent: int) -> None:
    if not st.logged_in[agent]:
        return
    router_make_unavailable(st.router, agent)
    st.pending_break_s[agent] = 0.0
    if st.router.active[agent]:
        st.pending_logout[agent] = True
    else:
        _log_out(st, agent)


@njit(cache=True)
def _log_out(st: EngineState, agent: int) -> None:
    st.logged_in[agent] = False
    st.on_break[agent] = False
    st.pending_logout[agent] = False
    _staff(st, agent, -1)
    _set_state(st, agent, _LOGGED_OUT, st.now, -1)


@njit(cache=True)
def _break_start(st: EngineState, agent: int, duration_ms: int) -> None:
    if not st.logged_in[agent] or st.pending_logout[agent]:
        return
    router_make_unavailable(st.router, agent)
    if st.router.active[agent]:
        st.pending_break_s[agent] = duration_ms / 1000
    else:
        _go_on_break(st, agent, duration_ms / 1000)


@njit(cache=True)
def _go_on_break(st: EngineState, agent: int, duration_s: float) -> None:
    st.on_break[agent] = True
    st.pending_break_s[agent] = 0.0
    _set_state(st, agent, _BREAK, st.now, -1)
    _at(st, st.now + duration_s, BREAK_END, agent, 0)


@njit(cache=True)
def _break_end(st: EngineState, agent: int) -> None:
    if not st.on_break[agent]:
        return
    st.on_break[agent] = False
    if not st.logged_in[agent] or st.pending_logout[agent]:
        return
    _set_state(st, agent, _READY, st.now, -1)
    _make_available(st, agent)


# --- contacts --------------------------------------------------------------------------------


@njit(cache=True)
def _first_arrival(st: EngineState, i: int) -> None:
    queue = st.first_queue[i]
    contact = _add_contact(st, st.first_arrival_s[i], queue, st.first_customer[i], 1)
    _enter(st, contact, queue, st.now)


@njit(cache=True)
def _retry(st: EngineState, contact: int) -> None:
    queue = st.c_queue[contact]
    again = _add_contact(st, st.now, queue, st.c_customer[contact], st.c_attempt[contact] + 1)
    _enter(st, again, queue, st.now + _take(st, queue, ENTRY))


@njit(cache=True)
def _enter(st: EngineState, contact: int, queue: int, entered_s: float) -> None:
    """A contact reaches the door of ``queue`` (its first visit) at ``entered_s``."""
    if entered_s > st.now:
        _at(st, entered_s, ENTER, contact, queue)
        return
    now = st.now
    if st.is_phone[queue]:
        if st.lines_free < 1:
            _block(st, contact, queue)
            return
        st.lines_free -= 1
        st.c_holds_line[contact] = True
    visit = _add_visit(st, contact, queue, now, False)
    patience_s = _take(st, queue, PATIENCE)
    agent = router_arrive(st.router, visit, queue, now, math.nan)
    if agent >= 0:
        _offer(st, visit, agent, math.nan)
        return
    waiting = st.router.waiting_count[queue]
    if st.max_waiting[queue] >= 0 and waiting > st.max_waiting[queue]:
        router_withdraw(st.router, visit)
        _release_line(st, contact)
        st.v_entered_s[visit] = math.nan
        _block_visit(st, visit, contact, queue)
        return
    st.v_deadline_s[visit] = now + patience_s
    _schedule_wait_limit(st, visit, queue)
    if callback_due(
        waiting, st.mean_handle_s[queue], st.staffed[queue], st.callback_after_s[queue]
    ):
        _at(st, now + CALLBACK_PROMPT_S, CALLBACK, visit, 0)


@njit(cache=True)
def _schedule_wait_limit(st: EngineState, visit: int, queue: int) -> None:
    """The first of patience, maximum wait and overflow; a callback leg waits for its turn
    whatever it takes (the customer is not on the line)."""
    if st.v_callback[visit]:
        return
    at_s, code = wait_end(
        st.v_entered_s[visit],
        st.v_deadline_s[visit],
        st.max_wait_s[queue],
        st.overflow_after_s[queue],
    )
    if at_s < math.inf:
        _at(st, max(at_s, st.now), WAIT_LIMIT, visit, code)


@njit(cache=True)
def _wait_limit(st: EngineState, visit: int, exit_code: int) -> None:
    queue = router_withdraw(st.router, visit)
    if queue < 0:
        return
    contact = st.v_contact[visit]
    if exit_code == _ABANDON_EXIT:
        _close(st, visit, _ABANDONED)
        _release_line(st, contact)
        _maybe_retry(st, contact, queue)
    elif exit_code == _TIME_OUT_EXIT:
        _close(st, visit, _TIMED_OUT)
        _release_line(st, contact)
    else:
        _close(st, visit, _OVERFLOWED)
        _move(st, visit, st.overflow_to[queue], False)


@njit(cache=True)
def _move(st: EngineState, visit: int, queue: int, callback: bool) -> None:
    """The contact of ``visit`` joins ``queue`` as a new leg, keeping its age and patience."""
    routed_s = st.v_routed_s[visit]
    if math.isnan(routed_s):
        routed_s = st.v_entered_s[visit]
    contact = st.v_contact[visit]
    entered_s = st.now + HANDOFF_S
    again = _add_visit(st, contact, queue, entered_s, callback)
    st.v_routed_s[again] = routed_s
    agent = router_arrive(st.router, again, queue, entered_s, routed_s)
    if agent >= 0:
        _offer(st, again, agent, entered_s)
        return
    if not callback:
        st.v_deadline_s[again] = st.v_deadline_s[visit]
        st.v_deadline_s[visit] = math.inf
    _schedule_wait_limit(st, again, queue)


@njit(cache=True)
def _callback(st: EngineState, visit: int) -> None:
    router = st.router
    if visit >= router.waiting_seq.size or router.waiting_seq[visit] == 0:
        return
    queue = st.v_queue[visit]
    if _take(st, queue, DECISIONS) >= st.callback_accept[queue]:
        return
    router_withdraw(router, visit)
    _close(st, visit, _CALLBACK_REQUESTED)
    _release_line(st, st.v_contact[visit])
    _move(st, visit, queue, True)


@njit(cache=True)
def _close(st: EngineState, visit: int, outcome: int) -> None:
    st.v_exit_s[visit] = st.now
    st.v_outcome[visit] = outcome


@njit(cache=True)
def _block(st: EngineState, contact: int, queue: int) -> None:
    visit = _add_visit(st, contact, queue, math.nan, False)
    _block_visit(st, visit, contact, queue)


@njit(cache=True)
def _block_visit(st: EngineState, visit: int, contact: int, queue: int) -> None:
    _close(st, visit, _BLOCKED)
    _maybe_retry(st, contact, queue)


@njit(cache=True)
def _maybe_retry(st: EngineState, contact: int, queue: int) -> None:
    if st.c_attempt[contact] >= st.retrial_max[queue]:  # 0 where the queue has no retrials
        return
    if _take(st, queue, DECISIONS) < st.retrial_probability[queue]:
        _at(st, st.now + _take(st, queue, RETRIAL_DELAY), RETRY, contact, 0)


@njit(cache=True)
def _release_line(st: EngineState, contact: int) -> None:
    if st.c_holds_line[contact]:
        st.c_holds_line[contact] = False
        st.lines_free += 1


@njit(cache=True)
def _offer(st: EngineState, visit: int, agent: int, at_s: float) -> None:
    # A contact handed to its next queue joins it HANDOFF_S later; never offer it before.
    now = max(st.now if math.isnan(at_s) else at_s, st.v_entered_s[visit])
    queue = st.v_queue[visit]
    st.v_exit_s[visit] = now
    st.v_outcome[visit] = _ANSWERED
    st.v_agent[visit] = agent
    answered_s = now + _take(st, queue, RING)
    ended_s = answered_s + _take(st, queue, TALK)
    st.v_answered_s[visit] = answered_s
    st.v_ended_s[visit] = ended_s
    st.v_wrapup_end_s[visit] = ended_s + _take(st, queue, WRAPUP)
    st.v_deadline_s[visit] = math.inf
    st.in_talk[agent] += 1
    _set_state(st, agent, _ON_CONTACT, now, queue)
    _at(st, ended_s, END_TALK, visit, agent)


@njit(cache=True)
def _end_talk(st: EngineState, visit: int, agent: int) -> None:
    queue = st.v_queue[visit]
    contact = st.v_contact[visit]
    target = st.transfer_to[queue]
    if target >= 0 and _take(st, queue, DECISIONS) < st.transfer_probability[queue]:
        st.v_transferred[visit] = True
        _move_transfer(st, contact, target)
    else:
        _release_line(st, contact)
    st.in_talk[agent] -= 1
    st.in_wrap[agent] += 1
    _set_state(st, agent, _idle_state(st, agent), st.now, -1)
    if st.v_wrapup_end_s[visit] > st.now:
        _at(st, st.v_wrapup_end_s[visit], WRAP_END, visit, agent)
    else:
        _wrap_end(st, visit, agent)  # no after-contact work


@njit(cache=True)
def _move_transfer(st: EngineState, contact: int, queue: int) -> None:
    entered_s = st.now + HANDOFF_S
    visit = _add_visit(st, contact, queue, entered_s, False)
    patience_s = _take(st, queue, PATIENCE)
    agent = router_arrive(st.router, visit, queue, entered_s, math.nan)
    if agent >= 0:
        _offer(st, visit, agent, entered_s)
        return
    st.v_deadline_s[visit] = entered_s + patience_s
    _schedule_wait_limit(st, visit, queue)


@njit(cache=True)
def _wrap_end(st: EngineState, visit: int, agent: int) -> None:
    queue = st.v_queue[visit]
    st.in_wrap[agent] -= 1
    if st.pending_logout[agent] or st.pending_break_s[agent] or not st.logged_in[agent]:
        router_release(st.router, agent, queue, st.now)  # unavailable: takes nothing
        if st.router.active[agent] == 0:
            if st.pending_logout[agent]:
                _log_out(st, agent)
            elif st.pending_break_s[agent]:
                _go_on_break(st, agent, st.pending_break_s[agent])
        else:
            _set_state(st, agent, _idle_state(st, agent), st.now, -1)
        return
    _set_state(st, agent, _idle_state(st, agent), st.now, -1)
    _assign(st, agent, router_release(st.router, agent, queue, st.now))


# --- the loop --------------------------------------------------------------------------------


@njit(cache=True)
def run_events(st: EngineState, boundary_s: float) -> int:
    """Process events in time order (calendar first at equal times) until none is left
    (DONE), the next one is at or after ``boundary_s`` (AT_BOUNDARY), or a random stream is
    running low (DRAWS_LOW)."""
    calendar = st.calendar
    total = st.first_entered_s.size
    while True:
        if st.flags[0]:
            return DRAWS_LOW
        i = st.next_first
        next_first = st.first_entered_s[i] if i < total else math.inf
        next_event = calendar.f0[calendar.offset[0]] if calendar.size[0] else math.inf
        if boundary_s < math.inf and min(next_first, next_event) >= boundary_s:
            return AT_BOUNDARY
        if calendar.size[0] and next_event <= next_first:
            top = calendar.offset[0]
            kind, a, b = calendar.i0[top], calendar.i1[top], calendar.i2[top]
            heap_pop(calendar, 0)
            st.now = next_event
            if kind == END_TALK:
                _end_talk(st, a, b)
            elif kind == WRAP_END:
                _wrap_end(st, a, b)
            elif kind == WAIT_LIMIT:
                _wait_limit(st, a, b)
            elif kind == CALLBACK:
                _callback(st, a)
            elif kind == RETRY:
                _retry(st, a)
            elif kind == ENTER:
                _enter(st, a, b, st.now)
            elif kind == SHIFT_START:
                _shift_start(st, a)
            elif kind == SHIFT_END:
                _shift_end(st, a)
            elif kind == BREAK_START:
                _break_start(st, a, b)
            else:
                _break_end(st, a)
        elif i < total:
            st.now = next_first
            st.next_first = i + 1
            _first_arrival(st, i)
        else:
            return DONE


@njit(cache=True)
def log_everyone_out(st: EngineState, end_s: float) -> None:
    """Agents still logged in when the run ends log out at ``end_s``."""
    for agent in range(st.logged_in.size):
        if st.logged_in[agent]:
            _set_state(st, agent, _LOGGED_OUT, end_s, -1)


@njit(cache=True)
def records(st: EngineState):  # type: ignore[no-untyped-def]
    """(contact columns, visit columns, state columns) as trimmed arrays."""
    c, v, s = st.contacts, st.visits, st.states
    contacts = (st.c_arrival_s[:c], st.c_queue[:c], st.c_customer[:c], st.c_attempt[:c])
    visits = (
        st.v_contact[:v],
        st.v_queue[:v],
        st.v_entered_s[:v],
        st.v_exit_s[:v],
        st.v_outcome[:v],
        st.v_agent[:v],
        st.v_answered_s[:v],
        st.v_ended_s[:v],
        st.v_wrapup_end_s[:v],
        st.v_transferred[:v],
        st.v_callback[:v],
    )
    states = (st.s_at_s[:s], st.s_agent[:s], st.s_state[:s], st.s_queue[:s])
    return contacts, visits, states
