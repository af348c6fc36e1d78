"""Schedules: built from the staffing plan by the scheduling engine, stored as versions
(draft → published; an older published version is superseded where a newer one covers its
days), edited by planners (every change in the audit log), changed by agents' swap and time-off
requests once a supervisor approves, and read by agents (page and iCalendar feed).

Which schedule is in force on a local day: the most recently published version that covers it
(published or since superseded for other days). Handover notes, adherence and the feed read
only that.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
from sqlalchemy.orm import Session

from contactops.domains.events import service as events
from contactops.domains.organization import service as organization
from contactops.domains.scheduling.handover import (
    acknowledge as acknowledge,
)
from contactops.domains.scheduling.handover import (
    add_handover as add_handover,
)
from contactops.domains.scheduling.handover import handovers_for_in
from contactops.domains.scheduling.handover import (
    list_handovers as list_handovers,
)
from contactops.domains.scheduling.models import (
    WORK,
)
from contactops.domains.scheduling.requests import _requests
from contactops.domains.scheduling.requests import (
    answer_swap as answer_swap,
)
from contactops.domains.scheduling.requests import (
    cancel_request as cancel_request,
)
from contactops.domains.scheduling.requests import (
    decide_request as decide_request,
)
from contactops.domains.scheduling.requests import (
    list_requests as list_requests,
)
from contactops.domains.scheduling.requests import (
    request_swap as request_swap,
)
from contactops.domains.scheduling.requests import (
    request_time_off as request_time_off,
)
from contactops.domains.scheduling.schedules import (
    DEFAULT_RULES as DEFAULT_RULES,
)
from contactops.domains.scheduling.schedules import (
    DEFAULT_TEMPLATES as DEFAULT_TEMPLATES,
)
from contactops.domains.scheduling.schedules import (
    DEFAULT_TIME_LIMIT_S as DEFAULT_TIME_LIMIT_S,
)
from contactops.domains.scheduling.schedules import (
    MAX_DAYS as MAX_DAYS,
)
from contactops.domains.scheduling.schedules import (
    ShiftInput as ShiftInput,
)
from contactops.domains.scheduling.schedules import (
    TeamDay as TeamDay,
)
from contactops.domains.scheduling.schedules import (
    _agents,
    _shift_view,
    agent_of_user,
    shifts_in_force_in,
)
from contactops.domains.scheduling.schedules import (
    build_problem_in as build_problem_in,
)
from contactops.domains.scheduling.schedules import (
    build_schedule as build_schedule,
)
from contactops.domains.scheduling.schedules import (
    copy_schedule as copy_schedule,
)
from contactops.domains.scheduling.schedules import (
    delete_shift as delete_shift,
)
from contactops.domains.scheduling.schedules import (
    ensure_templates_in as ensure_templates_in,
)
from contactops.domains.scheduling.schedules import (
    get_schedule as get_schedule,
)
from contactops.domains.scheduling.schedules import (
    list_schedules as list_schedules,
)
from contactops.domains.scheduling.schedules import (
    list_templates as list_templates,
)
from contactops.domains.scheduling.schedules import (
    publish as publish,
)
from contactops.domains.scheduling.schedules import (
    save_shift as save_shift,
)
from contactops.domains.scheduling.schedules import (
    save_template as save_template,
)
from contactops.domains.scheduling.schedules import (
    set_contract as set_contract,
)
from contactops.domains.scheduling.schedules import (
    team_schedule as team_schedule,
)
from contactops.domains.scheduling.timeline import (
    shift_spans,
)
from contactops.domains.scheduling.views import (
    ActivityView as ActivityView,
)
from contactops.domains.scheduling.views import (
    CoverageView as CoverageView,
)
from contactops.domains.scheduling.views import HandoverView, RequestView, ShiftView
from contactops.domains.scheduling.views import (
    RuleProblem as RuleProblem,
)
from contactops.domains.scheduling.views import (
    ScheduleSummary as ScheduleSummary,
)
from contactops.domains.scheduling.views import (
    ScheduleView as ScheduleView,
)
from contactops.domains.scheduling.views import (
    TemplateView as TemplateView,
)
from contactops.engines.kpi.adherence import SCHEDULE_SCHEMA, out_of_adherence
from contactops.engines.kpi.compute import compute_kpis
from contactops.platform.auth import Scope as Scope
from contactops.platform.database import Database, utcnow
from contactops.platform.errors import InvalidInput
from contactops.platform.i18n import gettext as _
from contactops.platform.settings import get_settings

# --- my schedule ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MySchedule:
    agent: organization.AgentView | None
    shifts: list[ShiftView]
    requests: list[RequestView]
    handovers: list[HandoverView]


def my_schedule(db: Database, scope: Scope, first: date, days: int = 14) -> MySchedule:
    """The signed-in user's published shifts, requests and handover notes."""
    with scope.session(db) as session:
        agents = _agents(session)
        agent = agent_of_user(agents, scope.user_id)
        if agent is None:
            return MySchedule(None, [], [], [])
        zone = ZoneInfo(scope.time_zone)
        rows = shifts_in_force_in(session, first, first + timedelta(days=days - 1), agent.id)
        return MySchedule(
            agent,
            [_shift_view(s, agents) for s in rows],
            _requests(session, agents, agent_id=agent.id),
            handovers_for_in(
                session,
                agents,
                agent,
                datetime.combine(first - timedelta(days=1), time(), tzinfo=zone),
                datetime.combine(first + timedelta(days=days), time(), tzinfo=zone),
            ),
        )


