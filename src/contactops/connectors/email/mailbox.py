"""Read a support mailbox over IMAP (RFC 3501): new messages by UID, then mark them processed.

Delivery is at least once. The caller keeps ``(uid_validity, last_uid)`` and advances it only
after the messages are stored, so a crash between :func:`fetch_new` and storing fetches the
same messages again; storing must therefore be idempotent by Message-ID. UIDs only mean
something within one UIDVALIDITY (RFC 3501 §2.3.1.1): when the server reports another, the
mailbox was recreated and everything in it is fetched again from UID 0.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "FetchedMessage",
    "ImapSecurity",
    "ImapSettings",
    "MailboxError",
    "fetch_new",
    "imap_mailbox_name",
    "mark_processed",
]

ImapSecurity = Literal["ssl", "starttls", "none"]
_UID = re.compile(rb"\bUID (\d+)")


@dataclass(frozen=True, slots=True)
class ImapSettings:
    """Where the mailbox is. ``security``: ``ssl`` (implicit TLS, port 993), ``starttls``
    (port 143) or ``none`` (a trusted network only: the password travels in clear)."""

    host: str
    port: int
    username: str
    password: str = field(repr=False)
    mailbox: str = "INBOX"
    security: ImapSecurity = "ssl"
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in ("ssl", "starttls", "none"):
            raise ValueError(f"security must be ssl, starttls or none, not {self.security!r}")
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} is not a TCP port")
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    """One message as the server stores it; ``raw`` goes to :func:`parse_email`."""

    uid: int
    uid_validity: int
    raw: bytes = field(repr=False)


class MailboxError(Exception):
    """The server could not be reached, refused the login, or refused a command. The text
    says which, and never contains the password."""


def fetch_new(
    settings: ImapSettings, *, after_uid: int, uid_validity: int | None, limit: int = 100
) -> list[FetchedMessage]:
    """Messages with a UID above ``after_uid``, oldest first, at most ``limit``; all messages
    from UID 0 when the mailbox's UIDVALIDITY is not ``uid_validity``. Read-only: the mailbox
    is opened with EXAMINE and bodies fetched with BODY.PEEK[], so nothing becomes \\Seen."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    with _session(settings, readonly=True) as (imap, validity):
        if validity != uid_validity:
            after_uid = 0
        found = _ok(settings, "UID SEARCH", imap.uid("SEARCH", f"UID {after_uid + 1}:*"))
        # "n:*" also matches the highest UID when it is below n (RFC 3501 §6.4.8).
        numbers = {int(u) for line in found if isinstance(line, bytes) for u in line.split()}
        uids = sorted(numbers)
        uids = [uid for uid in uids if uid > after_uid][:limit]
        if not uids:
            return []
        data = _ok(settings, "UID FETCH", imap.uid("FETCH", _uid_set(uids), "(UID BODY.PEEK[])"))
        bodies = _bodies(data)
    return [FetchedMessage(uid, validity, bodies[uid]) for uid in uids if uid in bodies]


def mark_processed(
    settings: ImapSettings, uids: Sequence[int], *, move_to: str | None = None
) -> None:
    """Flag the messages \\Seen and, with ``move_to``, move them to that folder (created and
    subscribed if missing) by MOVE (RFC 6851), or by COPY, \\Deleted and (UID) EXPUNGE on a
    server without MOVE. UIDs that no longer exist are ignored, so repeating is harmless."""
    if not uids:
        return
    uid_set = _uid_set(sorted(set(uids)))
    with _session(settings, readonly=False) as (imap, _):
        _ok(settings, "UID STORE", imap.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Seen)"))
        if move_to is None:
            return
        target = imap_mailbox_name(move_to)
        _ensure_folder(imap, settings, target, move_to)
        capabilities = _capabilities(imap)
        if "MOVE" in capabilities:
            _ok(settings, f"UID MOVE to {move_to!r}", imap.uid("MOVE", uid_set, target))
            return
        _ok(settings, f"UID COPY to {move_to!r}", imap.uid("COPY", uid_set, target))
        _ok(settings, "UID STORE", imap.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)"))
        if "UIDPLUS" in capabilities:
            _ok(settings, "UID EXPUNGE", imap.uid("EXPUNGE", uid_set))
        else:  # expunges every \Deleted message of the mailbox, not only these
            _ok(settings, "EXPUNGE", imap.expunge())


