"""The ASGI application."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from altpay.auth.dependencies import AuthRuntime
from altpay.auth.routes import router as auth_router
from altpay.core.health import router as health_router
from altpay.core.http.errors import index_route_methods, install_error_handlers
from altpay.core.http.middleware import RequestMiddleware
from altpay.core.metrics_routes import router as metrics_router
from altpay.core.observability import configure_logging
from altpay.core.runtime import Runtime
from altpay.core.settings import Settings
from altpay.customers.routes import router as customers_router
from altpay.docs.routes import router as docs_router
from altpay.openapi.routes import router as openapi_router
from altpay.payment_methods.routes import router as payment_methods_router
from altpay.sandbox.expiry import expiring_tenants
from altpay.sandbox.recording import RequestLogMiddleware
from altpay.sandbox.routes import router as sandbox_router
from altpay.sandbox.writer import RequestLogWriter
from altpay.users.routes import router as users_router
from altpay.webhooks.delivery import delivering
from altpay.webhooks.routes import router as webhooks_router

API_TITLE = "Alternative Payments"
API_VERSION = "1.1.0"


def create_app(settings: Settings | None = None, *, deliver_webhooks: bool = False) -> FastAPI:
    """The application; ``deliver_webhooks`` runs the webhook delivery loop beside it."""
    settings = settings or Settings()
    runtime = Runtime.from_settings(settings)
    auth = AuthRuntime.from_settings(settings)
    logs_requests = settings.sandbox_enabled and settings.request_log
    request_log = RequestLogWriter(runtime.database) if logs_requests else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = runtime
        app.state.auth = auth
        try:
            async with AsyncExitStack() as background:
                if deliver_webhooks:
                    await background.enter_async_context(delivering(runtime.database, settings))
                if settings.sandbox_enabled:
                    await background.enter_async_context(expiring_tenants(runtime.database))
                if request_log is not None:
                    await background.enter_async_context(request_log.running())
                yield
        finally:
            await runtime.database.dispose()

    app = FastAPI(
        title=API_TITLE,
        version=API_VERSION,
        lifespan=lifespan,
        redirect_slashes=False,
        openapi_url=None,  # altpay.openapi serves the refined document
        docs_url=None,  # altpay.docs serves /docs without a CDN
        redoc_url=None,
        # FastAPI's OpenTelemetry hook looks for providers in the environment on every
        # request (~6% of a GET); altpay's telemetry is Prometheus and JSON logs.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.runtime = runtime
    app.state.auth = auth
    app.state.request_log = request_log
    install_error_handlers(app)
    # The sandbox's routes exist only while it is on: in production mode, a 404.
    sandbox_routers = (sandbox_router,) if settings.sandbox_enabled else ()
    routers = (
        auth_router,
        customers_router,
        payment_methods_router,
        users_router,
        webhooks_router,
        *sandbox_routers,
        health_router,
        docs_router,
        openapi_router,
        metrics_router,
    )
    for router in routers:
        app.include_router(router)
    index_route_methods(app, routers)
    app.add_middleware(RequestMiddleware)
    if request_log is not None:
        app.add_middleware(RequestLogMiddleware, writer=request_log)
    if runtime.settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=runtime.settings.trusted_proxies)
    return app


def create_served_app() -> FastAPI:
    """The app as each ``altpay serve`` worker runs it: settings from the environment, JSON logs."""
    settings = Settings()
    configure_logging(settings.log_level)
    # In development the one-command sandbox delivers its webhooks itself; in production
    # ``altpay worker`` processes do.
    app = create_app(settings, deliver_webhooks=settings.serve_delivers)
    # Everything made so far (modules, routes, schemas) lives as long as the worker: moved
    # out of the collector's sight, it is not traversed again by every full collection, the
    # largest part of the latency tail of database routes here (docs/performance.md).
    gc.freeze()
    return app
