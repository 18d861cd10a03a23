"""Deterministic synthetic commands for benchmarks (fixed seed, no Faker needed here)."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from application.agents import RegisterAgent
from application.policies import IssuePolicy, PersonIn, RegisterReceipt

CHANNELS = ["个险", "银保", "电销", "网销", "经代"]
PRODUCTS = ["传统", "分红", "万能", "投连"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"


def person(rng: random.Random, i: int, phone: str) -> PersonIn:
    birthday = date(1960 + rng.randrange(45), 1 + rng.randrange(12), 1 + rng.randrange(28))
    id_number = f"110101{birthday:%Y%m%d}{i % 10_000:04d}"
    return PersonIn(
        name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
        id_number=id_number,
        birthday=birthday,
        phone=phone,
        address=f"北京市朝阳区建国路{rng.randrange(1, 999)}号",
    )


def issue_policy(rng: random.Random, i: int, prefix: str = "B", agents: int = 60) -> IssuePolicy:
    holder = person(rng, i, f"139{i:08d}")
    periodic = rng.random() < 0.8
    return IssuePolicy(
        command_id=f"bench-issue-{prefix}-{i}",
        number=f"{prefix}{i:09d}",
        channel=rng.choice(CHANNELS),
        product_type=rng.choice(PRODUCTS),
        product_name="鑫享人生",
        term_value=rng.choice([5, 10, 20, 30]),
        term_unit="年",
        payment_mode="期缴" if periodic else "趸交",
        payment_period_years=rng.choice([3, 5, 10]) if periodic else 0,
        payment_frequency="年交" if periodic else "趸交",
        premium=Decimal(rng.randrange(1_000, 100_000)),
        policyholder=holder,
        insured=holder,
        agent_code=f"A{rng.randrange(agents):04d}",
        branch=rng.choice(["北京分公司", "上海分公司", "广州分公司"]),
        underwritten_on=date(2026, 3, 1),
    )


def register_receipt(i: int, prefix: str = "B") -> RegisterReceipt:
    return RegisterReceipt(
        command_id=f"bench-receipt-{prefix}-{i}",
        policy_number=f"{prefix}{i:09d}",
        signed_on=date(2026, 3, 3),
        registered_on=date(2026, 3, 4),
    )


def register_agent(i: int) -> RegisterAgent:
    return RegisterAgent(
        code=f"A{i:04d}",
        name=f"业务员{i}",
        id_number=f"11010119800101{i:04d}",
        rank_series="销售",
        rank_level="中级",
        branch="北京分公司",
        phone=f"137{i:08d}",
        joined_on=date(2020, 1, 1),
    )
