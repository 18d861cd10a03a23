"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error answer has a stable ``type`` URI, a Chinese and English ``title``, a
``detail`` and, when a business rule refused the command, the ``rule`` id (422).
Bad input is always 4xx: 400 malformed input (FastAPI's request-validation 422 is
turned into 400; 422 is reserved for rule refusals), 404 unknown business keys,
409 conflicts that survived retries. A 5xx means the server or its database
failed, never the caller's input.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from application.adapters.database import DatabaseUnavailable
from application.errors import CommandIdReused, ConcurrencyConflict
from domain.shared.errors import AlreadyExists, DomainError, InvalidInput, NotFound, RuleViolation

log = logging.getLogger(__name__)

PSYCOPG_UNAVAILABLE = (psycopg.OperationalError, psycopg.InterfaceError)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:policytrail:problem:"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title_zh: str
    title_en: str

    @property
    def uri(self) -> str:
        return TYPE_BASE + self.slug

    @property
    def title(self) -> str:
        return f"{self.title_zh} {self.title_en}"


INVALID_INPUT = ProblemType("invalid-input", 400, "输入无效", "Invalid input")
UNAUTHENTICATED = ProblemType("unauthenticated", 401, "未认证", "Authentication required")
FORBIDDEN = ProblemType("forbidden", 403, "无权执行", "Not permitted for this role")
OUT_OF_SCOPE = ProblemType("out-of-scope", 403, "超出数据范围", "Outside the token's scope")
NOT_FOUND = ProblemType("not-found", 404, "不存在", "Not found")
METHOD_NOT_ALLOWED = ProblemType("method-not-allowed", 405, "方法不允许", "Method not allowed")
ALREADY_EXISTS = ProblemType("already-exists", 409, "已存在", "Already exists")
CONFLICT = ProblemType("conflict", 409, "并发冲突", "Conflicts with concurrent changes")
COMMAND_ID_REUSED = ProblemType(
    "command-id-reused", 409, "幂等键已用于其他命令", "Idempotency key used for another command"
)
PAYLOAD_TOO_LARGE = ProblemType("payload-too-large", 413, "请求体过大", "Request body too large")
RULE_VIOLATION = ProblemType("rule-violation", 422, "业务规则拒绝", "Refused by a business rule")
UNAVAILABLE = ProblemType("unavailable", 503, "服务暂不可用", "Service unavailable")
INTERNAL = ProblemType("internal-error", 500, "内部错误", "Internal error")

CATALOGUE: tuple[ProblemType, ...] = (
    INVALID_INPUT,
    UNAUTHENTICATED,
    FORBIDDEN,
    OUT_OF_SCOPE,
    NOT_FOUND,
    METHOD_NOT_ALLOWED,
    ALREADY_EXISTS,
    CONFLICT,
    COMMAND_ID_REUSED,
    PAYLOAD_TOO_LARGE,
    RULE_VIOLATION,
    UNAVAILABLE,
    INTERNAL,
)

#: Domain and application errors by class (most specific first).
_BY_ERROR: tuple[tuple[type[DomainError], ProblemType], ...] = (
    (RuleViolation, RULE_VIOLATION),
    (NotFound, NOT_FOUND),
    (AlreadyExists, ALREADY_EXISTS),
    (ConcurrencyConflict, CONFLICT),
    (CommandIdReused, COMMAND_ID_REUSED),
    (InvalidInput, INVALID_INPUT),
)


class ValidationItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details, with PolicyTrail's extension members."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": RULE_VIOLATION.uri,
                    "title": RULE_VIOLATION.title,
                    "title_zh": RULE_VIOLATION.title_zh,
                    "title_en": RULE_VIOLATION.title_en,
                    "status": 422,
                    "detail": "receipt already signed on 2026-03-01; cooling-off is fixed",
                    "detail_zh": "回执已于 2026-03-01 签收，犹豫期已确定",
                    "rule": "CB-03",
                    "instance": "/policies/P2026000001/receipt-signature",
                }
            ]
        }
    )

    type: str = Field(description="stable URI of the problem type")
    title: str = Field(description="中文 English")
    title_zh: str
    title_en: str
    status: int
    detail: str = Field(description="what went wrong (English)")
    detail_zh: str = Field(description="what went wrong (中文)")
    instance: str | None = None
    rule: str | None = Field(None, description="rule id (RULES.md) when a business rule refused")
    errors: list[ValidationItem] | None = Field(None, description="field errors of bad input")
    details: dict[str, Any] | None = None


class ProblemException(Exception):
    """Raised inside the API to answer with a given problem."""

    def __init__(
        self,
        problem: ProblemType,
        detail_en: str,
        detail_zh: str = "",
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail_en)
        self.problem = problem
        self.detail_en = detail_en
        self.detail_zh = detail_zh or detail_en
        self.headers = dict(headers or {})
        self.extra = extra


