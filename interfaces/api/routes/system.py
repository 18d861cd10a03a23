"""Health and "who am I" (系统)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from application.adapters.replica import replica_for
from application.scheduler import last_tick
from domain.shared.time import local
from interfaces.api.auth import authenticated
from interfaces.api.context import ApiContext, api_context
from interfaces.api.permissions import Principal
from interfaces.api.problems import problem_responses

router = APIRouter(tags=["system 系统"])


class DatabaseHealth(BaseModel):
    reachable: bool
    kind: Literal["embedded", "configured"]
    error: str | None = None


class ProjectionLag(BaseModel):
    name: str
    position: int | None = Field(description="last log position it committed (null: not started)")
    lag: int | None = Field(description="events it still has to process (null: not started)")
    state: str = ""
    error: str | None = None


class SchedulerHealth(BaseModel):
    """The last run of the time-driven commands (定时任务), by whichever process leads."""

    interval_seconds: float = Field(description="configured tick interval (0: no in-process scheduler)")
    last_tick_at: datetime | None = Field(description="the business 'now' of the last tick (null: none yet)")
    lag_seconds: float | None = Field(description="seconds from the last tick's 'now' to this server's now")
    closed: int | None = Field(description="expired call cycles the last tick closed (CA-02)")
    errors: int | None = Field(description="refusals or failures in the last tick")
    stale: bool = Field(description="true when the last tick is more than 3 intervals old")


class ReplicaHealth(BaseModel):
    """The read replica (POLICYTRAIL_READ_DATABASE_URL) that read-model GETs use."""

    reachable: bool
    lag_bytes: int | None = Field(None, description="WAL bytes the replica has yet to replay")
    replay_delay_seconds: float | None = Field(
        None, description="age of the last replayed commit while replaying (0: replayed all it received)"
    )
    error: str | None = None


class Health(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    database: DatabaseHealth
    last_position: int | None = Field(description="last position of the notification log")
    projections: list[ProjectionLag] | None = Field(
        description="each read model's position and lag; null when no projection runtime runs here"
    )
    scheduler: SchedulerHealth | None = None
    replica: ReplicaHealth | None = Field(None, description="null: reads go to the primary")


@router.get(
    "/health",
    response_model=Health,
    summary="健康 Database reachable, last event position, each projection's lag, read-replica lag",
    responses={503: {"model": Health, "description": "database unreachable 数据库不可达"}},
)
def health(ctx: Annotated[ApiContext, Depends(api_context)]) -> Any:
    kind: Literal["embedded", "configured"] = "embedded" if ctx.app.database.embedded else "configured"
    try:
        ctx.app.gate.check()  # during an outage: one probe (≤ 1 s), not the pool's timeout
        last = ctx.app.max_position()
        projections = None
        if ctx.projection_status is not None:
            projections = [ProjectionLag.model_validate(p) for p in ctx.projection_status()]
        scheduler = scheduler_health(ctx)
    except Exception as exc:  # any failure to reach the store (e.g. no free connection) is "unavailable"
        body = Health(
            status="unavailable",
            database=DatabaseHealth(reachable=False, kind=kind, error=type(exc).__name__),
            last_position=None,
            projections=None,
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=503)
    lagging = any(p.lag is None or p.lag > 0 or p.error for p in projections or [])
    replica = replica_health(ctx.app)
    return Health(
        status="degraded"
        if lagging or scheduler.stale or (replica is not None and not replica.reachable)
        else "ok",
        database=DatabaseHealth(reachable=True, kind=kind),
        last_position=last,
        projections=projections,
        scheduler=scheduler,
        replica=replica,
    )


def scheduler_health(ctx: ApiContext) -> SchedulerHealth:
    """Counts only: the tick's error text may name policies, and /health needs no token."""
    interval = ctx.app.settings.tick_interval_seconds
    last = last_tick(ctx.app.database, ctx.app.settings.events_schema)
    if last is None:
        return SchedulerHealth(
            interval_seconds=interval,
            last_tick_at=None,
            lag_seconds=None,
            closed=None,
            errors=None,
            stale=False,
        )
    lag = (ctx.app.clock.now() - last.at).total_seconds()
    return SchedulerHealth(
        interval_seconds=interval,
        last_tick_at=local(last.at),
        lag_seconds=round(lag, 3),
        closed=last.closed,
        errors=last.errors,
        stale=interval > 0 and lag > 3 * interval,
    )


class Me(BaseModel):
    token_id: str
    role: str
    scope: str
    actor_id: str = Field(description="recorded as the actor of every command you send")
    capabilities: list[str]
    sees_personal_data: bool


@router.get(
    "/me",
    response_model=Me,
    summary="我 The caller's role, scope and capabilities",
    responses=problem_responses(401, 503),
)
def me(principal: Annotated[Principal, Depends(authenticated)]) -> Me:
    return Me(
        token_id=principal.token_id,
        role=principal.role,
        scope=str(principal.scope),
        actor_id=principal.name,
        capabilities=sorted(principal.grant.capabilities),
        sees_personal_data=principal.sees_personal_data,
    )


def replica_health(app: Any) -> ReplicaHealth | None:
    replica = replica_for(app)
    if replica is None:
        return None
    lag = replica.lag()
    return ReplicaHealth(
        reachable=lag.reachable,
        lag_bytes=lag.lag_bytes,
        replay_delay_seconds=lag.replay_delay_seconds,
        error=lag.error,
    )
