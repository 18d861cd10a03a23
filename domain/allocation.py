"""AllocationRound aggregate (客户资源分配): one branch, one month (CR-01, SC-01..03).

Seed S2 (客户资源管理办法 附: 客户资源基本分配办法):

1. the resource desk registers next month's allocatable resources by class
   (满期 / 续期 / 老客户 / 未到期 / 其他) with their ranking factors (CR-01);
2. quotas: per planner and class = total ÷ headcount × class share (CR-01);
3. planners are served in SC-01 score order, each taking its quota from the top of
   the class ranking (SC-03); barred planners (SC-02, PS-03) are skipped;
4. every assignment is an event with the score and its breakdown, the resource's
   class and rank, so an auditor can replay why a planner got a resource.

A round is closed once allocated; re-allocation is an explicit command that voids
the previous assignments (recorded) and allocates again.

Quotas and the remainder rule (deterministic):

* T = resources registered in the round (all classes); H = planners allocated to
  (the listed planners minus the barred ones: a barred planner receives nothing,
  so counting them in 总人力 would leave their share lying idle);
* class target N_c = ⌊T × share_c⌋ (the class's part of the per-capita formula,
  summed over the H planners);
* base_c = N_c ÷ H (integer division), remainder r_c = N_c mod H: the first r_c
  planners in score order (score desc, planner id asc) get base_c + 1, the others
  base_c;
* a class with fewer resources than N_c runs out: lower-ranked planners get less
  (recorded as a shortfall); resources beyond N_c, or of a class without share,
  stay unallocated (recorded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.planner import AllocationBar
from domain.planner_score import ScoreBreakdown, month_key
from domain.resource_class import ResourceClass
from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.errors import AlreadyExists, InvalidInput, RuleViolation
from domain.shared.labels import LabelledEnum
from domain.shared.time import business_date

if TYPE_CHECKING:
    from domain.parameters import AllocationParams

REMAINDER_RULE = (
    "N_c = floor(T × share_c); base = N_c // H; the first N_c mod H planners in score order "
    "(score desc, planner id asc) get base + 1; a short class leaves lower planners short; "
    "resources beyond N_c stay unallocated"
)


@dataclass(frozen=True)
class CustomerResource:
    """可分配客户资源 One allocatable resource and its CR-01 ranking factors.

    ``amount``: 满期金额 (满期, 老客户), 续期保费金额 (续期), sum at maturity otherwise.
    ``key_date``: 满期日期 (满期), 续期缴费时间 (续期), 满期时间 (老客户, when the
    maturity was paid), the coming maturity date (未到期 / 其他).
    """

    resource_id: str
    resource_class: str
    policy_number: str
    amount: Decimal
    key_date: date | None
    address_complete: bool
    phone_complete: bool
    times_allocated: int = 0
    transferred_or_topped_up: bool = False
    underwritten_on: date | None = None
    origin_branch: str = ""


_FAR = date.max


def ranking_key(r: CustomerResource) -> tuple[object, ...]:
    """CR-01 rank inside a class (smallest key = most important), factors in the seed's order.

    Readings of the seed (按照重要性排列 + its list of factors):
    * 满期: larger amount, complete address, complete phone, earlier maturity.
    * 续期: earlier renewal payment date, larger premium, older policy (投保时间),
      complete address, complete phone.
    * 老客户: larger matured amount, more recent maturity (the money was paid out
      recently), complete address, complete phone, fewer previous allocations
      (已分配流转次数), a previous transfer or top-up (转保或加保) first.
    * 未到期 / 其他 (no factors in the seed): nearest maturity, larger amount,
      complete address, complete phone, fewer previous allocations.
    原投保机构 (origin branch) is recorded but not ranked on: the seed gives no order.
    The resource id breaks any remaining tie, so the ranking is total.
    """
    contact = (not r.address_complete, not r.phone_complete)
    when = r.key_date or _FAR
    if r.resource_class == ResourceClass.MATURITY:
        return (-r.amount, *contact, when, r.resource_id)
    if r.resource_class == ResourceClass.RENEWAL:
        return (when, -r.amount, r.underwritten_on or _FAR, *contact, r.resource_id)
    if r.resource_class == ResourceClass.OLD_CUSTOMER:
        recency = -(r.key_date.toordinal()) if r.key_date else 0
        return (
            -r.amount,
            recency,
            *contact,
            r.times_allocated,
            not r.transferred_or_topped_up,
            r.resource_id,
        )
    return (when, -r.amount, *contact, r.times_allocated, r.resource_id)


def rank_class(resources: list[CustomerResource]) -> list[CustomerResource]:
    return sorted(resources, key=ranking_key)


@dataclass(frozen=True)
class PlannerStanding:
    """A planner as the allocation sees them: SC-01 score (None: no inputs) and bars."""

    planner_code: str
    score: ScoreBreakdown | None
    bars: list[AllocationBar]


@dataclass(frozen=True)
class Assignment:
    resource: CustomerResource
    class_rank: int
    class_size: int
    planner_code: str
    planner_position: int
    score: ScoreBreakdown
    class_quota: int
    nth_in_quota: int


@dataclass(frozen=True)
class AllocationPlan:
    total: int
    headcount: int
    class_targets: dict[str, int]
    order: list[PlannerStanding]
    quotas: dict[str, dict[str, int]]  # planner → class → quota
    assignments: list[Assignment]
    unallocated: list[str]
    shortfalls: dict[str, dict[str, int]]  # planner → class → quota not met
    skipped: list[PlannerStanding]


def score_order(standings: list[PlannerStanding]) -> list[PlannerStanding]:
    """SC-03: higher score first; ties by planner id."""

    def key(s: PlannerStanding) -> tuple[int, str]:
        if s.score is None:
            raise ValueError(f"planner {s.planner_code} has no score")
        return (-s.score.total, s.planner_code)

    return sorted(standings, key=key)


def class_quotas(
    total: int, order: list[str], shares: dict[str, Decimal]
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """CR-01 quotas with the documented remainder rule (see the module docstring)."""
    headcount = len(order)
    targets: dict[str, int] = {}
    quotas: dict[str, dict[str, int]] = {code: {} for code in order}
    for cls in ResourceClass:
        share = shares.get(cls.value, Decimal(0))
        target = int(Decimal(total) * share // 1)
        targets[cls.value] = target
        base, extra = divmod(target, headcount) if headcount else (0, 0)
        for position, code in enumerate(order):
            quotas[code][cls.value] = base + (1 if position < extra else 0)
    return targets, quotas


def plan_allocation(
    resources: list[CustomerResource],
    standings: list[PlannerStanding],
    shares: dict[str, Decimal],
) -> AllocationPlan:
    """CR-01 + SC-03 as a pure function: who gets which resource, and why."""
    skipped = [s for s in standings if s.bars]
    order = score_order([s for s in standings if not s.bars])
    codes = [s.planner_code for s in order]
    targets, quotas = class_quotas(len(resources), codes, shares)
    ranked = {
        cls.value: rank_class([r for r in resources if r.resource_class == cls.value])
        for cls in ResourceClass
    }
    taken = {cls.value: 0 for cls in ResourceClass}
    assignments: list[Assignment] = []
    shortfalls: dict[str, dict[str, int]] = {}
    for position, standing in enumerate(order, start=1):
        assert standing.score is not None
        for cls in ResourceClass:
            quota = quotas[standing.planner_code][cls.value]
            pool = ranked[cls.value]
            start = taken[cls.value]
            got = pool[start : start + quota]
            for nth, resource in enumerate(got, start=1):
                assignments.append(
                    Assignment(
                        resource=resource,
                        class_rank=start + nth,
                        class_size=len(pool),
                        planner_code=standing.planner_code,
                        planner_position=position,
                        score=standing.score,
                        class_quota=quota,
                        nth_in_quota=nth,
                    )
                )
            taken[cls.value] = start + len(got)
            if len(got) < quota:
                shortfalls.setdefault(standing.planner_code, {})[cls.value] = quota - len(got)
    assigned_ids = {a.resource.resource_id for a in assignments}
    unallocated = [r.resource_id for r in resources if r.resource_id not in assigned_ids]
    return AllocationPlan(
        total=len(resources),
        headcount=len(order),
        class_targets=targets,
        order=order,
        quotas=quotas,
        assignments=assignments,
        unallocated=unallocated,
        shortfalls=shortfalls,
        skipped=skipped,
    )


class RoundStatus(LabelledEnum):
    OPEN = "登记中", "open for registration"
    ALLOCATED = "已分配", "allocated (closed)"


class AllocationRound(TrailAggregate):
    """客户资源分配轮次. Id = uuid5 of ``branch:month``."""

    id_kind = "allocation_round"

    @staticmethod
    def key(branch: str, month: str) -> str:
        return f"{branch.strip()}:{month_key(month)}"

    # ----- events -------------------------------------------------------------------
    class Opened(TrailAggregate.Created):
        """分配轮次建立 Round opened for a branch and month."""

        class_version = 1
        branch: str
        month: str

        def apply(self, rnd: AllocationRound) -> None:
            rnd.branch = self.branch
            rnd.month = self.month
            rnd.resources = {}
            rnd.status = RoundStatus.OPEN
            rnd.allocation_no = 0
            rnd.assignments = {}

    class ResourcesRegistered(TrailAggregate.Event):
        """可分配资源登记 Resources with their CR-01 ranking factors."""

        class_version = 1
        resources: list[CustomerResource]
        rule_id: str

        def apply(self, rnd: AllocationRound) -> None:
            for r in self.resources:
                rnd.resources[r.resource_id] = r

    class PlannerSkipped(TrailAggregate.Event):
        """不予分配 A barred planner is skipped (SC-02 / PS-03)."""

        class_version = 1
        allocation_no: int
        planner_code: str
        bars: list[AllocationBar]
        rule_ids: list[str]

        def apply(self, rnd: AllocationRound) -> None:
            """A recorded decision that changes no state of the round (kept for auditors)."""

    class QuotasComputed(TrailAggregate.Event):
        """人均可分配件数 CR-01 quotas: inputs, targets, per-planner quotas, remainder rule."""

        class_version = 1
        allocation_no: int
        total: int
        headcount: int
        shares: dict[str, Decimal]
        class_targets: dict[str, int]
        planner_order: list[str]
        scores: dict[str, int]
        quotas: dict[str, dict[str, int]]
        remainder_rule: str
        rule_id: str

        def apply(self, rnd: AllocationRound) -> None:
            rnd.allocation_no = self.allocation_no

    class ResourceAssigned(TrailAggregate.Event):
        """资源分配 One resource to one planner, with the score used and the class rank (SC-03)."""

        class_version = 1
        allocation_no: int
        resource_id: str
        policy_number: str
        resource_class: str
        class_rank: int
        class_size: int
        planner_code: str
        planner_position: int
        score: int
        breakdown: ScoreBreakdown
        class_quota: int
        nth_in_quota: int
        days_ahead: int | None
        rule_ids: list[str]

        def apply(self, rnd: AllocationRound) -> None:
            rnd.assignments[self.resource_id] = self.planner_code

    class Allocated(TrailAggregate.Event):
        """分配完成 Round closed: counts, unallocated resources and quota shortfalls."""

        class_version = 1
        allocation_no: int
        allocated_on: date
        assigned_count: int
        unallocated: list[str]
        shortfalls: dict[str, dict[str, int]]
        maturity_lead_days: int
        rule_ids: list[str]

        def apply(self, rnd: AllocationRound) -> None:
            rnd.status = RoundStatus.ALLOCATED

    class AllocationVoided(TrailAggregate.Event):
        """重新分配 The previous allocation is voided before an explicit re-allocation."""

        class_version = 1
        allocation_no: int
        reason: str
        voided_count: int
        rule_id: str

        def apply(self, rnd: AllocationRound) -> None:
            rnd.status = RoundStatus.OPEN
            rnd.assignments = {}

    # ----- state -------------------------------------------------------------------
    branch: str
    month: str
    resources: dict[str, CustomerResource]
    status: str
    allocation_no: int
    assignments: dict[str, str]  # resource id → planner code

    def __init__(self) -> None:
        """State comes from the events' ``apply`` (annotations above are for readers)."""

    @classmethod
    def open(cls, branch: str, month: str, ctx: Context) -> AllocationRound:
        if not branch.strip():
            raise InvalidInput("branch is required", "机构必填")
        month = month_key(month)
        return cls._start(
            cls.Opened, ctx, id=cls.id_for(cls.key(branch, month)), branch=branch.strip(), month=month
        )

    # ----- commands ------------------------------------------------------------------
    def _require_open(self) -> None:
        if self.status == RoundStatus.ALLOCATED:
            raise RuleViolation(
                "CR-01",
                f"the {self.branch} {self.month} round is allocated and closed; re-allocate it explicitly",
                f"{self.branch} {self.month} 分配轮次已分配并关闭，如需调整请显式重新分配",
            )

    def register_resources(
        self, resources: list[CustomerResource], params: AllocationParams, ctx: Context
    ) -> int:
        """CR-01: register allocatable resources; an identical repeat is ignored.

        Returns how many were new.
        """
        self._require_open()
        seen: set[str] = set()
        new: list[CustomerResource] = []
        for r in resources:
            if r.resource_class not in params.shares:
                allowed = "/".join(params.shares)
                raise InvalidInput(
                    f"[CR-01] unknown resource class {r.resource_class!r} (allowed: {allowed})",
                    f"[CR-01] 资源类别 {r.resource_class!r} 无效（可选：{allowed}）",
                )
            if not r.resource_id.strip():
                raise InvalidInput("resource id is required", "资源编号必填")
            if r.amount < 0 or r.times_allocated < 0:
                raise InvalidInput(
                    f"resource {r.resource_id}: amount and times allocated must be >= 0",
                    f"资源 {r.resource_id} 的金额和已分配次数不能为负",
                )
            if r.resource_id in seen:
                raise InvalidInput(
                    f"resource {r.resource_id} appears twice", f"资源 {r.resource_id} 重复出现"
                )
            seen.add(r.resource_id)
            existing = self.resources.get(r.resource_id)
            if existing is None:
                new.append(r)
            elif existing != r:
                raise AlreadyExists(
                    f"resource {r.resource_id} is already registered with other data",
                    f"资源 {r.resource_id} 已登记且数据不同",
                    resource_id=r.resource_id,
                )
        if new:
            self._record(self.ResourcesRegistered, ctx, resources=new, rule_id="CR-01")
        return len(new)

    def allocate(
        self, standings: list[PlannerStanding], params: AllocationParams, ctx: Context
    ) -> AllocationPlan:
        """CR-01 quotas + SC-03 assignment in score order; closes the round."""
        if self.status == RoundStatus.ALLOCATED:
            raise RuleViolation(
                "SC-03",
                f"the {self.branch} {self.month} round is already allocated; "
                "re-allocation is its own command",
                f"{self.branch} {self.month} 已分配，重新分配须使用重新分配命令",
            )
        if not self.resources:
            raise InvalidInput(
                "[CR-01] no resources registered in this round", "[CR-01] 本轮次未登记可分配资源"
            )
        codes = [s.planner_code for s in standings]
        if len(set(codes)) != len(codes):
            raise InvalidInput("a planner is listed twice", "规划师重复列出")
        unscored = sorted(s.planner_code for s in standings if not s.bars and s.score is None)
        if unscored:
            raise RuleViolation(
                "SC-01",
                "no SC-01 monthly inputs for planner(s) " + ", ".join(unscored),
                "以下规划师缺少上月度考核数据：" + "、".join(unscored),
                planners=unscored,
            )
        if not any(not s.bars for s in standings):
            raise RuleViolation(
                "SC-03",
                "no planner may receive resources in this round (all barred or none listed)",
                "本轮次没有可分配的规划师（均被取消资格或未列出）",
                planners=codes,
            )
        plan = plan_allocation(list(self.resources.values()), standings, params.shares)
        number = self.allocation_no + 1
        for s in sorted(plan.skipped, key=lambda s: s.planner_code):
            self._record(
                self.PlannerSkipped,
                ctx,
                allocation_no=number,
                planner_code=s.planner_code,
                bars=s.bars,
                rule_ids=sorted({b.rule_id for b in s.bars}),
            )
        self._record(
            self.QuotasComputed,
            ctx,
            allocation_no=number,
            total=plan.total,
            headcount=plan.headcount,
            shares={str(c): share for c, share in params.shares.items()},  # stored as before: 中文 keys
            class_targets=plan.class_targets,
            planner_order=[s.planner_code for s in plan.order],
            scores={s.planner_code: s.score.total for s in plan.order if s.score is not None},
            quotas=plan.quotas,
            remainder_rule=REMAINDER_RULE,
            rule_id="CR-01",
        )
        allocated_on = business_date(ctx.occurred_at)
        for a in plan.assignments:
            days_ahead = None
            if a.resource.resource_class == ResourceClass.MATURITY and a.resource.key_date:
                days_ahead = (a.resource.key_date - allocated_on).days
            self._record(
                self.ResourceAssigned,
                ctx,
                allocation_no=number,
                resource_id=a.resource.resource_id,
                policy_number=a.resource.policy_number,
                resource_class=a.resource.resource_class,
                class_rank=a.class_rank,
                class_size=a.class_size,
                planner_code=a.planner_code,
                planner_position=a.planner_position,
                score=a.score.total,
                breakdown=a.score,
                class_quota=a.class_quota,
                nth_in_quota=a.nth_in_quota,
                days_ahead=days_ahead,
                rule_ids=["SC-03", "CR-01"],
            )
        self._record(
            self.Allocated,
            ctx,
            allocation_no=number,
            allocated_on=allocated_on,
            assigned_count=len(plan.assignments),
            unallocated=plan.unallocated,
            shortfalls=plan.shortfalls,
            maturity_lead_days=params.maturity_lead_days,
            rule_ids=["CR-01", "SC-03"],
        )
        return plan

    def reallocate(
        self,
        standings: list[PlannerStanding],
        reason: str,
        params: AllocationParams,
        ctx: Context,
    ) -> AllocationPlan:
        """SC-03: an explicit re-allocation voids the closed allocation and allocates again."""
        if self.status != RoundStatus.ALLOCATED:
            raise RuleViolation(
                "SC-03",
                "the round is not allocated yet; allocate it first",
                "本轮次尚未分配，请先分配",
            )
        if not reason.strip():
            raise InvalidInput("a re-allocation needs its reason", "重新分配须写明原因")
        self._record(
            self.AllocationVoided,
            ctx,
            allocation_no=self.allocation_no,
            reason=reason.strip(),
            voided_count=len(self.assignments),
            rule_id="SC-03",
        )
        return self.allocate(standings, params, ctx)
