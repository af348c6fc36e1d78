"""Import a file into the tenant's event log: idempotent, resumable, and honest about bad lines.

- **Idempotent**: every record is stored under its content key, so importing the same file
  twice adds nothing, and overlapping files add each event once.
- **Resumable**: the run commits every ``CHUNK_LINES`` lines with its checkpoint in the same
  transaction. A run that was interrupted is found again by the file's SHA-256 and continues
  after the checkpoint (the lines before it are parsed again for the parser's state, not stored).
- **Honest**: every line is counted as imported, duplicate, empty (header, system events) or
  skipped, and every issue keeps the file, line number and reason; notes mark lines imported with
  a caveat. Nothing already stored is changed by a failed or partial import.
"""

from __future__ import annotations

import enum
import gzip
import hashlib
import io
import json
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactops.connectors.anonymous_bank import parse_anonymous_bank
from contactops.connectors.asterisk_queue_log import parse_queue_log
from contactops.connectors.asterisk_queue_table import parse_queue_log_table
from contactops.connectors.generic_csv import ColumnMapping, parse_generic_csv
from contactops.connectors.interval_csv import parse_interval_csv
from contactops.connectors.records import (
    ImportFormatError,
    ImportItem,
    IssueKind,
    LineIssue,
    ParsedLine,
)
from contactops.domains.events import service as events
from contactops.domains.imports.models import ImportRun, ImportStatus
from contactops.platform.database import Database, utcnow
from contactops.platform.errors import InvalidInput
from contactops.platform.i18n import gettext as _

CHUNK_LINES = 20_000
MAX_ISSUES = 1_000  # issues kept verbatim per run; all of them are counted by code
HASH_BLOCK = 1 << 20


class ImportKind(enum.StrEnum):
    QUEUE_LOG = "queue-log"  # Asterisk /var/log/asterisk/queue_log
    QUEUE_LOG_TABLE = "queue-log-table"  # the queue_log database table exported as CSV
    ANONYMOUS_BANK = "anonymous-bank"  # Technion "Anonymous Bank" per-call records
    INTERVALS = "intervals"  # per-interval volume history (WFM exports)
    CSV = "csv"  # generic CSV with a column mapping


@dataclass(frozen=True)
class ImportRequest:
    kind: ImportKind
    path: Path
    time_zone: str = "UTC"
    queue: str | None = None  # intervals: the queue when the file has no queue column
    interval_minutes: int | None = None  # intervals: when it cannot be inferred
    mapping: dict[str, Any] | None = None  # csv: the column mapping (see docs/import-csv.md)

    def options(self) -> dict[str, Any]:
        return {
            key: value
            for key, value in {
                "queue": self.queue,
                "interval_minutes": self.interval_minutes,
                "mapping": self.mapping,
            }.items()
            if value is not None
        }


@dataclass
class ImportReport:
    run_id: int
    kind: str
    source_name: str
    status: str
    already_imported: bool = False
    resumed_after_line: int = 0
    lines_read: int = 0
    lines_imported: int = 0
    lines_duplicate: int = 0
    lines_empty: int = 0
    lines_skipped: int = 0
    contact_events_added: int = 0
    agent_events_added: int = 0
    intervals_added: int = 0
    issue_counts: dict[str, dict[str, Any]] = field(default_factory=dict)
    issues: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @classmethod
    def of(cls, run: ImportRun, **extra: Any) -> ImportReport:
        return cls(
            run_id=run.id,
            kind=run.kind,
            source_name=run.source_name,
            status=run.status,
            lines_read=run.lines_read,
            lines_imported=run.lines_imported,
            lines_duplicate=run.lines_duplicate,
            lines_empty=run.lines_empty,
            lines_skipped=run.lines_skipped,
            contact_events_added=run.contact_events_added,
            agent_events_added=run.agent_events_added,
            intervals_added=run.intervals_added,
            issue_counts=dict(run.issue_counts),
            issues=list(run.issues),
            error=run.error,
            **extra,
        )


Progress = Callable[[int, int], None]  # (bytes of the file read so far, file size)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidInput(
            "time_zone",
            _("Unknown time zone %(zone)s: use an IANA name such as Europe/Oslo.", zone=name),
        ) from error


