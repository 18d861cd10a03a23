"""Claim use cases (理赔案件), SL-03, and care callbacks (关怀回访), SL-04.

Closure care calls are placed only inside the CA-01 windows (the callback parameters are
the one home for windows, SL-04b); incident care calls follow the half-hour batch (SL-04a).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, Field

from application.messages import Command
from application.unit_of_work import UnitOfWork
from domain.callback.windows import require_call_window
from domain.claim import ClaimCase, ClaimStep
from domain.shared.errors import AlreadyExists, InvalidInput

#: yuan, two decimals (SL-03 amount bands)
Amount = Decimal


class ReportClaim(Command):
    """报案 Report a claim (SL-03; a 车险 scene report starts SL-04a)."""

    claim_no: str = Field(min_length=1, max_length=64, examples=["CL2026030001"])
    line: str = Field(examples=["车险"], description="车险/财产险/意健险")
    area: str = Field("市内", description="市内/市郊")
    tier: str = Field("普通", description="VIP/普通")
    branch: str = Field(min_length=1, max_length=100)
    policy_number: str = Field("", max_length=64)
    customer: str = Field(min_length=1, max_length=200)
    scene_report: bool = Field(True, description="现场报案")


class DispatchClaim(Command):
    """派工 Dispatch a surveyor (SL-03a/b clocks start)."""

    claim_no: str = Field(min_length=1, max_length=64)
    handler_id: str = Field(min_length=1, max_length=100)


class AgreeClaimArrival(Command):
    """约定到达时间 Agree an arrival time with the reason (SL-03b)."""

    claim_no: str = Field(min_length=1, max_length=64)
    agreed_at: AwareDatetime
    reason: str = Field(min_length=1, max_length=1000)


class RecordClaimStep(Command):
    """环节完成 Contact made, on site, loss assessed or claim approved (SL-03a/b/d/e)."""

    claim_no: str = Field(min_length=1, max_length=64)
    step: str = Field(description="联系客户/到达现场/定损/核赔")


class ExcludeClaimStep(Command):
    """除外 Stop a step's clock with the seed's reason (SL-03c, SL-03g)."""

    claim_no: str = Field(min_length=1, max_length=64)
    step: str = Field(description="联系客户/到达现场/核赔")
    reason: str = Field(description="通讯中断/交通环境/地理位置; 保险责任不明确/单证不齐全")
    note: str = Field("", max_length=1000)


class SettleAssessmentPlan(Command):
    """定损方案确定 Start the 定损 clock (SL-03d); above the table: agreed date + reason."""

    claim_no: str = Field(min_length=1, max_length=64)
    estimated_loss: Amount = Field(ge=0, max_digits=14, decimal_places=2)
    agreed_due_at: AwareDatetime | None = None
    reason: str = Field("", max_length=1000)


class CompleteClaimDocuments(Command):
    """索赔资料齐全 Start (or restart, SL-03g) the 核赔 clock (SL-03e)."""

    claim_no: str = Field(min_length=1, max_length=64)
    claim_amount: Amount = Field(ge=0, max_digits=14, decimal_places=2)


class AgreeDifficultClaim(Command):
    """疑难案件 A 核赔 date negotiated with the customer (SL-03g)."""

    claim_no: str = Field(min_length=1, max_length=64)
    agreed_due_at: AwareDatetime
    reason: str = Field(min_length=1, max_length=1000)


class CloseClaim(Command):
    """赔款支付结案 Paid and closed (SL-03h); schedules the closure care callback (SL-04b)."""

    claim_no: str = Field(min_length=1, max_length=64)
    amount_paid: Amount = Field(ge=0, max_digits=14, decimal_places=2)


class RecordCareCall(Command):
    """关怀回访呼出 A care-callback attempt (SL-04a/b); the 3rd failure: 无法联系客户 (SL-04c)."""

    claim_no: str = Field(min_length=1, max_length=64)
    step: str = Field(description="出险关怀回访/结案关怀回访")
    reached: bool
    recording_ref: str = Field("", max_length=200)


def load_claim(uow: UnitOfWork, claim_no: str) -> ClaimCase:
    return uow.get(ClaimCase, ClaimCase.id_for(claim_no.strip()), f"claim {claim_no} 理赔案件")


def claim_summary(c: ClaimCase, uow: UnitOfWork) -> dict[str, Any]:
    steps = {}
    for step in ClaimStep:
        status = c.step_status(step, uow.now)
        if status is not None:
            steps[step.value] = {"due_at": c.due[step.value].isoformat(), "status": str(status)}
    return {"claim_id": str(c.id), "claim_no": c.claim_no, "steps": steps}


def report_claim(cmd: ReportClaim, uow: UnitOfWork) -> dict[str, Any]:
    if uow.find(ClaimCase, ClaimCase.id_for(cmd.claim_no)) is not None:
        raise AlreadyExists(f"claim {cmd.claim_no} is already reported", f"案件 {cmd.claim_no} 已报案")
    c = ClaimCase.report(
        claim_no=cmd.claim_no,
        line=cmd.line,
        area=cmd.area,
        tier=cmd.tier,
        branch=cmd.branch,
        policy_number=cmd.policy_number,
        customer=cmd.customer,
        scene_report=cmd.scene_report,
        params=uow.params.service_standards,
        ctx=uow.ctx,
    )
    uow.add(c)
    return claim_summary(c, uow)


def dispatch_claim(cmd: DispatchClaim, uow: UnitOfWork) -> dict[str, Any]:
    c = load_claim(uow, cmd.claim_no)
    c.dispatch(cmd.handler_id, uow.params.service_standards, uow.ctx)
    return claim_summary(c, uow)


def agree_claim_arrival(cmd: AgreeClaimArrival, uow: UnitOfWork) -> dict[str, Any]:
    c = load_claim(uow, cmd.claim_no)
    c.agree_arrival(cmd.agreed_at, cmd.reason, uow.ctx)
    return claim_summary(c, uow)


def record_claim_step(cmd: RecordClaimStep, uow: UnitOfWork) -> dict[str, Any]:
    c = load_claim(uow, cmd.claim_no)
    actions = {
        ClaimStep.CONTACT.value: c.contact_customer,
        ClaimStep.ON_SITE.value: c.arrive_on_site,
        ClaimStep.ASSESSMENT.value: c.assess_loss,
        ClaimStep.APPROVAL.value: c.approve,
    }
    if cmd.step not in actions:
        raise InvalidInput(
            f"unknown step {cmd.step!r}; one of {', '.join(actions)}", f"未知环节 {cmd.step!r}"
        )
    actions[cmd.step](uow.ctx)
    return claim_summary(c, uow)


def exclude_claim_step(cmd: ExcludeClaimStep, uow: UnitOfWork) -> dict[str, Any]:
    c = load_claim(uow, cmd.claim_no)
    c.exclude(cmd.step, cmd.reason, cmd.note, uow.ctx)
    return claim_summary(c, uow)


def settle_assessment_plan(cmd: SettleAssessmentPlan, uow: UnitOfWork) -> dict[str, Any]:
    c = load_claim(uow, cmd.claim_no)
    c.settle_assessment_plan(
        cmd.estimated_loss,
        cmd.agreed_due_at,
        cmd.reason,
        uow.params.service_standards,
        uow.calendar,
        uow.ctx,
    )
    return claim_summary(c, uow)


def complete_claim_documents(cmd: CompleteClaimDocuments, uow: UnitOfWork) -> dict[str, Any]:
    c = load_claim(uow, cmd.claim_no)
    c.complete_documents(cmd.claim_amount, uow.params.service_standards, uow.calendar, uow.ctx)
    return claim_summary(c, uow)


def agree_difficult_claim(cmd: AgreeDifficultClaim, uow: UnitOfWork) -> dict[str, Any]:
    c = load_claim(uow, cmd.claim_no)
    c.agree_difficult_case(cmd.agreed_due_at, cmd.reason, uow.ctx)
    return claim_summary(c, uow)


def close_claim(cmd: CloseClaim, uow: UnitOfWork) -> dict[str, Any]:
    c = load_claim(uow, cmd.claim_no)
    c.close(cmd.amount_paid, uow.params.service_standards, uow.ctx)
    return claim_summary(c, uow)


def record_care_call(cmd: RecordCareCall, uow: UnitOfWork) -> dict[str, Any]:
    c = load_claim(uow, cmd.claim_no)
    window = None
    if cmd.step == ClaimStep.CLOSURE_CARE:
        # SL-04b reuses CA-01: refused outside the call windows, like any callback attempt.
        window = require_call_window(uow.ctx.occurred_at, uow.params.callback, uow.calendar).window
    c.attempt_care_call(cmd.step, cmd.reached, cmd.recording_ref, uow.params.callback, window, uow.ctx)
    return claim_summary(c, uow)
