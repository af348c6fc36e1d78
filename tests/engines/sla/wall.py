"""Fixed instants for the SLA tests, written as local wall-clock times."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

OSLO = "Europe/Oslo"
NEW_YORK = "America/New_York"
SHANGHAI = "Asia/Shanghai"
SOFIA = "Europe/Sofia"


def wall(zone: str, text: str, *, fold: int = 0) -> datetime:
    """The aware datetime of local wall time ``text`` ("2026-03-06 15:30") in ``zone``."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone), fold=fold)


def utc(text: str) -> datetime:
    """The aware UTC datetime of ``text`` ("2026-03-06 14:30")."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local_text(zone: str, instant: datetime) -> str:
    """``instant`` on the wall clock of ``zone``, as "2026-03-06 15:30" (seconds if any)."""
    local = instant.astimezone(ZoneInfo(zone))
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")
