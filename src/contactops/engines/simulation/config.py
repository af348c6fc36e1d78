"""Scenario files: a plain mapping (read from YAML or JSON) → :class:`Scenario`.

The format is documented in ``docs/simulation.md``. Local times (``start``, shift and break
times) are read in the scenario's ``time_zone``, so a shift of 08:00–16:00 stays 08:00–16:00 on
a daylight-saving day; a shift whose end is not after its start ends the next day (17:30–01:00).
Every error names the field it is about, as a path: ``queues[1].talk.mean_s: must be > 0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from contactops.engines.events import Channel
from contactops.engines.routing import AgentSelection
from contactops.engines.simulation.distributions import Duration, Shape
from contactops.engines.simulation.scenario import (
    AgentGroup,
    Callback,
    Customers,
    Overflow,
    QueueSpec,
    Retrial,
    Scenario,
    Shift,
    Transfer,
)

T = TypeVar("T")


class ScenarioError(ValueError):
    """A scenario file that cannot be run; ``path`` names the field."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.reason = message


class _Reader:
    """Typed access to one mapping, with the path of every field for error messages."""

    def __init__(self, data: object, path: str = "") -> None:
        if not isinstance(data, Mapping):
            raise ScenarioError(path, "must be a mapping of fields")
        self.data = data
        self.path = path
        self.used: set[str] = set()

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def raw(self, key: str, default: object = None) -> Any:
        self.used.add(key)
        return self.data.get(key, default)

    def number(self, key: str, default: float | None = None, *, low: float | None = 0.0) -> float:
        value = self.raw(key, default)
        if value is None:
            raise ScenarioError(self.at(key), "is required")
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ScenarioError(self.at(key), f"must be a number, got {value!r}")
        if low is not None and value < low:
            raise ScenarioError(self.at(key), f"must be ≥ {low:g}, got {value!r}")
        return float(value)

    def optional_number(self, key: str, *, low: float = 0.0) -> float | None:
        return self.number(key, low=low) if self.has(key) else None

    def integer(self, key: str, default: int | None = None, *, low: int = 0) -> int:
        value = self.raw(key, default)
        if value is None:
            raise ScenarioError(self.at(key), "is required")
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScenarioError(self.at(key), f"must be a whole number, got {value!r}")
        if value < low:
            raise ScenarioError(self.at(key), f"must be ≥ {low}, got {value}")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value = self.raw(key, default)
        if value is None:
            raise ScenarioError(self.at(key), "is required")
        if not isinstance(value, str | int | float) or isinstance(value, bool) or str(value) == "":
            raise ScenarioError(self.at(key), f"must be text, got {value!r}")
        return str(value)

    def choice(self, key: str, kind: Callable[[str], T], default: str) -> T:
        value = self.text(key, default)
        try:
            return kind(value)
        except ValueError:
            options = ", ".join(getattr(kind, "__members__", {}).keys()).lower()
            raise ScenarioError(self.at(key), f"unknown value {value!r} (use {options})") from None

    def child(self, key: str) -> _Reader:
        return _Reader(self.raw(key), self.at(key))

    def items(self, key: str) -> list[_Reader]:
        values = self.raw(key)
        if not isinstance(values, Sequence) or isinstance(values, str) or not values:
            raise ScenarioError(self.at(key), "must be a non-empty list")
        return [_Reader(v, f"{self.at(key)}[{i}]") for i, v in enumerate(values)]

    def check_known(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.data) - allowed)
        if unknown:
            raise ScenarioError(
                self.at(unknown[0]), f"unknown field (known: {', '.join(sorted(allowed))})"
            )


