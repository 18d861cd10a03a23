"""One policy's month (保单故事): issue, receipt, callback calls, branch work orders.

A story plans the commands the people involved would send, in time order, for the
scenario drawn for the policy. The domain decides every outcome from those facts;
the story only predicts it so that it can address the work orders the outcome
creates (their ids are deterministic: ``WorkOrder.id_for_outcome``). The tests run
every story through the application, so a wrong prediction fails loudly.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from application.callbacks import (
    AbandonCall,
    AnswerIn,
    ApplySpecialCallback,
    CheckIdentity,
    CloseExpiredCycle,
    DecideSpecialCallback,
    RecordAnswers,
    RecordCallAttempt,
    RecordSignedQuestionnaire,
)
from application.messages import Command
from application.policies import CancelInCoolingOff, ChangeContact, IssuePolicy, PersonIn, RegisterReceipt
from application.work_orders import (
    AssignWorkOrder,
    FileOverdueStatement,
    RecordExplanationRecheck,
    ResolveWorkOrder,
)
from domain.callback import (
    Callback,
    MisleadingKind,
    QuestionItem,
    SpecialReason,
    choose_version,
    question_set,
)
from domain.callback.questionnaire import DOUBT_ITEMS
from domain.policy import cooling_off_end
from domain.shared.actor import Actor
from domain.shared.aggregate import business_id
from domain.shared.time import business_date
from domain.work_order import WorkOrder
from domain.work_order.deadlines import Deadline, deadline_for
from interfaces.demo.catalog import (
    CALL_CENTRE_SEATS,
    CORE_SYSTEM,
    SCHEDULER,
    Branch,
    Payment,
    Product,
    agent_actor,
    branch_staff,
    call_centre,
    manager,
)
from interfaces.demo.context import AgentSpec, Month
from interfaces.demo.people import Person
from interfaces.demo.scenarios import (
    FAILED_RESULTS,
    FAILURES_BEFORE_REACH,
    FATES,
    RECHECK_FAILS,
    TIMELINESS_SHARES,
    Fate,
    Scenario,
    Timeliness,
    pick,
)
from interfaces.demo.timeline import Cutoff, at_time, hours

Q = QuestionItem
VERIFICATION_WO = "核实件"
VISIT_WO = "人工亲访件"
FIRST_EXPLANATION = "一次沟通解释件"
SECOND_EXPLANATION = "二次沟通解释件"
MISLEADING_WO = "销售误导件"
PROXY_WO = "代签字"

#: phone problems decided at the callback's opening
BAD_PHONE = "CB-06"
DP01 = "DP-01"
DP02 = "DP-02"


@dataclass
class PolicySpec:
    number: str
    branch: Branch
    channel: str
    product: Product
    agent: AgentSpec
    holder: Person | None  # None: group policy
    insured: Person
    organisation: str
    underwritten_on: date
    term: tuple[int, str]
    payment: Payment
    premium: Decimal
    lane: str
    sign_delay: int  # natural days from underwriting to the signed receipt
    registration_lag: int  # days from signature to registration (CB-05: > 1 is late)
    scenario: Scenario = Scenario.STANDARD
    phone_issue: str = ""  # "", CB-06, DP-01, DP-02
    holder_phone: str | None = None  # as given on the application (None: the holder's)
    # forced details (the guaranteed ingredients); None: drawn
    failures: int | None = None
    fate: Fate | None = None
    timeliness: Timeliness | None = None
    recheck_fails: bool | None = None
    registered_at: datetime | None = None

    @property
    def needs_callback(self) -> bool:
        return self.holder is not None and not self.product.group and not self.product.short_term

    @property
    def insured_is_holder(self) -> bool:
        return self.holder is not None and self.holder.id_number == self.insured.id_number


def person_in(p: Person, phone: str | None = None) -> PersonIn:
    return PersonIn(
        name=p.name,
        id_number=p.id_number,
        birthday=p.birthday,
        phone=p.phone if phone is None else phone,
        address=p.address,
    )


def issue_command_fields(s: PolicySpec) -> dict[str, Any]:
    mode, years, frequency = s.payment
    return {
        "number": s.number,
        "channel": s.channel,
        "product_type": s.product.product_type,
        "product_name": s.product.name,
        "term_value": s.term[0],
        "term_unit": s.term[1],
        "payment_mode": mode,
        "payment_period_years": years,
        "payment_frequency": frequency,
        "premium": s.premium,
        "holder_type": "团体" if s.holder is None else "个人",
        "policyholder": None if s.holder is None else person_in(s.holder, s.holder_phone),
        "holder_organisation": s.organisation,
        "insured": person_in(s.insured),
        "agent_code": s.agent.code,
        "branch": s.branch.name,
        "underwritten_on": s.underwritten_on,
    }


class PolicyStory:
    def __init__(self, month: Month, spec: PolicySpec) -> None:
        self.m = month
        self.s = spec
        self.rng = month.rng
        self.tl = month.timeline
        self.params = month.params
        self.number = spec.number
        self.callback_id = Callback.id_for(spec.number)
        self.staff = branch_staff(spec.branch, "KF", self.rng.randint(1, 4))
        self.phone = (
            spec.holder_phone if spec.holder_phone is not None else (spec.holder.phone if spec.holder else "")
        )
        self._n = 0
        self._last: datetime | None = None
        self.outcome_no = 0
        self.cycle_end = datetime.min
        self.cooling_off_end = date.max

    # ----- planning ---------------------------------------------------------------------
    def emit(self, at: datetime, actor: Actor, command_type: type[Command], **fields: Any) -> Command:
        if self._last is not None and at < self._last:
            raise AssertionError(f"{self.number}: {command_type.__name__} at {at} before {self._last}")
        self._n += 1
        command = self.m.emit(self.s.lane, f"{self.number}/{self._n:02d}", at, actor, command_type, **fields)
        self._last = at
        return command

    def tell(self) -> None:
        """Plan the policy's month; a story simply stops at the end of the month."""
        with contextlib.suppress(Cutoff):
            self._tell()

    def _tell(self) -> None:
        s = self.s
        issued_at = self.tl.day_time(s.underwritten_on, 9.5, 19.5)
        self.emit(issued_at, CORE_SYSTEM, IssuePolicy, **issue_command_fields(s))
        self.m.count("policies 保单")
        signed_on = s.underwritten_on + timedelta(days=s.sign_delay)
        registered_at = s.registered_at or self._registration_time(
            signed_on + timedelta(days=s.registration_lag)
        )
        # an electronic receipt can be registered on the day of issue, but not before it
        registered_at = max(registered_at, issued_at + timedelta(minutes=self.rng.randint(10, 90)))
        registered_on = business_date(registered_at)
        self.emit(
            registered_at,
            branch_staff(s.branch, "NQ"),
            RegisterReceipt,
            policy_number=s.number,
            signed_on=signed_on,
            registered_on=registered_on,
        )
        self.m.count("receipts registered 回执回销")
        if (registered_on - signed_on).days > self.params.callback.receipt_registration_lag_days:
            self.m.count("late receipt registrations 回执逾期回销 (CB-05)")
        if not s.needs_callback:
            self.m.count("no callback needed 无需回访 (CB-01)")
            return
        self.cooling_off_end = cooling_off_end(
            signed_on, s.channel, s.product.product_type, self.params.callback
        )[0]
        self.m.count("callbacks due 应回访")
        self.cycle_end = registered_at + timedelta(days=self.params.callback.cycle_days)
        if s.phone_issue == BAD_PHONE:
            self.verification("电话有误", registered_at)
        elif s.phone_issue in (DP01, DP02):
            self.m.count(f"duplicate-number callbacks 重复号码 ({s.phone_issue})")
            self.verification("重复号码", registered_at)
        elif s.scenario in (Scenario.SPECIAL, Scenario.SPECIAL_REJECTED):
            self.special(registered_at, approve=s.scenario == Scenario.SPECIAL)
        else:
            self.calls(registered_at, s.scenario)

    def _registration_time(self, day: date) -> datetime:
        if not self.tl.is_working(day) and self.rng.random() < 0.25:
            return self.tl.office_at(at_time(day, datetime.min.time()))  # after the rest day: late
        return self.tl.day_time(day, 9.0, 17.5)

    # ----- calls (CA-01, CA-02, CB-02, QN-*) ----------------------------------------------
    def _seat(self) -> Actor:
        return call_centre(self.rng.choice(CALL_CENTRE_SEATS))

    def _attempt(self, at: datetime, result: str, caller: Actor) -> None:
        self.emit(
            at,
            caller,
            RecordCallAttempt,
            policy_number=self.number,
            result=result,
            recording_ref=f"REC{at:%y%m%d%H%M%S}{self.number[-6:]}",
            phone=self.phone,
        )

    def calls(self, not_before: datetime, scenario: Scenario, agreed_at: datetime | None = None) -> None:
        """One call cycle, from ``not_before`` until its outcome (or the month's end)."""
        caller = self._seat()
        branch_calls = agreed_at is not None and self.rng.random() < 0.5  # CB-04: the branch may call
        if branch_calls:
            caller = self.staff
        failures = self._failures(scenario)
        attempts = 0
        t = not_before

        def next_attempt() -> datetime | None:
            nonlocal t, attempts
            if attempts == 0 and agreed_at is not None:
                at = agreed_at
            elif attempts == 0:
                at = self.tl.next_call(t, 0.3, 26)
            else:
                at = self.tl.next_call(t, 2, 44)
            if at >= self.cycle_end:
                return None
            attempts += 1
            t = at
            return at

        for _ in range(failures):
            at = next_attempt()
            if at is None:
                return self._expire(scenario)
            self._attempt(at, pick(self.rng, FAILED_RESULTS), caller if branch_calls else self._seat())
            if attempts == self.params.callback.attempts_per_cycle:
                self.m.count("unreachable after 3 attempts 三次未接通")
                return self.verification("联系不上", at)
        if scenario == Scenario.EXPIRED:
            return self._expire(scenario)
        if scenario == Scenario.CANCELLED:
            return self.cancel(t)
        at = next_attempt()
        if at is None:
            return self._expire(scenario)
        immediate = {
            Scenario.WRONG_NUMBER: ("空号停机错号", "电话有误"),
            Scenario.REFUSED: ("拒访", "拒访"),
            Scenario.LANGUAGE: ("语言沟通不畅", "语言沟通不畅"),
        }.get(scenario)
        if immediate is not None:
            self._attempt(at, immediate[0], caller)
            return self.verification(immediate[1], at)
        self._attempt(at, "接通本人", caller)
        identity = {Scenario.MISMATCH: "信息不符", Scenario.IDENTITY_REFUSED: "拒绝核实"}.get(
            scenario, "通过"
        )
        checked = at + timedelta(seconds=self.rng.randint(30, 120))
        self.emit(checked, caller, CheckIdentity, policy_number=self.number, result=identity)
        if identity != "通过":
            return self.verification("保单信息有误" if identity == "信息不符" else "拒访", checked)
        if scenario == Scenario.ABANDONED:
            hung_up = checked + timedelta(seconds=self.rng.randint(60, 300))
            self.emit(
                hung_up, caller, AbandonCall, policy_number=self.number, reason="客户称不方便，中途挂断"
            )
            self.m.count("abandoned calls 通话中断")
            again = next_attempt()
            if again is None:
                return self._expire(scenario)
            self._attempt(again, "接通本人", caller)
            checked = again + timedelta(seconds=self.rng.randint(30, 120))
            self.emit(checked, caller, CheckIdentity, policy_number=self.number, result="通过")
            scenario = Scenario.STANDARD
        self.questionnaire(checked, scenario, caller)

    def _failures(self, scenario: Scenario) -> int:
        if scenario == Scenario.UNREACHABLE:
            return self.params.callback.attempts_per_cycle
        if self.s.failures is not None:
            return self.s.failures
        if scenario in (Scenario.EXPIRED, Scenario.ABANDONED, Scenario.CANCELLED):
            return self.rng.randint(0, 1) if scenario != Scenario.EXPIRED else self.rng.randint(1, 2)
        return self.rng.choices((0, 1, 2), weights=FAILURES_BEFORE_REACH)[0]

    def _expire(self, scenario: Scenario) -> None:
        """CA-02: the cycle ran out before three attempts; the scheduler closes it."""
        if scenario == Scenario.CANCELLED:
            return self.cancel(self._last or self.cycle_end)
        # the scheduler's next run after the cycle ended (or now, if it ended while we waited)
        at = self.tl.scheduler_after(max(self.cycle_end, self._last or self.cycle_end))
        self.emit(at, SCHEDULER, CloseExpiredCycle, policy_number=self.number)
        self.m.count("cycles closed by the scheduler 周期届满 (tick)")
        self.verification("联系不上", at)

    def questionnaire(self, started: datetime, scenario: Scenario, caller: Actor) -> None:
        at = started + timedelta(seconds=self.rng.randint(300, 840))
        answers = self.answers(business_date(started), scenario)
        self.emit(at, caller, RecordAnswers, policy_number=self.number, answers=answers)
        if scenario == Scenario.DENIES:
            return self.verification("拒访", at)
        if scenario == Scenario.NOT_RECEIVED:
            return self.verification("未收到合同", at)
        self.success(scenario, at)

    def success(self, scenario: Scenario, at: datetime) -> None:
        self.outcome_no += 1
        cls = {Scenario.SUBSTANDARD: "次标准件"}.get(scenario, "标准件")
        work_order = {
            Scenario.EXPLANATION: FIRST_EXPLANATION,
            Scenario.MISLEADING: MISLEADING_WO,
            Scenario.PROXY: PROXY_WO,
        }.get(scenario)
        if work_order:
            cls = "问题件"
        self.m.count(f"outcome 回访结果: {cls}")
        if business_date(at) <= self.cooling_off_end:
            self.m.count("successful within cooling-off 犹豫期内成功")
        if work_order:
            self.problem(
                work_order, at, WorkOrder.id_for_outcome(self.callback_id, self.outcome_no, work_order)
            )

    # ----- questionnaire answers (QN-01..04) ------------------------------------------------
    def answers(self, on: date, scenario: Scenario) -> list[AnswerIn]:
        version, _ = choose_version(on, self.s.underwritten_on, self.params.callback)
        if version.value == "B卷":
            self.m.count("questionnaire B 回访问卷B卷 (QN-02)")
        items = question_set(self.s.product.product_type, self.s.insured_is_holder, version)
        rng = self.rng
        given: dict[str, dict[str, Any]] = {}
        doubts = [i for i in items if i in DOUBT_ITEMS]
        if scenario == Scenario.DENIES:
            return [AnswerIn(item=Q.PURCHASE_CONFIRMED, response="否", note="客户否认购买该保险")]
        if scenario == Scenario.NOT_RECEIVED:
            end = items.index(Q.POLICY_RECEIVED)
            ans = [AnswerIn(item=i, response="是") for i in items[:end]]
            return [*ans, AnswerIn(item=Q.POLICY_RECEIVED, response="否", note="客户称尚未收到保险合同")]
        if scenario == Scenario.SUBSTANDARD:
            given[rng.choice(doubts)] = {
                "response": rng.choice(["不清楚", "否"]),
                "corrected": True,
                "note": "经坐席解释后客户表示理解",
            }
        elif scenario == Scenario.EXPLANATION:
            variant = rng.choice(["doubt", "recall", "disclosure"])
            if variant == "doubt":
                given[rng.choice(doubts)] = {"response": "不清楚", "note": "解释后客户仍有疑问"}
            elif variant == "recall":
                given[Q.SIGNED_PERSONALLY] = {"response": "不清楚", "note": "客户记不清是否本人签名"}
            else:
                given[Q.TRUTHFUL_DISCLOSURE] = {"response": "否", "note": "客户称投保时未告知既往病史"}
        elif scenario == Scenario.MISLEADING:
            if Q.RETURNS_UNCERTAIN in items:
                item, kind, note = (
                    Q.RETURNS_UNCERTAIN,
                    MisleadingKind.EXAGGERATED_RETURNS,
                    "业务员称年收益保底6%",
                )
            elif rng.random() < 0.5:
                item, kind, note = (
                    Q.KNOWS_IS_INSURANCE,
                    MisleadingKind.CONFUSED_CONCEPTS,
                    "业务员称是银行存款",
                )
            else:
                item, kind, note = Q.CLAUSES_AND_LIABILITY, MisleadingKind.CONCEALMENT, "业务员未告知责任免除"
            given[item] = {"response": "否", "misleading": kind.value, "note": note}
        elif scenario == Scenario.PROXY:
            options = [
                i for i in (Q.SIGNED_PERSONALLY, Q.RISK_STATEMENT_COPIED, Q.INSURED_SIGNED) if i in items
            ]
            given[rng.choice(options)] = {"response": "否", "note": "客户称由业务员代为签字"}
        if rng.random() < 0.03:  # an opinion, not a doubt: does not change the outcome
            given.setdefault(Q.AGENT_SATISFACTION, {"response": "否", "note": "对业务员服务不满意"})
        return [AnswerIn(item=i, **given.get(i, {"response": "是"})) for i in items]

    # ----- special callback (SP-01, SP-02) ----------------------------------------------
    def special(self, opened: datetime, approve: bool) -> None:
        s = self.s
        applied = self.tl.office_after(opened, 0.3, 4)
        agreed = self.tl.office_after(applied, 30, 90)
        method = self.rng.choice(["上门亲访", "信函回访"])
        self.emit(
            applied,
            agent_actor(s.agent.code),
            ApplySpecialCallback,
            policy_number=self.number,
            reason=self.rng.choice([r.value for r in SpecialReason]),
            method=method,
            agreed_at=agreed,
            agent_code=s.agent.code,
            customer_signed=True,
            agent_signed=True,
            application_ref=f"TSHF{self.number}",
        )
        self.m.count("special callbacks applied 特殊回访件申请 (SP-01)")
        decided = self.tl.office_after(applied, 1, 20)
        unit_manager = next(a for a in self.m.agents if a.branch == s.branch and a.series == "管理")
        self.emit(
            decided,
            manager(unit_manager.code),
            DecideSpecialCallback,
            policy_number=self.number,
            approve=approve,
            unit=s.branch.name,
            comment="同意由销售单位上门回访" if approve else "不符合特殊回访条件，转集中电话回访",
        )
        if not approve:
            self.m.count("special callbacks rejected 特殊回访件驳回")
            return self.calls(decided, Scenario.STANDARD)
        self.m.count("special callbacks approved 特殊回访件批准 (SP-02)")
        self.signed_questionnaire(max(agreed, decided + hours(1)), method, self.staff)

    def signed_questionnaire(self, at: datetime, method: str, actor: Actor) -> None:
        """CB-04 / SP-02: a visit or letter with the questionnaire signed by the holder."""
        self.emit(
            at,
            actor,
            RecordSignedQuestionnaire,
            policy_number=self.number,
            method=method,
            evidence_ref=f"QMWJ{self.number}{self.outcome_no + 1}",
            answers=self.answers(business_date(at), Scenario.STANDARD),
        )
        self.m.count(f"completed by {method} 上门/信函回访完成")
        self.success(Scenario.STANDARD, at)

    def cancel(self, after: datetime) -> None:
        at = self.tl.office_between(
            after + hours(2), at_time(self.cooling_off_end, datetime.min.time()) + hours(17)
        )
        if at is None:
            return
        self.emit(
            at, CORE_SYSTEM, CancelInCoolingOff, policy_number=self.number, cancelled_on=business_date(at)
        )
        self.m.count("cancelled within cooling-off 犹豫期撤单")

    # ----- the branch's work orders (PC-01..06) ------------------------------------------
    def _deadline(self, work_order_type: str, created: datetime) -> Deadline:
        return deadline_for(work_order_type, business_date(created), self.params.work_order, self.m.calendar)

    def _schedule(
        self, assigned: datetime, deadline: Deadline, timeliness: Timeliness
    ) -> tuple[datetime | None, datetime | None]:
        """(overdue statement time, resolution time) for a timeliness class."""
        due = deadline.due_at
        statement = None
        if timeliness in (Timeliness.LATE_WITH_STATEMENT, Timeliness.OPEN_WITH_STATEMENT):
            statement = self.tl.office_between(
                max(assigned + hours(1), due - timedelta(days=3)), due - hours(2)
            )
        if timeliness == Timeliness.ON_TIME:
            latest = min(due - hours(2), assigned + timedelta(days=self.rng.uniform(0.3, 5)))
            resolved = self.tl.office_between(assigned + hours(1), latest)
            return None, resolved or self.tl.office_after(due, 20, 60)
        if timeliness in (Timeliness.LATE, Timeliness.LATE_WITH_STATEMENT):
            return statement, self.tl.office_after(due, 20, 100)
        return statement, None

    def _assign(self, work_order_id: Any, created: datetime, handler: Actor) -> datetime:
        assigned = self.tl.office_after(created, 0.2, 20)
        self.emit(assigned, handler, AssignWorkOrder, work_order_id=work_order_id, handler_id=handler.id)
        return assigned

    def _timeliness(self) -> Timeliness:
        return self.s.timeliness or pick(self.rng, TIMELINESS_SHARES)

    def _statement(self, at: datetime | None, work_order_id: Any, handler: Actor) -> None:
        if at is None:
            return
        reason = self.rng.choice(
            ["客户出差在外，约定返回后办理", "客户暂无法配合签字", "需原业务员协助联系客户"]
        )
        self.emit(at, handler, FileOverdueStatement, work_order_id=work_order_id, reason=reason)
        self.m.count("overdue statements 逾期书面说明 (PC-04)")

    def verification(self, subtype: str, created: datetime) -> None:
        """OC-04 → a 核实件 (or 人工亲访件) for the branch; PC-05 / CB-04 handling."""
        self.outcome_no += 1
        wo_type = VISIT_WO if subtype == "语言沟通不畅" else VERIFICATION_WO
        wo_id = WorkOrder.id_for_outcome(self.callback_id, self.outcome_no, wo_type)
        self.m.count(f"outcome 回访结果: 核实件/{subtype}")
        self.m.count(f"work orders 工单: {wo_type}")
        assigned = self._assign(wo_id, created, self.staff)
        timeliness = self._timeliness()
        fate = self.s.fate or pick(self.rng, FATES[subtype])
        statement, resolved = self._schedule(assigned, self._deadline(wo_type, created), timeliness)
        self._statement(statement, wo_id, self.staff)
        if resolved is None:
            return
        if fate == Fate.VISIT:
            method = "上门亲访" if wo_type == VISIT_WO or self.rng.random() < 0.7 else "信函回访"
            return self.signed_questionnaire(resolved, method, self.staff)
        if fate == Fate.CONTACT:
            self.phone = self.m.people.phone()
            self.emit(
                resolved,
                branch_staff(self.s.branch, "NQ"),
                ChangeContact,
                policy_number=self.number,
                phone=self.phone,
                reason="保全变更：客户提供本人常用手机号码",
            )
            self.m.count("contact changes 联系方式变更 (DP-03)")
            resolved += timedelta(minutes=self.rng.randint(5, 40))
        agreed = self.tl.next_call(resolved, 2, 30)
        self.emit(
            resolved,
            self.staff,
            ResolveWorkOrder,
            work_order_id=wo_id,
            agreed_call_at=agreed,
            note="已与客户约定回访时间",
        )
        self.cycle_end = max(resolved, agreed) + timedelta(days=self.params.callback.cycle_days)
        self.m.count("second cycles 二次回访 (PC-05)")
        self.calls(resolved, Scenario.SUBSTANDARD if self.rng.random() < 0.08 else Scenario.STANDARD, agreed)

    def problem(self, wo_type: str, created: datetime, wo_id: Any) -> None:
        """OC-03 → 一次/二次沟通解释件, 销售误导件 (not the selling agent, PC-06) or 代签字."""
        self.m.count(f"work orders 工单: {wo_type}")
        handler = branch_staff(self.s.branch, "PZ") if wo_type == MISLEADING_WO else self.staff
        assigned = self._assign(wo_id, created, handler)
        statement, resolved = self._schedule(assigned, self._deadline(wo_type, created), self._timeliness())
        self._statement(statement, wo_id, handler)
        if resolved is None:
            return
        self.emit(
            resolved,
            handler,
            ResolveWorkOrder,
            work_order_id=wo_id,
            evidence_ref=f"QZ{self.number}{wo_type[:2]}",
            signed_by_customer=True,
            note="已向客户解释并取得客户亲笔签名确认",
        )
        if wo_type != FIRST_EXPLANATION:
            return
        fails = (
            self.s.recheck_fails if self.s.recheck_fails is not None else self.rng.random() < RECHECK_FAILS
        )
        at = self.tl.next_call(resolved, 18, 60)
        reached = not fails or self.rng.random() < 0.5
        self.emit(
            at,
            self._seat(),
            RecordExplanationRecheck,
            work_order_id=wo_id,
            reached=reached,
            doubt_resolved=not fails,
            recording_ref=f"REC{at:%y%m%d%H%M%S}{self.number[-6:]}",
        )
        if fails:
            self.m.count("re-checks failed 复核未通过 → 二次沟通解释件")
            second = business_id("work_order", f"{wo_id}:{SECOND_EXPLANATION}")
            self.problem(SECOND_EXPLANATION, at, second)
