"""Turning errors into answers: problem+json for ``/api``, friendly pages for everything else."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from contactops.platform.errors import (
    DomainError,
    NotAuthenticated,
    Problem,
    TooManyRequests,
    problem_from,
)
from contactops.platform.i18n import gettext as _
from contactops.platform.web import render

log = logging.getLogger("contactops.errors")
PROBLEM_JSON = "application/problem+json"


def is_api_request(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.as_dict(), status_code=problem.status, media_type=PROBLEM_JSON, headers=headers
    )


def _error_page(request: Request, problem: Problem) -> Response:
    return render(
        request,
        "error.html",
        {"problem": problem, "request_id": getattr(request.state, "request_id", "")},
        status_code=problem.status,
        title=problem.title,
    )


def _respond(request: Request, problem: Problem, headers: dict[str, str] | None = None) -> Response:
    if is_api_request(request):
        return _problem_response(problem, headers)
    response = _error_page(request, problem)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


async def handle_domain_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)
    if isinstance(error, NotAuthenticated) and not is_api_request(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    headers = {}
    if isinstance(error, TooManyRequests):
        headers["Retry-After"] = str(error.retry_after_s)
    if isinstance(error, NotAuthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="contactops"'
    problem = problem_from(error, instance=request.url.path)
    problem.title = _(error.title)
    return _respond(request, problem, headers)


def _field_name(location: tuple[object, ...] | list[object]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "form")]
    return ".".join(parts) or ".".join(str(part) for part in location)


async def handle_validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    errors = [
        {"field": _field_name(item["loc"]), "message": str(item["msg"])} for item in error.errors()
    ]
    fields = ", ".join(item["field"] for item in errors)
    problem = Problem(
        status=422,
        title=_("Invalid input"),
        detail=_("Check these fields: %(fields)s", fields=fields),
        type="/problems/invalid-input",
        instance=request.url.path,
        errors=errors,
    )
    return _respond(request, problem)


async def handle_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    titles = {
        404: _("Not found"),
        405: _("Method not allowed"),
        401: _("Not authenticated"),
        403: _("Forbidden"),
    }
    title = titles.get(error.status_code, _("Request failed"))
    detail = (
        _("There is nothing at this address.") if error.status_code == 404 else str(error.detail)
    )
    problem = Problem(
        status=error.status_code, title=title, detail=detail, instance=request.url.path
    )
    return _respond(request, problem, dict(error.headers or {}))


async def handle_unexpected_error(request: Request, error: Exception) -> Response:
    request_id = getattr(request.state, "request_id", "")
    log.exception(
        "unhandled error in %s %s [request %s]", request.method, request.url.path, request_id
    )
    problem = Problem(
        status=500,
        title=_("Something went wrong"),
        detail=_(
            "The error was logged with reference %(ref)s. Please try again later.", ref=request_id
        ),
        instance=request.url.path,
    )
    # This handler runs outside the request-context middleware, so it sets the id itself.
    return _respond(request, problem, {"X-Request-ID": request_id})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, handle_domain_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(Exception, handle_unexpected_error)