def _file_identity(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest(), path.stat().st_size


def _parser(request: ImportRequest, lines: Iterable[str]) -> Iterator[ImportItem]:
    tz = _zone(request.time_zone)
    match request.kind:
        case ImportKind.QUEUE_LOG:
            return parse_queue_log(lines)
        case ImportKind.QUEUE_LOG_TABLE:
            return parse_queue_log_table(lines, tz=tz)
        case ImportKind.ANONYMOUS_BANK:
            return parse_anonymous_bank(lines, tz=tz)
        case ImportKind.INTERVALS:
            return parse_interval_csv(
                lines, tz=tz, queue=request.queue, interval_minutes=request.interval_minutes
            )
        case ImportKind.CSV:
            if request.mapping is None:
                raise InvalidInput("mapping", _("A CSV import needs a column mapping."))
            try:
                mapping = ColumnMapping.from_dict(request.mapping)
            except (ValueError, KeyError, TypeError) as error:
                raise InvalidInput(
                    "mapping", _("The column mapping is not valid: %(reason)s", reason=str(error))
                ) from error
            return parse_generic_csv(lines, mapping=mapping, tz=tz)
    raise InvalidInput("kind", _("Unknown import kind %(kind)s.", kind=request.kind))


def _open_lines(path: Path) -> tuple[IO[bytes], IO[str]]:
    """The raw file (its position measures progress) and a text stream over it."""
    raw = path.open("rb")
    binary: IO[bytes] = gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw  # type: ignore[assignment]
    return raw, io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="")


def load_mapping(path: Path) -> dict[str, Any]:
    """A column mapping from a JSON or TOML file."""
    try:
        text = path.read_text(encoding="utf-8")
        parsed = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, ValueError) as error:
        raise InvalidInput(
            "mapping",
            _(
                "Cannot read the mapping file %(path)s: %(reason)s",
                path=str(path),
                reason=str(error),
            ),
        ) from error
    if not isinstance(parsed, dict):
        raise InvalidInput("mapping", _("The mapping file must hold an object."))
    return parsed


def _find_or_start_run(
    session: Session,
    request: ImportRequest,
    sha256: str,
    size: int,
    started_by: int | None,
    source_name: str,
) -> tuple[ImportRun, bool]:
    """(the run to continue or a new one, whether the file was already imported completely)."""
    previous = session.scalars(
        select(ImportRun)
        .where(ImportRun.kind == request.kind.value, ImportRun.sha256 == sha256)
        .order_by(ImportRun.id.desc())
    ).first()
    if previous is not None and previous.status == ImportStatus.COMPLETED.value:
        return previous, True
    if previous is not None and previous.status == ImportStatus.RUNNING.value:
        return previous, False
    run = ImportRun(
        kind=request.kind.value,
        source_name=source_name[:255],
        sha256=sha256,
        size_bytes=size,
        time_zone=request.time_zone,
        options=request.options(),
        started_by=started_by,
    )
    session.add(run)
    session.flush()
    return run, False


@dataclass
class _Chunk:
    """Items of up to CHUNK_LINES lines, stored and counted in one transaction."""

    lines: list[ParsedLine] = field(default_factory=list)
    issues: list[LineIssue] = field(default_factory=list)
    skipped_lines: set[int] = field(default_factory=set)
    last_line: int = 0

    def __len__(self) -> int:
        return len(self.lines) + len(self.skipped_lines)


def _store_chunk(session: Session, run: ImportRun, chunk: _Chunk) -> None:
    lines = [p for p in chunk.lines if p.line not in chunk.skipped_lines]
    contact_keys = [[(e.key(), e) for e in p.contact_events] for p in lines]
    agent_keys = [[(e.key(), e) for e in p.agent_events] for p in lines]
    contact = events.append_keyed_contact_events_in(
        session, (pair for pairs in contact_keys for pair in pairs), import_run_id=run.id
    )
    agent = events.append_keyed_agent_events_in(
        session, (pair for pairs in agent_keys for pair in pairs), import_run_id=run.id
    )
    intervals = events.append_intervals_in(
        session, (v for p in lines for v in p.intervals), import_run_id=run.id
    )
    new = contact.new_keys | agent.new_keys | intervals.new_keys
    for parsed, contact_pairs, agent_pairs in zip(lines, contact_keys, agent_keys, strict=True):
        keys = [
            *(key for key, _event in contact_pairs),
            *(key for key, _event in agent_pairs),
            *(events.interval_key(v.queue, v.interval_start) for v in parsed.intervals),
        ]
        if not keys:
            run.lines_empty += 1
        elif any(key in new for key in keys):
            run.lines_imported += 1
        else:
            run.lines_duplicate += 1
    run.lines_skipped += len(chunk.skipped_lines)
    run.contact_events_added += contact.added
    run.agent_events_added += agent.added
    run.intervals_added += intervals.added
    counts = dict(run.issue_counts)
    kept = list(run.issues)
    for issue in chunk.issues:
        entry = counts.setdefault(issue.code, {"kind": issue.kind.value, "count": 0})
        entry["count"] += 1
        if len(kept) < MAX_ISSUES:
            kept.append(
                {
                    "line": issue.line,
                    "code": issue.code,
                    "kind": issue.kind.value,
                    "column": issue.column,
                    "reason": issue.reason,
                }
            )
    run.issue_counts, run.issues = counts, kept  # new objects: JSON columns see the change
    run.checkpoint_line = chunk.last_line
    run.lines_read = chunk.last_line


