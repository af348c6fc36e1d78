"""Settings from the environment (prefix ``CONTACTOPS_``) or ``.env``, with embedded defaults.

The defaults run the platform on one machine with SQLite under ``var/``; production sets at least
``CONTACTOPS_DATABASE_URL`` and ``CONTACTOPS_SECRET_KEY``.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONTACTOPS_", env_file=".env", extra="ignore")

    var_dir: Path = Field(Path("var"), description="Folder for the SQLite database and secrets.")
    database_url: str = Field("", description="SQLAlchemy URL; empty means SQLite in var_dir.")
    secret_key: SecretStr | None = Field(
        None, description="Signs session cookies; generated into var_dir when not set."
    )
    session_max_age_s: int = Field(8 * 3600, gt=0)
    cookie_secure: bool = Field(False, description="Send cookies over HTTPS only.")
    login_max_failures: int = Field(5, gt=0, description="Failed logins per e-mail per window.")
    login_max_failures_per_ip: int = Field(30, gt=0)
    login_window_s: int = Field(15 * 60, gt=0)
    default_locale: str = "en"
    host: str = "127.0.0.1"
    port: int = 8000
    live_timers: bool = Field(
        True, description="Run the live center's timers (ring, wait, wrap-up) in the server."
    )
    live_tick_s: float = Field(1.0, gt=0, description="Seconds between two runs of the timers.")
    sla_scan_s: float = Field(
        15.0, gt=0, description="Seconds between two scans for due SLA warnings and breaches."
    )
    attachment_store: str = Field(
        "",
        description="Where attachments are kept: empty (var/attachments), a folder, or "
        "s3://bucket/prefix.",
    )
    s3_endpoint: str = Field("", description="The S3-compatible service's URL (empty: AWS).")
    attachment_max_bytes: int = Field(
        10 * 1024 * 1024, gt=0, description="The largest attachment accepted, in bytes."
    )
    mail_send_s: float = Field(5.0, gt=0, description="Seconds between two sends of the outbox.")
    mail_poll_s: float = Field(60.0, gt=0, description="Seconds between two reads of mailboxes.")
    live_center: str = Field(
        "",
        description="Socket of the live-center host process this web worker forwards to (set "
        "by `serve --workers N`); empty: the live center runs in this process.",
    )
    chat_origins: str = Field(
        "",
        description="Web sites allowed to start chats from the widget (comma-separated origins, "
        "* for any); empty: pages of this server only.",
    )

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'contactops.db'}"

    def resolved_secret_key(self) -> str:
        """The configured secret, else one kept in ``var_dir/secret.key`` (created 0600)."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        key_file = self.var_dir / "secret.key"
        if not key_file.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            key_file.touch(mode=0o600)
            key_file.write_text(secrets.token_urlsafe(48))
        return key_file.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
