"""Tickets: open them, reply, note, change status, assign, escalate, read them, list them by
SLA urgency, and scan the SLA clocks for warnings and breaches.

Every change checks the ``version`` the user's view was read at: a change based on an
out-of-date view is refused (409) with what changed meanwhile, so two agents never send two
different answers to one customer message. The row's version is also checked by the UPDATE
itself (SQLAlchemy's version counter), which covers two transactions racing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any, TypeVar

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from contactops.domains.customers import service as customers
from contactops.domains.events import service as events
from contactops.domains.organization import service as organization
from contactops.domains.tickets import clocks
from contactops.domains.tickets.configuration import handling_in, workflow_in
from contactops.domains.tickets.configuration import save_calendar_in as save_calendar_in
from contactops.domains.tickets.configuration import save_policy_in as save_policy_in
from contactops.domains.tickets.models import (
    ACTIVE_CATEGORIES,
    CUSTOMER,
    DONE_CATEGORIES,
    NOTE,
    OWNERSHIP,
    PAUSING_CATEGORIES,
    PENDING_DELIVERY,
    PRIORITIES,
    REPLY,
    TICKET_CHANNELS,
    TIERS,
    Mailbox,
    SlaPolicy,
    Ticket,
    TicketActivity,
    TicketAttachment,
    TicketCounter,
    TicketMessage,
)
from contactops.domains.tickets.views import (
    ActivityView,
    AttachmentView,
    Choice,
    ClockView,
    MessageView,
    TicketSummary,
    TicketView,
)
from contactops.engines import sla
from contactops.engines.events import TicketEvent, TicketEventType
from contactops.platform.audit import Actor
from contactops.platform.auth import Principal, tenant_session
from contactops.platform.database import Database, utcnow
from contactops.platform.errors import Conflict, InvalidInput, NotFound
from contactops.platform.i18n import gettext as _
from contactops.platform.identity import Membership, User
from contactops.platform.tenancy import scope_tenant_id

T = TypeVar("T")
SUBJECT_MAX, BODY_MAX, TAG_MAX, TAGS_MAX = 300, 100_000, 40, 30
LIST_LIMIT_MAX = 500
AT_RISK_HORIZON = timedelta(hours=1)  # "about to breach": due within the hour
VIEWS = ("mine", "team", "unassigned", "at_risk", "breached", "all")


# --- small checks ----------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


def _subject(text: str) -> str:
    subject = " ".join(str(text or "").split())
    if not 1 <= len(subject) <= SUBJECT_MAX:
        raise InvalidInput(
            "subject", _("Enter a subject of 1 to %(high)d characters.", high=SUBJECT_MAX)
        )
    return subject


def _body(text: str, field_name: str = "body") -> str:
    body = str(text or "").strip()
    if not body:
        raise InvalidInput(field_name, _("Write something first."))
    if len(body) > BODY_MAX:
        raise InvalidInput(
            field_name, _("A message has at most %(high)d characters.", high=BODY_MAX)
        )
    return body


def _choice(field_name: str, value: str, known: Sequence[str]) -> str:
    if value not in known:
        raise InvalidInput(
            field_name,
            _("%(value)s is not one of %(known)s.", value=value or "''", known=", ".join(known)),
        )
    return value


def _tags(tags: Iterable[str]) -> list[str]:
    kept: list[str] = []
    for tag in tags:
        text = " ".join(str(tag).split())
        if not text or text.casefold() in {k.casefold() for k in kept}:
            continue
        if len(text) > TAG_MAX:
            raise InvalidInput("tags", _("A tag has at most %(high)d characters.", high=TAG_MAX))
        kept.append(text)
    if len(kept) > TAGS_MAX:
        raise InvalidInput("tags", _("A ticket has at most %(high)d tags.", high=TAGS_MAX))
    return kept


def _custom_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in fields.items():
        if not isinstance(value, str | int | float | bool) and value is not None:
            raise InvalidInput(
                "custom_fields",
                _("The field %(key)s must be text, a number or yes/no.", key=str(key)),
            )
    return dict(fields)


def _actor(session: Session) -> Actor:
    actor: Actor = session.info.get("actor") or Actor.system("system")
    return actor


def _once(session: Session, key: tuple[object, ...], read: Callable[[], T]) -> T:
    """``read()`` once a transaction: a change names its actor, agents and queues in several
    history lines and events."""
    cache: dict[tuple[object, ...], Any] = session.info.setdefault("tickets.names", {})
    if key not in cache:
        cache[key] = read()
    value: T = cache[key]
    return value


def _actor_name(session: Session) -> str:
    """The name people know the actor by: a user's display name, or the process's label."""
    actor = _actor(session)
    if actor.user_id is None:
        return actor.label
    name = _once(
        session,
        ("user", actor.user_id),
        lambda: session.scalar(select(User.display_name).where(User.id == actor.user_id)),
    )
    return name or actor.label


def agent_code_in(session: Session, user_id: int | None) -> str | None:
    """How the event log names a user who works tickets: their agent code, else ``user-<id>``
    (supervisors and back-office staff need not be agents)."""
    if user_id is None:
        return None
    code = _once(
        session, ("agent", user_id), lambda: organization.agent_code_of_user_in(session, user_id)
    )
    return code or f"user-{user_id}"


def ticket_event(
    session: Session,
    ticket: Ticket,
    kind: TicketEventType,
    now: datetime,
    *,
    agent: str | None = None,
    queue_codes: dict[int, str] | None = None,
    **data: Any,
) -> TicketEvent:
    """The event-log record of a step of ``ticket``."""
    queue = None
    if ticket.queue_id is not None:
        codes = queue_codes
        if codes is None:
            codes = _once(session, ("queues",), lambda: organization.queue_codes_in(session))
        queue = codes.get(ticket.queue_id)
    return TicketEvent(
        occurred_at=now,
        ticket_id=ticket_label(ticket.number),
        event_type=kind,
        channel=ticket.channel,
        queue=queue,
        agent=agent,
        customer_id=str(ticket.customer_id) if ticket.customer_id is not None else None,
        data={k: v for k, v in data.items() if v is not None},
    )


def _log(
    session: Session, ticket: Ticket, kind: TicketEventType, now: datetime, **data: Any
) -> None:
    """Append a step of ``ticket`` to the ticket event log; ``agent`` defaults to the actor."""
    agent = data.pop("agent", agent_code_in(session, _actor(session).user_id))
    events.append_ticket_events_in(
        session, [ticket_event(session, ticket, kind, now, agent=agent, **data)]
    )


def _record(session: Session, ticket: Ticket, kind: str, now: datetime, **data: Any) -> None:
    actor = _actor(session)
    session.add(
        TicketActivity(
            ticket_id=ticket.id,
            at=now,
            actor_user_id=actor.user_id,
            actor_label=_actor_name(session),
            kind=kind,
            data=data,
        )
    )


def _member(session: Session, user_id: int) -> User:
    user = session.scalar(
        select(User).join(Membership, Membership.user_id == User.id).where(User.id == user_id)
    )
    if user is None or not user.is_active:
        raise InvalidInput("assignee_user_id", _("There is no such user in this tenant."))
    return user


# --- reading one ---------------------------------------------------------------------------------


def _ticket(session: Session, number: int) -> Ticket:
    ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None:
        raise NotFound(_("There is no ticket %(number)s.", number=ticket_label(number)))
    return ticket


def ticket_label(number: int) -> str:
    return f"T-{number}"


def _fresh(session: Session, number: int, version: int | None) -> Ticket:
    """The ticket, refused if it changed since the caller's view was read at ``version``."""
    ticket = _ticket(session, number)
    if version is not None and ticket.version != version:
        last = session.scalar(
            select(TicketActivity)
            .where(TicketActivity.ticket_id == ticket.id)
            .order_by(TicketActivity.id.desc())
            .limit(1)
        )
        who = last.actor_label if last else _("someone")
        raise Conflict(
            _(
                "Ticket %(ticket)s changed after you opened it (%(who)s). Reload it and read "
                "the change before you send anything.",
                ticket=ticket_label(number),
                who=who,
            )
        )
    return ticket


