"""监管/审计导出 Export routes: ``POST /exports`` (202 + job id), ``GET /exports/{id}``,
``GET /exports/{id}/files/{name}``. Regulator and auditor roles (capability
``export``); the token's scope applies as for reads; unmasked only for an auditor
with a reason (RC-03), recorded as an access event."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field

from interfaces.api.auth import require
from interfaces.api.context import ApiContext, api_context
from interfaces.api.permissions import Capability as C
from interfaces.api.permissions import Principal
from interfaces.api.problems import (
    FORBIDDEN,
    INVALID_INPUT,
    NOT_FOUND,
    OUT_OF_SCOPE,
    ProblemException,
    ProblemType,
    problem_responses,
)
from interfaces.exports.access import ExportRefused, scoped
from interfaces.exports.jobs import (
    MAX_UNFINISHED_PER_TOKEN,
    ExportJob,
    ExportJobs,
    TooManyJobs,
    catch_up_in_thread,
)
from interfaces.exports.package import ExportRequest

TAG = "exports 导出"
TOO_MANY_JOBS = ProblemType("too-many-export-jobs", 429, "导出任务过多", "Too many unfinished export jobs")
router = APIRouter(tags=[TAG])
Ctx = Annotated[ApiContext, Depends(api_context)]
Exporter = Annotated[Principal, Depends(require(C.EXPORT))]
MEDIA = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8",
    ".jsonl": "application/jsonl",
    ".json": "application/json",
}


class ExportIn(BaseModel):
    """导出参数 What to export."""

    month: str = Field(examples=["2026-03"], description="YYYY-MM")
    branch: str | None = Field(None, max_length=100, description="one branch; default: the token's scope")
    formats: list[str] = Field(["xlsx", "csv", "jsonl"], min_length=1, max_length=3)
    unmasked: bool = Field(False, description="personal data in clear: auditor role and a reason (RC-03)")
    reason: str = Field("", max_length=500, description="why the auditor needs personal data in clear")


class ExportFileOut(BaseModel):
    name: str
    rows: int
    bytes: int
    sha256: str
    url: str


class ExportJobOut(BaseModel):
    """导出任务 An export job and, once done, its files."""

    id: str
    status: str = Field(description="queued / running / done / failed")
    month: str
    branch: str | None
    formats: list[str]
    personal_data: str = Field(description="masked / unmasked")
    files: list[ExportFileOut] = []
    manifest_url: str | None = None
    error: str | None = None
    error_zh: str | None = None

    @classmethod
    def of(cls, job: ExportJob) -> ExportJobOut:
        base = f"/exports/{job.id}/files"
        files = [ExportFileOut(**f, url=f"{base}/{f['name']}") for f in (job.manifest or {}).get("files", [])]
        return cls(
            id=job.id,
            status=job.status,
            month=job.request.month,
            branch=job.request.branch,
            formats=list(job.request.formats),
            personal_data="masked" if job.request.masked else "unmasked",
            files=files,
            manifest_url=f"{base}/manifest.json" if job.status == "done" else None,
            error=job.error or None,
            error_zh=job.error_zh or None,
        )


def export_jobs(request: Request, ctx: Ctx) -> ExportJobs:
    """The process's job list, created on first use (a test may set its own)."""
    jobs: ExportJobs | None = getattr(request.app.state, "export_jobs", None)
    if jobs is None:
        jobs = ExportJobs(ctx.app, ctx.app.settings.data_dir / "exports", catch_up=_catch_up(ctx))
        request.app.state.export_jobs = jobs
    return jobs


def _catch_up(ctx: ApiContext) -> Any:
    """Wait for the read models when a runner runs in this process; else bring them up."""
    app, wait_for = ctx.app, ctx.wait_for
    if wait_for is None:
        return catch_up_in_thread(app)
    return lambda: wait_for(app.max_position(), 60.0)


Jobs = Annotated[ExportJobs, Depends(export_jobs)]


def _not_found(what: str) -> ProblemException:
    return ProblemException(NOT_FOUND, f"no such {what}", f"{what} 不存在")


@router.post(
    "/exports",
    status_code=202,
    response_model=ExportJobOut,
    summary="导出 Start a monthly export (202: a job id to poll)",
    responses=problem_responses(400, 401, 403, 422, 429),
)
def post_export(body: ExportIn, principal: Exporter, jobs: Jobs) -> JSONResponse:
    if body.reason and not body.unmasked:
        raise ProblemException(INVALID_INPUT, "reason only applies with unmasked", "理由仅用于明文导出")
    request = ExportRequest.of(body.month, body.branch, body.formats, body.reason if body.unmasked else None)
    try:
        request = scoped(principal, request)
    except ExportRefused as exc:
        problem = OUT_OF_SCOPE if exc.rule is None else FORBIDDEN
        raise ProblemException(problem, str(exc), exc.message_zh, rule=exc.rule) from None
    try:
        job = jobs.submit(principal.token_id, principal.actor, request)
    except TooManyJobs:
        raise ProblemException(
            TOO_MANY_JOBS,
            f"this token already has {MAX_UNFINISHED_PER_TOKEN} unfinished export jobs:"
            " wait for one to finish",
            f"该令牌已有 {MAX_UNFINISHED_PER_TOKEN} 个未完成的导出任务，请稍候",
        ) from None
    return JSONResponse(
        ExportJobOut.of(job).model_dump(mode="json"),
        status_code=202,
        headers={"Location": f"/exports/{job.id}"},
    )


@router.get(
    "/exports/{job_id}",
    response_model=ExportJobOut,
    summary="导出任务状态 An export job's status and files",
    responses=problem_responses(401, 403, 404),
)
def get_export(job_id: str, principal: Exporter, jobs: Jobs) -> ExportJobOut:
    job = jobs.get(job_id, principal.token_id)
    if job is None:
        raise _not_found("export job 导出任务")
    return ExportJobOut.of(job)


@router.get(
    "/exports/{job_id}/files/{name}",
    summary="下载导出文件 Download one file of a finished export",
    responses={200: {"content": {m: {} for m in MEDIA.values()}}, **problem_responses(401, 403, 404)},
)
def get_export_file(job_id: str, name: str, principal: Exporter, jobs: Jobs) -> FileResponse:
    job = jobs.get(job_id, principal.token_id)
    path = job.file(name) if job is not None else None
    if path is None:
        raise _not_found("export file 导出文件")
    return FileResponse(
        path, media_type=MEDIA.get(path.suffix, "application/octet-stream"), filename=path.name
    )
