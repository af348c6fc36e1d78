"""What the agent desktop, the chat window and the supervisor wallboard show.

Wallboard figures of the day (offered, answered, abandoned, service level) come from the KPI
engine over today's legs in the tenant's time zone — the same definitions as every report;
figures of the moment (waiting now, longest wait, agents by state) come from the live rows.
A queue is in alert when its service level today is below target (with at least
``ALERT_MIN_CONTACTS`` contacts counted), when its longest wait passes its answer-time
threshold, or when contacts wait and no agent of the queue is logged in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactops.domains.kpis import service as kpis
from contactops.domains.live.center import LiveCenter
from contactops.domains.live.models import (
    LOGGED_OUT,
    NOT_READY_REASON,
    OFFERED,
    WAITING,
    WITH_AGENT,
    WRAPUP_CODE,
    ChatMessage,
    LiveAgent,
    LiveContact,
    ReasonCode,
)
from contactops.platform.database import Database
from contactops.platform.i18n import gettext as _

ALERT_MIN_CONTACTS = 5
WALLBOARD_KPIS = ("offered", "answered", "abandoned", "abandon_rate", "sl_abandons_met", "asa")

# Codes every center starts with; a tenant's own codes (reason_code rows) replace them.
DEFAULT_NOT_READY = ("meeting", "training", "coaching", "personal", "other")
DEFAULT_WRAPUP = ("resolved", "follow_up", "escalated", "not_resolved", "wrong_queue")


def default_label(code: str) -> str:
    labels = {
        "meeting": _("Meeting"),
        "training": _("Training"),
        "coaching": _("Coaching"),
        "personal": _("Personal"),
        "other": _("Other"),
        "resolved": _("Resolved"),
        "follow_up": _("Follow-up needed"),
        "escalated": _("Escalated"),
        "not_resolved": _("Not resolved"),
        "wrong_queue": _("Wrong queue"),
        "ring_no_answer": _("Ring no answer"),
        "declined": _("Declined an offer"),
        "break": _("Break"),
        "lunch": _("Lunch"),
    }
    return labels.get(code, code)


def reason_codes_in(session: Session, kind: str) -> list[tuple[str, str]]:
    """(code, label) of the tenant's active codes of ``kind``, or the defaults."""
    rows = session.execute(
        select(ReasonCode.code, ReasonCode.label)
        .where(ReasonCode.kind == kind, ReasonCode.is_active.is_(True))
        .order_by(ReasonCode.label)
    ).all()
    if rows:  # an empty label: the standard one, in the reader's language
        return [(code, label or default_label(code)) for code, label in rows]
    return [(code, default_label(code)) for code in default_codes(kind)]


def default_codes(kind: str) -> tuple[str, ...]:
    """The standard codes of a kind, used until the tenant changes its own."""
    return DEFAULT_NOT_READY if kind == NOT_READY_REASON else DEFAULT_WRAPUP


@dataclass(frozen=True)
class MessageView:
    sender: str
    author: str | None
    body: str
    sent_at: datetime


@dataclass(frozen=True)
class DeskContactView:
    id: str
    channel: str
    status: str
    queue: str
    queue_name: str
    customer_id: int | None
    customer_label: str | None
    caller: str | None
    arrived_at: datetime
    offered_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    deadline_at: datetime | None
    note: str
    messages: list[MessageView] = field(default_factory=list)


@dataclass(frozen=True)
class DesktopView:
    agent_id: int
    agent_code: str
    agent_name: str
    presence: str
    reason: str | None
    state: str  # the logged state, or "ringing" while an offer waits
    state_since: datetime
    rest_until: datetime | None
    contacts: list[DeskContactView]
    not_ready_reasons: list[tuple[str, str]]
    wrapup_codes: list[tuple[str, str]]
    queues: list[tuple[str, str]]  # (code, name) for transfers and callbacks
    waiting: int  # contacts waiting in the agent's queues


def transfer_targets_in(
    session: Session, center: LiveCenter, agent_id: int
) -> list[tuple[str, str]]:
    """(code, name) of the other agents who are ready now, for a transfer."""
    ready = set(session.scalars(select(LiveAgent.agent_id).where(LiveAgent.presence == "ready")))
    return sorted(
        (a.code, a.display_name)
        for a in center.agents.values()
        if a.id != agent_id and a.id in ready
    )


