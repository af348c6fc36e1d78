"""The ticket settings page: business-hours calendars, SLA policies (targets typed in hours or
as a cut-off rule), mailboxes and each queue's handling model — saved through the same services
as the API, errors named at their field with what was typed kept, forms only for the roles
that configure the center."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import update

from contactops.domains.organization import service as organization
from contactops.domains.tickets import configuration
from contactops.domains.tickets.models import Mailbox
from contactops.domains.tickets.settings_pages import (
    clock_text,
    duration_text,
    first_response_text,
    parse_holidays,
)
from contactops.platform.audit import Actor
from contactops.platform.database import Database
from contactops.platform.errors import InvalidInput
from contactops.platform.i18n import format_local_datetime, use_locale
from tests.conftest import World, csrf_from, login

PAGE = "/run/ticket-settings"
API = "/api/v1/ticket-settings"
FORMS = ("calendar-form", "policy-form", "mailbox-form", "handling-form-billing")


def _manager(client_factory: Any, world: World) -> tuple[Any, str]:
    client = login(client_factory(), world.email("manager"))
    page = client.get(PAGE)
    assert page.status_code == 200, page.text
    return client, csrf_from(page.text)


def _calendar_form(token: str, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "code": "office",
        "name": "Office hours",
        "time_zone": "Europe/Oslo",
        "weekly_hours": "mon-fri 08:00-12:00, 13:00-17:00\nsat 09:00-13:00",
        "holidays": "2026-12-24, 2026-12-25\n2026-12-31",
        **changes,
    }


def _policy_form(token: str, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "code": "complaints",
        "name": "Complaints",
        "position": "10",
        "ticket_type": "complaint",
        "priority": "",
        "customer_tier": "",
        "calendar_code": "",
        "first_response_hours": "3",
        "first_response_cutoff": "",
        "first_response_due": "",
        "next_response_hours": "0,5",
        "resolution_hours": "18",
        "warn_before_minutes": "30",
        "is_active": "on",
        **changes,
    }


def _mailbox_form(token: str, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "address": "Support@Alpha.example",
        "display_name": "Alpha support",
        "ticket_type": "email",
        "imap_host": "imap.alpha.example",
        "imap_port": "993",
        "imap_security": "ssl",
        "imap_username": "support@alpha.example",
        "imap_password_env": "ALPHA_IMAP_PASSWORD",
        "imap_folder": "INBOX",
        "processed_folder": "Done",
        "smtp_host": "smtp.alpha.example",
        "smtp_port": "587",
        "smtp_security": "starttls",
        "smtp_username": "",
        "smtp_password_env": "",
        "auto_acknowledge": "on",
        "is_active": "on",
        **changes,
    }


def _policies(client: Any) -> dict[str, dict[str, Any]]:
    return {p["code"]: p for p in client.get(f"{API}/sla-policies").json()}


def test_targets_read_as_hours_minutes_and_cut_offs() -> None:
    with use_locale("en"):
        assert [duration_text(s) for s in (10800, 1800, 5400, 45, None)] == [
            "3 h", "30 min", "1 h 30 min", "45 s", "—",
        ]  # fmt: skip
        cutoff = configuration.PolicyView(
            1, "mail", "Mail", 1, None, None, None, None, None, 960, 1080, None, None, None, True
        )
        assert first_response_text(cutoff) == "before 16:00 → by 18:00"
    assert clock_text(1440) == "24:00"
    assert parse_holidays("2026-12-25, 2026-12-24\n2026-12-24") == [
        date(2026, 12, 24),
        date(2026, 12, 25),
    ]
    with pytest.raises(InvalidInput) as error:
        parse_holidays("2026-12-24 20261225")
    assert error.value.field == "holidays" and "20261225" in error.value.detail


def test_a_manager_saves_a_calendar_and_changes_it_from_the_page(
    client_factory: Any, world: World
) -> None:
    manager, token = _manager(client_factory, world)
    saved = manager.post(f"{PAGE}/calendars", data=_calendar_form(token))
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"].startswith(PAGE)
    [calendar] = manager.get(f"{API}/calendars").json()
    assert calendar["time_zone"] == "Europe/Oslo" and calendar["name"] == "Office hours"
    assert calendar["weekly_hours"].splitlines()[1] == "sat 09:00-13:00"
    assert calendar["holidays"] == ["2026-12-24", "2026-12-25", "2026-12-31"]
    page = manager.get(PAGE).text
    assert 'data-calendar="office"' in page and "Calendar office saved." in page
    editing = manager.get(PAGE, params={"calendar": "office"}).text
    form = editing.split('data-testid="calendar-form"')[1].split("</form>")[0]
    assert "mon-fri 08:00-12:00, 13:00-17:00" in form and "2026-12-31" in form
    changed = manager.post(
        f"{PAGE}/calendars",
        data=_calendar_form(token, holidays="", weekly_hours="daily 00:00-24:00"),
    )
    assert changed.status_code == 303, changed.text
    [calendar] = manager.get(f"{API}/calendars").json()
    assert calendar["holidays"] == [] and calendar["weekly_hours"] == "daily 00:00-24:00"


def test_a_new_calendar_starts_in_the_tenant_time_zone(client_factory: Any, world: World) -> None:
    manager, _token = _manager(client_factory, world)
    form = manager.get(PAGE).text.split('data-testid="calendar-form"')[1].split("</form>")[0]
    assert 'name="time_zone" value="Europe/Oslo"' in form


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weekly_hours", "mon-fri 08:00-17:00\nsat 9-13"),
        ("weekly_hours", "someday 08:00-17:00"),
        ("holidays", "2026-12-24\n24.12.2026"),
        ("holidays", "2026-02-30"),
        ("time_zone", "Europe/Atlantis"),
        ("code", "Office Hours"),
    ],
)
def test_a_bad_calendar_is_named_at_its_field_and_nothing_is_stored(
    client_factory: Any, world: World, field: str, value: str
) -> None:
    manager, token = _manager(client_factory, world)
    refused = manager.post(f"{PAGE}/calendars", data=_calendar_form(token, **{field: value}))
    assert refused.status_code == 422, refused.text
    form = refused.text.split('data-testid="calendar-form"')[1].split("</form>")[0]
    assert f'data-field-error="{field}"' in form
    assert value.splitlines()[-1] in form  # what was typed is kept
    assert "Office hours" in form  # and the other fields too
    assert manager.get(f"{API}/calendars").json() == []


def test_a_bad_holiday_is_named(client_factory: Any, world: World) -> None:
    manager, token = _manager(client_factory, world)
    refused = manager.post(
        f"{PAGE}/calendars", data=_calendar_form(token, holidays="2026-12-24, 31.12.2026")
    )
    assert refused.status_code == 422
    error = refused.text.split('data-field-error="holidays"')[1].split("</div>")[0]
    assert "31.12.2026" in error and "YYYY-MM-DD" in error


def test_policies_with_business_hours_and_with_a_cut_off_rule(
    client_factory: Any, world: World
) -> None:
    manager, token = _manager(client_factory, world)
    assert manager.post(f"{PAGE}/calendars", data=_calendar_form(token)).status_code == 303
    hours = manager.post(
        f"{PAGE}/sla-policies", data=_policy_form(token, calendar_code="office", priority="high")
    )
    assert hours.status_code == 303, hours.text
    cutoff = manager.post(
        f"{PAGE}/sla-policies",
        data=_policy_form(
            token, code="mail", name="E-mail", position="20", ticket_type="email",
            first_response_hours="", first_response_cutoff="16:00", first_response_due="18:00",
            next_response_hours="", resolution_hours="", warn_before_minutes="", is_active="",
            customer_tier="gold",
        ),
    )  # fmt: skip
    assert cutoff.status_code == 303, cutoff.text
    policies = _policies(manager)
    assert {k: policies["complaints"][k] for k in (
        "position", "ticket_type", "priority", "customer_tier", "calendar_code", "first_response_s",
        "first_response_cutoff_minute", "next_response_s", "resolution_s", "warn_before_s",
        "is_active",
    )} == {
        "position": 10, "ticket_type": "complaint", "priority": "high", "customer_tier": None,
        "calendar_code": "office", "first_response_s": 3 * 3600,
        "first_response_cutoff_minute": None, "next_response_s": 1800,
        "resolution_s": 18 * 3600, "warn_before_s": 30 * 60, "is_active": True,
    }  # fmt: skip
    mail = policies["mail"]
    assert (mail["first_response_cutoff_minute"], mail["first_response_due_minute"]) == (960, 1080)
    assert mail["first_response_s"] is None and mail["resolution_s"] is None
    assert mail["customer_tier"] == "gold" and mail["calendar_code"] is None
    assert not mail["is_active"]
    page = manager.get(PAGE).text
    complaints_row = page.split('data-policy="complaints"')[1].split("</tr>")[0]
    assert "3 h" in complaints_row and "30 min" in complaints_row and "18 h" in complaints_row
    assert "Office hours" in complaints_row
    mail_row = page.split('data-policy="mail"')[1].split("</tr>")[0]
    assert "before 16:00 → by 18:00" in mail_row and "Around the clock" in mail_row
    # Changing a policy saves the whole form: the hours give way to a cut-off rule.
    editing = manager.get(PAGE, params={"policy": "complaints"}).text
    form = editing.split('data-testid="policy-form"')[1].split("</form>")[0]
    assert 'name="first_response_hours" value="3"' in form
    assert 'name="next_response_hours" value="0.5"' in form
    switched = manager.post(
        f"{PAGE}/sla-policies",
        data=_policy_form(
            token, first_response_hours="", first_response_cutoff="15:30",
            first_response_due="24:00",
        ),
    )  # fmt: skip
    assert switched.status_code == 303, switched.text
    complaints = _policies(manager)["complaints"]
    assert complaints["first_response_s"] is None
    assert (
        complaints["first_response_cutoff_minute"],
        complaints["first_response_due_minute"],
    ) == (
        930,
        1440,
    )


@pytest.mark.parametrize(
    ("changes", "field", "typed"),
    [
        ({"first_response_hours": "three"}, "first_response_hours", "three"),
        ({"first_response_hours": "0"}, "first_response_hours", "0"),
        (  # both a business time and a cut-off rule
            {"first_response_cutoff": "16:00", "first_response_due": "18:00"},
            "first_response_hours",
            "16:00",
        ),
        (
            {"first_response_hours": "", "first_response_cutoff": "16:00"},
            "first_response_due",
            "16:00",
        ),
        (
            {
                "first_response_hours": "",
                "first_response_cutoff": "4pm",
                "first_response_due": "18:00",
            },
            "first_response_cutoff",
            "4pm",
        ),
        ({"warn_before_minutes": "soon"}, "warn_before_minutes", "soon"),
        ({"position": "-1"}, "position", "-1"),
        ({"calendar_code": "nowhere"}, "calendar_code", "nowhere"),
        ({"ticket_type": "gossip"}, "ticket_type", "gossip"),
        ({"name": ""}, "name", "complaints"),
    ],
)
def test_a_bad_policy_is_named_at_its_field_and_nothing_is_stored(
    client_factory: Any, world: World, changes: dict[str, str], field: str, typed: str
) -> None:
    manager, token = _manager(client_factory, world)
    refused = manager.post(f"{PAGE}/sla-policies", data=_policy_form(token, **changes))
    assert refused.status_code == 422, refused.text
    form = refused.text.split('data-testid="policy-form"')[1].split("</form>")[0]
    assert f'data-field-error="{field}"' in form and typed in form
    assert _policies(manager) == {}


def test_a_manager_saves_a_mailbox_and_sees_how_it_reads(
    client_factory: Any, db: Database, world: World
) -> None:
    manager, token = _manager(client_factory, world)
    saved = manager.post(f"{PAGE}/mailboxes", data=_mailbox_form(token))
    assert saved.status_code == 303, saved.text
    [mailbox] = manager.get(f"{API}/mailboxes").json()
    assert mailbox["address"] == "support@alpha.example"
    assert {k: mailbox[k] for k in (
        "display_name", "imap_host", "imap_port", "imap_password_env", "processed_folder",
        "smtp_port", "smtp_security", "smtp_username", "smtp_password_env", "ticket_type",
        "auto_acknowledge", "is_active",
    )} == {
        "display_name": "Alpha support", "imap_host": "imap.alpha.example", "imap_port": 993,
        "imap_password_env": "ALPHA_IMAP_PASSWORD", "processed_folder": "Done", "smtp_port": 587,
        "smtp_security": "starttls", "smtp_username": None, "smtp_password_env": None,
        "ticket_type": "email", "auto_acknowledge": True, "is_active": True,
    }  # fmt: skip
    page = manager.get(PAGE).text
    row = page.split('data-mailbox="support@alpha.example"')[1].split("</tr>")[0]
    assert "not yet" in row
    assert "the server reads it from this environment variable" in page
    polled = datetime(2026, 3, 13, 14, 30, tzinfo=UTC)
    with db.session(tenant_id=world.tenant_a, actor=Actor.system("test")) as session:
        session.execute(
            update(Mailbox).values(
                last_polled_at=polled,
                last_error="login refused",
            )
        )
    row = manager.get(PAGE).text.split('data-mailbox="support@alpha.example"')[1].split("</tr>")[0]
    with use_locale("en"):
        shown = format_local_datetime(polled, "Europe/Oslo", "short")
    assert "3:30" in shown and shown in row and "login refused" in row  # in Oslo's time
    stopped = manager.post(
        f"{PAGE}/mailboxes",
        data=_mailbox_form(
            token, address="support@alpha.example", is_active="", processed_folder=""
        ),
    )
    assert stopped.status_code == 303, stopped.text
    [mailbox] = manager.get(f"{API}/mailboxes").json()
    assert not mailbox["is_active"] and mailbox["processed_folder"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("imap_password_env", "my secret password"),
        ("address", "not-an-address"),
        ("imap_port", "99999"),
        ("imap_host", ""),
    ],
)
def test_a_bad_mailbox_is_named_at_its_field_and_nothing_is_stored(
    client_factory: Any, world: World, field: str, value: str
) -> None:
    manager, token = _manager(client_factory, world)
    refused = manager.post(f"{PAGE}/mailboxes", data=_mailbox_form(token, **{field: value}))
    assert refused.status_code == 422, refused.text
    form = refused.text.split('data-testid="mailbox-form"')[1].split("</form>")[0]
    assert f'data-field-error="{field}"' in form and f'value="{value}"' in form
    assert manager.get(f"{API}/mailboxes").json() == []


def test_a_queue_changes_its_handling_model_and_keeps_its_tier_teams(
    client_factory: Any, db: Database, world: World
) -> None:
    with db.session(tenant_id=world.tenant_a, actor=Actor.system("test")) as session:
        team_id = organization.ensure_team_in(session, "Back office").id
        configuration.set_handling_in(session, world.queue_a, "tiered", {3: team_id})
    manager, token = _manager(client_factory, world)
    page = manager.get(PAGE).text
    row = page.split('data-queue="billing"')[1].split("</tr>")[0]
    assert 'value="tiered" selected' in row
    saved = manager.post(
        f"{PAGE}/queues/{world.queue_a}/handling", data={"csrf_token": token, "model": "ownership"}
    )
    assert saved.status_code == 303, saved.text
    handling = manager.get(f"{API}/queues/{world.queue_a}/handling").json()
    assert handling == {"model": "ownership", "tier_team_ids": {"3": team_id}}
    refused = manager.post(
        f"{PAGE}/queues/{world.queue_a}/handling", data={"csrf_token": token, "model": "chaos"}
    )
    assert refused.status_code == 422
    assert 'data-field-error="model"' in refused.text.split('data-queue="billing"')[1]
    other_tenant = manager.post(
        f"{PAGE}/queues/{world.queue_b}/handling", data={"csrf_token": token, "model": "tiered"}
    )
    assert other_tenant.status_code == 404
    assert manager.get(f"{API}/queues/{world.queue_a}/handling").json()["model"] == "ownership"


def test_an_agent_only_reads_the_settings(client_factory: Any, world: World) -> None:
    manager, token = _manager(client_factory, world)
    assert manager.post(f"{PAGE}/calendars", data=_calendar_form(token)).status_code == 303
    assert 'data-testid="ticket-settings-link"' in manager.get("/run/tickets").text
    agent = login(client_factory(), world.email("agent"))
    page = agent.get(PAGE)
    assert page.status_code == 200 and 'data-calendar="office"' in page.text
    assert not [f for f in FORMS if f'data-testid="{f}"' in page.text]
    assert 'action="/run/ticket-settings' not in page.text
    assert 'data-testid="ticket-settings-link"' not in agent.get("/run/tickets").text
    agent_token = csrf_from(page.text)
    for path, form in (
        (f"{PAGE}/calendars", _calendar_form(agent_token, name="Mine")),
        (f"{PAGE}/sla-policies", _policy_form(agent_token)),
        (f"{PAGE}/mailboxes", _mailbox_form(agent_token)),
        (
            f"{PAGE}/queues/{world.queue_a}/handling",
            {"csrf_token": agent_token, "model": "ownership"},
        ),
    ):
        assert agent.post(path, data=form).status_code == 403, path
    assert manager.get(f"{API}/calendars").json()[0]["name"] == "Office hours"
    assert _policies(manager) == {} and manager.get(f"{API}/mailboxes").json() == []
    assert manager.get(f"{API}/queues/{world.queue_a}/handling").json()["model"] == "tiered"


def test_every_form_needs_its_csrf_token(client_factory: Any, world: World) -> None:
    manager, token = _manager(client_factory, world)
    for path, form in (
        (f"{PAGE}/calendars", _calendar_form(token)),
        (f"{PAGE}/sla-policies", _policy_form(token)),
        (f"{PAGE}/mailboxes", _mailbox_form(token)),
        (f"{PAGE}/queues/{world.queue_a}/handling", {"csrf_token": token, "model": "ownership"}),
    ):
        del form["csrf_token"]
        assert manager.post(path, data=form).status_code == 403, path
        assert manager.post(path, data={**form, "csrf_token": "forged"}).status_code == 403, path
    assert manager.get(f"{API}/calendars").json() == []
    assert manager.get(f"{API}/queues/{world.queue_a}/handling").json()["model"] == "tiered"


def test_the_page_is_in_the_run_menu_for_everyone_who_sees_run(
    client_factory: Any, world: World
) -> None:
    for role in ("agent", "qa", "manager"):
        run = login(client_factory(), world.email(role)).get("/run").text
        assert run.index('href="/run/tickets"') < run.index('href="/run/ticket-settings"'), role
    client = login(client_factory(), world.email("client"))
    assert client.get(PAGE).status_code == 403
