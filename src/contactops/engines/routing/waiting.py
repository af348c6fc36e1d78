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

from numba import njit


class WaitExit(enum.StrEnum):
    ABANDON = "abandon"
    TIME_OUT = "time_out"
    OVERFLOW = "overflow"


EXITS = tuple(WaitExit)  # a wait's exit code is its index here


@njit(cache=True)
def wait_end(
    entered_s: float, patience_deadline_s: float, max_wait_s: float, overflow_after_s: float
) -> tuple[float, int]:
    """(when, exit code in :data:`EXITS`) of a wait that began at ``entered_s``; a queue
    without a maximum wait or an overflow passes ``inf``. The time is ``inf`` if the wait
    never ends by itself."""
    at_s, code = patience_deadline_s, 0
    if entered_s + max_wait_s < at_s:
        at_s, code = entered_s + max_wait_s, 1
    if entered_s + overflow_after_s < at_s:
        at_s, code = entered_s + overflow_after_s, 2
    return at_s, code


def wait_exit(
    entered_s: float,
    patience_deadline_s: float,
    max_wait_s: float | None = None,
    overflow_after_s: float | None = None,
) -> tuple[float, WaitExit] | None:
    """When a wait that began at ``entered_s`` ends, and how; None if it never ends by itself."""
    at_s, code = wait_end(
        entered_s,
        patience_deadline_s,
        math.inf if max_wait_s is None else max_wait_s,
        math.inf if overflow_after_s is None else overflow_after_s,
    )
    return None if at_s == math.inf else (at_s, EXITS[code])


@njit(cache=True)
def expected_wait_s(waiting: int, mean_handle_s: float, staffed: int) -> float:
    """(waiting) · mean handle / staffed agents; ``waiting`` counts the contact itself."""
    return math.inf if staffed <= 0 else waiting * mean_handle_s / staffed


@njit(cache=True)
def callback_due(waiting: int, mean_handle_s: float, staffed: int, offer_after_s: float) -> bool:
    """Whether to offer a callback to a contact that just joined a queue; a queue without
    callbacks passes NaN."""
    if math.isnan(offer_after_s):
        return False
    return expected_wait_s(waiting, mean_handle_s, staffed) > offer_after_s


def offer_callback(
    waiting: int, mean_handle_s: float, staffed: int, offer_after_s: float | None
) -> bool:
    """Whether to offer a callback to a contact that just joined a queue."""
    return bool(
        callback_due(
            waiting, mean_handle_s, staffed, math.nan if offer_after_s is None else offer_after_s
        )
    )
