"""The live center in a process of its own, for a server with several web worker processes.

A tenant's live center is state in one process's memory (the router, the kept rows) changed on
one thread: two processes with a center each would offer one contact to two agents. So
``contactops serve --workers N`` runs every center, its thread, the timers and the recovery at
start in one *center host* process, and the N web workers forward to it every call of
:mod:`.service` that runs on the live-center thread, over a local (Unix) socket:

- a *calls* connection per worker thread: ``(function name, the caller's locale, arguments
  without the database)`` → ``(OK, result)``, ``(REFUSED, the DomainError)`` re-raised in the
  worker, or ``(FAILED, None)`` (logged in the host) → 503;
- one *events* connection per worker: every message the host's hub publishes, which the
  worker's hub delivers to its own open desktops, chat windows and wallboards.

Connections are authenticated with the HMAC challenge of :mod:`multiprocessing.connection`,
keyed from the server's secret key (:func:`link_key`). In the host one thread reads every
worker's calls and queues them for the live-center thread, which runs each and pickles its
answer; one more thread writes the answers to the sockets, so that the live-center thread never
waits on a socket (nor for the interpreter's lock after one).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from contextlib import suppress
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener, wait
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any

from contactops.platform.errors import DomainError, Unavailable
from contactops.platform.i18n import current_locale
from contactops.platform.i18n import gettext as _

log = logging.getLogger("contactops.live.link")
FAMILY = "AF_UNIX"
CALLS, EVENTS = "calls", "events"
OK, REFUSED, FAILED = "ok", "refused", "failed"
RECONNECT_S = 0.5
HELLO_S = 5.0  # a new connection says at once what it is for

# (function name, locale, positional arguments after the database, keyword arguments) -> result
Dispatch = Callable[[str, str, tuple[Any, ...], dict[str, Any]], Any]
# run(work, name, args): work() on the live-center thread, answered by the returned future
Run = Callable[[Callable[[], bytes], str, tuple[Any, ...]], "Future[bytes]"]
Deliver = Callable[[Hashable, dict[str, Any]], None]


def link_key(secret_key: str) -> bytes:
    """The connections' key: HMAC-SHA256 of a fixed label under the server's secret key."""
    return hmac.new(secret_key.encode(), b"contactops live center link", hashlib.sha256).digest()


def _unavailable() -> Unavailable:
    return Unavailable(_("The live center is not answering. Try again in a moment."))


class CenterHost:
    """The host's side. One thread accepts connections, one reads the workers' calls and hands
    each to ``run`` (the live-center thread), where it is answered with ``dispatch``; one sends
    the answers back; every message published is sent to each connected worker."""

    def __init__(self, address: str, authkey: bytes, dispatch: Dispatch, run: Run) -> None:
        Path(address).unlink(missing_ok=True)  # left by a host that was killed
        self.listener = Listener(address, FAMILY, authkey=authkey)
        self._dispatch, self._run = dispatch, run
        self._outboxes: list[queue.SimpleQueue[tuple[Hashable, dict[str, Any]] | None]] = []
        self._callers: set[Connection] = set()  # calls connections, read by one thread
        self._connections: set[Connection] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._wake_reader, self._waker = socket.socketpair()
        self._reader = threading.Thread(
            target=self._read_calls, name="contactops-link", daemon=True
        )
        self._answers: queue.SimpleQueue[tuple[Connection, bytes] | None] = queue.SimpleQueue()
        self._answerer = threading.Thread(
            target=self._send_answers, name="contactops-link-answers", daemon=True
        )

    def serve_forever(self) -> None:
        """Accept workers' connections until :meth:`close`."""
        self._reader.start()
        self._answerer.start()
        while not self._closed.is_set():
            try:
                connection = self.listener.accept()
                kind = connection.recv() if connection.poll(HELLO_S) else None
            except (OSError, EOFError, AuthenticationError) as error:
                if self._closed.is_set():
                    return
                log.warning("live center link: a connection was refused (%s)", error)
                continue
            with self._lock:
                self._connections.add(connection)
            if self._closed.is_set():
                self._forget(connection)
            elif kind == CALLS:
                with self._lock:
                    self._callers.add(connection)
                self._waker.send(b"+")
            elif kind == EVENTS:
                threading.Thread(
                    target=self._send_events,
                    args=(connection,),
                    name="contactops-link-events",
                    daemon=True,
                ).start()
            else:
                self._forget(connection)

    def publish(self, topic: Hashable, message: dict[str, Any]) -> None:
        """Queue ``message`` for every worker (the hub's forward; never blocks the center)."""
        with self._lock:
            outboxes = list(self._outboxes)
        for outbox in outboxes:
            outbox.put((topic, message))

    def close(self) -> None:
        """Stop accepting and hang up on every worker (as if the process had ended)."""
        self._closed.set()
        self.listener.close()
        with suppress(OSError):
            self._waker.send(b"!")
        self._answers.put(None)
        with self._lock:
            for outbox in self._outboxes:
                outbox.put(None)
            connections = list(self._connections)
        for connection in connections:
            _shut_down(connection)
            self._forget(connection)

    def _forget(self, connection: Connection) -> None:
        """Close ``connection`` once, whichever thread notices first."""
        with self._lock:
            if connection not in self._connections:
                return
            self._connections.discard(connection)
            self._callers.discard(connection)
        connection.close()

    def _read_calls(self) -> None:
        while not self._closed.is_set():
            with self._lock:
                callers = list(self._callers)
            for ready in wait([self._wake_reader, *callers]):
                if ready is self._wake_reader:
                    self._wake_reader.recv(4096)
                    continue
                assert isinstance(ready, Connection)
                try:
                    request = ready.recv()
                except (EOFError, OSError):  # the worker went away
                    self._forget(ready)
                    continue
                self._call(ready, request)

    def _call(self, connection: Connection, request: tuple[Any, ...]) -> None:
        name, _locale, args, _kwargs = request
        answered = self._run(functools.partial(self._answer, request), name, args)

        def send(done: Future[bytes]) -> None:  # on the live-center thread, after the commit
            if not done.cancelled():
                self._answers.put((connection, done.result()))

        answered.add_done_callback(send)

    def _answer(self, request: tuple[Any, ...]) -> bytes:
        """On the live-center thread: the call, and its answer pickled there, while nothing it
        refers to can change (it is sent once the call's transaction has committed)."""
        name, locale, args, kwargs = request
        try:
            reply: tuple[str, Any] = (OK, self._dispatch(name, locale, args, kwargs))
        except DomainError as error:
            reply = (REFUSED, error)
        except Exception:
            log.exception("live center: %s failed", name)
            reply = (FAILED, None)
        try:
            return bytes(ForkingPickler.dumps(reply))
        except Exception:  # the answer cannot be pickled
            log.exception("live center: the answer of %s could not be sent", name)
            return bytes(ForkingPickler.dumps((FAILED, None)))

    def _send_answers(self) -> None:
        while (item := self._answers.get()) is not None:
            connection, data = item
            with suppress(EOFError, OSError):  # the worker went away: the reader forgets it
                connection.send_bytes(data)

    def _send_events(self, connection: Connection) -> None:
        outbox: queue.SimpleQueue[tuple[Hashable, dict[str, Any]] | None] = queue.SimpleQueue()
        with self._lock:
            self._outboxes.append(outbox)
        try:
            while (item := outbox.get()) is not None:
                connection.send(item)
        except (EOFError, OSError):
            pass  # the worker went away
        finally:
            with self._lock:
                self._outboxes.remove(outbox)
            self._forget(connection)


