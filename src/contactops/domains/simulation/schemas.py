"""Shapes of the what-if API: a scenario to run, a base and the changes of a variant, reports.

A scenario is the text of a scenario file (YAML or JSON) or the same content as a JSON object;
its format is in ``docs/simulation.md``. Fractions are fractions (0.8, not 80); times are seconds.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

TWO_AGENTS = {
    "name": "One queue",
    "start": "2026-11-23T08:00",
    "time_zone": "Europe/Oslo",
    "interval_minutes": 30,
    "intervals": 2,
    "queues": [{"code": "billing", "arrivals": {"per_hour": 20}, "talk": 180, "patience": 120}],
    "agents": [{"group": "billing", "count": 2, "skills": ["billing"]}],
}


class SimulationRequest(BaseModel):
    """Replications of one scenario."""

    model_config = ConfigDict(extra="forbid")

    scenario: str | dict[str, Any] = Field(
        description="The scenario: a scenario file's text (YAML or JSON) or a JSON object",
        examples=[TWO_AGENTS],
    )
    replications: int | None = Field(
        None, description="Independent replications (default: the scenario's, else 1)"
    )


class OverflowChange(BaseModel):
    """Send a contact still waiting after ``after_s`` to queue ``to``; after_s ≤ 0 removes it."""

    model_config = ConfigDict(extra="forbid")

    after_s: float = Field(description="Seconds waited before the contact overflows")
    to: str = Field("", description="Code of the queue it overflows to")


class ChangesRequest(BaseModel):
    """What the variant changes in the base; what is not named stays as in the base."""

    model_config = ConfigDict(extra="forbid")

    agents: dict[str, int] | None = Field(None, description="Agents per agent group")
    selection: dict[str, str] | None = Field(
        None, description="Agent selection per queue: longest_idle or best_skill"
    )
    overflow: dict[str, OverflowChange] | None = Field(None, description="Overflow per queue")


class CompareRequest(BaseModel):
    """A base scenario and a variant of it, both run with the same seeds."""

    model_config = ConfigDict(extra="forbid")

    base: str | dict[str, Any] = Field(
        description="The base scenario: text (YAML or JSON) or a JSON object",
        examples=[TWO_AGENTS],
    )
    changes: ChangesRequest | None = Field(
        None,
        description="What the variant changes (none: the variant is the base)",
        examples=[{"agents": {"billing": 3}}],
    )
    replications: int | None = Field(
        None, description="Independent replications of each (default: the base's, else 1)"
    )


class Estimate(BaseModel):
    mean: float | None = Field(description="Mean over replications")
    half_width: float | None = Field(
        description="Half-width of the 95% Student-t interval (null with one replication)"
    )


class SummaryFigure(Estimate):
    kpi: str = Field(description="The catalog KPI behind the figure")


class IntervalRow(BaseModel):
    interval: str = Field(description="Start of the interval, local time of the scenario (ISO)")
    queue: str | None
    offered: float | None
    abandon_rate: float | None
    sl_abandons_against: float | None
    asa: float | None


class SimulationReport(BaseModel):
    """KPIs per scope ("all", then each queue code) with 95% intervals, and per interval."""

    scenario: str
    engine: str
    replications: int
    seeds: list[int]
    contacts: list[int] = Field(description="Contacts per replication")
    events: list[int] = Field(description="Events per replication")
    contacts_per_second: float | None
    time_zone: str
    scopes: list[str]
    kpis: dict[str, dict[str, Estimate]] = Field(description="scope → KPI id → estimate")
    kpi_ids: list[str]
    confidence: float = Field(description="Level of the intervals (0.95)")
    summary: dict[str, dict[str, SummaryFigure]] = Field(
        description="scope → service_level, asa_s, abandon_rate, aht_s, occupancy, offered, "
        "answered, abandoned, blocked"
    )
    intervals: list[IntervalRow] = Field(description="Means over replications")


class Comparison(BaseModel):
    """Both reports, the variant's mean minus the base's per scope and KPI, and where the two
    95% intervals do not overlap (a difference the replications can tell apart)."""

    base: SimulationReport
    variant: SimulationReport
    differences: dict[str, dict[str, float | None]] = Field(
        description="scope → KPI id → variant mean − base mean (null when either is unknown)"
    )
    distinct: dict[str, dict[str, bool]] = Field(
        description="scope → KPI id → whether the two 95% intervals do not overlap"
    )
