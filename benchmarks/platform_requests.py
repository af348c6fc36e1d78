"""Cost of authentication and tenant scoping per API request, on SQLite and PostgreSQL.

Runs the app in-process (ASGI, no network) and times N requests of each kind:
``/healthz`` (peer: no auth, no database), ``GET /api/v1/queues`` with an API token and with a
session cookie. Usage: ``python benchmarks/platform_requests.py [--requests 2000]``
(PostgreSQL is included when CONTACTOPS_TEST_POSTGRES_URL is set).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import databases, write_section

from contactops.app import create_app
from contactops.domains.admin.service import add_member_in, create_tenant_in
from contactops.domains.organization.service import create_queue_in
from contactops.platform import migrate
from contactops.platform.database import Database
from contactops.platform.identity import Role
from contactops.platform.settings import Settings

PASSWORD = "benchmark-password"  # noqa: S105 - a throwaway benchmark login


def _seed(db: Database) -> None:
    with db.session(system=True) as session:
        tenant_ids = [create_tenant_in(session, slug=f"t{i}", name=f"T{i}").id for i in range(3)]
    for tenant_id in tenant_ids:
        with db.session(tenant_id=tenant_id) as session:
            add_member_in(session, f"admin{tenant_id}@bench.example", "Admin", Role.ADMIN, PASSWORD)
            for q in range(20):
                create_queue_in(session, code=f"q{q}", name=f"Queue {q}")


def _time(client: TestClient, path: str, count: int, headers: dict[str, str]) -> list[float]:
    latencies = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        latencies.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text
    return latencies


def run(label: str, url: str, engine_kwargs: dict[str, object], count: int) -> list[str]:
    db = Database(url, **engine_kwargs)
    migrate.upgrade(db.engine)
    _seed(db)
    settings = Settings(database_url=url, secret_key="b" * 40, var_dir=Path(tempfile.mkdtemp()))
    rows = []
    with TestClient(create_app(settings, db)) as client:
        page = client.get("/login")
        token_field = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/login",
            data={"email": "admin1@bench.example", "password": PASSWORD, "csrf_token": token_field},
            follow_redirects=False,
        )
        csrf = client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]
        token = client.post(
            "/api/v1/tokens", json={"name": "bench"}, headers={"X-CSRF-Token": csrf}
        ).json()["token"]
        cases = [
            ("/healthz (peer)", "/healthz", {}),
            ("GET /api/v1/queues, session cookie", "/api/v1/queues", {}),
            (
                "GET /api/v1/queues, API token",
                "/api/v1/queues",
                {"Authorization": f"Bearer {token}"},
            ),
        ]
        _time(client, "/api/v1/queues", 50, {})  # warm-up
        baseline = None
        for name, path, headers in cases:
            latencies = sorted(_time(client, path, count, headers))
            mean_ms = statistics.fmean(latencies) * 1000
            p99_ms = latencies[int(0.99 * (len(latencies) - 1))] * 1000
            baseline = baseline or mean_ms
            rows.append(
                f"| {label} | {name} | {1000 / mean_ms:,.0f} | {mean_ms:.2f} | "
                f"{p99_ms:.2f} | {mean_ms / baseline:.1f}× |"
            )
    db.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    rows = [
        row
        for label, url, options in databases()
        for row in run(label, url, options, args.requests)
    ]
    table = "\n".join(
        [
            "| database | request | req/s | mean ms | p99 ms | vs peer |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    body = (
        f"{args.requests} sequential requests each, in-process ASGI (no network), one worker; "
        "20 queues per tenant, 3 tenants. Authenticated requests look up the session or the "
        "token, build the principal (memberships) and run the tenant-scoped query. The peer "
        "row is mostly the test client's own cost (a thread hop per request); the difference "
        "to it is the platform's share.\n\n" + table
    )
    print(table)
    write_section(
        "API request overhead (platform)",
        f"python benchmarks/platform_requests.py --requests {args.requests}",
        body,
    )


if __name__ == "__main__":
    main()
