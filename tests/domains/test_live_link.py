"""A web worker linked to the center host (``serve --workers N``): its calls run on the host's
live center, refusals come back whole and in the caller's language, the host's messages reach
the worker's pages, and a host that goes away answers 503 until it is back.

Here host and worker are two :class:`Database` objects of one store in one process: each has a
registry of its own, so the worker's calls cross the real socket to the host's thread."""

from __future__ import annotations

import pickle
import shutil
import tempfile
import threading
import time
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Any

import pytest

from contactops.domains.live import service
from contactops.domains.live.link import CenterHost, CenterLink, link_key
from contactops.domains.organization import service as organization
from contactops.platform.audit import Actor
from contactops.platform.auth import Scope
from contactops.platform.database import Database
from contactops.platform.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unavailable,
)
from contactops.platform.i18n import gettext, use_locale
from tests.conftest import Backend, World
from tests.domains.test_live_service import center

__all__ = ["center"]
KEY = link_key("test-secret")


@pytest.fixture
def address() -> Iterator[str]:
    folder = tempfile.mkdtemp(prefix="co-")  # a Unix socket's path has at most 107 bytes
    yield str(Path(folder) / "center.sock")
    shutil.rmtree(folder, ignore_errors=True)


def _host(db: Database, address: str) -> CenterHost:
    host = service.serve_center(db, address, KEY)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    return host


@pytest.fixture
def worker(db: Database, backend: Backend, center: World, address: str) -> Iterator[Database]:
    """A second Database on the same store, linked like a web worker to a host serving ``db``."""
    host = _host(db, address)
    worker_db = Database(backend.url, **backend.engine_kwargs)
    service.connect_center(worker_db, address, KEY)
    yield worker_db
    service.disconnect_center(worker_db)
    host.close()
    service.hub.forward = None
    worker_db.dispose()


def _round_trip(error: Exception) -> Any:
    return pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes


def test_refusals_survive_pickling_whole() -> None:
    invalid = _round_trip(InvalidInput("code", "no such code"))
    assert (type(invalid), invalid.field, invalid.detail) == (InvalidInput, "code", "no such code")
    assert invalid.errors[0].field == "code"
    throttled = _round_trip(TooManyRequests("slow down", retry_after_s=30))
    assert (throttled.retry_after_s, str(throttled)) == (30, "slow down")
    assert _round_trip(Conflict("taken")).status == 409


def test_a_refusal_on_the_center_thread_speaks_the_callers_language(
    db: Database, center: World
) -> None:
    """The live-center thread runs in the request's context: its locale, not the default."""
    a2 = service.agent_id_of(db, center.tenant_a, "a2")
    service.set_presence(db, center.tenant_a, a2, "ready")
    offered = service.contact_arrived(
        db, center.tenant_a, channel="phone", queue="sales", caller=None, external_ref="c1"
    )
    service.accept(db, center.tenant_a, a2, offered.contact_id)
    service.end(db, center.tenant_a, a2, offered.contact_id)
    with use_locale("nb"), pytest.raises(InvalidInput) as refused:
        service.wrap_up(db, center.tenant_a, a2, offered.contact_id, code="nonsense")
    with use_locale("nb"):
        expected = gettext("%(code)s is not an active wrap-up code.", code="nonsense")
    assert refused.value.detail == expected
    assert expected != "nonsense is not an active wrap-up code."


def test_a_workers_calls_run_on_the_hosts_center(
    db: Database, worker: Database, center: World
) -> None:
    a2 = service.agent_id_of(worker, center.tenant_a, "a2")
    service.set_presence(worker, center.tenant_a, a2, "ready")
    view = service.contact_arrived(
        worker, center.tenant_a, channel="phone", queue="sales", caller=None, external_ref="c1"
    )
    assert (view.status, view.agent) == ("offered", "a2")
    assert service.loaded_tenants(db) == [center.tenant_a]
    assert service.loaded_tenants(worker) == []  # the worker keeps no center of its own
    assert service.call_status(db, center.tenant_a, "c1") == view  # the host's view: the same
    service.accept(worker, center.tenant_a, a2, view.contact_id)
    desk = service.desktop(worker, center.tenant_a, a2)
    assert [c.status for c in desk.contacts] == ["connected"]


def test_an_agents_action_crosses_as_one_call(worker: Database, center: World) -> None:
    """The desktop's actions find the signed-in user's agent on the host, in the same call;
    only functions of the live service may be asked for."""
    scope = Scope(center.tenant_a, "alpha", "Europe/Oslo", Actor(center.users["agent"], "agent@a"))
    service.as_agent(worker, scope, service.set_presence, "ready")
    view = service.contact_arrived(
        worker, center.tenant_a, channel="chat", queue="web", caller=None, external_ref="w1"
    )
    assert view.agent == "a3"
    service.as_agent(worker, scope, service.accept, view.contact_id)
    desk = service.as_agent(worker, scope, service.desktop)
    assert [c.status for c in desk.contacts] == ["connected"]
    with pytest.raises(NotFound):
        service.as_agent(worker, scope, pickle.loads, b"")
    stranger = Scope(center.tenant_a, "alpha", "Europe/Oslo", Actor(center.users["qa"], "qa@a"))
    with pytest.raises(NotFound):  # not an agent of this center
        service.as_agent(worker, stranger, service.desktop)


