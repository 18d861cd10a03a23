"""Data subjects (数据主体): erasure after retention (RC-02 / RC-03), admin only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from application.personal_data.erasure import erase
from interfaces.api.auth import require
from interfaces.api.context import ApiContext, api_context
from interfaces.api.permissions import Capability as C
from interfaces.api.permissions import Principal
from interfaces.api.problems import problem_responses
from interfaces.input_checks import check_storable

router = APIRouter(tags=["数据主体 Data subjects"])


class ErasureBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=500, examples=["客户申请删除（个人信息保护法第47条）"])


class ErasureAnswer(BaseModel):
    subject_id: str = Field(description="keyed subject id (reveals nothing about the person)")
    rule_id: str = "RC-02"
    retention_end: str | None = Field(description="the last day of retention that has passed")
    erased_aggregates: int
    destroyed_keys: int
    command_id: str


@router.post(
    "/subjects/{subject}/erasure",
    response_model=ErasureAnswer,
    summary="删除个人信息 Erase a data subject after retention (crypto-shredding)",
    description="`subject`: the subject id (preferred: keeps the ID number out of URLs and logs) or "
    "the ID number. Refused inside retention with rule RC-02 and the end date (422).",
    responses=problem_responses(400, 401, 403, 409, 422),
)
def post_erasure(
    subject: Annotated[str, Path(min_length=1, max_length=64)],
    body: ErasureBody,
    ctx: Annotated[ApiContext, Depends(api_context)],
    principal: Annotated[Principal, Depends(require(C.ERASE_PERSONAL_DATA))],
) -> ErasureAnswer:
    check_storable({"subject": subject, "reason": body.reason}, "body")
    result, destroyed = erase(ctx.app, subject, body.reason, principal.actor)
    return ErasureAnswer(
        subject_id=result.result["subject_id"],
        retention_end=result.result["retention_end"],
        erased_aggregates=result.result["erased_aggregates"],
        destroyed_keys=destroyed,
        command_id=result.command_id,
    )
