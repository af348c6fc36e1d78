"""The shape of a contact center: queues, skills, teams and agents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contactops.platform.database import Base, utcnow
from contactops.platform.tenancy import TenantOwned

CHANNELS = ("phone", "chat", "email", "social", "callback")


class Skill(TenantOwned, Base):
    __tablename__ = "skill"
    __audited__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))


class Queue(TenantOwned, Base):
    """Where contacts wait for an agent; ``code`` matches the queue name in PBX logs."""

    __tablename__ = "queue"
    __audited__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16), default="phone")
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skill.id", ondelete="SET NULL"))
    service_level_target: Mapped[float] = mapped_column(Float, default=0.8)
    service_level_threshold_s: Mapped[int] = mapped_column(Integer, default=20)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    skill: Mapped[Skill | None] = relationship()


class Team(TenantOwned, Base):
    __tablename__ = "team"
    __audited__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    supervisor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class Agent(TenantOwned, Base):
    """A person who handles contacts; ``code`` matches the agent id in PBX logs."""

    __tablename__ = "agent"
    __audited__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    team: Mapped[Team | None] = relationship()
    skills: Mapped[list[AgentSkill]] = relationship(cascade="all, delete-orphan")


class AgentSkill(TenantOwned, Base):
    """An agent's proficiency in a skill, 1 (learning) to 10 (expert)."""

    __tablename__ = "agent_skill"
    __audited__ = True
    __table_args__ = (UniqueConstraint("agent_id", "skill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer, default=5)

    skill: Mapped[Skill] = relationship()
