"""The KPI catalog: per-contact legs and the metrics computed from them in DuckDB."""

from contactops.engines.kpi.adherence import SCHEDULE_SCHEMA

__all__ = ["SCHEDULE_SCHEMA"]
