"""What a simulation runs: queues with their demand, agents with skills and shifts, the rules.

Times inside a scenario are seconds from ``Scenario.start`` (an aware instant); the horizon is
cut into intervals of ``interval_s`` and each queue gives its expected arrivals per interval.
:mod:`.config` builds a scenario from a plain mapping (a YAML file) with local shift times.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from contactops.engines.events import Channel
from contactops.engines.routing import AgentSelection
from contactops.engines.simulation.distributions import Duration


@dataclass(frozen=True, slots=True)
class Overflow:
    """After ``after_s`` in the queue, a waiting contact moves to queue ``to`` (keeping its age)."""

    after_s: float
    to: str


@dataclass(frozen=True, slots=True)
class Callback:
    """Virtual hold: a caller who would wait longer than ``offer_after_s`` is offered a callback
    and accepts with ``accept_probability``; they keep their place and are called back when an
    agent reaches them. The expected wait is (contacts ahead + 1) · mean handle / agents able."""

    offer_after_s: float
    accept_probability: float


@dataclass(frozen=True, slots=True)
class Retrial:
    """A contact that abandons or is blocked tries again with ``probability`` after ``delay``,
    at most ``max_attempts`` times in all (the same customer, a new contact)."""

    probability: float
    delay: Duration
    max_attempts: int = 3


@dataclass(frozen=True, slots=True)
class Transfer:
    """After talking, ``probability`` of the answered contacts are transferred to queue ``to``."""

    probability: float
    to: str


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A queue: its demand (expected arrivals per interval) and how contacts behave in it."""

    code: str
    channel: Channel
    arrivals: tuple[float, ...]  # expected arrivals per interval of the horizon
    talk: Duration
    wrapup: Duration | None = None
    patience: Duration | None = None  # None: never abandons
    ring: Duration | None = None  # offer → answer (alerting), the agent is reserved meanwhile
    entry: Duration | None = None  # arrival → queue entry (IVR menu, pre-chat form)
    priority: int = 0
    head_start_s: float = 0.0
    concurrency: int = 1
    selection: AgentSelection = AgentSelection.LONGEST_IDLE
    overdispersion: float = 0.0  # coefficient of variation of a day's volume factor (gamma)
    max_wait_s: float | None = None  # timed out after this long in the queue
    max_waiting: int | None = None  # a contact arriving to this many waiting is blocked
    overflow: Overflow | None = None
    callback: Callback | None = None
    retrial: Retrial | None = None
    transfer: Transfer | None = None
    service_level_s: float = 20.0

    def __post_init__(self) -> None:
        bad = [x for x in self.arrivals if not math.isfinite(x) or x < 0]
        if bad:
            raise ValueError(f"queue {self.code!r}: arrivals must be finite and ≥ 0, got {bad[0]}")
        checks = {
            "concurrency": self.concurrency >= 1,
            "overdispersion": self.overdispersion >= 0,
            "max_wait_s": self.max_wait_s is None or self.max_wait_s > 0,
            "max_waiting": self.max_waiting is None or self.max_waiting >= 0,
            "service_level_s": self.service_level_s >= 0,
            "callback.accept_probability": self.callback is None
            or 0 <= self.callback.accept_probability <= 1,
            "retrial.probability": self.retrial is None or 0 <= self.retrial.probability <= 1,
            "retrial.max_attempts": self.retrial is None or self.retrial.max_attempts >= 1,
            "transfer.probability": self.transfer is None or 0 <= self.transfer.probability <= 1,
            "overflow.after_s": self.overflow is None or self.overflow.after_s >= 0,
        }
        for name, ok in checks.items():
            if not ok:
                raise ValueError(f"queue {self.code!r}: {name} is out of range")


@dataclass(frozen=True, slots=True)
class Shift:
    """Logged in over [start_s, end_s); breaks as (start_s, duration_s), taken when the agent
    is free (a break that falls due during a contact starts when it ends, full length)."""

    start_s: float
    end_s: float
    breaks: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        if not self.end_s > self.start_s:
            raise ValueError(f"a shift must end after it starts ({self.start_s}–{self.end_s} s)")
        for start_s, duration_s in self.breaks:
            if duration_s <= 0 or not self.start_s <= start_s < self.end_s:
                raise ValueError(f"break at {start_s} s lies outside its shift or is empty")


@dataclass(frozen=True, slots=True)
class AgentGroup:
    """``count`` agents alike: skills (queue code → level 1–10) and shifts (empty: always on)."""

    name: str
    count: int
    skills: Mapping[str, int]
    shifts: tuple[Shift, ...] = ()
    max_contacts: int = 1_000_000
    codes: tuple[str, ...] = ()  # agent codes; default name-1, name-2, ...

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError(f"agent group {self.name!r}: count must be ≥ 0")
        if not self.skills:
            raise ValueError(f"agent group {self.name!r}: needs at least one skill")
        if self.codes and len(self.codes) != self.count:
            raise ValueError(f"agent group {self.name!r}: {len(self.codes)} codes for {self.count}")

    def agent_codes(self) -> tuple[str, ...]:
        return self.codes or tuple(f"{self.name}-{n}" for n in range(1, self.count + 1))


@dataclass(frozen=True, slots=True)
class Customers:
    """Who calls: ``known_share`` of contacts come from a pool sized so that a known customer
    makes ``contacts_per_customer`` contacts on average (repeat contacts); the rest are
    anonymous. Retrials always keep their customer."""

    known_share: float = 0.0
    contacts_per_customer: float = 1.0


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    start: datetime  # aware; time 0 of the simulation
    interval_s: float  # length of an arrival interval
    queues: tuple[QueueSpec, ...]
    agents: tuple[AgentGroup, ...]
    lines: int | None = None  # phone lines: a call arriving when all are busy is blocked
    seed: int = 1
    warmup_s: float = 0.0  # contacts arriving earlier are simulated but not reported
    customers: Customers = field(default_factory=Customers)
    day_s: float = 86_400.0  # the period of the day-to-day volume factor
    time_zone: str = "UTC"  # where reports put interval boundaries

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if self.interval_s <= 0:
            raise ValueError("interval_s must be > 0")
        codes = [q.code for q in self.queues]
        if not codes or len(set(codes)) != len(codes):
            raise ValueError(f"queue codes must be unique and at least one, got {codes}")
        lengths = {len(q.arrivals) for q in self.queues}
        if len(lengths) != 1:
            raise ValueError("every queue needs arrivals for the same number of intervals")
        known = set(codes)
        for queue in self.queues:
            for rule, target in (("overflow", queue.overflow), ("transfer", queue.transfer)):
                if target is not None and target.to not in known:
                    raise ValueError(f"queue {queue.code!r}: {rule} to unknown queue {target.to!r}")
        for group in self.agents:
            unknown = sorted(set(group.skills) - known)
            if unknown:
                raise ValueError(f"agent group {group.name!r}: unknown queue(s) {unknown}")
        all_codes = [c for g in self.agents for c in g.agent_codes()]
        if len(set(all_codes)) != len(all_codes):
            raise ValueError("agent codes must be unique across groups")
        if self.lines is not None and self.lines < 0:
            raise ValueError("lines must be ≥ 0")

    @property
    def intervals(self) -> int:
        return len(self.queues[0].arrivals)

    @property
    def horizon_s(self) -> float:
        return self.intervals * self.interval_s

    def queue(self, code: str) -> QueueSpec:
        return next(q for q in self.queues if q.code == code)
