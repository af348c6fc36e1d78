"""Routing policies: which waiting contact goes to which agent.

One implementation serves the live center and the simulator (see :mod:`.router`), so a what-if
run routes exactly as production would.
"""

from contactops.engines.routing.router import (
    AgentSelection,
    Router,
    RoutingAgent,
    RoutingQueue,
)

__all__ = ["AgentSelection", "Router", "RoutingAgent", "RoutingQueue"]