def scenario_from_mapping(data: object) -> Scenario:
    """Build and validate a scenario from a mapping (see the module docstring)."""
    root = _Reader(data)
    root.check_known(
        {"name", "start", "time_zone", "interval_minutes", "intervals", "hours", "days", "seed",
         "warmup_minutes", "lines", "customers", "queues", "agents", "replications"}
    )  # fmt: skip
    zone_name = root.text("time_zone", "UTC")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScenarioError(root.at("time_zone"), f"unknown time zone {zone_name!r}") from None
    start = _local_datetime(root, "start", zone)
    interval_minutes = root.number("interval_minutes", 30, low=None)
    if interval_minutes <= 0:
        raise ScenarioError(root.at("interval_minutes"), "must be > 0")
    interval_s = interval_minutes * 60
    intervals = _interval_count(root, interval_s)
    queue_readers = root.items("queues")
    queues = tuple(_queue(q, intervals, interval_s) for q in queue_readers)
    agents = tuple(
        _agent_group(a, start, intervals * interval_s, zone) for a in root.items("agents")
    )
    customers = Customers()
    if root.has("customers"):
        c = root.child("customers")
        c.check_known({"known_share", "contacts_per_customer"})
        share = c.number("known_share", 0.0)
        if share > 1:
            raise ScenarioError(c.at("known_share"), "must be between 0 and 1")
        customers = Customers(share, c.number("contacts_per_customer", 1.0, low=1.0))
    try:
        return Scenario(
            name=root.text("name", "scenario"),
            start=start,
            interval_s=interval_s,
            queues=queues,
            agents=agents,
            lines=root.integer("lines") if root.has("lines") else None,
            seed=root.integer("seed", 1),
            warmup_s=root.number("warmup_minutes", 0.0) * 60,
            customers=customers,
            time_zone=zone_name,
        )
    except ValueError as error:
        raise ScenarioError("", str(error)) from None


def _local_datetime(reader: _Reader, key: str, zone: ZoneInfo) -> datetime:
    value = reader.raw(key)
    if value is None:
        raise ScenarioError(reader.at(key), "is required (local date and time, 2026-11-23T08:00)")
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ScenarioError(reader.at(key), f"not an ISO date and time: {value!r}") from None
    if not isinstance(value, datetime):
        raise ScenarioError(reader.at(key), f"must be a date and time, got {value!r}")
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def _interval_count(root: _Reader, interval_s: float) -> int:
    given = [k for k in ("intervals", "hours", "days") if root.has(k)]
    if len(given) > 1:
        raise ScenarioError(
            root.at(given[1]), f"give only one of intervals, hours, days (also {given[0]})"
        )
    if not given:
        raise ScenarioError(root.at("intervals"), "give the horizon: intervals, hours or days")
    if given[0] == "intervals":
        return root.integer("intervals", low=1)
    seconds = root.number(given[0], low=None) * (3600 if given[0] == "hours" else 86_400)
    count = seconds / interval_s
    if seconds <= 0 or abs(count - round(count)) > 1e-9:
        raise ScenarioError(root.at(given[0]), "must be a positive whole number of intervals")
    return round(count)


