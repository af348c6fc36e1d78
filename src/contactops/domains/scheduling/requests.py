"""Agents' requests: shift swaps (the colleague accepts, then a supervisor) and time off."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactops.domains.organization import service as organization
from contactops.domains.scheduling.models import (
    APPROVED,
    CANCELLED,
    PENDING,
    PENDING_PEER,
    REJECTED,
    SWAP,
    TIME_OFF,
    TIME_OFF_REQUEST,
    ScheduleRequest,
    ScheduleShift,
    ScheduleVersion,
)
from contactops.domains.scheduling.schedules import (
    _agent_by_code,
    _agents,
    _in_force,
    _me,
    _problems,
    _shift_view,
    _shifts_of,
    shifts_in_force_in,
)
from contactops.domains.scheduling.views import RequestView, ShiftView
from contactops.platform.auth import Scope
from contactops.platform.database import Database, utcnow
from contactops.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from contactops.platform.i18n import gettext as _

# --- requests --------------------------------------------------------------------------------


def _published_shift(session: Session, shift_id: int) -> ScheduleShift:
    row = session.get(ScheduleShift, shift_id)
    if row is None:
        raise NotFound(_("There is no shift %(id)d.", id=shift_id))
    if _in_force(session, row.day, row.day).get(row.day) != row.schedule_id:
        raise Conflict(_("This shift is not in the published schedule."))
    return row


def request_time_off(db: Database, scope: Scope, day: date, reason: str) -> RequestView:
    """The signed-in agent asks for ``day`` off; a supervisor decides."""
    with scope.session(db) as session:
        agents = _agents(session)
        me = _me(agents, scope)
        shift = next(iter(shifts_in_force_in(session, day, day, me.id)), None)
        row = ScheduleRequest(
            kind=TIME_OFF_REQUEST, status=PENDING, agent_id=me.id,
            shift_id=shift.id if shift else None, day=day, reason=reason.strip()[:500],
            created_by=scope.user_id,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return _request_view(session, agents, row)


def request_swap(
    db: Database,
    scope: Scope,
    shift_id: int,
    other_agent_code: str,
    other_shift_id: int | None = None,
    reason: str = "",
) -> RequestView:
    """The signed-in agent offers ``shift_id`` to a colleague, for the colleague's
    ``other_shift_id`` (or for nothing); the colleague accepts, then a supervisor decides."""
    with scope.session(db) as session:
        agents = _agents(session)
        me = _me(agents, scope)
        mine = _published_shift(session, shift_id)
        if mine.agent_id != me.id:
            raise Forbidden(_("You can only offer your own shifts."))
        other = _agent_by_code(agents, other_agent_code)
        if other.id == me.id:
            raise InvalidInput("other_agent", _("Choose a colleague, not yourself."))
        if (
            other_shift_id is not None
            and _published_shift(session, other_shift_id).agent_id != other.id
        ):
            raise InvalidInput("other_shift", _("That shift is not your colleague's."))
        row = ScheduleRequest(
            kind=SWAP, status=PENDING_PEER, agent_id=me.id, shift_id=mine.id,
            other_agent_id=other.id, other_shift_id=other_shift_id, reason=reason.strip()[:500],
            created_by=scope.user_id,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return _request_view(session, agents, row)


def answer_swap(db: Database, scope: Scope, request_id: int, accept: bool) -> RequestView:
    """The colleague asked accepts (the request goes to a supervisor) or declines it."""
    with scope.session(db) as session:
        agents = _agents(session)
        me = _me(agents, scope)
        row = _request(session, request_id)
        if row.kind != SWAP or row.other_agent_id != me.id:
            raise Forbidden(_("This request was not sent to you."))
        if row.status != PENDING_PEER:
            raise Conflict(_("This request has already been answered."))
        row.status = PENDING if accept else REJECTED
        row.peer_answered_at = utcnow()
        session.flush()
        return _request_view(session, agents, row)


def cancel_request(db: Database, scope: Scope, request_id: int) -> RequestView:
    with scope.session(db) as session:
        agents = _agents(session)
        me = _me(agents, scope)
        row = _request(session, request_id)
        if row.agent_id != me.id:
            raise Forbidden(_("You can only cancel your own requests."))
        if row.status not in (PENDING_PEER, PENDING):
            raise Conflict(_("This request has already been decided."))
        row.status = CANCELLED
        session.flush()
        return _request_view(session, agents, row)


def decide_request(
    db: Database, scope: Scope, request_id: int, approve: bool, note: str = "", force: bool = False
) -> RequestView:
    """Approve (the published schedule changes, in the audit log) or reject a request.

    A swap is refused when it would break a labour rule (min rest, weekly hours, ...) unless
    ``force``; the error names the rule and the agent."""
    with scope.session(db) as session:
        agents = _agents(session)
        row = _request(session, request_id)
        if row.status != PENDING:
            raise Conflict(_("Only a pending request can be decided."))
        row.decision_note = note.strip()[:500]
        row.decided_by = scope.user_id
        row.decided_at = utcnow()
        if not approve:
            row.status = REJECTED
            session.flush()
            return _request_view(session, agents, row)
        touched = _apply(session, row)
        if not force:
            codes = {agents[i].code for i in (row.agent_id, row.other_agent_id) if i is not None}
            for version in touched:
                broken = _problems(version, _shifts_of(session, [version.id]), agents)
                mine = [p for p in broken if p.agent in codes]
                if mine:
                    first = mine[0]
                    raise Conflict(
                        _("Approving would break %(rule)s for %(agent)s: %(detail)s",
                          rule=first.rule, agent=first.agent, detail=first.message)
                    )  # fmt: skip
        row.status = APPROVED
        session.flush()
        return _request_view(session, agents, row)


def _apply(session: Session, row: ScheduleRequest) -> list[ScheduleVersion]:
    """Make the approved change on the published shifts; the versions changed."""
    touched: list[ScheduleVersion] = []
    if row.kind == TIME_OFF_REQUEST:
        assert row.day is not None
        for shift in shifts_in_force_in(session, row.day, row.day, row.agent_id):
            shift.kind = TIME_OFF
            shift.paid_minutes = 0
            shift.activities = []
            shift.note = row.reason
            touched.append(session.get_one(ScheduleVersion, shift.schedule_id))
    else:
        if row.shift_id is None:
            raise Conflict(_("The shift of this request no longer exists."))
        mine = _published_shift(session, row.shift_id)
        assert row.other_agent_id is not None
        mine.agent_id = row.other_agent_id
        touched.append(session.get_one(ScheduleVersion, mine.schedule_id))
        if row.other_shift_id is not None:
            theirs = _published_shift(session, row.other_shift_id)
            theirs.agent_id = row.agent_id
            touched.append(session.get_one(ScheduleVersion, theirs.schedule_id))
    for version in touched:
        version.revision += 1
    session.flush()
    return touched


def _request(session: Session, request_id: int) -> ScheduleRequest:
    row = session.get(ScheduleRequest, request_id)
    if row is None:
        raise NotFound(_("There is no request %(id)d.", id=request_id))
    return row


def list_requests(db: Database, scope: Scope, status: str | None = None) -> list[RequestView]:
    """Every request (the supervisor's inbox), newest first; ``status`` filters."""
    with scope.session(db) as session:
        return _requests(session, _agents(session), status=status)


def _requests(
    session: Session,
    agents: dict[int, organization.AgentView],
    *,
    status: str | None = None,
    agent_id: int | None = None,
) -> list[RequestView]:
    statement = select(ScheduleRequest).order_by(
        ScheduleRequest.created_at.desc(), ScheduleRequest.id.desc()
    )
    if status:
        statement = statement.where(ScheduleRequest.status == status)
    if agent_id is not None:
        statement = statement.where(
            (ScheduleRequest.agent_id == agent_id) | (ScheduleRequest.other_agent_id == agent_id)
        )
    return [_request_view(session, agents, r) for r in session.scalars(statement)]


def _request_view(
    session: Session, agents: dict[int, organization.AgentView], r: ScheduleRequest
) -> RequestView:
    def shift(shift_id: int | None) -> ShiftView | None:
        row = session.get(ScheduleShift, shift_id) if shift_id else None
        return _shift_view(row, agents) if row else None

    other = agents.get(r.other_agent_id) if r.other_agent_id else None
    return RequestView(
        r.id, r.kind, r.status, agents[r.agent_id].code, agents[r.agent_id].display_name,
        shift(r.shift_id), other.code if other else None,
        other.display_name if other else None, shift(r.other_shift_id), r.day, r.reason,
        r.decision_note, r.created_at, r.decided_at,
    )  # fmt: skip
