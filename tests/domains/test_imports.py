"""Imports: every line accounted for, the same file twice adds nothing, interrupted runs resume."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from contactops.domains.events.models import ContactEventRecord, ContactLegRecord
from contactops.domains.imports import service
from contactops.domains.imports.models import ImportRun
from contactops.domains.imports.service import ImportKind, ImportRequest
from contactops.platform.database import Database
from contactops.platform.errors import InvalidInput
from tests.conftest import World

# Asterisk queue_log lines (epoch|callid|queue|agent|EVENT|data...), one answered call after a
# missed ring, one abandoned call, a system event, and a line that is not queue_log at all.
QUEUE_LOG = """\
1710000000|NONE|NONE|NONE|QUEUESTART|
1710000010|1710000009.1|billing|NONE|ENTERQUEUE||5551234|1
1710000015|1710000009.1|billing|SIP/100|RINGNOANSWER|5000
1710000030|1710000009.1|billing|SIP/101|CONNECT|20|1710000025.2|3
1710000230|1710000009.1|billing|SIP/101|COMPLETECALLER|20|200|1
this is not a queue_log line
1710000300|1710000299.3|billing|NONE|ENTERQUEUE||5559999|1
1710000360|1710000299.3|billing|NONE|ABANDON|1|1|60
"""
MORE = """\
1710000400|1710000399.4|billing|NONE|ENTERQUEUE||5550000|1
1710000420|1710000399.4|billing|NONE|EXITWITHTIMEOUT|1|1|20
"""


def _file(tmp_path: Path, text: str, name: str = "queue_log") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _counts(db: Database, tenant_id: int) -> tuple[int, int]:
    with db.session(tenant_id=tenant_id) as session:
        events = session.scalar(select(func.count()).select_from(ContactEventRecord))
        legs = session.scalar(select(func.count()).select_from(ContactLegRecord))
    return events or 0, legs or 0


def _accounted(report: service.ImportReport) -> int:
    return (
        report.lines_imported + report.lines_duplicate + report.lines_empty + report.lines_skipped
    )


def test_an_import_reports_every_line_and_keeps_the_good_ones(
    db: Database, world: World, tmp_path: Path
) -> None:
    request = ImportRequest(ImportKind.QUEUE_LOG, _file(tmp_path, QUEUE_LOG))
    report = service.import_file(db, world.tenant_a, request)
    assert report.status == "completed" and report.lines_read == 8
    assert _accounted(report) == 8
    assert report.lines_skipped == 1
    (issue,) = [i for i in report.issues if i["kind"] == "skipped"]
    assert issue["line"] == 6
    assert report.contact_events_added > 0
    events, legs = _counts(db, world.tenant_a)
    assert events == report.contact_events_added and legs == 2  # two calls, one queue each


def test_importing_the_same_file_twice_adds_nothing(
    db: Database, world: World, tmp_path: Path
) -> None:
    request = ImportRequest(ImportKind.QUEUE_LOG, _file(tmp_path, QUEUE_LOG))
    service.import_file(db, world.tenant_a, request)
    before = _counts(db, world.tenant_a)
    again = service.import_file(db, world.tenant_a, request)
    assert again.already_imported and _counts(db, world.tenant_a) == before


def test_a_grown_log_adds_only_its_new_lines(db: Database, world: World, tmp_path: Path) -> None:
    service.import_file(
        db, world.tenant_a, ImportRequest(ImportKind.QUEUE_LOG, _file(tmp_path, QUEUE_LOG))
    )
    before, _legs = _counts(db, world.tenant_a)
    grown = _file(tmp_path, QUEUE_LOG + MORE, "queue_log.grown")
    report = service.import_file(db, world.tenant_a, ImportRequest(ImportKind.QUEUE_LOG, grown))
    assert not report.already_imported
    assert report.lines_imported == 2 and report.lines_duplicate == 6
    assert _counts(db, world.tenant_a) == (before + report.contact_events_added, 3)


def test_an_interrupted_import_resumes_after_its_checkpoint(
    db: Database, world: World, tmp_path: Path
) -> None:
    path = _file(tmp_path, QUEUE_LOG + MORE)
    request = ImportRequest(ImportKind.QUEUE_LOG, path)

    def power_cut(done: int, total: int) -> None:
        raise KeyboardInterrupt  # the first chunk is committed, then the process dies

    with pytest.raises(KeyboardInterrupt):
        service.import_file(db, world.tenant_a, request, progress=power_cut, chunk_lines=3)
    with db.session(tenant_id=world.tenant_a) as session:
        (run,) = session.scalars(select(ImportRun)).all()
        assert run.status == "running" and 0 < run.checkpoint_line < 10
        checkpoint = run.checkpoint_line
    resumed = service.import_file(db, world.tenant_a, request)
    assert resumed.resumed_after_line == checkpoint and resumed.status == "completed"
    assert resumed.lines_read == 10 and _accounted(resumed) == 10

    other = World(world.tenant_b, world.tenant_a, 0, 0, {})
    clean = service.import_file(db, other.tenant_a, request)
    assert _counts(db, world.tenant_a) == _counts(db, world.tenant_b)
    assert resumed.contact_events_added == clean.contact_events_added


def test_bad_requests_name_what_is_wrong_and_store_nothing(
    db: Database, world: World, tmp_path: Path
) -> None:
    path = _file(tmp_path, QUEUE_LOG)
    with pytest.raises(InvalidInput) as zone:
        service.import_file(
            db, world.tenant_a, ImportRequest(ImportKind.QUEUE_LOG_TABLE, path, "Mars/Olympus")
        )
    assert zone.value.field == "time_zone"
    with pytest.raises(InvalidInput) as missing:
        service.import_file(db, world.tenant_a, ImportRequest(ImportKind.QUEUE_LOG, tmp_path / "x"))
    assert missing.value.field == "path"
    with pytest.raises(InvalidInput) as wrong:
        service.import_file(db, world.tenant_a, ImportRequest(ImportKind.INTERVALS, path))
    assert "queue_log" in str(wrong.value.detail)
    assert _counts(db, world.tenant_a) == (0, 0)
