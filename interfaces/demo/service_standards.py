"""The month's service-standard stories (SL-01..SL-04): complaints, renewal reminder series,
claims and their care callbacks — mostly on time, some late, some excluded or unreachable,
so every status and every exclusion shows on the dashboard.

Planned after everything else so the rest of the month keeps its random draws.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from application.claims import (
    AgreeClaimArrival,
    CloseClaim,
    CompleteClaimDocuments,
    DispatchClaim,
    ExcludeClaimStep,
    RecordCareCall,
    RecordClaimStep,
    ReportClaim,
    SettleAssessmentPlan,
)
from application.complaints import (
    AcknowledgeComplaint,
    ClassComplaintComplex,
    DecideComplaint,
    EscalateComplaint,
    ReceiveComplaint,
)
from application.renewals import EndRenewalReminders, OpenRenewalReminders, RecordRenewalReminder
from domain.claim import closure_care_window, incident_care_window
from domain.claim.care import is_night
from domain.service_standard.clock import band_for, working_deadline
from domain.shared.actor import Actor, Role
from domain.shared.time import business_date, local
from interfaces.demo.catalog import BRANCHES, CALL_CENTRE_SEATS, Branch, branch_staff, call_centre
from interfaces.demo.context import Month
from interfaces.demo.timeline import Cutoff, at_time

_CATEGORIES = {"服务": 40, "理赔": 20, "销售误导": 25, "其他": 15}
_LINES = {"车险": 70, "财产险": 15, "意健险": 15}
_LOSSES = (3000, 4999, 5000, 12000, 30000, 30001, 68000, 100000, 150000)


def plan_service_standards(m: Month) -> None:
    scale = max(8, m.config.policies // 100)
    for n in range(1, scale + 1):
        with suppress(Cutoff):  # the rest of a story after the month: it stays open
            _complaint(m, n)
        with suppress(Cutoff):
            _claim(m, n)
    for n in range(1, max(6, m.config.policies // 150) + 1):
        with suppress(Cutoff):
            _renewal(m, n)


def _day(m: Month, start: date | None = None) -> date:
    days = m.timeline.working_days(start or m.config.first_day, m.config.last_day)
    return m.rng.choice(days or [m.config.last_day])


def _clock(m: Month, day: date, earliest: int = 9, latest: int = 17) -> datetime:
    return at_time(day, time(m.rng.randint(earliest, latest - 1), m.rng.randint(0, 59)))


def _day_call(start: datetime, minutes: int) -> datetime:
    """A call ``minutes`` after ``start``, but never into the night (REG-05)."""
    at = start + timedelta(minutes=minutes)
    return start + timedelta(seconds=minutes) if is_night(at) else at


def _agent(m: Month, branch: Branch) -> str:
    agents = m.agents_of(branch) or [a for a in m.agents if not a.departs]
    return m.rng.choice(agents).code


# ----- SL-01 -------------------------------------------------------------------------------
def _complaint(m: Month, n: int) -> None:
    rng, branch = m.rng, m.rng.choice(BRANCHES)
    no = f"TS{branch.code}{m.config.first_day:%y%m}{n:04d}"
    lane, staff = f"complaint/{no}", branch_staff(branch, "KF")
    category = rng.choices(list(_CATEGORIES), weights=list(_CATEGORIES.values()))[0]
    misleading = category == "销售误导"
    received = _clock(m, _day(m), 8, 20)
    m.emit(
        lane,
        f"sl/{no}/received",
        received,
        staff,
        ReceiveComplaint,
        complaint_no=no,
        channel=rng.choice(("电话", "电话", "邮件", "柜面", "网络")),
        category=category,
        customer=f"投诉人{n:04d}",
        branch=branch.name,
        policy_number=f"P{branch.code}OLD{n:06d}" if misleading or rng.random() < 0.5 else "",
        agent_code=_agent(m, branch) if misleading else "",
        summary=f"{category}投诉",
    )
    m.count("complaints 投诉")
    roll = rng.random()
    if roll < 0.05:
        return  # never acknowledged: 超时
    late_ack = roll < 0.15
    ack = received + (
        timedelta(hours=rng.randint(25, 30)) if late_ack else timedelta(hours=rng.randint(1, 20))
    )
    m.emit(lane, f"sl/{no}/ack", ack, staff, AcknowledgeComplaint, complaint_no=no, note="已联系客户")
    complex_ = rng.random() < 0.15
    if complex_:
        at = received + timedelta(days=5)
        m.emit(
            lane,
            f"sl/{no}/complex",
            at,
            staff,
            ClassComplaintComplex,
            complaint_no=no,
            reason="需调取双录并核实",
        )
    if rng.random() < 0.1:
        at = received + timedelta(days=6, hours=1)
        m.emit(
            lane,
            f"sl/{no}/escalate",
            at,
            staff,
            EscalateComplaint,
            complaint_no=no,
            level="分公司客服主管",
            reason="客户要求主管介入",
        )
    fate = rng.random()
    if fate < 0.2:
        return  # still open
    limit = 30 if complex_ else 15
    days = (
        rng.randint(limit + 1, limit + 4) if fate < 0.3 else rng.randint(7, limit - 1)
    )  # after classing (day 5) and escalation (day 6)
    decided = max(ack + timedelta(hours=1), received + timedelta(days=days))
    m.emit(
        lane,
        f"sl/{no}/decided",
        decided,
        staff,
        DecideComplaint,
        complaint_no=no,
        outcome=rng.choice(("支持", "部分支持", "不支持")),
        summary="已书面答复客户",
    )


# ----- SL-02 -------------------------------------------------------------------------------
def _renewal(m: Month, n: int) -> None:
    rng, branch = m.rng, m.rng.choice(BRANCHES)
    number = f"P{branch.code}CAR{m.config.first_day:%y%m}{n:04d}"
    expiry = m.config.first_day + timedelta(days=rng.randint(20, 55))
    code = _agent(m, branch)
    agent = Actor(id=code, role=Role.AGENT)
    lane, key = f"renewal/{number}", {"policy_number": number, "expiry_on": expiry}
    opened = at_time(expiry - timedelta(days=31), time(8, 0))
    m.emit(
        lane,
        f"sl/{number}/open",
        opened,
        branch_staff(branch, "NQ"),
        OpenRenewalReminders,
        **key,
        agent_code=code,
        branch=branch.name,
        line=rng.choice(("车险", "财产险")),
    )
    m.count("renewal series 续保提醒")
    renew_after = rng.choice((1, 2, 3, 9))
    for no, offset in enumerate((30, 20, 10, 0), start=1):
        due = expiry - timedelta(days=offset)
        roll = rng.random()
        if roll < 0.15:
            continue  # missed: 超时
        day = due + timedelta(days=rng.randint(1, 3)) if roll < 0.25 else due
        m.emit(
            lane,
            f"sl/{number}/r{no}",
            _clock(m, day),
            agent,
            RecordRenewalReminder,
            **key,
            method=rng.choice(("电话", "短信")),
        )
        if no == renew_after:
            end = at_time(day + timedelta(days=2), time(11, 0))
            m.emit(lane, f"sl/{number}/end", end, agent, EndRenewalReminders, **key, reason="已续保")
            return


# ----- SL-03 / SL-04 -----------------------------------------------------------------------
def _claim(m: Month, n: int) -> None:
    rng, params, branch = m.rng, m.params.service_standards, m.rng.choice(BRANCHES)
    no = f"CL{branch.code}{m.config.first_day:%y%m}{n:04d}"
    lane, staff = f"claim/{no}", branch_staff(branch, "LP")
    line = rng.choices(list(_LINES), weights=list(_LINES.values()))[0]
    area = "市郊" if rng.random() < 0.3 else "市内"
    reported = at_time(_day(m), time(rng.randint(0, 23), rng.randint(0, 59)))
    tier = "VIP" if rng.random() < 0.2 else "普通"
    m.emit(
        lane,
        f"sl/{no}/report",
        reported,
        staff,
        ReportClaim,
        claim_no=no,
        line=line,
        area=area,
        tier=tier,
        branch=branch.name,
        customer=f"出险人{n:04d}",
        policy_number=f"P{branch.code}CLM{n:06d}",
        scene_report=True,
    )
    m.count(f"claims 理赔 {line}")
    seat = call_centre(rng.choice(CALL_CENTRE_SEATS))
    if line == "车险":  # SL-04a: from 30 minutes after the report (09:00 after a night report)
        care_from = incident_care_window(reported, params)[0]
        if rng.random() < 0.2:
            for k, minute in enumerate((1, 10, 22), start=1):
                m.emit(
                    lane,
                    f"sl/{no}/care1-{k}",
                    _day_call(care_from, minute),
                    seat,
                    RecordCareCall,
                    claim_no=no,
                    step="出险关怀回访",
                    reached=False,
                )
            m.count("care unreachable 无法联系客户")
        else:
            at = _day_call(care_from, rng.randint(1, 40))
            m.emit(
                lane,
                f"sl/{no}/care1",
                at,
                seat,
                RecordCareCall,
                claim_no=no,
                step="出险关怀回访",
                reached=True,
            )
    dispatched = reported + timedelta(minutes=rng.randint(2, 10))
    m.emit(
        lane,
        f"sl/{no}/dispatch",
        dispatched,
        staff,
        DispatchClaim,
        claim_no=no,
        handler_id=f"{branch.code}-SV{rng.randint(1, 6):02d}",
    )
    contact = dispatched + timedelta(minutes=rng.randint(6, 9) if rng.random() < 0.1 else rng.randint(1, 4))
    m.emit(lane, f"sl/{no}/contact", contact, staff, RecordClaimStep, claim_no=no, step="联系客户")
    limit = params.claim_onsite_minutes[area]
    if line == "财产险":
        agreed = dispatched + timedelta(hours=2)
        m.emit(
            lane,
            f"sl/{no}/agree",
            contact + timedelta(minutes=1),
            staff,
            AgreeClaimArrival,
            claim_no=no,
            agreed_at=agreed,
            reason="与客户约定查勘时间",
        )
        onsite = agreed - timedelta(minutes=rng.randint(-20, 15))
    elif rng.random() < 0.08:
        m.emit(
            lane,
            f"sl/{no}/exclude",
            dispatched + timedelta(minutes=limit - 5),
            staff,
            ExcludeClaimStep,
            claim_no=no,
            step="到达现场",
            reason=rng.choice(("交通环境", "地理位置")),
            note="已告知客户",
        )
        m.count("claim exclusions 除外")
        onsite = dispatched + timedelta(minutes=limit + rng.randint(10, 60))
    else:
        late = rng.random() < 0.1
        onsite = dispatched + timedelta(
            minutes=limit + rng.randint(5, 20) if late else rng.randint(10, limit - 1)
        )
    m.emit(lane, f"sl/{no}/onsite", onsite, staff, RecordClaimStep, claim_no=no, step="到达现场")
    loss = Decimal(rng.choice(_LOSSES))
    settled = at_time(business_date(onsite) + timedelta(days=1), time(10, 0))
    if line != "财产险":
        table = params.claim_assessment_days[line][tier]
        negotiated = band_for(table, loss).days is None
        m.emit(
            lane,
            f"sl/{no}/plan",
            settled,
            staff,
            SettleAssessmentPlan,
            claim_no=no,
            estimated_loss=loss,
            agreed_due_at=settled + timedelta(days=7) if negotiated else None,
            reason="大额损失需公估" if negotiated else "",
        )
        assessed = (
            settled + timedelta(hours=3)
            if rng.random() < 0.85
            else settled + timedelta(days=rng.randint(4, 9))
        )
        m.emit(lane, f"sl/{no}/assessed", assessed, staff, RecordClaimStep, claim_no=no, step="定损")
        settled = assessed
    docs = at_time(business_date(settled) + timedelta(days=1), time(10, 0))
    m.emit(lane, f"sl/{no}/docs", docs, staff, CompleteClaimDocuments, claim_no=no, claim_amount=loss)
    if rng.random() < 0.08:  # SL-03g: 非正常案件, the clock stops and restarts
        m.emit(
            lane,
            f"sl/{no}/stop",
            docs + timedelta(hours=2),
            staff,
            ExcludeClaimStep,
            claim_no=no,
            step="核赔",
            reason="单证不齐全",
            note="缺行驶证复印件",
        )
        docs = docs + timedelta(days=3)
        m.emit(lane, f"sl/{no}/docs2", docs, staff, CompleteClaimDocuments, claim_no=no, claim_amount=loss)
        m.count("claim clock restarts 重新计时")
    days = band_for(params.claim_approval_days[line][tier], loss).days or Decimal(0)
    due = working_deadline(business_date(docs), days, m.calendar)
    approved = docs + timedelta(hours=2) if rng.random() < 0.85 else due + timedelta(days=1, hours=1)
    m.emit(lane, f"sl/{no}/approved", approved, staff, RecordClaimStep, claim_no=no, step="核赔")
    closed = at_time(business_date(approved) + timedelta(days=1), time(15, 0))
    m.emit(lane, f"sl/{no}/closed", closed, staff, CloseClaim, claim_no=no, amount_paid=loss)
    window = closure_care_window(business_date(closed), params) if line == "车险" else None
    if window is not None:  # SL-04b inside the CA-01 windows
        at = m.timeline.call_at(window[0] + timedelta(hours=9, minutes=30))
        m.emit(
            lane,
            f"sl/{no}/care2",
            local(at),
            seat,
            RecordCareCall,
            claim_no=no,
            step="结案关怀回访",
            reached=True,
        )
