"""The contactops command: migrate, tenants, users, demo — against a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contactops.cli import app
from contactops.platform import migrate
from contactops.platform.settings import get_settings

HEAD = migrate.head_revision()

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONTACTOPS_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CONTACTOPS_DATABASE_URL", "")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _run(*args: str, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def test_help_is_everywhere() -> None:
    for group in ([], ["db"], ["tenants"], ["users"], ["serve"], ["demo"]):
        assert "Usage" in _run(*group, "--help")


def test_a_fresh_installation_from_the_command_line(cli_env: Path) -> None:
    assert f"Database at revision {HEAD}" in _run("db", "upgrade")
    assert (cli_env / "var" / "contactops.db").exists()
    _run(
        "tenants",
        "create",
        "acme",
        "--name",
        "Acme Support",
        "--time-zone",
        "Europe/Sofia",
        "--locale",
        "bg",
    )
    _run(
        "users",
        "create",
        "Boss@Acme.example",
        "--tenant",
        "acme",
        "--name",
        "Boss",
        "--role",
        "admin",
        "--password-stdin",
        stdin="long-enough-password\n",
    )
    tenants = json.loads(_run("tenants", "list", "--json"))
    assert tenants == [
        {
            "id": 1,
            "slug": "acme",
            "name": "Acme Support",
            "time_zone": "Europe/Sofia",
            "locale": "bg",
            "members": 1,
        }
    ]
    users = json.loads(_run("users", "list", "--json"))
    assert users == [
        {
            "email": "boss@acme.example",
            "name": "Boss",
            "tenant": "acme",
            "role": "admin",
            "active": True,
        }
    ]


def test_bad_input_is_a_clear_error_and_changes_nothing(cli_env: Path) -> None:
    _run("db", "upgrade")
    result = runner.invoke(
        app, ["tenants", "create", "acme", "--name", "Acme", "--time-zone", "Nowhere/City"]
    )
    assert result.exit_code == 1 and "Unknown time zone: Nowhere/City" in result.output
    result = runner.invoke(
        app,
        ["users", "create", "a@b.example", "--tenant", "ghost", "--name", "A", "--password-stdin"],
        input="long-enough-password\n",
    )
    assert result.exit_code == 1 and "No tenant with the identifier ghost" in result.output
    assert json.loads(_run("tenants", "list", "--json")) == []


def test_commands_refuse_an_unmigrated_database(cli_env: Path) -> None:
    result = runner.invoke(app, ["tenants", "list"])
    assert result.exit_code == 1 and "contactops db upgrade" in result.output


def test_downgrade_and_current(cli_env: Path) -> None:
    _run("db", "upgrade")
    assert f"current: {HEAD}" in _run("db", "current")
    _run("db", "downgrade", "0001")
    assert "current: 0001" in _run("db", "current")
    _run("db", "downgrade", "base")
    assert "current: base" in _run("db", "current")


def test_purging_old_security_records(cli_env: Path) -> None:
    _run("db", "upgrade")
    assert "Deleted 0 sessions and 0 login attempts." in _run("db", "purge", "--keep-days", "30")
    result = runner.invoke(app, ["db", "purge", "--keep-days", "0"])
    assert result.exit_code == 1 and "Keep at least one day." in result.output
