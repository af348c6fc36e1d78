"""Queues, skills, teams and agents of a tenant."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from contactops.domains.organization.models import (
    CHANNELS,
    Agent,
    AgentSkill,
    Queue,
    Skill,
    Team,
)
from contactops.platform.auth import Principal, tenant_session
from contactops.platform.database import Database
from contactops.platform.errors import Conflict, InvalidInput, NotFound
from contactops.platform.i18n import gettext as _

# What the live center is built from: a committed change to any of them rebuilds it.
CONFIGURATION_MODELS = (Skill, Queue, Team, Agent, AgentSkill)


@dataclass(frozen=True)
class QueueView:
    id: int
    code: str
    name: str
    channel: str
    skill_code: str | None
    service_level_target: float
    service_level_threshold_s: int
    is_active: bool


@dataclass(frozen=True)
class AgentSkillView:
    skill_code: str
    level: int


@dataclass(frozen=True)
class AgentView:
    id: int
    code: str
    display_name: str
    team: str | None
    is_active: bool
    skills: list[AgentSkillView]
    team_id: int | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class TeamView:
    id: int
    name: str
    agents: int


def _queue_view(queue: Queue) -> QueueView:
    return QueueView(
        id=queue.id,
        code=queue.code,
        name=queue.name,
        channel=queue.channel,
        skill_code=queue.skill.code if queue.skill else None,
        service_level_target=queue.service_level_target,
        service_level_threshold_s=queue.service_level_threshold_s,
        is_active=queue.is_active,
    )


def _validate_queue_settings(
    service_level_target: float | None, service_level_threshold_s: int | None
) -> None:
    if service_level_target is not None and not 0 < service_level_target <= 1:
        raise InvalidInput(
            "service_level_target", _("The service-level target is a fraction between 0 and 1.")
        )
    if service_level_threshold_s is not None and service_level_threshold_s < 0:
        raise InvalidInput(
            "service_level_threshold_s", _("The answer-time threshold cannot be negative.")
        )


def list_queues(db: Database, principal: Principal) -> list[QueueView]:
    with tenant_session(db, principal) as session:
        return list_queues_in(session)


def list_queues_in(session: Session) -> list[QueueView]:
    """The queues of the session's tenant, by name."""
    queues = session.scalars(
        select(Queue).options(selectinload(Queue.skill)).order_by(Queue.name)
    ).all()
    return [_queue_view(q) for q in queues]


def get_queue(db: Database, principal: Principal, queue_id: int) -> QueueView:
    with tenant_session(db, principal) as session:
        return _queue_view(_queue(session, queue_id))


def _queue(session: Session, queue_id: int) -> Queue:
    queue = session.scalar(select(Queue).where(Queue.id == queue_id))
    if queue is None:
        raise NotFound(_("No such queue."))
    return queue


def create_queue_in(
    session: Session,
    *,
    code: str,
    name: str,
    channel: str = "phone",
    skill_code: str | None = None,
    service_level_target: float = 0.8,
    service_level_threshold_s: int = 20,
) -> QueueView:
    """Create a queue inside an open tenant-scoped transaction; its skill is made if new."""
    if channel not in CHANNELS:
        raise InvalidInput("channel", _("Unknown channel: %(channel)s", channel=channel))
    _validate_queue_settings(service_level_target, service_level_threshold_s)
    if session.scalar(select(Queue.id).where(Queue.code == code)) is not None:
        raise Conflict(_("A queue with the code %(code)s exists already.", code=code))
    skill = ensure_skill_in(session, skill_code) if skill_code else None
    queue = Queue(
        code=code,
        name=name,
        channel=channel,
        skill=skill,
        service_level_target=service_level_target,
        service_level_threshold_s=service_level_threshold_s,
    )
    session.add(queue)
    session.flush()
    return _queue_view(queue)


def create_queue(db: Database, principal: Principal, **fields: object) -> QueueView:
    with tenant_session(db, principal) as session:
        return create_queue_in(session, **fields)  # type: ignore[arg-type]


