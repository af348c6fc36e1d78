"""parse_email: real-shaped messages to InboundEmail, repairs noted, nothing but EmailRejected.

The fixtures under ``fixtures/`` are written as mail clients and servers write them (CRLF line
ends; headers, MIME structure and encodings per RFC 5322, 2045-2047, 2183, 2231 and 3464).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactops.connectors.email import (
    EmailRejected,
    InboundEmail,
    html_to_text,
    message_ids,
    parse_email,
)

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(name: str, **limits: int) -> InboundEmail:
    return parse_email(fixture(name), **limits)


def mail(*headers: str, body: bytes = b"body") -> bytes:
    """A small message with a Message-ID, so only what the test is about gets noted."""
    return "\r\n".join(["Message-ID: <t@example.com>", *headers, "", ""]).encode() + body


def test_plain_message_gives_decoded_headers_threading_and_whole_text() -> None:
    email = parse("plain.eml")
    assert email.message_id == "<CAK7Lz=reply-1@mail.example.no>"
    assert email.in_reply_to == "<acme-ack-123@acme.test>"
    assert email.references == ("<first-123@mail.example.no>", "<acme-ack-123@acme.test>")
    assert email.subject == "Re: [#T-123] Telefonen min er ødelagt"
    assert (email.from_name, email.from_address) == ("Kari Nordmann", "kari.nordmann@example.no")
    assert email.to == ("support@acme.test",)
    assert email.cc == ("ola@example.no", "bob@example.com")
    assert email.reply_to == ("kari@example.no",)
    assert email.sent_at == datetime(2024, 1, 15, 9, 30, tzinfo=UTC)
    assert email.text.startswith("Hei,\n\nSkjermen er fortsatt ødelagt etter oppdateringen.")
    assert "ringe meg på +47 400 00 000?" in email.text  # a soft line break joined
    assert email.text.endswith("> Thank you for contacting Acme. Your ticket number is T-123.")
    assert email.html is None
    assert email.attachments == ()
    assert not email.auto_submitted
    assert email.problems == ()


def test_alternative_prefers_the_plain_part_and_keeps_the_html() -> None:
    email = parse("alternative.eml")
    assert email.text == "Where is my order 4711?\n我的订单在哪里？"
    assert email.html is not None
    assert "<b>order 4711</b>" in email.html
    assert "我的订单在哪里？" in email.html  # quoted-printable UTF-8 decoded


def test_html_only_mail_gets_text_without_tags_scripts_or_styles() -> None:
    email = parse("html_only.eml")
    assert email.text == (
        "Hello support,\n\n"
        "My invoice shows €120 & VAT twice.\nLine two\n\n"
        "- Invoice 1\n- Invoice 2\n\n"
        "Total 240\nVAT 48\n\n"
        "Regards,\nPerson"
    )
    assert email.html is not None and "<script>" in email.html  # kept as sent, never rendered


def test_html_to_text_prefixes_blockquotes_like_quoted_text() -> None:
    html = "<div>New answer</div><div>On Monday Ann wrote:<blockquote>Old <p>text</p></blockquote>"
    assert html_to_text(html) == "New answer\nOn Monday Ann wrote:\n\n> Old\n>\n> text"


def test_unknown_charset_is_guessed_and_noted() -> None:
    email = parse("unknown_charset.eml")
    assert email.text == "Le café coûte 3 € “TTC”."
    assert email.problems == (
        "unknown charset 'x-unknown-42' in the text; decoded as Windows-1252",
    )


def test_unknown_charset_holding_utf8_is_read_as_utf8() -> None:
    raw = fixture("unknown_charset.eml").split(b"\r\n\r\n")[0] + "\r\n\r\nBlåbær\r\n".encode()
    email = parse_email(raw)
    assert email.text == "Blåbær"
    assert email.problems == ("unknown charset 'x-unknown-42' in the text; decoded as UTF-8",)


@pytest.mark.parametrize(
    ("name", "subject", "sender", "text"),
    [
        ("zh_utf8.eml", "我的手机坏了", "张伟", "您好，我的手机屏幕坏了。"),
        ("zh_gb2312.eml", "我的手机坏了", "张伟", "您好，我的手机屏幕坏了。"),
        (
            "bg_utf8.eml",
            "Телефонът ми е счупен",
            "Иван Петров",
            "Здравейте, екранът на телефона ми е счупен.",
        ),
        (
            "bg_windows1251.eml",
            "Телефонът ми е счупен",
            "Иван Петров",
            "Здравейте, екранът на телефона ми е счупен.",
        ),
    ],
)
def test_rfc2047_subjects_and_bodies_in_chinese_and_bulgarian_charsets(
    name: str, subject: str, sender: str, text: str
) -> None:
    email = parse(name)
    assert (email.subject, email.from_name, email.text) == (subject, sender, text)
    assert email.problems == ()


def test_encoded_words_split_inside_a_character_are_joined_before_decoding() -> None:
    whole = "中文".encode()
    first, second = (base64.b64encode(part).decode() for part in (whole[:2], whole[2:]))
    raw = f"From: a@example.com\r\nSubject: =?utf-8?b?{first}?= =?utf-8?b?{second}?=\r\n\r\nx"
    assert parse_email(raw.encode()).subject == "中文"


def test_8bit_utf8_headers_are_decoded() -> None:
    email = parse("nested.eml")  # From: Åse Ødegård, unencoded UTF-8 (RFC 6532)
    assert email.from_name == "Åse Ødegård"


def test_nested_multiparts_give_text_html_inline_image_and_attached_message() -> None:
    email = parse("nested.eml")
    assert email.text == "Se skjermbildet, og meldingen jeg fikk fra butikken. Blåbær."
    assert email.html is not None and 'src="cid:shot1@example.no"' in email.html
    files = [(a.filename, a.content_type, a.content_id) for a in email.attachments]
    assert files == [
        ("attachment-1.png", "image/png", "shot1@example.no"),
        ("Din ordre er sendt.eml", "message/rfc822", None),
        ("kvittering.pdf", "application/pdf", None),
    ]
    forwarded = parse_email(email.attachments[1].data)
    assert (forwarded.subject, forwarded.text) == ("Din ordre er sendt", "Ordren din er sendt.")
    assert email.attachments[2].data == b"%PDF-1.4"


def test_attachment_names_lose_paths_and_control_characters() -> None:
    names = [a.filename for a in parse("dangerous_filenames.eml").attachments]
    # "../../etc/passwd"; "..\..\Windows\invoice<U+202E>fdp.exe" (RFC 2231); no name at all.
    assert names == ["passwd", "invoicefdp.exe", "attachment-3.png"]


def test_attachment_over_the_limit_is_dropped_with_a_note() -> None:
    email = parse("with_attachments.eml", max_attachment_bytes=1024)
    assert [a.filename for a in email.attachments] == ["note.txt"]
    assert email.problems == (
        "attachment 'device.log' (2.0 KB) was dropped: larger than the 1.0 KB limit",
    )
    assert [len(a.data) for a in parse("with_attachments.eml").attachments] == [10, 2048]


def test_message_over_the_limit_is_rejected_before_parsing() -> None:
    raw = fixture("plain.eml")
    with pytest.raises(EmailRejected) as rejected:
        parse_email(raw, max_message_bytes=len(raw) - 1)
    assert rejected.value.reason == "too_large"
    assert "larger than the" in str(rejected.value)
    assert parse_email(raw, max_message_bytes=len(raw)).subject


def test_missing_message_id_gets_a_stable_synthetic_one() -> None:
    first, again = parse("no_message_id.eml"), parse("no_message_id.eml")
    assert first.message_id == again.message_id
    assert first.message_id.startswith("<sha-") and first.message_id.endswith(
        "@contactops.invalid>"
    )
    assert first.problems == ("no Message-ID; a stable one was derived from the message bytes",)
    other = parse_email(fixture("no_message_id.eml").replace(b"No id", b"No id 2"))
    assert other.message_id != first.message_id


def test_missing_from_leaves_the_sender_empty_and_says_so() -> None:
    email = parse("no_from.eml")
    assert (email.from_address, email.from_name) == ("", "")
    assert email.problems == ("no From header: the sender is unknown",)
    assert email.text == "A message without a From header."


def test_unparseable_from_and_date_are_noted() -> None:
    email = parse_email(mail("From: not an address", "Date: yesterday", "Subject: x"))
    assert email.from_address == ""
    assert email.sent_at is None
    assert email.problems == (
        "the From header has no usable address ('not an address')",
        "the Date header 'yesterday' is not a date; ignored",
    )


def test_missing_closing_boundary_keeps_the_parts_and_notes_the_defect() -> None:
    email = parse("broken_structure.eml")
    assert email.text == "The text part survives."
    assert [a.filename for a in email.attachments] == ["cut.pdf"]
    assert email.sent_at is None
    assert any("close boundary" in p for p in email.problems)


def test_declared_utf8_with_bad_bytes_replaces_them_and_counts() -> None:
    raw = mail(
        "From: a@example.com",
        "Content-Type: text/plain; charset=utf-8",
        body=b"bl\xc3\xa5 \xff end",
    )
    email = parse_email(raw)
    assert email.text == "blå \ufffd end"
    assert email.problems == ("1 undecodable byte(s) in the text replaced with U+FFFD (utf-8)",)


def test_nul_characters_are_removed_from_the_text() -> None:
    email = parse_email(mail("From: a@example.com", body=b"nul\x00here"))
    assert email.text == "nulhere"
    assert email.problems == ("NUL characters were removed from the text",)


def test_bounce_is_auto_submitted_with_its_report_and_original_attached() -> None:
    email = parse("bounce.eml")
    assert email.auto_submitted
    assert email.from_address == "mailer-daemon@mx.acme.test"
    assert "550 5.1.1 User unknown" in email.text
    types = [a.content_type for a in email.attachments]
    assert types == ["message/delivery-status", "message/rfc822"]
    assert b"Status: 5.1.1" in email.attachments[0].data
    original = parse_email(email.attachments[1].data)
    assert original.message_id == "<acme-reply-9@acme.test>"


def test_out_of_office_reply_is_auto_submitted() -> None:
    assert parse("out_of_office.eml").auto_submitted


@pytest.mark.parametrize(
    ("header", "auto"),
    [
        ("Auto-Submitted: auto-generated", True),
        ("Auto-Submitted: auto-replied; owner-email=a@example.com", True),
        ("Auto-Submitted: no", False),
        ("Precedence: bulk", True),
        ("Precedence: junk", True),
        ("Precedence: list", True),
        ("X-Autoreply: yes", True),
        ("List-Id: <support.lists.example.com>", True),
        ("Return-Path: <>", True),
        ("Return-Path: <person@example.com>", False),
        ("X-Mailer: Thunderbird", False),
    ],
)
def test_auto_submitted_mail_is_recognised_by_its_headers(header: str, auto: bool) -> None:
    assert parse_email(mail("From: person@example.com", header)).auto_submitted is auto


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "not_an_email"),
        (b"   \r\n\r\n", "not_an_email"),
        (b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n", "not_an_email"),
        (b"just some words on a line\nand another", "not_an_email"),
    ],
)
def test_bytes_that_are_not_mail_are_rejected(raw: bytes, reason: str) -> None:
    with pytest.raises(EmailRejected) as rejected:
        parse_email(raw)
    assert rejected.value.reason == reason


def test_message_ids_are_normalised_and_deduplicated() -> None:
    assert message_ids(" <a@b>  <c@d>\r\n <a@b> junk") == ["<a@b>", "<c@d>"]
    assert message_ids("a@b") == ["<a@b>"]
    assert message_ids("<a @b>") == ["<a@b>"]
    assert message_ids("no ids here") == []
    long_id = "<" + "x" * 300 + "@example.com>"
    assert message_ids(long_id) == message_ids(long_id)
    assert message_ids(long_id)[0].endswith("@contactops.invalid>")


def nested(depth: int) -> bytes:
    lines = ["From: a@example.com", "Subject: deep"]
    for level in range(depth):
        lines += [f'Content-Type: multipart/mixed; boundary="b{level}"', "", f"--b{level}"]
    return "\r\n".join([*lines, "Content-Type: text/plain", "", "bottom"]).encode()


def test_deep_nesting_is_cut_and_nesting_the_parser_cannot_follow_is_rejected() -> None:
    assert "MIME parts nested deeper than 40 were skipped" in parse_email(nested(200)).problems
    with pytest.raises(EmailRejected) as rejected:
        parse_email(nested(5000))  # the standard library parser recurses per level
    assert rejected.value.reason == "unparseable"
    assert str(rejected.value) == "the message could not be parsed (RecursionError)"


def _assert_storable(email: InboundEmail, max_attachment_bytes: int) -> None:
    """What a database needs: UTF-8 encodable text without NUL, ids in brackets."""
    texts = [email.message_id, email.subject, email.from_address, email.from_name, email.text]
    texts += [*email.references, *email.to, *email.cc, *email.problems, email.html or ""]
    texts += [a.filename for a in email.attachments]
    for text in texts:
        text.encode("utf-8")
        assert "\x00" not in text
    assert email.message_id.startswith("<") and email.message_id.endswith(">")
    assert all(a.filename and "/" not in a.filename for a in email.attachments)
    assert all(len(a.data) <= max_attachment_bytes for a in email.attachments)
    assert email.sent_at is None or email.sent_at.tzinfo is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_any_bytes_give_an_email_or_email_rejected(raw: bytes) -> None:
    try:
        email = parse_email(raw, max_attachment_bytes=2048)
    except EmailRejected as rejected:
        assert rejected.reason in ("not_an_email", "unparseable", "too_large")
    else:
        _assert_storable(email, 2048)


FUZZ_SEEDS = sorted(path.name for path in FIXTURES.glob("*.eml"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(FUZZ_SEEDS),
    edits=st.lists(
        st.tuples(
            st.floats(0, 1),
            st.integers(0, 40),
            st.sampled_from(
                [
                    b"",
                    b"\r\n",
                    b"--",
                    b"=?",
                    b"?=",
                    b";",
                    b'"',
                    b"\x00",
                    b"\xff\xfe",
                    b"\\",
                    b"=\r\n",
                    b":",
                    b"<",
                    b">",
                    b"Content-Type: multipart/mixed; boundary=x\r\n",
                    b"charset=x-unknown\r\n",
                ]
            ),
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_mutated_real_messages_give_an_email_or_email_rejected(
    name: str, edits: list[tuple[float, int, bytes]]
) -> None:
    raw = bytearray(fixture(name))
    for where, length, insert in edits:
        start = int(where * len(raw))
        raw[start : start + length] = insert
    try:
        email = parse_email(bytes(raw), max_attachment_bytes=1500)
    except EmailRejected as rejected:
        assert rejected.reason in ("not_an_email", "unparseable")
    else:
        _assert_storable(email, 1500)
