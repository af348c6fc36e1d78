"""Chat and messaging with concurrency: an agent who works k conversations at once.

Model ("k independent slots"): an agent with concurrency k is k identical servers. N agents
form N·k slots fed by one Poisson stream, and any Erlang model (B, C or A) applies to the slots
unchanged. ``aht_s`` is the handle time of *one* conversation as observed while agents juggle k
of them (measured from the event log, so the slowdown of multitasking is already in it).

Consequences:

- required agents = ⌈required slots / k⌉; because every metric is monotone in slots this is
  exactly the fewest agents whose N·k slots meet the targets;
- occupancy is reported per agent as the busy share of its k slots, A/(N·k).

What the model ignores, and when not to trust it:

- handle-time inflation with k is not modelled: ``aht_s`` must be the handle time *at* the
  concurrency planned; re-plan with a new ``aht_s`` when k changes;
- agents are assumed to run at full concurrency; an agent with one chat is not "less busy"
  (in reality agents below k may work faster, and routing may not fill slots evenly);
- customer think-time between messages is part of ``aht_s``; asynchronous messaging whose
  conversations span hours is better planned as a backlog (workload) than as a queue.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .erlang import IntArray, as_count_array


def as_concurrency(concurrency: npt.ArrayLike) -> IntArray:
    """``concurrency`` as whole numbers k ≥ 1; else ValueError naming the argument."""
    k = as_count_array("concurrency", concurrency)
    if np.any(k < 1):
        raise ValueError("concurrency must be ≥ 1 (conversations an agent handles at once)")
    return k


def slots(agents: npt.ArrayLike, concurrency: npt.ArrayLike) -> IntArray:
    """Slots = N·k: the servers the Erlang models see."""
    return as_count_array("agents", agents) * as_concurrency(concurrency)


def agents_for_slots(slot_count: npt.ArrayLike, concurrency: npt.ArrayLike) -> IntArray:
    """N = ⌈slots / k⌉: the fewest agents that provide ``slot_count`` slots."""
    s = as_count_array("slot_count", slot_count)
    k = as_concurrency(concurrency)
    return np.asarray(-(-s // k), dtype=np.int64)
