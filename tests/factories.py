"""Builders of valid commands with sensible defaults; override what a test cares about."""

from __future__ import annotations

from datetime import date
from typing import Any

from application.agents import RegisterAgent
from application.policies import IssuePolicy, PersonIn

#: The tests' clock stands still at 2026-03-02 while their stories run on through the
#: month: RC-01a (no business time ahead of the clock) is tested on its own, with the
#: default skew, in test_business_time.py; elsewhere it is relaxed to this.
STILL_CLOCK_SKEW_SECONDS = 10 * 366 * 86_400


def person(
    name: str = "张三",
    id_number: str = "110101199001011234",
    phone: str = "13812346138",
    birthday: date = date(1990, 1, 1),
    address: str = "北京市朝阳区建国路1号",
) -> PersonIn:
    return PersonIn(name=name, id_number=id_number, birthday=birthday, phone=phone, address=address)


def issue_policy(number: str = "P2026000001", **overrides: Any) -> IssuePolicy:
    holder = overrides.pop("policyholder", person())
    fields: dict[str, Any] = {
        "number": number,
        "channel": "个险",
        "product_type": "分红",
        "product_name": "鑫享人生两全保险（分红型）",
        "term_value": 20,
        "term_unit": "年",
        "payment_mode": "期缴",
        "payment_period_years": 10,
        "payment_frequency": "年交",
        "premium": "12000.00",
        "holder_type": "个人",
        "policyholder": holder,
        "insured": overrides.pop("insured", holder),
        "agent_code": "A0001",
        "branch": "北京分公司",
        "underwritten_on": date(2026, 3, 1),
    }
    fields.update(overrides)
    return IssuePolicy(**fields)


def register_agent(code: str = "A0001", **overrides: Any) -> RegisterAgent:
    fields: dict[str, Any] = {
        "code": code,
        "name": "李四",
        "id_number": "110101198501015678",
        "rank_series": "销售",
        "rank_level": "中级",
        "branch": "北京分公司",
        "phone": "13900001111",
        "joined_on": date(2020, 1, 1),
    }
    fields.update(overrides)
    return RegisterAgent(**fields)
