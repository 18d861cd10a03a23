"""What the read-model GETs share (读模型查询公用): dependencies, query parameters, edge
checks, the shape of an example page. Each read model's own routes, parameters and
examples are in its module (``audit_trail``, ``timeliness``, ``scorecards``, ``worklists``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query

from domain.planner_score import month_of
from domain.shared.errors import InvalidInput
from domain.shared.time import business_date
from interfaces.api.auth import require
from interfaces.api.context import ApiContext, api_context
from interfaces.api.pagination import PageParams, page_params
from interfaces.api.permissions import Capability as C
from interfaces.api.permissions import Principal
from interfaces.api.problems import problem_responses
from interfaces.input_checks import check_storable

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
RULE_PATTERN = r"^[A-Z]{2,4}-\d{2}[a-z]?$"  # sub-items such as SL-01b

Ctx = Annotated[ApiContext, Depends(api_context)]
Reader = Annotated[Principal, Depends(require(C.READ))]
Paging = Annotated[PageParams, Depends(page_params)]
ERRORS = problem_responses(400, 401, 403, 503)


def _text(description: str, example: str, max_length: int = 60) -> Any:
    return Query(min_length=1, max_length=max_length, description=description, examples=[example])


Branch = Annotated[str | None, _text("机构 branch", "北京分公司")]
Channel = Annotated[str | None, _text("渠道 channel", "个险", 20)]
ProductTypeParam = Annotated[str | None, _text("产品类型 product type", "分红", 20)]
AgentCodeParam = Annotated[str | None, _text("业务员工号 agent code", "A0001", 20)]
PolicyNumberParam = Annotated[str | None, _text("保单号 policy number", "P2026000001", 40)]
HandlerId = Annotated[
    str | None,
    Query(min_length=1, max_length=60, description="查勘/理赔人员 claim handler", examples=["SV01"]),
]
Month = Annotated[
    str | None,
    Query(pattern=MONTH_PATTERN, description="月份 YYYY-MM (default: this month)", examples=["2026-03"]),
]


def this_month(now: datetime) -> str:
    return month_of(business_date(now))


def checked(**values: Any) -> None:
    """400 for text PostgreSQL cannot take, dates out of range, naive times."""
    for name, value in values.items():
        check_storable(value, name)
        if isinstance(value, datetime) and value.tzinfo is None:
            raise InvalidInput(
                f"{name} must be timezone-aware (e.g. 2026-03-01T00:00:00+08:00)", f"{name} 必须带时区"
            )


def ordered(first: Any, last: Any, names: str) -> None:
    if first is not None and last is not None and first > last:
        raise InvalidInput(f"{names}: the start is after the end", f"{names}：起点晚于终点")


def ok(example: object) -> dict[int | str, dict[str, object]]:
    """The documented answers of a read: 200 with ``example``, and the problems."""
    return {200: {"content": {"application/json": {"example": example}}}, **ERRORS}


def example_page(item: dict[str, Any]) -> dict[str, Any]:
    """A one-item page as the list endpoints answer it."""
    return {"items": [item], "total": 1, "limit": 50, "offset": 0, "next_offset": None}