# --- iCalendar feed --------------------------------------------------------------------------


def feed_token(tenant_id: int, user_id: int) -> str:
    """The secret of a user's calendar feed URL: an HMAC of tenant and user under the
    installation's key, so nothing secret is stored and another user's URL cannot be guessed."""
    key = get_settings().resolved_secret_key().encode()
    message = f"schedule-feed:{tenant_id}:{user_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


def check_feed_token(tenant_id: int, user_id: int, token: str) -> bool:
    return hmac.compare_digest(feed_token(tenant_id, user_id), token)


def feed_shifts_in(session: Session, user_id: int, first: date, last: date) -> list[ShiftView]:
    agents = _agents(session)
    agent = agent_of_user(agents, user_id)
    if agent is None:
        return []
    return [_shift_view(s, agents) for s in shifts_in_force_in(session, first, last, agent.id)]


# --- adherence inputs ------------------------------------------------------------------------


def schedule_table_in(session: Session, start: datetime, end: datetime, time_zone: str) -> pa.Table:
    """The published schedule's activities overlapping [start, end): agent code, start, end,
    activity (``work`` on queue, ``break``, ``lunch``, ``meeting``, ``training``, ``offline``)."""
    zone = ZoneInfo(time_zone)
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    agents = _agents(session)
    columns: dict[str, list[Any]] = {"agent": [], "start": [], "end": [], "activity": []}
    for s in shifts_in_force_in(session, first, last):
        if s.kind != WORK or s.ends_at <= start or s.starts_at >= end:
            continue
        spans = shift_spans(
            s.starts_at, s.ends_at, [(a.kind, a.starts_at, a.ends_at) for a in s.activities]
        )
        for span in spans:
            columns["agent"].append(agents[s.agent_id].code)
            columns["start"].append(span.start)
            columns["end"].append(span.end)
            columns["activity"].append(span.kind)
    return pa.table(columns, schema=SCHEDULE_SCHEMA)


# --- adherence -------------------------------------------------------------------------------

ADHERENCE_KPIS = ("scheduled_hours", "adherence", "out_of_adherence_hours", "conformance")
LIVE_WINDOW = timedelta(hours=24)  # schedules and states read around "now" for the live view
DEFAULT_GRACE_S = 300


def adherence_report(
    db: Database,
    scope: Scope,
    first: date,
    days: int = 1,
    group_by: Sequence[str] = ("agent", "day"),
) -> list[dict[str, Any]]:
    """Adherence, conformance, scheduled and out-of-adherence hours of local days
    [first, first + days) from the published schedule and the agent-state log, per group
    (the KPI catalog's definitions)."""
    if not 1 <= days <= 62:
        raise InvalidInput("days", _("Report 1 to 62 days."))
    zone = ZoneInfo(scope.time_zone)
    start = datetime.combine(first, time(), tzinfo=zone)
    end = datetime.combine(first + timedelta(days=days), time(), tzinfo=zone)
    with scope.session(db) as session:
        schedules = schedule_table_in(session, start, end, scope.time_zone)
        states = events.agent_states_table_in(session, start, end)
        legs = events.legs_table_in(session, start, end)
        teams = organization.agent_teams_in(session)
    try:
        table = compute_kpis(
            legs, start=start, end=end, group_by=tuple(group_by), timezone=scope.time_zone,
            kpi_ids=ADHERENCE_KPIS, agent_states=states, schedules=schedules,
            agent_teams=teams,
        )  # fmt: skip
    except ValueError as error:
        raise InvalidInput("group_by", str(error)) from None
    return list(table.to_pylist())


@dataclass(frozen=True)
class LiveAdherence:
    agent: str
    agent_name: str
    team: str | None
    activity: str
    activity_end: datetime
    state: str
    state_since: datetime | None
    adherent: bool
    out_since: datetime | None


def live_adherence(
    db: Database, scope: Scope, at: datetime | None = None, grace_s: float = DEFAULT_GRACE_S
) -> list[LiveAdherence]:
    """Every agent scheduled at ``at`` (default now): the scheduled activity, the agent's state
    and, when it does not match for longer than ``grace_s``, since when; out of adherence first,
    longest first."""
    at = at or utcnow()
    with scope.session(db) as session:
        schedules = schedule_table_in(session, at - LIVE_WINDOW, at + LIVE_WINDOW, scope.time_zone)
        states = events.agent_states_table_in(session, at - LIVE_WINDOW, at + timedelta(seconds=1))
        agents = {a.code: a for a in organization.list_agents_in(session)}
    rows = []
    for r in out_of_adherence(states, schedules, at, grace_s=grace_s):
        agent = agents.get(r.agent)
        rows.append(
            LiveAdherence(
                r.agent, agent.display_name if agent else r.agent, agent.team if agent else None,
                r.activity, r.activity_end, r.state, r.state_since, r.adherent, r.out_since,
            )
        )  # fmt: skip
    far_past = datetime.max.replace(tzinfo=UTC)
    return sorted(rows, key=lambda r: (r.adherent, r.out_since or far_past, r.agent_name))
