"""Measure: KPIs from the event log through the catalog of engines.kpi; API, CLI and dashboard."""
