"""Errors: problem+json naming the field for the API, friendly pages for people, no stack traces."""

from __future__ import annotations

from fastapi import APIRouter

from tests.conftest import World, login, page_csrf


def test_bad_api_input_names_the_offending_field(client_factory, world: World) -> None:
    client = login(client_factory(), world.email("admin"))
    csrf = {"X-CSRF-Token": page_csrf(client)}
    response = client.post(
        "/api/v1/users",
        json={"email": "not-an-address", "display_name": "X", "role": "emperor"},
        headers=csrf,
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert {e["field"] for e in problem["errors"]} == {"email", "role"}
    assert "email" in problem["detail"] and "role" in problem["detail"]


def test_domain_validation_names_the_field_too(client_factory, world: World) -> None:
    client = login(client_factory(), world.email("admin"))
    response = client.patch(
        "/api/v1/tenant",
        json={"time_zone": "Mars/Olympus"},
        headers={"X-CSRF-Token": page_csrf(client)},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "time_zone", "message": "Unknown time zone: Mars/Olympus"}
    ]


def test_unknown_addresses_are_404_in_both_worlds(client_factory, world: World) -> None:
    client = login(client_factory(), world.email("admin"))
    api = client.get("/api/v1/nothing-here")
    assert api.status_code == 404 and api.json()["status"] == 404
    page = client.get("/nothing-here")
    assert page.status_code == 404 and "There is nothing at this address." in page.text


def test_an_unexpected_failure_shows_a_reference_not_a_stack_trace(
    app, client_factory, world: World
) -> None:
    router = APIRouter()

    @router.get("/api/v1/explode")
    @router.get("/explode")
    def explode() -> None:
        raise ZeroDivisionError("secret internals")

    app.include_router(router)
    client = login(client_factory(), world.email("admin"))
    for path in ("/api/v1/explode", "/explode"):
        response = client.get(path)
        assert response.status_code == 500
        assert "secret internals" not in response.text
        assert "Traceback" not in response.text
        assert response.headers["x-request-id"] in response.text


def test_form_errors_are_shown_on_the_form(client_factory, world: World) -> None:
    client = login(client_factory(), world.email("admin"))
    response = client.post(
        "/admin/users",
        data={
            "email": "short@a.example",
            "display_name": "Short",
            "role": "agent",
            "password": "123",
            "csrf_token": page_csrf(client),
        },
    )
    assert response.status_code == 422
    assert "Passwords need at least 10 characters." in response.text
    assert 'value="short@a.example"' in response.text


def test_pages_send_security_headers(client_factory, world: World) -> None:
    response = client_factory().get("/login")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_openapi_docs_are_served_without_a_cdn(client_factory) -> None:
    client = client_factory()
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower() and "/static/vendor/swagger-ui/" in docs.text
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/users" in spec["paths"] and "/login" not in spec["paths"]
