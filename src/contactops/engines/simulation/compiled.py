"""Compile the simulator's and the router's Numba functions ahead of their first real use.

Numba compiles on first call and caches the machine code next to the sources; the first
compilation of the engine takes a couple of minutes, later processes load it in well under a
second. ``make install`` calls :func:`compile_all` once so that no page or command waits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from contactops.engines.events import Channel
from contactops.engines.routing import Router, RoutingAgent, RoutingQueue
from contactops.engines.simulation.distributions import Duration
from contactops.engines.simulation.engine import run_general
from contactops.engines.simulation.fast import run_fast
from contactops.engines.simulation.scenario import AgentGroup, QueueSpec, Scenario


def compile_all() -> None:
    """Run a tiny scenario through both engines and the router's Python face."""
    queue = QueueSpec(
        "q", Channel.PHONE, (10.0,), Duration.exponential(60), patience=Duration.exponential(60)
    )
    scenario = Scenario(
        "compile", datetime(2026, 1, 5, tzinfo=UTC), 1800, (queue,), (AgentGroup("a", 2, {"q": 5}),)
    )
    run_general(scenario)
    run_fast(scenario)
    router = Router([RoutingQueue("q")], [RoutingAgent("a", {"q": 5})])
    router.make_available(0, 0.0)
    router.arrive("first", 0, 1.0)
    router.arrive("second", 0, 2.0)
    router.withdraw("second")
    router.release(0, 0, 3.0)
    router.make_unavailable(0)
    router.waiting(0)
    router.open_contacts(0)
    router.can_take(0, 0)
    router.assign(0, 0, force=True)
    router.arrive("third", 0, 4.0, preferred=0)
    router.waiting_in(0)


if __name__ == "__main__":
    compile_all()
