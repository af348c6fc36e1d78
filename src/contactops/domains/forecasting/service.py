"""Forecasts and the staffing plan: history in (a CSV or the event log), forecasts and
backtests from the forecasting engine, required and scheduled agents from the queueing engine,
plan versions and overrides stored.

History is counted one way everywhere: contacts offered to a queue per local interval and
their average handle time — the catalog's ``offered`` and ``aht`` KPIs from the KPI engine
when the history comes from the event log.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactops.domains.forecasting.models import PlanOverride, StaffingPlan, StaffingPlanInterval
from contactops.domains.kpis import service as kpis
from contactops.domains.organization import service as organization
from contactops.engines.forecasting import (
    MODELS,
    BacktestReport,
    Forecast,
    History,
    KnownEvent,
    backtest,
    forecast,
    histories_from_rows,
    rolling_origins,
)
from contactops.engines.queueing.staffing import (
    Model,
    Targets,
    required_agents,
    scheduled_agents,
)
from contactops.platform.auth import Scope as Scope
from contactops.platform.database import Database
from contactops.platform.errors import Conflict, InvalidInput, NotFound
from contactops.platform.i18n import gettext as _

AUTO = "auto"
INTERVALS = (15, 30, 60)
DEFAULT_HISTORY_WEEKS = 8
MAX_HISTORY_WEEKS = 52
MAX_DAYS = 92  # a quarter
DEFAULT_SHRINKAGE = 0.3
DEFAULT_LEVEL = 0.8
DEFAULT_AHT_S = 300.0  # a queue whose history has no handle time at all
CHAT_CONCURRENCY = 2  # chats an agent holds at once, as the simulator's tenant scenario
DEFERRED_OCCUPANCY = 0.85  # e-mail: enough agents to keep them this busy, no waiting target
REQUIRED_COLUMNS = ("start", "queue", "calls")


# --- history ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRows:
    """Interval rows: local naive starts, queue codes, calls, handle time (NaN: unknown)."""

    starts: list[datetime] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)
    calls: list[float] = field(default_factory=list)
    aht_s: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def has_aht(self) -> bool:
        return any(not math.isnan(a) for a in self.aht_s)


@dataclass(frozen=True)
class LineProblem:
    line: int
    column: str
    message: str


def read_history_csv(text: str) -> tuple[HistoryRows, list[LineProblem]]:
    """Rows of a history CSV (``start``, ``queue``, ``calls``, optional ``aht_s``); a bad line
    is reported with its number and column and left out, the good ones are kept."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            "history",
            _("The history needs the columns %(columns)s; missing: %(missing)s.",
              columns=", ".join(REQUIRED_COLUMNS), missing=", ".join(missing)),
        )  # fmt: skip
    rows, problems = HistoryRows(), []
    for number, raw in enumerate(reader, start=2):
        line = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        problem = _add_line(rows, line)
        if problem is not None:
            problems.append(LineProblem(number, *problem))
    if not rows.starts:
        raise InvalidInput("history", _("The history has no usable line."))
    return rows, problems


def _add_line(rows: HistoryRows, line: dict[str, str]) -> tuple[str, str] | None:
    try:
        start = datetime.fromisoformat(line["start"])
    except ValueError:
        return "start", _("not a date and time (YYYY-MM-DD HH:MM): %(value)s", value=line["start"])
    if not line["queue"]:
        return "queue", _("empty")
    try:
        calls = float(line["calls"])
    except ValueError:
        return "calls", _("not a number: %(value)s", value=line["calls"])
    if not math.isfinite(calls) or calls < 0:
        return "calls", _("must be a number of 0 or more")
    aht_s = math.nan
    if line.get("aht_s"):
        try:
            aht_s = float(line["aht_s"])
        except ValueError:
            return "aht_s", _("not a number: %(value)s", value=line["aht_s"])
        if not math.isfinite(aht_s) or aht_s < 0:
            return "aht_s", _("must be a number of 0 or more")
    rows.starts.append(start.replace(tzinfo=None))
    rows.queues.append(line["queue"])
    rows.calls.append(calls)
    rows.aht_s.append(aht_s)
    return None


