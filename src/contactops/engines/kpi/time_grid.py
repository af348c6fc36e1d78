"""Local-time intervals as a UTC grid: rows find their interval by integer division, not by zone.

A report's intervals are local wall-clock intervals ``[L, L + interval)`` with ``L`` a multiple
of ``interval_minutes`` after local midnight. An interval starts at the last instant the local
clock read ``L`` — so on the night clocks go back, 02:00–02:30 exists twice, as two intervals —
or, when the clock skipped ``L`` (clocks going forward at midnight), at the change itself.

Every interval start is then a multiple of one step ``g`` in UTC (the gcd of the interval, the
zone's offsets and its change instants in the period), so a row's interval is a lookup of
``(t − base) // g`` in a small table computed once: no per-row time-zone arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
import pyarrow as pa

Int64Array = npt.NDArray[np.int64]

DAY_S = 86_400
US_PER_S = 1_000_000
_PROBE_MARGIN = timedelta(days=2)  # an interval never reaches further back than one day
# Columns of the grid table besides the key ``k``, with their Arrow types.
TIME_COLUMNS = ("interval", "time_of_day", "weekday", "day", "week", "month")


@dataclass(frozen=True, slots=True)
class TimeGrid:
    """``k = (t_us − base_us) // step_us`` indexes ``table`` (columns ``k`` + TIME_COLUMNS)."""

    base_us: int
    step_us: int
    cells: int
    table: pa.Table


def zone(timezone: str) -> ZoneInfo:
    """The IANA zone ``timezone``; ValueError naming it when unknown."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"timezone: unknown IANA time zone {timezone!r}") from error


def epoch_us(at: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (exact, no float)."""
    delta = at.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * DAY_S + delta.seconds) * US_PER_S + delta.microseconds


def _offset_s(tz: ZoneInfo, at_s: int) -> int:
    offset = datetime.fromtimestamp(at_s, UTC).astimezone(tz).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def offset_changes(tz: ZoneInfo, start_s: int, end_s: int) -> tuple[list[int], list[int]]:
    """(change instants, offsets): offsets[i] holds before changes[i], offsets[-1] after the last.

    Probed once a day and narrowed to the second: zones change offset at most a few times a
    year, never twice within a day.
    """
    changes: list[int] = []
    offsets = [_offset_s(tz, start_s)]
    probe = start_s
    while probe < end_s:
        following = min(probe + DAY_S, end_s)
        offset = _offset_s(tz, following)
        if offset != offsets[-1]:
            low, high = probe, following  # offset(low) = previous, offset(high) = new
            while high - low > 1:
                middle = (low + high) // 2
                if _offset_s(tz, middle) == offsets[-1]:
                    low = middle
                else:
                    high = middle
            changes.append(high)
            offsets.append(offset)
        probe = following
    return changes, offsets


def interval_starts(
    points_s: Int64Array, interval_s: int, changes: list[int], offsets: list[int]
) -> tuple[Int64Array, Int64Array]:
    """(start instant, local label L) of the interval holding each instant, all in seconds.

    L = ⌊(t + offset) / interval⌋ · interval in local seconds since the epoch; the start is
    L − offset when the clock read L in t's offset period, else L − previous offset when it read
    L just before the change, else the change itself (the clock skipped L).
    """
    change = np.asarray(changes, dtype=np.int64)
    offset = np.asarray(offsets, dtype=np.int64)
    period = np.searchsorted(change, points_s, side="right")
    local_offset = offset[period]
    label = (points_s + local_offset) // interval_s * interval_s
    start = label - local_offset
    if change.size == 0:
        return start, label
    never = np.iinfo(np.int64).min
    period_start = np.where(period > 0, change[np.maximum(period - 1, 0)], never)
    before = label - offset[np.maximum(period - 1, 0)]
    fallback = np.where(before >= period_start, period_start, before)
    return np.where(start >= period_start, start, fallback), label


def time_grid(start: datetime, end: datetime, timezone: str, interval_minutes: int) -> TimeGrid:
    """The grid covering [start, end) for intervals of ``interval_minutes`` in ``timezone``."""
    tz = zone(timezone)
    interval_s = interval_minutes * 60
    start_us, end_us = epoch_us(start), epoch_us(end)
    margin_s = int(_PROBE_MARGIN.total_seconds())
    changes, offsets = offset_changes(
        tz, start_us // US_PER_S - margin_s, end_us // US_PER_S + margin_s
    )
    step_s = math.gcd(interval_s, *offsets, *changes)
    step_us = step_s * US_PER_S
    base_us = start_us // step_us * step_us
    cells = -(-(end_us - base_us) // step_us)
    points_s = base_us // US_PER_S + np.arange(cells, dtype=np.int64) * step_s
    start_s, label_s = interval_starts(points_s, interval_s, changes, offsets)
    local_day = label_s // DAY_S
    minute_of_day = label_s % DAY_S // 60
    weekday = (local_day + 3) % 7 + 1  # 1970-01-01 was a Thursday (ISO 4)
    days = local_day.astype("datetime64[D]")
    month = days.astype("datetime64[M]").astype("datetime64[D]")
    time_of_day = np.char.add(
        np.char.add(np.char.zfill((minute_of_day // 60).astype(str), 2), ":"),
        np.char.zfill((minute_of_day % 60).astype(str), 2),
    )
    table = pa.table(
        {
            "k": pa.array(np.arange(cells, dtype=np.int64)),
            "interval": pa.array(start_s * US_PER_S, pa.int64()).cast(pa.timestamp("us", "UTC")),
            "time_of_day": pa.array(time_of_day, pa.string()),
            "weekday": pa.array(weekday, pa.int64()),
            "day": pa.array(days, pa.date32()),
            "week": pa.array(days - (weekday - 1).astype("timedelta64[D]"), pa.date32()),
            "month": pa.array(month, pa.date32()),
        }
    )
    return TimeGrid(base_us=base_us, step_us=step_us, cells=cells, table=table)
