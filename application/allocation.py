"""Customer-resource allocation use cases (客户资源分配, CR-01, SC-01..03).

The planners of a round are listed by the command (no read model enumerates a
branch's planners on the write side). Each listed planner's standing is read from
their Planner file: the SC-01 score of the month before the round (上月度) and the
bars covering the round's month (SC-02, PS-03).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from application.adapters.transcodings import register_value_type
from application.branches import require_known_branch
from application.messages import Command
from application.planners import load_agent_record
from application.unit_of_work import UnitOfWork
from domain.agent import AgentStatus
from domain.allocation import AllocationPlan, AllocationRound, CustomerResource, PlannerStanding
from domain.planner import Planner
from domain.planner_score import month_key, previous_month
from domain.shared.errors import InvalidInput
from domain.shared.values import agent_code, money

# Stored name of the resource value object in allocation events: never rename.
register_value_type("customer_resource", CustomerResource)


class ResourceIn(BaseModel):
    """A resource as the resource desk (客户资源管理岗) sends it, with its ranking factors."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    resource_id: str = Field(min_length=1, max_length=60)
    resource_class: str = Field(examples=["续期"], description="满期/续期/老客户/未到期/其他")
    policy_number: str = Field("", max_length=40)
    amount: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    key_date: date | None = Field(None, description="满期日/续期缴费日/满期时间/到期日")
    address_complete: bool = True
    phone_complete: bool = True
    times_allocated: int = Field(0, ge=0, le=1000)
    transferred_or_topped_up: bool = False
    underwritten_on: date | None = None
    origin_branch: str = Field("", max_length=100)

    def to_resource(self) -> CustomerResource:
        return CustomerResource(
            resource_id=self.resource_id,
            resource_class=self.resource_class,
            policy_number=self.policy_number,
            amount=money(self.amount),
            key_date=self.key_date,
            address_complete=self.address_complete,
            phone_complete=self.phone_complete,
            times_allocated=self.times_allocated,
            transferred_or_topped_up=self.transferred_or_topped_up,
            underwritten_on=self.underwritten_on,
            origin_branch=self.origin_branch,
        )


class RegisterCustomerResources(Command):
    """可分配资源登记 Register a branch's allocatable resources for a month (CR-01)."""

    branch: str = Field(min_length=1, max_length=100)
    month: str = Field(examples=["2026-03"], description="allocation month YYYY-MM")
    resources: list[ResourceIn] = Field(min_length=1, max_length=20_000)


class AllocateResources(Command):
    """客户资源分配 Allocate the round to the listed planners (CR-01, SC-03)."""

    branch: str = Field(min_length=1, max_length=100)
    month: str
    planner_codes: list[str] = Field(min_length=1, max_length=2_000)


class ReallocateResources(Command):
    """重新分配 Void the round's allocation and allocate again (SC-03)."""

    branch: str = Field(min_length=1, max_length=100)
    month: str
    planner_codes: list[str] = Field(min_length=1, max_length=2_000)
    reason: str = Field(min_length=1, max_length=300)


def round_id(branch: str, month: str) -> UUID:
    return AllocationRound.id_for(AllocationRound.key(branch, month))


def load_round(uow: UnitOfWork, branch: str, month: str) -> AllocationRound:
    return uow.get(AllocationRound, round_id(branch, month), f"allocation round {branch} {month} 分配轮次")


def standings(uow: UnitOfWork, rnd: AllocationRound, codes: list[str]) -> list[PlannerStanding]:
    """Each planner's SC-01 score for the month before the round and bars for the round."""
    inputs_month = previous_month(rnd.month)
    params = uow.params.planner_score
    result: list[PlannerStanding] = []
    for raw in codes:
        code = agent_code(raw)
        agent = load_agent_record(uow, code)
        if agent.status != AgentStatus.ACTIVE:
            raise InvalidInput(f"planner {code} has left the company", f"规划师 {code} 已离司")
        if agent.branch != rnd.branch:
            raise InvalidInput(
                f"[CR-01] planner {code} belongs to {agent.branch}, not {rnd.branch}",
                f"[CR-01] 规划师 {code} 属于 {agent.branch}，不属于 {rnd.branch}",
            )
        planner = uow.find(Planner, Planner.id_for(code))
        if planner is None:
            result.append(PlannerStanding(code, None, []))
            continue
        result.append(
            PlannerStanding(code, planner.score_for(inputs_month, params), planner.bars_for(rnd.month))
        )
    return result


def _answer(rnd: AllocationRound, plan: AllocationPlan) -> dict[str, object]:
    per_planner: dict[str, int] = {}
    for a in plan.assignments:
        per_planner[a.planner_code] = per_planner.get(a.planner_code, 0) + 1
    return {
        "branch": rnd.branch,
        "month": rnd.month,
        "allocation_no": rnd.allocation_no,
        "assigned": len(plan.assignments),
        "per_planner": per_planner,
        "skipped": [s.planner_code for s in plan.skipped],
        "unallocated": len(plan.unallocated),
    }


def register_customer_resources(cmd: RegisterCustomerResources, uow: UnitOfWork) -> dict[str, object]:
    month = month_key(cmd.month)
    rnd = uow.find(AllocationRound, round_id(cmd.branch, month))
    if rnd is None:
        require_known_branch(uow, cmd.branch)
        rnd = AllocationRound.open(cmd.branch, month, uow.ctx)
        uow.add(rnd)
    new = rnd.register_resources([r.to_resource() for r in cmd.resources], uow.params.allocation, uow.ctx)
    return {"branch": rnd.branch, "month": rnd.month, "registered": new, "total": len(rnd.resources)}


def allocate_resources(cmd: AllocateResources, uow: UnitOfWork) -> dict[str, object]:
    rnd = load_round(uow, cmd.branch, month_key(cmd.month))
    plan = rnd.allocate(standings(uow, rnd, cmd.planner_codes), uow.params.allocation, uow.ctx)
    return _answer(rnd, plan)


def reallocate_resources(cmd: ReallocateResources, uow: UnitOfWork) -> dict[str, object]:
    rnd = load_round(uow, cmd.branch, month_key(cmd.month))
    plan = rnd.reallocate(standings(uow, rnd, cmd.planner_codes), cmd.reason, uow.params.allocation, uow.ctx)
    return _answer(rnd, plan)
