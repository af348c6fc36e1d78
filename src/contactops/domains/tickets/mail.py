"""The e-mail channel of tickets: mailboxes read into tickets over IMAP, the outbox sent over
SMTP (the connectors in :mod:`contactops.connectors.email` speak the protocols).

Reading is at least once, storing exactly once. Messages are fetched by UID after the last one
stored; each is stored in a transaction of its own that also advances the mailbox's
``last_uid``, and only then marked read on the server (and moved, if the mailbox says so). A
crash in between fetches it again, and its Message-ID finds it already stored. A message that
cannot become a ticket is recorded as refused with the reason and its raw bytes, and stays in
the mailbox: nothing read is lost.

Threading: a message whose In-Reply-To or References name a message of a ticket (the
customer's, or a reply we sent: its Message-ID is stored before it leaves) joins that ticket;
else a ``[#T-123]`` tag in the subject joins ticket 123 when the sender is that ticket's
customer; else it opens a new ticket, acknowledged with its number unless it was sent by a
machine (auto-replies, bounces, lists: acknowledging them makes mail loops).

Sending is after the transaction that wrote the reply: a thread of the server sends the outbox
(``delivery = pending``) and marks each message sent, or failed after a permanent refusal or
:data:`MAX_SEND_ATTEMPTS` tries. A crash between sending and marking sends again with the same
Message-ID, which mail programs show once.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from contactops.connectors.email import (
    EmailRejected,
    FetchedMessage,
    ImapSettings,
    InboundEmail,
    MailboxError,
    SendError,
    SmtpSettings,
    compose_email,
    fetch_new,
    mark_processed,
    parse_email,
    reply_subject,
    reply_text,
    send_email,
    ticket_number_in,
)
from contactops.domains.customers import service as customers
from contactops.domains.organization import service as organization
from contactops.domains.tickets import service as tickets
from contactops.domains.tickets.attachments import store_attachment_in
from contactops.domains.tickets.configuration import workflow_in
from contactops.domains.tickets.models import (
    AUTO,
    CUSTOMER,
    FAILED,
    PENDING_DELIVERY,
    SENT,
    InboundMail,
    Mailbox,
    Ticket,
    TicketMessage,
)
from contactops.platform.audit import Actor
from contactops.platform.auth import Principal, tenant_session
from contactops.platform.database import Database, utcnow
from contactops.platform.errors import DomainError, InvalidInput, NotFound
from contactops.platform.i18n import gettext as _
from contactops.platform.i18n import use_locale
from contactops.platform.storage import BlobStore
from contactops.platform.tenancy import Tenant

log = logging.getLogger("contactops.tickets")
OPENED, APPENDED, DUPLICATE, REFUSED = "opened", "appended", "duplicate", "refused"
MAX_SEND_ATTEMPTS = 8
RAW_KEPT_MAX = 1024 * 1024  # of a refused message, for a person to look at
MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # larger messages are refused (and left in the mailbox)
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # larger attachments are listed, not kept
POLL_LIMIT = 100
SECURITIES = ("ssl", "starttls", "none")
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")


class MailSettingsError(Exception):
    """A mailbox cannot be used as configured (a password variable is not set)."""


# --- mailboxes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailboxView:
    id: int
    address: str
    display_name: str
    imap_host: str
    imap_port: int
    imap_security: str
    imap_username: str
    imap_password_env: str
    imap_folder: str
    processed_folder: str | None
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str | None
    smtp_password_env: str | None
    queue_id: int | None
    team_id: int | None
    ticket_type: str
    auto_acknowledge: bool
    is_active: bool
    last_uid: int
    last_polled_at: datetime | None
    last_error: str | None


def _view(row: Mailbox) -> MailboxView:
    return MailboxView(**{name: getattr(row, name) for name in MailboxView.__dataclass_fields__})


MAILBOX_FIELDS = tuple(
    name
    for name in MailboxView.__dataclass_fields__
    if name not in ("id", "address", "last_uid", "last_polled_at", "last_error")
)


def _address(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InvalidInput(
            "address", _("%(value)s is not an e-mail address.", value=value or "''")
        ) from None


def _check_mailbox(session: Session, row: Mailbox) -> None:
    for name in ("imap_host", "imap_username", "smtp_host", "display_name", "imap_folder"):
        if not str(getattr(row, name) or "").strip():
            raise InvalidInput(name, _("This field is required."))
    for name in ("imap_port", "smtp_port"):
        if not 0 < int(getattr(row, name)) < 65536:
            raise InvalidInput(name, _("Enter a port from 1 to 65535."))
    for name in ("imap_security", "smtp_security"):
        if getattr(row, name) not in SECURITIES:
            raise InvalidInput(name, _("Use one of %(known)s.", known=", ".join(SECURITIES)))
    for name in ("imap_password_env", "smtp_password_env"):
        value = getattr(row, name)
        if value is not None and not ENV_NAME.match(value):
            raise InvalidInput(
                name,
                _("Give the name of an environment variable, such as SUPPORT_MAIL_PASSWORD."),
            )
    workflow_in(session).type_code(row.ticket_type)
    if row.queue_id is not None:
        organization.get_queue_in(session, row.queue_id)
    if row.team_id is not None and row.team_id not in organization.team_names_in(session):
        raise InvalidInput("team_id", _("There is no team %(id)s.", id=row.team_id))


def save_mailbox_in(session: Session, address: str, fields: Mapping[str, Any]) -> MailboxView:
    """Create or change the mailbox of ``address``; fields not given keep their value."""
    address = _address(address)
    unknown = set(fields) - set(MAILBOX_FIELDS)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], _("This field does not exist."))
    row = session.scalar(select(Mailbox).where(Mailbox.address == address))
    if row is None:
        row = Mailbox(
            address=address, display_name=address, imap_host="", imap_port=993,
            imap_security="ssl", imap_username="", imap_password_env="", imap_folder="INBOX",
            smtp_host="", smtp_port=587, smtp_security="starttls", ticket_type="email",
            auto_acknowledge=True, is_active=True, last_uid=0,
        )  # fmt: skip
        session.add(row)
    for name, value in fields.items():
        setattr(row, name, value.strip() if isinstance(value, str) else value)
    row.updated_at = utcnow()
    _check_mailbox(session, row)
    session.flush()
    return _view(row)


def list_mailboxes_in(session: Session) -> list[MailboxView]:
    return [_view(row) for row in session.scalars(select(Mailbox).order_by(Mailbox.address))]


def _password(env_name: str | None, what: str) -> str | None:
    if not env_name:
        return None
    value = os.environ.get(env_name)
    if value is None:
        raise MailSettingsError(
            f"the environment variable {env_name} holding the {what} password is not set"
        )
    return value


def imap_settings(row: Mailbox) -> ImapSettings:
    return ImapSettings(
        host=row.imap_host,
        port=row.imap_port,
        username=row.imap_username,
        password=_password(row.imap_password_env, "IMAP") or "",
        mailbox=row.imap_folder,
        security=row.imap_security,  # type: ignore[arg-type]
    )


def smtp_settings(row: Mailbox) -> SmtpSettings:
    return SmtpSettings(
        host=row.smtp_host,
        port=row.smtp_port,
        username=row.smtp_username,
        password=_password(row.smtp_password_env, "SMTP"),
        security=row.smtp_security,  # type: ignore[arg-type]
    )


# --- reading --------------------------------------------------------------------------------------


@dataclass
class PollResult:
    mailbox: str
    fetched: int = 0
    opened: int = 0
    appended: int = 0
    duplicates: int = 0
    refused: int = 0
    error: str | None = None


_COUNTERS = {OPENED: "opened", APPENDED: "appended", DUPLICATE: "duplicates", REFUSED: "refused"}


def poll_all(
    db: Database, now: datetime | None = None, store: BlobStore | None = None
) -> list[PollResult]:
    """Read every active mailbox of every tenant once."""
    with db.session(system=True) as session:
        ids = session.scalars(select(Mailbox.id).where(Mailbox.is_active.is_(True))).all()
    return [poll_mailbox(db, mailbox_id, now=now, store=store) for mailbox_id in ids]


def poll_mailbox(
    db: Database,
    mailbox_id: int,
    *,
    now: datetime | None = None,
    limit: int = POLL_LIMIT,
    store: BlobStore | None = None,
) -> PollResult:
    """Fetch the mailbox's new messages and store each (see the module's notes); with a
    ``store``, their attachments are kept as files of the ticket, else listed in a note."""
    with db.session(system=True) as session:
        row = session.get(Mailbox, mailbox_id)
        if row is None:
            raise NotFound(_("There is no such mailbox."))
        tenant_id, address = row.tenant_id, row.address
        after_uid, uid_validity, processed = row.last_uid, row.uid_validity, row.processed_folder
        try:
            settings = imap_settings(row)
        except MailSettingsError as error:
            row.last_error, row.last_polled_at = str(error), utcnow()
            return PollResult(address, error=str(error))
    result = PollResult(address)
    actor = Actor.system(f"mailbox {address}")
    try:
        fetched = fetch_new(settings, after_uid=after_uid, uid_validity=uid_validity, limit=limit)
    except MailboxError as error:
        _note_poll(db, tenant_id, mailbox_id, str(error))
        result.error = str(error)
        return result
    done: list[int] = []
    for message in fetched:
        try:
            with db.session(tenant_id=tenant_id, actor=actor) as session:
                mailbox = session.get(Mailbox, mailbox_id)
                assert mailbox is not None
                outcome = _receive_in(session, mailbox, message, now or utcnow(), store)
                mailbox.last_uid, mailbox.uid_validity = message.uid, message.uid_validity
        except Exception as error:  # recorded, not dropped: the mailbox must not stall on it
            log.exception("message %s of %s could not be stored", message.uid, address)
            with db.session(tenant_id=tenant_id, actor=actor) as session:
                mailbox = session.get(Mailbox, mailbox_id)
                assert mailbox is not None
                session.add(
                    InboundMail(
                        mailbox_id=mailbox_id, uid=message.uid, received_at=now or utcnow(),
                        size_bytes=len(message.raw), outcome=REFUSED,
                        reason=_("It could not be stored: %(error)s", error=str(error)),
                        raw=message.raw[:RAW_KEPT_MAX],
                    )
                )  # fmt: skip
                mailbox.last_uid, mailbox.uid_validity = message.uid, message.uid_validity
            outcome = REFUSED
        result.fetched += 1
        counter = _COUNTERS[outcome]
        setattr(result, counter, getattr(result, counter) + 1)
        if outcome != REFUSED:  # a refused message stays where a person can find it
            done.append(message.uid)
    error = None
    if done:
        try:
            mark_processed(settings, done, move_to=processed)
        except MailboxError as failed:  # stored already; fetched again, found duplicate
            error = str(failed)
    _note_poll(db, tenant_id, mailbox_id, error)
    result.error = error
    return result


def _note_poll(db: Database, tenant_id: int, mailbox_id: int, error: str | None) -> None:
    with db.session(tenant_id=tenant_id) as session:
        mailbox = session.get(Mailbox, mailbox_id)
        if mailbox is not None:
            mailbox.last_polled_at, mailbox.last_error = utcnow(), error


def _already_stored(session: Session, message_id: str) -> bool:
    return (
        session.scalar(
            select(TicketMessage.id).where(TicketMessage.email_message_id == message_id).limit(1)
        )
        is not None
    )


def _receive_in(
    session: Session,
    mailbox: Mailbox,
    fetched: FetchedMessage,
    now: datetime,
    store: BlobStore | None = None,
) -> str:
    """Store one fetched message: the ticket it opens or joins, or a refusal; its outcome."""
    record = InboundMail(mailbox_id=mailbox.id, uid=fetched.uid, received_at=now,
                         size_bytes=len(fetched.raw), outcome=REFUSED)  # fmt: skip
    session.add(record)
    try:
        email = parse_email(fetched.raw, max_message_bytes=MAX_MESSAGE_BYTES)
    except EmailRejected as refused:
        record.reason, record.raw = str(refused), fetched.raw[:RAW_KEPT_MAX]
        return REFUSED
    record.message_id, record.subject = email.message_id, email.subject[:300]
    record.from_address = email.from_address[:320] or None
    if _already_stored(session, email.message_id):
        record.outcome = DUPLICATE
        return DUPLICATE
    # Web forms send from a no-reply address with the customer in Reply-To.
    address = email.reply_to[0] if email.reply_to else email.from_address
    if not address:
        record.reason = _("The message has no sender address to answer.")
        record.raw = fetched.raw[:RAW_KEPT_MAX]
        return REFUSED
    ticket = _thread_of(session, email, address)
    author = email.from_name or address
    if ticket is not None:
        body = reply_text(email.text) or email.text
        message = tickets.add_customer_message_in(
            session,
            ticket,
            _body_of(body, email),
            author_label=author,
            email_message_id=email.message_id,
            now=now,
        )
        record.outcome, record.ticket_id = APPENDED, ticket.id
        _keep_attachments(session, store, ticket, message.id, email, now)
        return APPENDED
    customer_id = customers.identify_customer_id_in(
        session, "email", address, email.from_name or None
    )
    ticket = tickets.open_ticket_in(
        session,
        subject=email.subject[: tickets.SUBJECT_MAX] or _("(no subject)"),
        body=_body_of(email.text, email),
        channel="email",
        ticket_type=mailbox.ticket_type,
        customer_id=customer_id,
        queue_id=mailbox.queue_id,
        team_id=mailbox.team_id,
        author_label=author,
        email_message_id=email.message_id,
        now=now,
    )
    ticket.mailbox_id, ticket.customer_address = mailbox.id, address
    record.outcome, record.ticket_id = OPENED, ticket.id
    first_message = session.scalar(
        select(TicketMessage.id).where(TicketMessage.ticket_id == ticket.id).limit(1)
    )
    _keep_attachments(session, store, ticket, first_message, email, now)
    if mailbox.auto_acknowledge and not email.auto_submitted:
        _acknowledge(session, mailbox, ticket, now)
    return OPENED


def _body_of(text: str, email: InboundEmail) -> str:
    if len(text) > tickets.BODY_MAX:
        return text[: tickets.BODY_MAX - 100] + "\n\n" + _("[The rest of the message is cut.]")
    if text.strip():
        return text
    if email.attachments:
        return _("(The message has no text, only attachments.)")
    return _("(The message has no text.)")


def _keep_attachments(
    session: Session,
    store: BlobStore | None,
    ticket: Ticket,
    message_id: int | None,
    email: InboundEmail,
    now: datetime,
) -> None:
    """The message's attachments as files of the ticket; an internal note lists what was
    repaired while reading and any attachment that could not be kept."""
    lines = list(email.problems)
    for attachment in email.attachments:
        if store is not None:
            try:
                with session.begin_nested():
                    store_attachment_in(
                        session, store, ticket, filename=attachment.filename,
                        content_type=attachment.content_type, data=attachment.data,
                        max_bytes=MAX_ATTACHMENT_BYTES, message_id=message_id, now=now,
                    )  # fmt: skip
                continue
            except DomainError as refused:
                lines.append(f"{attachment.filename}: {refused.detail}")
                continue
        lines.append(
            _("Attachment not stored: %(name)s (%(size)d bytes).",
              name=attachment.filename, size=len(attachment.data))
        )  # fmt: skip
    if not lines:
        return
    session.add(
        TicketMessage(
            ticket_id=ticket.id, kind="note", author_label=_("E-mail channel"),
            body="\n".join(lines), created_at=now,
        )
    )  # fmt: skip


def _thread_of(session: Session, email: InboundEmail, address: str) -> Ticket | None:
    """The ticket the message answers: by its headers, else by the subject's tag and sender."""
    known = [*email.references, *([email.in_reply_to] if email.in_reply_to else [])]
    if known:
        ticket_id = session.scalar(
            select(TicketMessage.ticket_id)
            .where(TicketMessage.email_message_id.in_(known))
            .order_by(TicketMessage.id.desc())
            .limit(1)
        )
        if ticket_id is not None:
            return session.get(Ticket, ticket_id)
    number = ticket_number_in(email.subject)
    if number is None:
        return None
    ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None:
        return None
    if ticket.customer_address == address:
        return ticket
    owner = customers.find_customer_id_in(session, "email", address)
    if owner is not None and owner == ticket.customer_id:
        return ticket
    return None  # a stranger naming someone else's ticket opens a ticket of their own


