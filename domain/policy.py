"""Policy aggregate (保单): the issued facts and the life events callbacks depend on.

Decides: issue, receipt signed / registered (CB-03 cooling-off end, CB-05 lag),
contact-details change (DP-03), agent reassignment (PS-01 orphan transfer),
cancellation within cooling-off (犹豫期撤单), lapse and reinstatement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from domain.parameters import CallbackParams
from domain.sales_terms import Channel, ProductType
from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.business_time import require_not_before
from domain.shared.errors import InvalidInput, RuleViolation
from domain.shared.labels import LabelledEnum
from domain.shared.time import business_date
from domain.shared.values import Person, PhoneNumber, Term, money, policy_number


class PaymentMode(LabelledEnum):
    PERIODIC = "期缴", "periodic"
    SINGLE = "趸交", "single premium"


class PaymentFrequency(LabelledEnum):
    ANNUAL = "年交", "annual"
    SEMI_ANNUAL = "半年交", "semi-annual"
    QUARTERLY = "季交", "quarterly"
    MONTHLY = "月交", "monthly"
    SINGLE = "趸交", "single"


class HolderType(LabelledEnum):
    INDIVIDUAL = "个人", "individual"
    GROUP = "团体", "group"


class PolicyStatus(LabelledEnum):
    IN_FORCE = "有效", "in force"
    CANCELLED_IN_COOLING_OFF = "犹豫期撤单", "cancelled within cooling-off"
    LAPSED = "失效", "lapsed"


def _enum(enum_cls: type[LabelledEnum], value: Any, what: str) -> str:
    try:
        return enum_cls(value).value
    except ValueError:
        allowed = "/".join(m.value for m in enum_cls)
        raise InvalidInput(
            f"unknown {what} {value!r} (allowed: {allowed})",
            f"{what} {value!r} 无效（可选：{allowed}）",
        ) from None


@dataclass(frozen=True)
class PolicyFacts:
    """What the policy administration system knows at issue (承保信息)."""

    number: str
    channel: str
    product_type: str
    product_name: str
    term: Term
    payment_mode: str
    payment_period_years: int
    payment_frequency: str
    premium: Decimal
    holder_type: str
    policyholder: Person | None
    holder_organisation: str
    insured: Person
    agent_code: str
    branch: str
    underwritten_on: date

    def __post_init__(self) -> None:
        object.__setattr__(self, "number", policy_number(self.number))
        object.__setattr__(self, "channel", _enum(Channel, self.channel, "channel 渠道"))
        object.__setattr__(
            self, "product_type", _enum(ProductType, self.product_type, "product type 产品类型")
        )
        object.__setattr__(
            self, "payment_mode", _enum(PaymentMode, self.payment_mode, "payment mode 缴费方式")
        )
        object.__setattr__(
            self,
            "payment_frequency",
            _enum(PaymentFrequency, self.payment_frequency, "payment frequency 缴费频率"),
        )
        object.__setattr__(self, "holder_type", _enum(HolderType, self.holder_type, "holder type"))
        object.__setattr__(self, "premium", money(self.premium))
        if self.holder_type == HolderType.INDIVIDUAL and self.policyholder is None:
            raise InvalidInput("an individual policy needs a policyholder", "个人保单必须有投保人")
        if self.holder_type == HolderType.GROUP and not self.holder_organisation.strip():
            raise InvalidInput("a group policy needs the holder organisation", "团体保单必须有投保单位")
        if self.payment_mode == PaymentMode.SINGLE:
            if self.payment_frequency != PaymentFrequency.SINGLE or self.payment_period_years != 0:
                raise InvalidInput(
                    "a single-premium policy has frequency 趸交 and payment period 0",
                    "趸交保单的缴费频率应为趸交、缴费年期为 0",
                )
        elif self.payment_period_years <= 0 or self.payment_frequency == PaymentFrequency.SINGLE:
            raise InvalidInput(
                "a periodic policy needs a payment period > 0 and a periodic frequency",
                "期缴保单需要缴费年期 > 0 且缴费频率为年/半年/季/月交",
            )


def cooling_off_end(
    signed_on: date, channel: str, product_type: str, params: CallbackParams
) -> tuple[date, int]:
    """CB-03: cooling-off runs from the day after the receipt is signed for N natural days.

    N comes from the product-type override when configured, else the channel
    (银保 15, otherwise 10). Returns (last day of cooling-off, N).
    """
    days = params.cooling_off_days_by_product.get(product_type)
    if days is None:
        days = params.cooling_off_days.get(channel)
    if days is None:
        raise InvalidInput(
            f"no cooling-off length configured for channel {channel}",
            f"渠道 {channel} 未配置犹豫期天数",
        )
    return signed_on + timedelta(days=days), days


#: Earlier facts that RC-01b names when a later business date lies before them.
UNDERWRITTEN = "承保 underwriting (underwritten_on)"
RECEIPT_SIGNED = "回执签收 receipt signed (signed_on)"
LAPSED = "保单失效 policy lapsed (lapsed_on)"


class Policy(TrailAggregate):
    """保单. Id = uuid5 of the policy number."""

    id_kind = "policy"

    # ----- events -------------------------------------------------------------------
    class Issued(TrailAggregate.Created):
        """保单承保 Policy issued."""

        class_version = 1
        facts: PolicyFacts

        def apply(self, policy: Policy) -> None:
            policy.facts = self.facts
            policy.number = self.facts.number
            policy.agent_code = self.facts.agent_code
            policy.branch = self.facts.branch
            policy.holder_phone = self.facts.policyholder.phone if self.facts.policyholder else None
            policy.holder_address = self.facts.policyholder.address if self.facts.policyholder else ""
            policy.status = PolicyStatus.IN_FORCE
            policy.receipt_signed_on = None
            policy.receipt_registered_on = None
            policy.cooling_off_end = None
            policy.lapsed_on = None
            policy.cancelled_on = None

    class ReceiptSigned(TrailAggregate.Event):
        """回执签收 Receipt signed; fixes the cooling-off end (CB-03)."""

        class_version = 1
        signed_on: date
        cooling_off_days: int
        cooling_off_end: date
        rule_id: str

        def apply(self, policy: Policy) -> None:
            policy.receipt_signed_on = self.signed_on
            policy.cooling_off_end = self.cooling_off_end

    class ReceiptRegistered(TrailAggregate.Event):
        """回执回销 Receipt registered; CB-05 lag recorded."""

        class_version = 1
        registered_on: date
        signed_on: date
        lag_days: int
        allowed_lag_days: int
        late: bool
        rule_id: str

        def apply(self, policy: Policy) -> None:
            policy.receipt_registered_on = self.registered_on

    class ContactChanged(TrailAggregate.Event):
        """联系方式变更（保全）Contact-details change (DP-03)."""

        class_version = 1
        old_phone: PhoneNumber | None
        new_phone: PhoneNumber
        old_address: str
        new_address: str
        reason: str
        rule_id: str

        def apply(self, policy: Policy) -> None:
            policy.holder_phone = self.new_phone
            policy.holder_address = self.new_address

    class AgentReassigned(TrailAggregate.Event):
        """业务员变更 Policy moved to another agent (orphan transfer, PS-01)."""

        class_version = 1
        previous_agent_code: str
        new_agent_code: str
        source: str
        rule_id: str

        def apply(self, policy: Policy) -> None:
            policy.agent_code = self.new_agent_code

    class CancelledInCoolingOff(TrailAggregate.Event):
        """犹豫期撤单 Cancelled within cooling-off (leaves the OC-06 denominator)."""

        class_version = 1
        cancelled_on: date
        cooling_off_end: date
        rule_id: str

        def apply(self, policy: Policy) -> None:
            policy.status = PolicyStatus.CANCELLED_IN_COOLING_OFF
            policy.cancelled_on = self.cancelled_on

    class Lapsed(TrailAggregate.Event):
        """保单失效 Lapsed."""

        class_version = 1
        lapsed_on: date
        reason: str

        def apply(self, policy: Policy) -> None:
            policy.status = PolicyStatus.LAPSED
            policy.lapsed_on = self.lapsed_on

    class Reinstated(TrailAggregate.Event):
        """保单复效 Reinstated."""

        class_version = 1
        reinstated_on: date

        def apply(self, policy: Policy) -> None:
            policy.status = PolicyStatus.IN_FORCE
            policy.lapsed_on = None

    # ----- state (set by the events above) ----------------------------------------
    facts: PolicyFacts
    number: str
    agent_code: str
    branch: str
    holder_phone: PhoneNumber | None
    holder_address: str
    status: PolicyStatus
    receipt_signed_on: date | None
    receipt_registered_on: date | None
    cooling_off_end: date | None
    lapsed_on: date | None
    cancelled_on: date | None

    def __init__(self) -> None:
        """State comes from the events' ``apply`` (annotations above are for readers)."""

    # ----- commands ------------------------------------------------------------------
    @classmethod
    def issue(cls, facts: PolicyFacts, ctx: Context) -> Policy:
        if facts.underwritten_on > business_date(ctx.occurred_at):
            raise InvalidInput(
                "underwriting date lies after the time of issue",
                "承保日期晚于出单时间",
            )
        return cls._start(cls.Issued, ctx, id=cls.id_for(facts.number), facts=facts)

    @property
    def needs_callback(self) -> bool:
        """CB-01: individual holder and term strictly over one year, every channel."""
        return self.facts.holder_type == HolderType.INDIVIDUAL and self.facts.term.over_one_year

    @property
    def insured_is_holder(self) -> bool:
        holder = self.facts.policyholder
        return holder is not None and holder.key == self.facts.insured.key

    def sign_receipt(self, signed_on: date, params: CallbackParams, ctx: Context) -> None:
        if self.receipt_signed_on is not None:
            if self.receipt_signed_on == signed_on:
                return
            raise RuleViolation(
                "CB-03",
                f"receipt already signed on {self.receipt_signed_on}; cooling-off is fixed",
                f"回执已于 {self.receipt_signed_on} 签收，犹豫期已确定",
            )
        require_not_before("signed_on", signed_on, UNDERWRITTEN, self.facts.underwritten_on)
        if signed_on > business_date(ctx.occurred_at):
            raise InvalidInput("receipt signed in the future", "回执签收日期晚于当前业务时间")
        end, days = cooling_off_end(signed_on, self.facts.channel, self.facts.product_type, params)
        self._record(
            self.ReceiptSigned,
            ctx,
            signed_on=signed_on,
            cooling_off_days=days,
            cooling_off_end=end,
            rule_id="CB-03",
        )

    def register_receipt(self, registered_on: date, params: CallbackParams, ctx: Context) -> None:
        """CB-05: registration within the lag; a later one is recorded as a breach."""
        if self.receipt_signed_on is None:
            raise RuleViolation("CB-03", "receipt not signed yet", "回执尚未签收，不能回销")
        if self.receipt_registered_on is not None:
            raise RuleViolation(
                "CB-05",
                f"receipt already registered on {self.receipt_registered_on}",
                f"回执已于 {self.receipt_registered_on} 回销",
            )
        require_not_before("registered_on", registered_on, RECEIPT_SIGNED, self.receipt_signed_on)
        lag = (registered_on - self.receipt_signed_on).days
        allowed = params.receipt_registration_lag_days
        self._record(
            self.ReceiptRegistered,
            ctx,
            registered_on=registered_on,
            signed_on=self.receipt_signed_on,
            lag_days=lag,
            allowed_lag_days=allowed,
            late=lag > allowed,
            rule_id="CB-05",
        )

    def change_contact(
        self, new_phone: PhoneNumber, new_address: str | None, reason: str, ctx: Context
    ) -> None:
        """DP-03: the only way to call another number is a contact change on the policy."""
        if self.facts.policyholder is None:
            raise InvalidInput("a group policy has no individual contact", "团体保单无个人联系方式")
        address = self.holder_address if new_address is None else new_address
        if self.holder_phone == new_phone and address == self.holder_address:
            raise InvalidInput("contact details unchanged", "联系方式未变化")
        self._record(
            self.ContactChanged,
            ctx,
            old_phone=self.holder_phone,
            new_phone=new_phone,
            old_address=self.holder_address,
            new_address=address,
            reason=reason,
            rule_id="DP-03",
        )

    def reassign_agent(self, new_agent_code: str, source: str, ctx: Context) -> None:
        """PS-01: orphan transfer; the previous agent is recorded."""
        if new_agent_code == self.agent_code:
            raise InvalidInput("policy already belongs to that agent", "保单已属于该业务员")
        self._record(
            self.AgentReassigned,
            ctx,
            previous_agent_code=self.agent_code,
            new_agent_code=new_agent_code,
            source=source,
            rule_id="PS-01",
        )

    def cancel_in_cooling_off(self, cancelled_on: date, ctx: Context) -> None:
        if self.status != PolicyStatus.IN_FORCE:
            raise RuleViolation(
                "OC-06",
                f"policy is {self.status}, cannot cancel",
                f"保单状态为{self.status}，不能撤单",
            )
        if self.cooling_off_end is None:
            raise RuleViolation(
                "CB-03",
                "cooling-off has not started (receipt not signed)",
                "回执尚未签收，犹豫期未开始",
            )
        require_not_before("cancelled_on", cancelled_on, RECEIPT_SIGNED, self.receipt_signed_on)
        if cancelled_on > self.cooling_off_end:
            raise RuleViolation(
                "CB-03",
                f"cooling-off ended on {self.cooling_off_end}; {cancelled_on} is a surrender",
                f"犹豫期已于 {self.cooling_off_end} 结束，{cancelled_on} 撤单应按退保处理",
            )
        self._record(
            self.CancelledInCoolingOff,
            ctx,
            cancelled_on=cancelled_on,
            cooling_off_end=self.cooling_off_end,
            rule_id="OC-06",
        )

    def lapse(self, lapsed_on: date, reason: str, ctx: Context) -> None:
        if self.status != PolicyStatus.IN_FORCE:
            raise InvalidInput(f"policy is {self.status}, cannot lapse", f"保单状态为{self.status}，不能失效")
        require_not_before("lapsed_on", lapsed_on, UNDERWRITTEN, self.facts.underwritten_on)
        self._record(self.Lapsed, ctx, lapsed_on=lapsed_on, reason=reason)

    def reinstate(self, reinstated_on: date, ctx: Context) -> None:
        if self.status != PolicyStatus.LAPSED:
            raise InvalidInput("only a lapsed policy can be reinstated", "只有失效保单可以复效")
        require_not_before("reinstated_on", reinstated_on, LAPSED, self.lapsed_on)
        self._record(self.Reinstated, ctx, reinstated_on=reinstated_on)
