"""Shared by the benchmarks: the databases to run on, and RESULTS.md sections."""

from __future__ import annotations

import os
import platform
import re
import secrets
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

RESULTS = Path(__file__).with_name("RESULTS.md")
POSTGRES_URL_ENV = "CONTACTOPS_TEST_POSTGRES_URL"


def databases() -> Iterator[tuple[str, str, dict[str, object]]]:
    """(label, URL, engine options): a fresh SQLite file, then a throwaway PostgreSQL schema
    when ``CONTACTOPS_TEST_POSTGRES_URL`` is set; each is removed after its turn."""
    with tempfile.TemporaryDirectory() as folder:
        yield "SQLite", f"sqlite:///{folder}/bench.db", {}
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        return
    schema = f"bench_{secrets.token_hex(4)}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield "PostgreSQL", url, {"connect_args": {"options": f"-csearch_path={schema}"}}
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_section(name: str, command: str, body: str) -> None:
    header = f"## {name}"
    section = (
        f"{header}\n\n`{command}` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}\n\n"
        f"{body.strip()}\n"
    )
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(header)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = (
        pattern.sub(section + "\n", text)
        if pattern.search(text)
        else f"{text.rstrip()}\n\n{section}"
    )
    RESULTS.write_text(text.rstrip() + "\n")
