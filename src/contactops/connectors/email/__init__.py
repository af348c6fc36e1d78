"""The e-mail channel's connectors: read a mailbox over IMAP, parse and compose messages,
send over SMTP. Standard library only; the ticket logic lives in the tickets domain.
How the pieces fit together is described in docs/email.md.
"""

from __future__ import annotations

from contactops.connectors.email.compose import compose_email
from contactops.connectors.email.html_text import html_to_text
from contactops.connectors.email.mailbox import (
    FetchedMessage,
    ImapSecurity,
    ImapSettings,
    MailboxError,
    fetch_new,
    mark_processed,
)
from contactops.connectors.email.messages import (
    Attachment,
    EmailRejected,
    InboundEmail,
    message_ids,
    normalize_message_id,
    parse_email,
)
from contactops.connectors.email.replies import reply_subject, reply_text, ticket_number_in
from contactops.connectors.email.sending import SendError, SmtpSecurity, SmtpSettings, send_email

__all__ = [
    "Attachment",
    "EmailRejected",
    "FetchedMessage",
    "ImapSecurity",
    "ImapSettings",
    "InboundEmail",
    "MailboxError",
    "SendError",
    "SmtpSecurity",
    "SmtpSettings",
    "compose_email",
    "fetch_new",
    "html_to_text",
    "mark_processed",
    "message_ids",
    "normalize_message_id",
    "parse_email",
    "reply_subject",
    "reply_text",
    "send_email",
    "ticket_number_in",
]
