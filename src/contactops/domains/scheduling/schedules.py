"""Schedule versions: templates and contracts, building from the staffing plan, reading,
publishing, planners' edits, and which version is in force on a day."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from contactops.domains.forecasting import service as forecasting
from contactops.domains.organization import service as organization
from contactops.domains.scheduling.models import (
    ACTIVITY_KINDS,
    DRAFT,
    PUBLISHED,
    SUPERSEDED,
    WORK,
    AgentContract,
    ScheduleShift,
    ScheduleVersion,
    ShiftActivity,
    ShiftTemplateRecord,
)
from contactops.domains.scheduling.timeline import (
    Span,
    clock_changes,
    local_to_utc,
    on_duty,
    requirement_grid,
    shift_spans,
    wall_minute,
)
from contactops.domains.scheduling.views import (
    ActivityView,
    CoverageView,
    RuleProblem,
    ScheduleSummary,
    ScheduleView,
    ShiftView,
    TemplateView,
)
from contactops.engines.scheduling import (
    ANY_SKILL,
    BreakPlacement,
    ProblemError,
    ShiftAssignment,
    SolveOptions,
    check_rules,
    solve,
)
from contactops.engines.scheduling.mapping import problem_from_mapping
from contactops.platform.auth import Scope
from contactops.platform.database import Database, utcnow
from contactops.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from contactops.platform.i18n import gettext as _

MAX_DAYS = 28
DEFAULT_TIME_LIMIT_S = 20.0
DEFAULT_MAX_HOURS_PER_WEEK = 40.0
DEFAULT_RULES: dict[str, Any] = {
    "max_consecutive_days": 6,
    "min_rest_hours": 11,
    "max_hours_per_week": 48,
    "min_days_off_per_week": 1,
    "fair_weekends": True,
    "fair_nights": True,
}
# The templates a new center starts with: a day shift 08:30–17:30 (starts 07:00–10:00), an
# evening shift 17:30–01:00 (starts 15:00–18:00), a night shift and a four-hour part-time shift.
DEFAULT_TEMPLATES: tuple[dict[str, Any], ...] = (
    {"code": "DAY", "name": "Day 9 h", "start_minutes": list(range(420, 601, 30)),
     "length_minutes": 540, "cost_per_hour": 20.0,
     "breaks": [{"length_minutes": 30, "earliest_start_minutes": 120, "latest_start_minutes": 180},
                {"length_minutes": 30, "earliest_start_minutes": 240,
                 "latest_start_minutes": 330, "paid": False}]},
    {"code": "EVE", "name": "Evening 7.5 h", "start_minutes": list(range(900, 1081, 30)),
     "length_minutes": 450, "cost_per_hour": 22.0,
     "breaks": [{"length_minutes": 30, "earliest_start_minutes": 120, "latest_start_minutes": 180},
                {"length_minutes": 30, "earliest_start_minutes": 240,
                 "latest_start_minutes": 330, "paid": False}]},
    {"code": "NIGHT", "name": "Night 8 h", "start_minutes": [1260, 1320, 1380],
     "length_minutes": 480, "cost_per_hour": 25.0,
     "breaks": [{"length_minutes": 30, "earliest_start_minutes": 180,
                 "latest_start_minutes": 300, "paid": False}]},
    {"code": "PART", "name": "Part-time 4 h", "start_minutes": list(range(480, 1081, 60)),
     "length_minutes": 240, "cost_per_hour": 18.0, "breaks": []},
)  # fmt: skip


# --- templates and contracts -----------------------------------------------------------------


def ensure_templates_in(session: Session) -> list[ShiftTemplateRecord]:
    """The tenant's active templates; a center with none gets :data:`DEFAULT_TEMPLATES`."""
    rows = list(session.scalars(select(ShiftTemplateRecord).order_by(ShiftTemplateRecord.code)))
    if not rows:
        rows = [ShiftTemplateRecord(**t) for t in DEFAULT_TEMPLATES]
        session.add_all(rows)
        session.flush()
    return [r for r in rows if r.is_active]


def list_templates(db: Database, scope: Scope) -> list[TemplateView]:
    with scope.session(db) as session:
        return [_template_view(t) for t in ensure_templates_in(session)]


