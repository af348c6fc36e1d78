"""Hashed API tokens: shown once, act as their owner in one tenant, can be revoked."""

from __future__ import annotations

from sqlalchemy import event, select

from contactops.platform.database import Database
from contactops.platform.identity import ApiToken
from tests.conftest import World, corrupted, login, page_csrf


def _new_token(client, name: str = "reporting") -> dict:
    response = client.post(
        "/api/v1/tokens", json={"name": name}, headers={"X-CSRF-Token": page_csrf(client)}
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_a_token_works_as_its_owner_and_is_stored_hashed(
    client_factory, db: Database, world: World
) -> None:
    created = _new_token(login(client_factory(), world.email("manager")))
    api = client_factory()
    headers = {"Authorization": f"Bearer {created['token']}"}
    me = api.get("/api/v1/me", headers=headers).json()
    assert (me["email"], me["role"], me["authenticated_by"]) == (
        world.email("manager"),
        "manager",
        "token",
    )
    # Writes with a token need no CSRF token: no cookie is involved.
    assert (
        api.patch(
            f"/api/v1/queues/{world.queue_a}", json={"name": "Via token"}, headers=headers
        ).status_code
        == 200
    )
    with db.session(tenant_id=world.tenant_a) as session:
        stored = session.scalar(select(ApiToken))
    assert stored is not None and created["token"] not in (stored.secret_hash, stored.prefix)
    assert "token" not in api.get("/api/v1/tokens", headers=headers).json()[0]


def test_revoked_and_forged_tokens_are_refused(client_factory, world: World) -> None:
    owner = login(client_factory(), world.email("admin"))
    created = _new_token(owner)
    api = client_factory()
    forged = corrupted(created["token"])
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    owner.delete(f"/api/v1/tokens/{created['id']}", headers={"X-CSRF-Token": page_csrf(owner)})
    response = api.get("/api/v1/me", headers={"Authorization": f"Bearer {created['token']}"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_a_token_loses_its_power_with_its_owners_membership(client_factory, world: World) -> None:
    created = _new_token(login(client_factory(), world.email("qa")))
    admin = login(client_factory(), world.email("admin"))
    admin.delete(f"/api/v1/users/{world.users['qa']}", headers={"X-CSRF-Token": page_csrf(admin)})
    response = client_factory().get(
        "/api/v1/me", headers={"Authorization": f"Bearer {created['token']}"}
    )
    assert response.status_code == 401


def test_the_account_page_shows_a_new_token_once(client_factory, world: World) -> None:
    client = login(client_factory(), world.email("agent"))
    response = client.post(
        "/account/tokens",
        data={"name": "desk", "expires_in_days": "30", "csrf_token": page_csrf(client, "/account")},
    )
    assert response.status_code == 200 and 'data-testid="new-token"' in response.text
    assert 'data-testid="new-token"' not in client.get("/account").text


def test_a_used_token_is_known_without_reading_the_database_until_something_changes(
    client_factory, db: Database, world: World
) -> None:
    """Resolved credentials are kept for a few seconds; a committed change to roles, tokens or
    users takes effect on the very next request."""
    created = _new_token(login(client_factory(), world.email("qa")))
    api = client_factory()
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert api.get("/api/v1/me", headers=headers).json()["role"] == "qa"

    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert api.get("/api/v1/me", headers=headers).json()["role"] == "qa"
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert not [s for s in statements if "api_token" in s or "membership" in s]

    admin = login(client_factory(), world.email("admin"))
    csrf = {"X-CSRF-Token": page_csrf(admin)}
    changed = admin.patch(f"/api/v1/users/{world.users['qa']}", json={"role": "wfm"}, headers=csrf)
    assert changed.status_code == 200, changed.text
    assert api.get("/api/v1/me", headers=headers).json()["role"] == "wfm"

    owner = login(client_factory(), world.email("qa"))
    owner.delete(f"/api/v1/tokens/{created['id']}", headers={"X-CSRF-Token": page_csrf(owner)})
    assert api.get("/api/v1/me", headers=headers).status_code == 401
