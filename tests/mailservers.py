"""Real mail servers on loopback for tests: a private Dovecot (IMAP) and an aiosmtpd sink (SMTP).

Dovecot runs from its own config file in a temporary directory (base_dir, state_dir, log,
maildirs all inside it), listens on 127.0.0.1 on a free port, accepts plaintext logins
(loopback only, no TLS), and reads each user from a passwd-file of its own that
:meth:`DovecotServer.add_user` writes, so each test can have a fresh, empty account on one
shared server. Failed logins are neither delayed nor penalised.
Dovecot refuses to serve mail as root, so when the tests run as root the mail files belong to
Debian's ``dovecot`` user; otherwise everything runs as the current user.

Use the pytest fixtures at the bottom from a ``conftest.py``::

    from tests.mailservers import dovecot_server, imap_account, smtp_sink

    __all__ = ["dovecot_server", "imap_account", "smtp_sink"]

``dovecot_server`` is one server per session (skipped with the reason when Dovecot is not
installed), ``imap_account`` a fresh user on it per test, ``smtp_sink`` an SMTP server per test.
For a server configured differently use ``DovecotServer.running(extra_config)`` directly.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import grp
import imaplib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SmtpServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from contactops.connectors.email import ImapSettings, SmtpSettings
from contactops.connectors.email.mailbox import imap_mailbox_name

DOVECOT = Path("/usr/sbin/dovecot")
START_TIMEOUT_S = 15.0


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def dovecot_missing_reason() -> str | None:
    """Why the IMAP tests cannot run here, or None when they can."""
    if not DOVECOT.exists():
        return f"IMAP tests need Dovecot at {DOVECOT} (apt-get install dovecot-imapd)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("dovecot")
            pwd.getpwnam("dovenull")
        except KeyError:
            return "IMAP tests as root need the dovecot and dovenull users (dovecot-core)"
    return None


def dovecot_version() -> tuple[int, int]:
    """(major, minor) of the installed Dovecot: 2.3 and 2.4 need different configuration."""
    out = subprocess.run(  # noqa: S603 - a fixed binary path
        [str(DOVECOT), "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = re.match(r"(\d+)\.(\d+)", out.strip())
    if not found:
        raise RuntimeError(f"cannot read Dovecot's version from {out!r}")
    return int(found.group(1)), int(found.group(2))


@dataclass(frozen=True)
class ImapAccount:
    """One mailbox user on the test server, with helpers that speak real IMAP to it."""

    host: str
    port: int
    username: str
    password: str

    def settings(self, **overrides: Any) -> ImapSettings:
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "password": self.password,
            "security": "none",
            "timeout_s": 10.0,
        }
        return ImapSettings(**(values | overrides))

    @contextlib.contextmanager
    def connect(self) -> Iterator[imaplib.IMAP4]:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            token = f"\0{self.username}\0{self.password}".encode()
            imap.authenticate("PLAIN", lambda _: token)
            yield imap
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                imap.logout()

    def append(self, raw: bytes, mailbox: str = "INBOX", flags: str = "") -> int:
        """Deliver ``raw`` by IMAP APPEND; returns its UID (RFC 4315 APPENDUID)."""
        with self.connect() as imap:
            typ, data = imap.append(imap_mailbox_name(mailbox), flags or None, None, raw)
        found = re.search(rb"APPENDUID \d+ (\d+)", data[0] if data and data[0] else b"")
        if typ != "OK" or not found:
            raise RuntimeError(f"APPEND to {mailbox} failed: {typ} {data}")
        return int(found.group(1))

    def create_mailbox(self, mailbox: str) -> None:
        with self.connect() as imap:
            typ, data = imap.create(imap_mailbox_name(mailbox))
        if typ != "OK":
            raise RuntimeError(f"CREATE {mailbox} failed: {data}")

    def delete_mailbox(self, mailbox: str) -> None:
        with self.connect() as imap:
            typ, data = imap.delete(imap_mailbox_name(mailbox))
        if typ != "OK":
            raise RuntimeError(f"DELETE {mailbox} failed: {data}")

    def flags(self, mailbox: str = "INBOX") -> dict[int, set[str]]:
        """UID → flags of every message in ``mailbox`` (read-only: changes nothing; the
        session flag \\Recent left out)."""
        with self.connect() as imap:
            typ, _ = imap.select(imap_mailbox_name(mailbox), readonly=True)
            if typ != "OK":
                raise RuntimeError(f"EXAMINE {mailbox} failed")
            typ, data = imap.uid("FETCH", "1:*", "(UID FLAGS)")
        found: dict[int, set[str]] = {}
        for line in data:
            if isinstance(line, bytes):
                uid = re.search(rb"UID (\d+)", line)
                flag_list = re.search(rb"FLAGS \(([^)]*)\)", line)
                if uid and flag_list:
                    flags = set(flag_list.group(1).decode().split()) - {r"\Recent"}
                    found[int(uid.group(1))] = flags
        return found

    def mailboxes(self) -> set[str]:
        with self.connect() as imap:
            _, data = imap.list()
        return {
            line.decode().rsplit(' "/" ', 1)[-1].strip('"')
            for line in data
            if isinstance(line, bytes)
        }


@dataclass
class DovecotServer:
    """A private Dovecot instance; start with :meth:`running`."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]
    host: str = "127.0.0.1"
    _users: Path = field(init=False)

    def __post_init__(self) -> None:
        self._users = self.root / "users"

    @classmethod
    @contextlib.contextmanager
    def running(cls, extra_config: str = "") -> Iterator[DovecotServer]:
        """Start Dovecot, wait until it greets, and always stop it (process group) after."""
        root = Path(tempfile.mkdtemp(prefix="contactops-dovecot-"))
        process: subprocess.Popen[bytes] | None = None
        try:
            port = free_port()
            _write_config(root, port, extra_config)
            process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own config
                [str(DOVECOT), "-F", "-c", str(root / "dovecot.conf")],
                stdout=subprocess.DEVNULL,
                stderr=(root / "stderr.log").open("wb"),
                start_new_session=True,  # its own process group, killed as one
            )
            server = cls(root, port, process)
            server._wait_until_ready()
            yield server
        finally:
            if process is not None:
                _stop(process)
            shutil.rmtree(root, ignore_errors=True)

    def add_user(self, username: str | None = None, password: str | None = None) -> ImapAccount:
        """A new account (its mailbox is created empty on first login)."""
        username = username or f"user{secrets.token_hex(4)}"
        password = password or secrets.token_urlsafe(12)
        if not re.fullmatch(r"[A-Za-z0-9_@-][A-Za-z0-9._@-]*", username):
            raise ValueError(f"{username!r}: test user names are letters, digits and ._@-")
        # One passwd-file per user: Dovecot opens a new file on first use, where it would
        # miss a change to one shared file made within the second it last read it.
        encoded = base64.b64encode(password.encode()).decode("ascii")
        path = self._users / username
        path.write_text(f"{username}:{{PLAIN.b64}}{encoded}\n", encoding="utf-8")
        if os.geteuid() == 0:
            path.chmod(0o644)
        return ImapAccount(self.host, self.port, username, password)

    def log(self) -> str:
        parts = [self.root / "dovecot.log", self.root / "stderr.log"]
        return "\n".join(p.read_text(errors="replace") for p in parts if p.exists())

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Dovecot exited at start:\n{self.log()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.host, self.port), timeout=1) as probe,
            ):
                if probe.recv(100).startswith(b"* OK"):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"Dovecot did not answer within {START_TIMEOUT_S} s:\n{self.log()}")