def _clocks_of(session: Session, ticket: Ticket) -> clocks.Clocks | None:
    if ticket.sla_policy_id is None:
        return None
    policy = session.get(SlaPolicy, ticket.sla_policy_id)
    return clocks.clocks_of(session, policy) if policy is not None else None


def _touch(session: Session, ticket: Ticket, now: datetime) -> None:
    """Deadlines again, and the time of the change (the version grows by the flush)."""
    clocks.apply_deadlines(ticket, _clocks_of(session, ticket))
    ticket.updated_at = now


def _flush(session: Session, number: int) -> None:
    try:
        session.flush()
    except StaleDataError as error:
        raise Conflict(
            _(
                "Ticket %(ticket)s was changed by someone else at the same moment. Reload it "
                "and try again.",
                ticket=ticket_label(number),
            )
        ) from error


# --- opening -----------------------------------------------------------------------------------


def _next_number(session: Session) -> int:
    """The tenant's next ticket number; the counter row's lock serialises concurrent openings."""
    tenant_id = scope_tenant_id(session)
    number = session.scalar(
        update(TicketCounter)
        .where(TicketCounter.tenant_id == tenant_id)
        .values(last_number=TicketCounter.last_number + 1)
        .returning(TicketCounter.last_number)
        .execution_options(synchronize_session=False)
    )
    if number is None:
        session.add(TicketCounter(tenant_id=tenant_id, last_number=1))
        session.flush()
        number = 1
    return int(number)


