"""Composition root of the web application: every domain's routers on one FastAPI app."""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.process
import os
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from multiprocessing.synchronize import Event

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from contactops import __version__
from contactops.domains.accounts import api as accounts_api
from contactops.domains.accounts import pages as accounts_pages
from contactops.domains.admin import api as admin_api
from contactops.domains.admin import pages as admin_pages
from contactops.domains.customers import api as customers_api
from contactops.domains.customers import pages as customers_pages
from contactops.domains.forecasting import api as forecasting_api
from contactops.domains.forecasting import pages as forecasting_pages
from contactops.domains.home import pages as home_pages
from contactops.domains.imports import api as imports_api
from contactops.domains.imports import pages as imports_pages
from contactops.domains.kpis import api as kpis_api
from contactops.domains.kpis import pages as kpis_pages
from contactops.domains.live import api as live_api
from contactops.domains.live import pages as live_pages
from contactops.domains.live import service as live_service
from contactops.domains.organization import api as organization_api
from contactops.domains.organization import pages as organization_pages
from contactops.domains.scheduling import api as scheduling_api
from contactops.domains.scheduling import pages as scheduling_pages
from contactops.domains.simulation import api as simulation_api
from contactops.domains.simulation import pages as simulation_pages
from contactops.domains.staffing import api as staffing_api
from contactops.domains.staffing import pages as staffing_pages
from contactops.domains.tickets import api as tickets_api
from contactops.domains.tickets import pages as tickets_pages
from contactops.domains.tickets import settings_pages as tickets_settings_pages
from contactops.domains.tickets.background import TicketsThread
from contactops.platform import migrate
from contactops.platform.database import Database
from contactops.platform.middleware import RequestContextMiddleware
from contactops.platform.settings import Settings, get_settings
from contactops.platform.web import STATIC_DIR
from contactops.platform.web_errors import install_error_handlers

# The live center's routes first: a PBX and the desktops call them most, and routes are matched
# in order.
API_ROUTERS = (
    live_api.telephony,
    live_api.live,
    live_api.chat,
    accounts_api.router,
    admin_api.router,
    organization_api.router,
    customers_api.router,
    tickets_api.router,
    tickets_api.settings_router,
    staffing_api.router,
    simulation_api.router,
    forecasting_api.router,
    forecasting_api.plans,
    scheduling_api.schedules,
    scheduling_api.mine,
    scheduling_api.requests,
    scheduling_api.handovers,
    scheduling_api.adherence,
    kpis_api.router,
    imports_api.router,
)
PAGE_ROUTERS = (
    scheduling_api.feed,
    accounts_pages.router,
    home_pages.router,
    organization_pages.router,
    customers_pages.router,
    tickets_pages.router,
    tickets_settings_pages.router,
    live_pages.router,
    staffing_pages.router,
    simulation_pages.router,
    forecasting_pages.router,
    scheduling_pages.router,
    kpis_pages.router,
    imports_pages.router,
    admin_pages.router,
)
log = logging.getLogger("contactops")


class DatabaseNotMigrated(RuntimeError):
    pass


def _require_migrated(db: Database) -> None:
    if not migrate.is_up_to_date(db.engine):
        raise DatabaseNotMigrated(
            "the database schema is not current: run `contactops db upgrade` first"
        )


@contextmanager
def _live_center_here(db: Database, settings: Settings) -> Iterator[None]:
    """The live center in this process: rebuilt from the database (waiting contacts, agents'
    states), its timers and the tickets' background work running until the block ends."""
    live_service.recover(db)
    timers = live_service.TimerThread(db, settings.live_tick_s)
    tickets = TicketsThread(db, settings)
    if settings.live_timers:
        timers.start()
        tickets.start()
    try:
        yield
    finally:
        for thread in (timers, tickets):
            if thread.is_alive():
                thread.stop()


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    owns_db = db is None
    db = db or Database(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        _require_migrated(db)
        if settings.live_center:  # a web worker: the center host runs the live center
            live_service.connect_center(
                db, settings.live_center, live_service.link_key(settings.resolved_secret_key())
            )
            yield
            live_service.disconnect_center(db)
        else:
            with _live_center_here(db, settings):
                yield
        if owns_db:
            db.dispose()

    app = FastAPI(
        title="ContactOps",
        version=__version__,
        summary="Contact-center operations: plan, run and measure.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (*API_ROUTERS, *PAGE_ROUTERS):
        app.include_router(router)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="ContactOps API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app


CENTER_HOST_SWITCH_INTERVAL_S = 0.0005


def run_center_host(address: str, ready: Event | None = None) -> None:
    """The center host process of ``serve --workers N``: the live center of every tenant
    (recovered from the database), its timers, and the web workers' link on ``address``, until
    SIGTERM or SIGINT, or until the process that started it is gone."""
    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: [live center] %(message)s")
    # The live-center thread gives up the interpreter lock at each statement's round trip; with
    # the link's threads busy it would wait up to the default 5 ms to get it back each time.
    sys.setswitchinterval(CENTER_HOST_SWITCH_INTERVAL_S)
    db = Database(settings.resolved_database_url)
    _require_migrated(db)
    authkey = live_service.link_key(settings.resolved_secret_key())
    parent = os.getppid()

    try:
        with _live_center_here(db, settings):
            host = live_service.serve_center(db, address, authkey)

            def stop(*_args: object) -> None:
                host.close()

            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)

            def watch_parent() -> None:
                while os.getppid() == parent:
                    time.sleep(1.0)
                log.warning("live center host: the server is gone, stopping")
                host.close()

            threading.Thread(
                target=watch_parent, name="contactops-parent-watch", daemon=True
            ).start()
            if ready is not None:
                ready.set()
            log.info("live center host ready on %s (pid %s)", address, os.getpid())
            host.serve_forever()
    finally:
        db.dispose()


class CenterHostProcess:
    """Starts :func:`run_center_host` in a process of its own and starts it again if it ever
    exits while the server runs (its centers are recovered from the database)."""

    START_TIMEOUT_S = 120.0

    def __init__(self, address: str) -> None:
        self.address = address
        self._context = multiprocessing.get_context("spawn")
        self._process: multiprocessing.process.BaseProcess | None = None
        self._stopping = threading.Event()
        self._keeper = threading.Thread(target=self._keep, name="contactops-keeper", daemon=True)

    def start(self) -> None:
        """Start the host and wait until it answers; RuntimeError when it does not start."""
        self._spawn()
        self._keeper.start()

    def stop(self) -> None:
        self._stopping.set()
        process = self._process
        if process is not None and process.is_alive():
            process.terminate()
            process.join(timeout=20)
            if process.is_alive():
                process.kill()

    def _spawn(self) -> None:
        ready = self._context.Event()
        process = self._context.Process(
            target=run_center_host, args=(self.address, ready), name="contactops-live-center"
        )
        process.start()
        deadline = time.monotonic() + self.START_TIMEOUT_S
        while not ready.wait(0.2):
            if not process.is_alive() or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the live center host did not start; see its log above")
        self._process = process

    def _keep(self) -> None:
        while not self._stopping.is_set():
            assert self._process is not None
            self._process.join()
            if self._stopping.is_set():
                return
            log.error(
                "the live center host exited (code %s); starting it again", self._process.exitcode
            )
            time.sleep(1.0)
            try:
                self._spawn()
            except RuntimeError:
                log.exception("the live center host could not start again")
