"""In-process publish/subscribe between the live center's transactions (worker threads) and
the open desktops, chat windows and wallboards (asyncio tasks).

A topic is a tuple such as ``(tenant_id, "agent", agent_id)``. Messages to a subscriber whose
queue is full are dropped: every message only says "look again", so the newest is enough.
With several web workers, the center host's hub forwards every message to the workers
(:mod:`.link`), whose hubs deliver them to their own subscribers.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager, suppress
from typing import Any

QUEUE_SIZE = 16


class Subscription:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)

    def deliver(self, message: dict[str, Any]) -> None:
        with suppress(asyncio.QueueFull):
            self.queue.put_nowait(message)

    async def get(self, timeout_s: float) -> dict[str, Any] | None:
        """The next message, or None after ``timeout_s`` (time to send a keep-alive)."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout_s)
        except TimeoutError:
            return None


class Hub:
    def __init__(self) -> None:
        self._subscribers: dict[Hashable, set[Subscription]] = {}
        self._lock = threading.Lock()
        # Also called with every message published here (the center host's link to workers).
        self.forward: Callable[[Hashable, dict[str, Any]], None] | None = None

    @asynccontextmanager
    async def subscribe(self, topic: Hashable) -> AsyncIterator[Subscription]:
        subscription = Subscription(asyncio.get_running_loop())
        with self._lock:
            self._subscribers.setdefault(topic, set()).add(subscription)
        try:
            yield subscription
        finally:
            with self._lock:
                subscribers = self._subscribers.get(topic, set())
                subscribers.discard(subscription)
                if not subscribers:
                    self._subscribers.pop(topic, None)

    def publish(self, topic: Hashable, message: dict[str, Any]) -> None:
        """Deliver ``message`` to the topic's subscribers; safe from any thread."""
        with self._lock:
            subscribers = list(self._subscribers.get(topic, ()))
        self._deliver(subscribers, message)
        if self.forward is not None:
            self.forward(topic, message)

    def publish_everywhere(self, message: dict[str, Any]) -> None:
        """Deliver ``message`` to every subscriber of every topic (here only)."""
        with self._lock:
            subscribers = [s for topic in self._subscribers.values() for s in topic]
        self._deliver(subscribers, message)

    @staticmethod
    def _deliver(subscribers: list[Subscription], message: dict[str, Any]) -> None:
        for subscription in subscribers:
            if subscription.loop.is_closed():
                continue
            subscription.loop.call_soon_threadsafe(subscription.deliver, message)

    def subscribers(self, topic: Hashable) -> int:
        with self._lock:
            return len(self._subscribers.get(topic, ()))
