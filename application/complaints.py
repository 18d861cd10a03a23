"""Complaint use cases (服务投诉), SL-01: receive, acknowledge, class complex, escalate, decide.

A 销售误导 complaint about a policy the system knows takes the selling agent from the
policy when none is given, and is refused when it names another agent (SL-01f): the
scorecard must charge the agent who sold it.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from application.messages import Command
from application.unit_of_work import UnitOfWork
from domain.complaint import Complaint, ComplaintCategory
from domain.policy import Policy
from domain.shared.errors import AlreadyExists, RuleViolation
from domain.shared.values import policy_number as normal_policy_number


class ReceiveComplaint(Command):
    """投诉受理 Receive a complaint (SL-01a; SL-01f for 销售误导)."""

    complaint_no: str = Field(min_length=1, max_length=64, examples=["TS2026030001"])
    channel: str = Field(examples=["电话"], description="电话/邮件/柜面/信函/网络")
    category: str = Field(examples=["服务"], description="销售误导/服务/理赔/其他")
    customer: str = Field(min_length=1, max_length=200)
    branch: str = Field(min_length=1, max_length=100)
    policy_number: str = Field("", max_length=64)
    agent_code: str = Field("", max_length=20)
    summary: str = Field(min_length=1, max_length=2000)


class AcknowledgeComplaint(Command):
    """投诉响应 Acknowledge within 24 hours (SL-01b)."""

    complaint_no: str = Field(min_length=1, max_length=64)
    note: str = Field("", max_length=1000)


class ClassComplaintComplex(Command):
    """复杂投诉认定 Class as complex with the reason: 30 days (SL-01c, REG-08)."""

    complaint_no: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=1000)


class EscalateComplaint(Command):
    """投诉升级 Escalate to a supervisor or department (SL-01d)."""

    complaint_no: str = Field(min_length=1, max_length=64)
    level: str = Field(min_length=1, max_length=100, examples=["分公司客服主管"])
    reason: str = Field(min_length=1, max_length=1000)


class DecideComplaint(Command):
    """投诉办结 Decide and tell the customer (SL-01c, SL-01e)."""

    complaint_no: str = Field(min_length=1, max_length=64)
    outcome: str = Field(examples=["部分支持"], description="支持/部分支持/不支持")
    summary: str = Field(min_length=1, max_length=2000)


def load_complaint(uow: UnitOfWork, complaint_no: str) -> Complaint:
    return uow.get(Complaint, Complaint.id_for(complaint_no.strip()), f"complaint {complaint_no} 投诉")


def complaint_summary(c: Complaint, uow: UnitOfWork) -> dict[str, Any]:
    return {
        "complaint_id": str(c.id),
        "complaint_no": c.complaint_no,
        "state": c.state,
        "acknowledgement_status": c.acknowledgement_status(uow.now).value,
        "decision_status": c.decision_status(uow.now).value,
        "ack_due_at": c.ack_due_at.isoformat(),
        "decision_due_on": c.decision_due_on.isoformat(),
        "ended_on": c.ended_on.isoformat() if c.ended_on else None,
    }


def receive_complaint(cmd: ReceiveComplaint, uow: UnitOfWork) -> dict[str, Any]:
    if uow.find(Complaint, Complaint.id_for(cmd.complaint_no)) is not None:
        raise AlreadyExists(
            f"complaint {cmd.complaint_no} is already received",
            f"投诉 {cmd.complaint_no} 已受理",
            complaint_no=cmd.complaint_no,
        )
    number, agent = cmd.policy_number, cmd.agent_code
    if number:
        number = normal_policy_number(number)
        policy = uow.find(Policy, Policy.id_for(number))
        if policy is not None and cmd.category == ComplaintCategory.MISLEADING_SALES:
            if agent and agent != policy.agent_code:
                raise RuleViolation(
                    "SL-01f",
                    "the agent named is not the policy's selling agent",
                    "所填销售人员不是该保单的销售人员",
                )
            agent = agent or policy.agent_code
    c = Complaint.receive(
        complaint_no=cmd.complaint_no,
        channel=cmd.channel,
        category=cmd.category,
        customer=cmd.customer,
        branch=cmd.branch,
        policy_number=number,
        agent_code=agent,
        summary=cmd.summary,
        params=uow.params.service_standards,
        ctx=uow.ctx,
    )
    uow.add(c)
    return complaint_summary(c, uow)


def acknowledge_complaint(cmd: AcknowledgeComplaint, uow: UnitOfWork) -> dict[str, Any]:
    c = load_complaint(uow, cmd.complaint_no)
    c.acknowledge(cmd.note, uow.ctx)
    return complaint_summary(c, uow)


def class_complaint_complex(cmd: ClassComplaintComplex, uow: UnitOfWork) -> dict[str, Any]:
    c = load_complaint(uow, cmd.complaint_no)
    c.class_complex(cmd.reason, uow.params.service_standards, uow.ctx)
    return complaint_summary(c, uow)


def escalate_complaint(cmd: EscalateComplaint, uow: UnitOfWork) -> dict[str, Any]:
    c = load_complaint(uow, cmd.complaint_no)
    c.escalate(cmd.level, cmd.reason, uow.ctx)
    return complaint_summary(c, uow)


def decide_complaint(cmd: DecideComplaint, uow: UnitOfWork) -> dict[str, Any]:
    c = load_complaint(uow, cmd.complaint_no)
    c.decide(cmd.outcome, cmd.summary, uow.ctx)
    return complaint_summary(c, uow)