def _write_config(root: Path, port: int, extra_config: str) -> None:
    for name in ("run", "state", "mail", "home", "users"):
        (root / name).mkdir()
    if os.geteuid() == 0:
        # Dovecot never serves mail as root: the mail belongs to its own user, and its
        # unprivileged processes must be able to walk into the directory.
        mail_user = pwd.getpwnam("dovecot")
        internal_user, internal_group, login_user = "dovecot", "dovecot", "dovenull"
        uid, gid = mail_user.pw_uid, mail_user.pw_gid
        root.chmod(0o755)
        for name in ("mail", "home"):
            os.chown(root / name, uid, gid)
    else:
        uid, gid = os.getuid(), os.getgid()
        internal_user = login_user = pwd.getpwuid(uid).pw_name
        internal_group = grp.getgrgid(gid).gr_name
    common = f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
auth_mechanisms = plain login
# No waiting after a failed login and no penalty for the IP after one (anvil-auth-penalty
# below): tests fail logins on purpose and must not slow the ones that follow.
auth_failure_delay = 0
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {uid}
first_valid_gid = {gid}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""
    if dovecot_version() >= (2, 4):
        config = f"""dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
{common}
auth_allow_cleartext = yes
mail_driver = maildir
mail_path = {root}/mail/%{{user}}
passdb passwd-file {{
  passwd_file_path = {root}/users/%{{user}}
}}
userdb static {{
  fields {{
    uid = {uid}
    gid = {gid}
    home = {root}/home/%{{user}}
  }}
}}
"""
    else:
        config = f"""{common}
disable_plaintext_auth = no
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = {root}/users/%u
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
"""
    (root / "dovecot.conf").write_text(config + extra_config, encoding="utf-8")