def problem_response(
    problem: ProblemType,
    detail_en: str,
    detail_zh: str = "",
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": problem.uri,
        "title": problem.title,
        "title_zh": problem.title_zh,
        "title_en": problem.title_en,
        "status": problem.status,
        "detail": detail_en,
        "detail_zh": detail_zh or detail_en,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(
        jsonable_encoder(body),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=dict(headers or {}),
    )


def validation_items(errors: Iterable[Mapping[str, Any]], prefix: tuple[str, ...] = ()) -> list[dict]:
    """Field errors without the offending input (it may be personal data)."""
    return [
        {
            "loc": [*prefix, *(p if isinstance(p, int) else str(p) for p in e.get("loc", ()))],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


def _summary(items: list[dict]) -> str:
    parts = [f"{'.'.join(str(p) for p in i['loc'])}: {i['msg']}" for i in items[:5]]
    more = f" (+{len(items) - 5} more)" if len(items) > 5 else ""
    return "; ".join(parts) + more


def problem_for_error(exc: DomainError) -> ProblemType:
    for cls, problem in _BY_ERROR:
        if isinstance(exc, cls):
            return problem
    # Any other deliberate domain refusal: a rule if it names one, else bad input.
    return RULE_VIOLATION if getattr(exc, "rule_id", None) else INVALID_INPUT


def _instance(request: Request) -> str:
    """The request path as sent (percent-encoded): ``instance`` is a URI reference."""
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path


def install_problem_handlers(api: FastAPI) -> None:
    """Answer every error of the API as problem+json."""

    @api.exception_handler(ProblemException)
    async def _problem(request: Request, exc: ProblemException) -> JSONResponse:
        return problem_response(
            exc.problem,
            exc.detail_en,
            exc.detail_zh,
            instance=_instance(request),
            headers=exc.headers,
            **exc.extra,
        )

    @api.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        items = validation_items(exc.errors())
        return problem_response(
            INVALID_INPUT,
            f"malformed request: {_summary(items)}",
            f"请求格式错误：{_summary(items)}",
            instance=_instance(request),
            errors=items,
        )

    @api.exception_handler(ValidationError)
    async def _model_invalid(request: Request, exc: ValidationError) -> JSONResponse:
        items = validation_items(exc.errors(include_input=False), ("body",))
        return problem_response(
            INVALID_INPUT,
            f"invalid command: {_summary(items)}",
            f"命令无效：{_summary(items)}",
            instance=_instance(request),
            errors=items,
        )

    @api.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(
            problem_for_error(exc),
            exc.message_en,
            exc.message_zh,
            instance=_instance(request),
            rule=getattr(exc, "rule_id", None),
            details=exc.details or None,
        )

    @api.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        known = {p.status: p for p in (NOT_FOUND, METHOD_NOT_ALLOWED, UNAUTHENTICATED)}
        problem = known.get(exc.status_code) or ProblemType(
            f"http-{exc.status_code}", exc.status_code, "请求错误", "HTTP error"
        )
        detail, detail_zh = str(exc.detail or problem.title_en), ""
        where = f"{request.method} {request.url.path}"
        if exc.status_code == 404:
            detail, detail_zh = f"no such resource: {where}", f"没有这个资源：{where}"
        elif exc.status_code == 405:
            detail, detail_zh = f"method not allowed: {where}", f"不支持该方法：{where}"
        return problem_response(
            problem, detail, detail_zh, instance=_instance(request), headers=getattr(exc, "headers", None)
        )

    async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return problem_response(
            UNAVAILABLE,
            "the database is unavailable; try again later",
            "数据库暂不可用，请稍后再试",
            instance=_instance(request),
            headers={"Retry-After": "5"},
        )

    # psycopg's own errors (a read connection, a pool timeout) too: an outage is never a 500
    for cls in (DatabaseUnavailable, OperationalError, InterfaceError, *PSYCOPG_UNAVAILABLE):
        api.add_exception_handler(cls, _unavailable)

    @api.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            INTERNAL,
            "unexpected server error; it has been logged",
            "服务器内部错误，已记录日志",
            instance=_instance(request),
        )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given error statuses (problem+json)."""
    by_status: dict[int, list[ProblemType]] = {}
    for p in CATALOGUE:
        by_status.setdefault(p.status, []).append(p)
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        kinds = by_status.get(status, [])
        description = "; ".join(f"{p.title} (`{p.uri}`)" for p in kinds) or "error"
        out[status] = {
            "description": description,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out


def catalogue_markdown() -> str:
    rows = "\n".join(f"| {p.status} | `{p.uri}` | {p.title_zh} | {p.title_en} |" for p in CATALOGUE)
    return "| status | type | 标题 | title |\n|---|---|---|---|\n" + rows