def _acknowledge(session: Session, mailbox: Mailbox, ticket: Ticket, now: datetime) -> None:
    tenant = session.get(Tenant, ticket.tenant_id)
    with use_locale(tenant.locale if tenant else "en"):
        body = _(
            "We have received your message and opened ticket %(ticket)s. We will answer as "
            "soon as we can. Please keep %(ticket)s in the subject when you write to us about "
            "it.",
            ticket=tickets.ticket_label(ticket.number),
        )
    message = TicketMessage(
        ticket_id=ticket.id, kind=AUTO, author_label=mailbox.display_name, body=body,
        created_at=now,
    )  # fmt: skip
    session.add(message)
    tickets.queue_email_in(session, ticket, message)


# --- sending ------------------------------------------------------------------------------------


@dataclass
class OutboxResult:
    sent: int = 0
    failed: int = 0
    waiting: int = 0


def send_outbox(db: Database, limit: int = 50) -> OutboxResult:
    """Send the messages waiting in the outbox of every tenant, oldest first."""
    result = OutboxResult()
    with db.session(system=True) as session:
        pending = session.execute(
            select(TicketMessage.id, TicketMessage.tenant_id)
            .where(TicketMessage.delivery == PENDING_DELIVERY)
            .order_by(TicketMessage.id)
            .limit(limit)
        ).all()
    for message_id, tenant_id in pending:
        outcome = _send_one(db, tenant_id, message_id)
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def _send_one(db: Database, tenant_id: int, message_id: int) -> str:
    with db.session(tenant_id=tenant_id) as session:
        message = session.get(TicketMessage, message_id)
        if message is None or message.delivery != PENDING_DELIVERY:
            return "sent"
        ticket = session.get(Ticket, message.ticket_id)
        mailbox = session.get(Mailbox, message.mailbox_id) if message.mailbox_id else None
        if ticket is None or mailbox is None or not message.to_address:
            message.delivery, message.delivery_error = FAILED, "no mailbox or address to send from"
            return "failed"
        try:
            settings = smtp_settings(mailbox)
            email = _composed(session, mailbox, ticket, message)
        except (MailSettingsError, ValueError) as error:
            message.delivery_attempts += 1
            message.delivery_error = str(error)
            return "waiting"
    try:
        send_email(settings, email)
    except SendError as error:
        with db.session(tenant_id=tenant_id) as session:
            message = session.get(TicketMessage, message_id)
            assert message is not None
            message.delivery_attempts += 1
            message.delivery_error = str(error)
            if error.permanent or message.delivery_attempts >= MAX_SEND_ATTEMPTS:
                message.delivery = FAILED
                return "failed"
            return "waiting"
    with db.session(tenant_id=tenant_id) as session:
        message = session.get(TicketMessage, message_id)
        assert message is not None
        message.delivery, message.sent_at, message.delivery_error = SENT, utcnow(), None
        message.delivery_attempts += 1
    return "sent"


