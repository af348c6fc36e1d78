"""Agent occupancy and the occupancy cap.

Occupancy = time on contacts (busy) ÷ time staffed; staffed time counts busy and idle time
alike. A center that caps occupancy (say at 0.85, against burn-out) keeps an agent idle after a
contact for the time it needs to come back under the cap over a rolling window before the
router offers it the next one.
"""

from __future__ import annotations

import math


def occupancy(busy_s: float, staffed_s: float) -> float:
    """busy ÷ staffed; 0 when staffed is 0."""
    _check_seconds(busy_s=busy_s, staffed_s=staffed_s)
    return busy_s / staffed_s if staffed_s > 0 else 0.0


def rest_needed_s(busy_s: float, staffed_s: float, cap: float | None) -> float:
    """The idle seconds to add so that busy ÷ (staffed + rest) ≤ cap: max(0, busy / cap −
    staffed); 0 without a cap (None) or with a cap of 1. Raises ValueError unless 0 < cap ≤ 1."""
    _check_seconds(busy_s=busy_s, staffed_s=staffed_s)
    if cap is None:
        return 0.0
    if not 0.0 < cap <= 1.0:
        raise ValueError(f"occupancy cap must be in (0, 1], got {cap}")
    if cap == 1.0:
        return 0.0
    return max(0.0, busy_s / cap - staffed_s)


def _check_seconds(**seconds: float) -> None:
    for name, value in seconds.items():
        if not value >= 0.0:
            raise ValueError(f"{name} must be ≥ 0, got {value}")


class OccupancyWindow:
    """One agent's busy and staffed seconds over the last ``window_s`` (default an hour).

    The agent's staffed time is given as intervals, each added once when it ends with
    ``add(start_s, end_s, busy)``: busy (on a contact, wrap-up included) or idle. Intervals of
    one agent do not overlap. At ``now_s`` each interval counts for the part of it inside
    ``[now_s − window_s, now_s]``: staffed seconds sum every interval, busy seconds only the
    busy ones. Queries move forward in time: the intervals that ended before a query's window
    are forgotten, so a later query may not start its window earlier (ValueError).
    """

    def __init__(self, window_s: float = 3600.0) -> None:
        if not 0.0 < window_s < math.inf:
            raise ValueError(f"window_s must be a positive number of seconds, got {window_s}")
        self.window_s = window_s
        self._intervals: list[tuple[float, float, bool]] = []
        self._forgotten_before_s = -math.inf

    def add(self, start_s: float, end_s: float, busy: bool) -> None:
        """Record staffed time from ``start_s`` to ``end_s``, on contacts if ``busy``."""
        if not start_s <= end_s:
            raise ValueError(f"interval ends before it starts: {start_s} > {end_s}")
        self._intervals.append((start_s, end_s, busy))

    def busy_s(self, now_s: float) -> float:
        """Seconds on contacts inside ``[now_s − window_s, now_s]``."""
        return self._within(now_s, busy_only=True)

    def staffed_s(self, now_s: float) -> float:
        """Seconds staffed (busy or idle) inside ``[now_s − window_s, now_s]``."""
        return self._within(now_s, busy_only=False)

    def occupancy(self, now_s: float) -> float:
        """busy ÷ staffed over the window; 0 when nothing was staffed."""
        return occupancy(self.busy_s(now_s), self.staffed_s(now_s))

    def _within(self, now_s: float, busy_only: bool) -> float:
        from_s = now_s - self.window_s
        if from_s < self._forgotten_before_s:
            raise ValueError(
                f"now_s {now_s} is before an earlier query's window "
                f"(from {self._forgotten_before_s}); queries must move forward in time"
            )
        self._intervals = [interval for interval in self._intervals if interval[1] > from_s]
        self._forgotten_before_s = from_s
        total = 0.0
        for start_s, end_s, busy in self._intervals:
            if busy or not busy_only:
                total += max(0.0, min(end_s, now_s) - max(start_s, from_s))
        return total
