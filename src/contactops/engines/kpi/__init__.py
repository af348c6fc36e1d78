"""The KPI catalog: per-contact legs and the metrics computed from them in DuckDB."""
