"""Liveness and readiness for load balancers and container health checks."""

from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.api.deps import ContextDep
from app.storage.db import alembic_config

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the database answers and its schema is current")
def readyz(ctx: ContextDep) -> Any:
    head = ScriptDirectory.from_config(alembic_config(ctx.engine)).get_current_head()
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:  # any database failure means: do not send traffic here
        return JSONResponse({"status": "unavailable", "database": str(exc)[:200]},
                            status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    if current != head:
        return JSONResponse({"status": "unavailable", "migrations": {"current": current, "head": head}},
                            status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    return {"status": "ready", "database": "ok", "migrations": current, "personas": len(ctx.personas)}
