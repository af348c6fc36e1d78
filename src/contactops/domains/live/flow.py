"""The rules of the live center, applied inside one transaction on the live-center thread.

Each rule changes the stored contacts and agents, tells the router, and appends the canonical
events that tell the same story (contact events for contacts, agent-state events for agents),
so the KPI engine measures the live center exactly as it measures an imported log.

- **Arrival**: a closed queue (opening hours, closed dates) or a full one (``max_queue_length``
  contacts waiting) blocks the contact — the answer says whether a callback may be offered
  instead. Otherwise it enters the queue; with ``sticky_agent`` the customer's last agent gets
  it if that agent can take it now, else the router's rule applies.
- **Offer**: the agent's phone rings or chat alerts for ``ring_timeout_s``. Rejecting it, or no
  answer in time (ring-no-answer), puts the agent not ready (reason ``declined`` /
  ``ring_no_answer``) and the contact back in line, keeping its place.
- **Waiting** ends at the first of: the customer leaves (abandoned), ``max_wait_s`` (timed out),
  ``overflow_after_s`` (to the overflow queue keeping its age, or the same queue widened to the
  overflow skill), a callback request (the contact's outcome is ``callback``; the call back is a
  new contact on the callback channel that keeps the place in line, or waits for its time).
- **Handling**: answered → held/unheld → ended → wrap-up (closed by the agent with a code, or
  automatically after ``wrapup_limit_s``). Transfer to a queue starts a new leg there; transfer
  to an agent offers the contact to that agent, who must be able to take it.
- **Agents**: presence is chosen by the agent (ready, not ready with a reason, break, logged
  out); the logged state is ``on_contact`` while any contact is connected or held, ``wrapup``
  while any is in wrap-up, else the presence. An agent with open contacts cannot log out.
  With an occupancy cap, an agent who finishes a contact above the cap over the last hour rests
  (not offered contacts) until busy ÷ staffed falls back to the cap.

Every contact that arrives ends in exactly one outcome: answered, abandoned, callback, blocked
or timed out.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from contactops.domains.events.service import append_agent_events_in, append_contact_events_in
from contactops.domains.live.center import LiveCenter, QueueSettings, epoch_s
from contactops.domains.live.models import (
    ABANDONED,
    ANSWERED,
    BLOCKED,
    BREAK,
    CALLBACK,
    CONNECTED,
    ENDED,
    HELD,
    LOGGED_OUT,
    NOT_READY,
    OFFERED,
    READY,
    SCHEDULED,
    TIMED_OUT,
    WAITING,
    WITH_AGENT,
    WRAPUP,
    LiveAgent,
    LiveContact,
)
from contactops.engines.events import (
    AgentState,
    AgentStateEvent,
    Channel,
    ContactEvent,
    ContactEventType,
    EventValue,
)
from contactops.engines.routing import expected_wait_s, rest_needed_s
from contactops.platform.errors import Conflict, InvalidInput
from contactops.platform.i18n import gettext as _
from contactops.platform.tenancy import scope_tenant_id
from contactops.platform.writes import WRITTEN, insert_now

STICKY_WITHIN = timedelta(days=30)
DEFAULT_HANDLE_S = 300.0  # expected handle time of a queue before any contact was handled
RING_NO_ANSWER = "ring_no_answer"
DECLINED = "declined"
OCCUPANCY_REST = "occupancy_rest"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_E = ContactEventType
_Row = TypeVar("_Row", LiveAgent, LiveContact)


@dataclass
class Flow:
    """One transaction's work on the center: the session, the center, the time, and who must
    hear about it afterwards."""

    session: Session
    center: LiveCenter
    now: datetime
    time_zone: str
    agent_topics: set[int] = field(default_factory=set)  # agents whose desktop changed
    chat_topics: set[str] = field(default_factory=set)  # public ids of changed contacts
    touched_agents: set[int] = field(default_factory=set)  # agents whose logged state may move
    offers: dict[int, list[str]] = field(default_factory=dict)  # agent -> contacts offered now
    touched_contacts: dict[int, LiveContact] = field(default_factory=dict)
    contact_events: list[ContactEvent] = field(default_factory=list)
    agent_events: list[AgentStateEvent] = field(default_factory=list)
    new_customers: set[int] = field(default_factory=set)  # created in this transaction
    _agents: dict[int, LiveAgent] = field(default_factory=dict)
    # what the session held unwritten before this flow (a group's earlier calls): untouched()
    _pending_before: _Pending = field(init=False)

    def __post_init__(self) -> None:
        self._pending_before = _pending(self.session)

    # --- helpers --------------------------------------------------------------------------

    @property
    def now_s(self) -> float:
        return epoch_s(self.now)

    def queue(self, queue_id: int) -> QueueSettings:
        return self.center.queues[queue_id]

    def agent_code(self, agent_id: int | None) -> str | None:
        return None if agent_id is None else self.center.agents[agent_id].code

    def live_agent(self, agent_id: int) -> LiveAgent:
        row = self._agents.get(agent_id)
        if row is None:
            kept = self.center.rows.agents.get(agent_id)
            if kept is not None:
                row = self._attached(kept)
            else:
                with self.session.no_autoflush:  # a key that never changes
                    row = self.session.scalar(
                        select(LiveAgent).where(LiveAgent.agent_id == agent_id)
                    )
            if row is None:  # written at once: later calls of a group find it, unflushed
                row = insert_now(
                    self.session,
                    LiveAgent(
                        agent_id=agent_id,
                        presence=LOGGED_OUT,
                        presence_since=self.now,
                        activity=LOGGED_OUT,
                        activity_since=self.now,
                    ),
                )
                assert row is not None
            self._agents[agent_id] = row
        return row

    def contact(self, contact_id: int) -> LiveContact | None:
        kept = self.center.rows.contacts.get(contact_id)
        if kept is not None:
            return self._attached(kept)
        return self.session.get(LiveContact, contact_id)

    def contact_by_public_id(self, public_id: str) -> LiveContact | None:
        contact_id = self.center.rows.by_public_id.get(public_id)
        if contact_id is not None:
            return self.contact(contact_id)
        with self.session.no_autoflush:  # a key that never changes
            return self.session.scalar(
                select(LiveContact).where(LiveContact.public_id == public_id)
            )

    def contact_by_call(self, external_ref: str) -> LiveContact | None:
        """The contact of the PBX's call id (an open one is known without a query)."""
        kept = self.kept_contact_by_call(external_ref)
        if kept is not None:
            return kept
        with self.session.no_autoflush:  # a key that never changes
            return self.session.scalar(
                select(LiveContact).where(LiveContact.external_ref == external_ref)
            )

    def kept_contact_by_call(self, external_ref: str) -> LiveContact | None:
        contact_id = self.center.rows.by_call.get(external_ref)
        return None if contact_id is None else self.contact(contact_id)

    def _attached(self, row: _Row) -> _Row:
        """A row kept from an earlier transaction, in this session — unless the session has
        loaded that row already: its copy is the one being changed, so it wins."""
        loaded = self.session.identity_map.get(inspect(row).key)
        if loaded is not None:
            return loaded  # type: ignore[no-any-return]
        self.session.add(row)
        return row

    def keep_rows(self, loaded: Iterable[object] | None = None) -> None:
        """Keep the open contacts and the agents of this transaction (or ``loaded``) for the
        next; ended contacts are let go."""
        rows = self.center.rows
        for row in list(self.session.identity_map.values()) if loaded is None else loaded:
            if isinstance(row, LiveAgent):
                rows.agents[row.agent_id] = row
            elif isinstance(row, LiveContact):
                if row.status == ENDED:
                    rows.contacts.pop(row.id, None)
                    rows.by_public_id.pop(row.public_id, None)
                    if row.external_ref is not None:
                        rows.by_call.pop(row.external_ref, None)
                else:
                    rows.contacts[row.id] = row
                    rows.by_public_id[row.public_id] = row.id
                    if row.external_ref is not None:
                        rows.by_call[row.external_ref] = row.id

    def emit(
        self,
        contact: LiveContact,
        event_type: ContactEventType,
        *,
        agent_id: int | None = None,
        queue_id: int | None = -1,
        **data: EventValue,
    ) -> None:
        """A contact event at ``now`` (queue: the contact's current one unless given)."""
        queue_id = contact.queue_id if queue_id == -1 else queue_id
        self.contact_events.append(
            ContactEvent(
                occurred_at=self.now,
                contact_id=contact.public_id,
                event_type=event_type,
                channel=Channel(contact.channel),
                queue=None if queue_id is None else self.queue(queue_id).code,
                agent=self.agent_code(agent_id),
                customer_id=None if contact.customer_id is None else str(contact.customer_id),
                data={k: v for k, v in data.items() if v is not None},
            )
        )
        contact.legs_stale = True
        contact.updated_at = self.now
        self.touched_contacts[contact.id] = contact
        self.chat_topics.add(contact.public_id)
        if contact.agent_id is not None:
            self.agent_topics.add(contact.agent_id)

    def untouched(self) -> bool:
        """Nothing changed yet by this flow: no row changed or written, no event, no offer."""
        return not (
            self.session.info.get(WRITTEN)
            or _pending(self.session) != self._pending_before
            or self.touched_contacts
            or self.touched_agents
            or self.offers
            or self.agent_topics
            or self.contact_events
            or self.agent_events
        )

    def finish(self, write: bool = True) -> None:
        """Log the agents' state changes; with ``write``, write the rows and the events (else
        the caller writes them later: a group, see :func:`write_changes`)."""
        for contact in self.touched_contacts.values():
            held = contact.status in WITH_AGENT and contact.agent_id is not None
            self.center.hand(
                contact.id, contact.agent_id if held else None, contact.status if held else None
            )
        for agent_id in sorted(self.touched_agents):
            self._log_activity(agent_id)
        if write:
            write_changes(self.session, self.contact_events, self.agent_events)
            self.contact_events, self.agent_events = [], []
        self.keep_rows()

    # --- arrival and the queue -------------------------------------------------------------

    def new_contact(
        self,
        channel: str,
        queue_id: int,
        *,
        customer_id: int | None = None,
        customer_label: str | None = None,
        external_ref: str | None = None,
        caller: str | None = None,
        with_chat_token: bool = False,
    ) -> tuple[LiveContact, str | None]:
        token = secrets.token_urlsafe(24) if with_chat_token else None
        contact = LiveContact(
            public_id=uuid.uuid4().hex,
            channel=channel,
            status=WAITING,
            queue_id=queue_id,
            customer_id=customer_id,
            customer_label=customer_label,
            arrived_at=self.now,
            external_ref=external_ref,
            caller=caller,
            chat_token_hash=None if token is None else token_digest(token),
            legs_stale=True,
            updated_at=self.now,
            note="",
            widened=False,
        )
        stored = insert_now(self.session, contact)  # its id now; the other changes wait
        assert stored is not None
        return stored, token

    def arrive(self, contact: LiveContact, **data: EventValue) -> str | None:
        """Log the arrival and queue the contact; returns why it was blocked, or None."""
        self.emit(contact, _E.ARRIVED, **data)
        assert contact.queue_id is not None
        queue = self.queue(contact.queue_id)
        reason = None
        if not is_open(queue, self.now, self.time_zone):
            reason = "closed"
        elif (
            queue.max_queue_length is not None
            and self.waiting_in(queue.id) >= queue.max_queue_length
        ):
            reason = "queue_full"
        if reason is not None:
            self.emit(contact, _E.BLOCKED, reason=reason)
            self._close(contact, BLOCKED)
            return reason
        self.enter_queue(contact, queue.id, routed_at=self.now)
        return None

    def waiting_in(self, queue_id: int) -> int:
        router = self.center.router
        return router.waiting(self.center.rq(queue_id)) + router.waiting(
            self.center.rq(queue_id, True)
        )

    def enter_queue(
        self, contact: LiveContact, queue_id: int, *, routed_at: datetime, log: bool = True
    ) -> None:
        """Put ``contact`` in line in ``queue_id`` (a new leg when logged), ``routed_at`` its
        place in line."""
        contact.queue_id, contact.widened = queue_id, False
        contact.status, contact.agent_id = WAITING, None
        contact.queued_at, contact.routed_at = self.now, routed_at
        if log:
            self.emit(contact, _E.ENTERED_QUEUE, position=self.waiting_in(queue_id) + 1)
        preferred = self._sticky_agent(contact)
        self._route(contact, preferred)

    def _sticky_agent(self, contact: LiveContact) -> int | None:
        queue = self.queue(contact.queue_id) if contact.queue_id else None
        if contact.preferred_agent_id is not None:
            return contact.preferred_agent_id
        if queue is None or not queue.sticky_agent or contact.customer_id is None:
            return None
        if contact.customer_id in self.new_customers:
            return None  # no earlier contact to be sticky to
        # Without writing the unwritten changes first: a contact of this customer answered in
        # the same group commit, milliseconds ago, is not seen (its agent is busy with them).
        with self.session.no_autoflush:
            return self.session.scalar(
                select(LiveContact.agent_id)
                .where(
                    LiveContact.customer_id == contact.customer_id,
                    LiveContact.answered_at >= self.now - STICKY_WITHIN,
                    LiveContact.agent_id.is_not(None),
                    LiveContact.id != contact.id,
                )
                .order_by(LiveContact.answered_at.desc())
                .limit(1)
            )

    def _route(self, contact: LiveContact, preferred_agent_id: int | None = None) -> None:
        """Hand ``contact`` (status waiting) to the router: offered at once, or waits."""
        assert contact.queue_id is not None and contact.routed_at is not None
        center = self.center
        preferred = center.agent_index.get(preferred_agent_id) if preferred_agent_id else None
        agent = center.router.arrive(
            contact.id,
            center.rq(contact.queue_id, contact.widened),
            self.now_s,
            epoch_s(contact.routed_at),
            preferred=preferred,
        )
        if agent is None:
            contact.deadline_at = self._wait_deadline(contact)
        else:
            self.offer(contact, center.agent_of_index[agent])

    def _wait_deadline(self, contact: LiveContact) -> datetime | None:
        """The next wait timer: the queue's maximum wait or, before it, its overflow."""
        if contact.channel == Channel.CALLBACK.value:
            limits: list[int] = []
        else:
            queue = self.queue(contact.queue_id)  # type: ignore[arg-type]
            limits = [s for s in (queue.max_wait_s,) if s is not None]
            if (
                queue.overflow_after_s is not None
                and not contact.widened
                and (queue.overflow_queue_id is not None or queue.overflow_skill_code is not None)
            ):
                limits.append(queue.overflow_after_s)
        if not limits:
            return None
        assert contact.queued_at is not None
        return contact.queued_at + timedelta(seconds=min(limits))

    def expected_wait_s(self, queue_id: int) -> float:
        """Expected wait of one more contact (see :func:`engines.routing.expected_wait_s`)."""
        queue = self.queue(queue_id)
        staffed = sum(
            1
            for agent in self.center.agents.values()
            if (queue.skill_code is None or queue.skill_code in agent.skills)
            and agent.id in self.center.presence
        )
        mean_handle_s = self.center.mean_handle_s.get(queue_id, DEFAULT_HANDLE_S)
        return expected_wait_s(self.waiting_in(queue_id) + 1, mean_handle_s, staffed)

    def callback_offered(self, contact: LiveContact) -> bool:
        """Whether the customer should be offered a callback now (virtual hold threshold)."""
        if contact.queue_id is None or contact.channel != Channel.PHONE.value:
            return False
        queue = self.queue(contact.queue_id)
        if contact.outcome == BLOCKED:
            return queue.callback_when_full
        if contact.status != WAITING or queue.callback_offer_after_s is None:
            return False
        return self.expected_wait_s(queue.id) > queue.callback_offer_after_s

    def on_wait_timer(self, contact: LiveContact) -> None:
        """A waiting contact's timer fired: time out, or overflow (to a queue or widened)."""
        queue = self.queue(contact.queue_id)  # type: ignore[arg-type]
        assert contact.queued_at is not None and contact.routed_at is not None
        waited_s = (self.now - contact.queued_at).total_seconds()
        if queue.max_wait_s is not None and waited_s >= queue.max_wait_s - 1e-6:
            self._withdraw(contact)
            self.emit(contact, _E.TIMED_OUT)
            self._close(contact, TIMED_OUT)
            return
        self._withdraw(contact)
        if queue.overflow_queue_id is not None and queue.overflow_queue_id in self.center.queues:
            target = self.queue(queue.overflow_queue_id)
            self.emit(contact, _E.OVERFLOWED, reason="timeout", target=target.code)
            self.enter_queue(contact, target.id, routed_at=contact.routed_at)
        else:
            contact.widened = True
            self._route(contact)

    def _withdraw(self, contact: LiveContact) -> None:
        self.center.router.withdraw(contact.id)
        contact.deadline_at = None

    def _close(self, contact: LiveContact, outcome: str | None) -> None:
        """The contact leaves the center; ``outcome`` is set unless it has one already."""
        if contact.outcome is None:
            contact.outcome = outcome
        contact.status, contact.deadline_at = ENDED, None
        contact.closed_at = contact.closed_at or self.now
        if contact.ended_at is None:
            contact.ended_at = self.now

    # --- offers ---------------------------------------------------------------------------

    def offer(self, contact: LiveContact, agent_id: int) -> None:
        """The router gave ``contact`` to ``agent_id``: ring for the queue's ring timeout."""
        queue = self.queue(contact.queue_id)  # type: ignore[arg-type]
        contact.status, contact.agent_id = OFFERED, agent_id
        contact.offered_at = self.now
        contact.deadline_at = self.now + timedelta(seconds=queue.ring_timeout_s)
        contact.preferred_agent_id = None
        self.emit(contact, _E.OFFERED, agent_id=agent_id)
        self.agent_topics.add(agent_id)
        self.offers.setdefault(agent_id, []).append(contact.public_id)

    def give_taken(self, agent_id: int, taken: list[tuple[object, int]]) -> None:
        """Offer to ``agent_id`` what the router handed it after it freed up or became ready."""
        for contact_id, router_queue in taken:
            contact = self.contact(contact_id)  # type: ignore[arg-type]
            assert contact is not None
            queue_id, widened = self.center.queue_of_index[router_queue]
            contact.queue_id, contact.widened = queue_id, widened
            self.offer(contact, agent_id)

    def answer(self, contact: LiveContact, agent_id: int) -> None:
        if contact.status != OFFERED or contact.agent_id != agent_id:
            raise Conflict(_("This contact is not offered to you (any more)."))
        ring_s = (self.now - contact.offered_at).total_seconds() if contact.offered_at else 0.0
        contact.status, contact.deadline_at = CONNECTED, None
        if contact.answered_at is None:
            contact.answered_at = self.now
        if contact.outcome is None:
            contact.outcome = ANSWERED
        self.emit(contact, _E.ANSWERED, agent_id=agent_id, ring_s=round(ring_s, 3))
        self.touched_agents.add(agent_id)

    def miss_offer(self, contact: LiveContact, reason: str) -> None:
        """Rejected or not answered in time: the agent goes not ready, the contact back in line."""
        agent_id = contact.agent_id
        assert agent_id is not None and contact.offered_at is not None
        ring_s = (self.now - contact.offered_at).total_seconds()
        self.emit(
            contact, _E.OFFER_MISSED, agent_id=agent_id, ring_s=round(ring_s, 3), reason=reason
        )
        self.set_presence(agent_id, NOT_READY, reason)
        self._release_agent(agent_id, contact)
        contact.status, contact.agent_id, contact.offered_at = WAITING, None, None
        self._route(contact)

    def _release_agent(self, agent_id: int, contact: LiveContact) -> None:
        """The agent no longer holds ``contact``: it may take the next waiting ones."""
        center = self.center
        rq = center.rq(contact.queue_id, contact.widened)  # type: ignore[arg-type]
        agent = center.agents[agent_id]
        if agent.occupancy_cap is not None:
            self._rest_if_over_cap(agent_id, agent.occupancy_cap)
        self.give_taken(agent_id, center.router.release(center.ra(agent_id), rq, self.now_s))
        self.agent_topics.add(agent_id)
        self.touched_agents.add(agent_id)

    def _rest_if_over_cap(self, agent_id: int, cap: float) -> None:
        window = self.center.occupancy_of(agent_id)
        rest_s = rest_needed_s(window.busy_s(self.now_s), window.staffed_s(self.now_s), cap)
        if rest_s > 0:
            self.live_agent(agent_id).rest_until = self.now + timedelta(seconds=rest_s)
            self.center.router.make_unavailable(self.center.ra(agent_id))

    # --- handling -------------------------------------------------------------------------

    def hold(self, contact: LiveContact, on: bool) -> None:
        if on and contact.status == CONNECTED:
            contact.status, contact.held_since = HELD, self.now
            self.emit(contact, _E.HOLD, agent_id=contact.agent_id)
        elif not on and contact.status == HELD:
            contact.status, contact.held_since = CONNECTED, None
            self.emit(contact, _E.UNHOLD, agent_id=contact.agent_id)
        else:
            raise Conflict(_("The contact cannot be put on or taken off hold now."))

    def end(self, contact: LiveContact, ended_by: str) -> None:
        """The conversation ended: wrap-up begins (with its time limit)."""
        if contact.status not in (CONNECTED, HELD):
            raise Conflict(_("Only a contact in conversation can be ended."))
        queue = self.queue(contact.queue_id)  # type: ignore[arg-type]
        contact.status, contact.ended_at, contact.held_since = WRAPUP, self.now, None
        limit = queue.wrapup_limit_s
        contact.deadline_at = None if limit is None else self.now + timedelta(seconds=limit)
        self.emit(contact, _E.ENDED, agent_id=contact.agent_id, ended_by=ended_by)
        self.touched_agents.add(contact.agent_id)  # type: ignore[arg-type]

    def wrap_up(
        self,
        contact: LiveContact,
        code: str | None,
        note: str | None,
        resolved: bool,
        auto: bool = False,
    ) -> None:
        if contact.status != WRAPUP:
            raise Conflict(_("Only a contact in wrap-up can be wrapped up."))
        agent_id = contact.agent_id
        assert agent_id is not None
        contact.wrapup_code = code
        if note:
            contact.note = note
        self.emit(contact, _E.WRAPUP_ENDED, agent_id=agent_id, code=code, auto=auto or None)
        if resolved:
            self.emit(contact, _E.RESOLVED, agent_id=agent_id)
        if contact.answered_at is not None:
            self.center.occupancy_of(agent_id).add(
                epoch_s(contact.answered_at), self.now_s, busy=True
            )
            self.center.observe_handle(
                contact.queue_id,  # type: ignore[arg-type]
                (self.now - contact.answered_at).total_seconds(),
            )
        self._close(contact, ANSWERED)
        self._release_agent(agent_id, contact)

    def transfer_to_queue(self, contact: LiveContact, queue_id: int) -> None:
        if contact.status not in (CONNECTED, HELD):
            raise Conflict(_("Only a contact in conversation can be transferred."))
        target = self.queue(queue_id)
        agent_id = contact.agent_id
        assert agent_id is not None
        self.emit(contact, _E.TRANSFERRED, agent_id=agent_id, target=target.code, kind="blind")
        self._release_agent(agent_id, contact)
        contact.held_since = None
        self.enter_queue(contact, queue_id, routed_at=self.now)

    def transfer_to_agent(self, contact: LiveContact, target_agent_id: int) -> None:
        if contact.status not in (CONNECTED, HELD):
            raise Conflict(_("Only a contact in conversation can be transferred."))
        center = self.center
        rq = center.rq(contact.queue_id, contact.widened)  # type: ignore[arg-type]
        if target_agent_id == contact.agent_id or not center.router.can_take(
            center.ra(target_agent_id), rq
        ):
            raise Conflict(
                _(
                    "%(agent)s cannot take this contact now (not ready, busy or not skilled).",
                    agent=center.agents[target_agent_id].display_name,
                )
            )
        agent_id = contact.agent_id
        assert agent_id is not None
        target = center.agents[target_agent_id]
        self.emit(contact, _E.TRANSFERRED, agent_id=agent_id, target=target.code, kind="agent")
        self._release_agent(agent_id, contact)
        center.router.assign(center.ra(target_agent_id), rq)
        self.offer(contact, target_agent_id)

    # --- customers leaving and callbacks --------------------------------------------------

    def customer_left(self, contact: LiveContact) -> None:
        """The customer hung up or closed the chat."""
        if contact.status in (WAITING, OFFERED):
            if contact.status == OFFERED:
                agent_id = contact.agent_id
                assert agent_id is not None
                self._release_agent(agent_id, contact)
            else:
                self._withdraw(contact)
            self.emit(contact, _E.ABANDONED)
            self._close(contact, ABANDONED)
        elif contact.status in (CONNECTED, HELD):
            self.end(contact, "customer")
        elif contact.status == SCHEDULED:
            raise Conflict(_("A scheduled callback is cancelled by a supervisor, not by leaving."))

    def request_callback(
        self, contact: LiveContact, number: str | None, at: datetime | None
    ) -> LiveContact:
        """A waiting customer asks to be called back: now keeping the place (virtual hold), or
        at ``at``. Returns the callback contact."""
        if contact.status != WAITING:
            raise Conflict(_("Only a waiting contact can ask for a callback."))
        number = number or contact.caller
        if not number:
            raise InvalidInput("number", _("Give the number to call back."))
        self._withdraw(contact)
        self.emit(contact, _E.CALLBACK_REQUESTED, at=None if at is None else at.isoformat())
        self._close(contact, CALLBACK)
        return self.schedule_callback(
            contact.queue_id,  # type: ignore[arg-type]
            number,
            at,
            customer_id=contact.customer_id,
            customer_label=contact.customer_label,
            callback_of=contact.public_id,
            routed_at=contact.routed_at,
        )

    def schedule_callback(
        self,
        queue_id: int,
        number: str,
        at: datetime | None,
        *,
        customer_id: int | None,
        customer_label: str | None,
        callback_of: str | None = None,
        routed_at: datetime | None = None,
        preferred_agent_id: int | None = None,
    ) -> LiveContact:
        """A contact on the callback channel: queued now, or scheduled for ``at``."""
        callback, _token = self.new_contact(
            Channel.CALLBACK.value,
            queue_id,
            customer_id=customer_id,
            customer_label=customer_label,
        )
        callback.callback_of, callback.callback_number, callback.callback_at = (
            callback_of,
            number,
            at,
        )
        callback.preferred_agent_id = preferred_agent_id
        self.emit(callback, _E.ARRIVED, callback_of=callback_of)
        if at is not None and at > self.now:
            callback.status, callback.deadline_at = SCHEDULED, at
        else:
            self.enter_queue(callback, queue_id, routed_at=routed_at or self.now)
        return callback

    def callback_due(self, callback: LiveContact) -> None:
        assert callback.queue_id is not None
        self.enter_queue(callback, callback.queue_id, routed_at=self.now)

    # --- agents ---------------------------------------------------------------------------

    def set_presence(self, agent_id: int, presence: str, reason: str | None = None) -> None:
        row = self.live_agent(agent_id)
        router, index = self.center.router, self.center.ra(agent_id)
        if (
            presence == LOGGED_OUT
            and row.presence != LOGGED_OUT
            and self.center.in_hand.get(agent_id)
        ):
            raise Conflict(_("Finish your open contacts before you log out."))
        if row.presence == LOGGED_OUT and presence != LOGGED_OUT:
            row.logged_in_at = self.now
            self.agent_events.append(
                AgentStateEvent(self.now, self.center.agents[agent_id].code, AgentState.LOGGED_IN)
            )
            row.activity, row.activity_since = "logged_in", self.now
        if row.presence != LOGGED_OUT and row.logged_in_at is not None:
            self._count_staffed(agent_id, row)
        row.presence, row.reason, row.presence_since = presence, reason, self.now
        if presence == LOGGED_OUT:
            self.center.presence.pop(agent_id, None)
        else:
            self.center.presence[agent_id] = presence
        if presence == READY:
            row.rest_until = None
            if row.idle_since is None:
                row.idle_since = self.now
            self.give_taken(agent_id, router.make_available(index, self.now_s))
        else:
            router.make_unavailable(index)
        self.touched_agents.add(agent_id)
        self.agent_topics.add(agent_id)

    def _count_staffed(self, agent_id: int, row: LiveAgent) -> None:
        since = max(row.presence_since, row.logged_in_at or row.presence_since)
        if row.presence == READY:
            self.center.occupancy_of(agent_id).add(epoch_s(since), self.now_s, busy=False)

    def end_rest(self, agent_id: int) -> None:
        row = self.live_agent(agent_id)
        row.rest_until = None
        if row.presence == READY:
            router = self.center.router
            self.give_taken(agent_id, router.make_available(self.center.ra(agent_id), self.now_s))
            self.agent_topics.add(agent_id)

    def _log_activity(self, agent_id: int) -> None:
        """Log the agent's state if it changed: on contact, wrap-up, or its presence."""
        row = self.live_agent(agent_id)
        statuses = self.center.statuses_of(agent_id)
        if statuses & {CONNECTED, HELD}:
            state, reason = AgentState.ON_CONTACT, None
        elif WRAPUP in statuses:
            state, reason = AgentState.WRAPUP, None
        else:
            state = {
                READY: AgentState.READY,
                NOT_READY: AgentState.NOT_READY,
                BREAK: AgentState.BREAK,
                LOGGED_OUT: AgentState.LOGGED_OUT,
            }[row.presence]
            reason = row.reason if state in (AgentState.NOT_READY, AgentState.BREAK) else None
        label = state.value if reason is None else f"{state.value}:{reason}"
        if label == _activity_label(row):
            return
        row.activity, row.activity_reason = state.value, reason
        row.activity_since = self.now
        self.agent_events.append(
            AgentStateEvent(self.now, self.center.agents[agent_id].code, state, reason=reason)
        )


