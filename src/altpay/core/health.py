"""Liveness and readiness probes: unauthenticated, never rate-limited."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

from altpay.core.db import DatabaseError, reading
from altpay.core.errors import Unavailable, raises
from altpay.core.http.connections import runtime_of

router = APIRouter(tags=["Operations"])


class Health(BaseModel):
    status: str


@router.get("/healthz", operation_id="getHealth", summary="Liveness")
async def healthz() -> Health:
    """The process is alive and serving."""
    return Health(status="ok")


@router.get("/readyz", operation_id="getReadiness", summary="Readiness")
@raises(Unavailable)
async def readyz(request: Request) -> Health:
    """The database is reachable and migrated to the revision this build expects."""
    runtime = runtime_of(request)
    try:
        async with reading(runtime.database) as connection:
            revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    except DatabaseError as error:
        raise Unavailable("The database is unreachable.") from error
    if revision != runtime.schema_revision:
        raise Unavailable("The database is not migrated to the expected revision.")
    return Health(status="ok")
