"""Replies: the ``[#T-123]`` subject tag, reply subjects, and the new part of a reply's text.

The tag is how a reply finds its ticket when the customer's mail client dropped the
In-Reply-To and References headers; ``reply_text`` is for display only (the whole text is
kept), because no quoting marker is reliable: it cuts at the first one it recognises.
"""

from __future__ import annotations

import re

__all__ = ["reply_subject", "reply_text", "ticket_number_in"]

MAX_TICKET_DIGITS = 18  # fits a signed 64-bit integer

# Reply prefixes mail clients add, in the languages ContactOps ships and their neighbours:
# Re (English, Latin), Aw (German), Sv/Vs (Nordic), Antw (Dutch), Odp (Polish), Ynt
# (Turkish), Rif (Italian), Отг/Отн (Bulgarian), Ответ (Russian), 回复/答复/回覆 (Chinese).
_REPLY_PREFIX = re.compile(
    r"^\s*(re|aw|sv|vs|antw|odp|ynt|rif|отг|отн|ответ|回复|答复|回覆)"
    r"\s*(\[\d+\]|\(\d+\))?\s*[:：]\s*",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(
    r"^\s*(on\s.{1,200}\swrote|am\s.{1,200}\sschrieb\b.{0,200}|le\s.{1,200}\sa\sécrit"
    r"|el\s.{1,200}\sescribió|(?=.*\d).{0,200}\s(skrev|написа)\b.{0,200}|在.{1,200}写道)"
    r"\s*[:：]\s*$",
    re.IGNORECASE,
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{3,}\s*(original message|ursprüngliche nachricht|message d'origine"
    r"|opprinnelig melding|oprindelig meddelelse|ursprungligt meddelande"
    r"|оригинално съобщение|原始邮件)\s*-{3,}\s*$",
    re.IGNORECASE,
)
# Outlook's header block: "From: ..." then, within a few lines, "Sent: ..." (or "Date:").
_OUTLOOK_FROM = re.compile(r"^\s*\*?(from|von|fra|från|de|от|发件人)\s*\*?\s*[:：]", re.I)
_OUTLOOK_SENT = re.compile(
    r"^\s*\*?(sent|date|gesendet|datum|sendt|skickat|envoyé|изпратено|发送时间|日期)\s*\*?\s*[:：]",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")


def ticket_number_in(subject: str, prefix: str = "T") -> int | None:
    """The number in the first ``[#T-123]`` tag of ``subject`` ("Re: [#T-123] x" → 123)."""
    tag = re.compile(
        rf"\[\s*#\s*{re.escape(prefix)}\s*-\s*0*([0-9]{{1,{MAX_TICKET_DIGITS}}})\s*\]",
        re.IGNORECASE,
    )
    found = tag.search(subject)
    return int(found.group(1)) if found else None


def reply_subject(subject: str, ticket_number: int, prefix: str = "T") -> str:
    """``Re: [#T-123] original``: earlier reply prefixes and ticket tags are removed first, so
    a long exchange never reads "Re: Re: [#T-123] Re: [#T-123] ..."."""
    tag = re.compile(rf"\[\s*#\s*{re.escape(prefix)}\s*-\s*[0-9]+\s*\]", re.IGNORECASE)
    rest = " ".join(tag.sub(" ", subject).split())
    while match := _REPLY_PREFIX.match(rest):
        rest = rest[match.end() :]
    return f"Re: [#{prefix}-{ticket_number}] {rest}".rstrip()


def reply_text(text: str) -> str:
    """The new part of a reply: ``text`` up to the first quoting marker ("On ... wrote:",
    "-----Original Message-----", Outlook's "From:/Sent:" block, or a closing block of
    ``>`` lines). The whole text when nothing is found or nothing would be left."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _first_marker(lines)
    if cut is None:
        return text.strip()
    new_part = "\n".join(lines[:cut]).strip()
    return new_part or text.strip()


def _first_marker(lines: list[str]) -> int | None:
    quoted_tail = _quoted_tail(lines)
    for i, line in enumerate(lines):
        if i == quoted_tail:
            return i
        pair = f"{line} {lines[i + 1]}" if i + 1 < len(lines) else line
        if _ATTRIBUTION.match(line) or _ORIGINAL_MESSAGE.match(line):
            return i
        if _ATTRIBUTION.match(pair) and not line.lstrip().startswith(">"):
            return i  # "On Mon, 1 Jan 2024 at 10:00, Ann <" / "ann@example.com> wrote:"
        if _OUTLOOK_FROM.match(line) and any(_OUTLOOK_SENT.match(n) for n in lines[i + 1 : i + 4]):
            return i - 1 if i > 0 and _RULE.match(lines[i - 1]) else i
    return None


def _quoted_tail(lines: list[str]) -> int | None:
    """Where the closing block of ``>`` lines (blank lines allowed) starts, if there is one."""
    start = None
    for i in range(len(lines) - 1, -1, -1):
        stripped = lines[i].lstrip()
        if stripped.startswith(">"):
            start = i
        elif stripped:
            break
    return start
