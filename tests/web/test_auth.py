"""Signing in and out, sessions, CSRF and login throttling."""

from __future__ import annotations

from sqlalchemy import select

from contactops.platform.auth import SESSION_COOKIE
from contactops.platform.database import Database
from contactops.platform.identity import UserSession
from tests.conftest import PASSWORD, World, corrupted, csrf_from, login, page_csrf


def test_sign_in_lands_on_the_requested_page_and_sign_out_ends_the_session(
    client_factory, db: Database, world: World
) -> None:
    client = client_factory()
    assert client.get("/run/queues").headers["location"] == "/login?next=/run/queues"
    page = client.get("/login?next=/run/queues")
    response = client.post(
        "/login",
        data={
            "email": "ADMIN@a.example ",
            "password": PASSWORD,
            "next": "/run/queues",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/run/queues"
    cookie = client.cookies[SESSION_COOKIE]
    assert "Billing A" in client.get("/run/queues").text

    client.post("/logout", data={"csrf_token": page_csrf(client)})
    assert client.get("/").status_code == 303
    client.cookies.set(SESSION_COOKIE, cookie)  # replaying the old cookie does not work
    assert client.get("/").headers["location"].startswith("/login")
    with db.session(system=True) as session:
        assert all(s.revoked_at for s in session.scalars(select(UserSession)))


def test_the_session_cookie_is_httponly_and_signed(client_factory, world: World) -> None:
    client = client_factory()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": world.email("agent"),
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
        },
    )
    header = response.headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=lax" in header
    tampered = client_factory()
    tampered.cookies.set(SESSION_COOKIE, corrupted(client.cookies[SESSION_COOKIE]))
    assert tampered.get("/").status_code == 303


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client_factory, world: World
) -> None:
    client = client_factory()
    for email in (world.email("admin"), "nobody@a.example"):
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"email": email, "password": "wrong-password", "csrf_token": csrf_from(page.text)},
        )
        assert response.status_code == 401
        assert "The e-mail address or the password is not right." in response.text


def test_brute_force_sign_in_is_throttled_even_with_the_right_password(
    client_factory, world: World
) -> None:
    client = client_factory()
    for _attempt in range(5):
        page = client.get("/login")
        client.post(
            "/login",
            data={
                "email": world.email("admin"),
                "password": "guess",
                "csrf_token": csrf_from(page.text),
            },
        )
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": world.email("admin"),
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert SESSION_COOKIE not in client.cookies
    # Another account from another address is not affected.
    login(client_factory(), world.email("manager"))


def test_sign_in_without_or_with_a_wrong_csrf_token_is_rejected(
    client_factory, world: World
) -> None:
    client = client_factory()
    client.get("/login")
    for token in (None, "forged"):
        data = {"email": world.email("admin"), "password": PASSWORD}
        if token:
            data["csrf_token"] = token
        response = client.post("/login", data=data)
        assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies


def test_forms_without_the_csrf_token_change_nothing(client_factory, world: World) -> None:
    client = login(client_factory(), world.email("admin"))
    good = page_csrf(client)
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": corrupted(good)}):
        response = client.post(
            f"/run/queues/{world.queue_a}",
            data={
                "name": "Hacked",
                "service_level_target_percent": "50",
                "service_level_threshold_s": "5",
                **data,
            },
        )
        assert response.status_code == 403
    assert "Hacked" not in client.get("/run/queues").text
    # The API with the session cookie needs the header form of the token.
    response = client.patch(f"/api/v1/queues/{world.queue_a}", json={"name": "Hacked"})
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    response = client.patch(
        f"/api/v1/queues/{world.queue_a}", json={"name": "Fine"}, headers={"X-CSRF-Token": good}
    )
    assert response.status_code == 200


def test_a_csrf_token_of_another_session_does_not_work(client_factory, world: World) -> None:
    alice = login(client_factory(), world.email("admin"))
    mallory = login(client_factory(), "both@example.org")
    response = alice.post(
        "/admin/users",
        data={
            "email": "x@a.example",
            "display_name": "X",
            "role": "agent",
            "csrf_token": page_csrf(mallory),
        },
    )
    assert response.status_code == 403


def test_sign_in_never_redirects_off_site(client_factory, world: World) -> None:
    client = client_factory()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": world.email("admin"),
            "password": PASSWORD,
            "next": "https://evil.example/",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.headers["location"] == "/"


def test_switching_tenant_changes_what_the_user_sees(client_factory, world: World) -> None:
    client = login(client_factory(), "both@example.org")
    home = client.get("/")
    assert "Alpha Care" in home.text and "Bravo Help" in home.text  # the switcher
    response = client.post(
        "/switch-tenant", data={"tenant_id": world.tenant_b, "csrf_token": csrf_from(home.text)}
    )
    assert response.status_code == 303
    queues = client.get("/api/v1/queues").json()
    assert [q["name"] for q in queues] == ["Billing B"]


def test_switching_to_a_tenant_one_does_not_belong_to_is_not_found(
    client_factory, world: World
) -> None:
    client = login(client_factory(), world.email("admin"))
    response = client.post(
        "/switch-tenant", data={"tenant_id": world.tenant_b, "csrf_token": page_csrf(client)}
    )
    assert response.status_code == 404
    assert [q["name"] for q in client.get("/api/v1/queues").json()] == ["Billing A"]


def test_changing_the_password_signs_out_other_sessions(client_factory, world: World) -> None:
    here = login(client_factory(), world.email("qa"))
    elsewhere = login(client_factory(), world.email("qa"))
    csrf = page_csrf(here, "/account")
    wrong = here.post(
        "/account/password",
        data={
            "current_password": "nope",
            "new_password": "a-new-long-password",
            "csrf_token": csrf,
        },
    )
    assert wrong.status_code == 422 and "The current password is not right." in wrong.text
    response = here.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a-new-long-password",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 303
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 303
    login(client_factory(), world.email("qa"), "a-new-long-password")