def duration(reader: _Reader | None, key: str, *, default_shape: Shape) -> Duration | None:
    """A duration field: a number (the mean, of ``default_shape``) or a mapping with
    ``mean_s``, ``distribution`` (fixed / exponential / lognormal / empirical), ``cv``,
    ``samples_s``."""
    if reader is None or not reader.has(key):
        return None
    value = reader.raw(key)
    path = reader.at(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = {"mean_s": value}
    d = _Reader(value, path)
    d.check_known({"mean_s", "distribution", "cv", "samples_s"})
    shape = d.choice("distribution", Shape, default_shape.value)
    try:
        if shape == Shape.EMPIRICAL:
            samples = d.raw("samples_s")
            if not isinstance(samples, Sequence) or isinstance(samples, str) or not samples:
                raise ScenarioError(d.at("samples_s"), "must be a non-empty list of seconds")
            return Duration.empirical([_seconds(d.at("samples_s"), s) for s in samples])
        mean_s = d.number("mean_s")
        if shape == Shape.LOGNORMAL:
            return Duration.lognormal(mean_s, d.number("cv", 1.0, low=None))
        return Duration(shape, mean_s)
    except ValueError as error:
        if isinstance(error, ScenarioError):
            raise
        raise ScenarioError(path, str(error)) from None


def _seconds(path: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ScenarioError(path, f"must hold seconds ≥ 0, got {value!r}")
    return float(value)


def _arrivals(q: _Reader, intervals: int, interval_s: float) -> tuple[tuple[float, ...], float]:
    a = q.child("arrivals")
    a.check_known({"per_interval", "per_hour", "overdispersion"})
    overdispersion = a.number("overdispersion", 0.0)
    if a.has("per_interval") == a.has("per_hour"):
        raise ScenarioError(a.path, "give exactly one of per_interval (a list) or per_hour")
    if a.has("per_hour"):
        per_interval = a.number("per_hour") * interval_s / 3600
        return (per_interval,) * intervals, overdispersion
    values = a.raw("per_interval")
    if not isinstance(values, Sequence) or isinstance(values, str) or not values:
        raise ScenarioError(a.at("per_interval"), "must be a non-empty list of expected contacts")
    numbers = [_seconds(f"{a.at('per_interval')}[{i}]", v) for i, v in enumerate(values)]
    if intervals % len(numbers):
        raise ScenarioError(
            a.at("per_interval"),
            f"has {len(numbers)} values; give one per interval ({intervals}) or a pattern "
            "that repeats a whole number of times",
        )
    return tuple(numbers * (intervals // len(numbers))), overdispersion


def _queue(q: _Reader, intervals: int, interval_s: float) -> QueueSpec:
    q.check_known(
        {"code", "channel", "arrivals", "talk", "wrapup", "patience", "ring", "entry",
         "priority", "head_start_s", "concurrency", "selection", "max_wait_s", "max_waiting",
         "overflow", "callback", "retrial", "transfer", "service_level_s"}
    )  # fmt: skip
    arrivals, overdispersion = _arrivals(q, intervals, interval_s)
    talk = duration(q, "talk", default_shape=Shape.EXPONENTIAL)
    if talk is None:
        raise ScenarioError(q.at("talk"), "is required (mean talk time in seconds)")
    overflow = callback = retrial = transfer = None
    if q.has("overflow"):
        o = q.child("overflow")
        o.check_known({"after_s", "to"})
        overflow = Overflow(o.number("after_s"), o.text("to"))
    if q.has("callback"):
        c = q.child("callback")
        c.check_known({"offer_after_s", "accept_probability"})
        callback = Callback(c.number("offer_after_s"), _probability(c, "accept_probability"))
    if q.has("retrial"):
        r = q.child("retrial")
        r.check_known({"probability", "delay", "max_attempts"})
        delay = duration(r, "delay", default_shape=Shape.EXPONENTIAL)
        if delay is None:
            raise ScenarioError(r.at("delay"), "is required (mean seconds before trying again)")
        retrial = Retrial(
            _probability(r, "probability"), delay, r.integer("max_attempts", 3, low=1)
        )
    if q.has("transfer"):
        t = q.child("transfer")
        t.check_known({"probability", "to"})
        transfer = Transfer(_probability(t, "probability"), t.text("to"))
    try:
        return QueueSpec(
            code=q.text("code"),
            channel=q.choice("channel", Channel, "phone"),
            arrivals=arrivals,
            talk=talk,
            wrapup=duration(q, "wrapup", default_shape=Shape.FIXED),
            patience=duration(q, "patience", default_shape=Shape.EXPONENTIAL),
            ring=duration(q, "ring", default_shape=Shape.FIXED),
            entry=duration(q, "entry", default_shape=Shape.FIXED),
            priority=q.integer("priority", 0, low=-1_000_000),
            head_start_s=q.number("head_start_s", 0.0),
            concurrency=q.integer("concurrency", 1, low=1),
            selection=q.choice("selection", AgentSelection, "longest_idle"),
            overdispersion=overdispersion,
            max_wait_s=q.optional_number("max_wait_s"),
            max_waiting=q.integer("max_waiting") if q.has("max_waiting") else None,
            overflow=overflow,
            callback=callback,
            retrial=retrial,
            transfer=transfer,
            service_level_s=q.number("service_level_s", 20.0),
        )
    except ValueError as error:
        if isinstance(error, ScenarioError):
            raise
        raise ScenarioError(q.path, str(error)) from None


def _probability(reader: _Reader, key: str) -> float:
    value = reader.number(key)
    if value > 1:
        raise ScenarioError(reader.at(key), f"must be between 0 and 1, got {value:g}")
    return value


def _clock(path: str, value: object) -> int:
    """ "HH:MM" → minutes after midnight."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 86_400:
        return value // 60  # YAML reads 08:00 unquoted as sexagesimal seconds
    if isinstance(value, str):
        try:
            parsed = time.fromisoformat(value)
            return parsed.hour * 60 + parsed.minute
        except ValueError:
            pass
    raise ScenarioError(path, f'must be a time of day like "08:30", got {value!r}')


def _agent_group(a: _Reader, start: datetime, horizon_s: float, zone: ZoneInfo) -> AgentGroup:
    a.check_known({"group", "count", "skills", "shifts", "max_contacts", "codes"})
    skills_raw = a.raw("skills")
    if isinstance(skills_raw, Sequence) and not isinstance(skills_raw, str):
        skills_raw = {str(code): 10 for code in skills_raw}
    skills = _Reader(skills_raw, a.at("skills"))
    levels = {str(code): skills.integer(str(code), low=1) for code in skills.data}
    codes_raw = a.raw("codes", ())
    if not isinstance(codes_raw, Sequence) or isinstance(codes_raw, str):
        raise ScenarioError(a.at("codes"), "must be a list of agent codes")
    shifts: list[Shift] = []
    if a.has("shifts"):
        for s in a.items("shifts"):
            shifts += _daily_shifts(s, start, horizon_s, zone)
    try:
        return AgentGroup(
            name=a.text("group"),
            count=a.integer("count"),
            skills=levels,
            shifts=tuple(shifts),
            max_contacts=a.integer("max_contacts", 1_000_000, low=1),
            codes=tuple(str(c) for c in codes_raw),
        )
    except ValueError as error:
        if isinstance(error, ScenarioError):
            raise
        raise ScenarioError(a.path, str(error)) from None


def _daily_shifts(s: _Reader, start: datetime, horizon_s: float, zone: ZoneInfo) -> list[Shift]:
    """One shift per local day that overlaps the horizon, clipped to it (breaks outside the
    clipped shift are dropped)."""
    s.check_known({"start", "end", "breaks"})
    begin = _clock(s.at("start"), s.raw("start"))
    finish = _clock(s.at("end"), s.raw("end"))
    breaks: list[tuple[int, float]] = []
    if s.has("breaks"):
        for b in s.items("breaks"):
            b.check_known({"at", "minutes"})
            minutes = b.number("minutes", low=None)
            if minutes <= 0:
                raise ScenarioError(b.at("minutes"), "must be > 0")
            breaks.append((_clock(b.at("at"), b.raw("at")), minutes * 60))
    origin = start.timestamp()
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    shifts: list[Shift] = []
    day = first_day
    while _instant(day, 0, zone) - origin < horizon_s:
        on_s = _instant(day, begin, zone) - origin
        end_day = day if finish > begin else day + timedelta(days=1)
        off_s = _instant(end_day, finish, zone) - origin
        day += timedelta(days=1)
        lo, hi = max(on_s, 0.0), min(off_s, horizon_s)
        if hi <= lo:
            continue
        kept = []
        for at_minute, length_s in breaks:
            break_day = day - timedelta(days=1)
            if at_minute < begin:
                break_day += timedelta(days=1)
            at_s = _instant(break_day, at_minute, zone) - origin
            if lo <= at_s < hi:
                kept.append((at_s, length_s))
        try:
            shifts.append(Shift(lo, hi, tuple(kept)))
        except ValueError as error:
            raise ScenarioError(s.path, str(error)) from None
    return shifts


def _instant(day: date, minute: int, zone: ZoneInfo) -> float:
    """Seconds since the epoch of a local wall-clock time (a skipped time maps forward)."""
    local = datetime.combine(day, time(), zone) + timedelta(minutes=minute)
    return local.timestamp()
