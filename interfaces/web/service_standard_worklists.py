"""Service-standard worklist pages (服务标准待办, SL-01..SL-04) beside the API's GETs.

Each page calls the API's own handler (``/worklists/complaints``, ``/worklists/claims``,
``/worklists/care-callbacks``, ``/worklists/renewal-reminders``) with the caller from
the cookie, so rows, order and scope (403 outside the token's scope) are the API's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from interfaces.api.pagination import PageParams
from interfaces.api.permissions import Principal
from interfaces.api.read_models.worklists import (
    get_care_callback_worklist,
    get_claim_worklist,
    get_complaint_worklist,
    get_renewal_reminder_worklist,
)
from interfaces.web.pages import Ctx
from interfaces.web.worklists import ROWS, Offset, Text, _page

router = APIRouter(include_in_schema=False)
TEMPLATE = "worklist_service_standards.html"


@router.get("/ui/worklists/complaints", response_class=HTMLResponse)
def complaints_page(request: Request, ctx: Ctx, branch: Text = None, offset: Offset = 0) -> Response:
    """投诉待办 Complaints to acknowledge or decide (SL-01b/c)."""

    def fetch(principal: Principal) -> Any:
        return get_complaint_worklist(ctx, principal, PageParams(ROWS, offset), branch=branch)

    return _page(
        request, ctx, TEMPLATE, "投诉待办 Complaints to handle", "/worklists/complaints", fetch,
        {"branch": branch},
    )  # fmt: skip


@router.get("/ui/worklists/claims", response_class=HTMLResponse)
def claims_page(
    request: Request, ctx: Ctx, branch: Text = None, handler_id: Text = None, offset: Offset = 0
) -> Response:
    """理赔待办 Claim steps not done (SL-03a/b/d/e)."""

    def fetch(principal: Principal) -> Any:
        return get_claim_worklist(
            ctx, principal, PageParams(ROWS, offset), branch=branch, handler_id=handler_id
        )

    return _page(
        request, ctx, TEMPLATE, "理赔待办 Claim steps due", "/worklists/claims", fetch,
        {"branch": branch, "handler_id": handler_id},
    )  # fmt: skip


@router.get("/ui/worklists/care-callbacks", response_class=HTMLResponse)
def care_callbacks_page(request: Request, ctx: Ctx, branch: Text = None, offset: Offset = 0) -> Response:
    """关怀回访待呼 Care callbacks not reached yet (SL-04a/b)."""

    def fetch(principal: Principal) -> Any:
        return get_care_callback_worklist(ctx, principal, PageParams(ROWS, offset), branch=branch)

    return _page(
        request, ctx, TEMPLATE, "关怀回访待呼 Care callbacks", "/worklists/care-callbacks", fetch,
        {"branch": branch},
    )  # fmt: skip


@router.get("/ui/worklists/renewal-reminders", response_class=HTMLResponse)
def renewal_reminders_page(
    request: Request, ctx: Ctx, agent_code: Text = None, branch: Text = None, offset: Offset = 0
) -> Response:
    """续保提醒待办 An agent's reminders due by today (SL-02b)."""

    def fetch(principal: Principal) -> Any:
        return get_renewal_reminder_worklist(
            ctx, principal, PageParams(ROWS, offset), agent_code=agent_code, branch=branch
        )

    return _page(
        request, ctx, TEMPLATE, "续保提醒待办 Renewal reminders due", "/worklists/renewal-reminders", fetch,
        {"agent_code": agent_code, "branch": branch},
    )  # fmt: skip
