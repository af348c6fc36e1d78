"""Killing the server mid-load loses nothing: after a restart, waiting contacts are back in
line, agents' states and offers are as they were, a PBX repeating its reports creates no
duplicate, and every contact still ends in exactly one outcome told once in the event log —
with one process, and with several web workers around the live center's host process, whose
workers all see one center."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import func, select

from contactops.domains.events.models import ContactEventRecord, ContactLegRecord
from contactops.domains.live.models import LiveContact
from contactops.platform.audit import Actor
from contactops.platform.auth import TOKEN_SCHEME_PREFIX, digest
from contactops.platform.database import Database
from contactops.platform.identity import ApiToken
from tests.conftest import Backend, World, login, page_csrf
from tests.domains.test_live_service import center

__all__ = ["center"]
CALLS = 80
BEFORE_KILL = 10


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_url(backend: Backend) -> str:
    url = backend.url
    connect_args: dict[str, str] = backend.engine_kwargs.get("connect_args", {})  # type: ignore[assignment]
    if "options" in connect_args:
        url += "?options=" + quote(connect_args["options"])
    return url


class Server:
    def __init__(self, backend: Backend, var_dir: Path, workers: int = 1) -> None:
        self.workers = workers
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "CONTACTOPS_DATABASE_URL": _server_url(backend),
            "CONTACTOPS_VAR_DIR": str(var_dir),
            "CONTACTOPS_SECRET_KEY": "test-secret-" + "x" * 32,
            "CONTACTOPS_LIVE_TICK_S": "0.2",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [str(Path(sys.executable).parent / "contactops"), "serve", "--port"]
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            [*command, str(self.port), "--workers", str(self.workers)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: workers and host die with it
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("the server did not start")

    def kill(self) -> None:
        """Every process of the server at once, as when its machine fails."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def token(client_factory: Any, center: World) -> dict[str, str]:
    admin = login(client_factory(), World.email("admin"))
    headers = {"X-CSRF-Token": page_csrf(admin)}
    created = admin.post("/api/v1/tokens", json={"name": "pbx"}, headers=headers).json()
    admin.patch(
        "/api/v1/live/queues/sales/routing",
        json={"wrapup_limit_s": 0, "ring_timeout_s": 600},
        headers=headers,
    )
    return {"Authorization": f"Bearer {created['token']}"}


def _answered_legs(db: Database, world: World) -> int:
    with db.session(tenant_id=world.tenant_a) as session:
        return int(
            session.scalar(select(func.count()).where(ContactLegRecord.outcome == "answered")) or 0
        )


@pytest.mark.parametrize("workers", [1, 2])
def test_a_killed_server_recovers_every_contact_and_agent(
    db: Database,
    backend: Backend,
    center: World,
    token: dict[str, str],
    tmp_path: Path,
    workers: int,
) -> None:
    server = Server(backend, tmp_path / "var", workers)
    server.start()
    try:
        api = httpx.Client(base_url=server.base, headers=token, timeout=10)
        for code in ("a1", "a2"):
            response = api.post(f"/api/v1/live/agents/{code}/state", json={"state": "ready"})
            assert response.status_code == 200, response.text

        def arrive(n: int, client: httpx.Client) -> Any:
            return client.post(
                "/api/v1/telephony/calls",
                json={"call_id": f"c{n}", "queue": "sales", "caller": f"+4790000{n:03d}"},
            )

        first = [arrive(n, api).json() for n in range(BEFORE_KILL)]
        assert [f["agent"] for f in first[:2]] == ["a1", "a2"]
        assert api.post("/api/v1/telephony/calls/c0/answered", json={}).status_code == 200

        delivered: list[int] = []

        def flood() -> None:  # calls still coming when the server dies
            with httpx.Client(base_url=server.base, headers=token, timeout=5) as client:
                for n in range(BEFORE_KILL, CALLS):
                    try:
                        arrive(n, client)
                    except httpx.HTTPError:
                        return
                    delivered.append(n)

        flooding = threading.Thread(target=flood)
        flooding.start()
        deadline = time.monotonic() + 10
        while len(delivered) < 5 and flooding.is_alive() and time.monotonic() < deadline:
            time.sleep(0.002)  # killed a few calls into the flood, on fast and slow machines
        server.kill()
        flooding.join()
        assert len(delivered) < CALLS - BEFORE_KILL  # the server died with calls still coming

        server.start()
        api = httpx.Client(base_url=server.base, headers=token, timeout=10)
        for n in range(CALLS):  # the PBX repeats what it may not have delivered
            assert arrive(n, api).status_code == 200
        board = api.get("/api/v1/live/wallboard").json()
        states = {a["code"]: a["state"] for a in board["agents"]}
        assert states == {"a1": "on_contact", "a2": "ringing"}
        assert api.get("/api/v1/telephony/calls/c0").json()["status"] == "connected"
        assert api.get("/api/v1/telephony/calls/c1").json()["agent"] == "a2"
        sales = next(q for q in board["queues"] if q["code"] == "sales")
        assert sales["waiting"] == CALLS - 2

        # Work the line down through the restarted server: every call answered, then ended.
        deadline = time.monotonic() + 120
        ended: set[str] = set()
        while len(ended) < CALLS and time.monotonic() < deadline:
            for n in range(CALLS):
                call = f"c{n}"
                if call in ended:
                    continue
                status = api.get(f"/api/v1/telephony/calls/{call}").json()
                if status["status"] == "offered":
                    api.post(f"/api/v1/telephony/calls/{call}/answered", json={})
                    status = api.get(f"/api/v1/telephony/calls/{call}").json()
                if status["status"] == "connected":
                    api.post(f"/api/v1/telephony/calls/{call}/ended", json={"ended_by": "agent"})
                    ended.add(call)
            time.sleep(0.2)
        assert len(ended) == CALLS
        # The server's timers close the last wrap-ups and bring the finished legs up to date.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _answered_legs(db, center) < CALLS:
            time.sleep(0.5)
    finally:
        server.stop()

    with db.session(tenant_id=center.tenant_a) as session:
        contacts = session.execute(select(LiveContact.public_id, LiveContact.outcome)).all()
        per_contact = Counter(
            (contact_id, event_type)
            for contact_id, event_type in session.execute(
                select(ContactEventRecord.contact_id, ContactEventRecord.event_type)
            )
        )
        legs = session.scalar(select(func.count()).where(ContactLegRecord.outcome == "answered"))
    assert len(contacts) == CALLS
    assert {outcome for _id, outcome in contacts} == {"answered"}
    for contact_id, _outcome in contacts:
        for event_type in ("arrived", "entered_queue", "answered", "ended", "wrapup_ended"):
            assert per_contact[(contact_id, event_type)] == 1, (contact_id, event_type)
    assert legs == CALLS


