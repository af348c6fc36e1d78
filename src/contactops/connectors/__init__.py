"""Translators between external formats (PBX logs, CSV, Parquet) and canonical events.

Connectors import ``contactops.engines`` only.
"""