def update_queue(
    db: Database,
    principal: Principal,
    queue_id: int,
    *,
    name: str | None = None,
    service_level_target: float | None = None,
    service_level_threshold_s: int | None = None,
    is_active: bool | None = None,
) -> QueueView:
    _validate_queue_settings(service_level_target, service_level_threshold_s)
    if name is not None and not name.strip():
        raise InvalidInput("name", _("Enter a name."))
    with tenant_session(db, principal) as session:
        queue = _queue(session, queue_id)
        if name is not None:
            queue.name = name.strip()
        if service_level_target is not None:
            queue.service_level_target = service_level_target
        if service_level_threshold_s is not None:
            queue.service_level_threshold_s = service_level_threshold_s
        if is_active is not None:
            queue.is_active = is_active
        return _queue_view(queue)


def ensure_skill_in(session: Session, code: str, name: str | None = None) -> Skill:
    skill = session.scalar(select(Skill).where(Skill.code == code))
    if skill is None:
        skill = Skill(code=code, name=name or code)
        session.add(skill)
        session.flush()
    return skill


def ensure_team_in(session: Session, name: str) -> Team:
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name)
        session.add(team)
        session.flush()
    return team


def create_agent_in(
    session: Session,
    *,
    code: str,
    display_name: str,
    team_name: str | None,
    skills: dict[str, int],
    user_id: int | None = None,
) -> Agent:
    """An agent with skill levels (1–10) inside an open tenant-scoped transaction."""
    for skill_code, level in skills.items():
        if not 1 <= level <= 10:
            raise InvalidInput(
                "skills", _("Skill %(skill)s: levels run from 1 to 10.", skill=skill_code)
            )
    team = ensure_team_in(session, team_name) if team_name else None
    agent = Agent(code=code, display_name=display_name, team=team, user_id=user_id)
    agent.skills = [
        AgentSkill(skill=ensure_skill_in(session, skill_code), level=level)
        for skill_code, level in skills.items()
    ]
    session.add(agent)
    session.flush()
    return agent


def list_agents(db: Database, principal: Principal) -> list[AgentView]:
    with tenant_session(db, principal) as session:
        return list_agents_in(session)


def list_agents_in(session: Session) -> list[AgentView]:
    """Every agent of the session's tenant with team and skills, by display name."""
    agents = session.scalars(
        select(Agent)
        .options(
            selectinload(Agent.team),
            selectinload(Agent.skills).selectinload(AgentSkill.skill),
        )
        .order_by(Agent.display_name)
    ).all()
    return [
        AgentView(
            id=a.id,
            code=a.code,
            display_name=a.display_name,
            team=a.team.name if a.team else None,
            is_active=a.is_active,
            skills=sorted(
                (AgentSkillView(s.skill.code, s.level) for s in a.skills),
                key=lambda s: s.skill_code,
            ),
            team_id=a.team_id,
            user_id=a.user_id,
        )
        for a in agents
    ]


def list_teams(db: Database, principal: Principal) -> list[TeamView]:
    with tenant_session(db, principal) as session:
        rows = session.execute(
            select(Team, func.count(Agent.id))
            .outerjoin(Agent, Agent.team_id == Team.id)
            .group_by(Team.id)
            .order_by(Team.name)
        ).all()
        return [TeamView(team.id, team.name, count) for team, count in rows]


def agent_teams_in(session: Session) -> dict[str, str]:
    """Agent code → team name, for agents that belong to a team (KPIs group by it)."""
    rows = session.execute(select(Agent.code, Team.name).join(Team, Agent.team_id == Team.id))
    return {code: team for code, team in rows}


def team_names_in(session: Session) -> dict[int, str]:
    """Team id → name, for every team of the tenant."""
    return {team_id: name for team_id, name in session.execute(select(Team.id, Team.name))}


def team_of_user_in(session: Session, user_id: int) -> int | None:
    """The team of the agent who signs in as ``user_id``, if any."""
    return session.scalar(select(Agent.team_id).where(Agent.user_id == user_id).limit(1))


def get_queue_in(session: Session, queue_id: int) -> QueueView:
    """The queue ``queue_id`` of the session's tenant; 404 if it has none."""
    return _queue_view(_queue(session, queue_id))


def queue_codes_in(session: Session) -> dict[int, str]:
    """Queue id → code, for every queue of the tenant (the event log names queues by code)."""
    return {queue_id: code for queue_id, code in session.execute(select(Queue.id, Queue.code))}


def agent_code_of_user_in(session: Session, user_id: int) -> str | None:
    """The agent code of the user, as the event log names agents; None if not an agent."""
    return session.scalar(select(Agent.code).where(Agent.user_id == user_id).limit(1))
