"""The dashboard's pages (看板页面): login with a bearer token, the dashboard, audit trails.

The token travels once (a login form, or ``/?token=…`` which redirects at once) and opens
a session: the HttpOnly, SameSite=Strict cookie carries the session id, never the token,
and logout revokes the session (``interfaces/api/tokens.py``). Only roles
with ``read:dashboard`` get the page; the token's scope narrows every figure.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, quote
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from domain.shared.errors import DomainError, NotFound
from domain.shared.values import policy_number as normal_policy_number
from interfaces.api.auth import require_scope
from interfaces.api.context import ApiContext, api_context
from interfaces.api.owners import find_policy, policy_owner
from interfaces.api.permissions import Capability, Principal
from interfaces.api.problems import ProblemException, problem_for_error
from interfaces.api.read_models.access import narrow, reading
from interfaces.api.read_models.timeliness import TimelinessSummary
from interfaces.api.tokens import SESSION_LIFETIME, TokenRecord
from interfaces.web import charts
from interfaces.web.dashboard import AGENT_SORTS, build, sort_agents
from projections.audit_trail.queries import AuditFilters, query_audit_trail

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
COOKIE = "policytrail_session"
AUDIT_PAGE_ROWS = 200

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(), trim_blocks=True
)


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def _num(value: Any) -> str:
    return "—" if value is None else f"{value:,}"


def _local(moment: Any) -> str:
    from domain.shared.time import local

    return "" if moment is None else local(moment).strftime("%Y-%m-%d %H:%M")


templates.filters.update(pct=_pct, num=_num, local=_local)

router = APIRouter(include_in_schema=False)
Ctx = Annotated[ApiContext, Depends(api_context)]


def render(name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**values), status_code=status_code)


class NeedLogin(Exception):
    """No usable token: show the login form (with why; 403 when the role is the reason)."""

    def __init__(self, reason: str = "", status_code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status_code = status_code or (403 if reason else 401)


def viewer(request: Request, ctx: Ctx) -> Principal:
    """The caller, from the cookie; only roles allowed to see the dashboard."""
    return session_principal(
        request, ctx, Capability.VIEW_DASHBOARD, "无权查看看板", "may not view the dashboard"
    )


def session_principal(
    request: Request, ctx: Ctx, needs: Capability, denied_zh: str, denied_en: str
) -> Principal:
    """The caller of the cookie's dashboard session, who must hold ``needs``."""
    session_id = request.cookies.get(COOKIE)
    if not session_id:
        raise NeedLogin()
    record = ctx.tokens.session_token(session_id)
    if record is None:
        raise NeedLogin("会话已结束或令牌已失效 session ended, or its token expired or was revoked", 401)
    principal = record.principal()
    if not principal.can(needs):
        raise NeedLogin(f"角色 {principal.role} {denied_zh} role {principal.role} {denied_en}")
    return principal


def _login_page(reason: str = "", status_code: int = 401) -> HTMLResponse:
    return render("login.html", status_code=status_code, reason=reason)


def _error_page(exc: Exception) -> HTMLResponse:
    if isinstance(exc, ProblemException):
        status, title, detail = exc.problem.status, exc.problem.title, f"{exc.detail_zh} {exc.detail_en}"
    elif isinstance(exc, DomainError):
        problem = problem_for_error(exc)
        status, title, detail = problem.status, problem.title, f"{exc.message_zh} {exc.message_en}"
    else:  # pragma: no cover - handled by the API's handlers
        raise exc
    return render("error.html", status_code=status, title=title, detail=detail)


def _signed_in(ctx: ApiContext, secret: str) -> Response:
    """The login page again for a bad token; else a new session in the cookie, and home."""
    record = ctx.tokens.authenticate(secret) if secret else None
    if record is None:
        return _login_page("令牌无效、已过期或已吊销 unknown, expired or revoked token")
    return _with_session(ctx, record, RedirectResponse("/", status_code=303))


