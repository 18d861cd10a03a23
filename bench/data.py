"""Deterministic synthetic commands for benchmarks (fixed seed, no Faker needed here)."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO

from application.agents import RegisterAgent
from application.app import PolicyTrail
from application.branches import RegisterBranch
from application.messages import Command
from application.policies import IssuePolicy, PersonIn, RegisterReceipt
from domain.shared.actor import Actor

CHANNELS = ["个险", "银保", "电销", "网销", "经代"]
PRODUCTS = ["传统", "分红", "万能", "投连"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"


#: commands per transaction when a scenario builds its data (the importer's size)
BUILD_BATCH = 500


def execute_all(app: PolicyTrail, commands: Sequence[Command], actor: Actor) -> None:
    """Store ``commands`` through the application's batch path (``execute_many``: the
    answers ``execute`` would give, a transaction per ``BUILD_BATCH``); none may be refused."""
    for start in range(0, len(commands), BUILD_BATCH):
        for answer in app.execute_many(commands[start : start + BUILD_BATCH], actor):
            if isinstance(answer, Exception):
                raise answer


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
        branch=rng.choice(BRANCHES),
        underwritten_on=date(2026, 3, 1),
    )


#: the branches of the generated policies (registered with the agents: a branch is a fact)
BRANCHES = ("北京分公司", "上海分公司", "广州分公司")


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


def _line(out: IO[str], line_id: str, type_: str, occurred_at: str, command: object) -> None:
    payload = command.model_dump(mode="json", exclude={"command_id", "occurred_at"})  # type: ignore[attr-defined]
    envelope = {"line_id": line_id, "type": type_, "occurred_at": occurred_at, "data": payload}
    out.write(json.dumps(envelope, ensure_ascii=False) + "\n")


def write_import_file(
    path: Path, policies: int, seed: int, *, prefix: str = "I", agents: int = 0, start: int = 0
) -> int:
    """A JSON Lines import file (docs/import-format.md): ``agents`` agents registered,
    then per policy (numbers ``start`` on) its issue (2026-03-01) and its receipt
    registration (2026-03-04), which opens its callback. Returns the number of lines."""
    rng = random.Random(seed + start)
    lines = 0
    with path.open("w", encoding="utf-8") as out:
        for name in BRANCHES if agents else ():  # a store with a branch registry checks them
            _line(
                out,
                f"branch-{name}",
                "RegisterBranch",
                "2020-01-01T08:00:00+08:00",
                RegisterBranch(name=name),
            )
            lines += 1
        for a in range(agents):
            _line(out, f"agent-{a}", "RegisterAgent", "2020-01-01T09:00:00+08:00", register_agent(a))
            lines += 1
        for i in range(start, start + policies):
            issue = issue_policy(rng, i, prefix=prefix, agents=max(agents, 60))
            _line(out, f"issue-{prefix}-{i}", "IssuePolicy", "2026-03-01T09:00:00+08:00", issue)
            receipt = register_receipt(i, prefix=prefix)
            _line(out, f"receipt-{prefix}-{i}", "RegisterReceipt", "2026-03-04T16:00:00+08:00", receipt)
            lines += 2
    return lines
