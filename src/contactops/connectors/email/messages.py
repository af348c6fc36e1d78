"""Raw RFC 5322 bytes → an :class:`InboundEmail` a ticket can be made from.

Mail is parsed with the standard library (``email.policy.default``), but every header is read
from its raw value and decoded here, and every body part through :mod:`.charsets`, because
real mail breaks the rules in ways the library either raises on or silently turns into
surrogate escapes. The rule: any bytes give either an :class:`InboundEmail`, whose ``problems``
name everything that had to be repaired, or an :class:`EmailRejected` with a reason code.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.errors import MessageError
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from io import BytesIO
from mimetypes import MimeTypes

from contactops.connectors.email.charsets import (
    clean_line,
    clean_text,
    decode_bytes,
    decode_encoded_words,
    restore_8bit,
)
from contactops.connectors.email.html_text import html_to_text

__all__ = [
    "Attachment",
    "EmailRejected",
    "InboundEmail",
    "message_ids",
    "normalize_message_id",
    "parse_email",
]

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_MIME_DEPTH = 40  # deeper nesting is an attack, not a mail client
MAX_MESSAGE_ID_CHARS = 250  # longer ids are replaced by a hash of themselves (same everywhere)
MAX_REFERENCES = 50  # RFC 5322 §3.6.4 lets a References list be trimmed: keep first and last
SYNTHETIC_ID_DOMAIN = "contactops.invalid"  # RFC 2606: can never be a real host

# What the standard library raises on hostile input it half-understands.
_LIBRARY_ERRORS = (MessageError, ValueError, TypeError, LookupError, AttributeError)
# At least one of these makes bytes an e-mail message rather than something else.
_MAIL_HEADERS = frozenset(
    {"from", "sender", "reply-to", "to", "cc", "subject", "date", "message-id", "received"}
    | {"return-path", "mime-version", "in-reply-to", "references", "delivered-to"}
)
_MESSAGE_ID = re.compile(r"<([^<>]*)>")
_BARE_ID = re.compile(r"[^\s<>@]+@[^\s<>@]+")
_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_FILENAME_FORBIDDEN = re.compile(r'[<>:"|?*]')
_EXTENSIONS = {
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "text/rfc822-headers": ".txt",
}
_MIME_TYPES = MimeTypes()  # the built-in table only, the same on every machine
_PARSER = BytesParser(policy=policy.default)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file carried by a message. ``filename`` is safe to show and to offer for download."""

    filename: str  # no path, control or bidi characters; "attachment-N.ext" if it had none
    content_type: str
    data: bytes
    content_id: str | None = None  # without <>, what an inline image's HTML names as cid:...


@dataclass(frozen=True, slots=True)
class InboundEmail:
    """One received message, decoded, with the list of what had to be repaired."""

    message_id: str  # "<id@host>"; synthetic "<sha-...@contactops.invalid>" when missing
    in_reply_to: str | None
    references: tuple[str, ...]  # "<id@host>" each, oldest first
    subject: str
    from_address: str  # lower-cased addr-spec, "" when there is none (see problems)
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    sent_at: datetime | None  # aware UTC
    text: str  # the plain-text body, whole (quoted history included; see reply_text)
    html: str | None  # the HTML body as sent: never render it unsanitized
    attachments: tuple[Attachment, ...]
    auto_submitted: bool  # an auto-reply, bounce or list mail: never auto-acknowledge it
    problems: tuple[str, ...]
    reply_to: tuple[str, ...] = ()  # Reply-To addresses: where an answer should go, if any


