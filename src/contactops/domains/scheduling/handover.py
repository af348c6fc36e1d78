"""Handover notes: what one shift leaves for the agents of the next, and who has read it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactops.domains.organization import service as organization
from contactops.domains.scheduling.models import (
    WORK,
    HandoverAck,
    HandoverNote,
)
from contactops.domains.scheduling.schedules import _agents, _me, shifts_in_force_in
from contactops.domains.scheduling.views import HandoverView
from contactops.platform.auth import Scope
from contactops.platform.database import Database
from contactops.platform.errors import Forbidden, InvalidInput, NotFound
from contactops.platform.i18n import gettext as _

# --- handover notes --------------------------------------------------------------------------


def add_handover(
    db: Database,
    scope: Scope,
    body: str,
    for_from: datetime,
    for_to: datetime,
    team: str | None = None,
    author_name: str = "",
) -> HandoverView:
    """A note for every agent whose published shift starts in [for_from, for_to) (of ``team``
    when given); each must acknowledge it."""
    if not body.strip():
        raise InvalidInput("body", _("Write the note."))
    if for_from.tzinfo is None or for_to.tzinfo is None or for_to <= for_from:
        raise InvalidInput("for_to", _("The note's window must end after it starts."))
    if for_to - for_from > timedelta(days=7):
        raise InvalidInput("for_to", _("A handover note covers at most 7 days."))
    with scope.session(db) as session:
        agents = _agents(session)
        team_id = None
        if team:
            team_id = next((a.team_id for a in agents.values() if a.team == team), None)
            if team_id is None:
                raise InvalidInput("team", _("There is no team %(team)s.", team=team))
        note = HandoverNote(
            author_user_id=scope.user_id, author_name=(author_name or scope.actor.label)[:200],
            team_id=team_id, for_from=for_from, for_to=for_to, body=body.strip()[:10_000],
        )  # fmt: skip
        session.add(note)
        session.flush()
        return _handover_view(session, agents, note, None)


def _recipients(
    session: Session, agents: dict[int, organization.AgentView], note: HandoverNote
) -> list[int]:
    zone_days = (note.for_from.date() - timedelta(days=1), note.for_to.date() + timedelta(days=1))
    ids = []
    for s in shifts_in_force_in(session, *zone_days):
        in_team = note.team_id is None or agents[s.agent_id].team_id == note.team_id
        if s.kind == WORK and note.for_from <= s.starts_at < note.for_to and in_team:
            ids.append(s.agent_id)
    return sorted(set(ids))


def _handover_view(
    session: Session,
    agents: dict[int, organization.AgentView],
    note: HandoverNote,
    reader: int | None,
    recipients: list[int] | None = None,
) -> HandoverView:
    acks = {
        a.agent_id: a.acknowledged_at
        for a in session.scalars(select(HandoverAck).where(HandoverAck.note_id == note.id))
    }
    team = next((a.team for a in agents.values() if a.team_id == note.team_id), None)
    if recipients is None:
        recipients = _recipients(session, agents, note)
    readers = [(agents[i].display_name, acks.get(i)) for i in recipients]
    return HandoverView(
        note.id, note.author_name, team if note.team_id else None, note.for_from, note.for_to,
        note.body, note.created_at, acks.get(reader) if reader else None, readers,
    )  # fmt: skip


def handovers_for_in(
    session: Session,
    agents: dict[int, organization.AgentView],
    agent: organization.AgentView,
    start: datetime,
    end: datetime,
) -> list[HandoverView]:
    """Notes for ``agent`` whose window overlaps [start, end)."""
    notes = session.scalars(
        select(HandoverNote)
        .where(HandoverNote.for_to > start, HandoverNote.for_from < end)
        .order_by(HandoverNote.for_from)
    )
    views = []
    for note in notes:
        recipients = _recipients(session, agents, note)
        if agent.id in recipients:
            views.append(_handover_view(session, agents, note, agent.id, recipients))
    return views


def list_handovers(db: Database, scope: Scope, since: datetime) -> list[HandoverView]:
    """Notes whose window ends after ``since``, with who has read them."""
    with scope.session(db) as session:
        agents = _agents(session)
        notes = session.scalars(
            select(HandoverNote)
            .where(HandoverNote.for_to > since)
            .order_by(HandoverNote.for_from.desc())
        )
        return [_handover_view(session, agents, n, None) for n in notes]


def acknowledge(db: Database, scope: Scope, note_id: int) -> HandoverView:
    """The signed-in agent has read note ``note_id`` (acknowledging twice changes nothing)."""
    with scope.session(db) as session:
        agents = _agents(session)
        me = _me(agents, scope)
        note = session.get(HandoverNote, note_id)
        if note is None:
            raise NotFound(_("There is no handover note %(id)d.", id=note_id))
        recipients = _recipients(session, agents, note)
        if me.id not in recipients:
            raise Forbidden(_("This note is not for your shift."))
        exists = session.scalar(
            select(HandoverAck).where(HandoverAck.note_id == note.id, HandoverAck.agent_id == me.id)
        )
        if exists is None:
            session.add(HandoverAck(note_id=note.id, agent_id=me.id))
            session.flush()
        return _handover_view(session, agents, note, me.id, recipients)
