"""The live center's public face: contacts arriving from every channel, agents' desktops, the
supervisor's wallboard, and the timers — each call one transaction on the live-center thread
(see :mod:`.flow` for the rules and :mod:`.center` for the in-memory router).

Other domains and the web layer call these functions only. After a transaction commits, the
desktops, chat windows and wallboards it concerns are told through :data:`hub`.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import hmac
import logging
import math
import re
import threading
import time
import weakref
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from contactops.domains.customers import service as customers
from contactops.domains.events.service import rebuild_legs_in
from contactops.domains.live.center import AgentSettings, LiveCenter, QueueSettings, epoch_s
from contactops.domains.live.flow import (
    DECLINED,
    OCCUPANCY_REST,
    RING_NO_ANSWER,
    WEEKDAYS,
    Flow,
    clock_minutes,
    is_open,
    token_digest,
    write_changes,
)
from contactops.domains.live.hub import Hub
from contactops.domains.live.link import CenterHost, CenterLink, link_key
from contactops.domains.live.models import (
    BREAK,
    CONNECTED,
    ENDED,
    HELD,
    LOGGED_OUT,
    NOT_READY,
    NOT_READY_REASON,
    OFFERED,
    PRESENCES,
    READY,
    REASON_KINDS,
    SCHEDULED,
    WAITING,
    WITH_AGENT,
    WRAPUP,
    WRAPUP_CODE,
    AgentRouting,
    ChatMessage,
    LiveAgent,
    LiveContact,
    QueueRouting,
    ReasonCode,
)
from contactops.domains.live.runner import Group, LiveThread
from contactops.domains.live.views import (
    DesktopView,
    MessageView,
    WallboardView,
    default_codes,
    default_label,
    desktop_in,
    messages_in,
    reason_codes_in,
    today_by_queue,
    transfer_targets_in,
    wallboard,
)
from contactops.domains.organization import service as organization
from contactops.engines.events import Channel, ContactEventType
from contactops.platform.auth import Scope
from contactops.platform.database import Database, utcnow
from contactops.platform.errors import Conflict, DomainError, InvalidInput, NotFound, Unavailable
from contactops.platform.i18n import gettext as _
from contactops.platform.i18n import use_locale
from contactops.platform.tenancy import Tenant
from contactops.platform.writes import WRITTEN

log = logging.getLogger("contactops.live")
hub = Hub()
LEG_REBUILD_BATCH = 2_000
LEGS_EVERY_S = 5.0  # finished contacts' legs reach the KPIs within this


# --- the centers of one database ----------------------------------------------------------


class _Registry:
    """The loaded centers of one database, by tenant, and the one thread that changes them.

    Every public call of this module runs on that thread (see :func:`_serialized`): requests
    wait for it without contending for a lock, so the center's throughput does not collapse
    when many requests arrive at once. In a web worker of a server with several workers, the
    centers live in the center host process instead and ``link`` forwards the calls there.
    """

    def __init__(self, db: Database) -> None:
        self.centers: dict[int, LiveCenter] = {}
        of_db = weakref.ref(db)  # the registry must not keep its database alive

        def open_group(tenant_id: Hashable) -> _Group:
            db = of_db()
            assert db is not None and isinstance(tenant_id, int)
            return _Group(db, self, tenant_id)

        self.thread = LiveThread("contactops-live", open_group, _use_group, _mark_worker)
        self.link: CenterLink | None = None
        self.link_threads: ThreadPoolExecutor | None = None  # they wait for the host


_worker = threading.local()  # on the live-center thread: active, and the group being run


def _mark_worker() -> None:
    _worker.active = True
    _worker.group = None


def _use_group(group: Group | None) -> None:
    _worker.group = group


P = ParamSpec("P")
R = TypeVar("R")


async def in_center(db: Database, work: Callable[[], R]) -> R:
    """Await ``work()`` on the database's live-center thread, where the functions of this
    module run directly, without holding a request thread while it waits (in a worker linked
    to the center host: on a thread that forwards each of its calls)."""
    if getattr(_worker, "active", False):
        return work()
    registry = _registry(db)
    context = contextvars.copy_context()  # the request's locale, for the messages
    if registry.link_threads is not None:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(registry.link_threads, context.run, work)
    return await asyncio.wrap_future(registry.thread.submit(context.run, work))


# name -> the functions that run on the live-center thread (the center host answers by name)
_SERIALIZED: dict[str, Callable[..., Any]] = {}


def _serialized(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function(db, ...)`` on the database's live-center thread and wait for it."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if getattr(_worker, "active", False):
            return function(*args, **kwargs)
        db = args[0]
        assert isinstance(db, Database)
        registry = _registry(db)
        if registry.link is not None:
            return registry.link.call(function.__name__, args[1:], kwargs)  # type: ignore[no-any-return]
        context = contextvars.copy_context()
        work = functools.partial(context.run, function, *args, **kwargs)
        key = _group_key(function.__name__, args[1:], kwargs)
        return registry.thread.submit(work, group_key=key).result()  # type: ignore[no-any-return]

    _SERIALIZED[function.__name__] = wrapper
    return wrapper


def _group_key(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
    """The tenant, for a call that may share a group's transaction (see :mod:`.runner`) with
    other calls of that tenant: one whose database work is its center's transactions only."""
    if name == "as_agent":
        action = args[1] if len(args) > 1 else kwargs.get("action")
        name = getattr(action, "__name__", "")
    if name not in _GROUPABLE or not args:
        return None
    scope = args[0]
    return scope if isinstance(scope, int) else getattr(scope, "tenant_id", None)


_GROUPABLE = frozenset(
    {
        "contact_arrived",
        "call_status",
        "call_answered",
        "call_ended",
        "request_callback",
        "customer_left",
        "agent_of_user",
        "set_presence",
        "accept",
        "reject",
        "hold",
        "end",
        "wrap_up",
        "save_note",
        "transfer",
        "schedule_callback",
        "desktop",
        "transfer_targets",
    }
)


_registries: weakref.WeakKeyDictionary[Database, _Registry] = weakref.WeakKeyDictionary()
_registries_lock = threading.Lock()


def _registry(db: Database) -> _Registry:
    with _registries_lock:
        registry = _registries.get(db)
        if registry is None:
            registry = _registries[db] = _Registry(db)
            weakref.finalize(db, registry.thread.shutdown)
        return registry


# --- the center host and its web workers (serve --workers N) -----------------------------

LINK_THREADS = 32  # a worker's requests waiting for the host at once


