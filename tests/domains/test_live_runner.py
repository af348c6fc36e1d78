"""The live-center thread's groups: calls queued together share a transaction, their answers
wait for its commit, and a group that fails is as if it had never run (each call again alone)."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from concurrent.futures import Future
from typing import Any

import pytest

from contactops.domains.live.runner import Group, LiveThread


class FakeGroup:
    def __init__(self, log: list[str], key: Hashable, fail_commit: bool) -> None:
        self.log, self.key, self.fail_commit = log, key, fail_commit
        self.broken = False
        self.held: list[Future[Any]] = []

    def commit(self) -> None:
        assert not any(f.done() for f in self.held), "answered before the commit"
        self.log.append(f"commit {self.key}")
        if self.fail_commit:
            raise RuntimeError("the database refused the commit")

    def discard(self) -> None:
        self.log.append(f"discard {self.key}")


class Harness:
    """A thread whose groups log what happens; ``fail_commit`` makes every commit fail."""

    def __init__(self, fail_commit: bool = False) -> None:
        self.log: list[str] = []
        self.current: FakeGroup | None = None
        self.fail_commit = fail_commit
        self.thread = LiveThread("test-live", self.open_group, self.use_group, lambda: None)
        self.gate = threading.Event()

    def open_group(self, key: Hashable) -> Group:
        self.log.append(f"open {key}")
        return FakeGroup(self.log, key, self.fail_commit)

    def use_group(self, group: Group | None) -> None:
        assert group is None or isinstance(group, FakeGroup)
        self.current = group

    def call(self, name: str, key: Hashable | None, breaks: bool = False) -> Future[Any]:
        def work() -> str:
            where = "group" if self.current is not None else "alone"
            self.log.append(f"{name} {where}")
            if breaks and self.current is not None:
                self.current.broken = True
                raise RuntimeError("changed something, then failed")
            return name

        future = self.thread.submit(work, group_key=key)
        return future

    def hold(self) -> None:
        self.gate.clear()
        self.thread.submit(self.gate.wait)

    def release(self, futures: list[Future[Any]]) -> list[Any]:
        self.gate.set()
        return [f.result(timeout=10) for f in futures]


@pytest.fixture
def harness() -> Any:
    made = Harness()
    yield made
    made.gate.set()
    made.thread.shutdown(wait=True)


def test_calls_queued_together_run_as_one_group(harness: Harness) -> None:
    harness.hold()
    calls = [harness.call(f"c{n}", key=1) for n in range(4)]
    assert harness.release(calls) == ["c0", "c1", "c2", "c3"]
    assert harness.log == [
        "open 1", "c0 group", "c1 group", "c2 group", "c3 group", "commit 1",
    ]  # fmt: skip


def test_a_tenant_change_or_a_call_without_a_key_closes_the_group(harness: Harness) -> None:
    harness.hold()
    calls = [
        harness.call("a", key=1),
        harness.call("b", key=2),
        harness.call("c", key=None),
        harness.call("d", key=2),
    ]
    assert harness.release(calls) == ["a", "b", "c", "d"]
    assert harness.log == [
        "open 1", "a group", "commit 1",
        "open 2", "b group", "commit 2",
        "c alone",
        "open 2", "d group", "commit 2",
    ]  # fmt: skip


def test_a_broken_group_runs_each_call_again_alone(harness: Harness) -> None:
    harness.hold()
    ok = [harness.call("a", key=1), harness.call("b", key=1)]
    failing = harness.call("x", key=1, breaks=True)
    after = [harness.call("c", key=1)]
    assert harness.release(ok) == ["a", "b"]
    assert failing.result(timeout=10) == "x"  # alone, it did not break
    assert harness.release(after) == ["c"]
    assert harness.log == [
        "open 1", "a group", "b group", "x group", "discard 1",
        "a alone", "b alone", "x alone",
        "open 1", "c group", "commit 1",
    ]  # fmt: skip


def test_a_group_that_cannot_commit_runs_each_call_again_alone() -> None:
    harness = Harness(fail_commit=True)
    try:
        harness.hold()
        calls = [harness.call("a", key=1), harness.call("b", key=1)]
        assert harness.release(calls) == ["a", "b"]
        assert harness.log == [
            "open 1", "a group", "b group", "commit 1", "discard 1", "a alone", "b alone",
        ]  # fmt: skip
    finally:
        harness.gate.set()
        harness.thread.shutdown(wait=True)


def test_answers_wait_for_the_commit(harness: Harness) -> None:
    harness.hold()
    calls = [harness.call("a", key=1), harness.call("b", key=1)]
    opened: list[FakeGroup] = []
    original = harness.open_group

    def watched(key: Hashable) -> Group:
        group = original(key)
        assert isinstance(group, FakeGroup)
        group.held = calls  # checked at its commit
        opened.append(group)
        return group

    harness.thread._open_group = watched  # type: ignore[method-assign]
    assert harness.release(calls) == ["a", "b"]
    assert len(opened) == 1


def test_a_failing_call_alone_answers_its_error(harness: Harness) -> None:
    def refuse() -> None:
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        harness.thread.submit(refuse).result(timeout=10)
