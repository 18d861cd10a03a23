"""Worklist pages (工作队列页面): the call queue, a branch's work-order queue in OC-05 order,
the servicers' queue (PS-04), as HTML beside the API.

Each page calls the very GET handler of the API (``/worklists/calls``,
``/worklists/work-orders``, ``/worklists/service-cases``) with the caller from the
cookie, so the rows, their order and the scope (a branch token sees its branch, an
agent or servicer token its own cases, refusals as 403) are the API's.
Worklists are for the people who work them: every role that may read (``read``),
not only the dashboard's.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.shared.errors import DomainError
from interfaces.api.pagination import PageParams
from interfaces.api.permissions import Capability, Principal, ScopeKind
from interfaces.api.problems import ProblemException
from interfaces.api.read_models.access import reading
from interfaces.api.read_models.worklists import (
    get_call_worklist,
    get_service_case_worklist,
    get_work_order_worklist,
)
from interfaces.web.pages import (
    Ctx,
    NeedLogin,
    _error_page,
    _login_page,
    _with_session,
    render,
    session_principal,
)
from projections.worklists.queries import queue_branches

router = APIRouter(include_in_schema=False)

#: rows per page of a worklist page (the API's own cap is 500)
ROWS = 100

Text = Annotated[str | None, Query(max_length=60)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def worker(request: Request, ctx: Ctx) -> Principal:
    """The caller from the cookie; any role that may read the read models."""
    return session_principal(request, ctx, Capability.READ, "无权查看工作队列", "may not read worklists")


def _page(
    request: Request,
    ctx: Ctx,
    template: str,
    title: str,
    api_path: str,
    fetch: Any,
    params: dict[str, Any],
    choose_branch: bool = False,
) -> Response:
    token = request.query_params.get("token")
    if token:  # once: keep it in the cookie and drop it from the address bar (as ``/?token=``)
        record = ctx.tokens.authenticate(token) if len(token) <= 200 else None
        if record is None:
            return _login_page("令牌无效、已吊销或已过期 unknown or revoked token, or expired")
        rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
        target = request.url.path + (f"?{rest}" if rest else "")
        return _with_session(ctx, record, RedirectResponse(target, status_code=303))
    try:
        principal = worker(request, ctx)
    except NeedLogin as why:
        return _login_page(why.reason, 401 if not why.reason else 403)
    if choose_branch and principal.scope.kind == ScopeKind.ALL:
        # a queue is per branch (the API answers 400 without one): offer the branches instead
        with reading(ctx.app) as r:
            branches = queue_branches(r.conn, r.schema)
        return render(
            "worklist_branches.html",
            principal=principal,
            title=title,
            branches=branches,
            path=request.url.path,
        )
    try:
        result = fetch(principal)
    except (ProblemException, DomainError) as exc:
        return _error_page(exc)
    given = {k: v for k, v in params.items() if v not in (None, "", False)}
    query = urlencode({**given, "limit": ROWS, "offset": result.offset})
    more = urlencode({**given, "offset": result.next_offset}) if result.next_offset is not None else None
    return render(
        template,
        principal=principal,
        page=result,
        title=title,
        filters=given,
        api_url=f"{api_path}?{query}",
        next_url=f"{request.url.path}?{more}" if more else None,
    )


@router.get("/ui/worklists/calls", response_class=HTMLResponse)
def calls_page(
    request: Request,
    ctx: Ctx,
    branch: Text = None,
    channel: Text = None,
    agent_code: Text = None,
    offset: Offset = 0,
) -> Response:
    """回访待呼 The call queue (CA-01/02)."""

    def fetch(principal: Principal) -> Any:
        return get_call_worklist(
            ctx, principal, PageParams(ROWS, offset), branch=branch, channel=channel, agent_code=agent_code,
            policy_number=None,
        )  # fmt: skip

    return _page(
        request, ctx, "worklist_calls.html", "回访待呼 Call queue", "/worklists/calls", fetch,
        {"branch": branch, "channel": channel, "agent_code": agent_code},
    )  # fmt: skip


@router.get("/ui/worklists/work-orders", response_class=HTMLResponse)
def work_orders_page(
    request: Request,
    ctx: Ctx,
    branch: Text = None,
    handler_id: Text = None,
    offset: Offset = 0,
) -> Response:
    """问题件队列 A branch's open work orders in OC-05 order."""

    def fetch(principal: Principal) -> Any:
        return get_work_order_worklist(
            ctx, principal, PageParams(ROWS, offset), branch=branch, handler_id=handler_id
        )

    return _page(
        request, ctx, "worklist_work_orders.html", "问题件队列 Branch work-order queue",
        "/worklists/work-orders", fetch, {"branch": branch, "handler_id": handler_id},
        choose_branch=branch is None,
    )  # fmt: skip


@router.get("/ui/worklists/service-cases", response_class=HTMLResponse)
def service_cases_page(
    request: Request,
    ctx: Ctx,
    branch: Text = None,
    servicer_code: Text = None,
    include_unassigned: bool = False,
    offset: Offset = 0,
) -> Response:
    """服务件队列 The servicers' open cases in PS-04 order."""

    def fetch(principal: Principal) -> Any:
        return get_service_case_worklist(
            ctx, principal, PageParams(ROWS, offset), branch=branch, servicer_code=servicer_code,
            include_unassigned=include_unassigned,
        )  # fmt: skip

    return _page(
        request, ctx, "worklist_service_cases.html", "服务件队列 Servicer queue",
        "/worklists/service-cases", fetch,
        {"branch": branch, "servicer_code": servicer_code, "include_unassigned": include_unassigned},
    )  # fmt: skip
