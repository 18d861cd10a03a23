"""Agent aggregate (业务员 / 营销员): rank, branch, phone, status.

A departure turns the agent's policies into orphan policies (孤儿单, PS-01); the
service-case workflow reacts to ``Departed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.errors import InvalidInput, RuleViolation
from domain.shared.labels import LabelledEnum
from domain.shared.values import PhoneNumber

#: SC-01 rank ladder: series → levels (highest first).
RANK_LEVELS: dict[str, tuple[str, ...]] = {
    "管理": ("高级", "中级", "初级", "准初级"),
    "销售": ("资深", "高级", "中级", "初级", "见习"),
}


@dataclass(frozen=True)
class Rank:
    """职级: series (管理 management / 销售 sales) and level (SC-01)."""

    series: str
    level: str

    def __post_init__(self) -> None:
        levels = RANK_LEVELS.get(self.series)
        if levels is None:
            raise InvalidInput(
                f"unknown rank series {self.series!r} (管理/销售)",
                f"职级序列 {self.series!r} 无效（管理/销售）",
            )
        if self.level not in levels:
            raise InvalidInput(
                f"unknown level {self.level!r} for series {self.series} ({'/'.join(levels)})",
                f"{self.series}序列没有职级 {self.level!r}（{'/'.join(levels)}）",
            )

    @property
    def key(self) -> str:
        """The key used by the SC-01 rank-points table, e.g. ``管理/高级``."""
        return f"{self.series}/{self.level}"


class AgentStatus(LabelledEnum):
    ACTIVE = "在职", "active"
    DEPARTED = "离司", "departed"


class Agent(TrailAggregate):
    """业务员. Id = uuid5 of the agent code."""

    id_kind = "agent"

    class Registered(TrailAggregate.Created):
        """业务员登记 Agent registered."""

        class_version = 1
        code: str
        name: str
        id_number: str
        rank: Rank
        branch: str
        phone: PhoneNumber
        joined_on: date

        def apply(self, agent: Agent) -> None:
            agent.code = self.code
            agent.name = self.name
            agent.id_number = self.id_number
            agent.rank = self.rank
            agent.branch = self.branch
            agent.phone = self.phone
            agent.joined_on = self.joined_on
            agent.status = AgentStatus.ACTIVE
            agent.departed_on = None

    class RankChanged(TrailAggregate.Event):
        """职级变更 Rank changed (SC-01 input)."""

        class_version = 1
        old_rank: Rank
        new_rank: Rank
        effective_on: date

        def apply(self, agent: Agent) -> None:
            agent.rank = self.new_rank

    class PhoneChanged(TrailAggregate.Event):
        """业务员电话变更 Agent phone changed (DP-02 input)."""

        class_version = 1
        old_phone: PhoneNumber
        new_phone: PhoneNumber

        def apply(self, agent: Agent) -> None:
            agent.phone = self.new_phone

    class Departed(TrailAggregate.Event):
        """离司 Agent left the company; their policies become orphans (PS-01)."""

        class_version = 1
        departed_on: date
        reason: str

        def apply(self, agent: Agent) -> None:
            agent.status = AgentStatus.DEPARTED
            agent.departed_on = self.departed_on

    code: str
    name: str
    id_number: str
    rank: Rank
    branch: str
    phone: PhoneNumber
    joined_on: date
    status: str
    departed_on: date | None

    def __init__(self) -> None:
        """State comes from the events' ``apply`` (annotations above are for readers)."""

    @classmethod
    def register(
        cls,
        *,
        code: str,
        name: str,
        id_number: str,
        rank: Rank,
        branch: str,
        phone: PhoneNumber,
        joined_on: date,
        ctx: Context,
    ) -> Agent:
        if not name.strip():
            raise InvalidInput("agent name is required", "业务员姓名必填")
        if not branch.strip():
            raise InvalidInput("agent branch is required", "业务员所属机构必填")
        return cls._start(
            cls.Registered,
            ctx,
            id=cls.id_for(code),
            code=code,
            name=name.strip(),
            id_number=id_number,
            rank=rank,
            branch=branch.strip(),
            phone=phone,
            joined_on=joined_on,
        )

    def _require_active(self) -> None:
        if self.status != AgentStatus.ACTIVE:
            raise RuleViolation("PS-01", f"agent {self.code} has departed", f"业务员 {self.code} 已离司")

    def change_rank(self, new_rank: Rank, effective_on: date, ctx: Context) -> None:
        self._require_active()
        if new_rank == self.rank:
            raise InvalidInput("rank unchanged", "职级未变化")
        self._record(self.RankChanged, ctx, old_rank=self.rank, new_rank=new_rank, effective_on=effective_on)

    def change_phone(self, new_phone: PhoneNumber, ctx: Context) -> None:
        self._require_active()
        if new_phone.normalized == self.phone.normalized:
            raise InvalidInput("phone unchanged", "电话未变化")
        self._record(self.PhoneChanged, ctx, old_phone=self.phone, new_phone=new_phone)

    def depart(self, departed_on: date, reason: str, ctx: Context) -> None:
        self._require_active()
        if departed_on < self.joined_on:
            raise InvalidInput("departure before joining", "离司日期早于入司日期")
        self._record(self.Departed, ctx, departed_on=departed_on, reason=reason)
