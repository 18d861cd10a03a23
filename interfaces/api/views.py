"""Answers of the write-side reads: policy and agent state, their event history.

Personal data (names, ID numbers, phones, addresses, birthdays) is masked for
roles without ``read:personal-data`` (RC-03: phone ``138****6138``, ID
``110***********1234``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from application.app import PolicyTrail
from domain.agent import Agent, AgentStatus
from domain.policy import Channel, Policy, PolicyStatus, ProductType
from domain.shared.labels import LabelledEnum
from domain.shared.masking import mask_address, mask_id_number, mask_name
from domain.shared.values import Person, PhoneNumber


def _en(enum_cls: type[LabelledEnum], value: str) -> str:
    try:
        return enum_cls(value).en
    except ValueError:
        return value


class PhoneView(BaseModel):
    number: str = Field(description="normalised; masked 138****6138 unless allowed")
    usable: bool
    problem: str = Field("", description="why it cannot be called (CB-06)")

    @classmethod
    def of(cls, phone: PhoneNumber, masked: bool) -> PhoneView:
        return cls(
            number=phone.masked() if masked else phone.normalized,
            usable=phone.usable,
            problem=phone.problem,
        )


class PersonView(BaseModel):
    name: str
    id_number: str
    birthday: date | None = Field(description="null when masked")
    phone: PhoneView
    address: str

    @classmethod
    def of(
        cls,
        person: Person,
        masked: bool,
        phone: PhoneNumber | None = None,
        address: str | None = None,
    ) -> PersonView:
        """``phone``/``address``: the current ones when a contact change replaced them."""
        address = person.address if address is None else address
        return cls(
            name=mask_name(person.name) if masked else person.name,
            id_number=mask_id_number(person.id_number) if masked else person.id_number,
            birthday=None if masked or not isinstance(person.birthday, date) else person.birthday,
            phone=PhoneView.of(phone or person.phone, masked),
            address=mask_address(address) if masked else address,
        )


class TermView(BaseModel):
    value: int
    unit: str


class PolicyView(BaseModel):
    """保单 A policy as the event store knows it (now, or as of a version)."""

    number: str
    version: int = Field(description="aggregate version shown (as-of reads show an older one)")
    latest_version: int
    channel: str
    channel_en: str
    product_type: str
    product_type_en: str
    product_name: str
    term: TermView
    payment_mode: str
    payment_period_years: int
    payment_frequency: str
    premium: Decimal
    holder_type: str
    holder_organisation: str
    policyholder: PersonView | None
    insured: PersonView
    agent_code: str
    branch: str
    underwritten_on: date
    status: str
    status_en: str
    receipt_signed_on: date | None
    receipt_registered_on: date | None
    cooling_off_end: date | None
    lapsed_on: date | None
    cancelled_on: date | None
    needs_callback: bool = Field(description="CB-01")
    created_at: datetime = Field(description="when the first event was recorded")
    modified_at: datetime = Field(description="when the shown version was recorded")
    personal_data_masked: bool

    @classmethod
    def of(cls, policy: Policy, latest_version: int, masked: bool) -> PolicyView:
        f = policy.facts
        holder = f.policyholder
        same = holder is not None and holder.key == f.insured.key  # contact changes apply
        return cls(
            number=policy.number,
            version=policy.version,
            latest_version=latest_version,
            channel=f.channel,
            channel_en=_en(Channel, f.channel),
            product_type=f.product_type,
            product_type_en=_en(ProductType, f.product_type),
            product_name=f.product_name,
            term=TermView(value=f.term.value, unit=f.term.unit),
            payment_mode=f.payment_mode,
            payment_period_years=f.payment_period_years,
            payment_frequency=f.payment_frequency,
            premium=f.premium,
            holder_type=f.holder_type,
            holder_organisation=f.holder_organisation,
            policyholder=(
                PersonView.of(holder, masked, policy.holder_phone, policy.holder_address) if holder else None
            ),
            insured=(
                PersonView.of(f.insured, masked, policy.holder_phone, policy.holder_address)
                if same
                else PersonView.of(f.insured, masked)
            ),
            agent_code=policy.agent_code,
            branch=policy.branch,
            underwritten_on=f.underwritten_on,
            status=policy.status,
            status_en=_en(PolicyStatus, policy.status),
            receipt_signed_on=policy.receipt_signed_on,
            receipt_registered_on=policy.receipt_registered_on,
            cooling_off_end=policy.cooling_off_end,
            lapsed_on=policy.lapsed_on,
            cancelled_on=policy.cancelled_on,
            needs_callback=policy.needs_callback,
            created_at=policy.created_on,
            modified_at=policy.modified_on,
            personal_data_masked=masked,
        )


class AgentView(BaseModel):
    """业务员 An agent as the event store knows it."""

    code: str
    version: int
    latest_version: int
    name: str
    id_number: str
    rank_series: str
    rank_level: str
    branch: str
    phone: PhoneView
    joined_on: date
    status: str
    status_en: str
    departed_on: date | None
    created_at: datetime
    modified_at: datetime
    personal_data_masked: bool

    @classmethod
    def of(cls, agent: Agent, latest_version: int, masked: bool) -> AgentView:
        return cls(
            code=agent.code,
            version=agent.version,
            latest_version=latest_version,
            name=mask_name(agent.name) if masked else agent.name,
            id_number=mask_id_number(agent.id_number) if masked else agent.id_number,
            rank_series=agent.rank.series,
            rank_level=agent.rank.level,
            branch=agent.branch,
            phone=PhoneView.of(agent.phone, masked),
            joined_on=agent.joined_on,
            status=agent.status,
            status_en=_en(AgentStatus, agent.status),
            departed_on=agent.departed_on,
            created_at=agent.created_on,
            modified_at=agent.modified_on,
            personal_data_masked=masked,
        )


class HistoryEntry(BaseModel):
    """One stored event of an aggregate: both times, who, which command."""

    version: int
    event: str = Field(examples=["Policy.ReceiptSigned"])
    title: str = Field(examples=["回执签收 Receipt signed; fixes the cooling-off end (CB-03)."])
    rule_id: str | None = None
    occurred_at: datetime | None = Field(description="business time 业务时间")
    recorded_at: datetime = Field(description="when it was stored 记录时间")
    actor_id: str | None
    actor_role: str | None
    command_id: str | None


def event_title(cls: type) -> str:
    """The first docstring line the event's author wrote (not a generated signature)."""
    for klass in cls.__mro__:
        doc = (klass.__dict__.get("__doc__") or "").strip()
        if doc and not doc.startswith(f"{klass.__name__}("):
            return doc.splitlines()[0]
    return cls.__name__


def history_entry(event: Any) -> HistoryEntry:
    actor = getattr(event, "actor", None)
    cls = type(event)
    return HistoryEntry(
        version=event.originator_version,
        event=cls.__qualname__,
        title=event_title(cls),
        rule_id=getattr(event, "rule_id", None),
        occurred_at=getattr(event, "occurred_at", None),
        recorded_at=event.timestamp,
        actor_id=getattr(actor, "id", None),
        actor_role=getattr(actor, "role", None),
        command_id=getattr(event, "command_id", None),
    )


def version_at(app: PolicyTrail, aggregate_id: UUID, moment: datetime) -> int:
    """The last version recorded at or before ``moment`` (0: it did not exist yet)."""
    version = 0
    for event in app.events.get(aggregate_id):
        if event.timestamp > moment:
            break
        version = event.originator_version
    return version