def event_log_rows(
    db: Database,
    scope: Scope,
    first_day: date,
    last_day: date,
    interval_minutes: int,
    queues: Sequence[str] = (),
) -> HistoryRows:
    """Offered contacts and AHT per queue and local interval from the tenant's event log."""
    query = kpis.KpiQuery(
        first_day=first_day,
        last_day=last_day,
        group_by=("queue", "interval"),
        interval_minutes=interval_minutes,
        kpi_ids=("offered", "aht"),
        queues=tuple(queues),
    )
    result = kpis.tenant_kpis(db, scope.tenant_id, scope.tenant_slug, scope.time_zone, query)
    rows = HistoryRows()
    for row in result.rows():
        if row["queue"] is None or row["interval"] is None:
            continue
        rows.starts.append(row["interval"].replace(tzinfo=None))
        rows.queues.append(row["queue"])
        rows.calls.append(float(row["offered"] or 0))
        rows.aht_s.append(math.nan if row["aht"] is None else float(row["aht"]))
    return rows


def histories(
    rows: HistoryRows, interval_minutes: int, time_zone: str | None = None
) -> dict[str, History]:
    """One engine history per queue, rows floored or summed to ``interval_minutes``."""
    check_interval(interval_minutes)
    if not len(rows):
        return {}
    return histories_from_rows(
        rows.starts,
        rows.queues,
        rows.calls,
        interval_minutes=interval_minutes,
        aht_s=rows.aht_s if rows.has_aht else None,
        time_zone=time_zone,
    )


def check_interval(interval_minutes: int) -> None:
    if interval_minutes not in INTERVALS:
        raise InvalidInput(
            "interval_minutes",
            _("The interval must be one of %(values)s minutes.",
              values=", ".join(map(str, INTERVALS))),
        )  # fmt: skip


def check_model(model: str) -> None:
    if model != AUTO and model not in MODELS:
        raise InvalidInput(
            "model",
            _("Unknown model %(model)s; use auto or one of: %(known)s.",
              model=model, known=", ".join(MODELS)),
        )  # fmt: skip


def check_time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            "time_zone", _("Unknown time zone %(name)s (use an IANA name).", name=name)
        ) from None


def parse_event(text: str) -> KnownEvent:
    """``DAY`` (closed: a holiday) or ``DAY:MULTIPLIER`` (1.3: a campaign with 30 % more)."""
    day_text, _sep, factor_text = text.strip().partition(":")
    try:
        day = date.fromisoformat(day_text)
        multiplier = float(factor_text) if factor_text else 0.0
        return KnownEvent(day, multiplier, name=text.strip())
    except ValueError:
        raise InvalidInput(
            "events",
            _("%(value)s: give a day as YYYY-MM-DD, optionally :multiplier (0 closes it).",
              value=text),
        ) from None  # fmt: skip


