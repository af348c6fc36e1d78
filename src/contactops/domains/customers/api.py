"""REST: customer profiles of the caller's tenant — search, create, edit, identifiers, notes,
merge and contact history."""

from __future__ import annotations

from fastapi import Depends, Query, Request, status

from contactops.domains.customers import service
from contactops.domains.customers.schemas import (
    CustomerCreate,
    CustomerOut,
    CustomerSummaryOut,
    CustomerUpdate,
    HistoryRowOut,
    IdentifierIn,
    MergeIn,
    NoteIn,
    NoteOut,
)
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.web import api_router

router = api_router("/customers", "customers")
view_run = require(Permission.VIEW_RUN)
handle = require(Permission.HANDLE_CONTACTS)
supervise = require(Permission.SUPERVISE_LIVE)


@router.get("", response_model=list[CustomerSummaryOut])
def search(
    request: Request,
    q: str = Query("", max_length=200, description="Part of a name, phone, e-mail or id"),
    limit: int = Query(50, ge=1, le=service.SEARCH_LIMIT_MAX),
    principal: Principal = Depends(view_run),
) -> list[CustomerSummaryOut]:
    """Customers whose name or identifier contains ``q``; the latest changed when empty."""
    found = service.search_customers(request.app.state.db, principal, q, limit)
    return [CustomerSummaryOut.of(c) for c in found]


@router.post("", response_model=CustomerOut, status_code=status.HTTP_201_CREATED)
def create(
    body: CustomerCreate, request: Request, principal: Principal = Depends(handle)
) -> CustomerOut:
    """A new customer; an identifier another customer holds is a conflict (409)."""
    customer = service.create_customer(
        request.app.state.db,
        principal,
        body.display_name,
        [(i.kind, i.value) for i in body.identifiers],
        body.tier,
        body.tags,
    )
    return CustomerOut.of(customer)


@router.get("/{customer_id}", response_model=CustomerOut)
def get(
    customer_id: int, request: Request, principal: Principal = Depends(view_run)
) -> CustomerOut:
    """The profile; a merged customer's id answers with its survivor (another ``id``)."""
    return CustomerOut.of(service.get_customer(request.app.state.db, principal, customer_id))


@router.patch("/{customer_id}", response_model=CustomerOut)
def update(
    customer_id: int, body: CustomerUpdate, request: Request, principal: Principal = Depends(handle)
) -> CustomerOut:
    fields = body.model_dump(exclude_unset=True)
    if "tier" in fields and fields["tier"] is None:
        fields["tier"] = ""
    customer = service.update_customer(request.app.state.db, principal, customer_id, **fields)
    return CustomerOut.of(customer)


@router.post(
    "/{customer_id}/identifiers", response_model=CustomerOut, status_code=status.HTTP_201_CREATED
)
def add_identifier(
    customer_id: int, body: IdentifierIn, request: Request, principal: Principal = Depends(handle)
) -> CustomerOut:
    customer = service.add_identifier(
        request.app.state.db, principal, customer_id, body.kind, body.value
    )
    return CustomerOut.of(customer)


@router.post("/{customer_id}/notes", response_model=NoteOut, status_code=status.HTTP_201_CREATED)
def add_note(
    customer_id: int, body: NoteIn, request: Request, principal: Principal = Depends(handle)
) -> NoteOut:
    return NoteOut.of(service.add_note(request.app.state.db, principal, customer_id, body.body))


@router.post("/{customer_id}/merge", response_model=CustomerOut)
def merge(
    customer_id: int, body: MergeIn, request: Request, principal: Principal = Depends(supervise)
) -> CustomerOut:
    """Merge customer ``merged_id`` into this one; answers with the survivor."""
    survivor = service.merge_customers(request.app.state.db, principal, customer_id, body.merged_id)
    return CustomerOut.of(survivor)


@router.get("/{customer_id}/history", response_model=list[HistoryRowOut])
def history(
    customer_id: int,
    request: Request,
    limit: int = Query(100, ge=1, le=service.HISTORY_LIMIT_MAX),
    principal: Principal = Depends(view_run),
) -> list[HistoryRowOut]:
    """The customer's contacts on every channel, newest first, one row per queue visit."""
    rows = service.customer_history(request.app.state.db, principal, customer_id, limit)
    return [HistoryRowOut.of(r) for r in rows]