def serve_center(db: Database, address: str, authkey: bytes) -> CenterHost:
    """Answer the web workers' calls on ``address`` for this process's centers, and send
    them every message of :data:`hub`; run ``serve_forever()`` on the returned host."""

    def dispatch(name: str, locale: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        function = _SERIALIZED.get(name)
        if function is None:
            raise NotFound(_("No such live center call: %(name)s.", name=name))
        with use_locale(locale):
            return function(db, *args, **kwargs)

    registry = _registry(db)

    def run(work: Callable[[], bytes], name: str, args: tuple[Any, ...]) -> Future[bytes]:
        return registry.thread.submit(work, group_key=_group_key(name, args, {}))

    host = CenterHost(address, authkey, dispatch, run)
    hub.forward = host.publish
    return host


def connect_center(db: Database, address: str, authkey: bytes) -> CenterLink:
    """Forward this process's live-center calls for ``db`` to the center host at ``address``;
    its messages reach this process's desktops, chat windows and wallboards."""
    registry = _registry(db)
    link = CenterLink(address, authkey, _delivered, _every_page_looks_again)
    registry.link = link
    registry.link_threads = ThreadPoolExecutor(
        max_workers=LINK_THREADS, thread_name_prefix="contactops-link"
    )
    link.start()
    return link


def disconnect_center(db: Database) -> None:
    registry = _registry(db)
    if registry.link is not None:
        registry.link.close()
    if registry.link_threads is not None:
        registry.link_threads.shutdown(wait=False, cancel_futures=True)
    registry.link = registry.link_threads = None


def _delivered(topic: Any, message: dict[str, Any]) -> None:
    """A message of the center host, for this worker's pages."""
    if topic[1] == "wallboard":
        _forget_wallboard(topic[0])
    hub.publish(topic, message)


def _every_page_looks_again() -> None:
    _wallboard_cache.clear()
    hub.publish_everywhere({"type": "changed"})


# --- configuration changed by other domains ----------------------------------------------

_CONFIGURATION = (*organization.CONFIGURATION_MODELS, ReasonCode, Tenant)
# tenant id -> configuration changes committed so far (a center loaded before one is stale)
_configuration_generation: dict[int, int] = {}


@event.listens_for(Session, "after_flush")
def _note_configuration_changes(session: Session, _context: Any) -> None:
    session.info[WRITTEN] = True  # see Flow.untouched
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _CONFIGURATION) and (
            obj not in session.dirty or session.is_modified(obj)
        ):
            tenant_id = obj.id if isinstance(obj, Tenant) else obj.tenant_id
            session.info.setdefault("live_configuration", set()).add(tenant_id)


@event.listens_for(Session, "after_commit")
def _forget_reconfigured_centers(session: Session) -> None:
    """Queues, agents, skills, reason codes or the tenant changed: the tenant's center is
    rebuilt from the database by its next call."""
    for tenant_id in session.info.pop("live_configuration", ()):
        _configuration_generation[tenant_id] = _configuration_generation.get(tenant_id, 0) + 1
        for registry in list(_registries.values()):
            registry.centers.pop(tenant_id, None)
            if registry.link is not None:
                _forget_in_host(registry.link, tenant_id)


def _forget_in_host(link: CenterLink, tenant_id: int) -> None:
    try:
        link.call("forget_center", (tenant_id,), {})
    except Unavailable:  # a host that comes back loads every center afresh
        log.warning("live center host unreachable: tenant %s reconfigured", tenant_id)


@event.listens_for(Session, "after_rollback")
def _drop_configuration_note(session: Session) -> None:
    session.info.pop("live_configuration", None)


def loaded_tenants(db: Database) -> list[int]:
    return sorted(_registry(db).centers)


@_serialized
def forget_center(db: Database, tenant_id: int) -> None:
    """Drop the tenant's center: the next call rebuilds it from the database (configuration
    changed: queues, agents, skills, routing settings)."""
    _registry(db).centers.pop(tenant_id, None)


def _time_zone(session: Session, tenant_id: int) -> str:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(_("No such tenant."))
    return tenant.time_zone


def _queue_settings(session: Session) -> list[QueueSettings]:
    routing = {r.queue_id: r for r in session.scalars(select(QueueRouting))}
    settings = []
    for queue in organization.list_queues_in(session):
        if not queue.is_active:
            continue
        r = routing.get(queue.id)
        base = QueueSettings(
            id=queue.id,
            code=queue.code,
            name=queue.name,
            channel=queue.channel,
            skill_code=queue.skill_code,
            service_level_target=queue.service_level_target,
            service_level_threshold_s=queue.service_level_threshold_s,
            concurrency=3 if queue.channel == Channel.CHAT.value else 1,
        )
        if r is not None:
            base = QueueSettings(
                **{
                    **base.__dict__,
                    **{name: getattr(r, name) for name in ROUTING_FIELDS},
                    "closed_dates": tuple(r.closed_dates or ()),
                }
            )
        settings.append(base)
    return settings


ROUTING_FIELDS = (
    "priority",
    "head_start_s",
    "concurrency",
    "selection",
    "opening_hours",
    "max_wait_s",
    "max_queue_length",
    "overflow_after_s",
    "overflow_queue_id",
    "overflow_skill_code",
    "callback_offer_after_s",
    "callback_when_full",
    "ring_timeout_s",
    "wrapup_limit_s",
    "sticky_agent",
)


def _agent_settings(session: Session) -> list[AgentSettings]:
    routing = {r.agent_id: r for r in session.scalars(select(AgentRouting))}
    agents = []
    for agent in organization.list_agents_in(session):
        if not agent.is_active:
            continue
        r = routing.get(agent.id)
        agents.append(
            AgentSettings(
                id=agent.id,
                code=agent.code,
                display_name=agent.display_name,
                user_id=agent.user_id,
                team=agent.team,
                skills={s.skill_code: s.level for s in agent.skills},
                max_contacts=r.max_contacts if r else 3,
                occupancy_cap=r.occupancy_cap if r else None,
            )
        )
    return agents


def _load(session: Session, tenant_id: int, now: datetime) -> tuple[LiveCenter, Flow]:
    """Build the tenant's center from the database and replay its live state into the router:
    contacts with agents first, then ready agents, then waiting contacts oldest first (which
    may hand some to agents at once: their offers are made in the returned flow)."""
    center = LiveCenter.build(tenant_id, _queue_settings(session), _agent_settings(session))
    center.time_zone = _time_zone(session, tenant_id)
    center.codes = {kind: reason_codes_in(session, kind) for kind in REASON_KINDS}
    flow = Flow(session, center, now, center.time_zone)
    router = center.router
    open_contacts = session.scalars(
        select(LiveContact)
        .where(LiveContact.status.in_((WAITING, *WITH_AGENT)))
        .order_by(LiveContact.routed_at, LiveContact.id)
    ).all()
    for contact in open_contacts:
        if contact.status in WITH_AGENT and _routable(center, contact):
            router.assign(center.ra(contact.agent_id), _rq(center, contact), force=True)
            center.hand(contact.id, contact.agent_id, contact.status)
    for row in session.scalars(select(LiveAgent).where(LiveAgent.presence != LOGGED_OUT)):
        if row.agent_id in center.agent_index:
            center.presence[row.agent_id] = row.presence
    for row in session.scalars(select(LiveAgent).where(LiveAgent.presence == READY)):
        if row.agent_id in center.agent_index and (row.rest_until is None or row.rest_until <= now):
            idle = epoch_s(row.idle_since or row.presence_since)
            router.make_available(center.ra(row.agent_id), idle)
    for contact in open_contacts:
        if contact.status != WAITING:
            continue
        if contact.queue_id not in center.queues:
            flow.emit(contact, _BLOCKED_EVENT, queue_id=None, reason="queue_removed")
            flow._close(contact, "blocked")
            continue
        flow._route(contact)
    flow.keep_rows([*open_contacts, *session.scalars(select(LiveAgent))])
    return center, flow


def _routable(center: LiveCenter, contact: LiveContact) -> bool:
    return contact.queue_id in center.queues and contact.agent_id in center.agent_index


