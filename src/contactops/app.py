"""Composition root of the web application: every domain's routers on one FastAPI app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    owns_db = db is None
    db = db or Database(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if not migrate.is_up_to_date(db.engine):
            raise DatabaseNotMigrated(
                "the database schema is not current: run `contactops db upgrade` first"
            )
        # The live center is rebuilt from the database: waiting contacts, agents' states.
        live_service.recover(db)
        timers = live_service.TimerThread(db, settings.live_tick_s)
        if settings.live_timers:
            timers.start()
        yield
        if timers.is_alive():
            timers.stop()
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
