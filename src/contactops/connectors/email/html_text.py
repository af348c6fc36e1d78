"""HTML mail → the plain text an agent reads: tags, scripts and styles gone, line breaks kept.

Line breaks follow the elements a mail client shows as breaks (``<br>``, ``<p>``, ``<div>``,
``<li>``, ``<tr>``, headings, ...); list items start with ``- ``; quoted history in
``<blockquote>`` is prefixed ``> `` like quoted plain text, so :func:`reply_text` cuts it the
same way; entities are unescaped. The result is text only: nothing of the HTML is rendered.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_to_text"]

_HIDDEN = frozenset({"script", "style", "head", "title", "template"})
_PARAGRAPHS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl", "pre", "blockquote"}
)
_BLOCKS = frozenset(
    {"div", "tr", "li", "dt", "dd", "hr", "section", "article", "header", "footer", "address"}
    | {"nav", "aside", "main", "figure", "figcaption", "center", "form", "fieldset", "tbody"}
)
_CELLS = frozenset({"td", "th"})
_BLANK_LINES = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """The readable text of an HTML document or fragment (never raises on malformed HTML)."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError, IndexError):  # html.parser on pathological markup
        return _BLANK_LINES.sub("\n\n", re.sub(r"<[^>]*>", " ", html)).strip()
    return parser.text()


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = []
        self._line = ""
        self._hidden: dict[str, int] = {}
        self._quote_depth = 0
        self._pre_depth = 0
        self._last_depth = 0
        self._blank_wanted = False

    def text(self) -> str:
        self._break()
        return _BLANK_LINES.sub("\n\n", "\n".join(line.rstrip() for line in self._lines)).strip(
            "\n"
        )

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._hidden.clear()  # a <head> nobody closed
        elif tag in _HIDDEN:
            self._hidden[tag] = self._hidden.get(tag, 0) + 1
        elif tag == "br":
            self._break(force=True)
        elif tag in _PARAGRAPHS:
            self._paragraph()
            self._quote_depth += tag == "blockquote"
            self._pre_depth += tag == "pre"
        elif tag in _BLOCKS:
            self._break()
            if tag == "li":
                self._line = "- "
        elif tag in _CELLS and self._line.strip():
            self._line += " "

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden[tag] = max(self._hidden.get(tag, 0) - 1, 0)
        elif tag in _PARAGRAPHS:
            self._break()
            if tag == "blockquote":
                self._quote_depth = max(self._quote_depth - 1, 0)
            if tag == "pre":
                self._pre_depth = max(self._pre_depth - 1, 0)
            self._paragraph()
        elif tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if any(self._hidden.values()):
            return
        if self._pre_depth:
            first, *rest = data.replace("\r\n", "\n").split("\n")
            self._line += first
            for line in rest:
                self._break(force=True)
                self._line = line
            return
        words = " ".join(data.split())
        if not words:
            if self._line and not self._line.endswith(" "):
                self._line += " "
            return
        if data[:1].isspace() and self._line and not self._line.endswith(" "):
            self._line += " "
        self._line += words
        if data[-1:].isspace():
            self._line += " "

    def _break(self, *, force: bool = False) -> None:
        line = self._line.rstrip() if self._pre_depth else self._line.strip()
        if line or force:
            if self._blank_wanted and self._lines and self._lines[-1].strip("> "):
                # A paragraph gap, quoted only as deep as both its neighbours.
                self._lines.append("> " * min(self._last_depth, self._quote_depth))
            self._lines.append("> " * self._quote_depth + line)
            self._last_depth = self._quote_depth
            self._blank_wanted = False
        self._line = ""

    def _paragraph(self) -> None:
        self._break()
        self._blank_wanted = True