def _activity_label(row: LiveAgent) -> str:
    return row.activity if row.activity_reason is None else f"{row.activity}:{row.activity_reason}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_open(queue: QueueSettings, now: datetime, time_zone: str) -> bool:
    """Whether ``queue`` takes contacts at ``now``: its local date is not a closed date and the
    local time falls in one of the weekday's [open, close) ranges ("24:00" closes at midnight).
    A queue without opening hours is always open."""
    local = now.astimezone(ZoneInfo(time_zone))
    if local.date().isoformat() in queue.closed_dates:
        return False
    if queue.opening_hours is None:
        return True
    minute = local.hour * 60 + local.minute
    for start, end in queue.opening_hours.get(WEEKDAYS[local.weekday()], []):
        if clock_minutes(start) <= minute < clock_minutes(end):
            return True
    return False


def clock_minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


# --- writing a transaction's changes ------------------------------------------------------

# new rows, deleted rows, and the changed values of the others (by object)
_Pending = tuple[frozenset[int], frozenset[int], dict[int, dict[str, Any]]]


def _pending(session: Session) -> _Pending:
    """What the session would write at its next flush, to compare (see :meth:`Flow.untouched`)."""
    changed = {}
    for row in session.dirty:
        state = inspect(row)
        changed[id(row)] = {key: state.dict.get(key) for key in state.committed_state}
    return frozenset(map(id, session.new)), frozenset(map(id, session.deleted)), changed