def _rq(center: LiveCenter, contact: LiveContact) -> int:
    return center.rq(contact.queue_id, contact.widened)  # type: ignore[arg-type]


_BLOCKED_EVENT = ContactEventType.BLOCKED


@dataclass
class _Published:
    agents: set[int]
    chats: set[str]
    offers: dict[int, list[str]]


def _publish(tenant_id: int, published: _Published) -> None:
    """Tell the pages a committed transaction concerns."""
    for agent_id in published.agents:
        message: dict[str, object] = {"type": "changed"}
        if agent_id in published.offers:
            message["offered"] = published.offers[agent_id]
        hub.publish((tenant_id, "agent", agent_id), message)
    for contact_id in published.chats:
        hub.publish((tenant_id, "chat", contact_id), {"type": "changed"})
    if published.agents or published.chats:
        _forget_wallboard(tenant_id)
        hub.publish((tenant_id, "wallboard"), {"type": "changed"})


class _GroupBroken(BaseException):
    """Raised into a call of a group that was rolled back; the runner runs the call again."""


class _Discarded(Exception):
    """Thrown into a group's session to roll it back."""


class _Group:
    """The one transaction shared by a group of one tenant's calls (see :mod:`.runner`): the
    calls change their rows in it (only new rows are written at once); the changed rows and the
    events of all are written together before it commits, and the pages told after."""

    def __init__(self, db: Database, registry: _Registry, tenant_id: int) -> None:
        self.db, self.registry, self.tenant_id = db, registry, tenant_id
        self.broken = False
        self.session: Session | None = None
        self._transaction = ExitStack()
        self.generation = _configuration_generation.get(tenant_id, 0)
        self.contact_events: list[Any] = []
        self.agent_events: list[Any] = []
        self.published: list[_Published] = []
        self.after_commit: list[Callable[[], None]] = []

    def join(self, actor: Any) -> Session:
        """The shared session, for one more flow by ``actor`` (its changes audited as theirs)."""
        if self.session is None:
            self.session = self._transaction.enter_context(
                self.db.session(tenant_id=self.tenant_id, actor=actor)
            )
        self.session.info["actor"] = actor
        self.session.info[WRITTEN] = False
        return self.session

    def fail(self) -> None:
        """A call failed after changing something: roll back; the center is rebuilt."""
        self.broken = True
        self.registry.centers.pop(self.tenant_id, None)
        self.discard()

    def discard(self) -> None:
        if self.session is not None:
            self.session = None
            self._transaction.__exit__(_Discarded, _Discarded(), None)

    def commit(self) -> None:
        if self.session is None:
            return
        session, self.session = self.session, None
        try:
            write_changes(session, self.contact_events, self.agent_events)
        except BaseException as error:
            self.registry.centers.pop(self.tenant_id, None)
            self._transaction.__exit__(type(error), error, error.__traceback__)
            raise
        try:
            self._transaction.close()
        except BaseException:
            self.registry.centers.pop(self.tenant_id, None)
            raise
        if _configuration_generation.get(self.tenant_id, 0) != self.generation:
            self.registry.centers.pop(self.tenant_id, None)  # rebuilt by the next call
        for published in self.published:
            _publish(self.tenant_id, published)
        for callback in self.after_commit:
            callback()


def _group_of(db: Database) -> _Group | None:
    group = getattr(_worker, "group", None)
    return group if group is not None and group.db is db else None


def _after_commit(db: Database, callback: Callable[[], None]) -> None:
    """``callback()`` once what this call changed is committed (at once outside a group)."""
    group = _group_of(db)
    if group is None:
        callback()
    else:
        group.after_commit.append(callback)


def _center_flow(
    registry: _Registry, session: Session, tenant_id: int, now: datetime
) -> tuple[LiveCenter, Flow]:
    """The tenant's loaded center (built from the database if none is) and a flow on it."""
    center = registry.centers.get(tenant_id)
    if center is None:
        return _load(session, tenant_id, now)
    return center, Flow(session, center, now, center.time_zone)


@contextmanager
def _flow_in_group(group: _Group, tenant_id: int, actor: Any, now: datetime) -> Iterator[Flow]:
    """:func:`_flow` as one part of a group's transaction."""
    if group.broken or tenant_id != group.tenant_id:
        group.fail()
        raise _GroupBroken
    registry = group.registry
    refused = False
    try:
        center, flow = _center_flow(registry, group.join(actor), tenant_id, now)
        try:
            yield flow
        except DomainError:
            refused = flow.untouched()
            raise
        flow.finish(write=False)
    except _GroupBroken:
        raise
    except BaseException as error:
        if not refused:
            log.warning(
                "live center of tenant %s: %s after a change; its group of calls runs again, "
                "each call alone",
                tenant_id,
                type(error).__name__,
            )
            group.fail()
        elif group.generation == _configuration_generation.get(tenant_id, 0):
            registry.centers[tenant_id] = center  # refused before any change
        raise
    registry.centers[tenant_id] = center
    group.contact_events.extend(flow.contact_events)
    group.agent_events.extend(flow.agent_events)
    group.published.append(_Published(flow.agent_topics, flow.chat_topics, flow.offers))


@contextmanager
def _flow(db: Database, scope: Scope | int, now: datetime | None = None) -> Iterator[Flow]:
    """One transaction on the tenant's center (on the live-center thread); on any failure it is
    dropped (the database is the truth) and rebuilt by the next call — except a refusal raised
    before the transaction changed anything (a contact no longer offered, an unknown code): the
    empty transaction commits and the center stays."""
    tenant_id = scope if isinstance(scope, int) else scope.tenant_id
    actor = None if isinstance(scope, int) else scope.actor
    now = now or utcnow()
    group = _group_of(db)
    if group is not None:
        with _flow_in_group(group, tenant_id, actor, now) as flow:
            yield flow
        return
    registry = _registry(db)
    published: _Published | None = None
    generation = _configuration_generation.get(tenant_id, 0)
    refusal: DomainError | None = None
    try:
        with db.session(tenant_id=tenant_id, actor=actor) as session:
            center, flow = _center_flow(registry, session, tenant_id, now)
            try:
                yield flow
            except DomainError as error:
                if not flow.untouched():
                    raise
                refusal = error  # refused before any change: the center stays as it is
            else:
                flow.finish()
        if refusal is not None:
            if _configuration_generation.get(tenant_id, 0) == generation:
                registry.centers[tenant_id] = center
            raise refusal
        if _configuration_generation.get(tenant_id, 0) == generation:
            registry.centers[tenant_id] = center
        else:  # reconfigured meanwhile: rebuilt by the next call
            registry.centers.pop(tenant_id, None)
        published = _Published(flow.agent_topics, flow.chat_topics, flow.offers)
    except (DomainError, IntegrityError) as error:  # an integrity error is the caller's to judge
        if error is not refusal:
            registry.centers.pop(tenant_id, None)
        raise
    except Exception:
        registry.centers.pop(tenant_id, None)
        log.exception("live center of tenant %s: transaction failed, reloading", tenant_id)
        raise
    _publish(tenant_id, published)


