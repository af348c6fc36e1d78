"""Fields of delimited text files: header names, counts and seconds, local clock readings.

Shared by the CSV and tab-separated importers. Local wall-clock readings become UTC instants
here, once, with one rule for the hour a daylight-saving change skips or repeats:

- a reading the zone skips (spring forward) is read with the offset in force *before* the
  change — what a clock that was not yet advanced would show — and reported as
  ``nonexistent-local-time``;
- a reading the zone repeats (fall back) is its first occurrence (also the offset before the
  change; PEP 495 ``fold=0``) unless the caller asks for the second, and is reported as
  ``ambiguous-local-time``.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta, tzinfo

NONEXISTENT_LOCAL_TIME = "nonexistent-local-time"
AMBIGUOUS_LOCAL_TIME = "ambiguous-local-time"

DAY_S = 86_400
_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_ORDINAL_1970 = date(1970, 1, 1).toordinal()


class FieldError(ValueError):
    """A cell that cannot be read: ``code`` as in ``LineIssue``, the column, its text, why."""

    def __init__(self, code: str, column: str, value: str, reason: str) -> None:
        super().__init__(f"column {column}: {value!r} {reason}")
        self.code = code
        self.column = column
        self.value = value
        self.reason = reason


def local_day_s(day: date) -> int:
    """Seconds from 1970-01-01 00:00 to ``day`` 00:00 on a naive (local) clock."""
    return (day.toordinal() - _ORDINAL_1970) * DAY_S


def local_reading(local_s: int) -> datetime:
    """The naive local datetime of a reading in seconds (inverse of :func:`local_day_s` + s)."""
    return _EPOCH_NAIVE + timedelta(seconds=local_s)


def utc_from_seconds(utc_s: float) -> datetime:
    """The aware UTC instant ``utc_s`` seconds after the Unix epoch."""
    return _EPOCH_UTC + timedelta(seconds=utc_s)


class LocalZone:
    """Local clock readings of one time zone → UTC, with the daylight-saving rule above.

    Readings are seconds on the naive local clock (:func:`local_day_s` + seconds after
    midnight), so an importer can add stage durations with integer arithmetic. Days without a
    change of offset (all but two a year) take a cached constant offset.
    """

    def __init__(self, tz: tzinfo) -> None:
        if tz.utcoffset(datetime(2000, 1, 1)) is None:
            raise ValueError(f"time zone {tz!r} has no UTC offset")
        self.tz = tz
        self._day_offsets: dict[int, int | None] = {}

    def utc_seconds(
        self, local_s: int, *, second_occurrence: bool = False
    ) -> tuple[int, str | None]:
        """(UTC seconds since the epoch, issue code or None) for a local reading."""
        day = local_s // DAY_S
        if day in self._day_offsets:
            offset_s = self._day_offsets[day]
        else:
            offset_s = self._day_offsets[day] = self._uniform_offset_s(day)
        if offset_s is not None:
            return local_s - offset_s, None
        return self._resolve(local_s, second_occurrence)

    def to_utc(
        self, naive: datetime, *, second_occurrence: bool = False
    ) -> tuple[datetime, str | None]:
        """A naive local datetime as an aware UTC datetime (microseconds kept)."""
        whole = naive.replace(microsecond=0)
        local_s = (whole - _EPOCH_NAIVE) // timedelta(seconds=1)
        utc_s, code = self.utc_seconds(local_s, second_occurrence=second_occurrence)
        return utc_from_seconds(utc_s) + timedelta(microseconds=naive.microsecond), code

    def _offset_s(self, naive: datetime, fold: int) -> int:
        offset = self.tz.utcoffset(naive.replace(fold=fold))
        assert offset is not None  # checked in __init__ for this zone
        return int(offset.total_seconds())

    def _uniform_offset_s(self, day: int) -> int | None:
        """The day's offset when it is the same all day (no skipped or repeated hour)."""
        start = _EPOCH_NAIVE + timedelta(days=day)
        offsets = {
            self._offset_s(start, 0),
            self._offset_s(start, 1),
            self._offset_s(start + timedelta(days=1), 0),
        }
        return offsets.pop() if len(offsets) == 1 else None

    def _resolve(self, local_s: int, second_occurrence: bool) -> tuple[int, str | None]:
        naive = _EPOCH_NAIVE + timedelta(seconds=local_s)
        before_s = self._offset_s(naive, 0)
        after_s = self._offset_s(naive, 1)
        if before_s == after_s:
            return local_s - before_s, None
        utc_s = local_s - before_s
        round_trip = utc_from_seconds(utc_s).astimezone(self.tz).replace(tzinfo=None)
        if round_trip != naive:
            return utc_s, NONEXISTENT_LOCAL_TIME
        return local_s - (after_s if second_occurrence else before_s), AMBIGUOUS_LOCAL_TIME


def describe_clock_issue(
    code: str, reading: str, zone: LocalZone, occurrence: str = "first"
) -> str:
    """A person's explanation of a skipped or repeated local reading."""
    if code == NONEXISTENT_LOCAL_TIME:
        return (
            f"{reading} does not exist in {zone.tz} (skipped by a daylight-saving change); "
            "read with the offset in force before the change"
        )
    return (
        f"{reading} occurs twice in {zone.tz} (repeated by a daylight-saving change); "
        f"read as its {occurrence} occurrence"
    )


# --- headers -----------------------------------------------------------------------------------

DELIMITERS = (",", ";", "\t", "|")


def normalise_header(name: str) -> str:
    """Header text as a lookup key: no BOM or outer spaces, lower case, inner spaces as ``_``."""
    return "_".join(name.replace("\ufeff", "").strip().lower().split())


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter the header line uses most (``,`` when none appears)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def split_header(header_line: str, delimiter: str) -> list[str]:
    """The header line's cells, quotes removed, as written."""
    return next(csv.reader([header_line], delimiter=delimiter), [])


# --- numbers -----------------------------------------------------------------------------------


def parse_count(text: str, column: str) -> int:
    """A non-negative whole count; ``12.0`` is 12, ``12.5`` and ``-1`` are errors."""
    cleaned = text.strip()
    try:
        number = float(cleaned)
    except ValueError:
        raise FieldError("bad-number", column, text, "is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise FieldError("bad-number", column, text, "is not a finite number")
    if number < 0:
        raise FieldError("negative-count", column, text, "is negative")
    if not number.is_integer():
        raise FieldError("bad-number", column, text, "is not a whole count")
    return int(number)


def parse_seconds(text: str, column: str) -> float:
    """A non-negative finite number of seconds."""
    try:
        seconds = float(text.strip())
    except ValueError:
        raise FieldError("bad-number", column, text, "is not a number of seconds") from None
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        raise FieldError("bad-number", column, text, "is not a finite number")
    if seconds < 0:
        raise FieldError("negative-duration", column, text, "is negative")
    return seconds
