"""What ends a wait in a queue, and when a caller is offered a callback — the queue rules the
live router and the simulator apply the same way.

- A waiting contact leaves at the first of: its patience runs out (abandoned), the queue's
  maximum wait (timed out), the queue's overflow time (moves to the overflow queue, keeping its
  age). At one instant the order is abandon, time-out, overflow: a customer who hangs up is
  not routed anywhere. A callback leg never leaves by itself: the customer is off the line.
- Virtual hold: a caller is offered a callback when the expected wait exceeds the queue's
  threshold; expected wait = (contacts waiting, this one included) × mean handle time /
  logged-in agents skilled for the queue (infinite with nobody logged in).
"""

from __future__ import annotations

import enum
import math


class WaitExit(enum.StrEnum):
    ABANDON = "abandon"
    TIME_OUT = "time_out"
    OVERFLOW = "overflow"


def wait_exit(
    entered_s: float,
    patience_deadline_s: float,
    max_wait_s: float | None = None,
    overflow_after_s: float | None = None,
) -> tuple[float, WaitExit] | None:
    """When a wait that began at ``entered_s`` ends, and how; None if it never ends by itself."""
    candidates = [(patience_deadline_s, 0, WaitExit.ABANDON)]
    if max_wait_s is not None:
        candidates.append((entered_s + max_wait_s, 1, WaitExit.TIME_OUT))
    if overflow_after_s is not None:
        candidates.append((entered_s + overflow_after_s, 2, WaitExit.OVERFLOW))
    at_s, _order, exit_ = min(candidates)
    return None if at_s == math.inf else (at_s, exit_)


def expected_wait_s(waiting: int, mean_handle_s: float, staffed: int) -> float:
    """(waiting) · mean handle / staffed agents; ``waiting`` counts the contact itself."""
    return math.inf if staffed <= 0 else waiting * mean_handle_s / staffed


def offer_callback(
    waiting: int, mean_handle_s: float, staffed: int, offer_after_s: float | None
) -> bool:
    """Whether to offer a callback to a contact that just joined a queue."""
    if offer_after_s is None:
        return False
    return expected_wait_s(waiting, mean_handle_s, staffed) > offer_after_s
