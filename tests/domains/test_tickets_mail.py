"""The e-mail channel against real servers on loopback (a private Dovecot, an SMTP sink):
customers' e-mails open tickets or join theirs, acknowledgements and replies leave threaded,
nothing read is stored twice or lost, and bad mail becomes a ticket or a recorded refusal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from contactops.domains.tickets import mail, service
from contactops.domains.tickets.models import (
    InboundMail,
    Mailbox,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from contactops.platform.audit import Actor
from contactops.platform.database import Database
from contactops.platform.storage import FileStore
from tests.conftest import World
from tests.mailservers import ImapAccount, SmtpSink

SUPPORT = "support@alpha.example"
PASSWORD_ENV = "CONTACTOPS_TEST_IMAP_PASSWORD"


@contextmanager
def agent_session(db: Database, world: World) -> Iterator[Session]:
    with db.session(tenant_id=world.tenant_a, actor=Actor(world.users["agent"], "agent")) as s:
        yield s


@pytest.fixture
def mailbox(
    db: Database, world: World, imap_account: ImapAccount, smtp_sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
) -> int:  # fmt: skip
    monkeypatch.setenv(PASSWORD_ENV, imap_account.password)
    with db.session(tenant_id=world.tenant_a) as session:
        return mail.save_mailbox_in(
            session,
            SUPPORT,
            {
                "display_name": "Alpha Support",
                "imap_host": imap_account.host,
                "imap_port": imap_account.port,
                "imap_security": "none",
                "imap_username": imap_account.username,
                "imap_password_env": PASSWORD_ENV,
                "processed_folder": "Done",
                "smtp_host": smtp_sink.host,
                "smtp_port": smtp_sink.port,
                "smtp_security": "none",
            },
        ).id


def customer_mail(
    subject: str = "Broken phone",
    body: str = "My phone does not start.",
    message_id: str = "<c1@customer.example>",
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = "Kari Nordmann <kari@customer.example>"
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = "Tue, 24 Nov 2026 10:00:00 +0100"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def stored(db: Database, world: World, model: type) -> list:  # type: ignore[type-arg]
    with db.session(tenant_id=world.tenant_a) as session:
        rows = list(session.scalars(select(model).order_by(model.id)))
        session.expunge_all()
        return rows


def test_an_e_mail_opens_a_ticket_that_is_acknowledged_answered_and_threaded(
    db: Database, world: World, mailbox: int, imap_account: ImapAccount, smtp_sink: SmtpSink
) -> None:
    uid = imap_account.append(customer_mail())
    result = mail.poll_mailbox(db, mailbox)
    assert (result.fetched, result.opened, result.error) == (1, 1, None)
    [ticket] = stored(db, world, Ticket)
    assert (ticket.channel, ticket.subject, ticket.customer_address) == (
        "email", "Broken phone", "kari@customer.example",
    )  # fmt: skip
    assert ticket.customer_id is not None
    assert "Done" in imap_account.mailboxes()
    assert uid not in imap_account.flags("INBOX")  # moved out once stored

    assert mail.send_outbox(db).sent == 1
    acknowledgement = message_from_bytes(smtp_sink.received[0].data, policy=policy.default)
    assert "[#T-1]" in acknowledgement["Subject"]
    assert acknowledgement["Auto-Submitted"] == "auto-replied"
    assert acknowledgement["In-Reply-To"] == "<c1@customer.example>"
    assert smtp_sink.received[0].rcpt_tos == ("kari@customer.example",)

    with agent_session(db, world) as session:
        version = service.ticket_view_in(session, ticket.number).version
        service.reply_in(session, ticket.number, "Please send us the receipt.", version=version)
    assert mail.send_outbox(db).sent == 1
    reply = message_from_bytes(smtp_sink.received[1].data, policy=policy.default)
    assert reply["In-Reply-To"] == "<c1@customer.example>"
    assert "<c1@customer.example>" in reply["References"]
    assert "Please send us the receipt." in reply.get_body().get_content()

    answer = customer_mail(
        subject="Re: [#T-1] Broken phone",
        body="Here it is.\n\nOn Tue, Alpha Support wrote:\n> Please send us the receipt.",
        message_id="<c2@customer.example>",
        In_Reply_To=reply["Message-ID"],
    )
    imap_account.append(answer)
    assert mail.poll_mailbox(db, mailbox).appended == 1
    messages = [m for m in stored(db, world, TicketMessage) if m.kind == "customer"]
    assert [m.body for m in messages] == ["My phone does not start.", "Here it is."]
    assert len(stored(db, world, Ticket)) == 1


def test_reading_again_stores_nothing_twice(
    db: Database, world: World, mailbox: int, imap_account: ImapAccount
) -> None:
    imap_account.append(customer_mail())
    assert mail.poll_mailbox(db, mailbox).opened == 1
    assert mail.poll_mailbox(db, mailbox).fetched == 0
    # As after a crash between storing and marking: the mailbox forgets how far it read.
    with db.session(tenant_id=world.tenant_a) as session:
        row = session.get(Mailbox, mailbox)
        assert row is not None
        row.last_uid, row.uid_validity = 0, None
    imap_account.append(customer_mail(), mailbox="INBOX")
    again = mail.poll_mailbox(db, mailbox)
    assert (again.fetched, again.duplicates, again.opened) == (1, 1, 0)
    assert len(stored(db, world, Ticket)) == 1


def test_machine_mail_opens_a_ticket_without_an_acknowledgement(
    db: Database, world: World, mailbox: int, imap_account: ImapAccount, smtp_sink: SmtpSink
) -> None:
    imap_account.append(customer_mail(Auto_Submitted="auto-replied", subject="Out of office"))
    assert mail.poll_mailbox(db, mailbox).opened == 1
    assert mail.send_outbox(db).sent == 0
    assert smtp_sink.received == []


def test_bad_mail_becomes_a_ticket_or_a_recorded_refusal_and_is_never_lost(
    db: Database,
    world: World,
    mailbox: int,
    imap_account: ImapAccount,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    html_only = (
        b"From: Ola <ola@customer.example>\r\nTo: support@alpha.example\r\n"
        b"Subject: HTML only\r\nMessage-ID: <h1@customer.example>\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><body><p>Hello</p><script>alert(1)</script><p>World</p></body></html>\r\n"
    )
    unknown_charset = (
        b"From: ola@customer.example\r\nTo: support@alpha.example\r\nSubject: Charset\r\n"
        b"Message-ID: <h2@customer.example>\r\n"
        b"Content-Type: text/plain; charset=x-unknown-42\r\n\r\nbl\xe5b\xe6r\r\n"
    )
    no_sender = b"To: support@alpha.example\r\nSubject: Who?\r\nMessage-ID: <h3@x>\r\n\r\nHi\r\n"
    monkeypatch.setattr(mail, "MAX_MESSAGE_BYTES", 4096)
    too_large = customer_mail(body="x" * 5000, message_id="<big@customer.example>")
    for raw in (html_only, unknown_charset, no_sender, too_large):
        imap_account.append(raw)
    result = mail.poll_mailbox(db, mailbox)
    assert (result.fetched, result.opened, result.refused) == (4, 2, 2)
    bodies = [m.body for m in stored(db, world, TicketMessage) if m.kind == "customer"]
    assert "Hello" in bodies[0] and "World" in bodies[0] and "alert" not in bodies[0]
    assert "bl" in bodies[1]
    notes = [m.body for m in stored(db, world, TicketMessage) if m.kind == "note"]
    assert any("x-unknown-42" in note for note in notes)
    refused = [r for r in stored(db, world, InboundMail) if r.outcome == "refused"]
    assert [r.size_bytes > 4096 for r in refused] == [False, True]  # no sender; too large
    assert all(r.raw and r.reason for r in refused)
    assert len(imap_account.flags("INBOX")) == 2  # the refused ones stay in the mailbox


def test_a_mailbox_without_its_password_is_reported_not_crashed(
    db: Database, world: World, mailbox: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_ENV)
    result = mail.poll_mailbox(db, mailbox)
    assert result.error is not None and PASSWORD_ENV in result.error
    [row] = stored(db, world, Mailbox)
    assert row.last_error == result.error


def test_a_refused_reply_is_marked_failed_and_an_unreachable_server_is_tried_again(
    db: Database, world: World, mailbox: int, imap_account: ImapAccount, smtp_sink: SmtpSink
) -> None:
    imap_account.append(customer_mail())
    mail.poll_mailbox(db, mailbox)
    smtp_sink.refuse_data = "554 5.7.1 Message rejected"
    assert mail.send_outbox(db).failed == 1
    with agent_session(db, world) as session:
        version = service.ticket_view_in(session, 1).version
        service.reply_in(session, 1, "Answer.", version=version)
    with db.session(tenant_id=world.tenant_a) as session:
        row = session.get(Mailbox, mailbox)
        assert row is not None
        row.smtp_port = 1  # nothing listens there
    assert mail.send_outbox(db).waiting == 1
    messages = stored(db, world, TicketMessage)
    deliveries = [(m.kind, m.delivery, m.delivery_attempts) for m in messages if m.delivery]
    assert deliveries == [("auto", "failed", 1), ("reply", "pending", 1)]


def test_a_message_that_fails_to_store_is_recorded_and_the_next_one_still_read(
    db: Database,
    world: World,
    mailbox: int,
    imap_account: ImapAccount,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    imap_account.append(customer_mail(subject="S" * 400, message_id="<long@customer.example>"))
    imap_account.append(customer_mail(subject="Poison", message_id="<poison@customer.example>"))
    imap_account.append(customer_mail(subject="Fine", message_id="<fine@customer.example>"))
    real_open = service.open_ticket_in

    def failing_open(session: Session, **fields: object) -> Ticket:
        if fields["subject"] == "Poison":
            raise RuntimeError("disk full")
        return real_open(session, **fields)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "open_ticket_in", failing_open)
    result = mail.poll_mailbox(db, mailbox)
    assert (result.fetched, result.opened, result.refused) == (3, 2, 1)
    subjects = [t.subject for t in stored(db, world, Ticket)]
    assert subjects == ["S" * 300, "Fine"]
    [refused] = [r for r in stored(db, world, InboundMail) if r.outcome == "refused"]
    assert "disk full" in (refused.reason or "")
    assert mail.poll_mailbox(db, mailbox).fetched == 0  # read past it


def test_e_mail_attachments_are_kept_as_files_of_the_ticket(
    db: Database, world: World, mailbox: int, imap_account: ImapAccount, tmp_path: Path
) -> None:
    message = EmailMessage()
    message["From"] = "kari@customer.example"
    message["To"] = SUPPORT
    message["Subject"] = "Receipt"
    message["Message-ID"] = "<att@customer.example>"
    message.set_content("The receipt is attached.")
    message.add_attachment(b"%PDF-1.4 receipt", maintype="application", subtype="pdf",
                           filename="receipt.pdf")  # fmt: skip
    imap_account.append(message.as_bytes())
    store = FileStore(tmp_path / "files")
    assert mail.poll_mailbox(db, mailbox, store=store).opened == 1
    [attachment] = stored(db, world, TicketAttachment)
    assert (attachment.filename, attachment.content_type) == ("receipt.pdf", "application/pdf")
    assert store.get(attachment.storage_key) == b"%PDF-1.4 receipt"
    assert attachment.message_id is not None
    assert not [m for m in stored(db, world, TicketMessage) if m.kind == "note"]
