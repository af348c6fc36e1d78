"""The live-center thread: one thread runs every call of a database's live centers, in order.

Calls that arrive while it is busy are run as a **group**: consecutive calls of one tenant that
only work through the center's transaction share that transaction, and their answers wait for
its one commit (group commit). A group costs one session, one commit and one insert of events
instead of one each per call, so the busier the center, the less each call costs. When a call
of a group fails after it changed something, the group's transaction is rolled back and every
call it held is run again on its own, as if no group had been formed: a group either commits
whole, or is as if it had never run. Nothing of a group is answered or published before its
commit.

The rules of the transaction itself are the service's (:func:`..service._flow`); this module
only orders the calls, forms the groups and delivers the answers.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger("contactops.live")
GROUP_MAX = 32  # calls in one transaction: the first one's answer waits for the last


class Group(Protocol):
    """One shared transaction, opened by the first call that needs it."""

    broken: bool  # a call failed after changing something: the transaction was rolled back

    def commit(self) -> None:
        """Commit, then publish what the calls changed; on failure, roll back and raise."""

    def discard(self) -> None:
        """Roll back whatever is still open (the calls will run again on their own)."""


@dataclass(eq=False)
class _Call:
    work: Callable[[], Any]
    future: Future[Any]
    group_key: Hashable | None  # calls with the same key may share a transaction; None: alone
    outcome: tuple[bool, Any] = field(default=(False, None))  # (failed, result or error)

    def run(self) -> None:
        try:
            self.outcome = (False, self.work())
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            self.outcome = (True, error)

    def deliver(self) -> None:
        failed, value = self.outcome
        self.outcome = (False, None)
        if failed:
            self.future.set_exception(value)
        else:
            self.future.set_result(value)


class LiveThread:
    """The thread, its queue of calls, and the group being formed.

    ``open_group(key)`` makes a group for calls of ``key``; ``use_group(group)`` makes it the
    one the service's transactions join while a call of it runs (None: no group).
    """

    def __init__(
        self,
        name: str,
        open_group: Callable[[Hashable], Group],
        use_group: Callable[[Group | None], None],
        on_start: Callable[[], None],
    ) -> None:
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._open_group, self._use_group, self._on_start = open_group, use_group, on_start
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._closed = False
        self._thread.start()

    def submit(
        self, work: Callable[..., Any], /, *args: Any, group_key: Hashable | None = None
    ) -> Future[Any]:
        """Run ``work(*args)`` on the thread; with a ``group_key``, possibly in a group."""
        if self._closed:
            raise RuntimeError("the live-center thread has been shut down")
        future: Future[Any] = Future()
        self._calls.put(_Call(lambda: work(*args), future, group_key))
        return future

    def shutdown(self, wait: bool = False) -> None:
        """Stop after the calls already queued."""
        self._closed = True
        self._calls.put(None)
        if wait and threading.current_thread() is not self._thread:
            self._thread.join()

    def _serve(self) -> None:
        self._on_start()
        while True:
            first = self._calls.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < GROUP_MAX:
                try:
                    more = self._calls.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._calls.put(None)  # stop after this batch
                    break
                batch.append(more)
            self._run_batch(batch)

    def _run_batch(self, batch: list[_Call]) -> None:
        held: list[_Call] = []  # run in the open group, answered when it commits
        group: Group | None = None
        for call in batch:
            if not call.future.set_running_or_notify_cancel():
                continue
            if held and call.group_key != held[0].group_key:
                assert group is not None
                self._close(group, held)
                group, held = None, []
            if call.group_key is None:
                self._alone(call)
                continue
            if group is None:
                group = self._open_group(call.group_key)
            self._use_group(group)
            try:
                call.run()
            finally:
                self._use_group(None)
            if group.broken:  # rolled back: what it held runs again, each call on its own
                group.discard()
                for again in (*held, call):
                    self._alone(again)
                group, held = None, []
            else:
                held.append(call)
        if group is not None:
            self._close(group, held)

    def _close(self, group: Group, held: list[_Call]) -> None:
        try:
            group.commit()
        except Exception:
            log.exception("live center: a group of %d calls failed to commit", len(held))
            group.discard()
            for call in held:
                self._alone(call)
            return
        for call in held:
            call.deliver()

    @staticmethod
    def _alone(call: _Call) -> None:
        call.run()
        call.deliver()