def messages_in(session: Session, contact_id: int, center: LiveCenter) -> list[MessageView]:
    rows = session.scalars(
        select(ChatMessage).where(ChatMessage.contact_id == contact_id).order_by(ChatMessage.id)
    ).all()
    return [
        MessageView(
            sender=m.sender,
            author=center.agents[m.agent_id].display_name if m.agent_id in center.agents else None,
            body=m.body,
            sent_at=m.sent_at,
        )
        for m in rows
    ]


def desktop_in(session: Session, center: LiveCenter, agent_id: int) -> DesktopView:
    agent = center.agents[agent_id]
    row = session.scalar(select(LiveAgent).where(LiveAgent.agent_id == agent_id))
    contacts = session.scalars(
        select(LiveContact)
        .where(LiveContact.agent_id == agent_id, LiveContact.status.in_(WITH_AGENT))
        .order_by(LiveContact.offered_at, LiveContact.id)
    ).all()
    desk = [
        DeskContactView(
            id=c.public_id,
            channel=c.channel,
            status=c.status,
            queue=center.queues[c.queue_id].code if c.queue_id in center.queues else "",
            queue_name=center.queues[c.queue_id].name if c.queue_id in center.queues else "",
            customer_id=c.customer_id,
            customer_label=c.customer_label,
            caller=c.caller or c.callback_number,
            arrived_at=c.arrived_at,
            offered_at=c.offered_at,
            answered_at=c.answered_at,
            ended_at=c.ended_at,
            deadline_at=c.deadline_at,
            note=c.note,
            messages=messages_in(session, c.id, center) if c.channel == "chat" else [],
        )
        for c in contacts
    ]
    router = center.router
    waiting = sum(
        router.waiting(center.rq(q.id, widened))
        for q in center.queues.values()
        if q.skill_code is None or q.skill_code in agent.skills
        for widened in (False, True)
    )
    presence = row.presence if row else LOGGED_OUT
    state = row.activity if row else LOGGED_OUT
    if any(c.status == OFFERED for c in contacts) and state not in ("on_contact", "wrapup"):
        state = "ringing"
    return DesktopView(
        agent_id=agent_id,
        agent_code=agent.code,
        agent_name=agent.display_name,
        presence=presence,
        reason=row.reason if row else None,
        state=state,
        state_since=row.activity_since if row else datetime.now(ZoneInfo("UTC")),
        rest_until=row.rest_until if row else None,
        contacts=desk,
        not_ready_reasons=center.codes.get(NOT_READY_REASON, []),
        wrapup_codes=center.codes.get(WRAPUP_CODE, []),
        queues=sorted((q.code, q.name) for q in center.queues.values()),
        waiting=waiting,
    )


@dataclass(frozen=True)
class QueueBoardRow:
    code: str
    name: str
    channel: str
    waiting: int
    longest_wait_s: float | None
    agents_logged_in: int
    agents_ready: int
    offered_today: int
    answered_today: int
    abandoned_today: int
    service_level_today: float | None
    service_level_target: float
    asa_today_s: float | None
    alerts: list[str]


@dataclass(frozen=True)
class AgentBoardRow:
    code: str
    name: str
    team: str | None
    state: str
    reason: str | None
    since: datetime
    seconds_in_state: float
    open_contacts: int


@dataclass(frozen=True)
class WallboardView:
    at: datetime
    time_zone: str
    queues: list[QueueBoardRow]
    agents: list[AgentBoardRow]
    states: dict[str, int]  # agents per state
    alerts: list[str]


def today_by_queue(
    db: Database, tenant_id: int, time_zone: str, now: datetime, thresholds: dict[str, int]
) -> dict[str, dict[str, Any]]:
    """Today's figures by queue code, each queue's service level against its own answer-time
    threshold (``thresholds``: queue code -> seconds; one KPI query per distinct threshold)."""
    today = now.astimezone(ZoneInfo(time_zone)).date()
    by_threshold: dict[int, list[str]] = {}
    for code, threshold_s in thresholds.items():
        by_threshold.setdefault(threshold_s, []).append(code)
    figures: dict[str, dict[str, Any]] = {}
    for threshold_s, codes in sorted(by_threshold.items()):
        query = kpis.parse_query(
            first_day=today,
            last_day=today,
            today=today,
            group_by="queue",
            kpi_ids=list(WALLBOARD_KPIS),
            queues=sorted(codes),
            params={"service_level_threshold_s": threshold_s},
        )
        result = kpis.tenant_kpis(db, tenant_id, "", time_zone, query)
        figures.update((row["queue"], row) for row in result.table.to_pylist() if row.get("queue"))
    return figures


