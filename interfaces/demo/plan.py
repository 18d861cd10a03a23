"""The demo's plan (演示计划): configuration, planned steps, lanes and phases.

A plan is the whole synthetic month as commands, each with its business time, its
actor and a deterministic command id (``demo/<seed>/<month>/<policies>/<key>``), so
re-running the same plan stores nothing twice. Steps are grouped into *lanes*:
commands of one lane touch the same aggregates and run in order; different lanes
touch disjoint aggregates and may run concurrently. *Phases* are business days, run
one after the other, so the log follows the business timeline day by day.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from application.messages import Command
from domain.shared.actor import Actor
from domain.shared.errors import InvalidInput
from domain.shared.time import business_date

MIN_POLICIES = 40  # room for every scenario ingredient (see generator.FORCED)
MAX_POLICIES = 200_000
HISTORY = "history"  # phase of everything long before the month (agents joining, old books)
SETUP = "setup"  # before the history: the branches, which every later command must name
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def default_month(today: date) -> str:
    """The last complete month before ``today``."""
    last = today.replace(day=1) - timedelta(days=1)
    return f"{last:%Y-%m}"


@dataclass(frozen=True)
class DemoConfig:
    seed: int = 2026
    policies: int = 3000
    month: str = ""

    def __post_init__(self) -> None:
        if not _MONTH.match(self.month):
            raise InvalidInput(
                f"month {self.month!r} must be YYYY-MM, e.g. 2026-10", f"月份 {self.month!r} 应为 YYYY-MM"
            )
        if not MIN_POLICIES <= self.policies <= MAX_POLICIES:
            raise InvalidInput(
                f"--policies must be between {MIN_POLICIES} and {MAX_POLICIES:,}, got {self.policies}",
                f"保单数应在 {MIN_POLICIES} 到 {MAX_POLICIES:,} 之间，实际为 {self.policies}",
            )
        if not 0 <= self.seed < 2**63:
            raise InvalidInput(f"--seed must be between 0 and 2^63-1, got {self.seed}", "随机种子超出范围")

    @property
    def first_day(self) -> date:
        year, month = map(int, self.month.split("-"))
        return date(year, month, 1)

    @property
    def last_day(self) -> date:
        first = self.first_day
        return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)

    @property
    def prefix(self) -> str:
        """Command-id prefix of this configuration (the marker of its data)."""
        return f"demo/{self.seed}/{self.month}/{self.policies}"

    def require_complete(self, today: date) -> None:
        if self.last_day >= today:
            raise InvalidInput(
                f"month {self.month} is not over yet; choose a complete month before {today}",
                f"{self.month} 尚未结束，请选择 {today} 之前的完整月份",
            )


@dataclass(frozen=True)
class Step:
    """One planned command: when (business time), who, in which lane, in which order."""

    at: datetime
    lane: str
    actor: Actor
    command: Command
    seq: int

    @property
    def command_id(self) -> str:
        return self.command.command_id

    @property
    def command_type(self) -> str:
        return self.command.command_type


@dataclass
class Plan:
    config: DemoConfig
    steps: list[Step] = field(default_factory=list)
    #: what the month contains, as planned (the summary counts what was stored)
    ingredients: Counter[str] = field(default_factory=Counter)

    def phase_of(self, step: Step) -> str:
        if step.lane == "branches":
            return SETUP
        day = business_date(step.at)
        if day < self.config.first_day - timedelta(days=20):
            return HISTORY
        return day.isoformat()

    def phases(self) -> list[tuple[str, list[list[Step]]]]:
        """Phases in time order, each as lanes of steps in time order."""
        grouped: dict[str, dict[str, list[Step]]] = defaultdict(lambda: defaultdict(list))
        for step in sorted(self.steps, key=lambda s: (s.at, s.seq)):
            grouped[self.phase_of(step)][step.lane].append(step)
        ordered = sorted(grouped, key=lambda p: (p != SETUP, p != HISTORY, p))
        return [(p, list(grouped[p].values())) for p in ordered]

    def command_ids(self) -> list[str]:
        return [s.command_id for s in sorted(self.steps, key=lambda s: (s.at, s.seq))]
