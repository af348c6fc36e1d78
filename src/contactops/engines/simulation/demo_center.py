"""A demo center as a planner describes it: queues with their weekly and daily demand, agents
with their skills. :mod:`.demo_history` simulates it, :mod:`.demo_shifts` staffs it."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from contactops.engines.events import Channel

WEEKDAY_FACTORS = (1.12, 1.03, 1.0, 0.97, 0.88)  # Monday..Friday; their mean is 1


@dataclass(frozen=True)
class DemoQueue:
    """A queue's demand and service profile, as a planner would describe it."""

    code: str
    channel: Channel
    weekday_contacts: float  # expected contacts on a weekday (Mon-Fri)
    saturday_share: float  # Saturday volume as a fraction of a weekday (0 = closed)
    sunday_share: float
    aht_s: float  # mean handle time (talk + hold + wrap) in seconds
    wrapup_s: float  # mean after-contact work in seconds (part of aht_s)
    patience_s: float | None  # mean patience (exponential); None = never abandons (e-mail)
    open_hour: int = 8  # local opening hour
    close_hour: int = 20  # local closing hour (exclusive)
    concurrency: int = 1  # contacts an agent handles at once (chat 2-3)

    def __post_init__(self) -> None:
        problems = {
            "weekday_contacts": self.weekday_contacts < 0,
            "saturday_share": self.saturday_share < 0,
            "sunday_share": self.sunday_share < 0,
            "aht_s": self.aht_s <= 0,
            "wrapup_s": not 0 <= self.wrapup_s < self.aht_s,
            "patience_s": self.patience_s is not None and self.patience_s <= 0,
            "open_hour": not 0 <= self.open_hour < self.close_hour,
            "close_hour": self.close_hour > 24,
            "concurrency": self.concurrency < 1,
        }
        for name, wrong in problems.items():
            if wrong:
                raise ValueError(f"queue {self.code!r}: {name}={getattr(self, name)!r} is invalid")

    def day_share(self, day: date) -> float:
        """The day's volume as a fraction of an average weekday."""
        weekday = day.weekday()
        if weekday < 5:
            return WEEKDAY_FACTORS[weekday]
        return self.saturday_share if weekday == 5 else self.sunday_share


@dataclass(frozen=True)
class DemoAgent:
    code: str
    queues: tuple[str, ...]  # queue codes this agent is skilled for
    levels: Mapping[str, int] = field(default_factory=dict)  # skill level per queue (default 5)


def intraday_weight(hour: float) -> float:
    """Relative arrival rate at a local hour: peaks at 10:30 and 14:30, a lunch dip between,
    and a base level that declines after 16:00."""
    base = max(0.1, 0.3 - 0.03 * max(0.0, hour - 16.0))
    morning = math.exp(-0.5 * ((hour - 10.5) / 1.1) ** 2)
    afternoon = 0.7 * math.exp(-0.5 * ((hour - 14.5) / 1.2) ** 2)
    return base + morning + afternoon
