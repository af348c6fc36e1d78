"""A tenant's ticket workflow: statuses (each with a category the SLA clocks understand), the
transitions allowed between them, ticket types and outcome codes.

Tenants start with the standard workflow below. A stored label left empty means the standard
label, shown in each reader's language; a label the tenant typed is shown as typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from contactops.domains.tickets.models import (
    CLOSED,
    DONE_CATEGORIES,
    NEW,
    OPEN,
    PENDING,
    SOLVED,
    STATUS_CATEGORIES,
)
from contactops.platform.errors import InvalidInput
from contactops.platform.i18n import gettext as _

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
LABEL_MAX = 100


@dataclass(frozen=True)
class Status:
    code: str
    category: str
    label: str = ""  # empty: the standard label

    def shown(self) -> str:
        return self.label or standard_label(self.code)


@dataclass(frozen=True)
class Code:
    """A ticket type or an outcome code."""

    code: str
    label: str = ""
    active: bool = True

    def shown(self) -> str:
        return self.label or standard_label(self.code)


@dataclass(frozen=True)
class Workflow:
    statuses: tuple[Status, ...]
    transitions: Mapping[str, frozenset[str]]
    types: tuple[Code, ...]
    outcomes: tuple[Code, ...]
    _by_code: dict[str, Status] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {s.code: s for s in self.statuses})

    @property
    def initial(self) -> Status:
        return next(s for s in self.statuses if s.category == NEW)

    def status(self, code: str) -> Status:
        status = self._by_code.get(code)
        if status is None:
            raise InvalidInput("status", _("There is no status %(code)s.", code=code))
        return status

    def allows(self, from_code: str, to_code: str) -> bool:
        return to_code in self.transitions.get(from_code, frozenset())

    def next_statuses(self, from_code: str) -> list[Status]:
        allowed = self.transitions.get(from_code, frozenset())
        return [s for s in self.statuses if s.code in allowed]

    def first_of(self, category: str) -> Status | None:
        return next((s for s in self.statuses if s.category == category), None)

    def type_code(self, code: str) -> str:
        if not any(t.code == code and t.active for t in self.types):
            raise InvalidInput("ticket_type", _("There is no ticket type %(code)s.", code=code))
        return code

    def outcome_code(self, code: str) -> str:
        if not any(o.code == code and o.active for o in self.outcomes):
            raise InvalidInput("outcome", _("There is no outcome %(code)s.", code=code))
        return code


STANDARD = Workflow(
    statuses=(
        Status("new", NEW),
        Status("open", OPEN),
        Status("waiting_customer", PENDING),
        Status("waiting_third_party", OPEN),
        Status("solved", SOLVED),
        Status("closed", CLOSED),
    ),
    transitions={
        "new": frozenset({"open", "waiting_customer", "waiting_third_party", "solved", "closed"}),
        "open": frozenset({"waiting_customer", "waiting_third_party", "solved"}),
        "waiting_customer": frozenset({"open", "solved", "closed"}),
        "waiting_third_party": frozenset({"open", "waiting_customer", "solved"}),
        "solved": frozenset({"open", "closed"}),
        "closed": frozenset(),
    },
    types=(
        Code("question"),
        Code("complaint"),
        Code("after_sales"),
        Code("request"),
        Code("email"),
    ),
    outcomes=(
        Code("answered"),
        Code("approved"),
        Code("rejected"),
        Code("replacement_no_return"),
        Code("refund_no_return"),
        Code("repaired"),
        Code("waiting_for_customer"),
        Code("customer_withdrew"),
        Code("duplicate"),
    ),
)


def standard_label(code: str) -> str:
    labels = {
        "new": _("New"),
        "open": _("Open"),
        "waiting_customer": _("Waiting for customer"),
        "waiting_third_party": _("Waiting for a third party"),
        "solved": _("Solved"),
        "closed": _("Closed"),
        "question": _("Question"),
        "complaint": _("Complaint"),
        "after_sales": _("After-sales case"),
        "request": _("Request"),
        "email": _("E-mail"),
        "answered": _("Answered"),
        "approved": _("Approved"),
        "rejected": _("Rejected"),
        "replacement_no_return": _("Replacement sent without return"),
        "refund_no_return": _("Refund without return"),
        "repaired": _("Repaired"),
        "waiting_for_customer": _("Waiting for customer"),
        "customer_withdrew": _("Customer withdrew"),
        "duplicate": _("Duplicate"),
    }
    return labels.get(code, code)


# --- stored form -------------------------------------------------------------------------------


def from_stored(
    statuses: Sequence[Mapping[str, Any]],
    transitions: Mapping[str, Sequence[str]],
    types: Sequence[Mapping[str, Any]],
    outcomes: Sequence[Mapping[str, Any]],
) -> Workflow:
    """A workflow from its stored (JSON) form, checked: codes well formed and unique, every
    category known, one initial status at least, one solved status at least, transitions
    between known statuses."""
    parsed = Workflow(
        statuses=tuple(
            Status(
                _code("statuses", s.get("code")),
                _category(s.get("category")),
                _label("statuses", s.get("label")),
            )
            for s in statuses
        ),
        transitions={
            str(source): frozenset(str(t) for t in targets)
            for source, targets in transitions.items()
        },
        types=tuple(_code_row("types", t) for t in types),
        outcomes=tuple(_code_row("outcomes", o) for o in outcomes),
    )
    _check(parsed)
    return parsed


def to_stored(workflow: Workflow) -> dict[str, Any]:
    return {
        "statuses": [
            {"code": s.code, "category": s.category, "label": s.label} for s in workflow.statuses
        ],
        "transitions": {k: sorted(v) for k, v in workflow.transitions.items()},
        "types": [{"code": t.code, "label": t.label, "active": t.active} for t in workflow.types],
        "outcomes": [
            {"code": o.code, "label": o.label, "active": o.active} for o in workflow.outcomes
        ],
    }


def _code(field_name: str, value: Any) -> str:
    text = str(value or "").strip()
    if not CODE_PATTERN.match(text):
        raise InvalidInput(
            field_name,
            _(
                "%(code)s is not a valid code: use lower-case letters, digits and _ "
                "(64 at most), starting with a letter.",
                code=text or "''",
            ),
        )
    return text


def _label(field_name: str, value: Any) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > LABEL_MAX:
        raise InvalidInput(
            field_name, _("A label has at most %(high)d characters.", high=LABEL_MAX)
        )
    return text


def _category(value: Any) -> str:
    if value not in STATUS_CATEGORIES:
        raise InvalidInput(
            "statuses",
            _(
                "%(value)s is not a status category: use one of %(known)s.",
                value=str(value),
                known=", ".join(STATUS_CATEGORIES),
            ),
        )
    return str(value)


def _code_row(field_name: str, row: Mapping[str, Any]) -> Code:
    return Code(
        _code(field_name, row.get("code")),
        _label(field_name, row.get("label")),
        bool(row.get("active", True)),
    )


def _unique(field_name: str, codes: Sequence[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise InvalidInput(field_name, _("%(code)s is listed twice.", code=code))
        seen.add(code)


def _check(workflow: Workflow) -> None:
    codes = [s.code for s in workflow.statuses]
    _unique("statuses", codes)
    _unique("types", [t.code for t in workflow.types])
    _unique("outcomes", [o.code for o in workflow.outcomes])
    if workflow.first_of(NEW) is None:
        raise InvalidInput("statuses", _("One status at least must be of the category new."))
    if not any(s.category in DONE_CATEGORIES for s in workflow.statuses):
        raise InvalidInput(
            "statuses", _("One status at least must be of the category solved or closed.")
        )
    if not any(t.active for t in workflow.types):
        raise InvalidInput("types", _("Keep one active ticket type at least."))
    if not any(o.active for o in workflow.outcomes):
        raise InvalidInput("outcomes", _("Keep one active outcome at least."))
    known = set(codes)
    for source, targets in workflow.transitions.items():
        for code in (source, *targets):
            if code not in known:
                raise InvalidInput(
                    "transitions",
                    _("The transition names %(code)s, which is not a status.", code=code),
                )
