"""Shapes of the staffing calculator: one input row, its answer, or the error that stopped it.

A row is one interval of one queue. Fractions are fractions (0.8, not 80); times are seconds.
The same shapes serve the CLI (``contactops staffing``, one JSON line each) and the REST API.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

ModelName = Literal["erlang_b", "erlang_c", "erlang_a"]
MAX_ROWS_PER_REQUEST = 100_000
MAX_AGENTS = 100_000


def _whole_float_as_int(value: Any) -> Any:
    """13.0 is 13 (JSON writers often print integers as floats); 13.5 stays an error."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_float_as_int)]


class StaffingRow(BaseModel):
    """One interval to evaluate (``agents`` / ``lines`` given) or to staff (targets given).

    Strict types: ``"100"`` is not a number and ``true`` is not 1.
    """

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)

    model: ModelName = Field(description="erlang_b (blocked calls lost), erlang_c, erlang_a")
    calls: float = Field(ge=0, le=1e9, description="Arrivals in the interval")
    interval_s: float = Field(gt=0, le=7 * 86_400, description="Length of the interval")
    aht_s: float = Field(gt=0, le=86_400, description="Average handle time")
    agents: WholeNumber | None = Field(
        None, ge=0, le=MAX_AGENTS, description="Evaluate this staffing instead of solving for it"
    )
    lines: WholeNumber | None = Field(
        None, ge=0, le=MAX_AGENTS, description="erlang_b: evaluate this many lines"
    )
    target_sl: float | None = Field(
        None, gt=0, lt=1, description="Fraction answered within target_s"
    )
    target_s: float | None = Field(
        None, ge=0, le=86_400, description="Service-level threshold (answered within)"
    )
    target_asa_s: float | None = Field(None, gt=0, le=86_400, description="Maximum ASA")
    max_abandon: float | None = Field(
        None, gt=0, le=1, description="erlang_a: maximum fraction abandoned"
    )
    max_occupancy: float | None = Field(None, gt=0, le=1, description="Maximum occupancy")
    max_blocking: float | None = Field(
        None, gt=0, lt=1, description="erlang_b: maximum fraction of calls blocked"
    )
    patience_s: float | None = Field(
        None, gt=0, le=86_400, description="erlang_a: mean time a caller waits before abandoning"
    )
    shrinkage: float = Field(0.0, ge=0, lt=1, description="Fraction of paid time not on contacts")
    concurrency: WholeNumber = Field(
        1, ge=1, le=50, description="Contacts an agent handles at once"
    )


class StaffingResult(BaseModel):
    """The staffing and what it achieves; ``None`` where a metric does not apply or is not finite.

    ``agents`` counts lines for erlang_b. ``feasible`` is false when the model has no steady state
    at this staffing (load at or above capacity) or when no staffing up to the solver's limit
    meets the targets.
    """

    agents: int | None
    scheduled_agents: int | None = Field(description="agents / (1 − shrinkage), rounded up")
    service_level: float | None
    asa_s: float | None
    p_wait: float | None
    p_abandon: float | None
    occupancy: float | None
    p_block: float | None
    feasible: bool


class StaffingError(BaseModel):
    """An input row that could not be answered: why, which field, which line (1-based)."""

    error: str
    field: str | None = None
    line: int


class StaffingRequest(BaseModel):
    """A batch: each row is checked on its own, so one bad row does not fail the others."""

    rows: list[Any] = Field(
        max_length=MAX_ROWS_PER_REQUEST,
        description="Objects with the fields of a staffing row (see `contactops staffing batch`)",
        examples=[
            [
                {
                    "model": "erlang_c",
                    "calls": 100,
                    "interval_s": 1800,
                    "aht_s": 180,
                    "target_sl": 0.8,
                    "target_s": 20,
                    "shrinkage": 0.3,
                },
                {
                    "model": "erlang_b",
                    "calls": 100,
                    "interval_s": 1800,
                    "aht_s": 180,
                    "max_blocking": 0.01,
                },
            ]
        ],
    )


class StaffingResponse(BaseModel):
    results: list[StaffingResult | StaffingError] = Field(description="One item per row, in order")
