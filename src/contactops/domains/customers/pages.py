"""Pages: customer search and a customer's profile with notes and contact history (Run).

The profile body is the partial ``customers/_profile.html`` (given ``customer`` and
``history``), which other pages such as the agent desktop include as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from contactops.domains.customers import service
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.errors import DomainError, InvalidInput, NotFound
from contactops.platform.i18n import gettext as _
from contactops.platform.i18n import lazy_gettext as _l
from contactops.platform.web import (
    NavItem,
    form_data,
    page_router,
    redirect_with_notice,
    register_nav,
    register_templates,
    render,
)

register_templates(Path(__file__).parent / "templates")
register_nav(NavItem("run", _l("Customers"), "/run/customers", Permission.VIEW_RUN, 50))
router = page_router()

CUSTOMERS = "/run/customers"
HISTORY_SHOWN = 100
FORM_FIELDS = ("display_name", "kind", "value", "tier", "tags", "body", "merged_id")


def _text(form: FormData, name: str) -> str:
    return str(form.get(name, "")).strip()


def _errors(error: DomainError) -> dict[str, str]:
    """The message under the form field it is about (``identifiers.0.value`` → value)."""
    fields = [e.field.rsplit(".", 1)[-1] for e in error.errors] or ["form"]
    return {field: error.detail for field in fields}


def _status(error: DomainError) -> int:
    if isinstance(error, NotFound):
        raise error
    return error.status


def _profile_url(customer_id: int) -> str:
    return f"{CUSTOMERS}/{customer_id}"


def _local_path(target: str) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirects)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target if "\\" not in target else None


# --- search ----------------------------------------------------------------------------------


def _search_page(
    request: Request,
    principal: Principal,
    query: str,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    found = service.search_customers(request.app.state.db, principal, query)
    context = {
        "query": query,
        "customers": found,
        "form": form or {"kind": "phone"},
        "errors": errors or {},
    }
    return render(
        request, "customers/search.html", context, title=_("Customers"), status_code=status_code
    )


@router.get(CUSTOMERS)
def search(
    request: Request,
    q: str = Query("", max_length=200),
    principal: Principal = Depends(require(Permission.VIEW_RUN)),
) -> Response:
    return _search_page(request, principal, q)


@router.post(CUSTOMERS)
def create(
    request: Request,
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
    form: FormData = Depends(form_data),
) -> Response:
    value = _text(form, "value")
    identifiers = [(_text(form, "kind"), value)] if value else []
    try:
        customer = service.create_customer(
            request.app.state.db, principal, _text(form, "display_name"), identifiers
        )
    except DomainError as error:
        submitted = {k: _text(form, k) for k in FORM_FIELDS}
        return _search_page(
            request, principal, "", form=submitted, errors=_errors(error),
            status_code=_status(error),
        )  # fmt: skip
    return redirect_with_notice(
        request,
        _profile_url(customer.id),
        _("Customer %(name)s created.", name=customer.display_name),
    )


# --- a profile -------------------------------------------------------------------------------


def _profile_page(
    request: Request,
    principal: Principal,
    customer_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    profile = service.customer_profile(request.app.state.db, principal, customer_id, HISTORY_SHOWN)
    customer = profile.customer
    defaults = {
        "display_name": customer.display_name,
        "tier": customer.tier or "",
        "tags": ", ".join(customer.tags),
        "kind": "phone",
    }
    submitted = {**defaults, **(form or {})}
    context: dict[str, Any] = {
        "customer": customer,
        "history": profile.history,
        "form": submitted,
        "errors": errors or {},
        "customer_form": submitted,
        "customer_errors": errors or {},
    }
    return render(
        request, "customers/profile.html", context, title=customer.display_name,
        status_code=status_code,
    )  # fmt: skip


@router.get(CUSTOMERS + "/{customer_id}")
def profile(
    customer_id: int,
    request: Request,
    principal: Principal = Depends(require(Permission.VIEW_RUN)),
) -> Response:
    customer = service.get_customer(request.app.state.db, principal, customer_id)
    if customer.id != customer_id:
        return redirect_with_notice(
            request,
            _profile_url(customer.id),
            _("Customer %(id)d was merged into this one.", id=customer_id),
        )
    return _profile_page(request, principal, customer_id)


def _form_failed(
    request: Request, principal: Principal, customer_id: int, form: FormData, error: DomainError
) -> Response:
    submitted = {k: _text(form, k) for k in FORM_FIELDS if k in form}
    return _profile_page(
        request, principal, customer_id, form=submitted, errors=_errors(error),
        status_code=_status(error),
    )  # fmt: skip


@router.post(CUSTOMERS + "/{customer_id}")
def update(
    customer_id: int,
    request: Request,
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
    form: FormData = Depends(form_data),
) -> Response:
    try:
        customer = service.update_customer(
            request.app.state.db, principal, customer_id,
            display_name=_text(form, "display_name"), tier=_text(form, "tier"),
            tags=_text(form, "tags").split(","),
        )  # fmt: skip
    except DomainError as error:
        return _form_failed(request, principal, customer_id, form, error)
    return redirect_with_notice(request, _profile_url(customer.id), _("Customer saved."))


@router.post(CUSTOMERS + "/{customer_id}/identifiers")
def add_identifier(
    customer_id: int,
    request: Request,
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
    form: FormData = Depends(form_data),
) -> Response:
    try:
        customer = service.add_identifier(
            request.app.state.db, principal, customer_id, _text(form, "kind"), _text(form, "value")
        )
    except DomainError as error:
        return _form_failed(request, principal, customer_id, form, error)
    return redirect_with_notice(request, _profile_url(customer.id), _("Identifier added."))


@router.post(CUSTOMERS + "/{customer_id}/notes")
def add_note(
    customer_id: int,
    request: Request,
    principal: Principal = Depends(require(Permission.HANDLE_CONTACTS)),
    form: FormData = Depends(form_data),
) -> Response:
    """Add a note, then return to ``next`` (a page that includes the profile) or the profile."""
    try:
        service.add_note(request.app.state.db, principal, customer_id, str(form.get("body", "")))
    except DomainError as error:
        return _form_failed(request, principal, customer_id, form, error)
    target = _local_path(_text(form, "next")) or _profile_url(customer_id)
    return redirect_with_notice(request, target, _("Note saved."))


@router.post(CUSTOMERS + "/{customer_id}/merge")
def merge(
    customer_id: int,
    request: Request,
    principal: Principal = Depends(require(Permission.SUPERVISE_LIVE)),
    form: FormData = Depends(form_data),
) -> Response:
    db = request.app.state.db
    service.get_customer(db, principal, customer_id)  # 404 for the page itself
    try:
        merged_id = int(_text(form, "merged_id"))
    except ValueError:
        error = InvalidInput("merged_id", _("Enter the number of the customer to merge."))
        return _form_failed(request, principal, customer_id, form, error)
    try:
        survivor = service.merge_customers(db, principal, customer_id, merged_id)
    except NotFound as missing:
        error = InvalidInput("merged_id", missing.detail)
        return _form_failed(request, principal, customer_id, form, error)
    except DomainError as error:
        return _form_failed(request, principal, customer_id, form, error)
    return redirect_with_notice(
        request,
        _profile_url(survivor.id),
        _("Customer %(id)d merged into this one.", id=merged_id),
    )
