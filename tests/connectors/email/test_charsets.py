"""Charset decoding: what senders mean by their labels, and what is noted when guessing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactops.connectors.email.charsets import clean_text, decode_bytes, decode_encoded_words
from contactops.connectors.email.html_text import html_to_text


def decode(data: bytes, charset: str | None) -> tuple[str, list[str]]:
    problems: list[str] = []
    return decode_bytes(data, charset, "the text", problems), problems


@pytest.mark.parametrize(
    ("data", "charset", "text"),
    [
        (b"caf\xe9 \x80", "iso-8859-1", "café €"),  # Windows-1252, as browsers read it
        ("喆".encode("gbk"), "gb2312", "喆"),  # outside GB2312, inside GB18030
        ("Здравей".encode("cp1251"), "windows-1251", "Здравей"),
        ("Blåbær".encode(), '"UTF-8"', "Blåbær"),
        ("こんにちは".encode("iso2022_jp"), "iso-2022-jp", "こんにちは"),
    ],
)
def test_labels_decode_to_what_the_sender_meant(data: bytes, charset: str, text: str) -> None:
    assert decode(data, charset) == (text, [])


def test_8bit_text_labelled_us_ascii_is_guessed_and_noted() -> None:
    assert decode("blå".encode(), "us-ascii") == ("blå", [])  # UTF-8, as RFC 6532 mail is
    assert decode(b"caf\xe9 \x80", "us-ascii") == (
        "café €",
        ["8-bit text without a usable charset in the text; decoded as Windows-1252"],
    )


@pytest.mark.parametrize("label", ["x-unknown-42", "rot13", "base64", "unicode_escape", "a\x00b"])
def test_unknown_and_non_text_codecs_are_guessed_and_noted(label: str) -> None:
    text, problems = decode("blå \\u0041".encode(), label)
    assert text == "blå \\u0041"
    assert problems == [f"unknown charset {label!r} in the text; decoded as UTF-8"]


def test_windows_1252_labelled_utf8_is_recognised() -> None:
    assert decode(b"caf\xe9", "utf-8") == (
        "café",
        ["the text is labelled UTF-8 but is not; decoded as Windows-1252"],
    )


def test_lone_surrogates_from_utf7_are_replaced_by_clean_text() -> None:
    text, _ = decode(b"+2AA-", "utf-7")
    assert clean_text(text) == "\ufffd"


def test_a_damaged_encoded_word_is_kept_as_written() -> None:
    problems: list[str] = []
    assert decode_encoded_words("=?utf-8?b?A?= ok", "the subject", problems) == "=?utf-8?b?A?= ok"
    assert problems == ["a damaged RFC 2047 encoded word in the subject was kept as written"]


@given(st.binary(max_size=300), st.sampled_from([None, "utf-8", "gb2312", "utf-7", "x-bad"]))
def test_any_bytes_in_any_charset_give_storable_text(data: bytes, charset: str | None) -> None:
    clean_text(decode_bytes(data, charset, "the text", [])).encode("utf-8")


@given(st.text(alphabet=st.sampled_from("<>/!-&;#x ab\"'=pbrdivscriptyle\n"), max_size=300))
def test_html_to_text_never_raises(html: str) -> None:
    html_to_text(html)
