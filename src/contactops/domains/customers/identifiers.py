"""Identifiers as stored: one normalised form per kind, so a customer is found again by the
same number or address however it was typed."""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

from contactops.domains.customers.models import IDENTIFIER_KINDS
from contactops.platform.errors import InvalidInput
from contactops.platform.i18n import gettext as _

PHONE_DIGITS_MIN, PHONE_DIGITS_MAX = 3, 32
HANDLE_MAX = 200  # chat handles and external ids


class InvalidIdentifier(InvalidInput):
    """An identifier that cannot be normalised; ``field`` says which input held it."""


def ascii_digits(text: str) -> str:
    """Decimal digits of any script (full-width, Arabic-Indic, ...) as ASCII, others dropped."""
    return "".join(str(unicodedata.decimal(ch)) for ch in text if ch.isdecimal())


def normalize_identifier(kind: str, value: str, *, field_prefix: str = "") -> str:
    """The stored form of an identifier: phone ``+`` and digits, e-mail lower case and valid,
    chat handle or external id stripped (1–200 characters).

    Errors name ``{field_prefix}kind`` or ``{field_prefix}value``.
    """
    field = f"{field_prefix}value"
    if kind not in IDENTIFIER_KINDS:
        raise InvalidIdentifier(
            f"{field_prefix}kind",
            _("Unknown identifier kind %(kind)s: use phone, email, chat or external.", kind=kind),
        )
    text = value.strip()
    if kind == "phone":
        digits = ascii_digits(text)
        if not PHONE_DIGITS_MIN <= len(digits) <= PHONE_DIGITS_MAX:
            raise InvalidIdentifier(
                field,
                _(
                    "A phone number has %(low)d to %(high)d digits.",
                    low=PHONE_DIGITS_MIN,
                    high=PHONE_DIGITS_MAX,
                ),
            )
        return ("+" if text.startswith(("+", "＋")) else "") + digits
    if kind == "email":
        try:
            checked = validate_email(text.lower(), check_deliverability=False)
        except EmailNotValidError:
            raise InvalidIdentifier(
                field, _("Enter a valid e-mail address, such as name@example.com.")
            ) from None
        return checked.normalized.lower()
    if not 1 <= len(text) <= HANDLE_MAX:
        raise InvalidIdentifier(field, _("Enter 1 to %(high)d characters.", high=HANDLE_MAX))
    return text