def open_ticket_in(
    session: Session,
    *,
    subject: str,
    body: str,
    channel: str,
    ticket_type: str,
    priority: str = "normal",
    customer_id: int | None = None,
    queue_id: int | None = None,
    team_id: int | None = None,
    assignee_user_id: int | None = None,
    tags: Iterable[str] = (),
    custom_fields: Mapping[str, Any] | None = None,
    author_label: str | None = None,
    email_message_id: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """A new ticket whose first message is the customer's ``body``; its SLA policy is the
    first that matches its type, priority and the customer's tier."""
    now = _now(now)
    flow = workflow_in(session)
    subject = _subject(subject)
    body = _body(body)
    _choice("channel", channel, TICKET_CHANNELS)
    flow.type_code(ticket_type)
    _choice("priority", priority, PRIORITIES)
    customer_tier, customer_label = None, None
    if customer_id is not None:
        customer = customers.get_customer_in(session, customer_id)
        customer_id, customer_tier, customer_label = (
            customer.id,
            customer.tier,
            customer.display_name,
        )
    if team_id is not None and team_id not in organization.team_names_in(session):
        raise InvalidInput("team_id", _("There is no team %(id)s.", id=team_id))
    if assignee_user_id is not None:
        _member(session, assignee_user_id)
    policy = clocks.matching_policy(session, ticket_type, priority, customer_tier)
    ticket = Ticket(
        number=_next_number(session),
        subject=subject,
        customer_id=customer_id,
        channel=channel,
        ticket_type=ticket_type,
        priority=priority,
        status=flow.initial.code,
        status_category=flow.initial.category,
        queue_id=queue_id,
        team_id=team_id,
        assignee_user_id=assignee_user_id,
        first_assignee_user_id=assignee_user_id,
        tier=1,
        escalations=0,
        tags=_tags(tags),
        custom_fields=_custom_fields(custom_fields or {}),
        created_at=now,
        updated_at=now,
        awaiting_reply_since=now,
        sla_policy_id=policy.id if policy else None,
        sla_pauses=[],
        sla_marks={},
        sla_breached=False,
    )
    session.add(ticket)
    clocks.apply_deadlines(ticket, clocks.clocks_of(session, policy) if policy else None)
    session.flush()
    session.add(
        TicketMessage(
            ticket_id=ticket.id,
            kind=CUSTOMER,
            author_label=author_label or customer_label or _("Customer"),
            body=body,
            email_message_id=email_message_id,
            created_at=now,
        )
    )
    _record(session, ticket, "opened", now, channel=channel, policy=policy.code if policy else None)
    _log(session, ticket, TicketEventType.OPENED, now, agent=None,
         policy=policy.code if policy else None)  # fmt: skip
    if assignee_user_id is not None:
        _log(session, ticket, TicketEventType.ASSIGNED, now,
             agent=agent_code_in(session, assignee_user_id))  # fmt: skip
    session.flush()
    return ticket


# --- messages ----------------------------------------------------------------------------------


def add_customer_message_in(
    session: Session,
    ticket: Ticket,
    body: str,
    *,
    author_label: str,
    email_message_id: str | None = None,
    now: datetime | None = None,
) -> TicketMessage:
    """The customer wrote again: a ticket waiting for them or solved opens again, and the
    next-response clock starts from their oldest unanswered message."""
    now = _now(now)
    flow = workflow_in(session)
    category = ticket.status_category
    if category in PAUSING_CATEGORIES or category in DONE_CATEGORIES:
        reopened = flow.first_of("open") or flow.initial
        if flow.allows(ticket.status, reopened.code):
            _set_status(session, ticket, reopened.code, now, reason="customer_replied")
    if ticket.awaiting_reply_since is None:
        ticket.awaiting_reply_since = now
    _log(session, ticket, TicketEventType.CUSTOMER_REPLIED, now, agent=None)
    message = TicketMessage(
        ticket_id=ticket.id,
        kind=CUSTOMER,
        author_label=author_label,
        body=_body(body),
        email_message_id=email_message_id,
        created_at=now,
    )
    session.add(message)
    _touch(session, ticket, now)
    _flush(session, ticket.number)
    return message


def reply_in(
    session: Session,
    number: int,
    body: str,
    *,
    version: int | None,
    internal: bool = False,
    now: datetime | None = None,
) -> TicketMessage:
    """An agent's reply to the customer, or an internal note (which stops no clock).

    A reply stops the first-response clock (the first time) and the next-response clock;
    a reply after a deadline marks that target breached."""
    now = _now(now)
    ticket = _fresh(session, number, version)
    actor = _actor(session)
    if ticket.status_category in DONE_CATEGORIES and not internal and ticket.closed_at:
        raise Conflict(_("Ticket %(ticket)s is closed.", ticket=ticket_label(number)))
    message = TicketMessage(
        ticket_id=ticket.id,
        kind=NOTE if internal else REPLY,
        author_user_id=actor.user_id,
        author_label=_actor_name(session),
        body=_body(body),
        created_at=now,
    )
    session.add(message)
    if not internal and ticket.mailbox_id is not None and ticket.customer_address:
        queue_email_in(session, ticket, message)
    if not internal:
        stopped = [clocks.FIRST_RESPONSE] if ticket.first_response_at is None else []
        if ticket.awaiting_reply_since is not None and ticket.first_response_at is not None:
            stopped.append(clocks.NEXT_RESPONSE)
        late = clocks.stop_late(ticket, stopped, now)
        for target in late:
            _record(session, ticket, "sla_breached", now, target=target)
            _log(session, ticket, TicketEventType.SLA_BREACHED, now, agent=None, target=target)
        first = ticket.first_response_at is None
        _log(session, ticket,
             TicketEventType.FIRST_RESPONSE if first else TicketEventType.REPLIED, now)  # fmt: skip
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        ticket.awaiting_reply_since = None
        ticket.sla_marks = {k: v for k, v in ticket.sla_marks.items() if k != clocks.NEXT_RESPONSE}
        if ticket.assignee_user_id is None and actor.user_id is not None:
            _assign(session, ticket, actor.user_id, now)
        if ticket.status_category == "new":
            opened = workflow_in(session).first_of("open")
            if opened is not None and workflow_in(session).allows(ticket.status, opened.code):
                _set_status(session, ticket, opened.code, now)
    _record(session, ticket, "noted" if internal else "replied", now)
    _touch(session, ticket, now)
    _flush(session, number)
    return message


def queue_email_in(session: Session, ticket: Ticket, message: TicketMessage) -> None:
    """Put ``message`` in the outbox, to the ticket's customer from its mailbox. Its
    Message-ID is given now, so an answer to it finds the ticket even before it is sent."""
    mailbox = session.get(Mailbox, ticket.mailbox_id) if ticket.mailbox_id else None
    if mailbox is None or not ticket.customer_address:
        return
    message.mailbox_id, message.to_address = mailbox.id, ticket.customer_address
    message.delivery, message.delivery_attempts = PENDING_DELIVERY, 0
    message.email_message_id = make_msgid(domain=mailbox.address.rsplit("@", 1)[-1])


# --- status, assignment, escalation ------------------------------------------------------------


def _set_status(session: Session, ticket: Ticket, code: str, now: datetime, **data: Any) -> None:
    flow = workflow_in(session)
    status = flow.status(code)
    before = ticket.status
    was_paused = ticket.status_category in PAUSING_CATEGORIES
    ticket.status, ticket.status_category = status.code, status.category
    if status.category in PAUSING_CATEGORIES and not was_paused:
        clocks.pause(ticket, now)
        _log(session, ticket, TicketEventType.PAUSED, now)
    elif was_paused and status.category not in PAUSING_CATEGORIES:
        clocks.resume(ticket, now)
        _log(session, ticket, TicketEventType.RESUMED, now)
    was_done = ticket.resolved_at is not None
    if status.category in DONE_CATEGORIES and not was_done:
        ticket.resolved_at = now
        for target in clocks.stop_late(ticket, [clocks.RESOLUTION], now):
            _record(session, ticket, "sla_breached", now, target=target)
            _log(session, ticket, TicketEventType.SLA_BREACHED, now, agent=None, target=target)
        _log(session, ticket, TicketEventType.RESOLVED, now, outcome=ticket.outcome)
    elif status.category in ACTIVE_CATEGORIES and was_done:
        ticket.resolved_at = None
        ticket.closed_at = None
        _log(session, ticket, TicketEventType.REOPENED, now)
    if status.category == "closed" and ticket.closed_at is None:
        ticket.closed_at = now
        _log(session, ticket, TicketEventType.CLOSED, now)
    _record(session, ticket, "status", now, before=before, after=status.code, **data)


def change_status_in(
    session: Session,
    number: int,
    status: str,
    *,
    version: int | None,
    outcome: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Move the ticket along an allowed transition; solving or closing needs an outcome."""
    now = _now(now)
    ticket = _fresh(session, number, version)
    flow = workflow_in(session)
    target = flow.status(status)
    if not flow.allows(ticket.status, target.code):
        raise InvalidInput(
            "status",
            _(
                "A ticket in %(before)s cannot move to %(after)s.",
                before=flow.status(ticket.status).shown(),
                after=target.shown(),
            ),
        )
    if target.category in DONE_CATEGORIES:
        chosen = outcome or ticket.outcome
        if not chosen:
            raise InvalidInput("outcome", _("Choose the outcome before you solve the ticket."))
        ticket.outcome = flow.outcome_code(chosen)
    elif outcome:
        ticket.outcome = flow.outcome_code(outcome)
    _set_status(session, ticket, target.code, now)
    _touch(session, ticket, now)
    _flush(session, number)
    return ticket


def _assign(session: Session, ticket: Ticket, user_id: int | None, now: datetime) -> None:
    before = ticket.assignee_user_id
    ticket.assignee_user_id = user_id
    if ticket.first_assignee_user_id is None and user_id is not None:
        ticket.first_assignee_user_id = user_id
    _record(session, ticket, "assigned", now, before=before, after=user_id)
    _log(session, ticket, TicketEventType.ASSIGNED, now, agent=agent_code_in(session, user_id))


def assign_in(
    session: Session,
    number: int,
    *,
    version: int | None,
    assignee_user_id: int | None,
    team_id: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Give the ticket to a user (or nobody) and optionally a team. Under first-contact
    ownership a ticket with an owner keeps it: only its owner may hand it back."""
    now = _now(now)
    ticket = _fresh(session, number, version)
    handling = handling_in(session, ticket.queue_id)
    if (
        handling.model == OWNERSHIP
        and ticket.first_assignee_user_id is not None
        and assignee_user_id not in (ticket.first_assignee_user_id, None)
    ):
        raise Conflict(
            _(
                "This queue keeps each case with the agent who took it first: "
                "ticket %(ticket)s stays with its owner.",
                ticket=ticket_label(number),
            )
        )
    if assignee_user_id is not None:
        _member(session, assignee_user_id)
    if team_id is not None and team_id not in organization.team_names_in(session):
        raise InvalidInput("team_id", _("There is no team %(id)s.", id=team_id))
    if assignee_user_id != ticket.assignee_user_id:
        _assign(session, ticket, assignee_user_id, now)
    if team_id is not None and team_id != ticket.team_id:
        _record(session, ticket, "team", now, before=ticket.team_id, after=team_id)
        ticket.team_id = team_id
    _touch(session, ticket, now)
    _flush(session, number)
    return ticket


def escalate_in(
    session: Session,
    number: int,
    *,
    version: int | None,
    tier: int,
    reason: str,
    now: datetime | None = None,
) -> Ticket:
    """Move the ticket to another tier (first line 1, second line 2, back office 3) with a
    reason; it goes to that tier's team, unassigned. Not allowed under first-contact
    ownership."""
    now = _now(now)
    ticket = _fresh(session, number, version)
    if tier not in TIERS:
        raise InvalidInput("tier", _("There is no tier %(tier)s.", tier=tier))
    if tier == ticket.tier:
        raise InvalidInput("tier", _("The ticket is already at this tier."))
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise InvalidInput("reason", _("Say why the ticket moves."))
    handling = handling_in(session, ticket.queue_id)
    if handling.model == OWNERSHIP:
        raise Conflict(
            _("This queue keeps each case with the agent who took it first: it is not escalated.")
        )
    before = ticket.tier
    ticket.tier = tier
    if tier > before:
        ticket.escalations += 1
    team_id = handling.tier_team_ids.get(tier)
    if team_id is not None:
        ticket.team_id = team_id
    if ticket.assignee_user_id is not None:
        _assign(session, ticket, None, now)
    _record(
        session,
        ticket,
        "escalated" if tier > before else "de_escalated",
        now,
        before=before,
        after=tier,
        reason=reason,
    )
    kind = TicketEventType.ESCALATED if tier > before else TicketEventType.DE_ESCALATED
    _log(session, ticket, kind, now, from_tier=before, to_tier=tier, reason=reason)
    _touch(session, ticket, now)
    _flush(session, number)
    return ticket


# --- reading ------------------------------------------------------------------------------------


def _sla_state(ticket: Ticket, now: datetime) -> str:
    if ticket.status_category in DONE_CATEGORIES:
        return "none"
    if clocks.is_paused(ticket):
        return "paused"
    if ticket.sla_due_at is None:
        return "none"
    if ticket.sla_due_at <= now:
        return "breached"
    if ticket.sla_due_at <= now + AT_RISK_HORIZON or clocks.WARNED in ticket.sla_marks.values():
        return "at_risk"
    return "running"


def _summaries(session: Session, tickets: Sequence[Ticket], now: datetime) -> list[TicketSummary]:
    flow = workflow_in(session)
    user_ids = {t.assignee_user_id for t in tickets if t.assignee_user_id is not None}
    users: dict[int, str] = {}
    if user_ids:
        rows = session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
        users = {user_id: name for user_id, name in rows}
    names = customers.display_names_in(session, (t.customer_id for t in tickets if t.customer_id))
    teams = organization.team_names_in(session) if any(t.team_id for t in tickets) else {}
    statuses = {s.code: s.shown() for s in flow.statuses}
    return [
        TicketSummary(
            number=t.number,
            subject=t.subject,
            status=t.status,
            status_label=statuses.get(t.status, t.status),
            status_category=t.status_category,
            priority=t.priority,
            ticket_type=t.ticket_type,
            channel=t.channel,
            customer_id=t.customer_id,
            customer_label=names.get(t.customer_id) if t.customer_id else None,
            assignee_user_id=t.assignee_user_id,
            assignee_label=users.get(t.assignee_user_id) if t.assignee_user_id else None,
            team_id=t.team_id,
            team_label=teams.get(t.team_id) if t.team_id else None,
            tier=t.tier,
            sla_due_at=t.sla_due_at,
            sla_state=_sla_state(t, now),
            updated_at=t.updated_at,
        )
        for t in tickets
    ]


def _clock_views(session: Session, ticket: Ticket, now: datetime) -> list[ClockView]:
    policy_clocks = _clocks_of(session, ticket)
    if policy_clocks is None:
        return []
    pauses = clocks.pauses_of(ticket)
    views: list[ClockView] = []
    for kind, target in policy_clocks.targets.items():
        start = clocks.start_of(ticket, kind)
        if start is None:
            continue
        stopped = clocks.stopped_at(ticket, kind)
        reading = sla.read_clock(policy_clocks.calendar, target, start, now, pauses, stopped)
        views.append(ClockView(kind, reading.state, reading.due_at, reading.business_seconds_left))
    return views


def attachments_of_in(session: Session, ticket: Ticket) -> list[AttachmentView]:
    rows = session.scalars(
        select(TicketAttachment)
        .where(TicketAttachment.ticket_id == ticket.id)
        .order_by(TicketAttachment.id)
    )
    return [attachment_view(row, ticket.number) for row in rows]


def attachment_view(row: TicketAttachment, number: int) -> AttachmentView:
    return AttachmentView(
        row.id, number, row.message_id, row.filename, row.content_type, row.size_bytes,
        row.sha256, row.created_at,
    )  # fmt: skip


def ticket_view_in(session: Session, number: int, now: datetime | None = None) -> TicketView:
    now = _now(now)
    ticket = _ticket(session, number)
    flow = workflow_in(session)
    messages = session.scalars(
        select(TicketMessage).where(TicketMessage.ticket_id == ticket.id).order_by(TicketMessage.id)
    )
    activities = session.scalars(
        select(TicketActivity)
        .where(TicketActivity.ticket_id == ticket.id)
        .order_by(TicketActivity.id)
    )
    outcome_labels = {o.code: o.shown() for o in flow.outcomes}
    return TicketView(
        summary=_summaries(session, [ticket], now)[0],
        version=ticket.version,
        outcome=ticket.outcome,
        outcome_label=outcome_labels.get(ticket.outcome) if ticket.outcome else None,
        queue_id=ticket.queue_id,
        tags=list(ticket.tags),
        custom_fields=dict(ticket.custom_fields),
        created_at=ticket.created_at,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        clocks=_clock_views(session, ticket, now),
        messages=[
            MessageView(m.id, m.kind, m.author_label, m.body, m.created_at) for m in messages
        ],
        activities=[ActivityView(a.at, a.actor_label, a.kind, dict(a.data)) for a in activities],
        next_statuses=[Choice(s.code, s.shown()) for s in flow.next_statuses(ticket.status)],
        outcomes=[Choice(o.code, o.shown()) for o in flow.outcomes if o.active],
        handling_model=handling_in(session, ticket.queue_id).model,
        attachments=attachments_of_in(session, ticket),
    )


# --- lists ----------------------------------------------------------------------------------------


def _by_urgency(statement: Select[tuple[Ticket]], limit: int) -> Select[tuple[Ticket]]:
    return statement.order_by(Ticket.sla_due_at, Ticket.id).limit(limit)


def list_tickets_in(
    session: Session,
    view: str,
    *,
    user_id: int | None = None,
    team_id: int | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> list[TicketSummary]:
    """A ticket list, most urgent first: tickets whose clocks run by deadline, then the
    active tickets without a running clock (paused, or no policy), latest changed first.

    - ``mine``: assigned to ``user_id``; ``team``: the team's (``team_id``);
    - ``unassigned``: nobody's yet; ``at_risk``: due within the hour (overdue included);
    - ``breached``: past a deadline still running; ``all``: every active ticket.
    """
    now = _now(now)
    _choice("view", view, VIEWS)
    limit = max(1, min(limit, LIST_LIMIT_MAX))
    conditions: list[Any] = []
    if view == "mine":
        conditions.append(Ticket.assignee_user_id == user_id)
    elif view == "team":
        if team_id is None:
            return []
        conditions.append(Ticket.team_id == team_id)
    elif view == "unassigned":
        conditions.append(Ticket.assignee_user_id.is_(None))
    running = _by_urgency(select(Ticket).where(*conditions, Ticket.sla_due_at.is_not(None)), limit)
    if view == "breached":
        running = running.where(Ticket.sla_due_at <= now)
    elif view == "at_risk":
        running = running.where(Ticket.sla_due_at <= now + AT_RISK_HORIZON)
    found = list(session.scalars(running))
    if len(found) < limit and view not in ("breached", "at_risk"):
        rest = (
            select(Ticket)
            .where(
                *conditions,
                Ticket.sla_due_at.is_(None),
                Ticket.status_category.in_(ACTIVE_CATEGORIES),
            )
            .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
            .limit(limit - len(found))
        )
        found.extend(session.scalars(rest))
    return _summaries(session, found, now)


def customer_tickets_in(session: Session, customer_id: int, limit: int = 50) -> list[TicketSummary]:
    rows = session.scalars(
        select(Ticket)
        .where(Ticket.customer_id == customer_id)
        .order_by(Ticket.created_at.desc())
        .limit(limit)
    )
    return _summaries(session, list(rows), utcnow())


# --- entry points for the web layer -------------------------------------------------------------


def open_ticket(db: Database, principal: Principal, **fields: Any) -> TicketView:
    with tenant_session(db, principal) as session:
        ticket = open_ticket_in(session, author_label=fields.pop("author_label", None), **fields)
        return ticket_view_in(session, ticket.number)


def get_ticket(db: Database, principal: Principal, number: int) -> TicketView:
    with tenant_session(db, principal) as session:
        return ticket_view_in(session, number)


def reply(
    db: Database,
    principal: Principal,
    number: int,
    body: str,
    version: int | None,
    internal: bool = False,
) -> TicketView:
    with tenant_session(db, principal) as session:
        reply_in(session, number, body, version=version, internal=internal)
        return ticket_view_in(session, number)


def change_status(
    db: Database,
    principal: Principal,
    number: int,
    status: str,
    version: int | None,
    outcome: str | None = None,
) -> TicketView:
    with tenant_session(db, principal) as session:
        change_status_in(session, number, status, version=version, outcome=outcome)
        return ticket_view_in(session, number)


def assign(
    db: Database,
    principal: Principal,
    number: int,
    version: int | None,
    assignee_user_id: int | None,
    team_id: int | None = None,
) -> TicketView:
    with tenant_session(db, principal) as session:
        assign_in(
            session, number, version=version, assignee_user_id=assignee_user_id, team_id=team_id
        )
        return ticket_view_in(session, number)


def escalate(
    db: Database, principal: Principal, number: int, version: int | None, tier: int, reason: str
) -> TicketView:
    with tenant_session(db, principal) as session:
        escalate_in(session, number, version=version, tier=tier, reason=reason)
        return ticket_view_in(session, number)


def add_customer_message(
    db: Database, principal: Principal, number: int, body: str, author_label: str
) -> TicketView:
    with tenant_session(db, principal) as session:
        add_customer_message_in(session, _ticket(session, number), body, author_label=author_label)
        return ticket_view_in(session, number)


def list_tickets(
    db: Database, principal: Principal, view: str, team_id: int | None = None, limit: int = 50
) -> list[TicketSummary]:
    with tenant_session(db, principal) as session:
        if view == "team" and team_id is None:
            team_id = organization.team_of_user_in(session, principal.user_id)
        return list_tickets_in(
            session, view, user_id=principal.user_id, team_id=team_id, limit=limit
        )


def ticket_types(db: Database, principal: Principal) -> list[Choice]:
    """The tenant's active ticket types, for the forms that open tickets."""
    with tenant_session(db, principal) as session:
        return [Choice(t.code, t.shown()) for t in workflow_in(session).types if t.active]
