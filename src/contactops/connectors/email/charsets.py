"""Bytes → text for e-mail: the declared charset, the mislabels real mail has, RFC 2047 words.

Mail in the wild declares charsets Python does not know (``x-unknown-42``), declares the wrong
one (Windows-1252 text labelled ISO-8859-1 or UTF-8), or declares none at all. Every function
here returns text and appends a sentence to ``problems`` for anything it had to guess or
replace; none raises on any input. Labels are mapped the way the WHATWG Encoding Standard maps
them for browsers (https://encoding.spec.whatwg.org/#names-and-labels), because senders mean
what browsers show: ``iso-8859-1`` and ``us-ascii`` are Windows-1252, ``gb2312`` is GB18030.
"""

from __future__ import annotations

import binascii
import codecs
import re

__all__ = [
    "clean_line",
    "clean_text",
    "decode_bytes",
    "decode_encoded_words",
    "restore_8bit",
]

# Label → the Python codec that decodes what the sender meant (WHATWG supersets).
_SUPERSETS = {
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
}
# Python codecs that exist but are not charsets a sender can mean (escape languages, IDNA...).
_NOT_CHARSETS = {"undefined", "unicode_escape", "raw_unicode_escape", "idna", "punycode"}
# Codecs whose text can be pure ASCII bytes and still need decoding.
_ASCII_SHAPED = re.compile(r"utf[-_]?7|iso2022|hz|utf[-_]?(16|32)")
_UNDECODED = re.compile("[\udc80-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def decode_bytes(data: bytes, charset: str | None, where: str, problems: list[str]) -> str:
    """``data`` as text in its declared ``charset``; guessed (UTF-8, then Windows-1252) when
    the charset is missing, US-ASCII or unknown; undecodable bytes become U+FFFD, with a note."""
    label = _label(charset)
    codec = _codec(label) if label else None
    if data.isascii() and not (codec and _ASCII_SHAPED.search(codec)):
        return data.decode("ascii")
    if label is None or label in ("us-ascii", "ascii"):
        return _guess(data, where, problems, unknown=None)
    if codec is None:
        return _guess(data, where, problems, unknown=label)
    return _decode(data, codec, where, problems)


def restore_8bit(value: str, where: str, problems: list[str]) -> str:
    """A header value the parser read with ``surrogateescape``, its raw 8-bit bytes decoded
    (RFC 6532 allows UTF-8 headers; older mailers send their local charset undeclared)."""
    if not _UNDECODED.search(value):
        return value
    return decode_bytes(value.encode("utf-8", "surrogateescape"), None, where, problems)


def decode_encoded_words(value: str, where: str, problems: list[str]) -> str:
    """Decode RFC 2047 ``=?charset?B|Q?...?=`` words; whitespace between adjacent words goes
    (RFC 2047 §6.2), adjacent words in one charset are joined before decoding so a character
    split across two words survives. A word that cannot be decoded is kept as written."""
    pieces: list[str] = []
    pending: list[bytes] = []
    pending_charset: str | None = None
    position = 0

    def flush() -> None:
        nonlocal pending_charset
        if pending:
            pieces.append(decode_bytes(b"".join(pending), pending_charset, where, problems))
            pending.clear()
        pending_charset = None

    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if between and not (pending and between.isspace()):
            flush()
            pieces.append(between)
        position = match.end()
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 §5: charset*language
        data = _word_bytes(match.group(2).upper(), match.group(3))
        if data is None:
            flush()
            problems.append(f"a damaged RFC 2047 encoded word in {where} was kept as written")
            pieces.append(match.group(0))
            continue
        if pending and charset.lower() != (pending_charset or "").lower():
            flush()
        pending_charset = charset
        pending.append(data)
    flush()
    pieces.append(value[position:])
    return "".join(pieces)


def clean_text(text: str) -> str:
    """Newlines as ``\\n``; no control characters but tab and newline (PostgreSQL refuses
    NUL in text), no lone surrogates (they cannot be stored as UTF-8)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))


def clean_line(text: str) -> str:
    """One line of header text: control characters gone, whitespace runs as one space."""
    return " ".join(_SURROGATE.sub("\ufffd", _CONTROL.sub(" ", text)).split())


def _label(charset: str | None) -> str | None:
    if charset is None:
        return None
    label = charset.strip().strip("\"'").strip().lower()
    return label or None


def _codec(label: str) -> str | None:
    name = _SUPERSETS.get(label, label)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a label with NUL in it
        return None
    if info.name.replace("-", "_") in _NOT_CHARSETS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _guess(data: bytes, where: str, problems: list[str], *, unknown: str | None) -> str:
    try:
        text = data.decode("utf-8")
        guessed = "UTF-8"
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        guessed = "Windows-1252"
    if unknown is not None:
        problems.append(f"unknown charset {unknown!r} in {where}; decoded as {guessed}")
    elif guessed != "UTF-8":
        problems.append(f"8-bit text without a usable charset in {where}; decoded as {guessed}")
    return text


def _decode(data: bytes, codec: str, where: str, problems: list[str]) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        pass
    except (LookupError, UnicodeError):  # a codec that refuses to decode at all
        return _guess(data, where, problems, unknown=codec)
    try:
        escaped = data.decode(codec, errors="surrogateescape")
    except UnicodeError:  # stateful codecs cannot escape every byte
        text = data.decode(codec, errors="replace")
        problems.append(f"undecodable bytes in {where} replaced with U+FFFD ({codec})")
        return text
    bad = len(_UNDECODED.findall(escaped))
    if codec == "utf-8" and bad == sum(1 for c in escaped if ord(c) > 0x7F):
        # Not one valid multi-byte sequence: Windows-1252 text labelled UTF-8.
        problems.append(f"{where} is labelled UTF-8 but is not; decoded as Windows-1252")
        return data.decode("cp1252", errors="replace")
    problems.append(f"{bad} undecodable byte(s) in {where} replaced with U+FFFD ({codec})")
    return _UNDECODED.sub("\ufffd", escaped)


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    raw = payload.encode("utf-8", "surrogateescape")
    try:
        if encoding == "Q":
            return binascii.a2b_qp(raw, header=True)
        return binascii.a2b_base64(raw + b"=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        return None