def _with_session(ctx: ApiContext, record: TokenRecord, response: Response) -> Response:
    """A new dashboard session for the token in the cookie (a session id, never the token)."""
    session_id = ctx.tokens.open_session(record)
    max_age = int(SESSION_LIFETIME.total_seconds())
    response.set_cookie(COOKIE, session_id, httponly=True, samesite="strict", path="/", max_age=max_age)
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    ctx: Ctx,
    token: Annotated[str | None, Query(max_length=200)] = None,
    month: Annotated[str | None, Query(max_length=7)] = None,
    sort: Annotated[str, Query(max_length=20)] = "success_rate",
    order: Annotated[str, Query(max_length=4)] = "asc",
) -> Response:
    if token:  # once: open a session and drop the token from the address bar
        return _signed_in(ctx, token)
    try:
        principal = viewer(request, ctx)
    except NeedLogin as why:
        return _login_page(why.reason, why.status_code)
    try:
        with reading(ctx.app) as r:
            data = build(r, principal, month)
    except (ProblemException, DomainError) as exc:
        return _error_page(exc)
    sort = sort if sort in AGENT_SORTS else "success_rate"
    descending = order == "desc"
    return render(
        "dashboard.html",
        d=data,
        principal=principal,
        agents=sort_agents(data.agents, sort, descending, data.scores),
        sort=sort,
        descending=descending,
        statuses=list(charts.STATUS_COLOURS),
        chart_kpis=charts.paired_rates(
            [
                charts.Pair(
                    b.branch,
                    b.current.callbacks.success_rate.value if b.current else None,
                    b.previous.callbacks.success_rate.value if b.previous else None,
                )
                for b in data.branches
            ],
            f"回访成功率 success rate {data.month} / {data.previous}",
        ),
        chart_branches=_status_chart(data.by_branch, "时效 by branch"),
        chart_channels=_status_chart(data.by_channel, "时效 by channel"),
    )


def _status_chart(summary: TimelinessSummary, title: str) -> Markup:
    stacks = [
        charts.Stack(g.key or "?", {s: getattr(g, s) for s in charts.STATUS_COLOURS}) for g in summary.groups
    ]
    return charts.stacked_bars(stacks, title)


@router.get("/login", response_class=HTMLResponse)
def login_form() -> HTMLResponse:
    return _login_page(status_code=200)


@router.post("/login")
async def login(request: Request, ctx: Ctx) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    secret = (form.get("token") or [""])[0].strip()
    return await run_in_threadpool(_signed_in, ctx, secret)


@router.get("/logout")
def logout(request: Request, ctx: Ctx) -> Response:
    """Revoke the session (the cookie alone, replayed later, opens nothing) and forget it."""
    session_id = request.cookies.get(COOKIE)
    if session_id:
        ctx.tokens.close_session(session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/ui/audit-trail", response_class=HTMLResponse)
def audit_trail_page(
    request: Request,
    ctx: Ctx,
    policy_number: Annotated[str | None, Query(max_length=40)] = None,
    aggregate_id: Annotated[UUID | None, Query()] = None,
) -> Response:
    """审计轨迹 The events of a policy (all its callbacks, work orders, cases) or of one aggregate."""
    try:
        principal = viewer(request, ctx)
    except NeedLogin as why:
        return _login_page(why.reason, why.status_code)
    try:
        number = normal_policy_number(policy_number) if policy_number else None
        if number is not None:
            policy = find_policy(ctx.app, number)
            if policy is None:
                raise NotFound(f"policy {number} not found", f"未找到保单 {number}")
            require_scope(principal, policy_owner(policy))
        scope = narrow(principal)
        filters = AuditFilters(
            policy_number=number,
            aggregate_id=aggregate_id,
            branch=None if number else scope.branch,
            agent_code=None if number else scope.agent_code,
        )
        with reading(ctx.app) as r:
            page = query_audit_trail(
                r.conn, r.schema, filters=filters, limit=AUDIT_PAGE_ROWS,
                late_after=timedelta(hours=ctx.app.settings.late_entry_hours),
            )  # fmt: skip
    except (ProblemException, DomainError) as exc:
        return _error_page(exc)
    api_query = f"policy_number={quote(number)}" if number else f"aggregate_id={aggregate_id}"
    return render(
        "audit_trail.html",
        page=page,
        subject=number or (str(aggregate_id) if aggregate_id else "全部 all"),
        api_url=f"/audit-trail?{api_query}" if (number or aggregate_id) else "/audit-trail",
        principal=principal,
    )
