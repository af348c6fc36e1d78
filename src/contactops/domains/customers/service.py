"""Customer profiles: identify the customer of a contact, keep identifiers, notes and tags,
merge duplicates, and read a customer's contacts from the event log.

A merged customer's id keeps standing for its survivor: reads and writes given a merged id act
on the survivor. The event log is append-only and names customers by the id they had when the
contact happened, so a survivor's history covers its own id and every id merged into it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contactops.domains.customers.identifiers import (
    PHONE_DIGITS_MIN,
    ascii_digits,
    normalize_identifier,
)
from contactops.domains.customers.identifiers import InvalidIdentifier as InvalidIdentifier
from contactops.domains.customers.models import (
    IDENTIFIER_KINDS,
    Customer,
    CustomerIdentifier,
    CustomerNote,
)
from contactops.domains.customers.views import (
    CustomerProfile,
    CustomerSummary,
    CustomerView,
    HistoryRow,
    NoteView,
)
from contactops.domains.events import service as events
from contactops.platform.auth import Principal, tenant_session
from contactops.platform.database import Database, utcnow
from contactops.platform.errors import Conflict, FieldError, InvalidInput, NotFound
from contactops.platform.i18n import gettext as _
from contactops.platform.identity import User
from contactops.platform.writes import insert_now

NAME_MAX, TIER_MAX, TAG_MAX, TAGS_MAX, NOTE_MAX = 200, 32, 40, 30, 10_000
SEARCH_LIMIT_MAX, HISTORY_LIMIT_MAX = 200, 1_000


# --- identifiers -----------------------------------------------------------------------------


def _owner_id(session: Session, kind: str, value: str) -> int | None:
    return session.scalar(
        select(CustomerIdentifier.customer_id).where(
            CustomerIdentifier.kind == kind, CustomerIdentifier.value == value
        )
    )


# --- profile fields --------------------------------------------------------------------------


def _display_name(name: str) -> str:
    text = " ".join(name.split())
    if not 1 <= len(text) <= NAME_MAX:
        raise InvalidInput(
            "display_name", _("Enter a name of 1 to %(high)d characters.", high=NAME_MAX)
        )
    return text


def _tier(tier: str) -> str | None:
    """A tier label such as ``gold``; empty clears it."""
    text = tier.strip()
    if len(text) > TIER_MAX:
        raise InvalidInput("tier", _("A tier has at most %(high)d characters.", high=TIER_MAX))
    return text or None


def _unique_tags(tags: Iterable[str]) -> list[str]:
    """Stripped, without blanks, each once (compared ignoring case), in the order given."""
    kept: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        text = " ".join(str(tag).split())
        if not text or text.casefold() in seen:
            continue
        if len(text) > TAG_MAX:
            raise InvalidInput("tags", _("A tag has at most %(high)d characters.", high=TAG_MAX))
        seen.add(text.casefold())
        kept.append(text)
    return kept


def _tags(tags: Iterable[str]) -> list[str]:
    kept = _unique_tags(tags)
    if len(kept) > TAGS_MAX:
        raise InvalidInput("tags", _("A customer has at most %(high)d tags.", high=TAGS_MAX))
    return kept


# --- reading ---------------------------------------------------------------------------------


def _customer(session: Session, customer_id: int) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.id == customer_id))
    if customer is None:
        raise NotFound(_("There is no customer %(id)d.", id=customer_id))
    return customer


def _surviving(session: Session, customer_id: int) -> Customer:
    """The customer ``customer_id`` stands for: itself, or the survivor it was merged into."""
    customer = _customer(session, customer_id)
    seen = {customer.id}
    while customer.merged_into_id is not None and customer.merged_into_id not in seen:
        customer = _customer(session, customer.merged_into_id)
        seen.add(customer.id)
    return customer


def _merged_ids(session: Session, survivor_id: int) -> list[int]:
    """Every customer merged into ``survivor_id``, directly or through another merged one."""
    found: set[int] = set()
    frontier = [survivor_id]
    while frontier:
        children = session.scalars(
            select(Customer.id).where(Customer.merged_into_id.in_(frontier))
        ).all()
        frontier = [i for i in children if i not in found and i != survivor_id]
        found.update(frontier)
    return sorted(found)


def _identifiers_of(
    session: Session, customer_ids: Sequence[int]
) -> dict[int, list[tuple[str, str]]]:
    rows = session.execute(
        select(
            CustomerIdentifier.customer_id, CustomerIdentifier.kind, CustomerIdentifier.value
        ).where(CustomerIdentifier.customer_id.in_(customer_ids))
    ).all()
    by_customer: dict[int, list[tuple[str, str]]] = {i: [] for i in customer_ids}
    for customer_id, kind, value in rows:
        by_customer[customer_id].append((kind, value))
    for identifiers in by_customer.values():
        identifiers.sort(key=lambda item: (IDENTIFIER_KINDS.index(item[0]), item[1]))
    return by_customer


def _notes_of(session: Session, customer_id: int) -> list[NoteView]:
    rows = session.execute(
        select(CustomerNote, User.display_name, User.email)
        .outerjoin(User, User.id == CustomerNote.author_user_id)
        .where(CustomerNote.customer_id == customer_id)
        .order_by(CustomerNote.created_at.desc(), CustomerNote.id.desc())
    ).all()
    return [
        NoteView(note.id, note.body, note.created_at, note.author_user_id, name, email)
        for note, name, email in rows
    ]


def _view(session: Session, customer: Customer) -> CustomerView:
    return CustomerView(
        id=customer.id,
        display_name=customer.display_name,
        tier=customer.tier,
        tags=list(customer.tags or []),
        identifiers=_identifiers_of(session, [customer.id])[customer.id],
        notes=_notes_of(session, customer.id),
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        merged_ids=_merged_ids(session, customer.id),
    )


def get_customer_in(session: Session, customer_id: int) -> CustomerView:
    """The profile ``customer_id`` stands for (the survivor's, when it was merged)."""
    return _view(session, _surviving(session, customer_id))


def search_customers_in(session: Session, query: str, limit: int = 50) -> list[CustomerSummary]:
    """Customers whose name or an identifier contains ``query`` (ignoring case; a phone number
    also matches by its digits alone; a number also matches the customer id), by name; the most
    recently changed customers when the query is empty. Merged customers are left out."""
    limit = max(1, min(limit, SEARCH_LIMIT_MAX))
    text = " ".join(query.split())
    statement = select(Customer).where(Customer.merged_into_id.is_(None))
    if text:
        needle = text.lower()
        holding = select(CustomerIdentifier.customer_id).where(
            CustomerIdentifier.value.contains(needle, autoescape=True)
        )
        terms = [
            func.lower(Customer.display_name).contains(needle, autoescape=True),
            Customer.id.in_(holding),
        ]
        digits = ascii_digits(text)
        if len(digits) >= PHONE_DIGITS_MIN and not text.strip("+0123456789 -().").strip():
            terms.append(
                Customer.id.in_(
                    select(CustomerIdentifier.customer_id).where(
                        CustomerIdentifier.kind == "phone",
                        CustomerIdentifier.value.contains(digits, autoescape=True),
                    )
                )
            )
        if text.isdigit() and len(text) <= 9:  # within a 32-bit id
            terms.append(Customer.id == int(text))
        statement = statement.where(or_(*terms)).order_by(Customer.display_name, Customer.id)
    else:
        statement = statement.order_by(Customer.updated_at.desc(), Customer.id.desc())
    customers = session.scalars(statement.limit(limit)).all()
    identifiers = _identifiers_of(session, [c.id for c in customers])
    return [
        CustomerSummary(c.id, c.display_name, c.tier, list(c.tags or []), identifiers[c.id],
                        c.updated_at)
        for c in customers
    ]  # fmt: skip


def customer_history_in(session: Session, customer_id: int, limit: int = 100) -> list[HistoryRow]:
    """The customer's contacts on every channel, newest first: one row per queue visit, under
    the survivor's id and every id merged into it."""
    survivor = _surviving(session, customer_id)
    ids = [str(i) for i in (survivor.id, *_merged_ids(session, survivor.id))]
    return _legs_of_customers(session, ids, max(1, min(limit, HISTORY_LIMIT_MAX)))


def _legs_of_customers(session: Session, customer_ids: list[str], limit: int) -> list[HistoryRow]:
    legs = events.ContactLegRecord
    rows = session.execute(
        select(
            legs.arrived_at, legs.contact_id, legs.channel, legs.queue, legs.agent, legs.outcome,
            legs.wait_s, legs.handle_s, legs.transferred, legs.leg_no, legs.customer_id,
        )
        .where(legs.customer_id.in_(customer_ids))
        .order_by(legs.arrived_at.desc(), legs.contact_id.desc(), legs.leg_no)
        .limit(limit)
    ).all()  # fmt: skip
    return [
        HistoryRow(at, contact, channel, queue, agent, outcome, wait_s, handle_s,
                   bool(transferred), leg_no, customer or "")
        for at, contact, channel, queue, agent, outcome, wait_s, handle_s, transferred, leg_no,
        customer in rows
    ]  # fmt: skip


def customer_profile_in(
    session: Session, customer_id: int, history_limit: int = 100
) -> CustomerProfile:
    """A customer's profile and latest contacts together (what the agent desktop shows)."""
    return CustomerProfile(
        get_customer_in(session, customer_id),
        customer_history_in(session, customer_id, history_limit),
    )


# --- writing ---------------------------------------------------------------------------------


def identify_customer_in(
    session: Session, kind: str, value: str, display_name: str | None = None
) -> CustomerView:
    """The customer an identifier belongs to (the survivor, when merged), or a new customer
    holding it, named ``display_name`` or else the identifier."""
    return get_customer_in(session, identify_customer_id_in(session, kind, value, display_name))


def find_customer_id_in(session: Session, kind: str, value: str) -> int | None:
    """The id of the customer holding this identifier, or None (reads only)."""
    return _owner_id(session, kind, normalize_identifier(kind, value))


def identify_customer_id_in(
    session: Session, kind: str, value: str, display_name: str | None = None
) -> int:
    """:func:`identify_customer_in`, answering the id only."""
    return identified_customer_in(session, kind, value, display_name)[0]


def identified_customer_in(
    session: Session, kind: str, value: str, display_name: str | None = None
) -> tuple[int, bool]:
    """The id of the customer holding the identifier, and whether this call created them (a
    new customer has no history yet: the live center's arrivals need not look for it)."""
    normalized = normalize_identifier(kind, value)
    owner_id = _owner_id(session, kind, normalized)
    if owner_id is not None:
        return owner_id, False
    created_id = _create_holding(session, kind, normalized, display_name)
    return created_id, True


def _create_holding(session: Session, kind: str, value: str, display_name: str | None) -> int:
    """A new customer holding one identifier, written at once without flushing the caller's
    other changes (the live center writes those later, together). When another transaction
    stored the identifier first, the new customer is removed again and that transaction's
    customer is the answer (``ON CONFLICT DO NOTHING``: the transaction stays usable)."""
    name = " ".join((display_name or "").split())[:NAME_MAX] or value[:NAME_MAX]
    customer = insert_now(session, Customer(display_name=name, tags=[]))
    assert customer is not None
    identifier = CustomerIdentifier(customer_id=customer.id, kind=kind, value=value)
    if insert_now(session, identifier, unless_taken=("tenant_id", "kind", "value")) is None:
        session.delete(customer)
        session.flush()
        owner_id = _owner_id(session, kind, value)
        if owner_id is None:  # the other transaction's identifier is gone again
            raise Conflict(_("%(value)s could not be stored: try again.", value=value))
        return owner_id
    return customer.id


def _identifier_taken(session: Session, owner_id: int, value: str, field: str) -> Conflict:
    owner = _surviving(session, owner_id)
    message = _(
        "%(value)s belongs to customer %(name)s (%(id)d) already.",
        value=value,
        name=owner.display_name,
        id=owner.id,
    )
    return Conflict(message, errors=[FieldError(field, message)])


def create_customer_in(
    session: Session,
    display_name: str,
    identifiers: Sequence[tuple[str, str]] = (),
    tier: str | None = None,
    tags: Iterable[str] = (),
) -> CustomerView:
    """A new customer with identifiers none of which another customer holds; every input is
    checked before anything is stored."""
    name = _display_name(display_name)
    cleaned_tier = _tier(tier or "")
    cleaned_tags = _tags(tags)
    normalized: list[tuple[str, str]] = []
    for index, (kind, value) in enumerate(identifiers):
        prefix = f"identifiers.{index}."
        item = (kind, normalize_identifier(kind, value, field_prefix=prefix))
        owner_id = _owner_id(session, *item)
        if owner_id is not None:
            raise _identifier_taken(session, owner_id, item[1], f"{prefix}value")
        if item not in normalized:
            normalized.append(item)
    customer = Customer(display_name=name, tier=cleaned_tier, tags=cleaned_tags)
    session.add(customer)
    session.flush()
    session.add_all(
        CustomerIdentifier(customer_id=customer.id, kind=k, value=v) for k, v in normalized
    )
    session.flush()
    return _view(session, customer)


def update_customer_in(
    session: Session,
    customer_id: int,
    display_name: str | None = None,
    tier: str | None = None,
    tags: Iterable[str] | None = None,
) -> CustomerView:
    """Change what is given (None leaves a field as it is; an empty tier clears it)."""
    customer = _surviving(session, customer_id)
    changes: dict[str, object] = {}
    if display_name is not None:
        changes["display_name"] = _display_name(display_name)
    if tier is not None:
        changes["tier"] = _tier(tier)
    if tags is not None:
        changes["tags"] = _tags(tags)
    changed = {k: v for k, v in changes.items() if getattr(customer, k) != v}
    if changed:
        for key, value in changed.items():
            setattr(customer, key, value)
        customer.updated_at = utcnow()
        session.flush()
    return _view(session, customer)


def add_identifier_in(session: Session, customer_id: int, kind: str, value: str) -> CustomerView:
    """Give the customer one more identifier; one it holds already changes nothing, one another
    customer holds is a conflict (merge the two instead)."""
    customer = _surviving(session, customer_id)
    normalized = normalize_identifier(kind, value)
    owner_id = _owner_id(session, kind, normalized)
    if owner_id is not None and _surviving(session, owner_id).id != customer.id:
        raise _identifier_taken(session, owner_id, normalized, "value")
    if owner_id is None:
        session.add(CustomerIdentifier(customer_id=customer.id, kind=kind, value=normalized))
        customer.updated_at = utcnow()
        session.flush()
    return _view(session, customer)


def add_note_in(
    session: Session, customer_id: int, body: str, author_user_id: int | None
) -> NoteView:
    """A note on the customer's profile, by a user (or a process, with no author)."""
    customer = _surviving(session, customer_id)
    text = body.strip()
    if not 1 <= len(text) <= NOTE_MAX:
        raise InvalidInput("body", _("Write a note of 1 to %(high)d characters.", high=NOTE_MAX))
    note = CustomerNote(customer_id=customer.id, author_user_id=author_user_id, body=text)
    session.add(note)
    session.flush()
    author = session.get(User, author_user_id) if author_user_id is not None else None
    return NoteView(
        note.id, note.body, note.created_at, author_user_id,
        author.display_name if author else None, author.email if author else None,
    )  # fmt: skip


def merge_customers_in(session: Session, survivor_id: int, merged_id: int) -> CustomerView:
    """Merge a duplicate into the survivor: its identifiers and notes move over, its tags join
    the survivor's, its tier fills an empty one, and it is marked merged (customers merged into
    it earlier now point at the survivor too). Its contacts stay in the log under its id."""
    if survivor_id == merged_id:
        raise InvalidInput("merged_id", _("Choose another customer to merge into this one."))
    survivor = _surviving(session, survivor_id)
    merged = _surviving(session, merged_id)
    if survivor.id == merged.id:
        message = _("These two are the same customer already.")
        raise Conflict(message, errors=[FieldError("merged_id", message)])
    moved = (
        *session.scalars(
            select(CustomerIdentifier).where(CustomerIdentifier.customer_id == merged.id)
        ),
        *session.scalars(select(CustomerNote).where(CustomerNote.customer_id == merged.id)),
    )
    for row in moved:
        row.customer_id = survivor.id
    for earlier in session.scalars(select(Customer).where(Customer.merged_into_id == merged.id)):
        earlier.merged_into_id = survivor.id
    survivor.tags = _unique_tags([*(survivor.tags or []), *(merged.tags or [])])[:TAGS_MAX]
    survivor.tier = survivor.tier or merged.tier
    merged.merged_into_id = survivor.id
    survivor.updated_at = merged.updated_at = utcnow()
    session.flush()
    return _view(session, survivor)


# --- the same, each in its own transaction as a signed-in user -------------------------------


def identify_customer(
    db: Database, principal: Principal, kind: str, value: str, display_name: str | None = None
) -> CustomerView:
    with tenant_session(db, principal) as session:
        return identify_customer_in(session, kind, value, display_name)


def get_customer(db: Database, principal: Principal, customer_id: int) -> CustomerView:
    with tenant_session(db, principal) as session:
        return get_customer_in(session, customer_id)


def search_customers(
    db: Database, principal: Principal, query: str, limit: int = 50
) -> list[CustomerSummary]:
    with tenant_session(db, principal) as session:
        return search_customers_in(session, query, limit)


def customer_history(
    db: Database, principal: Principal, customer_id: int, limit: int = 100
) -> list[HistoryRow]:
    with tenant_session(db, principal) as session:
        return customer_history_in(session, customer_id, limit)


def customer_profile(
    db: Database, principal: Principal, customer_id: int, history_limit: int = 100
) -> CustomerProfile:
    with tenant_session(db, principal) as session:
        return customer_profile_in(session, customer_id, history_limit)


def create_customer(
    db: Database,
    principal: Principal,
    display_name: str,
    identifiers: Sequence[tuple[str, str]] = (),
    tier: str | None = None,
    tags: Iterable[str] = (),
) -> CustomerView:
    try:
        with tenant_session(db, principal) as session:
            return create_customer_in(session, display_name, identifiers, tier, tags)
    except IntegrityError as error:
        fields = [
            (f"identifiers.{i}.value", kind, value) for i, (kind, value) in enumerate(identifiers)
        ]
        raise _taken_meanwhile(db, principal, fields) or error from None


def update_customer(
    db: Database,
    principal: Principal,
    customer_id: int,
    display_name: str | None = None,
    tier: str | None = None,
    tags: Iterable[str] | None = None,
) -> CustomerView:
    with tenant_session(db, principal) as session:
        return update_customer_in(session, customer_id, display_name, tier, tags)


def add_identifier(
    db: Database, principal: Principal, customer_id: int, kind: str, value: str
) -> CustomerView:
    try:
        with tenant_session(db, principal) as session:
            return add_identifier_in(session, customer_id, kind, value)
    except IntegrityError as error:
        raise _taken_meanwhile(db, principal, [("value", kind, value)]) or error from None


def _taken_meanwhile(
    db: Database, principal: Principal, fields: Sequence[tuple[str, str, str]]
) -> Conflict | None:
    """After a unique-identifier violation (another request stored the identifier between our
    check and our insert; nothing of ours was stored): the conflict naming it."""
    with tenant_session(db, principal) as session:
        for field, kind, value in fields:
            normalized = normalize_identifier(kind, value)
            owner_id = _owner_id(session, kind, normalized)
            if owner_id is not None:
                return _identifier_taken(session, owner_id, normalized, field)
    return None


def add_note(db: Database, principal: Principal, customer_id: int, body: str) -> NoteView:
    with tenant_session(db, principal) as session:
        return add_note_in(session, customer_id, body, principal.user_id)


def merge_customers(
    db: Database, principal: Principal, survivor_id: int, merged_id: int
) -> CustomerView:
    with tenant_session(db, principal) as session:
        return merge_customers_in(session, survivor_id, merged_id)


def display_names_in(session: Session, customer_ids: Iterable[int]) -> dict[int, str]:
    """Customer id → display name, for the ids given that exist."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    rows = session.execute(select(Customer.id, Customer.display_name).where(Customer.id.in_(ids)))
    return {customer_id: name for customer_id, name in rows}
