"""Outgoing mail: a reply or acknowledgement as an RFC 5322 message, threaded and UTF-8 safe.

Threading follows RFC 5322 §3.6.4: the reply's In-Reply-To names the message answered and its
References are the parent's References followed by the parent's Message-ID, so every mail
client files the answer under the customer's conversation. Automatic messages carry
``Auto-Submitted: auto-replied`` (RFC 3834 §5) so other robots do not answer them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid, parseaddr

from contactops.connectors.email.charsets import clean_line
from contactops.connectors.email.messages import Attachment, message_ids

__all__ = ["compose_email"]

MAX_REFERENCES = 20  # RFC 5322 §3.6.4 allows trimming; the first (thread root) is always kept
_ID_HEADERS = frozenset({"message-id", "in-reply-to", "references"})
_SET_HERE = _ID_HEADERS | {"from", "to", "subject", "date", "auto-submitted", "mime-version"}
_HEADER_NAME = re.compile(r"[!-9;-~]+")  # RFC 5322 §2.2: printable ASCII except colon
_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\"\\]+@[A-Za-z0-9.-]+")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*")  # RFC 6838 §4.2 type and subtype names
_DOMAIN = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")


class _ThreadingPolicy(EmailPolicy):
    """SMTP policy (CRLF) that folds message-id lists between ids only: the library's
    refolding would turn a long ``<id>`` into RFC 2047 encoded words and break threading."""

    def fold(self, name: str, value: str) -> str:
        if name.lower() in _ID_HEADERS:
            return _fold_ids(name, str(value), self.linesep)
        return str(super().fold(name, value))

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in _ID_HEADERS:
            return _fold_ids(name, str(value), self.linesep).encode("utf-8", "surrogateescape")
        return super().fold_binary(name, value)


POLICY = _ThreadingPolicy(linesep="\r\n", cte_type="7bit")  # no 8BITMIME needed


def compose_email(
    *,
    from_address: str,
    from_name: str,
    to: Sequence[str],
    subject: str,
    text: str,
    message_id_domain: str,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    html: str | None = None,
    attachments: Sequence[Attachment] = (),
    auto_submitted: bool = False,
    extra_headers: Mapping[str, str] | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """A message ready for :func:`send_email`, with a UTC Date and a fresh Message-ID at
    ``message_id_domain`` — or ``message_id`` when given, for an outbox that stores the id
    before sending so a retry sends the same message. ``to`` holds addresses or
    ``Name <address>``. Raises ValueError for an invalid address, id, domain or header (a
    programming or settings error, not a mail error)."""
    if not _DOMAIN.fullmatch(message_id_domain):
        raise ValueError(f"message_id_domain {message_id_domain!r} is not a host name")
    if not to:
        raise ValueError("a message needs at least one recipient in `to`")
    message = EmailMessage(policy=POLICY)
    message["From"] = _mailbox(from_name, from_address)
    message["To"] = [_address(entry) for entry in to]
    message["Subject"] = clean_line(subject)
    message["Date"] = format_datetime(datetime.now(UTC))
    own_id = (
        message_ids(message_id)
        if message_id is not None
        else [make_msgid(domain=message_id_domain)]
    )
    if len(own_id) != 1:
        raise ValueError(f"message_id {message_id!r} is not one <id@host>")
    message["Message-ID"] = own_id[0]
    parent = message_ids(in_reply_to) if in_reply_to else []
    if parent:
        message["In-Reply-To"] = parent[0]
    thread = message_ids(" ".join([*references, *parent]))
    if len(thread) > MAX_REFERENCES:
        thread = thread[:1] + thread[-(MAX_REFERENCES - 1) :]
    if thread:
        message["References"] = " ".join(thread)
    if auto_submitted:
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office back
    for name, value in (extra_headers or {}).items():
        _check_extra_header(name, value)
        if name in message:
            raise ValueError(f"the {name} header is set by compose_email itself")
        message[name] = value
    message.set_content(text.replace("\r\n", "\n"), charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    for attachment in attachments:
        _attach(message, attachment)
    return message


def _attach(message: EmailMessage, attachment: Attachment) -> None:
    maintype, _, subtype = attachment.content_type.lower().partition("/")
    cte = "base64"
    if (maintype, subtype) == ("message", "rfc822") and attachment.data.isascii():
        cte = "7bit"  # RFC 2046 §5.2.1: an attached message is never base64-encoded
    elif (
        not _TOKEN.fullmatch(maintype)
        or not _TOKEN.fullmatch(subtype)
        or maintype
        in (
            "multipart",
            "message",
        )
    ):
        maintype, subtype = "application", "octet-stream"
    message.add_attachment(
        attachment.data,
        maintype=maintype,
        subtype=subtype,
        cte=cte,
        filename=attachment.filename,
        cid=f"<{attachment.content_id}>" if attachment.content_id else None,
    )


def _address(entry: str) -> Address:
    name, address = parseaddr(entry)
    return _mailbox(name, address or entry)


def _mailbox(name: str, address: str) -> Address:
    if not _ADDRESS.fullmatch(address):
        raise ValueError(f"{address!r} is not an e-mail address")
    try:
        return Address(display_name=clean_line(name), addr_spec=address)
    except (ValueError, IndexError) as error:  # the library's parser on odd local parts
        raise ValueError(f"{address!r} cannot be written as an e-mail address: {error}") from error


def _check_extra_header(name: str, value: str) -> None:
    if not _HEADER_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a header name")
    if name.lower() in _SET_HERE:
        raise ValueError(f"the {name} header is set by compose_email itself")
    if "\r" in value or "\n" in value:
        raise ValueError(f"the {name} header value contains a line break")


def _fold_ids(name: str, value: str, linesep: str) -> str:
    lines = [f"{name}:"]
    for token in value.split():
        if len(lines[-1]) + 1 + len(token) > 78 and lines[-1] != f"{name}:":
            lines.append("")
        lines[-1] += " " + token
    return linesep.join(lines) + linesep