def imap_mailbox_name(name: str) -> str:
    """A mailbox name as an IMAP quoted string in modified UTF-7 (RFC 3501 §5.1.3)."""
    encoded: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            encoded.append("&" + data.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if " " <= char <= "~":
            flush()
            encoded.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    text = "".join(encoded)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@contextlib.contextmanager
def _session(settings: ImapSettings, *, readonly: bool) -> Iterator[tuple[imaplib.IMAP4, int]]:
    """A logged-in connection with ``settings.mailbox`` selected, and its UIDVALIDITY."""
    imap = _connect(settings)
    try:
        _login(imap, settings)
        typ, data = imap.select(imap_mailbox_name(settings.mailbox), readonly=readonly)
        if typ != "OK":
            raise MailboxError(
                _scrub(
                    f"{_where(settings)}: mailbox {settings.mailbox!r} cannot be opened: "
                    f"{_text(data)}",
                    settings,
                )
            )
        _, validity = imap.response("UIDVALIDITY")
        if not validity or not validity[0]:
            raise MailboxError(f"{_where(settings)}: the server reported no UIDVALIDITY")
        yield imap, int(validity[0])
    except (imaplib.IMAP4.error, OSError) as error:
        raise MailboxError(_scrub(f"{_where(settings)}: {_describe(error)}", settings)) from None
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            imap.logout()


def _connect(settings: ImapSettings) -> imaplib.IMAP4:
    try:
        if settings.security == "ssl":
            return imaplib.IMAP4_SSL(
                settings.host,
                settings.port,
                ssl_context=ssl.create_default_context(),
                timeout=settings.timeout_s,
            )
        imap = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout_s)
        if settings.security == "starttls":
            try:
                imap.starttls(ssl_context=ssl.create_default_context())
            except BaseException:
                with contextlib.suppress(OSError):
                    imap.shutdown()
                raise
        return imap
    except (imaplib.IMAP4.error, OSError) as error:
        raise MailboxError(f"{_where(settings)}: could not connect ({_describe(error)})") from error


def _login(imap: imaplib.IMAP4, settings: ImapSettings) -> None:
    """AUTHENTICATE PLAIN (RFC 4616, UTF-8 credentials) when offered, else LOGIN."""
    try:
        if "AUTH=PLAIN" in imap.capabilities:
            token = f"\0{settings.username}\0{settings.password}".encode()
            imap.authenticate("PLAIN", lambda _challenge: token)
        elif settings.username.isascii() and settings.password.isascii():
            imap.login(_quoted(settings.username), settings.password)
        else:
            raise MailboxError(
                f"{_where(settings)}: the server offers no login for non-ASCII credentials"
            )
    except imaplib.IMAP4.error as error:
        raise MailboxError(
            _scrub(
                f"{_where(settings)}: login as {settings.username!r} refused ({_describe(error)})",
                settings,
            )
        ) from None


def _ensure_folder(imap: imaplib.IMAP4, settings: ImapSettings, target: str, name: str) -> None:
    typ, listed = imap.list('""', target)
    if typ == "OK" and any(item for item in listed if item):
        return
    typ, data = imap.create(target)
    if typ != "OK":  # perhaps created meanwhile by another client
        typ, listed = imap.list('""', target)
        if typ != "OK" or not any(item for item in listed if item):
            raise MailboxError(
                f"{_where(settings)}: folder {name!r} cannot be created: {_text(data)}"
            )
    imap.subscribe(target)


def _capabilities(imap: imaplib.IMAP4) -> set[str]:
    """The capabilities after login (servers add MOVE, UIDPLUS... only once logged in)."""
    typ, data = imap.capability()
    if typ != "OK" or not data or not isinstance(data[0], bytes):
        return set(imap.capabilities)
    return set(data[0].decode("ascii", "replace").upper().split())


def _bodies(data: list[object]) -> dict[int, bytes]:
    """UID → message bytes from a FETCH answer; the UID may come before or after the body."""
    bodies: dict[int, bytes] = {}
    for i, item in enumerate(data):
        if not isinstance(item, tuple) or len(item) < 2:
            continue
        head, body = item[0], item[1]
        if not isinstance(head, bytes) or not isinstance(body, bytes) or b"BODY[]" not in head:
            continue
        found = _UID.search(head)
        following = data[i + 1] if i + 1 < len(data) else None
        if found is None and isinstance(following, bytes):
            found = _UID.search(following)
        if found is not None:
            bodies[int(found.group(1))] = body
    return bodies


def _ok(settings: ImapSettings, command: str, answer: tuple[str, list[Any]]) -> list[object]:
    typ, data = answer
    if typ != "OK":
        raise MailboxError(f"{_where(settings)}: {command} failed: {_text(data)}")
    return list(data)


def _uid_set(uids: Sequence[int]) -> str:
    """Sorted UIDs as an IMAP sequence set: 1,2,3,7 → "1:3,7"."""
    ranges: list[str] = []
    start = previous = uids[0]
    for uid in [*uids[1:], None]:
        if uid is not None and uid == previous + 1:
            previous = uid
            continue
        ranges.append(str(start) if start == previous else f"{start}:{previous}")
        if uid is not None:
            start = previous = uid
    return ",".join(ranges)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _where(settings: ImapSettings) -> str:
    return f"IMAP server {settings.host}:{settings.port}"


def _describe(error: BaseException) -> str:
    if error.args and isinstance(error.args[0], bytes):
        return error.args[0].decode("utf-8", "replace")
    return str(error) or type(error).__name__


def _text(data: object) -> str:
    if isinstance(data, list | tuple):
        return " ".join(_text(item) for item in data if item is not None)
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data)


def _scrub(text: str, settings: ImapSettings) -> str:
    return text.replace(settings.password, "********") if settings.password else text
