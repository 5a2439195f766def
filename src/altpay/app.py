"""The ASGI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from altpay.auth.routes import router as auth_router
from altpay.core.http import (
    RequestContextMiddleware,
    index_route_methods,
    install_error_handlers,
)
from altpay.customers.routes import router as customers_router
from altpay.payment_methods.routes import router as payment_methods_router
from altpay.runtime import Runtime
from altpay.settings import Settings
from altpay.users.routes import router as users_router

API_TITLE = "Alternative Payments"
API_VERSION = "1.1.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime.from_settings(settings or Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = runtime
        try:
            yield
        finally:
            await runtime.database.dispose()

    app = FastAPI(title=API_TITLE, version=API_VERSION, lifespan=lifespan, redirect_slashes=False)
    app.state.runtime = runtime
    install_error_handlers(app)
    routers = (auth_router, customers_router, payment_methods_router, users_router)
    for router in routers:
        app.include_router(router)
    index_route_methods(app, routers)
    app.add_middleware(RequestContextMiddleware)
    return app