def _template_view(t: ShiftTemplateRecord) -> TemplateView:
    return TemplateView(
        t.code, t.name, list(t.start_minutes), t.length_minutes, list(t.breaks),
        t.cost_per_hour, t.is_active,
    )  # fmt: skip


def save_template(db: Database, scope: Scope, data: dict[str, Any]) -> TemplateView:
    """Create or replace a template by code; checked as the engine checks its input."""
    try:
        problem_from_mapping(_probe_problem([data]))
    except ProblemError as error:
        raise InvalidInput(error.field.replace("templates[0]", "template"), error.reason) from None
    with scope.session(db) as session:
        ensure_templates_in(session)
        row = session.scalar(
            select(ShiftTemplateRecord).where(ShiftTemplateRecord.code == data["code"])
        )
        if row is None:
            row = ShiftTemplateRecord(code=data["code"])
            session.add(row)
        row.name = str(data.get("name") or data["code"])[:200]
        row.start_minutes = list(data["start_minutes"])
        row.length_minutes = int(data["length_minutes"])
        row.breaks = list(data.get("breaks", []))
        row.cost_per_hour = float(data.get("cost_per_hour", 0.0))
        row.is_active = bool(data.get("is_active", True))
        session.flush()
        return _template_view(row)


def _probe_problem(templates: list[dict[str, Any]]) -> dict[str, Any]:
    return {"interval_minutes": 30, "requirements": [[0] * 48], "templates": templates,
            "agents": []}  # fmt: skip


def set_contract(
    db: Database,
    scope: Scope,
    agent_code: str,
    *,
    min_hours_per_week: float = 0.0,
    max_hours_per_week: float | None = None,
    weekdays_off: Sequence[int] = (),
    templates: Sequence[str] = (),
) -> None:
    """An agent's contract: paid hours a week, fixed weekdays off (0 = Monday), shift kinds."""
    if min_hours_per_week < 0 or (
        max_hours_per_week is not None and max_hours_per_week < min_hours_per_week
    ):
        raise InvalidInput("min_hours_per_week", _("Use 0 ≤ minimum ≤ maximum hours."))
    if any(not 0 <= d <= 6 for d in weekdays_off):
        raise InvalidInput("weekdays_off", _("Weekdays run from 0 (Monday) to 6 (Sunday)."))
    with scope.session(db) as session:
        agent = _agent_by_code(_agents(session), agent_code)
        row = session.scalar(select(AgentContract).where(AgentContract.agent_id == agent.id))
        if row is None:
            row = AgentContract(agent_id=agent.id)
            session.add(row)
        row.min_hours_per_week = float(min_hours_per_week)
        row.max_hours_per_week = max_hours_per_week
        row.weekdays_off = sorted(set(weekdays_off))
        row.templates = list(templates)


def _agent_by_code(agents: dict[int, organization.AgentView], code: str) -> organization.AgentView:
    for agent in agents.values():
        if agent.code == code:
            return agent
    raise NotFound(_("There is no agent %(code)s.", code=code))


# --- building a schedule ---------------------------------------------------------------------


