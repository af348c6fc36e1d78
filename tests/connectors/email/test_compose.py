"""compose_email: threaded, UTF-8 safe messages that parse back to what was composed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contactops.connectors.email import Attachment, compose_email, parse_email, reply_subject


def test_a_reply_threads_under_the_customer_message() -> None:
    message = compose_email(
        from_address="support@acme.test",
        from_name="Acme Support",
        to=["kari@example.no"],
        subject=reply_subject("Telefonen min er ødelagt", 123),
        text="Hei Kari,\n\nvi ringer deg i dag.",
        message_id_domain="acme.test",
        in_reply_to="<reply-1@mail.example.no>",
        references=["<first-123@mail.example.no>", "<acme-ack-123@acme.test>"],
    )
    parsed = parse_email(message.as_bytes())
    assert parsed.message_id.endswith("@acme.test>")
    assert parsed.in_reply_to == "<reply-1@mail.example.no>"
    assert parsed.references == (
        "<first-123@mail.example.no>",
        "<acme-ack-123@acme.test>",
        "<reply-1@mail.example.no>",
    )
    assert parsed.subject == "Re: [#T-123] Telefonen min er ødelagt"
    assert parsed.text == "Hei Kari,\n\nvi ringer deg i dag."
    assert not parsed.auto_submitted
    assert parsed.sent_at is not None
    assert abs(parsed.sent_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert parsed.problems == ()


def test_references_are_deduplicated_in_order_and_accept_bare_ids() -> None:
    message = compose_email(
        from_address="support@acme.test",
        from_name="",
        to=["a@example.com"],
        subject="x",
        text="x",
        message_id_domain="acme.test",
        in_reply_to="b@example.com",
        references=["<a@example.com>", "b@example.com", "<a@example.com>"],
    )
    assert message["In-Reply-To"] == "<b@example.com>"
    assert message["References"] == "<a@example.com> <b@example.com>"


def test_long_message_ids_are_folded_between_ids_never_encoded() -> None:
    long_ids = [f"<{'x' * 90}{n}@example.com>" for n in range(3)]
    message = compose_email(
        from_address="support@acme.test",
        from_name="",
        to=["a@example.com"],
        subject="x",
        text="x",
        message_id_domain="acme.test",
        in_reply_to=long_ids[-1],
        references=long_ids,
    )
    raw = message.as_bytes()
    assert b"=?" not in raw.split(b"\r\n\r\n")[0]
    assert parse_email(raw).references == tuple(long_ids)


def test_auto_acknowledgement_is_marked_auto_submitted() -> None:
    message = compose_email(
        from_address="support@acme.test",
        from_name="Acme",
        to=["kari@example.no"],
        subject="[#T-1] We got your message",
        text="Thank you.",
        message_id_domain="acme.test",
        auto_submitted=True,
    )
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert parse_email(message.as_bytes()).auto_submitted


def test_chinese_bulgarian_and_norwegian_names_subjects_and_bodies_survive() -> None:
    text = (
        "您好，我们今天给您打电话。\nЗдравейте, ще ви се обадим днес.\nVi ringer deg i dag, blåbær."
    )
    message = compose_email(
        from_address="support@acme.test",
        from_name="Поддръжка 客服 Støtte",
        to=["王伟 <wang@example.cn>", "Иван Петров <ivan@example.bg>"],
        subject="Re: [#T-8] 手机坏了 / Счупен телефон / Ødelagt",
        text=text,
        message_id_domain="acme.test",
        html="<p>您好 Здравейте Blåbær</p>",
    )
    raw = message.as_bytes()
    assert raw.isascii()  # encoded for any SMTP server, 8BITMIME or not
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    parsed = parse_email(raw)
    assert parsed.from_name == "Поддръжка 客服 Støtte"
    assert parsed.to == ("wang@example.cn", "ivan@example.bg")
    assert parsed.subject == "Re: [#T-8] 手机坏了 / Счупен телефон / Ødelagt"
    assert parsed.text == text
    assert parsed.html is not None and parsed.html.rstrip() == "<p>您好 Здравейте Blåbær</p>"


def test_attachments_round_trip_with_names_types_and_content_ids() -> None:
    files = [
        Attachment("rapport æøå.pdf", "application/pdf", b"%PDF-1.4 \x00\xff"),
        Attachment("notes.csv", "text/csv", "a;b\nblå;1\n".encode()),
        Attachment("logo.png", "image/png", b"\x89PNG\r\n", content_id="logo@acme.test"),
        Attachment("original.eml", "message/rfc822", b"Subject: old\r\n\r\nold body\r\n"),
    ]
    message = compose_email(
        from_address="support@acme.test",
        from_name="Acme",
        to=["kari@example.no"],
        subject="Files",
        text="See attached.",
        message_id_domain="acme.test",
        attachments=files,
    )
    parsed = parse_email(message.as_bytes())
    assert parsed.text == "See attached."
    assert [(a.filename, a.content_type, a.content_id) for a in parsed.attachments] == [
        (f.filename, f.content_type, f.content_id) for f in files
    ]
    assert [a.data for a in parsed.attachments[:3]] == [f.data for f in files[:3]]
    assert parse_email(parsed.attachments[3].data).text == "old body"


def test_extra_headers_are_added_but_cannot_replace_threading_headers() -> None:
    base: dict[str, Any] = {
        "from_address": "support@acme.test",
        "from_name": "Acme",
        "to": ["kari@example.no"],
        "subject": "x",
        "text": "x",
        "message_id_domain": "acme.test",
    }
    message = compose_email(**base, extra_headers={"Reply-To": "t-1@acme.test", "X-Ticket": "T-1"})
    assert (message["Reply-To"], message["X-Ticket"]) == ("t-1@acme.test", "T-1")
    with pytest.raises(ValueError, match="set by compose_email"):
        compose_email(**base, extra_headers={"Message-ID": "<mine@acme.test>"})
    with pytest.raises(ValueError, match="line break"):
        compose_email(**base, extra_headers={"X-Ticket": "T-1\r\nBcc: victim@example.com"})


@pytest.mark.parametrize("bad", ["not an address", "a@", "", "a@b@c"])
def test_invalid_addresses_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        compose_email(
            from_address="support@acme.test",
            from_name="Acme",
            to=[bad],
            subject="x",
            text="x",
            message_id_domain="acme.test",
        )


def test_a_subject_with_line_breaks_is_flattened_not_injected() -> None:
    message = compose_email(
        from_address="support@acme.test",
        from_name="Acme\r\nBcc: x@example.com",
        to=["kari@example.no"],
        subject="Hello\r\nBcc: victim@example.com",
        text="x",
        message_id_domain="acme.test",
    )
    assert message["Subject"] == "Hello Bcc: victim@example.com"
    assert message["Bcc"] is None


def test_an_attached_message_with_8bit_bytes_travels_base64_as_octet_stream() -> None:
    original = "Subject: Blåbær\r\n\r\nbødy\r\n".encode()
    message = compose_email(
        from_address="support@acme.test",
        from_name="Acme",
        to=["kari@example.no"],
        subject="Forwarded",
        text="See the original.",
        message_id_domain="acme.test",
        attachments=[Attachment("original.eml", "message/rfc822", original)],
    )
    raw = message.as_bytes()
    assert raw.isascii()
    [attached] = parse_email(raw).attachments
    assert (attached.filename, attached.content_type) == (
        "original.eml",
        "application/octet-stream",
    )
    assert attached.data == original


def test_a_stored_message_id_is_used_as_given() -> None:
    base: dict[str, Any] = {
        "from_address": "support@acme.test",
        "from_name": "Acme",
        "to": ["kari@example.no"],
        "subject": "x",
        "text": "x",
        "message_id_domain": "acme.test",
    }
    message = compose_email(**base, message_id="<outbox-17@acme.test>")
    assert message["Message-ID"] == "<outbox-17@acme.test>"
    with pytest.raises(ValueError, match="is not one <id@host>"):
        compose_email(**base, message_id="no id here")
