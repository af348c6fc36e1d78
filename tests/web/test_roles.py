"""Each role reaches what it may, and gets 403 elsewhere; strangers get 401 or the login page."""

from __future__ import annotations

import pytest

from contactops.platform.auth import ROLE_PERMISSIONS, Permission
from contactops.platform.identity import Role
from tests.conftest import World, login
from tests.web.test_staffing import ERLANG_C_80_20

# (method, path template, permission it needs, JSON body for writes)
API_ENDPOINTS = [
    ("GET", "/api/v1/me", Permission.VIEW_HOME, None),
    ("GET", "/api/v1/tokens", Permission.MANAGE_OWN_TOKENS, None),
    ("GET", "/api/v1/users", Permission.MANAGE_USERS, None),
    (
        "POST",
        "/api/v1/users",
        Permission.MANAGE_USERS,
        {"email": "new@a.example", "display_name": "New", "role": "agent"},
    ),
    ("PATCH", "/api/v1/users/{agent}", Permission.MANAGE_USERS, {"role": "qa"}),
    ("PATCH", "/api/v1/tenant", Permission.MANAGE_TENANT, {"name": "Renamed"}),
    ("GET", "/api/v1/audit", Permission.VIEW_AUDIT, None),
    ("GET", "/api/v1/queues", Permission.VIEW_RUN, None),
    ("PATCH", "/api/v1/queues/{queue}", Permission.CONFIGURE_CENTER, {"name": "Renamed"}),
    ("GET", "/api/v1/agents", Permission.VIEW_RUN, None),
    (
        "POST",
        "/api/v1/staffing",
        Permission.VIEW_PLAN,
        {"rows": [ERLANG_C_80_20]},
    ),
]
PAGES = [
    ("/", Permission.VIEW_HOME),
    ("/plan", Permission.VIEW_PLAN),
    ("/plan/staffing", Permission.VIEW_PLAN),
    ("/run", Permission.VIEW_RUN),
    ("/run/queues", Permission.VIEW_RUN),
    ("/measure", Permission.VIEW_MEASURE),
    ("/admin/users", Permission.MANAGE_USERS),
    ("/admin/tenant", Permission.MANAGE_TENANT),
    ("/admin/audit", Permission.VIEW_AUDIT),
    ("/account", Permission.MANAGE_OWN_TOKENS),
]


def _path(template: str, world: World) -> str:
    return template.format(agent=world.users["agent"], queue=world.queue_a)


def _token_client(client_factory, world: World, role: Role):
    client = login(client_factory(), world.email(role))
    from tests.conftest import page_csrf

    token = client.post(
        "/api/v1/tokens", json={"name": "t"}, headers={"X-CSRF-Token": page_csrf(client)}
    ).json()["token"]
    api = client_factory()
    api.headers["Authorization"] = f"Bearer {token}"
    return api


@pytest.mark.parametrize("role", list(Role))
def test_api_answers_403_exactly_where_the_role_lacks_the_permission(
    client_factory, world: World, role: Role
) -> None:
    api = _token_client(client_factory, world, role)
    for method, template, permission, body in API_ENDPOINTS:
        response = api.request(method, _path(template, world), json=body)
        allowed = permission in ROLE_PERMISSIONS[role]
        if allowed:
            assert response.status_code < 400, (role, method, template, response.text)
        else:
            assert response.status_code == 403, (role, method, template, response.text)
            assert response.json()["status"] == 403


@pytest.mark.parametrize("role", list(Role))
def test_pages_answer_403_exactly_where_the_role_lacks_the_permission(
    client_factory, world: World, role: Role
) -> None:
    client = login(client_factory(), world.email(role))
    for path, permission in PAGES:
        response = client.get(path)
        expected = 200 if permission in ROLE_PERMISSIONS[role] else 403
        assert response.status_code == expected, (role, path)
        if expected == 403:
            assert "Your role does not allow this." in response.text
            assert "Traceback" not in response.text


def test_strangers_get_401_from_the_api_and_the_login_page_elsewhere(
    client_factory, world: World
) -> None:
    client = client_factory()
    for method, template, _permission, body in API_ENDPOINTS:
        response = client.request(method, _path(template, world), json=body)
        assert response.status_code == 401, (method, template)
        assert response.headers["content-type"] == "application/problem+json"
    for path, _permission in PAGES:
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_navigation_shows_only_what_the_role_may_open(client_factory, world: World) -> None:
    agent_home = login(client_factory(), world.email("agent")).get("/").text
    assert 'data-section="run"' in agent_home
    assert 'data-section="admin"' not in agent_home and 'data-section="plan"' not in agent_home
    admin_home = login(client_factory(), world.email("admin")).get("/").text
    for section in ("plan", "run", "measure", "admin"):
        assert f'data-section="{section}"' in admin_home


def test_every_role_has_a_permission_set() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)
    assert Permission.MANAGE_USERS not in ROLE_PERMISSIONS[Role.CLIENT]