def import_file(
    db: Database,
    tenant_id: int,
    request: ImportRequest,
    *,
    started_by: int | None = None,
    progress: Progress | None = None,
    chunk_lines: int = CHUNK_LINES,
    source_name: str | None = None,
) -> ImportReport:
    """Import ``request.path`` into the tenant's event log; see the module docstring.

    ``source_name`` names the file in reports when the path is a temporary copy (uploads)."""
    if not request.path.is_file():
        raise InvalidInput("path", _("No such file: %(path)s", path=str(request.path)))
    _zone(request.time_zone)
    sha256, size = _file_identity(request.path)
    with db.session(tenant_id=tenant_id) as session:
        run, done = _find_or_start_run(
            session, request, sha256, size, started_by, source_name or request.path.name
        )
        run_id, checkpoint = run.id, run.checkpoint_line
        if done:
            return ImportReport.of(run, already_imported=True)
    raw, text = _open_lines(request.path)
    try:
        with raw, text:
            return _import_lines(
                db,
                tenant_id,
                run_id,
                checkpoint,
                _parser(request, text),
                raw,
                size,
                progress,
                chunk_lines,
            )
    except ImportFormatError as error:
        with db.session(tenant_id=tenant_id) as session:
            run = session.get_one(ImportRun, run_id)
            run.status, run.error, run.finished_at = (
                ImportStatus.FAILED.value,
                str(error)[:2000],
                utcnow(),
            )
        raise InvalidInput(
            "path",
            _(
                "%(file)s is not a %(kind)s file: %(reason)s",
                file=source_name or request.path.name,
                kind=request.kind.value,
                reason=str(error),
            ),
        ) from error


def _import_lines(
    db: Database,
    tenant_id: int,
    run_id: int,
    checkpoint: int,
    items: Iterator[ImportItem],
    raw: IO[bytes],
    size: int,
    progress: Progress | None,
    chunk_lines: int,
) -> ImportReport:
    chunk = _Chunk()

    def flush() -> None:
        nonlocal chunk
        with db.session(tenant_id=tenant_id) as session:
            run = session.get_one(ImportRun, run_id)
            _store_chunk(session, run, chunk)
        if progress:
            progress(raw.tell(), size)
        chunk = _Chunk()

    for item in items:
        if 0 < item.line <= checkpoint:
            continue  # stored by the interrupted run this one resumes
        if isinstance(item, LineIssue):
            chunk.issues.append(item)
            if item.kind is IssueKind.SKIPPED and item.line > 0:
                chunk.skipped_lines.add(item.line)
        else:
            chunk.lines.append(item)
        chunk.last_line = max(chunk.last_line, item.line)
        if len(chunk) >= chunk_lines and isinstance(item, ParsedLine):
            flush()
    with db.session(tenant_id=tenant_id) as session:
        run = session.get_one(ImportRun, run_id)
        last_line = max(chunk.last_line, run.checkpoint_line)
        _store_chunk(session, run, chunk)
        run.checkpoint_line = run.lines_read = last_line
        run.status, run.finished_at = ImportStatus.COMPLETED.value, utcnow()
        report = ImportReport.of(run, resumed_after_line=checkpoint)
    if progress:
        progress(size, size)
    return report


def recent_runs(db: Database, tenant_id: int, limit: int = 50) -> list[ImportReport]:
    """The tenant's latest imports, newest first."""
    with db.session(tenant_id=tenant_id) as session:
        runs = session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit))
        return [ImportReport.of(run) for run in runs]
