"""The live center's settings pages: a queue's routing (every setting on one form, opening
hours as text lines) and the tenant's not-ready reasons and wrap-up codes — saved whole or not
at all, errors named at their field, changes audited and seen by the agents' desktops."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from contactops.domains.live import service
from contactops.domains.live.pages import format_opening_hours, parse_opening_hours
from contactops.domains.organization import service as organization
from contactops.platform.audit import Actor, AuditEntry
from contactops.platform.auth import Scope
from contactops.platform.database import Database
from contactops.platform.errors import InvalidInput
from tests.conftest import World, csrf_from, login

ROUTING = "/run/queues/sales/routing"


@pytest.fixture
def configured(db: Database, world: World) -> World:
    """Alpha: queues sales (skill sales) and support (skill support); the agent user is a1."""
    with db.session(tenant_id=world.tenant_a, actor=Actor.system("test")) as session:
        organization.create_queue_in(session, code="sales", name="Sales", skill_code="sales")
        organization.create_queue_in(session, code="support", name="Support", skill_code="support")
        organization.create_agent_in(
            session, code="a1", display_name="Ann", team_name="T",
            skills={"sales": 5, "billing": 3}, user_id=world.users["agent"],
        )  # fmt: skip
    return world


def _scope(world: World) -> Scope:
    return Scope(world.tenant_a, "alpha", "Europe/Oslo", Actor(world.users["admin"], "admin@a"))


def _routing_form(page: str, **changes: str) -> dict[str, str]:
    form = {
        "csrf_token": csrf_from(page),
        "selection": "best_skill",
        "priority": "2",
        "head_start_s": "5",
        "concurrency": "1",
        "sticky_agent": "on",
        "ring_timeout_s": "15",
        "wrapup_limit_s": "",
        "max_wait_s": "600",
        "max_queue_length": "",
        "overflow_after_s": "120",
        "overflow_queue": "",
        "overflow_skill": "billing",
        "callback_offer_after_s": "90",
        "opening_hours": "mon-fri 08:00-16:00, 18:00-20:00\nsat 10:00-14:00",
        "closed_dates": "2026-12-24\n2026-12-25",
    }
    form.update(changes)
    return form


def test_opening_hours_read_and_write_as_lines() -> None:
    hours = parse_opening_hours("Mon-Wed 08:00-12:00; 13:00-16:00\n\nsun 10:00-14:00\n")
    assert hours is not None and set(hours) == {"mon", "tue", "wed", "sun"}
    assert hours["tue"] == [["08:00", "12:00"], ["13:00", "16:00"]]
    assert parse_opening_hours(format_opening_hours(hours)) == hours
    assert parse_opening_hours("  \n") is None and format_opening_hours(None) == ""
    for bad in ("monday 08:00-16:00", "mon", "mon 08:00", "fri-mon 08:00-16:00"):
        with pytest.raises(InvalidInput) as error:
            parse_opening_hours(bad)
        assert error.value.field == "opening_hours", bad


def test_a_manager_sets_every_routing_setting_on_one_form(
    client_factory: Any, db: Database, configured: World
) -> None:
    admin = login(client_factory(), configured.email("admin"))
    page = admin.get(ROUTING)
    assert page.status_code == 200 and 'data-testid="routing-form"' in page.text
    assert 'value="support"' in page.text and 'value="billing"' in page.text
    saved = admin.post(ROUTING, data=_routing_form(page.text), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    settings = service.queue_routing(db, _scope(configured), "sales")
    assert (settings.selection, settings.priority, settings.head_start_s) == ("best_skill", 2, 5)
    assert (settings.ring_timeout_s, settings.wrapup_limit_s, settings.max_wait_s) == (
        15,
        None,
        600,
    )
    assert (settings.overflow_after_s, settings.overflow_skill_code) == (120, "billing")
    assert settings.callback_offer_after_s == 90 and not settings.callback_when_full
    assert settings.sticky_agent and settings.closed_dates == ("2026-12-24", "2026-12-25")
    assert settings.opening_hours is not None and settings.opening_hours["fri"] == [
        ["08:00", "16:00"], ["18:00", "20:00"]
    ] and "sun" not in settings.opening_hours  # fmt: skip
    again = admin.get(ROUTING).text
    assert "mon 08:00-16:00, 18:00-20:00" in again and "2026-12-24" in again
    with db.session(tenant_id=configured.tenant_a) as session:
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "queue_routing")
        ).all()
    assert audited and audited[-1].actor_user_id == configured.users["admin"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("opening_hours", "mon 16:00-08:00"),
        ("opening_hours", "someday 08:00-16:00"),
        ("closed_dates", "24.12.2026"),
        ("ring_timeout_s", "1"),
        ("max_wait_s", "ten"),
        ("overflow_queue", "nowhere"),
    ],
)
def test_a_bad_routing_setting_is_named_and_nothing_is_stored(
    client_factory: Any, db: Database, configured: World, field: str, value: str
) -> None:
    admin = login(client_factory(), configured.email("admin"))
    page = admin.get(ROUTING).text
    refused = admin.post(ROUTING, data=_routing_form(page, **{field: value}))
    assert refused.status_code == 422, refused.text
    assert f'data-field-error="{field}"' in refused.text
    assert value in refused.text or field in ("max_wait_s", "ring_timeout_s")  # typed text kept
    settings = service.queue_routing(db, _scope(configured), "sales")
    assert settings.selection == "longest_idle" and settings.max_wait_s is None


def test_only_managers_change_routing_and_agents_only_look(
    client_factory: Any, configured: World
) -> None:
    agent = login(client_factory(), configured.email("agent"))
    page = agent.get(ROUTING)
    assert (
        page.status_code == 200
        and "disabled" in page.text
        and "<button" not in page.text.split('data-testid="routing-form"')[1].split("</form>")[0]
    )
    assert agent.post(ROUTING, data=_routing_form(page.text)).status_code == 403
    assert agent.get("/run/queues/nowhere/routing").status_code == 404


def test_reason_codes_are_added_renamed_and_retired_and_the_desktop_follows(
    client_factory: Any, db: Database, configured: World
) -> None:
    admin = login(client_factory(), configured.email("admin"))
    page = admin.get("/run/reason-codes")
    assert page.status_code == 200 and 'data-code="meeting"' in page.text
    token = csrf_from(page.text)
    agent_id = service.agent_id_of(db, configured.tenant_a, "a1")
    before = service.desktop(db, configured.tenant_a, agent_id)  # the center is loaded now

    def save(**form: str) -> Any:
        return admin.post("/run/reason-codes", data={"csrf_token": token, **form},
                          follow_redirects=False)  # fmt: skip

    assert (
        save(kind="not_ready", code="team_meeting", label="Team meeting", active="on").status_code
        == 303
    )
    assert save(kind="not_ready", code="training", label="Course").status_code == 303  # retired
    assert save(kind="wrapup", code="resolved", label="Solved", active="on").status_code == 303
    desk = service.desktop(db, configured.tenant_a, agent_id)
    not_ready = dict(desk.not_ready_reasons)
    assert not_ready["team_meeting"] == "Team meeting" and "training" not in not_ready
    assert "meeting" in not_ready and len(not_ready) == len(dict(before.not_ready_reasons))
    assert dict(desk.wrapup_codes)["resolved"] == "Solved"
    with pytest.raises(InvalidInput) as retired:  # an agent may pick active codes only
        service.set_presence(db, configured.tenant_a, agent_id, "not_ready", "training")
    assert retired.value.field == "reason"
    service.set_presence(db, configured.tenant_a, agent_id, "not_ready", "team_meeting")
    assert service.desktop(db, configured.tenant_a, agent_id).reason == "team_meeting"
    with pytest.raises(InvalidInput) as unknown:
        service.wrap_up(db, configured.tenant_a, agent_id, "any", code="made_up")
    assert unknown.value.field == "code"
    listed = {(c.kind, c.code): c for c in service.reason_codes(db, _scope(configured))}
    assert (
        not listed[("not_ready", "training")].is_active and listed[("wrapup", "follow_up")].stored
    )
    with db.session(tenant_id=configured.tenant_a) as session:
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "reason_code")
        ).all()
    assert {e.actor_user_id for e in audited} == {configured.users["admin"]}


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"kind": "not_ready", "code": "Team Meeting", "label": "x"}, "code"),
        ({"kind": "not_ready", "code": "ring_no_answer", "label": "x"}, "code"),
        ({"kind": "mood", "code": "happy", "label": "x"}, "kind"),
        ({"kind": "wrapup", "code": "new_one", "label": ""}, "label"),
    ],
)
def test_a_bad_reason_code_is_refused_by_name(
    client_factory: Any, db: Database, configured: World, form: dict[str, str], field: str
) -> None:
    admin = login(client_factory(), configured.email("admin"))
    token = csrf_from(admin.get("/run/reason-codes").text)
    refused = admin.post("/run/reason-codes", data={"csrf_token": token, "active": "on", **form})
    assert refused.status_code == 422 and 'data-testid="code-error"' in refused.text
    assert not [c for c in service.reason_codes(db, _scope(configured)) if c.stored]


def test_the_last_active_code_of_a_kind_cannot_be_retired(db: Database, configured: World) -> None:
    scope = _scope(configured)
    for code in ("meeting", "training", "coaching", "personal"):
        service.save_reason_code(db, scope, "not_ready", code, "", active=False)
    with pytest.raises(InvalidInput) as error:
        service.save_reason_code(db, scope, "not_ready", "other", "", active=False)
    assert error.value.field == "active"
    assert [
        c.code for c in service.reason_codes(db, scope) if c.is_active and c.kind == "not_ready"
    ] == ["other"]


def test_reason_codes_over_the_api(client_factory: Any, configured: World) -> None:
    admin = login(client_factory(), configured.email("admin"))
    admin.headers["X-CSRF-Token"] = csrf_from(admin.get("/run/reason-codes").text)
    put = admin.put("/api/v1/live/reason-codes/wrapup/sale_made", json={"label": "Sale made"})
    assert put.status_code == 200 and put.json()["label"] == "Sale made"
    codes = admin.get("/api/v1/live/reason-codes").json()
    assert {"kind": "wrapup", "code": "sale_made"}.items() <= next(
        c for c in codes if c["code"] == "sale_made"
    ).items()
    bad = admin.put("/api/v1/live/reason-codes/wrapup/Bad Code", json={"label": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "code"
