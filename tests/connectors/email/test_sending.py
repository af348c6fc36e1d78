"""send_email against a real SMTP server (aiosmtpd on loopback): delivery, refusals, logins."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from contactops.connectors.email import (
    SendError,
    compose_email,
    parse_email,
    reply_subject,
    send_email,
)
from tests.mailservers import SmtpSink, free_port


def reply(**overrides: Any) -> EmailMessage:
    values: dict[str, Any] = {
        "from_address": "support@acme.test",
        "from_name": "Поддръжка Acme 客服",
        "to": ["王伟 <wang@example.cn>"],
        "subject": reply_subject("手机坏了", 42),
        "text": "您好，我们今天给您打电话。\nЗдравейте, ще ви се обадим днес.",
        "message_id_domain": "acme.test",
        "in_reply_to": "<customer-2@example.cn>",
        "references": ["<customer-1@example.cn>", "<acme-ack-42@acme.test>"],
    }
    return compose_email(**(values | overrides))


def test_a_reply_in_chinese_and_bulgarian_arrives_whole(smtp_sink: SmtpSink) -> None:
    message = reply(auto_submitted=True)
    refused = send_email(smtp_sink.settings(), message)
    assert refused == {}
    [received] = smtp_sink.received
    assert received.mail_from == "support@acme.test"
    assert received.rcpt_tos == ("wang@example.cn",)
    parsed = parse_email(received.data)
    assert parsed.message_id == message["Message-ID"]
    assert parsed.in_reply_to == "<customer-2@example.cn>"
    assert parsed.references == (
        "<customer-1@example.cn>",
        "<acme-ack-42@acme.test>",
        "<customer-2@example.cn>",
    )
    assert parsed.auto_submitted
    assert parsed.subject == "Re: [#T-42] 手机坏了"
    assert (parsed.from_name, parsed.from_address) == ("Поддръжка Acme 客服", "support@acme.test")
    assert parsed.text == "您好，我们今天给您打电话。\nЗдравейте, ще ви се обадим днес."
    assert parsed.problems == ()


def test_bcc_recipients_get_the_message_without_the_header(smtp_sink: SmtpSink) -> None:
    message = reply(extra_headers={"Cc": "lead@acme.test", "Bcc": "audit@acme.test"})
    send_email(smtp_sink.settings(), message)
    [received] = smtp_sink.received
    assert set(received.rcpt_tos) == {"wang@example.cn", "lead@acme.test", "audit@acme.test"}
    assert b"audit@acme.test" not in received.data


def test_a_5xx_refusal_is_permanent(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_data = "554 5.7.1 Message rejected as spam"
    with pytest.raises(SendError) as failed:
        send_email(smtp_sink.settings(), reply())
    assert failed.value.permanent
    assert failed.value.code == 554
    assert "554 5.7.1 Message rejected as spam" in str(failed.value)


def test_a_4xx_refusal_is_temporary(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_data = "451 4.3.0 Try again later"
    with pytest.raises(SendError) as failed:
        send_email(smtp_sink.settings(), reply())
    assert not failed.value.permanent
    assert failed.value.code == 451


def test_every_recipient_refused_with_5xx_is_permanent(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_rcpt["wang@example.cn"] = "550 5.1.1 No such user"
    with pytest.raises(SendError) as failed:
        send_email(smtp_sink.settings(), reply())
    assert failed.value.permanent
    assert "wang@example.cn: 550 5.1.1 No such user" in str(failed.value)
    assert smtp_sink.received == []


def test_some_recipients_refused_are_returned_and_the_rest_delivered(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_rcpt["gone@example.com"] = "550 5.1.1 No such user"
    message = reply(to=["wang@example.cn", "gone@example.com"])
    refused = send_email(smtp_sink.settings(), message)
    assert refused == {"gone@example.com": (550, "5.1.1 No such user")}
    assert [r.rcpt_tos for r in smtp_sink.received] == [("wang@example.cn",)]


def test_a_closed_port_is_a_temporary_error() -> None:
    settings = SmtpSink(free_port()).settings(timeout_s=3.0)
    with pytest.raises(SendError) as failed:
        send_email(settings, reply())
    assert not failed.value.permanent
    assert failed.value.code is None
    assert f"127.0.0.1:{settings.port}" in str(failed.value)


def test_starttls_required_but_not_offered_is_a_temporary_error(smtp_sink: SmtpSink) -> None:
    with pytest.raises(SendError, match="does not offer STARTTLS") as failed:
        send_email(smtp_sink.settings(security="starttls"), reply())
    assert not failed.value.permanent


def test_login_with_ascii_and_utf8_passwords() -> None:
    logins = {"agent": "s3cret-pass", "åse": "blåbærsyltetøy-密码"}
    with SmtpSink.running(logins=logins) as sink:
        for username, password in logins.items():
            settings = sink.settings(username=username, password=password)
            send_email(settings, reply())
        assert len(sink.received) == 2


def test_a_refused_login_is_temporary_and_never_shows_the_password() -> None:
    with SmtpSink.running(logins={"agent": "right-password"}) as sink:
        settings = sink.settings(username="agent", password="wrong-password-123")
        with pytest.raises(SendError) as failed:
            send_email(settings, reply())
    assert not failed.value.permanent
    assert failed.value.code == 535
    assert "agent" in str(failed.value)
    assert "wrong-password-123" not in str(failed.value)
    assert "wrong-password-123" not in repr(settings)


def test_a_message_without_recipients_is_refused_before_connecting() -> None:
    message = reply()
    del message["To"]
    with pytest.raises(SendError, match="no From or no recipient") as failed:
        send_email(SmtpSink(free_port()).settings(), message)
    assert failed.value.permanent
