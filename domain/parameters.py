"""Rule parameters: every *(config)* number of RULES.md, with its default.

These are plain validated value objects owned by the domain; the application's
settings (``application/settings.py``) load them from the environment or a TOML
file and hand them to the domain methods that need them. Defaults are the
numbers in RULES.md; each field names its rule id.
"""

from __future__ import annotations

import itertools
from datetime import time
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.resource_class import ResourceClass
from domain.sales_terms import Channel, ProductType
from domain.service_standard.parameters import ServiceStandardParams
from domain.work_order.types import WorkOrderType


class _Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CallWindow(_Params):
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> CallWindow:
        if self.start >= self.end:
            raise ValueError(f"call window start {self.start} must be before end {self.end}")
        # REG-05: no call ever between 21:00 and 09:00; not configurable away.
        if self.start < time(9, 0) or self.end > time(21, 0):
            raise ValueError(
                f"call window {self.start}-{self.end} leaves 09:00-21:00 (REG-05 forbids calls "
                "between 21:00 and 09:00)"
            )
        return self


def _windows(*spans: tuple[str, str]) -> tuple[CallWindow, ...]:
    return tuple(CallWindow(start=time.fromisoformat(a), end=time.fromisoformat(b)) for a, b in spans)


_DEFAULT_COOLING_OFF = {
    Channel.AGENCY: 10,
    Channel.BANCASSURANCE: 15,
    Channel.TELESALES: 10,
    Channel.ONLINE: 10,
    Channel.BROKERAGE: 10,
}
_DEFAULT_NATURAL_DAY_DEADLINES = {
    WorkOrderType.VERIFICATION: 7,
    WorkOrderType.IN_PERSON_VISIT: 7,
    WorkOrderType.FIRST_EXPLANATION: 7,
    WorkOrderType.SECOND_EXPLANATION: 7,
    WorkOrderType.PROXY_SIGNATURE: 7,
}


class CallbackParams(_Params):
    """New-contract callback numbers (CB-03, CB-05, CA-01, CA-02, QN-02, DP-01)."""

    cooling_off_days: dict[Channel, int] = Field(
        default_factory=lambda: dict(_DEFAULT_COOLING_OFF),
        description="CB-03: cooling-off length in natural days per channel",
    )
    cooling_off_days_by_product: dict[ProductType, int] = Field(
        default_factory=dict,
        description="CB-03: optional per-product-type override (wins over the channel)",
    )
    receipt_registration_lag_days: int = Field(
        1, ge=0, le=30, description="CB-05: signed receipt registered within N days"
    )
    weekday_windows: tuple[CallWindow, ...] = Field(
        default_factory=lambda: _windows(("09:30", "12:00"), ("14:30", "17:30"), ("19:00", "21:00")),
        description="CA-01: call windows on working days",
    )
    weekend_windows: tuple[CallWindow, ...] = Field(
        default_factory=lambda: _windows(("10:30", "12:30"), ("14:30", "17:30"), ("19:00", "21:00")),
        description="CA-01: call windows on weekends",
    )
    attempts_per_cycle: int = Field(3, ge=1, le=10, description="CA-02: attempts per cycle")
    cycle_days: int = Field(7, ge=1, le=31, description="CA-02: length of a call cycle in days")
    questionnaire_b_after_days: int = Field(
        18, ge=0, le=365, description="QN-02: d <= N → questionnaire A, d > N → B"
    )
    duplicate_phone_threshold: int = Field(
        3, ge=2, le=100, description="DP-01: distinct policyholders sharing a number"
    )

    @field_validator("cooling_off_days", mode="before")
    @classmethod
    def _every_channel(cls, value: dict[str, int]) -> dict[str, int]:
        # A partial override (e.g. only 银保) keeps the defaults of the other channels.
        return {**_DEFAULT_COOLING_OFF, **dict(value)}

    @field_validator("cooling_off_days", "cooling_off_days_by_product")
    @classmethod
    def _positive_days(cls, value: dict[str, int]) -> dict[str, int]:
        for key, days in value.items():
            if not 1 <= days <= 60:
                raise ValueError(f"cooling-off days for {key!r} must be 1..60, got {days}")
        return value

    @field_validator("weekday_windows", "weekend_windows")
    @classmethod
    def _non_overlapping(cls, value: tuple[CallWindow, ...]) -> tuple[CallWindow, ...]:
        ordered = sorted(value, key=lambda w: w.start)
        for a, b in itertools.pairwise(ordered):
            if b.start < a.end:
                raise ValueError(f"call windows overlap: {a.start}-{a.end} and {b.start}-{b.end}")
        if not ordered:
            raise ValueError("at least one call window is required")
        return tuple(ordered)


class WorkOrderParams(_Params):
    """Work-order numbers (PC-02, PC-03, PC-07)."""

    natural_day_deadlines: dict[WorkOrderType, int] = Field(
        default_factory=lambda: dict(_DEFAULT_NATURAL_DAY_DEADLINES),
        description="PC-02: deadline in natural days from creation, per work-order type",
    )
    misleading_working_days: int = Field(
        15, ge=1, le=60, description="PC-02 / REG-03: 销售误导件 deadline in working days"
    )
    warning_lead_days: int = Field(2, ge=0, le=30, description="PC-03: 警告 inside the last N days")

    @field_validator("natural_day_deadlines", mode="before")
    @classmethod
    def _every_type(cls, value: dict[str, int]) -> dict[WorkOrderType, int]:
        # config may name the types by their stored 中文 value (e.g. {"核实件": 5})
        unknown = [k for k in dict(value) if k not in WorkOrderType._value2member_map_]
        if unknown:
            raise ValueError(f"unknown work-order type {unknown[0]!r}; one of {'/'.join(WorkOrderType)}")
        merged = {**_DEFAULT_NATURAL_DAY_DEADLINES, **{WorkOrderType(k): v for k, v in dict(value).items()}}
        for kind, days in merged.items():
            if not 1 <= int(days) <= 90:
                raise ValueError(f"deadline for {kind!r} must be 1..90 days, got {days}")
        return merged

    agent_warning_rate: Decimal = Field(
        Decimal("0.90"), ge=0, le=1, description="PC-07: monthly success rate below → warning"
    )
    investigation_after_warned_months: int = Field(
        3, ge=1, le=12, description="PC-07: consecutive warned months → 契约调查"
    )


