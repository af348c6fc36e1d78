"""Domain errors and how the web layer shows them.

Services raise :class:`DomainError` subclasses naming the field and the reason. The API answers
with RFC 9457 problem+json; pages answer with a friendly page (or a redirect to the login).
Nothing unexpected ever reaches a user as a stack trace: it is logged with a request id and the
user sees that id.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """An error a user can act on; ``detail`` is already translated."""

    status = 400
    title = "Bad request"
    type_slug = "bad-request"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled whole, attributes included (a refusal crosses from one process to another)."""
        return (_rebuilt, (type(self), self.__dict__))


def _rebuilt(cls: type[DomainError], state: dict[str, object]) -> DomainError:
    error = cls.__new__(cls)
    Exception.__init__(error, state["detail"])
    error.__dict__.update(state)
    return error


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"
    type_slug = "invalid-input"

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message, errors=[FieldError(field_name, message)])
        self.field = field_name


class NotAuthenticated(DomainError):
    status = 401
    title = "Not authenticated"
    type_slug = "not-authenticated"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


class CsrfRejected(Forbidden):
    title = "Form expired or forged"
    type_slug = "csrf-rejected"


class NotFound(DomainError):
    status = 404
    title = "Not found"
    type_slug = "not-found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class Unavailable(DomainError):
    status = 503
    title = "Service unavailable"
    type_slug = "unavailable"


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"
    type_slug = "too-many-requests"

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


@dataclass
class Problem:
    """An RFC 9457 problem document."""

    status: int
    title: str
    detail: str
    type: str = "about:blank"
    instance: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.instance:
            body["instance"] = self.instance
        if self.errors:
            body["errors"] = self.errors
        return body


def problem_from(error: DomainError, instance: str | None = None) -> Problem:
    return Problem(
        status=error.status,
        title=error.title,
        detail=error.detail,
        type=f"/problems/{error.type_slug}",
        instance=instance,
        errors=[{"field": e.field, "message": e.message} for e in error.errors],
    )