def build_problem_in(
    session: Session,
    plan: forecasting.PlanView,
    first_day: date,
    days: int,
    rules: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The engine's problem (JSON mapping, docs/scheduling.md) for ``days`` local days from
    ``first_day``: requirements are the plan's scheduled agents (after shrinkage) summed per
    skill of the queues (every agent counts for a queue without a skill), templates the
    tenant's, agents the active ones with their skills and contracts."""
    zone = ZoneInfo(plan.time_zone)
    queue_skill = {q.code: q.skill_code for q in organization.list_queues_in(session)}
    by_skill: dict[str, dict[datetime, int]] = {}
    for q in plan.queues:
        skill = queue_skill.get(q.queue) or ANY_SKILL
        sums = by_skill.setdefault(skill, {})
        for start, value in zip(q.starts_at, q.scheduled_agents, strict=True):
            sums[start] = sums.get(start, 0) + value
    grids = {
        skill: requirement_grid(
            list(values), list(values.values()), first_day, days, plan.interval_minutes, zone
        ).tolist()
        for skill, values in by_skill.items()
    }
    agents = [a for a in organization.list_agents_in(session) if a.is_active]
    if not agents:
        raise InvalidInput("agents", _("The center has no active agent to schedule."))
    contracts = {c.agent_id: c for c in session.scalars(select(AgentContract))}
    templates = ensure_templates_in(session)
    requirements: Any = grids[ANY_SKILL] if list(grids) == [ANY_SKILL] else grids
    return {
        "interval_minutes": plan.interval_minutes,
        "first_weekday": first_day.weekday(),
        "clock_changes": [
            {"day": c.day, "local_minute": c.local_minute,
             "offset_change_minutes": c.offset_change_minutes}
            for c in clock_changes(first_day, days, zone)
        ],
        "requirements": requirements,
        "templates": [
            {"code": t.code, "start_minutes": list(t.start_minutes),
             "length_minutes": t.length_minutes, "breaks": list(t.breaks),
             "cost_per_hour": t.cost_per_hour}
            for t in templates
        ],
        "agents": [
            _agent_mapping(a, contracts.get(a.id), first_day, days, set(grids)) for a in agents
        ],
        "rules": {**DEFAULT_RULES, **(rules or {})},
    }  # fmt: skip


def _agent_mapping(
    agent: organization.AgentView,
    contract: AgentContract | None,
    first_day: date,
    days: int,
    skills: set[str],
) -> dict[str, Any]:
    weekdays_off = set(contract.weekdays_off) if contract else set()
    # A queue without a skill is a need of its own (ANY_SKILL) that every agent can cover.
    own = [s.skill_code for s in agent.skills if s.skill_code in skills]
    return {
        "code": agent.code,
        "skills": [*own, ANY_SKILL] if ANY_SKILL in skills and len(skills) > 1 else own,
        "min_hours_per_week": contract.min_hours_per_week if contract else 0.0,
        "max_hours_per_week": (
            contract.max_hours_per_week
            if contract and contract.max_hours_per_week is not None
            else DEFAULT_MAX_HOURS_PER_WEEK
        ),
        "fixed_days_off": [
            d for d in range(days) if (first_day + timedelta(days=d)).weekday() in weekdays_off
        ],
        "templates": list(contract.templates) if contract else [],
    }


def build_schedule(
    db: Database,
    scope: Scope,
    *,
    plan_version: int | None = None,
    first_day: date | None = None,
    days: int | None = None,
    rules: dict[str, Any] | None = None,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    seed: int = 0,
    note: str = "",
) -> ScheduleView:
    """Solve a schedule for the plan's days (or ``days`` from ``first_day`` inside them) and
    store it as the next version, a draft."""
    plan = forecasting.get_plan(db, scope, plan_version)
    first_day = first_day or plan.first_day
    days = days or plan.days
    plan_end = plan.first_day + timedelta(days=plan.days)
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput("days", _("Schedule 1 to %(max)d days.", max=MAX_DAYS))
    if first_day < plan.first_day or first_day + timedelta(days=days) > plan_end:
        raise InvalidInput(
            "first_day",
            _("Plan version %(version)d covers %(first)s to %(last)s.", version=plan.version,
              first=plan.first_day.isoformat(),
              last=(plan_end - timedelta(days=1)).isoformat()),
        )  # fmt: skip
    if not 0 < time_limit_s <= 600:
        raise InvalidInput("time_limit_s", _("Give the solver 1 to 600 seconds."))
    with scope.session(db) as session:
        mapping = build_problem_in(session, plan, first_day, days, rules)
    try:
        problem = problem_from_mapping(mapping)
    except ProblemError as error:
        raise InvalidInput(error.field, error.reason) from None
    solved = solve(problem, SolveOptions(time_limit_s=time_limit_s, seed=seed, workers=2))
    zone = ZoneInfo(scope.time_zone)
    with scope.session(db) as session:
        agents = {a.code: a.id for a in organization.list_agents_in(session)}
        version = ScheduleVersion(
            version=_next_version(session),
            status=DRAFT,
            first_day=first_day,
            days=days,
            interval_minutes=plan.interval_minutes,
            time_zone=scope.time_zone,
            plan_version=plan.version,
            note=note[:500],
            problem=mapping,
            result={
                "status": solved.status,
                "objective": _finite(solved.objective),
                "best_bound": _finite(solved.best_bound),
                "relative_gap": _finite(solved.relative_gap),
                "wall_time_s": round(solved.wall_time_s, 2),
                "objective_parts": {k: _finite(v) for k, v in solved.objective_parts.items()},
                "blocking": [
                    {
                        "rule": b.rule,
                        "agent": b.agent,
                        "day": b.day,
                        "week": b.week,
                        "message": b.message,
                    }
                    for b in solved.blocking
                ],
            },
            created_by=scope.user_id,
        )
        session.add(version)
        session.flush()
        for a in solved.assignments:
            session.add(_shift_row(version, agents[a.agent], a, zone))
        session.flush()
        return _schedule_view(session, version)


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _shift_row(
    version: ScheduleVersion, agent_id: int, a: ShiftAssignment, zone: ZoneInfo
) -> ScheduleShift:
    first = version.first_day
    return ScheduleShift(
        schedule_id=version.id,
        agent_id=agent_id,
        day=first + timedelta(days=a.day),
        kind=WORK,
        template=a.template,
        starts_at=local_to_utc(first, a.day, a.start_minute, zone),
        ends_at=local_to_utc(first, a.day, a.end_minute, zone),
        paid_minutes=a.paid_minutes,
        activities=[
            ShiftActivity(
                kind="break" if b.paid else "lunch",
                starts_at=local_to_utc(first, a.day, b.start_minute, zone),
                ends_at=local_to_utc(first, a.day, b.end_minute, zone),
            )
            for b in a.breaks
        ],
    )


def _next_version(session: Session) -> int:
    latest = session.scalar(
        select(ScheduleVersion.version).order_by(ScheduleVersion.version.desc())
    )
    return int(latest or 0) + 1


# --- reading ---------------------------------------------------------------------------------


def _find(session: Session, version: int | None) -> ScheduleVersion:
    statement = select(ScheduleVersion)
    if version is None:
        statement = statement.order_by(ScheduleVersion.version.desc()).limit(1)
    else:
        statement = statement.where(ScheduleVersion.version == version)
    row = session.scalar(statement)
    if row is None:
        if version is None:
            raise NotFound(_("There is no schedule yet."))
        raise NotFound(_("There is no schedule version %(version)d.", version=version))
    return row


def _summary(v: ScheduleVersion) -> ScheduleSummary:
    return ScheduleSummary(
        v.version, v.status, v.first_day, v.days, v.interval_minutes, v.time_zone,
        v.plan_version, v.based_on, v.note, v.revision, dict(v.result), v.created_at,
        v.created_by, v.published_at, v.published_by,
    )  # fmt: skip


def list_schedules(db: Database, scope: Scope) -> list[ScheduleSummary]:
    with scope.session(db) as session:
        rows = session.scalars(select(ScheduleVersion).order_by(ScheduleVersion.version.desc()))
        return [_summary(v) for v in rows]


def get_schedule(db: Database, scope: Scope, version: int | None = None) -> ScheduleView:
    """A version (default: the latest) with its shifts, coverage and the rules it breaks."""
    with scope.session(db) as session:
        return _schedule_view(session, _find(session, version))


def _shifts_of(session: Session, schedule_ids: Iterable[int], **where: Any) -> list[ScheduleShift]:
    statement = (
        select(ScheduleShift)
        .where(ScheduleShift.schedule_id.in_(list(schedule_ids)))
        .options(selectinload(ScheduleShift.activities))
        .order_by(ScheduleShift.starts_at, ScheduleShift.id)
    )
    for column, value in where.items():
        statement = statement.where(getattr(ScheduleShift, column) == value)
    return list(session.scalars(statement))


def _agents(session: Session) -> dict[int, organization.AgentView]:
    return {a.id: a for a in organization.list_agents_in(session)}


def _shift_view(s: ScheduleShift, agents: dict[int, organization.AgentView]) -> ShiftView:
    agent = agents[s.agent_id]
    return ShiftView(
        s.id, s.agent_id, agent.code, agent.display_name, agent.team, s.day, s.kind, s.template,
        s.starts_at, s.ends_at, s.paid_minutes, s.note,
        [ActivityView(a.kind, a.starts_at, a.ends_at) for a in s.activities],
    )  # fmt: skip


def _schedule_view(session: Session, v: ScheduleVersion) -> ScheduleView:
    agents = _agents(session)
    rows = _shifts_of(session, [v.id])
    shifts = [_shift_view(s, agents) for s in rows]
    return ScheduleView(
        _summary(v), shifts, _coverage(session, v, rows), _problems(v, rows, agents)
    )


def _coverage(session: Session, v: ScheduleVersion, rows: list[ScheduleShift]) -> CoverageView:
    scope_start = datetime.combine(v.first_day, time(), tzinfo=ZoneInfo(v.time_zone))
    scope_end = scope_start + timedelta(days=v.days)
    required: dict[datetime, int] = {}
    plan = _plan_or_none(session, v.plan_version)
    if plan is not None:
        for q in plan.queues:
            for start, value in zip(q.starts_at, q.scheduled_agents, strict=True):
                if scope_start <= start < scope_end:
                    required[start] = required.get(start, 0) + value
    starts = sorted(required)
    if not starts:  # no plan: the real intervals of the days
        step = timedelta(minutes=v.interval_minutes)
        t = scope_start.astimezone(UTC)
        while t < scope_end.astimezone(UTC):
            starts.append(t)
            t += step
    scheduled = on_duty(_spans(rows), starts, v.interval_minutes)
    return CoverageView(
        starts, [required.get(s, 0) for s in starts], [round(float(x), 3) for x in scheduled]
    )


def _plan_or_none(session: Session, version: int | None) -> forecasting.PlanView | None:
    if version is None:
        return None
    try:
        return forecasting.plan_in(session, version)
    except NotFound:
        return None


def _spans(rows: Iterable[ScheduleShift]) -> list[Span]:
    spans: list[Span] = []
    for s in rows:
        if s.kind == WORK:
            spans.extend(
                shift_spans(
                    s.starts_at, s.ends_at, [(a.kind, a.starts_at, a.ends_at) for a in s.activities]
                )
            )
    return spans


def _problems(
    v: ScheduleVersion, rows: list[ScheduleShift], agents: dict[int, organization.AgentView]
) -> list[RuleProblem]:
    """The labour rules the version's shifts break now (after edits), checked by the engine."""
    if not v.problem:
        return []
    problem = problem_from_mapping(v.problem)
    known = {a.code for a in problem.agents}
    zone = ZoneInfo(v.time_zone)
    assignments = [
        _assignment(v, s, agents[s.agent_id].code, zone)
        for s in rows
        if s.kind == WORK and agents[s.agent_id].code in known
    ]
    out = []
    for check in check_rules(problem, assignments):
        for violation in check.violations:
            day = v.first_day + timedelta(days=violation.day) if violation.day is not None else None
            week = _("in week %(week)d", week=(violation.week or 0) + 1)
            when = day.isoformat() if day else week
            message = violation.message or _(
                "%(amount)g over the limit %(when)s", amount=violation.amount, when=when
            )
            out.append(RuleProblem(check.rule, violation.agent, day, message))
    return out


def _assignment(v: ScheduleVersion, s: ScheduleShift, code: str, zone: ZoneInfo) -> ShiftAssignment:
    return ShiftAssignment(
        agent=code,
        day=(s.day - v.first_day).days,
        template=s.template,
        start_minute=wall_minute(s.starts_at, s.day, zone),
        end_minute=wall_minute(s.ends_at, s.day, zone),
        breaks=tuple(
            BreakPlacement(
                wall_minute(a.starts_at, s.day, zone), wall_minute(a.ends_at, s.day, zone),
                a.kind != "lunch",
            )
            for a in s.activities
            if a.kind in ("break", "lunch")
        ),
        paid_minutes=s.paid_minutes,
    )  # fmt: skip


# --- publishing and editing ------------------------------------------------------------------


def publish(db: Database, scope: Scope, version: int) -> ScheduleSummary:
    """Publish a draft: agents see it; published versions covering its days are superseded."""
    with scope.session(db) as session:
        v = _find(session, version)
        if v.status != DRAFT:
            raise Conflict(_("Only a draft can be published; version %(version)d is %(status)s.",
                             version=version, status=v.status))  # fmt: skip
        end = v.first_day + timedelta(days=v.days)
        for other in session.scalars(
            select(ScheduleVersion).where(ScheduleVersion.status == PUBLISHED)
        ):
            other_end = other.first_day + timedelta(days=other.days)
            if other.first_day < end and v.first_day < other_end:
                other.status = SUPERSEDED
        v.status = PUBLISHED
        v.published_at = utcnow()
        v.published_by = scope.user_id
        session.flush()
        return _summary(v)


def copy_schedule(db: Database, scope: Scope, version: int, note: str = "") -> ScheduleSummary:
    """A new draft with the shifts of ``version``, to rework a published schedule."""
    with scope.session(db) as session:
        source = _find(session, version)
        copy = ScheduleVersion(
            version=_next_version(session), status=DRAFT, first_day=source.first_day,
            days=source.days, interval_minutes=source.interval_minutes,
            time_zone=source.time_zone, plan_version=source.plan_version,
            based_on=source.version, note=note[:500] or source.note, problem=source.problem,
            result=source.result, created_by=scope.user_id,
        )  # fmt: skip
        session.add(copy)
        session.flush()
        for s in _shifts_of(session, [source.id]):
            session.add(
                ScheduleShift(
                    schedule_id=copy.id, agent_id=s.agent_id, day=s.day, kind=s.kind,
                    template=s.template, starts_at=s.starts_at, ends_at=s.ends_at,
                    paid_minutes=s.paid_minutes, note=s.note,
                    activities=[ShiftActivity(kind=a.kind, starts_at=a.starts_at,
                                              ends_at=a.ends_at) for a in s.activities],
                )
            )  # fmt: skip
        session.flush()
        return _summary(copy)


@dataclass(frozen=True)
class ShiftInput:
    """A shift as a planner types it: local day, HH:MM start and end (an end at or before the
    start is the next day), activities as (kind, HH:MM, HH:MM)."""

    agent_code: str
    day: date
    start: str
    end: str
    template: str = ""
    activities: tuple[tuple[str, str, str], ...] = ()
    note: str = ""


def _minute(text: str, field_name: str) -> int:
    try:
        hours, minutes = text.strip().split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise InvalidInput(field_name, _("Write the time as HH:MM.")) from None
    if not 0 <= value < 1440 or not 0 <= int(minutes) < 60:
        raise InvalidInput(field_name, _("Write the time as HH:MM."))
    return value


def _editable(session: Session, version: int) -> ScheduleVersion:
    v = _find(session, version)
    if v.status == SUPERSEDED:
        raise Conflict(_("Version %(version)d is superseded; edit the version in force.",
                         version=version))  # fmt: skip
    return v


def _fill(session: Session, v: ScheduleVersion, row: ScheduleShift, shift: ShiftInput) -> None:
    zone = ZoneInfo(v.time_zone)
    if not v.first_day <= shift.day < v.first_day + timedelta(days=v.days):
        raise InvalidInput("day", _("The day lies outside this schedule."))
    start = _minute(shift.start, "start")
    end = _minute(shift.end, "end")
    if end <= start:
        end += 1440
    d = (shift.day - v.first_day).days
    activities = []
    for i, (kind, a_text, b_text) in enumerate(shift.activities):
        if kind not in ACTIVITY_KINDS:
            raise InvalidInput(f"activities[{i}].kind",
                               _("Unknown activity %(kind)s.", kind=kind))  # fmt: skip
        a = _minute(a_text, f"activities[{i}].start")
        b = _minute(b_text, f"activities[{i}].end")
        a += 1440 if a < start else 0
        b += 1440 if b <= a else 0
        if not start <= a < b <= end:
            raise InvalidInput(f"activities[{i}]", _("An activity must lie inside the shift."))
        activities.append((kind, a, b))
    agent = _agent_by_code(_agents(session), shift.agent_code)
    row.agent_id = agent.id
    row.day = shift.day
    row.kind = WORK
    row.template = shift.template[:32]
    row.starts_at = local_to_utc(v.first_day, d, start, zone)
    row.ends_at = local_to_utc(v.first_day, d, end, zone)
    unpaid = sum(b - a for kind, a, b in activities if kind == "lunch")
    real = int((row.ends_at - row.starts_at).total_seconds() // 60)
    row.paid_minutes = real - unpaid
    row.note = shift.note[:500]
    row.activities = [
        ShiftActivity(kind=kind, starts_at=local_to_utc(v.first_day, d, a, zone),
                      ends_at=local_to_utc(v.first_day, d, b, zone))
        for kind, a, b in activities
    ]  # fmt: skip


def _clash(session: Session, v: ScheduleVersion, row: ScheduleShift) -> None:
    for other in _shifts_of(session, [v.id], agent_id=row.agent_id):
        overlaps = other.starts_at < row.ends_at and row.starts_at < other.ends_at
        if other.id != row.id and other.kind == WORK and row.kind == WORK and overlaps:
            raise Conflict(_("This shift overlaps another shift of the agent."))


def save_shift(
    db: Database, scope: Scope, version: int, shift: ShiftInput, shift_id: int | None = None
) -> ScheduleView:
    """Add a shift, or change shift ``shift_id``; the view lists the rules now broken."""
    with scope.session(db) as session:
        v = _editable(session, version)
        row = ScheduleShift(schedule_id=v.id) if shift_id is None else _shift(session, v, shift_id)
        with session.no_autoflush:
            _fill(session, v, row, shift)
        session.add(row)
        session.flush()
        _clash(session, v, row)
        v.revision += 1
        session.flush()
        return _schedule_view(session, v)


def delete_shift(db: Database, scope: Scope, version: int, shift_id: int) -> ScheduleView:
    with scope.session(db) as session:
        v = _editable(session, version)
        session.delete(_shift(session, v, shift_id))
        v.revision += 1
        session.flush()
        return _schedule_view(session, v)


def _shift(session: Session, v: ScheduleVersion, shift_id: int) -> ScheduleShift:
    row = session.get(ScheduleShift, shift_id)
    if row is None or row.schedule_id != v.id:
        raise NotFound(_("There is no shift %(id)d in this schedule.", id=shift_id))
    return row


# --- schedules in force ----------------------------------------------------------------------


def _in_force(session: Session, first: date, last: date) -> dict[date, int]:
    """Local day → id of the schedule version in force that day, for days in [first, last]."""
    versions = session.scalars(
        select(ScheduleVersion)
        .where(ScheduleVersion.status.in_((PUBLISHED, SUPERSEDED)))
        .where(ScheduleVersion.first_day <= last)
        .order_by(ScheduleVersion.published_at, ScheduleVersion.version)
    )
    days: dict[date, int] = {}
    for v in versions:
        for k in range(v.days):
            day = v.first_day + timedelta(days=k)
            if first <= day <= last:
                days[day] = v.id
    return days


def shifts_in_force_in(
    session: Session, first: date, last: date, agent_id: int | None = None
) -> list[ScheduleShift]:
    """The published shifts of local days [first, last], of one agent or all."""
    days = _in_force(session, first, last)
    if not days:
        return []
    rows = _shifts_of(session, set(days.values()))
    return [
        s for s in rows
        if days.get(s.day) == s.schedule_id and (agent_id is None or s.agent_id == agent_id)
    ]  # fmt: skip


@dataclass(frozen=True)
class TeamDay:
    """Who works a day, by team: the supervisor's view."""

    day: date
    shifts: list[ShiftView]


def team_schedule(
    db: Database, scope: Scope, first: date, days: int = 7, team: str | None = None
) -> list[TeamDay]:
    with scope.session(db) as session:
        agents = _agents(session)
        rows = shifts_in_force_in(session, first, first + timedelta(days=days - 1))
        views = [
            _shift_view(s, agents) for s in rows if team is None or agents[s.agent_id].team == team
        ]
    return [
        TeamDay(first + timedelta(days=k), [s for s in views if s.day == first + timedelta(days=k)])
        for k in range(days)
    ]


def agent_of_user(
    agents: dict[int, organization.AgentView], user_id: int | None
) -> organization.AgentView | None:
    """The agent a user account is linked to, if any."""
    if user_id is None:
        return None
    return next((a for a in agents.values() if a.user_id == user_id), None)


def _me(agents: dict[int, organization.AgentView], scope: Scope) -> organization.AgentView:
    agent = agent_of_user(agents, scope.user_id)
    if agent is None:
        raise Forbidden(_("Your account is not linked to an agent."))
    return agent
