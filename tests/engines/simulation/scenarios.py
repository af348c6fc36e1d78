"""Small scenarios the simulation tests share."""

from __future__ import annotations

from datetime import UTC, datetime

from contactops.engines.events import Channel
from contactops.engines.simulation.distributions import Duration
from contactops.engines.simulation.scenario import AgentGroup, QueueSpec, Scenario

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def single_queue(
    *,
    agents: int,
    rate_per_s: float,
    aht_s: float,
    patience_s: float | None = None,
    hours: float = 8,
    interval_s: float = 1800,
    warmup_s: float = 0.0,
    seed: int = 1,
    **queue_options: object,
) -> Scenario:
    """M/M/N (+M with ``patience_s``): one queue, exponential handle time and patience."""
    intervals = round(hours * 3600 / interval_s)
    queue = QueueSpec(
        "q",
        Channel.PHONE,
        (rate_per_s * interval_s,) * intervals,
        Duration.exponential(aht_s),
        patience=None if patience_s is None else Duration.exponential(patience_s),
        **queue_options,  # type: ignore[arg-type]
    )
    return Scenario(
        "single", START, interval_s, (queue,), (AgentGroup("a", agents, {"q": 5}),),
        seed=seed, warmup_s=warmup_s,
    )  # fmt: skip