class ServiceParams(_Params):
    """Policy-service numbers (PS-03)."""

    service_card_within_days: int = Field(
        3, ge=0, le=30, description="PS-03: customer service card created within N days"
    )


class AllocationParams(_Params):
    """Customer-resource allocation (CR-01): class shares and the maturity lead."""

    shares: dict[ResourceClass, Decimal] = Field(
        default_factory=lambda: {
            ResourceClass.MATURITY: Decimal("0.10"),
            ResourceClass.RENEWAL: Decimal("0.30"),
            ResourceClass.OLD_CUSTOMER: Decimal("0.50"),
            ResourceClass.NOT_YET_MATURED: Decimal("0.05"),
            ResourceClass.OTHER: Decimal("0.05"),
        },
        description="CR-01: share of each resource class",
    )
    maturity_lead_days: int = Field(15, ge=0, le=90, description="CR-01: 满期 allocated N days ahead")

    @field_validator("shares")
    @classmethod
    def _shares_sum_to_one(cls, value: dict[ResourceClass, Decimal]) -> dict[ResourceClass, Decimal]:
        if any(share < 0 for share in value.values()):
            raise ValueError("resource shares must be >= 0")
        total = sum(value.values(), Decimal(0))
        if total != Decimal(1):
            raise ValueError(f"resource shares must add up to 1, they add up to {total}")
        return value


class Step(_Params):
    """A step of a score table: a rate at or above ``at_least`` earns ``points``."""

    at_least: Decimal = Field(ge=0, le=1)
    points: int = Field(ge=0, le=100)


def _steps(*pairs: tuple[str, int]) -> tuple[Step, ...]:
    return tuple(Step(at_least=Decimal(rate), points=points) for rate, points in pairs)


class PlannerScoreParams(_Params):
    """SC-01 / SC-02 tables (seed S2). Rates round down to the step."""

    rank_points: dict[str, int] = Field(
        default_factory=lambda: {
            "管理/高级": 40,
            "管理/中级": 36,
            "管理/初级": 32,
            "管理/准初级": 28,
            "销售/资深": 34,
            "销售/高级": 30,
            "销售/中级": 26,
            "销售/初级": 22,
            "销售/见习": 18,
        },
        description="SC-01: points per rank (series/level)",
    )
    premium_task_steps: tuple[Step, ...] = Field(
        default_factory=lambda: _steps(
            ("1.0", 20),
            ("0.9", 18),
            ("0.8", 16),
            ("0.7", 14),
            ("0.6", 12),
            ("0.5", 10),
            ("0.4", 8),
            ("0.3", 6),
        ),
        description="SC-01: last month's periodic-premium task completion → points (max 20)",
    )
    attendance_steps: tuple[Step, ...] = Field(
        default_factory=lambda: _steps(
            ("1.0", 10),
            ("0.9", 9),
            ("0.8", 8),
            ("0.7", 7),
            ("0.6", 6),
            ("0.5", 5),
        ),
        description="SC-01: meeting attendance → points (max 10)",
    )
    work_log_steps: tuple[Step, ...] = Field(
        default_factory=lambda: _steps(
            ("1.0", 20),
            ("0.9", 18),
            ("0.8", 16),
            ("0.7", 14),
            ("0.6", 12),
            ("0.5", 10),
        ),
        description="SC-01: work-log pass rate → points (max 20)",
    )
    discretion_max: int = Field(10, ge=0, le=100, description="SC-01: department discretion")
    extended_probation_zero_from_month: int = Field(
        2, ge=1, le=12, description="SC-01: rank points 0 from month N of an extended probation"
    )
    log_minor_deviation: Decimal = Field(Decimal("0.30"), description="SC-02: off by more → −6")
    log_major_deviation: Decimal = Field(Decimal("0.50"), description="SC-02: off by more → 0")
    log_minor_deduction: int = Field(6, ge=0, le=100, description="SC-02: owner/supervisor −N")
    log_senior_major_deduction: int = Field(10, ge=0, le=100, description="SC-02: senior −N")
    missed_logs_bar_after: int = Field(
        3, ge=1, le=31, description="SC-02: more than N missed logs in a row → no allocation"
    )

    @field_validator("premium_task_steps", "attendance_steps", "work_log_steps")
    @classmethod
    def _descending(cls, value: tuple[Step, ...]) -> tuple[Step, ...]:
        ordered = tuple(sorted(value, key=lambda s: s.at_least, reverse=True))
        for hi, lo in itertools.pairwise(ordered):
            if lo.points > hi.points:
                raise ValueError("a higher rate must never earn fewer points")
        return ordered


class RuleParameters(_Params):
    """All rule parameters together."""

    callback: CallbackParams = Field(default_factory=CallbackParams)
    work_order: WorkOrderParams = Field(default_factory=WorkOrderParams)
    service: ServiceParams = Field(default_factory=ServiceParams)
    allocation: AllocationParams = Field(default_factory=AllocationParams)
    planner_score: PlannerScoreParams = Field(default_factory=PlannerScoreParams)
    service_standards: ServiceStandardParams = Field(default_factory=ServiceStandardParams)
