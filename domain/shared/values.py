"""Value objects (值对象): phone numbers, policy numbers, money, persons, terms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from domain.shared.errors import InvalidInput
from domain.shared.masking import mask_id_number, mask_phone

__all__ = ["mask_id_number"]  # re-exported: masking lives in domain.shared.masking


class PhoneKind(StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"
    UNUSABLE = "unusable"


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area code 0 + 2..3 digits, subscriber 7..8 digits (e.g. 010-12345678, 0571-8765432).
_LANDLINE = re.compile(r"^0[1-9]\d{1,2}[2-9]\d{6,7}$")


@dataclass(frozen=True)
class PhoneNumber:
    """A CN phone number as given, its normalised form and whether it can be called.

    DP-03: numbers are compared in normalised form (digits only, no +86).
    CB-06: a blank, wrong-length or malformed number is representable as
    ``UNUSABLE`` with the problem stated, never a crash. The verdict is computed
    once when the number enters the system and stored with it, so later changes
    to the parsing rules never change the meaning of stored events.
    """

    raw: str
    normalized: str
    kind: str
    problem: str = ""

    @classmethod
    def parse(cls, raw: str | None) -> PhoneNumber:
        text = (raw or "").strip()
        if not text:
            return cls(raw="", normalized="", kind=PhoneKind.UNUSABLE, problem="blank 空号码")
        digits = re.sub(r"\D", "", text)
        had_country_code = text.startswith("+86") or digits.startswith("0086")
        if digits.startswith("0086"):
            digits = digits[4:]
        elif had_country_code or (digits.startswith("86") and len(digits) == 13):
            digits = digits[2:]
        if had_country_code and not _MOBILE.match(digits) and _LANDLINE.match("0" + digits):
            digits = "0" + digits  # +86 10 1234 5678 → 010 1234 5678 (trunk 0 dropped abroad)
        if _MOBILE.match(digits):
            return cls(raw=text, normalized=digits, kind=PhoneKind.MOBILE)
        if _LANDLINE.match(digits):
            return cls(raw=text, normalized=digits, kind=PhoneKind.LANDLINE)
        if not digits:
            problem = "no digits 无数字"
        elif digits.startswith("1") and len(digits) != 11:
            problem = f"wrong length for a mobile ({len(digits)} digits) 手机号位数错误"
        elif digits.startswith("0"):
            problem = "not a CN landline format 固话格式错误"
        else:
            problem = f"not a CN mobile or landline ({len(digits)} digits) 号码格式错误"
        return cls(raw=text, normalized=digits, kind=PhoneKind.UNUSABLE, problem=problem)

    @property
    def usable(self) -> bool:
        return self.kind != PhoneKind.UNUSABLE

    def masked(self) -> str:
        """RC-03 mask: 138****6138 (``domain.shared.masking``)."""
        return mask_phone(self.normalized)


_POLICY_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{5,29}$")


def policy_number(raw: str) -> str:
    """Normalised policy number (保单号): upper case, 6..30 letters, digits or dashes."""
    value = (raw or "").strip().upper()
    if not _POLICY_NUMBER.match(value):
        raise InvalidInput(
            f"invalid policy number {raw!r}: 6-30 letters, digits or '-'",
            f"保单号 {raw!r} 无效：应为 6-30 位字母、数字或 '-'",
        )
    return value


def agent_code(raw: str) -> str:
    """Normalised agent code (业务员工号)."""
    value = (raw or "").strip().upper()
    if not re.match(r"^[A-Z0-9-]{3,20}$", value):
        raise InvalidInput(
            f"invalid agent code {raw!r}: 3-20 letters, digits or '-'",
            f"业务员工号 {raw!r} 无效",
        )
    return value


def id_number(raw: str) -> str:
    """Normalised ID number (证件号码): trimmed, upper case (the X check digit)."""
    value = (raw or "").strip().upper().replace(" ", "")
    if not value:
        raise InvalidInput("ID number is required", "证件号码必填")
    return value


CENT = Decimal("0.01")


def money(amount: Decimal | str | int | float) -> Decimal:
    """A non-negative CNY amount with two decimals (元, 分)."""
    try:
        value = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"invalid amount {amount!r}", f"金额 {amount!r} 无效") from None
    if value < 0 or not value.is_finite():
        raise InvalidInput(f"amount must be >= 0, got {amount!r}", f"金额不能为负：{amount!r}")
    return value


@dataclass(frozen=True)
class Person:
    """A natural person on a policy (投保人 / 被保险人). Personal data (RC-03)."""

    name: str
    id_number: str
    birthday: date
    phone: PhoneNumber
    address: str = ""

    @property
    def key(self) -> str:
        """Identity used to tell persons apart (normalised ID number)."""
        return self.id_number


class TermUnit(StrEnum):
    YEAR = "年"
    MONTH = "月"
    WHOLE_LIFE = "终身"


@dataclass(frozen=True)
class Term:
    """Coverage term (保险期间): N years, N months, or whole life."""

    value: int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in {u.value for u in TermUnit}:
            raise InvalidInput(f"unknown term unit {self.unit!r}", f"保险期间单位无效：{self.unit!r}")
        if self.unit != TermUnit.WHOLE_LIFE and self.value <= 0:
            raise InvalidInput("term must be positive", "保险期间必须大于 0")

    @property
    def months(self) -> int | None:
        if self.unit == TermUnit.WHOLE_LIFE:
            return None
        return self.value * 12 if self.unit == TermUnit.YEAR else self.value

    @property
    def over_one_year(self) -> bool:
        """CB-01: strictly over one year; exactly 1 year (12 months) is excluded."""
        months = self.months
        return months is None or months > 12
