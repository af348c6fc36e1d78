"""docs/metrics.md is generated from the catalog and must be up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from contactops.engines.kpi.catalog import CATALOG, PARAMETER_DOCS
from contactops.engines.kpi.docs import render_metrics_markdown

PAGE = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"
REGENERATE = "python -m contactops.engines.kpi.docs > docs/metrics.md"


def test_the_committed_metrics_page_is_up_to_date():
    assert PAGE.read_text(encoding="utf-8") == render_metrics_markdown(), (
        f"docs/metrics.md is stale: run `{REGENERATE}`"
    )


def test_the_page_documents_every_kpi_and_parameter():
    page = render_metrics_markdown()
    for entry in CATALOG:
        assert f"(`{entry.id}`)" in page
        assert entry.formula in page
        assert entry.definition in page
    for name in PARAMETER_DOCS:
        assert f"| `{name}` |" in page
    assert "start ≤ that time < end" in page  # the time-attribution rule


def test_the_module_prints_the_page():
    result = subprocess.run(
        [sys.executable, "-m", "contactops.engines.kpi.docs"],
        capture_output=True,
        text=True,
        check=True,
        encoding="utf-8",
    )
    assert result.stdout == render_metrics_markdown()
