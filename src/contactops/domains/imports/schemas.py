"""REST shapes of import runs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ImportIssueOut(BaseModel):
    line: int = Field(description="Line number in the file (0: the file as a whole).")
    code: str
    kind: str = Field(description="skipped (not imported) or note (imported with a caveat)")
    column: str | None
    reason: str


class ImportRunOut(BaseModel):
    run_id: int
    kind: str
    source_name: str
    status: str
    already_imported: bool
    resumed_after_line: int
    lines_read: int
    lines_imported: int
    lines_duplicate: int
    lines_empty: int
    lines_skipped: int
    contact_events_added: int
    agent_events_added: int
    intervals_added: int
    issue_counts: dict[str, dict[str, Any]]
    issues: list[ImportIssueOut]
    error: str | None