def _agent_token(db: Database, world: World) -> dict[str, str]:
    """An API token of the agent user (a3's desktop)."""
    secret = f"{TOKEN_SCHEME_PREFIX}abcd1234_{secrets.token_urlsafe(24)}"
    with db.session(tenant_id=world.tenant_a, actor=Actor.system("test")) as session:
        session.add(
            ApiToken(
                user_id=world.users["agent"],
                name="desk",
                prefix="abcd1234",
                secret_hash=digest(secret),
            )
        )
    return {"Authorization": f"Bearer {secret}"}


def test_web_workers_share_one_live_center(
    db: Database, backend: Backend, center: World, token: dict[str, str], tmp_path: Path
) -> None:
    """Each request may land on either worker: offers, waits and new queues are the one
    center's, and a desktop's stream on one worker hears of an offer made through another."""
    desk = _agent_token(db, center)
    server = Server(backend, tmp_path / "var", workers=2)
    server.start()
    heard: list[str] = []
    listening = threading.Event()

    def listen() -> None:
        with (
            httpx.Client(base_url=server.base, headers=desk, timeout=30) as client,
            client.stream("GET", "/api/v1/live/desktop/stream") as stream,
        ):
            for line in stream.iter_lines():
                listening.set()
                if line.startswith("data:") and "offered" in line:
                    heard.append(line)
                    return

    try:
        api = httpx.Client(base_url=server.base, headers=token, timeout=10)
        for code in ("a1", "a2"):
            assert api.post(f"/api/v1/live/agents/{code}/state", json={"state": "ready"}).is_success
        arrivals = [
            api.post(
                "/api/v1/telephony/calls",
                json={"call_id": f"c{n}", "queue": "sales", "caller": f"+4790000{n:03d}"},
            ).json()
            for n in range(6)
        ]
        assert [a["status"] for a in arrivals] == ["offered"] * 2 + ["waiting"] * 4
        assert sorted(a["agent"] for a in arrivals[:2]) == ["a1", "a2"]
        for _ in range(6):  # whichever worker answers tells the same
            board = api.get("/api/v1/live/wallboard").json()
            sales = next(q for q in board["queues"] if q["code"] == "sales")
            assert sales["waiting"] == 4
            time.sleep(0.4)  # past the wallboard's cache

        created = api.post("/api/v1/queues", json={"code": "vip", "name": "VIP"})
        assert created.status_code == 201, created.text
        vip = api.post("/api/v1/telephony/calls", json={"call_id": "v1", "queue": "vip"})
        assert vip.status_code == 200, vip.text  # the host's center knows the new queue
        assert api.post("/api/v1/telephony/calls/v1/ended", json={}).json()["outcome"] == (
            "abandoned"
        )

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        assert listening.wait(20)
        a3 = httpx.post(
            server.base + "/api/v1/live/desktop/state", json={"state": "ready"}, headers=desk
        )
        assert a3.is_success, a3.text
        support = api.post(
            "/api/v1/telephony/calls", json={"call_id": "s1", "queue": "support"}
        ).json()
        board = api.get("/api/v1/live/wallboard").json()
        assert support["agent"] == "a3", (support, board["agents"])
        listener.join(20)
        assert heard and support["contact_id"] in heard[0]
    finally:
        server.stop()
