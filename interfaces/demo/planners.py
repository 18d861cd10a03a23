"""The planners' month (规划师考核与资源分配): SC-01 inputs, SC-02 work-log findings, and one
customer-resource allocation round per branch (CR-01, SC-03), plus month-end promotions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from application.agents import ChangeAgentRank
from application.allocation import AllocateResources, RegisterCustomerResources, ResourceIn
from application.planners import RecordMissedWorkLog, RecordPlannerMonthlyInputs, RecordWorkLogAudit
from domain.allocation import ResourceClass
from interfaces.demo.agency import agent_lane
from interfaces.demo.catalog import BRANCHES, HR_SYSTEM, Branch, branch_staff
from interfaces.demo.context import Month

_RESOURCE_SHARES = {"满期": 0.10, "续期": 0.30, "老客户": 0.50, "未到期": 0.05, "其他": 0.05}


# ----- planners and the allocation round (SC-01..03, CR-01) -------------------------------------
def _previous_month(first: date) -> tuple[str, list[date]]:
    last = first - timedelta(days=1)
    start = last.replace(day=1)
    return f"{last:%Y-%m}", [start + timedelta(days=n) for n in range((last - start).days + 1)]


def _resources(m: Month, branch: Branch, count: int) -> list[ResourceIn]:
    rng, first = m.rng, m.config.first_day
    classes = list(_RESOURCE_SHARES)
    result = []
    for n in range(1, count + 1):
        cls = rng.choices(classes, weights=list(_RESOURCE_SHARES.values()))[0]
        underwritten = first - timedelta(days=rng.randint(365, 3650))
        key_date = {
            "满期": first + timedelta(days=rng.randint(0, 45)),
            "续期": first + timedelta(days=rng.randint(0, 30)),
            "老客户": first - timedelta(days=rng.randint(90, 1500)),
            "未到期": first + timedelta(days=rng.randint(60, 900)),
            "其他": None,
        }[cls]
        result.append(
            ResourceIn(
                resource_id=f"R{branch.code}{first:%y%m}{n:04d}",
                resource_class=cls,
                policy_number=f"P{branch.code}{underwritten:%y%m}{80000 + n:05d}",
                amount=Decimal(rng.randrange(100, 20000) * 10),
                key_date=key_date,
                address_complete=rng.random() < 0.9,
                phone_complete=rng.random() < 0.92,
                times_allocated=rng.choices((0, 1, 2, 3), weights=(60, 25, 10, 5))[0],
                transferred_or_topped_up=rng.random() < 0.1,
                underwritten_on=underwritten,
                origin_branch=branch.name,
            )
        )
    assert {r.resource_class for r in result} <= {c.value for c in ResourceClass}
    return result


@dataclass
class _BranchDesk:
    """The branch's planner desk (综合管理岗): its commands, a few minutes apart."""

    m: Month
    branch: Branch
    at: datetime

    def emit(self, key: str, command_type: type, **fields: object) -> None:
        self.at += timedelta(minutes=self.m.rng.randint(1, 9))
        actor = branch_staff(self.branch, "ZH")
        lane = f"planners:{self.branch.code}"
        self.m.emit(lane, f"planners/{self.branch.code}/{key}", self.at, actor, command_type, **fields)


def plan_allocation(m: Month) -> None:
    """Each branch scores last month's planners and allocates this month's resources."""
    tl, rng, first = m.timeline, m.rng, m.config.first_day
    performance_month, last_month_days = _previous_month(first)
    last_month_working = [d for d in last_month_days if tl.is_working(d)]
    working = tl.working_days(first, m.config.last_day)
    for b, branch in enumerate(BRANCHES):
        agents = [a for a in m.agents if a.branch == branch]
        desk = _BranchDesk(m, branch, tl.day_time(working[0], 9.0, 9.5))
        if b == len(BRANCHES) - 1:  # SC-02: a trainee who kept missing work logs is barred
            trainee = next(a for a in agents if a.level == "见习")
            for d in last_month_working[-4:]:
                desk.emit(
                    f"missed/{trainee.code}/{d}", RecordMissedWorkLog, agent_code=trainee.code, log_date=d
                )
            m.count("planners barred 规划师停止分配 (SC-02)")
        managers = [a for a in agents if a.series == "管理"]
        owners = [a for a in agents if a.series == "销售" and a.level in ("中级", "初级")][:2]
        for n, owner in enumerate(owners):  # one audit within tolerance, one off by 35%
            log_day = last_month_working[-(n + 6)]
            desk.emit(
                f"audit/{owner.code}/{log_day}",
                RecordWorkLogAudit,
                owner_code=owner.code,
                log_date=log_day,
                supervisor_code=managers[1].code,
                senior_code=managers[0].code,
                supervisor_mark=Decimal(18),
                audited_mark=Decimal(17) if n == 0 else Decimal(11),
                senior_reviewed_unflagged=n == 1,
            )
            m.count("work-log audits 工作日志抽查 (SC-02)")
        for agent in agents:
            desk.emit(
                f"inputs/{agent.code}",
                RecordPlannerMonthlyInputs,
                agent_code=agent.code,
                month=performance_month,
                premium_task_rate=Decimal(rng.randint(35, 125)) / 100,
                attendance_rate=Decimal(rng.randint(55, 100)) / 100,
                work_log_pass_rate=Decimal(rng.randint(60, 100)) / 100,
                discretion_points=rng.randint(3, 10),
            )
            m.count("planner monthly inputs 规划师月度考核 (SC-01)")
        desk.at = tl.day_time(working[1], 9.0, 10.0)
        resources = _resources(m, branch, 10 * len(agents))
        desk.emit(
            "resources",
            RegisterCustomerResources,
            branch=branch.name,
            month=m.config.month,
            resources=resources,
        )
        m.count("customer resources registered 可分配客户资源 (CR-01)", len(resources))
        desk.at = tl.day_time(working[2], 9.0, 10.0)
        desk.emit(
            "allocate",
            AllocateResources,
            branch=branch.name,
            month=m.config.month,
            planner_codes=[a.code for a in agents],
        )
        m.count("allocation rounds 资源分配轮次 (SC-03)")
        # 晋升: decided on the month's last working day, effective from the 1st of next month.
        promoted = next(a for a in agents if a.level == "初级" and not a.departs)
        m.emit(
            agent_lane(promoted.code),
            f"agent/{promoted.code}/rank",
            tl.day_time(working[-1], 16, 17),
            HR_SYSTEM,
            ChangeAgentRank,
            code=promoted.code,
            rank_series="销售",
            rank_level="中级",
            effective_on=m.config.last_day + timedelta(days=1),
        )
        m.count("rank changes 职级变更")