def wallboard(
    session: Session,
    center: LiveCenter,
    time_zone: str,
    now: datetime,
    today: dict[str, dict[str, Any]],
) -> WallboardView:
    """The wallboard from the live rows and ``today``'s figures (:func:`today_by_queue`)."""
    waiting_rows = session.execute(
        select(LiveContact.queue_id, func.count(LiveContact.id), func.min(LiveContact.queued_at))
        .where(LiveContact.status == WAITING)
        .group_by(LiveContact.queue_id)
    ).all()
    waiting = {queue_id: (count, oldest) for queue_id, count, oldest in waiting_rows}
    live_agents = {
        row.agent_id: row
        for row in session.scalars(select(LiveAgent).where(LiveAgent.presence != LOGGED_OUT))
    }
    open_counts = dict(
        session.execute(
            select(LiveContact.agent_id, func.count(LiveContact.id))
            .where(LiveContact.status.in_(WITH_AGENT))
            .group_by(LiveContact.agent_id)
        ).all()
    )
    ringing = set(
        session.scalars(select(LiveContact.agent_id).where(LiveContact.status == OFFERED))
    )
    queues, all_alerts = [], []
    for queue in sorted(center.queues.values(), key=lambda q: q.name):
        count, oldest = waiting.get(queue.id, (0, None))
        longest = None if oldest is None else max(0.0, (now - oldest).total_seconds())
        skilled = [
            a
            for a in center.agents.values()
            if queue.skill_code is None or queue.skill_code in a.skills
        ]
        logged = [a for a in skilled if a.id in live_agents]
        ready = [a for a in logged if live_agents[a.id].presence == "ready"]
        figures = today.get(queue.code, {})
        offered = int(figures.get("offered") or 0)
        service_level = figures.get("sl_abandons_met")
        alerts = []
        if (
            service_level is not None
            and offered >= ALERT_MIN_CONTACTS
            and service_level < queue.service_level_target
        ):
            alerts.append(
                _(
                    "%(queue)s: service level %(sl)s%% is below the %(target)s%% target.",
                    queue=queue.name,
                    sl=round(100 * service_level),
                    target=round(100 * queue.service_level_target),
                )
            )
        if longest is not None and longest > queue.service_level_threshold_s:
            alerts.append(
                _(
                    "%(queue)s: a contact has waited %(seconds)s s (threshold %(limit)s s).",
                    queue=queue.name,
                    seconds=round(longest),
                    limit=queue.service_level_threshold_s,
                )
            )
        if count and not logged:
            alerts.append(
                _("%(queue)s: contacts wait and no agent is logged in.", queue=queue.name)
            )
        all_alerts += alerts
        queues.append(
            QueueBoardRow(
                code=queue.code,
                name=queue.name,
                channel=queue.channel,
                waiting=count,
                longest_wait_s=longest,
                agents_logged_in=len(logged),
                agents_ready=len(ready),
                offered_today=offered,
                answered_today=int(figures.get("answered") or 0),
                abandoned_today=int(figures.get("abandoned") or 0),
                service_level_today=service_level,
                service_level_target=queue.service_level_target,
                asa_today_s=figures.get("asa"),
                alerts=alerts,
            )
        )
    agents, states = [], {}
    for agent_id, row in live_agents.items():
        agent = center.agents.get(agent_id)
        if agent is None:
            continue
        state = row.activity
        if agent_id in ringing and state not in ("on_contact", "wrapup"):
            state = "ringing"
        states[state] = states.get(state, 0) + 1
        agents.append(
            AgentBoardRow(
                code=agent.code,
                name=agent.display_name,
                team=agent.team,
                state=state,
                reason=row.activity_reason,
                since=row.activity_since,
                seconds_in_state=max(0.0, (now - row.activity_since).total_seconds()),
                open_contacts=int(open_counts.get(agent_id, 0)),
            )
        )
    agents.sort(key=lambda a: (a.state, -a.seconds_in_state))
    return WallboardView(
        at=now, time_zone=time_zone, queues=queues, agents=agents, states=states, alerts=all_alerts
    )
