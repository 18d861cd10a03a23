"""Service-standard numbers (SL-01..SL-04), every *(config)* of docs/service-standards.md.

Amount bands: each band includes its upper bound (SL-03f); ``None`` as the upper bound is
"above the last edge"; ``None`` as the days is 协商 (a negotiated date, SL-03d).
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AmountBand(_Params):
    """Up to ``upto`` yuan (inclusive; None: no upper bound) → ``days`` working days."""

    upto: Decimal | None = Field(None, gt=0)
    days: Decimal | None = Field(None, ge=0, le=60)

    @field_validator("days")
    @classmethod
    def _half_days(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and (value * 2) % 1:
            raise ValueError(f"working days must be whole or half days, got {value}")
        return value


def _bands(*pairs: tuple[int | None, str | None]) -> tuple[AmountBand, ...]:
    return tuple(
        AmountBand(upto=None if upto is None else Decimal(upto), days=None if days is None else Decimal(days))
        for upto, days in pairs
    )


def _motor_assessment() -> dict[str, tuple[AmountBand, ...]]:
    return {
        "VIP": _bands((5000, "1"), (30000, "1.5"), (100000, "3"), (None, None)),
        "普通": _bands((5000, "1"), (30000, "2"), (100000, "4"), (None, None)),
    }


def _motor_approval() -> dict[str, tuple[AmountBand, ...]]:
    return {
        "VIP": _bands((5000, "0"), (30000, "2"), (100000, "4"), (None, "9")),
        "普通": _bands((5000, "0"), (30000, "3"), (100000, "5"), (None, "10")),
    }


def _property_approval() -> dict[str, tuple[AmountBand, ...]]:
    return {
        "VIP": _bands((100000, "1"), (500000, "3"), (None, "5")),
        "普通": _bands((10000, "1"), (200000, "3"), (None, "6")),
    }


class ServiceStandardParams(_Params):
    """SL-01..SL-04 numbers (seeds S3 §1.5, S4 第十条/第十一条, REG-08)."""

    complaint_ack_hours: int = Field(24, ge=1, le=168, description="SL-01b: acknowledge within N hours")
    complaint_decision_days: int = Field(15, ge=1, le=60, description="SL-01c: decide within N days")
    complaint_complex_days: int = Field(30, ge=1, le=90, description="SL-01c: complex: within N days")
    complaint_warning_days: int = Field(2, ge=0, le=30, description="SL-01: 警告 inside the last N days")
    renewal_first_days_before: int = Field(
        30, ge=1, le=120, description="SL-02a: first reminder N days before expiry"
    )
    renewal_every_days: int = Field(10, ge=1, le=60, description="SL-02b: then every N days")
    claim_contact_minutes: int = Field(5, ge=1, le=120, description="SL-03a: contact after dispatch")
    claim_onsite_minutes: dict[str, int] = Field(
        default_factory=lambda: {"市内": 30, "市郊": 90},
        description="SL-03b: on site within N minutes of dispatch, per area",
    )
    claim_assessment_days: dict[str, dict[str, tuple[AmountBand, ...]]] = Field(
        default_factory=lambda: {"车险": _motor_assessment(), "意健险": _motor_assessment()},
        description="SL-03d: 定损 working days by line, tier, estimated loss band",
    )
    claim_approval_days: dict[str, dict[str, tuple[AmountBand, ...]]] = Field(
        default_factory=lambda: {
            "车险": _motor_approval(),
            "意健险": _motor_approval(),
            "财产险": _property_approval(),
        },
        description="SL-03e: 核赔 working days by line, tier, claim amount band",
    )
    care_incident_after_minutes: int = Field(
        30, ge=1, le=240, description="SL-04a: incident care call from N minutes after the report"
    )
    care_incident_batch_minutes: int = Field(
        30, ge=1, le=240, description="SL-04a: each half-hour batch done within N minutes"
    )
    care_closure_min_days: int = Field(14, ge=1, le=60, description="SL-04b: closed at least N days ago")
    care_closure_max_days: int = Field(20, ge=1, le=90, description="SL-04b: closed at most N days ago")
    care_closure_weekday: int = Field(1, ge=0, le=6, description="SL-04b: extraction weekday (0=Mon, 1=Tue)")
    care_closure_batch_days: int = Field(7, ge=1, le=31, description="SL-04b: a batch done within N days")

    @field_validator("claim_assessment_days", "claim_approval_days")
    @classmethod
    def _ascending_bands(
        cls, value: dict[str, dict[str, tuple[AmountBand, ...]]]
    ) -> dict[str, dict[str, tuple[AmountBand, ...]]]:
        for line, tiers in value.items():
            for tier, bands in tiers.items():
                edges = [b.upto for b in bands]
                if not bands or edges[-1] is not None or None in edges[:-1]:
                    raise ValueError(f"{line}/{tier}: bands need ascending edges and a last open band")
                if any(a >= b for a, b in itertools.pairwise(edges[:-1])):  # type: ignore[operator]
                    raise ValueError(f"{line}/{tier}: band edges must ascend")
        return value
