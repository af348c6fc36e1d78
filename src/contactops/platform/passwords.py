"""Password hashing with Argon2id (RFC 9106 parameters as tuned by argon2-cffi)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from contactops.platform.errors import InvalidInput
from contactops.platform.i18n import gettext as _

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


def validate_new_password(password: str, field: str = "password") -> None:
    """A new password needs at least MIN_PASSWORD_LENGTH characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            field, _("Passwords need at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def dummy_hash() -> str:
    """Verified against on unknown e-mails, so a wrong e-mail costs as long as a wrong password."""
    return hash_password("contactops-timing-equaliser")
