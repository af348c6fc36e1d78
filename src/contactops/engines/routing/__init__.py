"""Routing policies: which waiting contact goes to which agent.

One implementation serves the live center and the simulator, so a what-if run routes exactly as
production would: :mod:`.router` (who takes which contact), :mod:`.waiting` (what ends a
wait, when to offer a callback) and :mod:`.occupancy` (the rest an occupancy cap asks for).
"""

from contactops.engines.routing.occupancy import OccupancyWindow, occupancy, rest_needed_s
from contactops.engines.routing.router import (
    AgentSelection,
    Router,
    RoutingAgent,
    RoutingQueue,
)
from contactops.engines.routing.waiting import (
    WaitExit,
    expected_wait_s,
    offer_callback,
    wait_exit,
)

__all__ = [
    "AgentSelection",
    "OccupancyWindow",
    "Router",
    "RoutingAgent",
    "RoutingQueue",
    "WaitExit",
    "expected_wait_s",
    "occupancy",
    "offer_callback",
    "rest_needed_s",
    "wait_exit",
]
