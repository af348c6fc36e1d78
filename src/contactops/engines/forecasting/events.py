"""Known special days (holidays, campaigns, outages): left out of fitting, scaled in forecasts.

A :class:`KnownEvent` on a date in the history is, by default, treated as a missing day, so a
holiday or a one-off campaign does not distort the profile, the weekday effects or the level.
On a date in the forecast horizon its ``multiplier`` scales the expected calls of that day
(and the prediction interval is drawn around the scaled mean): 0 closes the day (a holiday),
1.3 is a campaign expected to bring 30 % more contacts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class KnownEvent:
    """A special day; ``queues`` limits it to some queues (empty = every queue)."""

    day: date
    multiplier: float = 1.0
    exclude_from_fit: bool = True
    name: str = ""
    queues: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not (self.multiplier >= 0 and np.isfinite(self.multiplier)):
            raise ValueError(f"multiplier: {self.multiplier} must be a finite number ≥ 0")

    def applies_to(self, queue: str) -> bool:
        return not self.queues or queue in self.queues


def excluded_days(events: Iterable[KnownEvent], queue: str) -> list[date]:
    """The days of ``queue`` to leave out of fitting."""
    return [e.day for e in events if e.exclude_from_fit and e.applies_to(queue)]


def closed_days(events: Iterable[KnownEvent], queue: str) -> set[date]:
    """The days ``queue`` is known to be closed (multiplier 0)."""
    return {e.day for e in events if e.multiplier == 0 and e.applies_to(queue)}


def day_multipliers(events: Sequence[KnownEvent], queue: str, start: date, days: int) -> FloatArray:
    """Π of the multipliers of ``queue``'s events per day of ``[start, start + days)``."""
    factors = np.ones(days)
    for offset in range(days):
        day = start + timedelta(days=offset)
        for event in events:
            if event.day == day and event.applies_to(queue):
                factors[offset] *= event.multiplier
    return factors