def _stop(process: subprocess.Popen[bytes]) -> None:
    for sig, wait_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


# SMTP


@dataclass(frozen=True)
class Received:
    """One message as the SMTP server received it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes


@dataclass
class SmtpSink:
    """An aiosmtpd server that keeps what it receives, or refuses as told.

    ``refuse_rcpt`` maps recipient → reply ("550 5.1.1 No such user"); ``refuse_data`` is the
    reply to every DATA; ``logins`` (user → password) turns on AUTH."""

    port: int
    host: str = "127.0.0.1"
    received: list[Received] = field(default_factory=list)
    refuse_rcpt: dict[str, str] = field(default_factory=dict)
    refuse_data: str | None = None
    logins: dict[str, str] | None = None

    def settings(self, **overrides: Any) -> SmtpSettings:
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "security": "none",
            "timeout_s": 10.0,
            "local_hostname": "client.test",
        }
        return SmtpSettings(**(values | overrides))

    @classmethod
    @contextlib.contextmanager
    def running(cls, logins: dict[str, str] | None = None) -> Iterator[SmtpSink]:
        sink = cls(free_port(), logins=logins)
        options: dict[str, Any] = {}
        if logins is not None:
            options = {"authenticator": sink._authenticate, "auth_require_tls": False}
        controller = Controller(_Handler(sink), hostname=sink.host, port=sink.port, **options)
        controller.start()
        try:
            yield sink
        finally:
            controller.stop()

    def _authenticate(
        self, server: SmtpServer, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword) and self.logins is not None:
            user, password = data.login.decode(), data.password.decode()
            if self.logins.get(user) == password:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: SmtpServer, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        refusal = self.sink.refuse_rcpt.get(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SmtpServer, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(0)
        if self.sink.refuse_data:
            return self.sink.refuse_data
        content = envelope.content
        data = content if isinstance(content, bytes) else str(content).encode()
        self.sink.received.append(Received(str(envelope.mail_from), tuple(envelope.rcpt_tos), data))
        return "250 OK: queued"


# Fixtures


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    """One private Dovecot for the test session (skipped when Dovecot is not installed)."""
    reason = dovecot_missing_reason()
    if reason:
        pytest.skip(reason)
    with DovecotServer.running() as server:
        yield server


@pytest.fixture
def imap_account(dovecot_server: DovecotServer) -> ImapAccount:
    """A fresh, empty mailbox user for one test."""
    return dovecot_server.add_user()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """An SMTP server on a free loopback port that keeps every message it accepts."""
    with SmtpSink.running() as sink:
        yield sink