def _composed(session: Session, mailbox: Mailbox, ticket: Ticket, message: TicketMessage) -> Any:
    """The e-mail of ``message``, threaded under the ticket's earlier e-mails."""
    earlier = session.execute(
        select(TicketMessage.kind, TicketMessage.email_message_id)
        .where(
            TicketMessage.ticket_id == ticket.id,
            TicketMessage.id < message.id,
            TicketMessage.email_message_id.is_not(None),
        )
        .order_by(TicketMessage.id)
    ).all()
    references = [message_id for _kind, message_id in earlier]
    from_customer = [message_id for kind, message_id in earlier if kind == CUSTOMER]
    composed = compose_email(
        from_address=mailbox.address,
        from_name=mailbox.display_name,
        to=[message.to_address or ""],
        subject=reply_subject(ticket.subject, ticket.number),
        text=message.body,
        message_id_domain=mailbox.address.rsplit("@", 1)[-1],
        in_reply_to=from_customer[-1] if from_customer else None,
        references=references,
        auto_submitted=message.kind == AUTO,
        message_id=message.email_message_id,
    )
    return composed


# --- entry points for the web layer -------------------------------------------------------------


def list_mailboxes(db: Database, principal: Principal) -> list[MailboxView]:
    with tenant_session(db, principal) as session:
        return list_mailboxes_in(session)


def save_mailbox(
    db: Database, principal: Principal, address: str, fields: Mapping[str, Any]
) -> MailboxView:
    with tenant_session(db, principal) as session:
        return save_mailbox_in(session, address, fields)


@dataclass(frozen=True)
class InboundView:
    id: int
    mailbox_id: int
    received_at: datetime
    from_address: str | None
    subject: str | None
    outcome: str
    reason: str | None
    ticket_id: int | None
    size_bytes: int


def inbound_mail(db: Database, principal: Principal, limit: int = 100) -> list[InboundView]:
    """What the mailboxes read lately and what became of each message, newest first."""
    with tenant_session(db, principal) as session:
        rows = session.scalars(select(InboundMail).order_by(InboundMail.id.desc()).limit(limit))
        return [
            InboundView(
                r.id,
                r.mailbox_id,
                r.received_at,
                r.from_address,
                r.subject,
                r.outcome,
                r.reason,
                r.ticket_id,
                r.size_bytes,
            )
            for r in rows
        ]
