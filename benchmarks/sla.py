"""SLA deadlines in business time: ContactOps' engine vs pandas' CustomBusinessHour, side by
side in one run, on the same random starts; every answer of one is checked against the other.

The case both can express: opening hours mon-fri 08:00-17:00 in a time zone with daylight
saving time (Europe/Oslo), a few holidays, and a target of N whole business hours from a random
instant of a year (pandas' business-hour offset counts whole hours). ContactOps answers one
call a start (``BusinessCalendar.add_business_seconds``), as the tickets domain uses it;
pandas adds a ``CustomBusinessHour`` to each ``Timestamp`` (its offsets are applied one value
at a time too).

Usage: ``python benchmarks/sla.py [--starts 20000] [--hours 3] [--write]``
(needs the bench extra: ``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
from pandas.tseries.offsets import CustomBusinessHour

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import write_section

from contactops.engines.sla import BusinessCalendar

ZONE = "Europe/Oslo"
HOLIDAYS = [date(2026, 1, 1), date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 6),
            date(2026, 5, 1), date(2026, 5, 14), date(2026, 5, 25), date(2026, 12, 25)]  # fmt: skip


def starts(count: int, seed: int) -> list[datetime]:
    """Random instants of 2026 inside opening hours (pandas rolls other starts differently
    from a business-time clock, which starts counting at the next opening)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    calendar = BusinessCalendar.parse_weekly(ZONE, "mon-fri 08:00-17:00", HOLIDAYS)
    out: list[datetime] = []
    year = datetime(2026, 1, 1, tzinfo=UTC)
    while len(out) < count:
        moment = year + timedelta(seconds=rng.randrange(365 * 86400))
        moment = moment.replace(microsecond=0, second=0)
        if calendar.is_open(moment):
            out.append(moment)
    return out


def run(count: int, hours: int, seed: int) -> tuple[str, int, int]:
    """The timing table, the answers that differ, and those that differ only in how a
    deadline falling exactly at closing time is written."""
    calendar = BusinessCalendar.parse_weekly(ZONE, "mon-fri 08:00-17:00", HOLIDAYS)
    moments = starts(count, seed)
    began = time.perf_counter()
    ours = [calendar.add_business_seconds(m, hours * 3600.0) for m in moments]
    ours_s = time.perf_counter() - began

    offset = CustomBusinessHour(
        n=hours, start="08:00", end="17:00", weekmask="Mon Tue Wed Thu Fri",
        holidays=[d.isoformat() for d in HOLIDAYS],
    )  # fmt: skip
    stamps = [pd.Timestamp(m).tz_convert(ZONE) for m in moments]
    began = time.perf_counter()
    theirs = [s + offset for s in stamps]
    theirs_s = time.perf_counter() - began

    # A budget that runs out exactly at closing time: ContactOps says "due at 17:00", pandas
    # rolls to the next opening. The same business instant, written two ways.
    at_closing = disagree = 0
    for a, b in zip(ours, theirs, strict=True):
        other = b.to_pydatetime()
        if a == other:
            continue
        if not calendar.is_open(a) and calendar.next_open(a) == other:
            at_closing += 1
        else:
            disagree += 1
    rows = [
        "| implementation | deadlines | total s | µs a deadline | ratio |",
        "|---|---|---|---|---|",
        f"| ContactOps `add_business_seconds` | {count:,} | {ours_s:.3f} | "
        f"{ours_s / count * 1e6:.1f} | 1.0 |",
        f"| pandas `CustomBusinessHour` | {count:,} | {theirs_s:.3f} | "
        f"{theirs_s / count * 1e6:.1f} | {theirs_s / ours_s:.1f} |",
    ]
    return "\n".join(rows), disagree, at_closing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=20_000)
    parser.add_argument("--hours", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="record in benchmarks/RESULTS.md")
    args = parser.parse_args()
    table, disagree, at_closing = run(args.starts, args.hours, args.seed)
    body = (
        f"{args.hours} business hours from {args.starts:,} random instants of 2026 inside "
        f"opening hours, mon-fri 08:00-17:00 in {ZONE} with {len(HOLIDAYS)} holidays (both "
        f"sides of both DST changes). Answers that differ: **{disagree}**; written "
        f"differently only: {at_closing} deadlines falling exactly at closing time, which "
        f"ContactOps gives as 17:00 and pandas as the next opening (the same business "
        f"instant).\n\n{table}"
    )
    print(body)
    if args.write:
        command = f"python benchmarks/sla.py --starts {args.starts} --hours {args.hours} --write"
        write_section("SLA: business-time deadlines", command, body)


if __name__ == "__main__":
    main()
