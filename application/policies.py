"""Policy use cases (保单): issue, receipt, contact change, reassignment, status changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from application.branches import require_known_branch
from application.messages import Command
from application.unit_of_work import UnitOfWork
from domain.contact_point import ContactPoint
from domain.policy import Policy, PolicyFacts
from domain.shared.errors import AlreadyExists, InvalidInput
from domain.shared.values import Person, PhoneNumber, Term, agent_code, id_number, policy_number


class PersonIn(BaseModel):
    """A person as upstream systems send it (投保人/被保险人)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(min_length=1, max_length=40)
    birthday: date
    phone: str = Field("", max_length=40, description="as given; CB-06 bad numbers are kept")
    address: str = Field("", max_length=300)

    def to_person(self) -> Person:
        return Person(
            name=self.name,
            id_number=id_number(self.id_number),
            birthday=self.birthday,
            phone=PhoneNumber.parse(self.phone),
            address=self.address,
        )


class IssuePolicy(Command):
    """保单承保 Issue a policy (from the policy administration system)."""

    number: str = Field(min_length=1, max_length=40, examples=["P2026000001"])
    channel: str = Field(examples=["个险"], description="个险/银保/电销/网销/经代")
    product_type: str = Field(examples=["分红"], description="传统/分红/万能/投连")
    product_name: str = Field("", max_length=100)
    term_value: int = Field(ge=0, le=150, examples=[20])
    term_unit: str = Field("年", description="年/月/终身")
    payment_mode: str = Field(examples=["期缴"], description="期缴/趸交")
    payment_period_years: int = Field(ge=0, le=100, examples=[10])
    payment_frequency: str = Field(examples=["年交"], description="年交/半年交/季交/月交/趸交")
    premium: Decimal = Field(ge=0, max_digits=14, decimal_places=2, examples=["12000.00"])
    holder_type: str = Field("个人", description="个人/团体")
    policyholder: PersonIn | None = None
    holder_organisation: str = Field("", max_length=200)
    insured: PersonIn
    agent_code: str = Field(min_length=1, max_length=20)
    branch: str = Field(min_length=1, max_length=100)
    underwritten_on: date


class SignReceipt(Command):
    """回执签收 The policyholder signed the receipt (fixes the cooling-off end, CB-03)."""

    policy_number: str
    signed_on: date


class RegisterReceipt(Command):
    """回执回销 The signed receipt was registered (CB-05); the callback becomes due."""

    policy_number: str
    registered_on: date
    signed_on: date | None = Field(None, description="records the signature too if not yet known")


class ChangeContact(Command):
    """联系方式变更（保全）Contact-details change (DP-03)."""

    policy_number: str
    phone: str = Field(max_length=40)
    address: str | None = Field(None, max_length=300)
    reason: str = Field("", max_length=300)


class ReassignAgent(Command):
    """业务员变更 Move a policy to another agent (orphan transfer, PS-01)."""

    policy_number: str
    new_agent_code: str
    source: str = Field("离司人员转移", description="PS-01 source")


class CancelInCoolingOff(Command):
    """犹豫期撤单 Cancel within cooling-off."""

    policy_number: str
    cancelled_on: date


class LapsePolicy(Command):
    """保单失效 Lapse."""

    policy_number: str
    lapsed_on: date
    reason: str = Field("未按时交费", max_length=200)


class ReinstatePolicy(Command):
    """保单复效 Reinstate."""

    policy_number: str
    reinstated_on: date


def load_policy(uow: UnitOfWork, number: str) -> Policy:
    number = policy_number(number)
    return uow.get(Policy, Policy.id_for(number), f"policy {number} 保单")


def _use_phone(uow: UnitOfWork, policy: Policy) -> None:
    """Record the policyholder's use of their number on its ContactPoint (DP-01/02)."""
    phone = policy.holder_phone
    holder = policy.facts.policyholder
    if phone is None or holder is None or not phone.usable:
        return
    cp = uow.find(ContactPoint, uow.app.contact_point_id(phone.normalized))
    if cp is None:
        cp = ContactPoint.open(phone, uow.ctx, uow.app.contact_point_id(phone.normalized))
        uow.add(cp)
    cp.record_policyholder(
        policy.number,
        holder.key,
        policy.agent_code,
        uow.params.callback.duplicate_phone_threshold,
        uow.ctx,
    )