def test_a_refusal_crosses_whole_in_the_callers_language(worker: Database, center: World) -> None:
    a2 = service.agent_id_of(worker, center.tenant_a, "a2")
    with pytest.raises(NotFound):
        service.accept(worker, center.tenant_a, a2, "no-such-contact")
    service.set_presence(worker, center.tenant_a, a2, "ready")
    view = service.contact_arrived(
        worker, center.tenant_a, channel="phone", queue="sales", caller=None, external_ref="c1"
    )
    service.accept(worker, center.tenant_a, a2, view.contact_id)
    service.end(worker, center.tenant_a, a2, view.contact_id)
    with use_locale("bg"):
        expected = gettext("%(code)s is not an active wrap-up code.", code="nonsense")
        with pytest.raises(InvalidInput) as refused:
            service.wrap_up(worker, center.tenant_a, a2, view.contact_id, code="nonsense")
    assert (refused.value.field, refused.value.detail) == ("code", expected)
    service.wrap_up(worker, center.tenant_a, a2, view.contact_id, code="resolved")  # carries on


def test_the_hosts_messages_reach_the_worker(db: Database, center: World, address: str) -> None:
    host = _host(db, address)
    delivered: list[tuple[Hashable, dict[str, Any]]] = []
    arrived = threading.Event()

    def deliver(topic: Hashable, message: dict[str, Any]) -> None:
        delivered.append((topic, message))
        arrived.set()

    link = CenterLink(address, KEY, deliver, lambda: None)
    link.start()
    try:
        deadline = time.monotonic() + 10
        while not host._outboxes and time.monotonic() < deadline:  # the events connection
            time.sleep(0.01)
        a2 = service.agent_id_of(db, center.tenant_a, "a2")
        service.set_presence(db, center.tenant_a, a2, "ready")
        view = service.contact_arrived(
            db, center.tenant_a, channel="phone", queue="sales", caller=None, external_ref="c1"
        )
        assert arrived.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(
            m.get("offered") == [view.contact_id] for _t, m in delivered
        ):
            time.sleep(0.01)
        assert (
            (center.tenant_a, "agent", a2),
            {"type": "changed", "offered": [view.contact_id]},
        ) in delivered
        assert ((center.tenant_a, "wallboard"), {"type": "changed"}) in delivered
    finally:
        link.close()
        host.close()
        service.hub.forward = None


def test_a_configuration_change_in_a_worker_reaches_the_host(
    db: Database, worker: Database, center: World
) -> None:
    service.agent_id_of(worker, center.tenant_a, "a2")  # the host loads the center
    with worker.session(tenant_id=center.tenant_a, actor=Actor.system("test")) as session:
        organization.create_queue_in(session, code="vip", name="VIP", skill_code="sales")
    view = service.contact_arrived(
        worker, center.tenant_a, channel="phone", queue="vip", caller=None, external_ref="v1"
    )
    assert view.queue == "vip"


def test_a_host_that_went_away_answers_unavailable_until_it_is_back(
    db: Database, backend: Backend, center: World, address: str
) -> None:
    host = _host(db, address)
    worker_db = Database(backend.url, **backend.engine_kwargs)
    link = service.connect_center(worker_db, address, KEY)
    reconnected = threading.Event()
    link._on_reconnect = reconnected.set
    try:
        a2 = service.agent_id_of(worker_db, center.tenant_a, "a2")
        host.close()
        service.hub.forward = None
        with pytest.raises(Unavailable):
            service.agent_id_of(worker_db, center.tenant_a, "a2")
        host = _host(db, address)  # a new host on the same socket
        assert service.agent_id_of(worker_db, center.tenant_a, "a2") == a2
        assert reconnected.wait(10)  # pages are told to look again
    finally:
        service.disconnect_center(worker_db)
        host.close()
        service.hub.forward = None
        worker_db.dispose()


def test_a_link_with_the_wrong_key_is_refused(
    db: Database, backend: Backend, center: World, address: str
) -> None:
    host = _host(db, address)
    worker_db = Database(backend.url, **backend.engine_kwargs)
    service.connect_center(worker_db, address, link_key("another secret"))
    try:
        with pytest.raises(Unavailable):
            service.agent_id_of(worker_db, center.tenant_a, "a2")
    finally:
        service.disconnect_center(worker_db)
        host.close()
        service.hub.forward = None
        worker_db.dispose()
