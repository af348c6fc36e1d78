"""Demo tenants: queues, teams, agents with skills, users for every role, and weeks of history.

The history is simulated (:mod:`contactops.engines.simulation.demo_history`: the simulator with
the live router) and written to the event log exactly as imported or live contacts are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from contactops.domains.admin import service as admin
from contactops.domains.customers import service as customers
from contactops.domains.events import service as events
from contactops.domains.forecasting import service as forecasting
from contactops.domains.organization import service as organization
from contactops.domains.scheduling import service as scheduling
from contactops.domains.tickets import service as tickets
from contactops.engines.events import Channel
from contactops.engines.simulation.demo_history import (
    DemoAgent,
    DemoQueue,
    generate_demo_history,
)
from contactops.platform.audit import Actor
from contactops.platform.database import Database, utcnow
from contactops.platform.errors import NotFound
from contactops.platform.identity import Role

DEMO_PASSWORD = "contactops-demo"  # noqa: S105 - published on purpose: it is the demo login
DEMO_ACTOR = Actor.system("demo loader")
SCHEDULE_TIME_LIMIT_S = 10.0  # the demo schedule: good, not proven optimal


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    time_zone: str
    locale: str
    queues: tuple[tuple[DemoQueue, str, str], ...]  # (queue, display name, skill code)
    teams: tuple[str, ...]
    agents_per_team: int
    users: tuple[tuple[str, str, Role], ...]  # (e-mail, name, role)
    weeks: int = 3
    with_tickets: bool = False


# Open tickets of the demo: (hours ago, customer, e-mail, subject, message, type, priority,
# what happened next: None, "replied", "waiting", "escalated" or "solved").
DEMO_TICKETS = (
    (30, "Kari Nordmann", "kari.nordmann@example.org", "Screen broken after two weeks",
     "The screen of my new phone cracked by itself. I want a replacement.", "complaint", "high",
     "replied"),
    (6, "Ola Hansen", "ola.hansen@example.org", "Invoice charged twice",
     "You charged my card twice for the November invoice.", "complaint", "normal", None),
    (2, "Li Wei", "li.wei@example.org", "Change of address",
     "I have moved. Please update my address.", "question", "low", None),
    (50, "Ivan Petrov", "ivan.petrov@example.org", "Return label missing",
     "The return box came without a label.", "after_sales", "normal", "waiting"),
    (4, "Anna Berg", "anna.berg@example.org", "Refund not received",
     "I returned the speaker a month ago and have no refund yet.", "complaint", "urgent",
     "escalated"),
    (80, "Sven Dahl", "sven.dahl@example.org", "Warranty repair",
     "My headset stopped charging.", "after_sales", "normal", "solved"),
    (1, "Mei Chen", "mei.chen@example.org", "Order status",
     "When will order 4471 arrive?", "email", "normal", None),
)  # fmt: skip


NORTHWIND = DemoTenant(
    slug="northwind",
    name="Northwind Support",
    time_zone="Europe/Oslo",
    locale="en",
    queues=(
        (DemoQueue("billing", Channel.PHONE, 520, 0.35, 0.0, 330, 45, 150), "Billing", "billing"),
        (
            DemoQueue("tech", Channel.PHONE, 420, 0.3, 0.0, 480, 60, 210),
            "Technical support",
            "tech",
        ),
        (DemoQueue("sales", Channel.PHONE, 220, 0.5, 0.0, 360, 40, 150), "Sales", "sales"),
        (
            DemoQueue("chat", Channel.CHAT, 300, 0.4, 0.2, 600, 30, 240, 8, 22, concurrency=2),
            "Web chat",
            "chat",
        ),
        (DemoQueue("email", Channel.EMAIL, 180, 0.0, 0.0, 420, 60, None), "E-mail", "email"),
    ),
    teams=("Team Aurora", "Team Fjord", "Team Nordlys"),
    agents_per_team=15,
    users=(
        ("admin@northwind.example", "Ada Admin", Role.ADMIN),
        ("manager@northwind.example", "Magnus Manager", Role.MANAGER),
        ("supervisor@northwind.example", "Siri Supervisor", Role.SUPERVISOR),
        ("planner@northwind.example", "Per Planner", Role.WFM),
        ("qa@northwind.example", "Quinn Quality", Role.QA),
        ("agent@northwind.example", "Ali Agent", Role.AGENT),
        ("client@northwind.example", "Clara Client", Role.CLIENT),
    ),
    with_tickets=True,
)

GLOBEX = DemoTenant(
    slug="globex",
    name="Globex Care",
    time_zone="Asia/Shanghai",
    locale="zh_Hans",
    queues=(
        (DemoQueue("general", Channel.PHONE, 260, 0.3, 0.0, 300, 40, 120), "General", "general"),
        (
            DemoQueue("chat", Channel.CHAT, 160, 0.3, 0.0, 540, 30, 200, 9, 21, concurrency=3),
            "Chat",
            "chat",
        ),
    ),
    teams=("Team Lotus",),
    agents_per_team=13,
    users=(
        ("admin@northwind.example", "Ada Admin", Role.ADMIN),
        ("lead@globex.example", "Li Lead", Role.SUPERVISOR),
    ),
    weeks=2,
)

DEMO_TENANTS = (NORTHWIND, GLOBEX)
FIRST_NAMES = (
    "Anna",
    "Bjørn",
    "Chen",
    "Dina",
    "Emil",
    "Fatima",
    "Georgi",
    "Hanne",
    "Ivan",
    "Jonas",
    "Kari",
    "Lars",
    "Mei",
    "Nora",
    "Olav",
    "Petya",
    "Quan",
    "Rita",
    "Sven",
    "Tove",
    "Ulla",
    "Viktor",
    "Wei",
    "Xenia",
    "Yusuf",
    "Zara",
    "Aksel",
    "Borislava",
    "Camilla",
    "Dmitri",
)
LAST_INITIALS = "ABDEFGHJKLMNPRSTV"


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    contacts: int = 0
    events: int = 0


def _agent_skills(queue_skills: list[str], index: int) -> dict[str, int]:
    """Each agent is strong in one skill and competent in one or two more (levels 1–10)."""
    primary = queue_skills[index % len(queue_skills)]
    skills = {primary: 8 + index % 3}
    for offset in (1, 2)[: 1 + index % 2]:
        skills.setdefault(queue_skills[(index + offset) % len(queue_skills)], 4 + index % 4)
    return skills


def _local_today(time_zone: str, now: datetime | None) -> date:
    return (now or datetime.now(ZoneInfo(time_zone))).astimezone(ZoneInfo(time_zone)).date()


def _agent_roster(spec: DemoTenant) -> list[tuple[str, str, str, dict[str, int]]]:
    """(code, name, team, skills) of every demo agent of ``spec``."""
    queue_skills = [skill for _queue, _name, skill in spec.queues]
    roster = []
    for team_index, team in enumerate(spec.teams):
        for member in range(spec.agents_per_team):
            index = team_index * spec.agents_per_team + member
            name = (
                f"{FIRST_NAMES[index % len(FIRST_NAMES)]} "
                f"{LAST_INITIALS[index % len(LAST_INITIALS)]}."
            )
            roster.append(
                (f"{spec.slug[:2]}{1001 + index}", name, team, _agent_skills(queue_skills, index))
            )
    return roster


def load_demo_tenant(
    db: Database,
    spec: DemoTenant,
    *,
    now: datetime | None = None,
    weeks: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[int, int] | None:
    """Create ``spec`` with its history ending yesterday, in one transaction.

    Returns (contacts, events written), or None if the tenant exists already.
    ``progress(stage, done, total)`` reports the long parts.
    """
    with db.session(system=True) as session:
        try:
            admin.find_tenant_in(session, spec.slug)
            return None
        except NotFound:
            pass

    days = 7 * (weeks or spec.weeks)
    roster = _agent_roster(spec)
    skill_to_queue = {skill: queue.code for queue, _name, skill in spec.queues}
    history = generate_demo_history(
        [queue for queue, _name, _skill in spec.queues],
        [
            DemoAgent(
                code,
                tuple(skill_to_queue[s] for s in skills),
                {skill_to_queue[s]: level for s, level in skills.items()},
            )
            for code, _n, _t, skills in roster
        ],
        start=_local_today(spec.time_zone, now) - timedelta(days=days),
        days=days,
        time_zone=spec.time_zone,
        progress=(lambda done: progress("simulate", done, days)) if progress else None,
    )
    total = len(history.contact_events) + len(history.agent_events)
    written = 0
    if progress:
        progress("store", 0, total)

    def _written(batch: int) -> None:
        nonlocal written
        written += batch
        if progress:
            progress("store", written, total)

    with db.session(system=True, actor=DEMO_ACTOR) as session:
        tenant = admin.create_tenant_in(
            session, slug=spec.slug, name=spec.name, time_zone=spec.time_zone, locale=spec.locale
        )
        # From here on the transaction works inside the new tenant.
        del session.info["system"]
        session.info["tenant_id"] = tenant.id
        users = {
            email: admin.add_member_in(session, email, name, role, DEMO_PASSWORD).user_id
            for email, name, role in spec.users
        }
        agent_user = next((users[e] for e, _n, role in spec.users if role == Role.AGENT), None)
        for queue, name, skill in spec.queues:
            organization.create_queue_in(
                session,
                code=queue.code,
                name=name,
                channel=queue.channel.value,
                skill_code=skill,
                service_level_threshold_s=20 if queue.channel == Channel.PHONE else 60,
            )
        for index, (code, name, team, skills) in enumerate(roster):
            organization.create_agent_in(
                session, code=code, display_name=name, team_name=team, skills=skills,
                user_id=agent_user if index == 0 else None,  # the demo agent's own shifts
            )  # fmt: skip
        events.append_contact_events_in(session, history.contact_events, _written)
        events.append_agent_events_in(session, history.agent_events, _written)
        if spec.with_tickets and agent_user is not None:
            _demo_tickets(session, spec.time_zone, agent_user, now or utcnow())
        tenant_id = tenant.id
    if progress:
        progress("plan", 0, 1)
    today = _local_today(spec.time_zone, now)
    scope = forecasting.Scope(tenant_id, spec.slug, spec.time_zone, DEMO_ACTOR)
    forecasting.create_plan(
        db,
        scope,
        first_day=today + timedelta(days=7 - today.weekday()),  # next Monday
        days=7,
        history_weeks=weeks or spec.weeks,
        note="Demo plan",
        today=today,
    )
    if progress:
        progress("plan", 1, 1)
        progress("schedule", 0, 1)
    built = scheduling.build_schedule(
        db, scope, time_limit_s=SCHEDULE_TIME_LIMIT_S, note="Demo schedule"
    )
    scheduling.publish(db, scope, built.summary.version)
    if progress:
        progress("schedule", 1, 1)
    return history.contacts, total


def _demo_tickets(session: Session, time_zone: str, agent_user: int, now: datetime) -> None:
    """Office hours, SLA policies (complaints in 3 business hours, e-mails by the 16:00 → 18:00
    rule) and a few tickets in every state, as the demo agent left them."""
    tickets.save_calendar_in(
        session, "office", "Office hours", time_zone, "mon-fri 08:00-17:00", []
    )
    office = {"calendar_code": "office", "warn_before_s": 1800}
    tickets.save_policy_in(session, "complaints", {
        "name": "Complaints", "position": 10, "ticket_type": "complaint", **office,
        "first_response_s": 3 * 3600, "next_response_s": 8 * 3600, "resolution_s": 18 * 3600,
    })  # fmt: skip
    tickets.save_policy_in(session, "email", {
        "name": "E-mail", "position": 20, "ticket_type": "email", **office,
        "first_response_cutoff_minute": 16 * 60, "first_response_due_minute": 18 * 60,
        "resolution_s": 27 * 3600,
    })  # fmt: skip
    tickets.save_policy_in(session, "standard", {
        "name": "Standard", "position": 100, **office,
        "first_response_s": 8 * 3600, "resolution_s": 45 * 3600,
    })  # fmt: skip
    system_actor = session.info.get("actor")
    for hours, name, address, subject, body, kind, priority, then in DEMO_TICKETS:
        opened_at = now - timedelta(hours=hours)
        customer_id = customers.identify_customer_id_in(session, "email", address, name)
        ticket = tickets.open_ticket_in(
            session, subject=subject, body=body, channel="email", ticket_type=kind,
            priority=priority, customer_id=customer_id, author_label=name, now=opened_at,
        )  # fmt: skip
        if then is None:
            continue
        session.info["actor"] = Actor(agent_user, "Ali Agent")
        answered_at = opened_at + timedelta(hours=1)
        tickets.reply_in(session, ticket.number, "Thank you, we are looking into it.",
                         version=None, now=answered_at)  # fmt: skip
        if then == "waiting":
            tickets.change_status_in(session, ticket.number, "waiting_customer", version=None,
                                     now=answered_at)  # fmt: skip
        elif then == "escalated":
            tickets.escalate_in(session, ticket.number, version=None, tier=2,
                                reason="Refund needs approval", now=answered_at)  # fmt: skip
        elif then == "solved":
            tickets.change_status_in(session, ticket.number, "solved", version=None,
                                     outcome="repaired", now=answered_at)  # fmt: skip
        session.info["actor"] = system_actor


def load_demo(
    db: Database,
    *,
    now: datetime | None = None,
    weeks: int | None = None,
    progress: Callable[[str, str, int, int], None] | None = None,
) -> DemoReport:
    """Load every demo tenant that is not there yet (running it twice changes nothing)."""
    report = DemoReport()
    for spec in DEMO_TENANTS:
        result = load_demo_tenant(
            db,
            spec,
            now=now,
            weeks=weeks,
            progress=(lambda stage, done, total, s=spec: progress(s.name, stage, done, total))
            if progress
            else None,
        )
        if result is None:
            report.skipped.append(spec.name)
            continue
        report.created.append(spec.name)
        report.contacts += result[0]
        report.events += result[1]
    return report