@_serialized
def recover(db: Database, now: datetime | None = None) -> list[int]:
    """Load the center of every tenant with live contacts or logged-in agents (server start):
    waiting contacts are back in line and agents' states as they were. Returns the tenants."""
    with db.session(system=True) as session:
        tenants = set(
            session.scalars(
                select(LiveContact.tenant_id).where(LiveContact.status != ENDED).distinct()
            )
        ) | set(
            session.scalars(
                select(LiveAgent.tenant_id).where(LiveAgent.presence != LOGGED_OUT).distinct()
            )
        )
    for tenant_id in sorted(tenants):
        with _flow(db, tenant_id, now):
            pass
    return sorted(tenants)


# --- contacts arriving --------------------------------------------------------------------


@dataclass(frozen=True)
class ArrivalView:
    contact_id: str
    status: str
    outcome: str | None
    queue: str | None
    agent: str | None  # the agent it is offered to now (a PBX rings this agent)
    blocked_reason: str | None
    callback_offered: bool
    expected_wait_s: float | None
    chat_token: str | None = None


def _queue_by_code(flow: Flow, code: str) -> QueueSettings:
    for queue in flow.center.queues.values():
        if queue.code == code:
            return queue
    raise InvalidInput("queue", _("No open queue with the code %(code)s.", code=code))


def _arrival_view(
    flow: Flow, contact: LiveContact, reason: str | None, token: str | None = None
) -> ArrivalView:
    waiting = contact.status == WAITING and contact.queue_id is not None
    return ArrivalView(
        contact_id=contact.public_id,
        status=contact.status,
        outcome=contact.outcome,
        queue=flow.queue(contact.queue_id).code if contact.queue_id else None,
        agent=flow.agent_code(contact.agent_id) if contact.status == OFFERED else None,
        blocked_reason=reason,
        callback_offered=flow.callback_offered(contact),
        expected_wait_s=_finite(flow.expected_wait_s(contact.queue_id)) if waiting else None,  # type: ignore[arg-type]
        chat_token=token,
    )


def _finite(seconds: float) -> float | None:
    """A wait in seconds, or None when nobody is there to answer (an infinite wait)."""
    return None if math.isinf(seconds) else round(seconds, 1)


@_serialized
def contact_arrived(
    db: Database,
    scope: Scope | int,
    *,
    channel: str,
    queue: str,
    caller: str | None = None,
    customer_id: int | None = None,
    customer_label: str | None = None,
    external_ref: str | None = None,
    now: datetime | None = None,
    identify: bool = False,
) -> ArrivalView:
    """A new contact (a call reported by the PBX, a chat, an API contact) enters the center;
    with ``identify``, the caller's number finds (or creates) the customer, in the same
    transaction."""
    if channel not in {c.value for c in Channel} or channel == Channel.CALLBACK.value:
        raise InvalidInput("channel", _("Unknown channel: %(channel)s", channel=channel))
    identified: tuple[tuple[int, int, str, str], int] | None = None
    try:
        with _flow(db, scope, now) as flow:
            if external_ref is not None:
                existing = flow.kept_contact_by_call(external_ref)
                if existing is not None:  # the PBX repeated its report: answer the same
                    return _arrival_view(flow, existing, None)
            target = _queue_by_code(flow, queue)
            if identify and caller and customer_id is None:
                key = (id(db), flow.center.tenant_id, "phone", caller)
                customer_id = _customer_cache.get(key)
                if customer_id is None:
                    with flow.session.no_autoflush:  # identifiers are written at once
                        found = _identified(flow.session, "phone", caller, None)
                    if found is not None:
                        customer_id, created = found
                        identified = (key, customer_id)
                        if created:
                            flow.new_customers.add(customer_id)
            contact, token = flow.new_contact(
                channel,
                target.id,
                customer_id=customer_id,
                customer_label=customer_label,
                external_ref=external_ref,
                caller=caller,
                with_chat_token=channel == Channel.CHAT.value,
            )
            reason = flow.arrive(contact, caller=caller)
            view = _arrival_view(flow, contact, reason, token)
    except IntegrityError as error:
        if external_ref is None:
            raise
        # The PBX repeated its report of a call that is no longer open (the call id is unique):
        # answer the same, from what is stored.
        try:
            return call_status(db, scope, external_ref)
        except NotFound:
            raise error from None
    if identified is not None:
        _after_commit(db, functools.partial(_remember_customer, *identified))
    return view


def _contact(flow: Flow, public_id: str) -> LiveContact:
    contact = flow.contact_by_public_id(public_id)
    if contact is None:
        raise NotFound(_("No such contact."))
    return contact


def _contact_by_ref(flow: Flow, external_ref: str) -> LiveContact:
    contact = flow.contact_by_call(external_ref)
    if contact is None:
        raise NotFound(_("No call with the id %(call)s.", call=external_ref))
    return contact


@_serialized
def call_status(db: Database, scope: Scope | int, external_ref: str) -> ArrivalView:
    with _flow(db, scope) as flow:
        return _arrival_view(flow, _contact_by_ref(flow, external_ref), None)


@_serialized
def call_answered(
    db: Database,
    scope: Scope | int,
    external_ref: str,
    agent: str | None,
    now: datetime | None = None,
) -> ArrivalView:
    """The PBX says the agent picked up (the agent it was offered to, unless ``agent`` says
    otherwise and that agent can take it)."""
    with _flow(db, scope, now) as flow:
        contact = _contact_by_ref(flow, external_ref)
        if contact.status in (CONNECTED, HELD, WRAPUP, ENDED) and contact.answered_at:
            return _arrival_view(flow, contact, None)  # a repeated report
        agent_id = contact.agent_id
        if agent is not None:
            agent_id = _agent_by_code(flow, agent)
            if contact.status == OFFERED and contact.agent_id != agent_id:
                raise Conflict(
                    _("The call is offered to %(agent)s.", agent=flow.agent_code(contact.agent_id))
                )
        if contact.status != OFFERED or agent_id is None:
            raise Conflict(_("The call is not ringing at an agent."))
        flow.answer(contact, agent_id)
        return _arrival_view(flow, contact, None)


@_serialized
def call_ended(
    db: Database, scope: Scope | int, external_ref: str, ended_by: str = "customer",
    now: datetime | None = None,
) -> ArrivalView:  # fmt: skip
    """The PBX says the call is over: hung up while waiting or ringing (abandoned) or after an
    answer (the agent goes to wrap-up)."""
    with _flow(db, scope, now) as flow:
        contact = _contact_by_ref(flow, external_ref)
        if contact.status in (WAITING, OFFERED):
            flow.customer_left(contact)
        elif contact.status in (CONNECTED, HELD):
            flow.end(contact, ended_by if ended_by in ("customer", "agent") else "customer")
        return _arrival_view(flow, contact, None)


@_serialized
def request_callback(
    db: Database,
    scope: Scope | int,
    contact_id: str,
    *,
    number: str | None = None,
    at: datetime | None = None,
    by_external_ref: bool = False,
    now: datetime | None = None,
) -> ArrivalView:
    """A waiting customer asks to be called back (keeping their place, or at ``at``)."""
    with _flow(db, scope, now) as flow:
        contact = (
            _contact_by_ref(flow, contact_id) if by_external_ref else _contact(flow, contact_id)
        )
        if at is not None and at.tzinfo is None:
            raise InvalidInput("at", _("Give the callback time with its time zone."))
        callback = flow.request_callback(contact, number, at)
        return _arrival_view(flow, callback, None)


