"""Files of a ticket: uploaded by agents, or received with the customer's e-mails.

The bytes go to the attachment store first, then the row is written in the caller's
transaction: a failed store leaves nothing behind in the database, and a failed transaction
leaves at most a file nobody points to (removed again when the transaction is ours).
Downloads are always offered as attachments, never shown inline, and only a few harmless types
keep their content type, so an uploaded page cannot run in the agents' browsers.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactops.domains.tickets.models import Ticket, TicketActivity, TicketAttachment
from contactops.domains.tickets.service import (
    _actor,
    _actor_name,
    _ticket,
    attachment_view,
    attachments_of_in,
    ticket_label,
)
from contactops.domains.tickets.views import AttachmentView
from contactops.platform.auth import Principal, tenant_session
from contactops.platform.database import Database, utcnow
from contactops.platform.errors import InvalidInput, NotFound, Unavailable
from contactops.platform.i18n import gettext as _
from contactops.platform.storage import BlobStore, StorageError
from contactops.platform.tenancy import scope_tenant_id

FILENAME_MAX = 200
SHOWN_AS_IS = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}
)


def safe_filename(name: str) -> str:
    """The last path part of ``name``, without control characters, at most 200 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip(" .")
    return kept[-FILENAME_MAX:] or "attachment"


def download_type(content_type: str) -> str:
    """The content type a download is sent with: as stored for harmless types, else bytes."""
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind if kind in SHOWN_AS_IS else "application/octet-stream"


def store_attachment_in(
    session: Session,
    store: BlobStore,
    ticket: Ticket,
    *,
    filename: str,
    content_type: str,
    data: bytes,
    max_bytes: int,
    message_id: int | None = None,
    now: datetime | None = None,
) -> TicketAttachment:
    """Keep ``data`` as a file of ``ticket`` (refused when empty or over ``max_bytes``)."""
    if not data:
        raise InvalidInput("file", _("The file is empty."))
    if len(data) > max_bytes:
        raise InvalidInput(
            "file",
            _("A file has at most %(megabytes).1f MB.", megabytes=max_bytes / 1024 / 1024),
        )
    key = f"{scope_tenant_id(session)}/{ticket.id}/{uuid.uuid4().hex}"
    kind = (content_type or "application/octet-stream").split(";", 1)[0].strip().lower()
    try:
        store.put(key, data, kind)
    except StorageError as error:
        raise Unavailable(_("The file could not be stored; try again later.")) from error
    actor = _actor(session)
    row = TicketAttachment(
        ticket_id=ticket.id,
        message_id=message_id,
        filename=safe_filename(filename),
        content_type=kind[:255],
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        uploaded_by_user_id=actor.user_id,
        created_at=now or utcnow(),
    )
    session.add(row)
    session.add(
        TicketActivity(
            ticket_id=ticket.id, at=row.created_at, actor_user_id=actor.user_id,
            actor_label=_actor_name(session), kind="attached",
            data={"filename": row.filename, "size_bytes": row.size_bytes},
        )
    )  # fmt: skip
    return row


# --- entry points for the web layer -------------------------------------------------------------


def attach(
    db: Database,
    principal: Principal,
    store: BlobStore,
    number: int,
    *,
    filename: str,
    content_type: str,
    data: bytes,
    max_bytes: int,
) -> AttachmentView:
    written: list[str] = []
    try:
        with tenant_session(db, principal) as session:
            ticket = _ticket(session, number)
            row = store_attachment_in(
                session, store, ticket, filename=filename, content_type=content_type, data=data,
                max_bytes=max_bytes,
            )  # fmt: skip
            written.append(row.storage_key)
            session.flush()
            return attachment_view(row, number)
    except Exception:
        for key in written:  # the row was not kept: neither is the file
            store.delete(key)
        raise


def list_attachments(db: Database, principal: Principal, number: int) -> list[AttachmentView]:
    with tenant_session(db, principal) as session:
        return attachments_of_in(session, _ticket(session, number))


def attachment_file(
    db: Database, principal: Principal, store: BlobStore, number: int, attachment_id: int
) -> tuple[AttachmentView, bytes]:
    """The attachment of ticket ``number`` and its bytes; 404 for another ticket's."""
    with tenant_session(db, principal) as session:
        ticket = _ticket(session, number)
        row = session.scalar(
            select(TicketAttachment).where(
                TicketAttachment.id == attachment_id, TicketAttachment.ticket_id == ticket.id
            )
        )
        if row is None:
            raise NotFound(
                _("Ticket %(ticket)s has no attachment %(id)d.", ticket=ticket_label(number),
                  id=attachment_id)
            )  # fmt: skip
        view, key = attachment_view(row, number), row.storage_key
    try:
        return view, store.get(key)
    except StorageError as error:
        raise Unavailable(_("The file could not be read; try again later.")) from error
