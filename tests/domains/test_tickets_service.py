"""Tickets: numbered per tenant, SLA deadlines from the matching policy in business time, clocks
stopped by replies and paused while waiting for the customer, warnings and breaches raised once
by the scan, replies from an out-of-date view refused, the workflow and the two handling
models enforced, lists sorted by urgency, one tenant never reaching another's tickets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from contactops.domains.events.models import TicketEventRecord
from contactops.domains.kpis import service as kpis
from contactops.domains.kpis.service import KpiQuery
from contactops.domains.organization import service as organization
from contactops.domains.tickets import configuration, scanner, service
from contactops.domains.tickets.models import Ticket, TicketMessage
from contactops.platform.audit import Actor
from contactops.platform.database import Database
from contactops.platform.errors import Conflict, InvalidInput, NotFound
from tests.conftest import World

OSLO = ZoneInfo("Europe/Oslo")


def oslo(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Oslo (the world's tenant a), as an aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=OSLO).astimezone(UTC)


# 2026-03-06 is a Friday; 2026-03-09 a Monday.
FRIDAY_1530 = oslo(2026, 3, 6, 15, 30)


@contextmanager
def session_of(
    db: Database, world: World, role: str = "agent", tenant: str = "a"
) -> Iterator[Session]:
    tenant_id = world.tenant_a if tenant == "a" else world.tenant_b
    user = world.users[role if tenant == "a" else "admin_b"]
    with db.session(tenant_id=tenant_id, actor=Actor(user, f"{role.title()} A")) as session:
        yield session


def office_policy(db: Database, world: World, **fields: object) -> None:
    """Mon-fri 08:00-17:00 in Oslo; complaints: first answer in 3 business hours, solved in 2
    business days (18 h), warnings 30 min before."""
    with session_of(db, world, "admin") as session:
        configuration.save_calendar_in(
            session, "office", "Office hours", "Europe/Oslo", "mon-fri 08:00-17:00", []
        )
        values: dict[str, object] = {
            "name": "Complaints",
            "ticket_type": "complaint",
            "calendar_code": "office",
            "first_response_s": 3 * 3600,
            "resolution_s": 18 * 3600,
            "warn_before_s": 1800,
            **fields,
        }
        configuration.save_policy_in(session, "complaints", values)


def open_complaint(
    db: Database, world: World, now: datetime = FRIDAY_1530, **fields: object
) -> int:
    with session_of(db, world) as session:
        values: dict[str, object] = {
            "subject": "Broken phone",
            "body": "My new phone does not start.",
            "channel": "email",
            "ticket_type": "complaint",
            **fields,
        }
        return service.open_ticket_in(session, now=now, **values).number  # type: ignore[arg-type]


def ticket_row(db: Database, world: World, number: int) -> Ticket:
    with session_of(db, world) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        session.expunge(ticket)
        return ticket


def test_tickets_are_numbered_per_tenant_and_invisible_to_other_tenants(
    db: Database, world: World
) -> None:
    assert open_complaint(db, world) == 1
    assert open_complaint(db, world) == 2
    with session_of(db, world, tenant="b") as session:
        number = service.open_ticket_in(
            session, subject="Hello", body="Hi", channel="web", ticket_type="question"
        ).number
        assert number == 1
        assert service.ticket_view_in(session, 1).summary.subject == "Hello"
        with pytest.raises(NotFound):
            service.ticket_view_in(session, 2)
        assert [t.number for t in service.list_tickets_in(session, "all")] == [1]


def test_first_response_is_due_three_business_hours_later_across_the_weekend(
    db: Database, world: World
) -> None:
    office_policy(db, world)
    number = open_complaint(db, world)
    ticket = ticket_row(db, world, number)
    assert ticket.first_response_due_at == oslo(2026, 3, 9, 9, 30)  # Friday 1.5 h + Monday 1.5 h
    assert ticket.resolution_due_at == oslo(2026, 3, 10, 15, 30)  # 1.5 + 9 + 7.5 hours
    assert ticket.sla_due_at == ticket.first_response_due_at
    assert ticket.sla_check_at == oslo(2026, 3, 9, 9, 0)  # the warning, 30 minutes before


def test_a_holiday_moves_the_deadline_to_the_next_business_day(db: Database, world: World) -> None:
    office_policy(db, world)
    with session_of(db, world, "admin") as session:
        configuration.save_calendar_in(
            session, "office", "Office hours", "Europe/Oslo", "mon-fri 08:00-17:00",
            [date(2026, 3, 9)],
        )  # fmt: skip
    number = open_complaint(db, world)
    assert ticket_row(db, world, number).first_response_due_at == oslo(2026, 3, 10, 9, 30)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (oslo(2026, 3, 3, 15, 59), oslo(2026, 3, 3, 18, 0)),  # Tuesday before the cut-off
        (oslo(2026, 3, 3, 16, 0), oslo(2026, 3, 4, 18, 0)),  # at the cut-off: next day
        (oslo(2026, 3, 6, 17, 0), oslo(2026, 3, 9, 18, 0)),  # Friday evening: Monday
        (oslo(2026, 3, 7, 11, 0), oslo(2026, 3, 9, 18, 0)),  # Saturday: Monday
    ],
)
def test_e_mail_before_four_is_answered_by_six_the_same_business_day(
    db: Database, world: World, received: datetime, due: datetime
) -> None:
    with session_of(db, world, "admin") as session:
        configuration.save_calendar_in(
            session, "office", "Office hours", "Europe/Oslo", "mon-fri 08:00-18:00", []
        )
        configuration.save_policy_in(
            session,
            "email",
            {
                "name": "E-mail",
                "ticket_type": "email",
                "calendar_code": "office",
                "first_response_cutoff_minute": 16 * 60,
                "first_response_due_minute": 18 * 60,
            },
        )
    number = open_complaint(db, world, received, ticket_type="email")
    assert ticket_row(db, world, number).first_response_due_at == due


def test_a_reply_stops_the_first_response_clock_and_a_note_does_not(
    db: Database, world: World
) -> None:
    office_policy(db, world)
    number = open_complaint(db, world)
    with session_of(db, world) as session:
        view = service.ticket_view_in(session, number, now=FRIDAY_1530)
        service.reply_in(
            session, number, "We look into it.", version=view.version, internal=True,
            now=FRIDAY_1530 + timedelta(minutes=5),
        )  # fmt: skip
    assert ticket_row(db, world, number).first_response_at is None
    with session_of(db, world) as session:
        version = service.ticket_view_in(session, number).version
        service.reply_in(
            session, number, "Please send the receipt.", version=version,
            now=FRIDAY_1530 + timedelta(minutes=10),
        )  # fmt: skip
    ticket = ticket_row(db, world, number)
    assert ticket.first_response_at == FRIDAY_1530 + timedelta(minutes=10)
    assert ticket.sla_due_at == ticket.resolution_due_at
    assert ticket.assignee_user_id == world.users["agent"]  # the first to answer takes it
    assert ticket.status == "open"
    assert ticket.sla_marks == {}


def test_a_reply_from_an_out_of_date_view_is_refused_and_nothing_is_sent_twice(
    db: Database, world: World
) -> None:
    number = open_complaint(db, world)
    with session_of(db, world, "agent") as session:
        seen_by_both = service.ticket_view_in(session, number).version
    with session_of(db, world, "supervisor") as session:
        service.reply_in(session, number, "Answer one.", version=seen_by_both)
    with session_of(db, world, "agent") as session, pytest.raises(Conflict) as refused:
        service.reply_in(session, number, "Answer two.", version=seen_by_both)
    assert "Supervisor A" in refused.value.detail
    assert "T-1" in refused.value.detail
    with session_of(db, world) as session:
        replies = session.scalars(
            select(TicketMessage.body).where(TicketMessage.kind == "reply")
        ).all()
    assert replies == ["Answer one."]


def test_waiting_for_the_customer_pauses_the_clocks_until_they_write(
    db: Database, world: World
) -> None:
    office_policy(db, world)
    monday_0800 = oslo(2026, 3, 9, 8, 0)
    number = open_complaint(db, world, monday_0800)
    with session_of(db, world) as session:
        version = service.ticket_view_in(session, number).version
        service.reply_in(session, number, "Which model?", version=version, now=monday_0800)
        version = service.ticket_view_in(session, number).version
        service.change_status_in(
            session, number, "waiting_customer", version=version, now=oslo(2026, 3, 9, 9, 0)
        )
    paused = ticket_row(db, world, number)
    assert paused.sla_due_at is None
    assert paused.resolution_due_at is None  # unknown while the clock stands still
    with session_of(db, world) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        service.add_customer_message_in(
            session, ticket, "It is the X200.", author_label="Kari",
            now=oslo(2026, 3, 9, 11, 0),
        )  # fmt: skip
    resumed = ticket_row(db, world, number)
    assert resumed.status == "open"
    # 18 business hours from Monday 08:00 is Tuesday 17:00; paused 2 hours: Wednesday 10:00.
    assert resumed.resolution_due_at == oslo(2026, 3, 11, 10, 0)
    assert resumed.awaiting_reply_since == oslo(2026, 3, 9, 11, 0)


def test_the_scan_raises_each_warning_and_breach_once_without_changing_the_version(
    db: Database, world: World
) -> None:
    office_policy(db, world)
    number = open_complaint(db, world)
    version = ticket_row(db, world, number).version
    assert scanner.scan_sla(db, oslo(2026, 3, 9, 8, 59)).warnings == 0
    warned = scanner.scan_sla(db, oslo(2026, 3, 9, 9, 1))
    assert (warned.tickets, warned.warnings, warned.breaches) == (1, 1, 0)
    assert scanner.scan_sla(db, oslo(2026, 3, 9, 9, 2)).tickets == 0
    breached = scanner.scan_sla(db, oslo(2026, 3, 9, 9, 31))
    assert (breached.warnings, breached.breaches) == (0, 1)
    ticket = ticket_row(db, world, number)
    assert ticket.sla_breached
    assert ticket.sla_marks == {"first_response": "breached"}
    assert ticket.version == version  # an agent's open view is still current
    with session_of(db, world) as session:
        kinds = [a.kind for a in service.ticket_view_in(session, number).activities]
    assert kinds.count("sla_warning") == 1
    assert kinds.count("sla_breached") == 1


def test_solving_needs_an_outcome_and_only_allowed_transitions_pass(
    db: Database, world: World
) -> None:
    number = open_complaint(db, world)
    with session_of(db, world) as session:
        version = service.ticket_view_in(session, number).version
        with pytest.raises(InvalidInput) as missing:
            service.change_status_in(session, number, "solved", version=version)
        assert missing.value.field == "outcome"
        service.change_status_in(
            session, number, "solved", version=version, outcome="replacement_no_return"
        )
    with session_of(db, world) as session:
        view = service.ticket_view_in(session, number)
        assert view.outcome == "replacement_no_return"
        assert view.summary.status_category == "solved"
        assert view.resolved_at is not None
        service.change_status_in(session, number, "closed", version=view.version)
    with session_of(db, world) as session:
        version = service.ticket_view_in(session, number).version
        with pytest.raises(InvalidInput) as refused:
            service.change_status_in(session, number, "open", version=version)
        assert refused.value.field == "status"


def test_tiered_escalation_moves_the_ticket_to_the_next_line_with_a_reason(
    db: Database, world: World
) -> None:
    with session_of(db, world, "admin") as session:
        back_office = organization.ensure_team_in(session, "Back office").id
        configuration.set_handling_in(session, world.queue_a, "tiered", {3: back_office})
    number = open_complaint(
        db, world, queue_id=world.queue_a, assignee_user_id=world.users["agent"]
    )
    with session_of(db, world) as session:
        version = service.ticket_view_in(session, number).version
        with pytest.raises(InvalidInput):
            service.escalate_in(session, number, version=version, tier=3, reason=" ")
        service.escalate_in(session, number, version=version, tier=3, reason="Refund approval")
    ticket = ticket_row(db, world, number)
    assert (ticket.tier, ticket.team_id, ticket.escalations) == (3, back_office, 1)
    assert ticket.assignee_user_id is None
    assert ticket.first_assignee_user_id == world.users["agent"]


def test_first_contact_ownership_keeps_the_case_with_its_first_agent(
    db: Database, world: World
) -> None:
    with session_of(db, world, "admin") as session:
        configuration.set_handling_in(session, world.queue_a, "ownership", {})
    number = open_complaint(
        db, world, queue_id=world.queue_a, assignee_user_id=world.users["agent"]
    )
    with session_of(db, world, "supervisor") as session:
        version = service.ticket_view_in(session, number).version
        with pytest.raises(Conflict):
            service.escalate_in(session, number, version=version, tier=2, reason="Too hard")
        with pytest.raises(Conflict):
            service.assign_in(
                session, number, version=version, assignee_user_id=world.users["supervisor"]
            )


def test_lists_put_the_most_urgent_first_and_keep_views_apart(db: Database, world: World) -> None:
    office_policy(db, world)
    late = open_complaint(db, world, oslo(2026, 3, 9, 8, 0))
    early = open_complaint(db, world, oslo(2026, 3, 9, 9, 0), assignee_user_id=world.users["agent"])
    question = open_complaint(db, world, oslo(2026, 3, 9, 7, 0), ticket_type="question")
    with session_of(db, world) as session:
        now = oslo(2026, 3, 9, 10, 30)
        every = service.list_tickets_in(session, "all", now=now)
        assert [t.number for t in every] == [late, early, question]  # no policy: last
        mine = service.list_tickets_in(session, "mine", user_id=world.users["agent"], now=now)
        assert [t.number for t in mine] == [early]
        at_risk = service.list_tickets_in(session, "at_risk", now=now)
        assert [(t.number, t.sla_state) for t in at_risk] == [(late, "at_risk")]
        breached = service.list_tickets_in(session, "breached", now=oslo(2026, 3, 9, 11, 1))
        assert [(t.number, t.sla_state) for t in breached] == [(late, "breached")]


def test_a_tenant_workflow_is_checked_whole_and_keeps_statuses_in_use(
    db: Database, world: World
) -> None:
    number = open_complaint(db, world)
    stored = {
        "statuses": [
            {"code": "received", "category": "new"},
            {"code": "in_progress", "category": "open", "label": "In progress"},
            {"code": "done", "category": "solved"},
        ],
        "transitions": {"received": ["in_progress"], "in_progress": ["done"]},
        "types": [{"code": "complaint"}],
        "outcomes": [{"code": "fixed", "label": "Fixed"}],
    }
    with session_of(db, world, "admin") as session, pytest.raises(InvalidInput) as in_use:
        configuration.set_workflow_in(session, stored)
    assert "new" in in_use.value.detail
    with session_of(db, world, "admin") as session, pytest.raises(InvalidInput) as unknown:
        configuration.set_workflow_in(session, {**stored, "transitions": {"received": ["nowhere"]}})
    assert unknown.value.field == "transitions"
    with session_of(db, world, "admin") as session:
        session.query(Ticket).filter(Ticket.number == number).delete()
        flow = configuration.set_workflow_in(session, stored)
    assert flow.initial.code == "received"
    number = open_complaint(db, world)
    with session_of(db, world) as session:
        view = service.ticket_view_in(session, number)
        assert view.summary.status == "received"
        assert [c.label for c in view.next_statuses] == ["In progress"]


def test_ticket_steps_land_in_the_event_log_and_the_kpis_come_from_it(
    db: Database, world: World
) -> None:
    office_policy(db, world)
    monday = oslo(2026, 3, 9, 8, 0)
    solved_by_first = open_complaint(db, world, monday)
    escalated = open_complaint(db, world, monday + timedelta(minutes=5))
    late = open_complaint(db, world, monday + timedelta(minutes=10))
    with session_of(db, world) as session:
        for number in (solved_by_first, escalated):
            service.reply_in(
                session, number, "On it.", version=None, now=monday + timedelta(hours=1)
            )
        service.change_status_in(session, solved_by_first, "solved", version=None,
                                 outcome="answered", now=monday + timedelta(hours=2))  # fmt: skip
        service.escalate_in(session, escalated, version=None, tier=2, reason="Refund",
                            now=monday + timedelta(hours=2))  # fmt: skip
    assert scanner.scan_sla(db, oslo(2026, 3, 9, 11, 30)).breaches == 1  # the unanswered one
    with session_of(db, world) as session:
        kinds = session.scalars(
            select(TicketEventRecord.event_type)
            .where(TicketEventRecord.ticket_id == f"T-{late}")
            .order_by(TicketEventRecord.id)
        ).all()
    assert list(kinds) == ["opened", "sla_breached"]  # past the warning already: no warning
    query = KpiQuery(
        date(2026, 3, 9), date(2026, 3, 9),
        kpi_ids=("tickets_opened", "tickets_resolved", "resolution_by_first_agent",
                 "escalation_rate", "ticket_sla_breach_rate"),
    )  # fmt: skip
    [row] = kpis.tenant_kpis(db, world.tenant_a, "alpha", "Europe/Oslo", query).table.to_pylist()
    assert row == {
        "tickets_opened": 3,
        "tickets_resolved": 1,
        "resolution_by_first_agent": 1.0,
        "escalation_rate": pytest.approx(1 / 3),
        "ticket_sla_breach_rate": pytest.approx(1 / 3),
    }