def check_days(days: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput("days", _("Forecast 1 to %(max)d days.", max=MAX_DAYS))


# --- forecasts ---------------------------------------------------------------------------------


def run_forecasts(
    rows: HistoryRows,
    start: date,
    days: int,
    interval_minutes: int,
    *,
    model: str = AUTO,
    time_zone: str | None = None,
    level: float = DEFAULT_LEVEL,
    events: Sequence[KnownEvent] = (),
) -> list[Forecast]:
    """A forecast per queue of ``rows`` for ``days`` days from ``start`` (history after
    ``start`` is ignored)."""
    check_days(days)
    check_model(model)
    if not 0.5 <= level < 1:
        raise InvalidInput("level", _("The prediction level must lie in [0.5, 1)."))
    by_queue = histories(rows, interval_minutes, time_zone)
    out = []
    for queue, history in by_queue.items():
        if history.first_date >= start:
            raise InvalidInput(
                "start",
                _("Queue %(queue)s has no history before %(start)s.",
                  queue=queue, start=start.isoformat()),
            )  # fmt: skip
        out.append(
            forecast(
                history, start, days, model=model, level=level, time_zone=time_zone, events=events
            )
        )
    return out


def forecast_table(forecasts: Iterable[Forecast]) -> list[dict[str, Any]]:
    """Rows ``start`` (local, ISO), ``queue``, ``calls``, ``calls_lo``, ``calls_hi``,
    ``aht_s`` (None where unknown), every interval of the horizon, by start then queue."""
    rows = []
    for f in forecasts:
        for k, start in enumerate(f.start.astype("datetime64[m]").tolist()):
            aht = float(f.aht_s[k])
            rows.append(
                {
                    "start": start.isoformat(sep=" "),
                    "queue": f.queue,
                    "calls": round(float(f.calls[k]), 4),
                    "calls_lo": round(float(f.calls_lo[k]), 4),
                    "calls_hi": round(float(f.calls_hi[k]), 4),
                    "aht_s": None if math.isnan(aht) else round(aht, 2),
                }
            )
    rows.sort(key=lambda r: (r["start"], r["queue"]))
    return rows


def forecast_csv(forecasts: Iterable[Forecast], *, with_aht: bool = True) -> str:
    """The forecast as CSV: the history's columns plus ``calls_lo`` and ``calls_hi``
    (``aht_s`` only ``with_aht``, empty where unknown)."""
    out = io.StringIO()
    columns = ["start", "queue", "calls", "calls_lo", "calls_hi"] + (["aht_s"] if with_aht else [])
    writer = csv.DictWriter(out, columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in forecast_table(forecasts):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


@dataclass(frozen=True)
class AccuracyRow:
    queue: str
    model: str
    horizon_day: int | None  # None: the whole horizon
    wape: float | None
    mase: float | None
    bias: float | None
    origins: int


def run_backtest(
    rows: HistoryRows,
    interval_minutes: int,
    *,
    weeks: int = 4,
    horizon_days: int = 7,
    models: Sequence[str] = (AUTO, *MODELS),
    time_zone: str | None = None,
    events: Sequence[KnownEvent] = (),
) -> tuple[list[date], BacktestReport]:
    """Rolling-origin backtest: the last ``weeks`` weekly origins whose whole horizon is
    known, every model fitted on the data before each origin."""
    for m in models:
        check_model(m)
    by_queue = histories(rows, interval_minutes, time_zone)
    if not by_queue:
        raise InvalidInput("history", _("There is no history to backtest."))
    longest = max(by_queue.values(), key=lambda h: h.days)
    origins = rolling_origins(longest, weeks, horizon_days=horizon_days)
    if not origins:
        raise InvalidInput(
            "weeks", _("The history is too short for a backtest: it needs at least two weeks.")
        )
    return origins, backtest(list(by_queue.values()), origins, horizon_days, models, events=events)


def event_log_backtest(
    db: Database,
    scope: Scope,
    *,
    weeks: int = 4,
    history_weeks: int = DEFAULT_HISTORY_WEEKS,
    interval_minutes: int = 30,
    today: date | None = None,
) -> tuple[list[date], BacktestReport]:
    """:func:`run_backtest` over the last ``history_weeks`` weeks of the tenant's event log."""
    check_interval(interval_minutes)
    today = today or datetime.now(ZoneInfo(scope.time_zone)).date()
    first = today - timedelta(weeks=history_weeks)
    rows = event_log_rows(db, scope, first, today - timedelta(days=1), interval_minutes)
    return run_backtest(rows, interval_minutes, weeks=weeks, time_zone=scope.time_zone)


def accuracy_rows(report: BacktestReport) -> list[AccuracyRow]:
    """Per queue × model: the whole horizon, then each horizon day."""

    def finite(x: float) -> float | None:
        return None if not math.isfinite(x) else round(x, 4)

    whole = {(s.queue, s.model): s for s in report.by_model()}
    daily: dict[tuple[str, str], list[Any]] = {}
    for score in report.by_horizon_day():
        daily.setdefault((score.queue, score.model), []).append(score)
    rows = []
    for key, score in sorted(whole.items()):
        for s in [score, *daily.get(key, [])]:
            rows.append(
                AccuracyRow(
                    s.queue, s.model, s.horizon_day, finite(s.wape), finite(s.mase),
                    finite(s.bias), s.origins,
                )
            )  # fmt: skip
    return rows


# --- staffing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueStaffing:
    """How a queue is staffed: its channel, service-level goal and mean handle time."""

    channel: str
    target_sl: float
    threshold_s: float
    mean_aht_s: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "target_sl": self.target_sl,
            "threshold_s": self.threshold_s,
            "mean_aht_s": self.mean_aht_s,
        }


def staff(
    calls: np.ndarray, aht_s: np.ndarray, interval_s: float, queue: QueueStaffing, shrinkage: float
) -> tuple[np.ndarray, np.ndarray]:
    """(required, scheduled) agents per interval. Phone: the fewest agents meeting the
    queue's service level by Erlang C; chat: the same with agents holding
    :data:`CHAT_CONCURRENCY` chats; e-mail (deferred): occupancy at most
    :data:`DEFERRED_OCCUPANCY`. Scheduled = ⌈required / (1 − shrinkage)⌉. Unknown handle
    times take the queue's mean."""
    handle = np.where(np.isnan(aht_s) | (aht_s <= 0), queue.mean_aht_s, aht_s)
    n = calls.size
    if queue.channel == "email":
        targets = Targets(max_occupancy=np.full(n, DEFERRED_OCCUPANCY))
    else:
        targets = Targets(
            service_level=np.full(n, queue.target_sl),
            service_level_s=np.full(n, queue.threshold_s),
        )
    concurrency = CHAT_CONCURRENCY if queue.channel in ("chat", "social") else 1
    result = required_agents(
        Model.ERLANG_C,
        calls=np.maximum(calls, 0.0),
        interval_s=np.full(n, interval_s),
        aht_s=handle,
        targets=targets,
        concurrency=np.full(n, concurrency),
    )
    required = np.where(calls > 0, result.agents, 0).astype(np.int64)
    return required, scheduled_agents(required, np.full(n, shrinkage))


def real_starts(local: datetime, zone: ZoneInfo) -> list[datetime]:
    """The UTC starts of a local wall-clock interval start: none in the hour clocks skip, two
    in the hour they repeat, one otherwise."""
    starts = []
    for fold in (0, 1):
        aware = local.replace(tzinfo=zone, fold=fold)
        utc = aware.astimezone(UTC)
        if utc.astimezone(zone).replace(tzinfo=None) == local and utc not in starts:
            starts.append(utc)
    return starts


# --- the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverrideView:
    id: int
    queue: str | None
    starts_at: datetime
    ends_at: datetime
    percent: float
    reason: str
    created_at: datetime
    created_by: int | None
    version: int  # the plan version it made


@dataclass(frozen=True)
class QueuePlan:
    queue: str
    model: str | None
    starts_at: list[datetime]
    forecast_calls: list[float]
    calls: list[float]
    calls_lo: list[float]
    calls_hi: list[float]
    aht_s: list[float]
    required_agents: list[int]
    scheduled_agents: list[int]


@dataclass(frozen=True)
class PlanView:
    version: int
    based_on: int | None
    first_day: date
    days: int
    interval_minutes: int
    time_zone: str
    history_weeks: int
    settings: dict[str, Any]
    models: dict[str, Any]
    note: str
    created_at: datetime
    created_by: int | None
    queues: list[QueuePlan]
    overrides: list[OverrideView]


@dataclass(frozen=True)
class PlanSummary:
    version: int
    based_on: int | None
    first_day: date
    days: int
    interval_minutes: int
    note: str
    created_at: datetime
    created_by: int | None


def create_plan(
    db: Database,
    scope: Scope,
    *,
    first_day: date,
    days: int = 7,
    interval_minutes: int = 30,
    model: str = AUTO,
    history_weeks: int = DEFAULT_HISTORY_WEEKS,
    shrinkage: float = DEFAULT_SHRINKAGE,
    level: float = DEFAULT_LEVEL,
    note: str = "",
    today: date | None = None,
) -> PlanView:
    """Forecast every active queue from the event log and store the staffing it needs as the
    next plan version."""
    check_days(days)
    check_interval(interval_minutes)
    check_model(model)
    if not 1 <= history_weeks <= MAX_HISTORY_WEEKS:
        raise InvalidInput(
            "history_weeks", _("Use 1 to %(max)d weeks of history.", max=MAX_HISTORY_WEEKS)
        )
    if not 0 <= shrinkage < 1:
        raise InvalidInput("shrinkage", _("Shrinkage must lie in [0, 1)."))
    zone = ZoneInfo(scope.time_zone)
    today = today or datetime.now(zone).date()
    last_history_day = min(first_day, today) - timedelta(days=1)
    first_history_day = last_history_day - timedelta(weeks=history_weeks) + timedelta(days=1)
    with scope.session(db) as session:
        queues = [q for q in organization.list_queues_in(session) if q.is_active]
    if not queues:
        raise InvalidInput("queues", _("The center has no active queue to plan."))
    rows = event_log_rows(db, scope, first_history_day, last_history_day, interval_minutes)
    by_queue = histories(rows, interval_minutes, scope.time_zone)
    forecasts: dict[str, Forecast | None] = {}
    staffing: dict[str, QueueStaffing] = {}
    for q in queues:
        history = by_queue.get(q.code)
        forecasts[q.code] = (
            forecast(history, first_day, days, model=model, level=level, time_zone=scope.time_zone)
            if history is not None
            else None
        )
        staffing[q.code] = QueueStaffing(
            q.channel,
            q.service_level_target,
            float(q.service_level_threshold_s),
            _mean_aht(rows, q.code),
        )
    settings = {
        "model": model,
        "level": level,
        "shrinkage": shrinkage,
        "queues": {code: s.as_dict() for code, s in staffing.items()},
    }
    with scope.session(db) as session:
        plan = StaffingPlan(
            version=_next_version(session),
            based_on=None,
            first_day=first_day,
            days=days,
            interval_minutes=interval_minutes,
            time_zone=scope.time_zone,
            source="event_log",
            history_weeks=history_weeks,
            settings=settings,
            models={code: (f.model if f else None) for code, f in forecasts.items()},
            note=note[:500],
            created_by=scope.user_id,
        )
        session.add(plan)
        session.flush()
        for code, f in forecasts.items():
            session.add_all(
                _plan_rows(plan, code, f, first_day, days, zone, staffing[code], shrinkage)
            )
        session.flush()
        return _plan_view(session, plan)


def _mean_aht(rows: HistoryRows, queue: str) -> float:
    """Calls-weighted mean handle time of ``queue`` in ``rows``; the default when unknown."""
    weight = total = 0.0
    for q, calls, aht in zip(rows.queues, rows.calls, rows.aht_s, strict=True):
        if q == queue and calls > 0 and not math.isnan(aht):
            weight += calls
            total += calls * aht
    return total / weight if weight else DEFAULT_AHT_S


def _plan_rows(
    plan: StaffingPlan,
    queue: str,
    f: Forecast | None,
    first_day: date,
    days: int,
    zone: ZoneInfo,
    staffing: QueueStaffing,
    shrinkage: float,
) -> list[StaffingPlanInterval]:
    """The plan's intervals of one queue in real time: a wall-clock interval the clocks skip
    has none, one they repeat has two, each with its share of the calls."""
    minutes = plan.interval_minutes
    slots = days * 1440 // minutes
    first = datetime.combine(first_day, datetime.min.time())
    calls = np.zeros(slots) if f is None else f.calls
    lo = np.zeros(slots) if f is None else f.calls_lo
    hi = np.zeros(slots) if f is None else f.calls_hi
    aht = np.full(slots, np.nan) if f is None else f.aht_s
    starts, values = [], []
    for k in range(slots):
        real = real_starts(first + timedelta(minutes=minutes * k), zone)
        for utc in real:
            share = 1.0 / len(real)
            starts.append(utc)
            values.append((calls[k] * share, lo[k] * share, hi[k] * share, aht[k]))
    array = np.array(values, dtype=np.float64).reshape(-1, 4)
    required, scheduled = staff(array[:, 0], array[:, 3], minutes * 60.0, staffing, shrinkage)
    handle = np.where(np.isnan(array[:, 3]), staffing.mean_aht_s, array[:, 3])
    return [
        StaffingPlanInterval(
            plan_id=plan.id,
            queue=queue,
            starts_at=start,
            forecast_calls=float(array[i, 0]),
            calls=float(array[i, 0]),
            calls_lo=float(array[i, 1]),
            calls_hi=float(array[i, 2]),
            aht_s=float(handle[i]),
            required_agents=int(required[i]),
            scheduled_agents=int(scheduled[i]),
        )
        for i, start in enumerate(starts)
    ]


def _next_version(session: Session) -> int:
    return int(session.scalar(select(func.max(StaffingPlan.version))) or 0) + 1


def _find_plan(session: Session, version: int | None) -> StaffingPlan:
    statement = select(StaffingPlan)
    if version is None:
        statement = statement.order_by(StaffingPlan.version.desc()).limit(1)
    else:
        statement = statement.where(StaffingPlan.version == version)
    plan = session.scalar(statement)
    if plan is None:
        if version is None:
            raise NotFound(_("There is no staffing plan yet."))
        raise NotFound(_("There is no plan version %(version)d.", version=version))
    return plan


def get_plan(db: Database, scope: Scope, version: int | None = None) -> PlanView:
    """A plan version (default: the latest), with its intervals and overrides."""
    with scope.session(db) as session:
        return _plan_view(session, _find_plan(session, version))


def plan_in(session: Session, version: int | None = None) -> PlanView:
    """:func:`get_plan` inside an open tenant session."""
    return _plan_view(session, _find_plan(session, version))


def list_plans(db: Database, scope: Scope) -> list[PlanSummary]:
    with scope.session(db) as session:
        plans = session.scalars(select(StaffingPlan).order_by(StaffingPlan.version.desc()))
        return [
            PlanSummary(
                p.version, p.based_on, p.first_day, p.days, p.interval_minutes, p.note,
                p.created_at, p.created_by,
            )
            for p in plans
        ]  # fmt: skip


def _plan_view(session: Session, plan: StaffingPlan) -> PlanView:
    rows = session.scalars(
        select(StaffingPlanInterval)
        .where(StaffingPlanInterval.plan_id == plan.id)
        .order_by(StaffingPlanInterval.queue, StaffingPlanInterval.starts_at)
    ).all()
    queues: dict[str, list[StaffingPlanInterval]] = {}
    for row in rows:
        queues.setdefault(row.queue, []).append(row)
    return PlanView(
        version=plan.version,
        based_on=plan.based_on,
        first_day=plan.first_day,
        days=plan.days,
        interval_minutes=plan.interval_minutes,
        time_zone=plan.time_zone,
        history_weeks=plan.history_weeks,
        settings=dict(plan.settings),
        models=dict(plan.models),
        note=plan.note,
        created_at=plan.created_at,
        created_by=plan.created_by,
        queues=[
            QueuePlan(
                queue=code,
                model=plan.models.get(code),
                starts_at=[r.starts_at for r in mine],
                forecast_calls=[r.forecast_calls for r in mine],
                calls=[r.calls for r in mine],
                calls_lo=[r.calls_lo for r in mine],
                calls_hi=[r.calls_hi for r in mine],
                aht_s=[r.aht_s for r in mine],
                required_agents=[r.required_agents for r in mine],
                scheduled_agents=[r.scheduled_agents for r in mine],
            )
            for code, mine in queues.items()
        ],
        overrides=_overrides_up_to(session, plan.version),
    )


def _overrides_up_to(session: Session, version: int) -> list[OverrideView]:
    """The overrides that made this version and the versions it descends from."""
    parent = dict(
        session.execute(
            select(StaffingPlan.version, StaffingPlan.based_on).where(
                StaffingPlan.version <= version
            )
        ).all()
    )
    lineage = []
    current: int | None = version
    while current is not None and current in parent:
        lineage.append(current)
        current = parent[current]
    rows = session.execute(
        select(PlanOverride, StaffingPlan.version)
        .join(StaffingPlan, StaffingPlan.id == PlanOverride.plan_id)
        .where(StaffingPlan.version.in_(lineage))
        .order_by(StaffingPlan.version, PlanOverride.id)
    ).all()
    return [
        OverrideView(
            o.id, o.queue, o.starts_at, o.ends_at, o.percent, o.reason, o.created_at,
            o.created_by, made,
        )
        for o, made in rows
    ]  # fmt: skip


def add_override(
    db: Database,
    scope: Scope,
    *,
    version: int,
    queue: str | None,
    starts_at: datetime,
    ends_at: datetime,
    percent: float,
    reason: str,
) -> PlanView:
    """Scale the calls of ``queue`` (None: every queue) in [starts_at, ends_at) by
    (1 + percent/100), recompute their staffing, and store the result as the next version.
    Only the latest version can be changed, so no override is lost."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", _("Say why the forecast changes."))
    if not math.isfinite(percent) or percent <= -100 or percent > 1000:
        raise InvalidInput("percent", _("The change must lie between -100 % and +1000 %."))
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("starts_at", _("Times must carry a time zone."))
    if ends_at <= starts_at:
        raise InvalidInput("ends_at", _("The end must come after the start."))
    with scope.session(db) as session:
        base = _find_plan(session, version)
        latest = _find_plan(session, None)
        if latest.version != base.version:
            raise Conflict(
                _("Version %(version)d is not the latest (%(latest)d): reload the plan.",
                  version=base.version, latest=latest.version)
            )  # fmt: skip
        rows = session.scalars(
            select(StaffingPlanInterval).where(StaffingPlanInterval.plan_id == base.id)
        ).all()
        codes = {r.queue for r in rows}
        if queue is not None and queue not in codes:
            raise InvalidInput("queue", _("The plan has no queue %(queue)s.", queue=queue))
        factor = 1 + percent / 100
        start_utc, end_utc = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
        hit = [
            (queue is None or r.queue == queue) and start_utc <= r.starts_at < end_utc for r in rows
        ]
        if not any(hit):
            raise InvalidInput("starts_at", _("No interval of the plan lies in that range."))
        plan = StaffingPlan(
            version=base.version + 1,
            based_on=base.version,
            first_day=base.first_day,
            days=base.days,
            interval_minutes=base.interval_minutes,
            time_zone=base.time_zone,
            source=base.source,
            history_weeks=base.history_weeks,
            settings=dict(base.settings),
            models=dict(base.models),
            note=reason[:500],
            created_by=scope.user_id,
        )
        session.add(plan)
        session.flush()
        copies = [_copy(r, plan.id, factor if h else 1.0) for r, h in zip(rows, hit, strict=True)]
        _restaff(copies, base.settings, base.interval_minutes * 60.0)
        session.add_all(copies)
        session.add(
            PlanOverride(
                plan_id=plan.id,
                queue=queue,
                starts_at=start_utc,
                ends_at=end_utc,
                percent=percent,
                reason=reason[:500],
                created_by=scope.user_id,
            )
        )
        session.flush()
        return _plan_view(session, plan)


def _copy(row: StaffingPlanInterval, plan_id: int, factor: float) -> StaffingPlanInterval:
    return StaffingPlanInterval(
        plan_id=plan_id,
        queue=row.queue,
        starts_at=row.starts_at,
        forecast_calls=row.forecast_calls,
        calls=row.calls * factor,
        calls_lo=row.calls_lo * factor,
        calls_hi=row.calls_hi * factor,
        aht_s=row.aht_s,
        required_agents=row.required_agents,
        scheduled_agents=row.scheduled_agents,
    )


def _restaff(rows: list[StaffingPlanInterval], settings: dict[str, Any], interval_s: float) -> None:
    """Recompute required and scheduled agents of ``rows`` in place, queue by queue."""
    shrinkage = float(settings.get("shrinkage", DEFAULT_SHRINKAGE))
    by_queue: dict[str, list[StaffingPlanInterval]] = {}
    for row in rows:
        by_queue.setdefault(row.queue, []).append(row)
    for code, mine in by_queue.items():
        spec = settings.get("queues", {}).get(code, {})
        staffing = QueueStaffing(
            spec.get("channel", "phone"),
            float(spec.get("target_sl", 0.8)),
            float(spec.get("threshold_s", 20)),
            float(spec.get("mean_aht_s", DEFAULT_AHT_S)),
        )
        calls = np.array([r.calls for r in mine])
        aht = np.array([r.aht_s for r in mine])
        required, scheduled = staff(calls, aht, interval_s, staffing, shrinkage)
        for row, req, sch in zip(mine, required.tolist(), scheduled.tolist(), strict=True):
            row.required_agents = req
            row.scheduled_agents = sch
