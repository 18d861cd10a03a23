"""The sales force's month (营销队伍): agents of every rank, a departure whose book becomes
service cases (PS-01..05), a lapse handled as a 失效件 (PS-06)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from application.agents import RecordAgentDeparture, RegisterAgent
from application.branches import RegisterBranch
from application.policies import IssuePolicy, LapsePolicy, ReassignAgent, ReinstatePolicy
from application.service_cases import (
    AssignServiceCase,
    ClassifyDifficultCase,
    CreateServiceCard,
    FileDifficultCaseReport,
    RecordContactAttempt,
    RecordPremiumDueDate,
    RecordReinstatementVisit,
    RecordServiceItem,
    RefuseServiceCase,
    ReviewReinstatementResult,
    SignServiceList,
)
from domain.service_case import ContactMethod, ServiceCase
from domain.shared.actor import Actor
from domain.shared.time import business_date
from interfaces.demo.catalog import (
    BRANCH_AGENTS,
    BRANCHES,
    CORE_SYSTEM,
    HR_SYSTEM,
    PRODUCTS,
    branch_staff,
    servicer_actor,
)
from interfaces.demo.context import AgentSpec, Month
from interfaces.demo.stories import PolicySpec, issue_command_fields
from interfaces.demo.timeline import Cutoff, at_time

#: years of service when joining, by level (more senior, earlier)
_TENURE = {
    "高级": (8, 16),
    "中级": (5, 10),
    "初级": (3, 7),
    "准初级": (2, 4),
    "资深": (7, 15),
    "见习": (0, 1),
}
_SERVICE_ITEMS = (
    ("续期交费提醒", "提醒客户下期保费交费日期及金额", "态度友好，表示会按时交费", "客户已确认交费账户"),
    ("条款讲解", "讲解保险责任及责任免除条款", "认真听取，提出两个问题", "已逐一解答，客户满意"),
    ("保单整理", "协助客户整理家庭保单", "积极配合", "已建立家庭保障清单"),
    ("基本资料变更", "核对并更新客户联系地址", "配合", "已提交保全变更申请"),
    ("生日节日祝福", "中秋节问候并赠送贺卡", "客户表示感谢", "维系良好"),
)


def agent_lane(code: str) -> str:
    return f"agent:{code}"


# ----- agents ---------------------------------------------------------------------------
def plan_agents(m: Month) -> None:
    """~60 agents of every rank (SC-01 ladder), registered when they joined (history)."""
    first = m.config.first_day
    for branch in BRANCHES:  # branches are registered facts: first of all (plan.SETUP)
        m.emit(
            "branches",
            f"branch/{branch.code}",
            at_time(first - timedelta(days=50 * 365), time(9, 0)),  # no draw: the month stays the same
            HR_SYSTEM,
            RegisterBranch,
            name=branch.name,
        )
    for branch in BRANCHES:
        for n, (series, level, channel) in enumerate(BRANCH_AGENTS, start=1):
            low, high = _TENURE[level]
            joined_on = first - timedelta(days=m.rng.randint(low * 365 + 30, high * 365 + 300))
            person = m.people.person(branch, joined_on, 22, 45)
            spec = AgentSpec(
                code=f"{branch.code}{n:04d}",
                name=person.name,
                id_number=person.id_number,
                phone=person.phone,
                branch=branch,
                series=series,
                level=level,
                channel=channel,
                joined_on=joined_on,
            )
            m.agents.append(spec)
            m.emit(
                agent_lane(spec.code),
                f"agent/{spec.code}",
                m.timeline.day_time(joined_on, 9, 17),
                HR_SYSTEM,
                RegisterAgent,
                code=spec.code,
                name=spec.name,
                id_number=spec.id_number,
                rank_series=series,
                rank_level=level,
                branch=branch.name,
                phone=spec.phone,
                joined_on=joined_on,
            )
            m.count("agents 业务员")
    # The agent who leaves this month sells nothing new (and shares no phone, DP-02).
    departing = next(a for a in m.agents if a.branch == BRANCHES[1] and a.level == "初级")
    departing.departs = True


def departure_day(m: Month) -> date:
    days = m.timeline.working_days(m.config.first_day, m.config.last_day)
    return days[max(len(days) // 2 - 1, 0)]


# ----- old books (policies issued years ago, imported as upstream facts) --------------------
def _old_policy(m: Month, agent: AgentSpec, n: int, product_name: str, lane: str) -> PolicySpec:
    product = PRODUCTS[product_name]
    underwritten_on = m.config.first_day - timedelta(days=m.rng.randint(400, 2200))
    holder = m.people.person(agent.branch, underwritten_on, 28, 60)
    spec = PolicySpec(
        number=f"P{agent.branch.code}{underwritten_on:%y%m}{90000 + n:05d}",
        branch=agent.branch,
        channel=agent.channel,
        product=product,
        agent=agent,
        holder=holder,
        insured=holder,
        organisation="",
        underwritten_on=underwritten_on,
        term=m.rng.choice(product.terms),
        payment=m.rng.choice([p for p in product.payments if p[0] == "期缴"] or list(product.payments)),
        premium=Decimal(m.rng.randrange(300, 3000) * 10).quantize(Decimal("0.01")),
        lane=lane,
        sign_delay=3,
        registration_lag=0,
    )
    m.emit(
        lane,
        f"{spec.number}/01",
        m.timeline.day_time(underwritten_on, 10, 17),
        CORE_SYSTEM,
        IssuePolicy,
        **issue_command_fields(spec),
    )
    m.count("in-force policies imported 存量保单")
    return spec


def next_anniversary(underwritten_on: date, after: date) -> date:
    for year in range(after.year, after.year + 2):
        try:
            candidate = underwritten_on.replace(year=year)
        except ValueError:  # 29 February
            candidate = date(year, 2, 28)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover


# ----- the departure and its service cases (PS-01..05) ---------------------------------------
@dataclass
class CaseStory:
    m: Month
    spec: PolicySpec
    case_id: object
    servicer: AgentSpec
    lane: str
    _n: int = 10

    def emit(self, at: datetime, actor: Actor, command_type: type, **fields: object) -> None:
        self._n += 1
        self.m.emit(self.lane, f"{self.spec.number}/{self._n:02d}", at, actor, command_type, **fields)

    def receive(
        self, assigned: datetime, *, refuse_to: AgentSpec | None = None, tidy: bool = True
    ) -> datetime:
        """PS-03: sign the list (or refuse with cause and hand over), then the service card."""
        tl = self.m.timeline
        at = tl.office_after(assigned, 0.5, 20)
        if refuse_to is not None:
            self.emit(
                at,
                servicer_actor(self.servicer.code),
                RefuseServiceCase,
                case_id=self.case_id,
                servicer_code=self.servicer.code,
                reason="与投保人系直系亲属，申请回避",
                justified=True,
            )
            self.m.count("service cases refused with cause 服务件拒收（有理由）")
            self.servicer = refuse_to
            at = tl.office_after(at, 0.5, 6)
            self.emit(
                at,
                branch_staff(self.spec.branch, "NQ"),
                AssignServiceCase,
                case_id=self.case_id,
                servicer_code=refuse_to.code,
            )
            assigned = at
            at = tl.office_after(at, 0.5, 20)
        self.emit(
            at,
            servicer_actor(self.servicer.code),
            SignServiceList,
            case_id=self.case_id,
            servicer_code=self.servicer.code,
            list_complete=tidy,
        )
        if not tidy:
            self.m.count("service lists signed untidily 签收不规范 (PS-03)")
        due = next_anniversary(self.spec.underwritten_on, business_date(at))
        self.emit(
            at + timedelta(minutes=5),
            servicer_actor(self.servicer.code),
            RecordPremiumDueDate,
            case_id=self.case_id,
            premium_due_on=due,
        )
        late = self.m.rng.random() < 0.15
        card_at = tl.office_after(assigned, 100, 140) if late else tl.office_after(at, 1, 40)
        self.emit(
            card_at,
            servicer_actor(self.servicer.code),
            CreateServiceCard,
            case_id=self.case_id,
            card_number=f"FWK{self.spec.number}",
            created_on=business_date(card_at),
        )
        if business_date(card_at) > business_date(assigned) + timedelta(days=3):
            self.m.count("service cards created late 服务卡逾期建立 (PS-03)")
        return card_at

    def serve(self, after: datetime) -> None:
        """PS-02 contact by phone, then a PS-05 service item on the card."""
        tl, rng = self.m.timeline, self.m.rng
        at = tl.office_after(after, 2, 50)
        actor = servicer_actor(self.servicer.code)
        self.emit(
            at,
            actor,
            RecordContactAttempt,
            case_id=self.case_id,
            method="1",
            reached=True,
            attempted_on=business_date(at),
            note="电话联系客户，告知服务人员变更",
        )
        item, content, attitude, result = rng.choice(_SERVICE_ITEMS)
        at = tl.office_after(at, 1, 60)
        self.emit(
            at,
            actor,
            RecordServiceItem,
            case_id=self.case_id,
            item=item,
            served_on=business_date(at),
            content=content,
            customer_attitude=attitude,
            result=result,
        )
        self.m.count("service items delivered 服务项目 (PS-05)")

    def difficult(self, after: datetime) -> None:
        """PS-02: all 6+1 methods fail → 困难件; PS-04: the report before the premium due date."""
        tl = self.m.timeline
        at = after
        actor = servicer_actor(self.servicer.code)
        for method in ContactMethod:
            at = tl.office_after(at, 3, 30)
            self.emit(
                at,
                actor,
                RecordContactAttempt,
                case_id=self.case_id,
                method=str(method.number),
                reached=False,
                attempted_on=business_date(at),
                note=f"{method.value}，未找到客户",
            )
        at = tl.office_after(at, 0.5, 4)
        self.emit(at, actor, ClassifyDifficultCase, case_id=self.case_id)
        self.m.count("difficult cases 困难件 (PS-02)")
        at = tl.office_after(at, 1, 24)
        self.emit(at, actor, FileDifficultCaseReport, case_id=self.case_id, filed_on=business_date(at))
        self.m.count("difficult-case reports 疑难件报告书 (PS-04)")


def plan_departure(m: Month) -> None:
    """An agent leaves mid-month; the branch hands their book to servicers (PS-01)."""
    agent = next(a for a in m.agents if a.departs)
    lane = agent_lane(agent.code)
    book_size = max(3, m.config.policies // 250)
    long_term = [p.name for p in PRODUCTS.values() if not p.group and not p.short_term]
    book = [_old_policy(m, agent, n, m.rng.choice(long_term), lane) for n in range(1, book_size + 1)]
    servicers = [
        a for a in m.agents_of(agent.branch, "个险") if a.series == "销售" and a.level in ("资深", "高级")
    ]
    day = departure_day(m)
    tl = m.timeline
    try:
        left = tl.day_time(day, 16, 17.5)
        m.emit(
            lane,
            f"agent/{agent.code}/departure",
            left,
            HR_SYSTEM,
            RecordAgentDeparture,
            code=agent.code,
            departed_on=day,
            reason="个人原因离司",
        )
        m.count("agents departed 业务员离司")
        at = left
        stories: list[tuple[CaseStory, datetime]] = []
        for n, spec in enumerate(book):
            at = tl.office_after(at, 0.1, 6 if n else 16)
            servicer = servicers[n % len(servicers)]
            m.emit(
                lane,
                f"{spec.number}/02",
                at,
                branch_staff(agent.branch, "NQ"),
                ReassignAgent,
                policy_number=spec.number,
                new_agent_code=servicer.code,
                source="离司人员转移",
            )
            m.count("service cases from the departed agent 离司人员转移服务件 (PS-01)")
            # The reaction opens the case with an id from the policy's version (2: issued, reassigned).
            case_id = ServiceCase.id_for_origin(f"{spec.number}@2")
            stories.append((CaseStory(m, spec, case_id, servicer, lane), at))
    except Cutoff:
        return
    for n, (story, assigned) in enumerate(stories):
        try:
            other = servicers[(n + 1) % len(servicers)]
            card = story.receive(assigned, refuse_to=other if n == 1 else None, tidy=n != 2)
            if n == 0:
                story.difficult(card)
            else:
                story.serve(card)
        except Cutoff:
            continue


def plan_lapse(m: Month) -> None:
    """A policy lapses (PS-06): 失效件 → reinstatement visit → quality control → reinstated."""
    branch = BRANCHES[0]
    owner = next(a for a in m.agents_of(branch, "个险") if a.level == "中级")
    servicer = next(a for a in m.agents_of(branch, "个险") if a.level == "资深")
    number_lane = f"lapse:{branch.code}"
    spec = _old_policy(m, owner, 1, "鑫享人生两全保险（分红型）", number_lane)
    tl = m.timeline
    story = CaseStory(m, spec, ServiceCase.id_for_origin(f"{spec.number}@2"), servicer, number_lane)
    try:
        at = tl.office_at(at_time(m.config.first_day + timedelta(days=9), datetime.min.time()))
        m.emit(
            number_lane,
            f"{spec.number}/02",
            at,
            CORE_SYSTEM,
            LapsePolicy,
            policy_number=spec.number,
            lapsed_on=business_date(at),
            reason="宽限期满未交续期保费",
        )
        m.count("policies lapsed 保单失效 → 失效件 (PS-06)")
        at = tl.office_after(at, 2, 20)
        story.emit(
            at,
            branch_staff(branch, "NQ"),
            AssignServiceCase,
            case_id=story.case_id,
            servicer_code=servicer.code,
        )
        card = story.receive(at)
        visit = tl.office_after(card, 4, 60)
        story.emit(
            visit,
            servicer_actor(servicer.code),
            RecordReinstatementVisit,
            case_id=story.case_id,
            outcome="同意复效待办理",
            visited_on=business_date(visit),
            note="客户同意补交保费申请复效",
        )
        review = tl.office_after(visit, 2, 30)
        reviewer = branch_staff(branch, "PZ")
        story.emit(
            review,
            reviewer,
            ReviewReinstatementResult,
            case_id=story.case_id,
            reviewer=reviewer.id,
            confirmed=True,
            note="回访客户核实无误",
        )
        reinstated = tl.office_after(review, 4, 70)
        story.emit(
            reinstated,
            CORE_SYSTEM,
            ReinstatePolicy,
            policy_number=spec.number,
            reinstated_on=business_date(reinstated),
        )
        m.count("policies reinstated 保单复效")
    except Cutoff:
        return
