"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured), the app, a world.

Database tests run once per backend. PostgreSQL runs when ``CONTACTOPS_TEST_POSTGRES_URL`` is
set (CI sets it); each test run works in a schema of its own, dropped at the end.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from contactops.app import create_app
from contactops.engines.simulation.compiled import compile_all
from contactops.platform import migrate, passwords
from contactops.platform.audit import Actor
from contactops.platform.database import Base, Database
from contactops.platform.identity import Role
from contactops.platform.settings import Settings

# Real Argon2id, at the lowest cost: the suite signs in hundreds of times.
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

POSTGRES_URL_ENV = "CONTACTOPS_TEST_POSTGRES_URL"
PASSWORD = "correct-horse-battery"
BACKENDS = ["sqlite", "postgresql"]


@dataclass(frozen=True)
class Backend:
    name: str
    url: str
    engine_kwargs: dict[str, object]


@pytest.fixture(scope="session", autouse=True)
def compiled_engines() -> None:
    """Compile (or load) the Numba code once, before any test or test server needs it."""
    compile_all()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test gets a copy of it."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db.engine)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[Backend]:
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_URL_ENV} (CI sets it)")
    schema = f"test_{secrets.token_hex(4)}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    kwargs: dict[str, object] = {"connect_args": {"options": f"-csearch_path={schema}"}}
    db = Database(url, **kwargs)
    migrate.upgrade(db.engine)
    db.dispose()
    yield Backend("postgresql", url, kwargs)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path / "contactops.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield Backend("sqlite", f"sqlite:///{path}", {})
        return
    pg: Backend = request.getfixturevalue("postgres_schema")
    yield pg
    engine = create_engine(pg.url, **pg.engine_kwargs)  # type: ignore[arg-type]
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def db(backend: Backend) -> Iterator[Database]:
    database = Database(backend.url, **backend.engine_kwargs)
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path: Path, backend: Backend) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        database_url=backend.url,
        secret_key="test-secret-" + "x" * 32,
        login_max_failures=5,
        live_timers=False,  # tests fire the live center's timers at the times they choose
    )


@pytest.fixture
def app(settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    return create_app(settings, db)


@pytest.fixture
def client_factory(app):  # type: ignore[no-untyped-def]
    """New browser-like clients (own cookie jar each) against the same app."""
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def corrupted(secret: str) -> str:
    """``secret`` with its middle character changed (a final base64 character could decode
    to the same bytes)."""
    middle = len(secret) // 2
    replacement = "B" if secret[middle] == "A" else "A"
    return secret[:middle] + replacement + secret[middle + 1 :]


CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/login")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 303, response.text
    return client


def page_csrf(client: TestClient, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return csrf_from(response.text)


@dataclass(frozen=True)
class World:
    """Two tenants: ``a`` with one user per role, ``b`` with its own admin and queue.

    ``both@`` is admin in both tenants (for the tenant switcher).
    """

    tenant_a: int
    tenant_b: int
    queue_a: int
    queue_b: int
    users: dict[str, int]

    @staticmethod
    def email(role: Role | str) -> str:
        return f"{Role(role).value}@a.example"


@pytest.fixture
def world(db: Database) -> World:
    from contactops.domains.admin.service import add_member_in, create_tenant_in
    from contactops.domains.organization.service import create_queue_in

    actor = Actor.system("test setup")
    with db.session(system=True, actor=actor) as session:
        tenant_a = create_tenant_in(
            session, slug="alpha", name="Alpha Care", time_zone="Europe/Oslo"
        ).id
        tenant_b = create_tenant_in(
            session, slug="bravo", name="Bravo Help", time_zone="Asia/Shanghai"
        ).id
    users: dict[str, int] = {}
    with db.session(tenant_id=tenant_a, actor=actor) as session:
        for role in Role:
            users[role.value] = add_member_in(
                session, World.email(role), f"{role.value.title()} A", role, PASSWORD
            ).user_id
        users["both"] = add_member_in(
            session, "both@example.org", "Both Tenants", Role.ADMIN, PASSWORD
        ).user_id
        queue_a = create_queue_in(session, code="billing", name="Billing A").id
    with db.session(tenant_id=tenant_b, actor=actor) as session:
        users["admin_b"] = add_member_in(
            session, "admin@b.example", "Admin B", Role.ADMIN, PASSWORD
        ).user_id
        add_member_in(session, "both@example.org", "Both Tenants", Role.ADMIN, None)
        queue_b = create_queue_in(session, code="billing", name="Billing B").id
    return World(tenant_a, tenant_b, queue_a, queue_b, users)


SHARED_DATA = Path(
    os.environ.get(
        "CONTACTOPS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
    )
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public call-center datasets next to the checkout (read in place, never copied)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"public datasets not found at {SHARED_DATA}: check out ../shared next to the "
            "repository or set CONTACTOPS_SHARED_DATA"
        )
    return SHARED_DATA
