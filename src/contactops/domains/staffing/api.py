"""REST: the staffing calculator, many rows per request (pure computation, no tenant data)."""

from __future__ import annotations

from fastapi import Depends
from fastapi.responses import Response

from contactops.domains.staffing import service
from contactops.domains.staffing.schemas import StaffingRequest, StaffingResponse
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.web import api_router

router = api_router("/staffing", "staffing")


@router.post("", response_model=StaffingResponse)
def staff_rows(
    body: StaffingRequest, _principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> Response:
    """Evaluate or staff each row; a row that is not valid gets an error item in its place.

    A row with ``agents`` (``lines`` for erlang_b) is evaluated; without, the fewest agents
    meeting its targets are found. ``results[i]`` answers ``rows[i]``.
    """
    answers = service.answer_rows(body.rows)
    return Response(service.response_json(answers), media_type="application/json")
