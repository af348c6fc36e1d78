"""What every importer yields: parsed lines, or issues that name the line and the reason.

An importer is a generator over the text lines of one source (line 1 is the first line of the
file, header included). For each line it yields either a :class:`ParsedLine` with the canonical
records the line produced (possibly none: a header, a system event of no interest) or a
:class:`LineIssue`. A ``skipped`` issue means the line produced nothing; a ``note`` means it was
imported with a caveat worth reporting (a negative duration, service across midnight...).
The caller stores, counts and reports; importers never print and never stop on a bad line.
"""

from __future__ import annotations

import enum
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from contactops.engines.events import AgentStateEvent, ContactEvent, IntervalVolume


class IssueKind(enum.StrEnum):
    SKIPPED = "skipped"  # the line was not imported
    NOTE = "note"  # imported, with a caveat the summary reports


@dataclass(frozen=True, slots=True)
class LineIssue:
    """A problem with one line: ``code`` groups issues in the summary, ``reason`` explains."""

    line: int
    code: str  # short and stable: "bad-time", "unknown-event", "missing-field", ...
    reason: str  # for a person: what is wrong and where ("column q_start: '25:61:00' ...")
    kind: IssueKind = IssueKind.SKIPPED
    column: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """The canonical records one source line produced."""

    line: int
    contact_events: tuple[ContactEvent, ...] = ()
    agent_events: tuple[AgentStateEvent, ...] = ()
    intervals: tuple[IntervalVolume, ...] = ()


ImportItem = ParsedLine | LineIssue


class ImportFormatError(ValueError):
    """The source as a whole cannot be read in this format (wrong header, wrong delimiter)."""


def open_text(path: Path) -> IO[str]:
    """A text stream over ``path``, gunzipped when it ends in ``.gz``; UTF-8, newline as is."""
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def numbered(lines: Iterator[str] | IO[str]) -> Iterator[tuple[int, str]]:
    """(line number from 1, line without its end-of-line characters)."""
    for number, line in enumerate(lines, start=1):
        yield number, line.rstrip("\r\n")
