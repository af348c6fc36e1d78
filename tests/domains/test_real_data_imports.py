"""Real public data through the whole path: file → importer → event log → legs → KPI engine.

Anonymous Bank, January 1999 (31,599 calls, 11 and 12 January missing): every call is stored
and the stored arrivals agree with the independent Rfssa 6-minute counts on every interval
(their rule: interval k holds 360(k−1) < s ≤ 360k, a call at 00:00:00 in interval 1).
The PBXware queue_log export: every line accounted for, its caveats reported, and the KPI engine
finds the 108 inbound calls with the outcomes the data's own description gives.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from contactops.domains.events.models import ContactEventRecord
from contactops.domains.imports import service
from contactops.domains.imports.service import ImportKind, ImportRequest
from contactops.domains.kpis import service as kpis
from contactops.platform.database import Database
from tests.conftest import World

ISRAEL = ZoneInfo("Asia/Jerusalem")


def _rfssa_counts(shared_data: Path, month: str) -> Counter[tuple[str, int]]:
    counts: Counter[tuple[str, int]] = Counter()
    with (shared_data / "anonymous-bank-1999-6min" / "calls_6min.csv").open() as f:
        for row in csv.DictReader(f):
            if row["date"].startswith(month) and int(row["calls"]):
                counts[(row["date"], int(row["interval"]))] = int(row["calls"])
    return counts


def _interval(local: datetime) -> int:
    seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    return max(1, -(-int(seconds) // 360)) if seconds == int(seconds) else int(seconds // 360) + 1


def test_a_whole_anonymous_bank_month_is_stored_and_agrees_with_rfssa(
    db: Database, world: World, shared_data: Path
) -> None:
    path = shared_data / "anonymous-bank-1999" / "1999-01.tsv.gz"
    report = service.import_file(
        db, world.tenant_b, ImportRequest(ImportKind.ANONYMOUS_BANK, path, "Asia/Jerusalem")
    )
    assert report.lines_read == 31_600 and report.lines_imported == 31_599
    assert report.lines_skipped == 0 and report.lines_empty == 1  # the header
    codes = report.issue_counts
    assert codes["missing-day"]["count"] == 1 and codes["negative-vru-time"]["count"] > 0

    with db.session(tenant_id=world.tenant_b) as session:
        arrivals = session.execute(
            select(ContactEventRecord.contact_id, ContactEventRecord.occurred_at).where(
                ContactEventRecord.event_type == "arrived"
            )
        ).all()
    stored: Counter[tuple[str, int]] = Counter()
    for contact_id, occurred_at in arrivals:
        local = occurred_at.astimezone(ISRAEL)
        # The record's day is its date field (first part of the contact id: YYMMDD).
        day = datetime.strptime(contact_id[:6], "%y%m%d").date().isoformat()
        stored[(day, _interval(local))] += 1
    assert len(arrivals) == 31_599
    assert stored == _rfssa_counts(shared_data, "1999-01")

    query = kpis.parse_query(
        first_day=date(1999, 1, 1),
        last_day=date(1999, 1, 31),
        today=date(1999, 2, 1),
        group_by=["day"],
        kpi_ids=["arrivals", "offered", "answered"],
    )
    daily = kpis.tenant_kpis(db, world.tenant_b, "bravo", "Asia/Jerusalem", query).rows()
    by_day = {row["day"].isoformat(): row["arrivals"] for row in daily if row["arrivals"]}
    expected_days: Counter[str] = Counter()
    for (day, _k), calls in _rfssa_counts(shared_data, "1999-01").items():
        expected_days[day] += calls
    assert by_day == dict(expected_days)
    assert "1999-01-11" not in by_day and "1999-01-12" not in by_day

    again = service.import_file(
        db, world.tenant_b, ImportRequest(ImportKind.ANONYMOUS_BANK, path, "Asia/Jerusalem")
    )
    assert again.already_imported


def test_the_pbx_export_imports_with_its_caveats_and_known_outcomes(
    db: Database, world: World, shared_data: Path
) -> None:
    path = shared_data / "pbxware-queue-log-2018" / "queue_log.csv"
    report = service.import_file(
        db, world.tenant_a, ImportRequest(ImportKind.QUEUE_LOG_TABLE, path, "America/New_York")
    )
    assert report.lines_read == 1_001 and report.lines_skipped == 0
    assert report.issue_counts["outbound-call"]["kind"] == "note"
    assert report.agent_events_added > 0

    query = kpis.parse_query(
        first_day=date(2018, 11, 29),
        last_day=date(2018, 12, 4),
        today=date(2018, 12, 5),
        kpi_ids=["offered", "answered", "abandoned", "timed_out"],
    )
    (row,) = kpis.tenant_kpis(db, world.tenant_a, "alpha", "America/New_York", query).rows()
    # 108 calls entered queue IT: 93 answered, 12 abandoned, 1 timed out, 2 still open.
    assert (row["offered"], row["answered"], row["abandoned"], row["timed_out"]) == (
        108,
        93,
        12,
        1,
    )
    assert datetime(2018, 11, 29, tzinfo=UTC)  # the export's first day, for the reader
