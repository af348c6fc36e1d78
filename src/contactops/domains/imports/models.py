"""One row per import of one source: what was read, what was kept, what was wrong and where."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from contactops.platform.database import Base, utcnow
from contactops.platform.tenancy import TenantOwned


class ImportStatus(enum.StrEnum):
    RUNNING = "running"  # in progress, or interrupted: the next run of the same file resumes
    COMPLETED = "completed"
    FAILED = "failed"  # the source as a whole could not be read (wrong format)


class ImportRun(TenantOwned, Base):
    __tablename__ = "import_run"
    __table_args__ = (Index("ix_import_run_tenant_source", "tenant_id", "kind", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    source_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    time_zone: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=ImportStatus.RUNNING.value)
    error: Mapped[str | None] = mapped_column(String(2000))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    started_by: Mapped[int | None] = mapped_column(Integer)  # user id; null from the CLI
    checkpoint_line: Mapped[int] = mapped_column(Integer, default=0)  # last line committed
    lines_read: Mapped[int] = mapped_column(Integer, default=0)
    lines_imported: Mapped[int] = mapped_column(Integer, default=0)  # added something new
    lines_duplicate: Mapped[int] = mapped_column(Integer, default=0)  # all already stored
    lines_empty: Mapped[int] = mapped_column(Integer, default=0)  # header, system events
    lines_skipped: Mapped[int] = mapped_column(Integer, default=0)  # not imported: see issues
    contact_events_added: Mapped[int] = mapped_column(BigInteger, default=0)
    agent_events_added: Mapped[int] = mapped_column(BigInteger, default=0)
    intervals_added: Mapped[int] = mapped_column(BigInteger, default=0)
    issue_counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # code -> count
    issues: Mapped[list[Any]] = mapped_column(JSON, default=list)  # the first MAX_ISSUES
