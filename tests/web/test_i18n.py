"""Every page speaks the user's language; times are shown in the tenant's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contactops.platform.i18n import (
    format_local_datetime,
    negotiate_locale,
    translations_for,
    use_locale,
)
from tests.conftest import World, csrf_from, login

LOCALES = ["en", "zh_Hans", "bg", "nb"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.5", "zh_Hans"),
        ("bg", "bg"),
        ("no,en;q=0.5", "nb"),
        ("nb-NO", "nb"),
        ("fr-FR,fr;q=0.9", None),
        ("de;q=0.5,bg;q=0.8", "bg"),
        ("", None),
    ],
)
def test_the_browser_language_is_negotiated(header: str, expected: str | None) -> None:
    assert negotiate_locale(header) == expected


@pytest.mark.parametrize("locale", LOCALES)
def test_the_login_page_follows_the_browser_language(client_factory, locale: str) -> None:
    header = {"zh_Hans": "zh-CN", "nb": "nb-NO"}.get(locale, locale)
    page = client_factory().get("/login", headers={"Accept-Language": header})
    expected = translations_for(locale).gettext("Sign in to ContactOps")
    assert expected in page.text
    assert (expected == "Sign in to ContactOps") == (locale == "en")


def test_a_chosen_language_sticks_and_is_saved_for_the_user(client_factory, world: World) -> None:
    client = login(client_factory(), world.email("admin"))
    home = client.get("/")
    client.post("/locale", data={"locale": "bg", "next": "/", "csrf_token": csrf_from(home.text)})
    sign_out_bg = translations_for("bg").gettext("Sign out")
    assert sign_out_bg != "Sign out"
    assert sign_out_bg in client.get("/").text
    other_browser = login(client_factory(), world.email("admin"))
    assert sign_out_bg in other_browser.get("/").text


def test_times_are_shown_in_the_tenant_time_zone() -> None:
    moment = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    with use_locale("en"):
        assert "2:00" in format_local_datetime(moment, "Europe/Oslo")
        assert "8:00" in format_local_datetime(moment, "Asia/Shanghai")


def test_every_catalog_translates_every_message() -> None:
    from babel.messages.pofile import read_po

    from contactops.platform.i18n import LOCALE_DIR, SUPPORTED_LOCALES

    with (LOCALE_DIR / "messages.pot").open("rb") as pot_file:
        template = read_po(pot_file)
    ids = {m.id for m in template if m.id}
    for locale in SUPPORTED_LOCALES:
        if locale == "en":
            continue
        with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
            catalog = read_po(po_file)
        missing = [m for m in ids if not (catalog.get(m) and catalog.get(m).string)]
        fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
        assert not missing, f"{locale}: {len(missing)} untranslated, e.g. {missing[:3]}"
        assert not fuzzy, f"{locale}: fuzzy entries {fuzzy[:3]}"
        assert translations_for(locale).gettext("Sign out") != "Sign out"


def test_the_message_template_is_up_to_date(tmp_path) -> None:
    """Every string marked in code and templates is in messages.pot (run `make i18n`)."""
    from babel.messages.frontend import CommandLineInterface
    from babel.messages.pofile import read_po

    from contactops.platform.i18n import LOCALE_DIR

    fresh = tmp_path / "fresh.pot"
    root = LOCALE_DIR.parents[2]
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(root.parent / "babel.cfg"),
            "-o",
            str(fresh),
            "--no-location",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            str(root / "contactops"),
        ]
    )
    with fresh.open("rb") as f:
        extracted = {m.id for m in read_po(f) if m.id}
    with (LOCALE_DIR / "messages.pot").open("rb") as f:
        committed = {m.id for m in read_po(f) if m.id}
    assert extracted == committed, (
        f"run `make i18n`: new {extracted - committed}, gone {committed - extracted}"
    )


def test_numbers_follow_the_language() -> None:
    from contactops.platform.i18n import format_number

    with use_locale("en"):
        assert format_number(27158) == "27,158"
    with use_locale("bg"):
        assert format_number(27158) == "27\xa0158"