_LIVE_ROWS = (LiveContact, LiveAgent)


def write_changes(
    session: Session, contact_events: list[ContactEvent], agent_events: list[AgentStateEvent]
) -> None:
    """Write what the transaction changed: the live contacts and agents one ``UPDATE`` a table
    (every changed row sets every column: one executemany, which PostgreSQL's driver sends in
    one pipeline, where the flush would send one statement a row), then the rest by a flush,
    then the events."""
    changed: dict[type, list[Any]] = {}
    for row in session.dirty:
        if isinstance(row, _LIVE_ROWS) and inspect(row).committed_state:
            changed.setdefault(type(row), []).append(row)
    for model, rows in changed.items():
        _update_rows(session, model, rows)
    session.flush()
    if contact_events:
        append_contact_events_in(session, contact_events, update_legs=False)
    if agent_events:
        append_agent_events_in(session, agent_events)


def _update_rows(session: Session, model: type, rows: list[Any]) -> None:
    """``UPDATE`` every column of stored ``rows`` (of the session's tenant) in one executemany;
    the ORM then holds them as written (it would write them again otherwise)."""
    table = model.__table__  # type: ignore[attr-defined]
    columns = tuple(
        (a.key, a.columns[0].key)
        for a in inspect(model).column_attrs
        if a.key not in ("id", "tenant_id")
    )
    tenant_id = scope_tenant_id(session)
    params = [
        {
            "_id": row.id,
            "_tenant": tenant_id,
            **{f"_{key}": getattr(row, key) for key, _c in columns},
        }
        for row in rows
    ]
    result = session.connection().execute(_update_statement(table, columns), params)
    if result.rowcount not in (-1, len(rows)):  # another tenant's row, or one deleted meanwhile
        raise RuntimeError(f"{table.name}: {result.rowcount} of {len(rows)} rows updated")
    for row in rows:
        for key in list(inspect(row).committed_state):
            set_committed_value(row, key, getattr(row, key))


@functools.cache
def _update_statement(table: Any, columns: tuple[tuple[str, str], ...]) -> Any:
    """Built once a table: ``UPDATE t SET c = :_c, ... WHERE id = :_id AND tenant_id =
    :_tenant``."""
    return (
        update(table)
        .where(table.c.id == bindparam("_id"), table.c.tenant_id == bindparam("_tenant"))
        .values({column: bindparam(f"_{key}") for key, column in columns})
    )