def _release_phone(uow: UnitOfWork, phone: PhoneNumber | None, number: str, reason: str) -> None:
    if phone is None or not phone.usable:
        return
    cp = uow.find(ContactPoint, uow.app.contact_point_id(phone.normalized))
    if cp is not None:
        cp.release_policyholder(number, reason, uow.ctx)


def issue_policy(cmd: IssuePolicy, uow: UnitOfWork) -> dict[str, str]:
    facts = PolicyFacts(
        number=cmd.number,
        channel=cmd.channel,
        product_type=cmd.product_type,
        product_name=cmd.product_name,
        term=Term(cmd.term_value, cmd.term_unit),
        payment_mode=cmd.payment_mode,
        payment_period_years=cmd.payment_period_years,
        payment_frequency=cmd.payment_frequency,
        premium=cmd.premium,
        holder_type=cmd.holder_type,
        policyholder=cmd.policyholder.to_person() if cmd.policyholder else None,
        holder_organisation=cmd.holder_organisation,
        insured=cmd.insured.to_person(),
        agent_code=agent_code(cmd.agent_code),
        branch=cmd.branch,
        underwritten_on=cmd.underwritten_on,
    )
    require_known_branch(uow, facts.branch)
    if uow.find(Policy, Policy.id_for(facts.number)) is not None:
        raise AlreadyExists(
            f"policy {facts.number} is already issued",
            f"保单 {facts.number} 已承保",
            policy_number=facts.number,
        )
    policy = Policy.issue(facts, uow.ctx)
    uow.add(policy)
    _use_phone(uow, policy)
    return {"policy_number": policy.number, "policy_id": str(policy.id)}


def sign_receipt(cmd: SignReceipt, uow: UnitOfWork) -> dict[str, str]:
    policy = load_policy(uow, cmd.policy_number)
    policy.sign_receipt(cmd.signed_on, uow.params.callback, uow.ctx)
    return {"policy_number": policy.number, "cooling_off_end": str(policy.cooling_off_end)}


def register_receipt(cmd: RegisterReceipt, uow: UnitOfWork) -> dict[str, str]:
    policy = load_policy(uow, cmd.policy_number)
    if cmd.signed_on is not None:
        policy.sign_receipt(cmd.signed_on, uow.params.callback, uow.ctx)
    policy.register_receipt(cmd.registered_on, uow.params.callback, uow.ctx)
    return {"policy_number": policy.number, "cooling_off_end": str(policy.cooling_off_end)}


def change_contact(cmd: ChangeContact, uow: UnitOfWork) -> dict[str, str]:
    policy = load_policy(uow, cmd.policy_number)
    old_phone = policy.holder_phone
    new_phone = PhoneNumber.parse(cmd.phone)
    if not new_phone.usable:
        raise InvalidInput(
            f"the new phone {cmd.phone!r} is not usable: {new_phone.problem}",
            f"新号码 {cmd.phone!r} 不可用：{new_phone.problem}",
        )
    policy.change_contact(new_phone, cmd.address, cmd.reason, uow.ctx)
    if old_phone is None or old_phone.normalized != new_phone.normalized:
        _release_phone(uow, old_phone, policy.number, "联系方式变更 contact changed")
        _use_phone(uow, policy)
    return {"policy_number": policy.number, "phone": new_phone.masked()}


def reassign_agent(cmd: ReassignAgent, uow: UnitOfWork) -> dict[str, str]:
    policy = load_policy(uow, cmd.policy_number)
    policy.reassign_agent(agent_code(cmd.new_agent_code), cmd.source, uow.ctx)
    _use_phone(uow, policy)  # DP-02 is judged against the new agent
    return {"policy_number": policy.number, "agent_code": policy.agent_code}


def cancel_in_cooling_off(cmd: CancelInCoolingOff, uow: UnitOfWork) -> dict[str, str]:
    policy = load_policy(uow, cmd.policy_number)
    policy.cancel_in_cooling_off(cmd.cancelled_on, uow.ctx)
    return {"policy_number": policy.number}


def lapse_policy(cmd: LapsePolicy, uow: UnitOfWork) -> dict[str, str]:
    policy = load_policy(uow, cmd.policy_number)
    policy.lapse(cmd.lapsed_on, cmd.reason, uow.ctx)
    return {"policy_number": policy.number}


def reinstate_policy(cmd: ReinstatePolicy, uow: UnitOfWork) -> dict[str, str]:
    policy = load_policy(uow, cmd.policy_number)
    policy.reinstate(cmd.reinstated_on, uow.ctx)
    return {"policy_number": policy.number}