class CenterLink:
    """A worker's side: forwards calls to the host and delivers the host's messages with
    ``deliver``. When the events connection comes back after a break, ``on_reconnect`` runs
    (every page looks again: messages were lost meanwhile)."""

    def __init__(
        self, address: str, authkey: bytes, deliver: Deliver, on_reconnect: Callable[[], None]
    ) -> None:
        self.address, self._authkey = address, authkey
        self._deliver, self._on_reconnect = deliver, on_reconnect
        self._local = threading.local()
        self._connections: set[Connection] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._events = threading.Thread(
            target=self._receive_events, name="contactops-link-events", daemon=True
        )

    def start(self) -> None:
        self._events.start()

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            _shut_down(connection)

    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``name(db, *args, **kwargs)`` on the host's live-center thread, in this locale."""
        request = (name, current_locale(), args, kwargs)
        connection: Connection | None = getattr(self._local, "connection", None)
        if connection is not None:
            try:
                connection.send(request)
            except OSError:  # the host restarted since this thread's last call
                self._drop(connection)
                connection = None
        if connection is None:
            try:
                connection = self._connect(CALLS)
                connection.send(request)
            except (OSError, EOFError, AuthenticationError) as error:
                raise _unavailable() from error
            self._local.connection = connection
        try:
            status, value = connection.recv()
        except (OSError, EOFError) as error:  # it may have been done: never sent twice
            self._drop(connection)
            raise _unavailable() from error
        if status == OK:
            return value
        if status == REFUSED:
            raise value
        raise _unavailable()

    def _connect(self, kind: str) -> Connection:
        connection = Client(self.address, FAMILY, authkey=self._authkey)
        connection.send(kind)
        with self._lock:
            self._connections.add(connection)
        return connection

    def _drop(self, connection: Connection) -> None:
        with self._lock:
            self._connections.discard(connection)
        if getattr(self._local, "connection", None) is connection:
            self._local.connection = None
        connection.close()

    def _receive_events(self) -> None:
        broken = False
        while not self._closed.is_set():
            try:
                connection = self._connect(EVENTS)
            except (OSError, EOFError, AuthenticationError):
                broken = True
                time.sleep(RECONNECT_S)
                continue
            if broken:
                self._on_reconnect()
            try:
                while True:
                    topic, message = connection.recv()
                    self._deliver(topic, message)
            except (OSError, EOFError):
                broken = True
                self._drop(connection)
                if not self._closed.is_set():
                    log.warning("live center link lost in worker %s; connecting again", os.getpid())


def _shut_down(connection: Connection) -> None:
    """Shut the socket down both ways, which wakes a thread blocked reading it; closing is
    left to the thread that owns it."""
    try:
        with socket.socket(fileno=os.dup(connection.fileno())) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # closed already
