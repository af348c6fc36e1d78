"""REST: what-if simulations — run a scenario, compare a variant with its base, and build a
scenario from the tenant's own history. Runs answer while the caller waits, within the
interactive size limit (the command line has none)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fastapi import Depends, Query, Request

from contactops.domains.simulation import service
from contactops.domains.simulation.schemas import (
    ChangesRequest,
    CompareRequest,
    Comparison,
    SimulationReport,
    SimulationRequest,
)
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.errors import InvalidInput
from contactops.platform.i18n import gettext as _
from contactops.platform.web import api_router

router = api_router("/simulations", "simulations")


def _within(error: InvalidInput, field: str) -> InvalidInput:
    """The same error, its field named from the request's root (``base.queues[0].talk``)."""
    inner = error.field
    return InvalidInput(field if inner == "scenario" else f"{field}.{inner}", error.detail)


def variant_from(scenario: str | Mapping[str, Any], field: str) -> service.Variant:
    """A scenario given as file text or as a mapping → a validated variant; errors name
    ``field`` and the path inside it."""
    try:
        if isinstance(scenario, str):
            return service.parse_scenario(scenario)
        return service.variant_of(dict(scenario))
    except InvalidInput as error:
        raise _within(error, field) from None


def replications_for(requested: int | None, variant: service.Variant) -> int:
    """The requested replications, else the scenario's own ``replications``, else 1."""
    if requested is not None:
        return requested
    given = variant.mapping.get("replications", 1)
    if isinstance(given, bool) or not isinstance(given, int):
        raise InvalidInput("replications", _("Replications must be a whole number."))
    return given


def changes_of(body: ChangesRequest | None) -> service.Changes:
    if body is None:
        return service.Changes()
    return service.Changes(
        agents=body.agents,
        selection=body.selection,
        overflow=(
            {code: (o.after_s, o.to) for code, o in body.overflow.items()}
            if body.overflow is not None
            else None
        ),
    )


def apply_changes(base: service.Variant, changes: service.Changes, field: str) -> service.Variant:
    try:
        return service.apply_changes(base.mapping, changes)
    except InvalidInput as error:
        raise _within(error, field) from None


@router.post("", response_model=SimulationReport)
def simulate(
    body: SimulationRequest, _principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> dict[str, Any]:
    """Run replications of a scenario; every KPI per queue and for the whole center, with its
    95% interval, and the interval KPIs. Errors name the field (``scenario.queues[0].talk``)."""
    variant = variant_from(body.scenario, "scenario")
    report = service.run(variant, replications_for(body.replications, variant))
    return service.report_dict(report)


@router.post("/compare", response_model=Comparison)
def compare(
    body: CompareRequest, _principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> dict[str, Any]:
    """Run the base and the variant (the base with ``changes``) with the same seeds, so the
    difference comes from the changes rather than from chance (common random numbers)."""
    base = variant_from(body.base, "base")
    variant = apply_changes(base, changes_of(body.changes), "changes")
    replications = replications_for(body.replications, base)
    base_report = service.report_dict(service.run(base, replications))
    variant_report = service.report_dict(service.run(variant, replications))
    differences, distinct = service.compare_reports(base_report, variant_report)
    return {
        "base": base_report,
        "variant": variant_report,
        "differences": differences,
        "distinct": distinct,
    }


@router.get("/tenant-scenario")
def tenant_scenario(
    request: Request,
    day: date | None = Query(None, description="The day to model (default: tomorrow)"),
    principal: Principal = Depends(require(Permission.VIEW_PLAN)),
) -> dict[str, Any]:
    """A one-day scenario from this tenant's queues, agents and the last four weeks of history
    on the same weekday, in the tenant's time zone; edit it and run it with POST."""
    return service.tenant_scenario(request.app.state.db, principal, principal.time_zone, day)
