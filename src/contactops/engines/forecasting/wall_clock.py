"""Clock changes on a local wall-clock grid: how much real time each wall-clock interval holds.

Forecasts are made per local wall-clock interval (weekday × time of day), because customers and
opening hours follow the local clock: the Monday 09:00 peak stays at 09:00 local across a
daylight-saving change, which a profile on UTC intervals would shift by an hour. Two days a
year the wall clock is not a one-to-one picture of time:

- clocks go forward (Europe/Oslo: 02:00 → 03:00 on the last Sunday of March): the wall-clock
  intervals in the gap never happen — exposure 0, the forecast there is 0;
- clocks go back (03:00 → 02:00 on the last Sunday of October): the repeated intervals happen
  twice — exposure 2, the forecast there covers both real intervals.

``exposure[d, i]`` = real minutes in wall-clock interval i of day d ÷ ``interval_minutes``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def zone(time_zone: str) -> ZoneInfo:
    """The IANA zone ``time_zone``; ValueError naming it when unknown."""
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"time_zone: unknown IANA time zone {time_zone!r}") from error


def wall_clock_exposure(
    first_date: date, days: int, interval_minutes: int, time_zone: str
) -> FloatArray:
    """Real time in each wall-clock interval ÷ its nominal length, shape (days, slots).

    A minute ``m`` of wall-clock time is skipped when its two UTC offsets (PEP 495 ``fold`` 0
    and 1) say it lies in a gap (offset(fold=0) < offset(fold=1)) and repeated when they say it
    lies in an overlap (offset(fold=0) > offset(fold=1)). Only days whose offset at midnight
    differs from the next midnight's are examined minute by minute.
    """
    tz = zone(time_zone)
    slots = 1440 // interval_minutes
    exposure = np.ones((days, slots))
    for row in range(days):
        day = first_date + timedelta(days=row)
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        end = start + timedelta(days=1)
        if start.utcoffset() == end.utcoffset():
            continue
        exposure[row] = _day_exposure(start, interval_minutes)
    return exposure


def _day_exposure(midnight: datetime, interval_minutes: int) -> FloatArray:
    minutes = np.ones(1440)
    for minute in range(1440):
        wall = midnight + timedelta(minutes=minute)
        before = wall.replace(fold=0).utcoffset()
        after = wall.replace(fold=1).utcoffset()
        assert before is not None and after is not None
        if before < after:
            minutes[minute] = 0.0
        elif before > after:
            minutes[minute] = 2.0
    return np.asarray(minutes.reshape(-1, interval_minutes).mean(axis=1), dtype=np.float64)


def impute_skipped_intervals(calls: FloatArray, exposure: FloatArray) -> FloatArray:
    """Cells the clock skipped (exposure < 1) get the same cell a week earlier (else later).

    Partly skipped cells are scaled to a full interval first: calls ÷ exposure. Cells with no
    week-earlier or week-later observation keep their (scaled) value.
    """
    out = calls.copy()
    rows, slots = np.nonzero(exposure < 1)
    for row, slot in zip(rows.tolist(), slots.tolist(), strict=True):
        if np.isnan(calls[row]).all():
            continue  # a missing day stays missing
        share = exposure[row, slot]
        if share > 0 and not np.isnan(out[row, slot]):
            out[row, slot] = out[row, slot] / share
            continue
        for other in (row - 7, row + 7, row - 14, row + 14):
            if 0 <= other < len(out) and not np.isnan(calls[other, slot]):
                out[row, slot] = calls[other, slot]
                break
    return out
