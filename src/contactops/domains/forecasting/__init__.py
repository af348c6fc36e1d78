"""Forecasts of contacts and handle time per queue and interval, backtests, and the versioned
staffing plan built from them (with the managers' overrides)."""
