"""The tickets' work in the server's background: the SLA scan, the e-mail outbox and the
mailboxes, each at its own interval, in one thread of the process that runs the live center
(so several web workers never scan, send or poll twice)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from contactops.domains.tickets.mail import poll_all, send_outbox
from contactops.domains.tickets.scanner import SCAN_BATCH, scan_sla
from contactops.platform.database import Database
from contactops.platform.settings import Settings
from contactops.platform.storage import store_of

log = logging.getLogger("contactops.tickets")
TICK_S = 1.0


class TicketsThread(threading.Thread):
    """Every ``sla_scan_s``: raise due SLA warnings and breaches (a full batch is followed at
    once by the next); every ``mail_send_s``: send the outbox; every ``mail_poll_s``: read the
    mailboxes, keeping attachments in the settings' store. A failure is logged and tried
    again at the next turn."""

    def __init__(self, db: Database, settings: Settings) -> None:
        super().__init__(name="contactops-tickets", daemon=True)
        self.db = db
        store = store_of(settings)
        self.jobs: list[tuple[str, float, Callable[[], object]]] = [
            ("SLA scan", settings.sla_scan_s, self._scan),
            ("e-mail outbox", settings.mail_send_s, lambda: send_outbox(db)),
            ("mailboxes", settings.mail_poll_s, lambda: poll_all(db, store=store)),
        ]
        self.stopped = threading.Event()

    def _scan(self) -> None:
        while not self.stopped.is_set() and scan_sla(self.db).tickets >= SCAN_BATCH:
            pass

    def run(self) -> None:
        last = dict.fromkeys((name for name, _every, _job in self.jobs), time.monotonic())
        while not self.stopped.wait(TICK_S):
            for name, every_s, job in self.jobs:
                if time.monotonic() - last[name] < every_s:
                    continue
                last[name] = time.monotonic()
                try:
                    job()
                except Exception:
                    log.exception("the tickets' %s failed", name)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)