@_serialized
def customer_left(
    db: Database, scope: Scope | int, contact_id: str, now: datetime | None = None
) -> None:
    with _flow(db, scope, now) as flow:
        contact = _contact(flow, contact_id)
        if contact.status != ENDED:
            flow.customer_left(contact)


# --- agents -------------------------------------------------------------------------------


def _agent_by_code(flow: Flow, code: str) -> int:
    for agent in flow.center.agents.values():
        if agent.code == code:
            return agent.id
    raise InvalidInput("agent", _("No active agent with the code %(code)s.", code=code))


@_serialized
def agent_of_user(db: Database, scope: Scope) -> int:
    """The agent the signed-in user works as; 404 when the user is not an agent here."""
    center = _registry(db).centers.get(scope.tenant_id)
    if center is None:
        with _flow(db, scope) as flow:
            center = flow.center
    agent_id = center.agent_of_user.get(scope.user_id) if scope.user_id is not None else None
    if agent_id is None:
        raise NotFound(_("Your account is not linked to an agent of this center."))
    return agent_id


@_serialized
def as_agent(db: Database, scope: Scope, action: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """``action(db, scope, the signed-in user's agent id, *args, **kwargs)``, ``action`` being a
    function of this module: one call to the live center (one round trip to the center host)."""
    if _SERIALIZED.get(getattr(action, "__name__", "")) is not action:
        raise NotFound(_("No such live center call: %(name)s.", name=repr(action)))
    return action(db, scope, agent_of_user(db, scope), *args, **kwargs)


@_serialized
def set_presence(
    db: Database,
    scope: Scope | int,
    agent_id: int,
    presence: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> None:
    if presence not in PRESENCES:
        raise InvalidInput("state", _("Unknown state: %(state)s", state=presence))
    if presence == BREAK and not reason:
        reason = "break"
    with _flow(db, scope, now) as flow:
        if agent_id not in flow.center.agents:
            raise NotFound(_("No such agent."))
        if presence == NOT_READY:
            active = [code for code, _label in flow.center.codes.get(NOT_READY_REASON, [])]
            if not reason:  # "other" while the tenant has it, else its first code
                reason = "other" if "other" in active or not active else active[0]
            elif reason not in active:
                raise InvalidInput("reason", _("%(code)s is not an active reason.", code=reason))
        flow.set_presence(agent_id, presence, reason if presence in (NOT_READY, BREAK) else None)


def _my_contact(flow: Flow, agent_id: int, contact_id: str) -> LiveContact:
    contact = _contact(flow, contact_id)
    if contact.agent_id != agent_id:
        raise NotFound(_("No such contact on your desktop."))
    return contact


@_serialized
def accept(db: Database, scope: Scope | int, agent_id: int, contact_id: str,
           now: datetime | None = None) -> None:  # fmt: skip
    with _flow(db, scope, now) as flow:
        flow.answer(_my_contact(flow, agent_id, contact_id), agent_id)


@_serialized
def reject(db: Database, scope: Scope | int, agent_id: int, contact_id: str,
           now: datetime | None = None) -> None:  # fmt: skip
    with _flow(db, scope, now) as flow:
        contact = _my_contact(flow, agent_id, contact_id)
        if contact.status != OFFERED:
            raise Conflict(_("This contact is not offered to you (any more)."))
        flow.miss_offer(contact, DECLINED)


@_serialized
def hold(db: Database, scope: Scope | int, agent_id: int, contact_id: str, on: bool,
         now: datetime | None = None) -> None:  # fmt: skip
    with _flow(db, scope, now) as flow:
        flow.hold(_my_contact(flow, agent_id, contact_id), on)


@_serialized
def end(db: Database, scope: Scope | int, agent_id: int, contact_id: str,
        now: datetime | None = None) -> None:  # fmt: skip
    with _flow(db, scope, now) as flow:
        flow.end(_my_contact(flow, agent_id, contact_id), "agent")


@_serialized
def wrap_up(
    db: Database,
    scope: Scope | int,
    agent_id: int,
    contact_id: str,
    *,
    code: str | None,
    note: str | None = None,
    resolved: bool = False,
    now: datetime | None = None,
) -> None:
    with _flow(db, scope, now) as flow:
        active = [known for known, _label in flow.center.codes.get(WRAPUP_CODE, [])]
        if code and code not in active:
            raise InvalidInput("code", _("%(code)s is not an active wrap-up code.", code=code))
        flow.wrap_up(_my_contact(flow, agent_id, contact_id), code, note, resolved)


@_serialized
def save_note(db: Database, scope: Scope | int, agent_id: int, contact_id: str, note: str) -> None:
    if len(note) > 10_000:
        raise InvalidInput("note", _("A note holds at most 10,000 characters."))
    with _flow(db, scope) as flow:
        _my_contact(flow, agent_id, contact_id).note = note


@_serialized
def transfer(
    db: Database,
    scope: Scope | int,
    agent_id: int,
    contact_id: str,
    *,
    queue: str | None = None,
    agent: str | None = None,
    now: datetime | None = None,
) -> None:
    if (queue is None) == (agent is None):
        raise InvalidInput("target", _("Transfer to a queue or to an agent."))
    with _flow(db, scope, now) as flow:
        contact = _my_contact(flow, agent_id, contact_id)
        if queue is not None:
            flow.transfer_to_queue(contact, _queue_by_code(flow, queue).id)
        else:
            flow.transfer_to_agent(contact, _agent_by_code(flow, agent))  # type: ignore[arg-type]


@_serialized
def schedule_callback(
    db: Database,
    scope: Scope | int,
    *,
    queue: str,
    number: str,
    at: datetime | None,
    customer_id: int | None = None,
    customer_label: str | None = None,
    preferred_agent_id: int | None = None,
    now: datetime | None = None,
) -> ArrivalView:
    """A callback asked for outside a waiting call (an agent promising one, the IVR after a
    blocked call): queued now, or at ``at``, preferably to ``preferred_agent_id``."""
    number = (number or "").strip()
    if not number:
        raise InvalidInput("number", _("Give the number to call back."))
    if at is not None and at.tzinfo is None:
        raise InvalidInput("at", _("Give the callback time with its time zone."))
    with _flow(db, scope, now) as flow:
        target = _queue_by_code(flow, queue)
        callback = flow.schedule_callback(
            target.id,
            number,
            at,
            customer_id=customer_id,
            customer_label=customer_label,
            preferred_agent_id=preferred_agent_id,
        )
        return _arrival_view(flow, callback, None)


# --- views and chat ----------------------------------------------------------------------


@_serialized
def desktop(db: Database, scope: Scope | int, agent_id: int) -> DesktopView:
    with _flow(db, scope) as flow:
        if agent_id not in flow.center.agents:
            raise NotFound(_("No such agent."))
        return desktop_in(flow.session, flow.center, agent_id)


@_serialized
def transfer_targets(db: Database, scope: Scope | int, agent_id: int) -> list[tuple[str, str]]:
    """Other agents ready now (code, name): whom a contact can be transferred to."""
    with _flow(db, scope) as flow:
        return transfer_targets_in(flow.session, flow.center, agent_id)


_wallboard_cache: dict[tuple[int, int], tuple[float, WallboardView]] = {}
WALLBOARD_CACHE_S = 2.0


def _forget_wallboard(tenant_id: int) -> None:
    """The tenant's cached wallboard is out of date (every database's)."""
    for key in [k for k in _wallboard_cache if k[1] == tenant_id]:
        _wallboard_cache.pop(key, None)


def wallboard_view(db: Database, scope: Scope | int, now: datetime | None = None) -> WallboardView:
    """The supervisor's wallboard; computed at most every ``WALLBOARD_CACHE_S`` per tenant.
    Today's figures are computed by the KPI engine in the caller's thread, outside the center:
    a wallboard never holds up the contacts."""
    tenant_id = scope if isinstance(scope, int) else scope.tenant_id
    now = now or utcnow()
    key = (id(db), tenant_id)
    cached = _wallboard_cache.get(key)
    if cached is not None and 0 <= epoch_s(now) - cached[0] < WALLBOARD_CACHE_S:
        return cached[1]
    with db.session(tenant_id=tenant_id) as session:
        time_zone = _time_zone(session, tenant_id)
        thresholds = {
            q.code: q.service_level_threshold_s for q in organization.list_queues_in(session)
        }
    today = today_by_queue(db, tenant_id, time_zone, now, thresholds)
    view = _wallboard_now(db, scope, now, today)
    _wallboard_cache[key] = (epoch_s(now), view)
    return view


@_serialized
def _wallboard_now(
    db: Database, scope: Scope | int, now: datetime, today: dict[str, dict[str, Any]]
) -> WallboardView:
    with _flow(db, scope, now) as flow:
        return wallboard(flow.session, flow.center, flow.time_zone, now, today)


@dataclass(frozen=True)
class ChatView:
    contact_id: str
    status: str
    outcome: str | None
    queue_name: str
    position: int | None  # place in line while waiting, 1 = next
    agent_name: str | None  # who is chatting with the customer
    messages: list[MessageView]


def chat_queues(db: Database, slug: str) -> tuple[str, list[tuple[str, str]]]:
    """(tenant name, [(code, name)] of its open chat queues) for the public chat page."""
    tenant_id, _zone = tenant_by_slug(db, slug)
    with db.session(tenant_id=tenant_id) as session:
        tenant = session.get(Tenant, tenant_id)
        name = tenant.name if tenant is not None else slug
        queues = [
            (q.code, q.name)
            for q in organization.list_queues_in(session)
            if q.is_active and q.channel == Channel.CHAT.value
        ]
    return name, queues


def tenant_by_slug(db: Database, slug: str) -> tuple[int, str]:
    """(tenant id, time zone) of a public chat's tenant; 404 when unknown."""
    with db.session(system=True) as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            raise NotFound(_("No such contact center."))
        return tenant.id, tenant.time_zone


def start_chat(
    db: Database,
    tenant_id: int,
    *,
    queue: str,
    name: str | None,
    email: str | None,
    now: datetime | None = None,
) -> ArrivalView:
    """A customer opens the chat widget: a chat contact with a secret token for its window."""
    name = (name or "").strip()[:200] or None
    email = (email or "").strip()[:320] or None
    customer_id = None
    if email is not None:
        customer_id = identify_customer(db, tenant_id, "email", email, name)
    view = contact_arrived(
        db,
        tenant_id,
        channel=Channel.CHAT.value,
        queue=queue,
        caller=email,
        customer_id=customer_id,
        customer_label=name or email,
        now=now,
    )
    if view.status != ENDED:
        _greet(db, tenant_id, view.contact_id, now)
    return view


@_serialized
def _greet(db: Database, tenant_id: int, contact_id: str, now: datetime | None) -> None:
    """The first line of a chat's transcript, from the center."""
    with _flow(db, tenant_id, now) as flow:
        flow.session.add(
            ChatMessage(
                contact_id=_contact(flow, contact_id).id,
                sender="system",
                body=_("Thank you, an agent will be with you shortly."),
                sent_at=flow.now,
            )
        )


def identify_customer(
    db: Database, tenant_id: int, kind: str, value: str, name: str | None
) -> int | None:
    """The customer with this identifier (created if new); None when the value is not valid."""
    key = (id(db), tenant_id, kind, value)
    known = _customer_cache.get(key)
    if known is not None:
        return known
    customer_id = _customer_of(db, tenant_id, kind, value, name)
    if customer_id is not None:
        _remember_customer(key, customer_id)
    return customer_id


@_serialized
def _customer_of(
    db: Database, tenant_id: int, kind: str, value: str, name: str | None
) -> int | None:
    """On the center's thread, like all its database work: request threads busy with queries
    would starve it of the interpreter, and SQLite of its one writer."""
    with db.session(tenant_id=tenant_id) as session:
        found = _identified(session, kind, value, name)
    return None if found is None else found[0]


def _identified(
    session: Session, kind: str, value: str, name: str | None
) -> tuple[int, bool] | None:
    """The customer's id and whether they are new; None for an anonymous contact."""
    try:
        return customers.identified_customer_in(session, kind, value, name)
    except DomainError:  # not a valid phone number, e-mail...
        return None


def _remember_customer(key: tuple[int, int, str, str], customer_id: int) -> None:
    if len(_customer_cache) >= CUSTOMER_CACHE_SIZE:
        _customer_cache.clear()
    _customer_cache[key] = customer_id


# Identifiers seen lately -> customer id (a merged customer's id still finds the survivor).
_customer_cache: dict[tuple[int, int, str, str], int] = {}
CUSTOMER_CACHE_SIZE = 100_000


def chat_contact(db: Database, tenant_id: int, contact_id: str, token: str) -> None:
    """Check a chat window's token; 404 for a wrong one (nothing is told about the chat)."""
    with db.session(tenant_id=tenant_id) as session:
        digest = session.scalar(
            select(LiveContact.chat_token_hash).where(LiveContact.public_id == contact_id)
        )
    if digest is None or not hmac.compare_digest(digest, token_digest(token)):
        raise NotFound(_("No such chat."))


@_serialized
def chat_view(db: Database, tenant_id: int, contact_id: str) -> ChatView:
    with _flow(db, tenant_id) as flow:
        contact = _contact(flow, contact_id)
        position = None
        if contact.status == WAITING:
            waiting = flow.center.router.waiting_in(_rq(flow.center, contact))
            position = waiting.index(contact.id) + 1 if contact.id in waiting else None
        agent = flow.center.agents.get(contact.agent_id) if contact.agent_id else None
        return ChatView(
            contact_id=contact.public_id,
            status=contact.status,
            outcome=contact.outcome,
            queue_name=flow.queue(contact.queue_id).name if contact.queue_id else "",
            position=position,
            agent_name=agent.display_name if agent and contact.status != OFFERED else None,
            messages=messages_in(flow.session, contact.id, flow.center),
        )


MAX_MESSAGE_CHARS = 4_000


def _message_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput("body", _("Write a message first."))
    if len(body) > MAX_MESSAGE_CHARS:
        raise InvalidInput(
            "body", _("A message holds at most %(count)d characters.", count=MAX_MESSAGE_CHARS)
        )
    return body


@_serialized
def customer_message(
    db: Database, tenant_id: int, contact_id: str, body: str, now: datetime | None = None
) -> None:
    body = _message_body(body)
    with _flow(db, tenant_id, now) as flow:
        contact = _contact(flow, contact_id)
        if contact.status == ENDED or contact.ended_at is not None:
            raise Conflict(_("This chat has ended."))
        flow.session.add(
            ChatMessage(contact_id=contact.id, sender="customer", body=body, sent_at=flow.now)
        )
        flow.chat_topics.add(contact.public_id)
        if contact.agent_id is not None:
            flow.agent_topics.add(contact.agent_id)


@_serialized
def agent_message(
    db: Database,
    scope: Scope | int,
    agent_id: int,
    contact_id: str,
    body: str,
    now: datetime | None = None,
) -> None:
    body = _message_body(body)
    with _flow(db, scope, now) as flow:
        contact = _my_contact(flow, agent_id, contact_id)
        if contact.channel != Channel.CHAT.value or contact.status not in (CONNECTED, HELD):
            raise Conflict(_("Messages go to a chat in conversation."))
        flow.session.add(
            ChatMessage(
                contact_id=contact.id,
                sender="agent",
                agent_id=agent_id,
                body=body,
                sent_at=flow.now,
            )
        )
        flow.chat_topics.add(contact.public_id)
        flow.agent_topics.add(agent_id)


# --- configuration ------------------------------------------------------------------------


REASON_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
SYSTEM_REASONS = frozenset({RING_NO_ANSWER, DECLINED, OCCUPANCY_REST, "break"})  # set by the center


@dataclass(frozen=True)
class ReasonCodeView:
    kind: str  # not_ready / wrapup
    code: str
    label: str  # as agents see it (the standard label when none was given)
    own_label: str  # as stored; empty: the standard label, in each reader's language
    is_active: bool
    stored: bool  # False: a standard code the tenant has not changed yet


def reason_codes(db: Database, scope: Scope) -> list[ReasonCodeView]:
    """The tenant's not-ready reasons and wrap-up codes, inactive ones too; a kind the tenant
    never changed shows the standard codes."""
    with scope.session(db) as session:
        rows = session.scalars(select(ReasonCode).order_by(ReasonCode.code)).all()
        views: list[ReasonCodeView] = []
        for kind in REASON_KINDS:
            own = [r for r in rows if r.kind == kind]
            if own:
                views += [
                    ReasonCodeView(kind, r.code, r.label or default_label(r.code), r.label,
                                   r.is_active, stored=True)
                    for r in own
                ]  # fmt: skip
            else:
                views += [
                    ReasonCodeView(kind, code, default_label(code), "", True, stored=False)
                    for code in default_codes(kind)
                ]
        return views


def save_reason_code(
    db: Database, scope: Scope, kind: str, code: str, label: str, *, active: bool = True
) -> ReasonCodeView:
    """Add or change one code (audited). The tenant's first change of a kind stores the standard
    codes of that kind with it, so that adding a code does not drop the others. Agents see the
    change on their next desktop read."""
    code, label = code.strip().lower(), " ".join(label.split())
    if kind not in REASON_KINDS:
        raise InvalidInput("kind", _("Unknown kind of code: %(kind)s", kind=kind))
    if not REASON_CODE.fullmatch(code):
        raise InvalidInput(
            "code", _("A code is 1 to 32 lower-case letters, digits, - or _, e.g. team_meeting.")
        )
    if kind == NOT_READY_REASON and code in SYSTEM_REASONS:
        raise InvalidInput("code", _("%(code)s is set by the center itself.", code=code))
    if len(label) > 200:
        raise InvalidInput("label", _("A label has at most 200 characters."))
    with scope.session(db) as session:
        stored = session.scalars(select(ReasonCode).where(ReasonCode.kind == kind))
        rows = {r.code: r for r in stored}
        if not rows:
            for standard in default_codes(kind):
                rows[standard] = ReasonCode(kind=kind, code=standard, label="", is_active=True)
                session.add(rows[standard])
        row = rows.get(code)
        if row is None:
            if not label:
                raise InvalidInput("label", _("Give the new code a label."))
            row = ReasonCode(kind=kind, code=code, label=label, is_active=active)
            session.add(row)
        else:
            row.label, row.is_active = label, active
        rows[code] = row
        if not any(r.is_active for r in rows.values()):
            raise InvalidInput("active", _("Keep at least one active code of each kind."))
        session.flush()
        return ReasonCodeView(kind, code, label or default_label(code), label, active, stored=True)


@_serialized
def queue_routing(db: Database, scope: Scope, queue_code: str) -> QueueSettings:
    with _flow(db, scope) as flow:
        queue = next((q for q in flow.center.queues.values() if q.code == queue_code), None)
    if queue is None:
        raise NotFound(_("No such queue."))
    return queue


@_serialized
def update_queue_routing(
    db: Database, scope: Scope, queue_code: str, changes: dict[str, object]
) -> QueueSettings:
    """Change a queue's routing settings (audited); the center is rebuilt with them."""
    changes = dict(changes)
    with scope.session(db) as session:
        queues = {q.code: q for q in organization.list_queues_in(session)}
        queue = queues.get(queue_code)
        if queue is None:
            raise NotFound(_("No such queue."))
        if "overflow_queue" in changes:
            code = changes.pop("overflow_queue")
            if code and code not in queues:
                raise InvalidInput(
                    "overflow_queue", _("No queue with the code %(code)s.", code=code)
                )
            changes["overflow_queue_id"] = queues[code].id if code else None  # type: ignore[index]
        if "overflow_skill" in changes:
            changes["overflow_skill_code"] = changes.pop("overflow_skill") or None
        unknown = sorted(set(changes) - set(ROUTING_FIELDS) - {"closed_dates"})
        if unknown:
            raise InvalidInput(unknown[0], _("Unknown setting: %(name)s", name=unknown[0]))
        row = session.scalar(select(QueueRouting).where(QueueRouting.queue_id == queue.id))
        if row is None:
            row = QueueRouting(queue_id=queue.id, **_routing_defaults(queue.channel))
            session.add(row)
            session.flush()  # stored first: an insert would put the column default for a None
        for name, value in changes.items():
            setattr(row, name, value)
        _check_routing(session, row, queue.id)
    forget_center(db, scope.tenant_id)
    return queue_routing(db, scope, queue_code)


def _routing_defaults(channel: str) -> dict[str, object]:
    return {
        "priority": 0,
        "head_start_s": 0.0,
        "concurrency": 3 if channel == Channel.CHAT.value else 1,
        "selection": "longest_idle",
        "closed_dates": [],
        "callback_when_full": True,
        "ring_timeout_s": 20,
        "wrapup_limit_s": 120,
        "sticky_agent": True,
    }


def _check_routing(session: Session, row: QueueRouting, queue_id: int) -> None:
    if row.selection not in ("longest_idle", "best_skill"):
        raise InvalidInput("selection", _("Choose longest_idle or best_skill."))
    if row.concurrency < 1 or row.concurrency > 20:
        raise InvalidInput("concurrency", _("Concurrency runs from 1 to 20."))
    if row.ring_timeout_s < 3:
        raise InvalidInput("ring_timeout_s", _("Let an offer ring at least 3 seconds."))
    for name in ("max_wait_s", "max_queue_length", "overflow_after_s", "callback_offer_after_s",
                 "wrapup_limit_s"):  # fmt: skip
        value = getattr(row, name)
        if value is not None and value < 0:
            raise InvalidInput(name, _("This setting cannot be negative."))
    if row.overflow_queue_id == queue_id:
        raise InvalidInput("overflow_queue", _("A queue cannot overflow to itself."))
    for day in row.closed_dates or []:
        try:
            date.fromisoformat(str(day))
        except ValueError:
            raise InvalidInput(
                "closed_dates", _("%(day)s is not a date (YYYY-MM-DD).", day=day)
            ) from None
    for day, ranges in (row.opening_hours or {}).items():
        if day not in WEEKDAYS:
            raise InvalidInput("opening_hours", _("Unknown weekday: %(day)s", day=day))
        for pair in ranges:
            try:
                start, end = (clock_minutes(t) for t in pair)
            except (TypeError, ValueError):
                raise InvalidInput(
                    "opening_hours", _('Give hours as ["HH:MM", "HH:MM"].')
                ) from None
            if not 0 <= start < end <= 1440:
                raise InvalidInput(
                    "opening_hours", _("%(day)s: each range must open before it closes.", day=day)
                )


@_serialized
def promise_callback(
    db: Database,
    scope: Scope | int,
    agent_id: int,
    contact_id: str,
    *,
    number: str | None,
    at: datetime | None,
    queue: str | None,
) -> ArrivalView:
    """An agent promises the customer of a contact in hand a callback, preferably by the same
    agent; the number defaults to the one the contact came from."""
    with _flow(db, scope) as flow:
        contact = _my_contact(flow, agent_id, contact_id)
        if not number and contact.channel in (Channel.PHONE.value, Channel.CALLBACK.value):
            number = contact.caller or contact.callback_number
        queue_code = queue or (flow.queue(contact.queue_id).code if contact.queue_id else None)
        customer_id, label = contact.customer_id, contact.customer_label
    if not queue_code:
        raise InvalidInput("queue", _("Choose the queue of the callback."))
    return schedule_callback(
        db,
        scope,
        queue=queue_code,
        number=number or "",
        at=at,
        customer_id=customer_id,
        customer_label=label,
        preferred_agent_id=agent_id,
    )


@_serialized
def agent_id_of(db: Database, scope: Scope | int, code: str) -> int:
    with _flow(db, scope) as flow:
        return _agent_by_code(flow, code)


@_serialized
def update_agent_routing(
    db: Database, scope: Scope, agent_code: str, *, max_contacts: int, occupancy_cap: float | None
) -> None:
    """An agent's contacts at once and occupancy cap (audited); the center is rebuilt."""
    if not 1 <= max_contacts <= 20:
        raise InvalidInput("max_contacts", _("Contacts at once run from 1 to 20."))
    if occupancy_cap is not None and not 0 < occupancy_cap <= 1:
        raise InvalidInput("occupancy_cap", _("The occupancy cap is a fraction above 0, up to 1."))
    with scope.session(db) as session:
        agent = next(
            (a for a in organization.list_agents_in(session) if a.code == agent_code), None
        )
        if agent is None:
            raise NotFound(_("No such agent."))
        row = session.scalar(select(AgentRouting).where(AgentRouting.agent_id == agent.id))
        if row is None:
            row = AgentRouting(agent_id=agent.id)
            session.add(row)
        row.max_contacts, row.occupancy_cap = max_contacts, occupancy_cap
    forget_center(db, scope.tenant_id)


# --- timers -------------------------------------------------------------------------------


@_serialized
def run_timers(db: Database, tenant_id: int, now: datetime | None = None) -> int:
    """Fire every due timer of the tenant (ring-no-answer, wait limits, wrap-up limits,
    scheduled callbacks, occupancy rests) and bring stale legs up to date; returns the count of
    timers fired."""
    fired = 0
    with _flow(db, tenant_id, now) as flow:
        due = flow.session.scalars(
            select(LiveContact)
            .where(LiveContact.deadline_at <= flow.now)
            .order_by(LiveContact.deadline_at, LiveContact.id)
        ).all()
        for contact in due:
            if contact.deadline_at is None or contact.deadline_at > flow.now:
                continue  # an earlier timer of this run moved it
            fired += 1
            if contact.status == OFFERED:
                flow.miss_offer(contact, RING_NO_ANSWER)
            elif contact.status == WAITING:
                flow.on_wait_timer(contact)
            elif contact.status == WRAPUP:
                flow.wrap_up(contact, None, None, False, auto=True)
            elif contact.status == SCHEDULED:
                flow.callback_due(contact)
            else:
                contact.deadline_at = None
        for row in flow.session.scalars(
            select(LiveAgent).where(LiveAgent.rest_until <= flow.now)
        ).all():
            fired += 1
            flow.end_rest(row.agent_id)
    return fired


@_serialized
def refresh_legs(db: Database, tenant_id: int, *, finished_only: bool = False) -> int:
    """Derive again the legs of contacts with new events (one batch); returns the count. The
    timers refresh finished contacts only: a contact in progress gets its legs when it ends."""
    with db.session(tenant_id=tenant_id) as session:
        query = select(LiveContact.id, LiveContact.public_id).where(
            LiveContact.legs_stale.is_(True)
        )
        if finished_only:
            query = query.where(LiveContact.status == ENDED)
        rows = session.execute(query.limit(LEG_REBUILD_BATCH)).all()
        if not rows:
            return 0
        rebuild_legs_in(session, [public_id for _id, public_id in rows])
        for contact in session.scalars(
            select(LiveContact).where(LiveContact.id.in_([i for i, _p in rows]))
        ):
            contact.legs_stale = False
    center = _registry(db).centers.get(tenant_id)
    if center is not None:  # its kept rows must say so too, or the next event would not
        for contact_id, _public_id in rows:
            kept = center.rows.contacts.get(contact_id)
            if kept is not None:
                set_committed_value(kept, "legs_stale", False)
    return len(rows)


class TimerThread(threading.Thread):
    """Runs :func:`run_timers` for every loaded center every ``tick_s`` seconds."""

    def __init__(self, db: Database, tick_s: float) -> None:
        super().__init__(name="contactops-live-timers", daemon=True)
        self.db, self.tick_s = db, tick_s
        self.stopped = threading.Event()

    def run(self) -> None:
        last_legs = 0.0
        while not self.stopped.wait(self.tick_s):
            legs_due = time.monotonic() - last_legs >= LEGS_EVERY_S
            for tenant_id in loaded_tenants(self.db):
                try:
                    run_timers(self.db, tenant_id)
                    if legs_due:
                        refresh_legs(self.db, tenant_id, finished_only=True)
                except Exception:
                    log.exception("live timers of tenant %s failed", tenant_id)
            if legs_due:
                last_legs = time.monotonic()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


__all__ = [
    "ArrivalView",
    "TimerThread",
    "accept",
    "agent_of_user",
    "as_agent",
    "call_answered",
    "call_ended",
    "call_status",
    "connect_center",
    "contact_arrived",
    "customer_left",
    "disconnect_center",
    "end",
    "forget_center",
    "hold",
    "hub",
    "is_open",
    "link_key",
    "recover",
    "refresh_legs",
    "reject",
    "request_callback",
    "run_timers",
    "save_note",
    "schedule_callback",
    "serve_center",
    "set_presence",
    "token_digest",
    "transfer",
    "wrap_up",
]
