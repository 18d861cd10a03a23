"""Planner use cases (保险规划师): SC-01 monthly inputs, SC-02 work-log audits and bars."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from application.adapters.transcodings import register_value_type
from application.messages import Command
from application.unit_of_work import UnitOfWork
from domain.agent import Agent, AgentStatus
from domain.planner import AllocationBar, Planner
from domain.planner_score import (
    PenaltyRole,
    PlannerMonthlyInputs,
    ScoreBreakdown,
    WorkLogPenalty,
    month_key,
)
from domain.shared.errors import InvalidInput, NotFound
from domain.shared.values import agent_code

# Stored names of the value objects in planner and allocation events: never rename.
register_value_type("planner_monthly_inputs", PlannerMonthlyInputs)
register_value_type("work_log_penalty", WorkLogPenalty)
register_value_type("planner_score_breakdown", ScoreBreakdown)
register_value_type("allocation_bar", AllocationBar)

_RATE = {"ge": 0, "max_digits": 8, "decimal_places": 4}


class RecordPlannerMonthlyInputs(Command):
    """上月度考核数据 A planner's SC-01 inputs for a performance month.

    Rates are fractions (0.85 = 85%). The rank is the one on the agent record (职级
    以部门考核结果公布为准).
    """

    agent_code: str = Field(min_length=1, max_length=20)
    month: str = Field(examples=["2026-02"], description="performance month YYYY-MM")
    premium_task_rate: Decimal = Field(examples=["0.85"], **_RATE)
    attendance_rate: Decimal = Field(examples=["0.9"], le=1, **_RATE)
    work_log_pass_rate: Decimal = Field(examples=["1"], le=1, **_RATE)
    discretion_points: int = Field(ge=0, le=100, examples=[8])
    extended_probation_month: int = Field(
        0, ge=0, le=24, description="0: not in 见习延长考核期; else its month number"
    )


class RecordWorkLogAudit(Command):
    """工作日志抽查 SC-02: the department audited a log the supervisor had marked."""

    owner_code: str = Field(min_length=1, max_length=20)
    log_date: date
    supervisor_code: str = Field(min_length=1, max_length=20)
    senior_code: str = Field("", max_length=20, description="团队大主管, if any")
    supervisor_mark: Decimal = Field(ge=0, max_digits=6, decimal_places=2)
    audited_mark: Decimal = Field(ge=0, max_digits=6, decimal_places=2)
    full_marks: Decimal = Field(Decimal(20), gt=0, max_digits=6, decimal_places=2)
    senior_reviewed_unflagged: bool = Field(
        False, description="the senior supervisor had reviewed the log without noting the error"
    )


class RecordMissedWorkLog(Command):
    """日志未能提供 SC-02: a log lost or not produced by the day after the check."""

    agent_code: str = Field(min_length=1, max_length=20)
    log_date: date


class RecordFalsifiedWorkLog(Command):
    """日志弄虚作假 SC-02: a falsified log (no resources next quarter)."""

    agent_code: str = Field(min_length=1, max_length=20)
    log_date: date
    note: str = Field("", max_length=500)


def load_agent_record(uow: UnitOfWork, code: str) -> Agent:
    return uow.get(Agent, Agent.id_for(code), f"agent {code} 业务员")


def ensure_planner(uow: UnitOfWork, code: str, fallback_branch: str = "") -> Planner:
    """The planner file of an agent, opened on first use with the agent's branch."""
    code = agent_code(code)
    planner = uow.find(Planner, Planner.id_for(code))
    if planner is None:
        agent = uow.find(Agent, Agent.id_for(code))
        branch = agent.branch if agent is not None else fallback_branch
        if not branch:
            raise NotFound(f"agent {code} not found", f"未找到业务员 {code}", agent_code=code)
        planner = Planner.enrol(code, branch, uow.ctx)
        uow.add(planner)
    return planner


def record_planner_monthly_inputs(cmd: RecordPlannerMonthlyInputs, uow: UnitOfWork) -> dict[str, object]:
    code = agent_code(cmd.agent_code)
    agent = load_agent_record(uow, code)
    if agent.status != AgentStatus.ACTIVE:
        raise InvalidInput(f"agent {code} has left the company", f"业务员 {code} 已离司")
    planner = ensure_planner(uow, code)
    inputs = PlannerMonthlyInputs(
        month=month_key(cmd.month),
        rank=agent.rank,
        premium_task_rate=cmd.premium_task_rate,
        attendance_rate=cmd.attendance_rate,
        work_log_pass_rate=cmd.work_log_pass_rate,
        discretion_points=cmd.discretion_points,
        extended_probation_month=cmd.extended_probation_month,
    )
    params = uow.params.planner_score
    planner.record_monthly_inputs(inputs, params, uow.ctx)
    score = planner.score_for(inputs.month, params)
    assert score is not None
    return {"agent_code": code, "month": inputs.month, "score": score.total}


def record_work_log_audit(cmd: RecordWorkLogAudit, uow: UnitOfWork) -> dict[str, object]:
    owner = ensure_planner(uow, cmd.owner_code)
    supervisor_code = agent_code(cmd.supervisor_code)
    senior_code = agent_code(cmd.senior_code) if cmd.senior_code else ""
    if senior_code and senior_code == supervisor_code:
        raise InvalidInput(
            "the senior supervisor and the direct supervisor are the same person",
            "大主管与直接主管不能是同一人",
        )
    outcome = owner.record_work_log_audit(
        log_date=cmd.log_date,
        supervisor_code=supervisor_code,
        senior_code=senior_code,
        supervisor_mark=cmd.supervisor_mark,
        audited_mark=cmd.audited_mark,
        full_marks=cmd.full_marks,
        senior_reviewed_unflagged=cmd.senior_reviewed_unflagged,
        params=uow.params.planner_score,
        ctx=uow.ctx,
    )
    for role, code in ((PenaltyRole.SUPERVISOR, supervisor_code), (PenaltyRole.SENIOR, senior_code)):
        penalty = outcome.penalties.get(role)
        if penalty is not None:
            ensure_planner(uow, code).take_penalty(penalty, uow.ctx)
    return {
        "owner_code": owner.agent_code,
        "severity": outcome.severity,
        "deviation": str(outcome.deviation),
        "penalties": {role: p.deduction if not p.zeroed else "0分" for role, p in outcome.penalties.items()},
    }


def record_missed_work_log(cmd: RecordMissedWorkLog, uow: UnitOfWork) -> dict[str, object]:
    planner = ensure_planner(uow, cmd.agent_code)
    planner.record_missed_work_log(cmd.log_date, uow.params.planner_score, uow.ctx)
    return {
        "agent_code": planner.agent_code,
        "missed_in_a_row": planner.missed_in_a_row,
        "barred": [b.reason for b in planner.bars],
    }


def record_falsified_work_log(cmd: RecordFalsifiedWorkLog, uow: UnitOfWork) -> dict[str, object]:
    planner = ensure_planner(uow, cmd.agent_code)
    planner.record_falsified_work_log(cmd.log_date, cmd.note, uow.ctx)
    bar = planner.bars[-1]
    return {"agent_code": planner.agent_code, "barred_from": bar.from_month, "barred_until": bar.until_month}
