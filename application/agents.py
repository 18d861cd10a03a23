"""Agent use cases (业务员): register, rank and phone changes, departure."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from application.branches import require_known_branch
from application.messages import Command
from application.unit_of_work import UnitOfWork
from domain.agent import Agent, Rank
from domain.contact_point import ContactPoint
from domain.shared.errors import AlreadyExists, InvalidInput
from domain.shared.values import PhoneNumber, agent_code, id_number


class RegisterAgent(Command):
    """业务员登记 Register an agent."""

    code: str = Field(min_length=1, max_length=20, examples=["A0001"])
    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(min_length=1, max_length=40)
    rank_series: str = Field(examples=["销售"], description="管理/销售")
    rank_level: str = Field(
        examples=["中级"], description="管理: 高级/中级/初级/准初级; 销售: 资深/高级/中级/初级/见习"
    )
    branch: str = Field(min_length=1, max_length=100)
    phone: str = Field(max_length=40)
    joined_on: date


class ChangeAgentRank(Command):
    """职级变更 Change an agent's rank."""

    code: str
    rank_series: str
    rank_level: str
    effective_on: date


class ChangeAgentPhone(Command):
    """业务员电话变更 Change an agent's phone."""

    code: str
    phone: str = Field(max_length=40)


class RecordAgentDeparture(Command):
    """业务员离司 An agent left; their policies become orphans (PS-01)."""

    code: str
    departed_on: date
    reason: str = Field("", max_length=300)


def load_agent(uow: UnitOfWork, code: str) -> Agent:
    code = agent_code(code)
    return uow.get(Agent, Agent.id_for(code), f"agent {code} 业务员")


def _usable(raw: str) -> PhoneNumber:
    phone = PhoneNumber.parse(raw)
    if not phone.usable:
        raise InvalidInput(
            f"agent phone {raw!r} is not usable: {phone.problem}",
            f"业务员电话 {raw!r} 不可用：{phone.problem}",
        )
    return phone


def _use_phone(uow: UnitOfWork, agent: Agent) -> None:
    cp = uow.find(ContactPoint, uow.app.contact_point_id(agent.phone.normalized))
    if cp is None:
        cp = ContactPoint.open(agent.phone, uow.ctx, uow.app.contact_point_id(agent.phone.normalized))
        uow.add(cp)
    cp.record_agent(agent.code, agent.id_number, uow.params.callback.duplicate_phone_threshold, uow.ctx)


def _release_phone(uow: UnitOfWork, agent: Agent, phone: PhoneNumber, reason: str) -> None:
    cp = uow.find(ContactPoint, uow.app.contact_point_id(phone.normalized))
    if cp is not None:
        cp.release_agent(agent.code, reason, uow.ctx)


def register_agent(cmd: RegisterAgent, uow: UnitOfWork) -> dict[str, str]:
    code = agent_code(cmd.code)
    require_known_branch(uow, cmd.branch)
    if uow.find(Agent, Agent.id_for(code)) is not None:
        raise AlreadyExists(f"agent {code} is already registered", f"业务员 {code} 已登记", agent_code=code)
    agent = Agent.register(
        code=code,
        name=cmd.name,
        id_number=id_number(cmd.id_number),
        rank=Rank(cmd.rank_series, cmd.rank_level),
        branch=cmd.branch,
        phone=_usable(cmd.phone),
        joined_on=cmd.joined_on,
        ctx=uow.ctx,
    )
    uow.add(agent)
    _use_phone(uow, agent)
    return {"agent_code": code, "agent_id": str(agent.id)}


def change_agent_rank(cmd: ChangeAgentRank, uow: UnitOfWork) -> dict[str, str]:
    agent = load_agent(uow, cmd.code)
    agent.change_rank(Rank(cmd.rank_series, cmd.rank_level), cmd.effective_on, uow.ctx)
    return {"agent_code": agent.code, "rank": agent.rank.key}


def change_agent_phone(cmd: ChangeAgentPhone, uow: UnitOfWork) -> dict[str, str]:
    agent = load_agent(uow, cmd.code)
    old = agent.phone
    agent.change_phone(_usable(cmd.phone), uow.ctx)
    _release_phone(uow, agent, old, "业务员电话变更 agent phone changed")
    _use_phone(uow, agent)
    return {"agent_code": agent.code}


def record_agent_departure(cmd: RecordAgentDeparture, uow: UnitOfWork) -> dict[str, str]:
    agent = load_agent(uow, cmd.code)
    agent.depart(cmd.departed_on, cmd.reason, uow.ctx)
    _release_phone(uow, agent, agent.phone, "业务员离司 agent departed")
    return {"agent_code": agent.code}
