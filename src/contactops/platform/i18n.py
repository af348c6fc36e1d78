"""Translations (gettext catalogs under ``platform/locale``) and locale-aware formatting.

Every user-facing string goes through :func:`gettext` (``_``) in Python or ``{% trans %}`` /
``_()`` in templates. The request's locale lives in a context variable set by the web layer.
Catalogs are the ``.po`` files themselves, compiled in memory on first use, so a fresh checkout
needs no build step.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import LazyProxy, NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
SUPPORTED_LOCALES = ("en", "zh_Hans", "bg", "nb")
DEFAULT_LOCALE = "en"
LOCALE_NAMES = {"en": "English", "zh_Hans": "中文", "bg": "Български", "nb": "Norsk bokmål"}

_current_locale: ContextVar[str] = ContextVar("contactops_locale", default=DEFAULT_LOCALE)


@cache
def translations_for(locale: str) -> NullTranslations:
    """The catalog of ``locale``, compiled from its .po file; English is the source language."""
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if locale == DEFAULT_LOCALE or not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def current_locale() -> str:
    return _current_locale.get()


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    token = _current_locale.set(locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current_locale.reset(token)


def set_locale(locale: str) -> None:
    """Set the locale for the rest of the current context (one request, one CLI command)."""
    _current_locale.set(locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE)


def gettext(message: str, **variables: object) -> str:
    """Translate ``message`` into the current locale; ``%(name)s`` placeholders are filled."""
    text = translations_for(current_locale()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations_for(current_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


def lazy_gettext(message: str, **variables: object) -> LazyProxy:
    """A string translated when it is rendered, for module-level constants."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext


def negotiate_locale(accept_language: str | None) -> str | None:
    """The best supported locale for an ``Accept-Language`` header, or None."""
    if not accept_language:
        return None
    weighted: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag:
            weighted.append((quality, tag.strip()))
    for _quality, tag in sorted(weighted, key=lambda item: -item[0]):
        try:
            parsed = Locale.parse(tag.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            continue
        match = _supported_match(parsed)
        if match:
            return match
    return None


def _supported_match(parsed: Locale) -> str | None:
    if parsed.language == "zh":
        return "zh_Hans" if parsed.script in (None, "Hans") and parsed.territory != "TW" else None
    if parsed.language in ("nb", "no", "nn"):
        return "nb"
    return parsed.language if parsed.language in SUPPORTED_LOCALES else None


def valid_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def format_local_datetime(moment: datetime | None, time_zone: str, fmt: str = "medium") -> str:
    """A UTC moment shown in a tenant's time zone, formatted for the current locale."""
    if moment is None:
        return ""
    return babel_format_datetime(
        moment, format=fmt, tzinfo=ZoneInfo(time_zone), locale=Locale.parse(current_locale())
    )


def format_number(value: float) -> str:
    """A number with the current locale's digit grouping and decimal sign."""
    return format_decimal(value, locale=Locale.parse(current_locale()))
