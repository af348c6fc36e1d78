"""Imports of external history into the event log: runs, progress, resumption, reports."""