class EmailRejected(ValueError):
    """Bytes that cannot become a ticket; ``reason`` is a short code, ``str()`` a sentence."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def parse_email(
    raw: bytes,
    *,
    max_message_bytes: int = MAX_MESSAGE_BYTES,
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
) -> InboundEmail:
    """Decode one message. Raises only :class:`EmailRejected`: ``too_large`` (decided before
    parsing), ``not_an_email`` (no mail header at all) or ``unparseable`` (the parser failed)."""
    raw = bytes(raw)
    if len(raw) > max_message_bytes:
        raise EmailRejected(
            "too_large",
            f"the message is {_size(len(raw))}, larger than the {_size(max_message_bytes)} limit",
        )
    if not raw.strip():
        raise EmailRejected("not_an_email", "the message is empty")
    try:
        return _Reader(raw, max_attachment_bytes).read()
    except EmailRejected:
        raise
    except (*_LIBRARY_ERRORS, RecursionError, MemoryError) as error:
        # The standard library's parser has crash bugs on hostile input; one bad message
        # must not stop a mailbox from being read.
        raise EmailRejected(
            "unparseable", f"the message could not be parsed ({type(error).__name__})"
        ) from error


def normalize_message_id(value: str) -> str | None:
    """``<id@host>`` from a header value, or None; over-long ids become a hash of themselves."""
    ids = message_ids(value)
    return ids[0] if ids else None


def message_ids(value: str) -> list[str]:
    """Every ``<id>`` in a Message-ID / In-Reply-To / References value, in order, once each."""
    value = _FOLD.sub("", value)
    found = [match.group(1) for match in _MESSAGE_ID.finditer(value)]
    if not found:
        found = _BARE_ID.findall(value)  # "id@host" written without the brackets
    ids: dict[str, None] = {}
    for text in found:
        text = "".join(clean_line(text).split())
        if not text:
            continue
        if len(text) > MAX_MESSAGE_ID_CHARS:
            text = f"sha-{_digest(text.encode('utf-8', 'surrogateescape'))}@{SYNTHETIC_ID_DOMAIN}"
        ids[f"<{text}>"] = None
    return list(ids)


class _Reader:
    """One parse: the message, the limits, and the problems noted so far."""

    def __init__(self, raw: bytes, max_attachment_bytes: int) -> None:
        self.raw = raw
        self.max_attachment_bytes = max_attachment_bytes
        self.problems: list[str] = []
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[Attachment] = []
        self.files_seen = 0
        self.message: Message = _PARSER.parsebytes(raw)
        self.headers: dict[str, list[str]] = {}
        for name, value in self.message.raw_items():
            self.headers.setdefault(str(name).strip().lower(), []).append(str(value))

    def read(self) -> InboundEmail:
        if not _MAIL_HEADERS.intersection(self.headers):
            raise EmailRejected(
                "not_an_email", "no e-mail header (From, To, Subject, Date...) was found"
            )
        message_id = self._message_id()
        references = message_ids(" ".join(self.headers.get("references", [])))
        if len(references) > MAX_REFERENCES:
            references = references[:1] + references[-(MAX_REFERENCES - 1) :]
        from_name, from_address = self._sender()
        self._walk(self.message, depth=0)
        text = "\n\n".join(t for t in self.texts if t.strip())
        html = "\n".join(self.htmls) if self.htmls else None
        if not text.strip() and html:
            text = clean_text(html_to_text(html))
        text = text.rstrip().lstrip("\n")
        return InboundEmail(
            message_id=message_id,
            in_reply_to=normalize_message_id(self._header("in-reply-to")),
            references=tuple(references),
            subject=clean_line(self._decoded("subject", "the subject")),
            from_address=from_address,
            from_name=from_name,
            to=self._addresses("to"),
            cc=self._addresses("cc"),
            sent_at=self._sent_at(),
            text=text,
            html=html,
            attachments=tuple(self.attachments),
            auto_submitted=self._auto_submitted(from_address),
            problems=tuple(dict.fromkeys(clean_line(p) for p in self.problems)),
            reply_to=self._addresses("reply-to"),
        )

    # Headers

    def _header(self, name: str) -> str:
        values = self.headers.get(name)
        return _FOLD.sub("", values[0]) if values else ""

    def _decoded(self, name: str, where: str) -> str:
        value = restore_8bit(self._header(name), where, self.problems)
        return decode_encoded_words(value, where, self.problems)

    def _message_id(self) -> str:
        found = normalize_message_id(self._header("message-id"))
        if found:
            return found
        self.problems.append("no Message-ID; a stable one was derived from the message bytes")
        return f"<sha-{_digest(self.raw)}@{SYNTHETIC_ID_DOMAIN}>"

    def _mailboxes(self, name: str) -> list[tuple[str, str]]:
        where = f"the {name.title()} header"
        value = restore_8bit(self._header(name), where, self.problems)
        try:
            pairs = getaddresses([value])
        except _LIBRARY_ERRORS:
            pairs = []
        found = []
        for display, address in pairs:
            address = "".join(address.split()).lower()
            if _ADDRESS.fullmatch(address):
                name_text = decode_encoded_words(display, where, self.problems)
                found.append((clean_line(name_text).strip("\"' "), clean_line(address)))
        return found

    def _addresses(self, name: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(address for _, address in self._mailboxes(name)))

    def _sender(self) -> tuple[str, str]:
        mailboxes = self._mailboxes("from")
        if mailboxes:
            return mailboxes[0]
        if "from" in self.headers:
            shown = clean_line(self._header("from"))[:80]
            self.problems.append(f"the From header has no usable address ({shown!r})")
        else:
            self.problems.append("no From header: the sender is unknown")
        return "", ""

    def _sent_at(self) -> datetime | None:
        value = clean_line(self._header("date"))
        if not value:
            return None
        try:
            sent = parsedate_to_datetime(value)
            return (sent if sent.tzinfo else sent.replace(tzinfo=UTC)).astimezone(UTC)
        except (ValueError, TypeError, IndexError, OverflowError):
            self.problems.append(f"the Date header {value[:80]!r} is not a date; ignored")
            return None

    def _auto_submitted(self, from_address: str) -> bool:
        """RFC 3834 §2 and common practice: which mail an automatic reply must not answer."""
        auto = self._header("auto-submitted").split(";")[0].strip().lower()
        precedence = self._header("precedence").strip().lower()
        suppress = set(re.split(r"[\s,]+", self._header("x-auto-response-suppress").lower()))
        return (
            (bool(auto) and auto != "no")
            or precedence in ("bulk", "junk", "list", "auto_reply")
            or any(h in self.headers for h in ("x-autoreply", "x-autorespond", "x-auto-reply"))
            or any(h in self.headers for h in ("list-id", "list-unsubscribe"))
            or bool(suppress & {"all", "oof", "autoreply"})
            or ("return-path" in self.headers and _null_path(self._header("return-path")))
            or _safe_type(self.message) == "multipart/report"
            or from_address.startswith("mailer-daemon@")
        )

    # Body

    def _walk(self, part: Message, depth: int) -> None:
        self._note_defects(part)
        if depth > MAX_MIME_DEPTH:
            self.problems.append(f"MIME parts nested deeper than {MAX_MIME_DEPTH} were skipped")
            return
        content_type = _safe_type(part)
        if content_type.startswith("message/"):
            self._attach_message(part, content_type)
        elif part.is_multipart():
            children = [c for c in part.get_payload() if isinstance(c, Message)]
            if content_type == "multipart/alternative":
                self._alternative(children, depth)
            else:
                for child in children:
                    self._walk(child, depth + 1)
        elif content_type in ("text/plain", "text/html") and not _is_file(part, depth):
            self._body(part, content_type)
        else:
            self._attach_leaf(part, content_type)

    def _alternative(self, children: list[Message], depth: int) -> None:
        """RFC 2046 §5.1.4: one content in several forms; the plain one is the text."""
        bodies: dict[str, list[Message]] = {"text/plain": [], "text/html": []}
        for child in children:
            content_type = _safe_type(child)
            if content_type in bodies and not _is_file(child, depth + 1):
                bodies[content_type].append(child)
            elif content_type.startswith("text/") and content_type != "text/calendar":
                self._note_defects(child)  # text/enriched, text/watch-html: the same again
            else:
                self._walk(child, depth + 1)
        for content_type, parts in bodies.items():
            if parts:
                self._note_defects(parts[-1])
                self._body(parts[-1], content_type)

    def _body(self, part: Message, content_type: str) -> None:
        data = _payload_bytes(part)
        if content_type == "text/html":
            where = "the HTML part"
            charset = _charset(part) or _meta_charset(data)
            self.htmls.append(clean_text(decode_bytes(data, charset, where, self.problems)))
        else:
            text = decode_bytes(data, _charset(part), "the text", self.problems)
            if "\x00" in text:
                self.problems.append("NUL characters were removed from the text")
            self.texts.append(clean_text(text))
        self._note_defects(part)  # decoding base64 reports its defects here

    def _attach_leaf(self, part: Message, content_type: str) -> None:
        data = _payload_bytes(part)
        self._note_defects(part)
        self._attach(part, content_type, data, self._filename(part))

    def _attach_message(self, part: Message, content_type: str) -> None:
        payload = part.get_payload()
        if isinstance(payload, list):
            data = b"".join(_serialize(inner) for inner in payload if isinstance(inner, Message))
            inner_subject = ""
            if payload and isinstance(payload[0], Message):
                inner_subject = _safe_subject(payload[0], self.problems)
        else:
            data = _payload_bytes(part)
            inner_subject = ""
        name = self._filename(part)
        if not name and inner_subject and content_type in ("message/rfc822", "message/global"):
            name = _sanitize_filename(inner_subject[:100]) + ".eml"
        self._attach(part, content_type, data, name)

    def _attach(self, part: Message, content_type: str, data: bytes, name: str) -> None:
        self.files_seen += 1
        if not name:
            extension = _EXTENSIONS.get(content_type) or _MIME_TYPES.guess_extension(content_type)
            name = f"attachment-{self.files_seen}{extension or ''}"
        if len(data) > self.max_attachment_bytes:
            self.problems.append(
                f"attachment {name!r} ({_size(len(data))}) was dropped: larger than the "
                f"{_size(self.max_attachment_bytes)} limit"
            )
            return
        content_id = normalize_message_id(_raw_header(part, "content-id"))
        self.attachments.append(
            Attachment(name, content_type, data, content_id[1:-1] if content_id else None)
        )

    def _filename(self, part: Message) -> str:
        try:
            name = part.get_filename()
        except _LIBRARY_ERRORS:
            name = None
        if not name:
            return ""
        name = decode_encoded_words(restore_8bit(name, "a file name", self.problems), "", [])
        return _sanitize_filename(name)

    def _note_defects(self, part: Message) -> None:
        for defect in part.defects:
            self.problems.append(f"MIME structure: {_describe(defect)}")
        part.defects.clear()  # each is noted once, however often the part is visited


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except _LIBRARY_ERRORS:
        data = None
    return data if isinstance(data, bytes) else b""


def _safe_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except _LIBRARY_ERRORS:
        return "application/octet-stream"


def _charset(part: Message) -> str | None:
    try:
        charset = part.get_param("charset")
    except _LIBRARY_ERRORS:
        return None
    if isinstance(charset, tuple):  # RFC 2231 form: (charset, language, value)
        charset = charset[2]
    return str(charset) if charset else None


def _meta_charset(html: bytes) -> str | None:
    """The ``<meta charset>`` an HTML part declares when its MIME header does not."""
    found = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", html[:4096], re.I)
    return found.group(1).decode("ascii") if found else None


def _is_file(part: Message, depth: int) -> bool:
    """An attachment rather than body text: disposition ``attachment``, or a file name below
    the top level (some mailers name even the body of a single-part message)."""
    try:
        disposition = part.get_content_disposition()
        return disposition == "attachment" or (depth > 0 and bool(part.get_filename()))
    except _LIBRARY_ERRORS:
        return False


def _raw_header(part: Message, name: str) -> str:
    value = next((str(v) for k, v in part.raw_items() if str(k).strip().lower() == name), "")
    return _FOLD.sub("", value)


def _null_path(return_path: str) -> bool:
    """RFC 5321 §4.5.5: bounces and other notifications are sent with ``MAIL FROM:<>``."""
    return "".join(return_path.split()) in ("<>", "")


def _safe_subject(message: Message, problems: list[str]) -> str:
    value = restore_8bit(_raw_header(message, "subject"), "an attached message", problems)
    return clean_line(decode_encoded_words(value, "an attached message", problems))


def _serialize(message: Message) -> bytes:
    """An attached message as bytes, headers as they came (no refolding, no re-encoding)."""
    buffer = BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, policy=policy.compat32).flatten(message)
    except _LIBRARY_ERRORS:
        return b""
    return buffer.getvalue()


def _sanitize_filename(name: str) -> str:
    """Only the last path component; no control, format (bidi override) or reserved chars."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs"))
    name = _FILENAME_FORBIDDEN.sub("_", " ".join(name.split())).strip(" .")
    if len(name) > 200:  # keep a short extension, it says what the file is
        stem, dot, extension = name.rpartition(".")
        name = stem[:190] + dot + extension if dot and len(extension) <= 10 else name[:200]
    return name


def _describe(defect: object) -> str:
    doc = (type(defect).__doc__ or type(defect).__name__).strip().splitlines()[0]
    detail = str(defect).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return f"{doc.rstrip('.')} ({detail})" if detail and detail not in doc else doc.rstrip(".")


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _size(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):.1f} MB"
    return f"{n_bytes / 1024:.1f} KB" if n_bytes >= 1024 else f"{n_bytes} bytes"
