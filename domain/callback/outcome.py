"""Outcome classification (回访结果判定): QN-04 → OC-01..04, success (OC-06), PC-01 work orders.

Pure functions of the recorded facts (answers, identity check, call results): the
same facts always give the same outcome, and the decision lists the rule ids and
the findings it used. No caller ever passes an outcome class in.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.callback.labels import (
    DoubtSubtype,
    ExplanationSubtype,
    OutcomeClass,
    ProblemCategory,
    ProxySubtype,
    VerificationSubtype,
)
from domain.callback.questionnaire import DOUBT_ITEMS, INFORMATIONAL_ITEMS, Answer, QuestionItem
from domain.callback.questionnaire import Response as R
from domain.work_order.types import WorkOrderType


@dataclass(frozen=True)
class Finding:
    """What one answer, identity check or call result means for the outcome."""

    source: str  # the questionnaire item, or 身份核实 / 呼出结果 / 联系电话 / 呼出周期
    response: str
    outcome_class: str
    category: str  # OC-03 category of a 问题件, else ""
    subtype: str
    corrected: bool
    misleading: str
    rule_id: str


#: OC-02 / OC-03: knowledge item → the doubt it reveals.
DOUBT_OF_ITEM: dict[str, DoubtSubtype] = {
    QuestionItem.KNOWS_IS_INSURANCE: DoubtSubtype.DEPOSIT,
    QuestionItem.CLAUSES_AND_LIABILITY: DoubtSubtype.LIABILITY,
    QuestionItem.READING_REMINDER: DoubtSubtype.LIABILITY,
    QuestionItem.COOLING_OFF_RIGHTS: DoubtSubtype.COOLING_OFF,
    QuestionItem.PREMIUM_AND_TERM: DoubtSubtype.PAYMENT_AND_TERM,
    QuestionItem.RETURNS_UNCERTAIN: DoubtSubtype.RETURNS,
    QuestionItem.FEES: DoubtSubtype.FEES,
}
assert set(DOUBT_OF_ITEM) == DOUBT_ITEMS

_SIGNATURE_ITEMS = {
    QuestionItem.SIGNED_PERSONALLY: ProxySubtype.DOCUMENTS,
    QuestionItem.INSURED_SIGNED: ProxySubtype.DOCUMENTS,
    QuestionItem.RISK_STATEMENT_COPIED: ProxySubtype.RISK_STATEMENT,
}


def verification(subtype: VerificationSubtype, source: str, response: str, rule_id: str) -> Finding:
    """A 核实件 finding (OC-04): the callback could not be completed."""
    return Finding(source, response, OutcomeClass.VERIFICATION.value, "", subtype.value, False, "", rule_id)


def _problem(answer: Answer, category: ProblemCategory, subtype: str) -> Finding:
    return Finding(
        answer.item,
        answer.response,
        OutcomeClass.PROBLEM.value,
        category.value,
        subtype,
        answer.corrected,
        answer.misleading,
        "OC-03",
    )


def finding_for_answer(answer: Answer) -> Finding | None:
    """QN-04: what a negative answer means; ``None`` for a positive or informational one."""
    if not answer.negative or answer.item in INFORMATIONAL_ITEMS:
        return None
    item = QuestionItem(answer.item)
    if item == QuestionItem.PURCHASE_CONFIRMED:
        # denies buying (or cannot confirm it) → 核实件/拒访, the call ends
        return verification(VerificationSubtype.REFUSED, item.value, answer.response, "QN-04")
    if item == QuestionItem.POLICY_RECEIVED:
        # S1: 不清楚是否收到合同或表示未收到合同 → call again after delivery
        return verification(VerificationSubtype.CONTRACT_NOT_RECEIVED, item.value, answer.response, "QN-04")
    if item in _SIGNATURE_ITEMS:
        if answer.response == R.NO:  # not self-signed → 问题件/代签字 (QN-04)
            return _problem(answer, ProblemCategory.PROXY_SIGNATURE, _SIGNATURE_ITEMS[item].value)
        return _problem(answer, ProblemCategory.EXPLANATION, ExplanationSubtype.CANNOT_RECALL_SIGNATURE.value)
    if item == QuestionItem.TRUTHFUL_DISCLOSURE:
        # QN-04 says only "问题件"; a past non-disclosure cannot be corrected on the phone, and
        # PC-01 sends negative answers other than proxy signature to a first explanation:
        # we file it as 沟通解释类.
        return _problem(answer, ProblemCategory.EXPLANATION, ExplanationSubtype.NON_DISCLOSURE.value)
    doubt = DOUBT_OF_ITEM[item].value
    if answer.misleading:
        # a reported sales practice is not "corrected" by the caller's explanation
        return _problem(answer, ProblemCategory.SUSPECTED_MISLEADING, doubt)
    if answer.corrected:  # OC-02 已纠正
        return Finding(
            answer.item,
            answer.response,
            OutcomeClass.SUB_STANDARD.value,
            "",
            doubt,
            True,
            "",
            "OC-02",
        )
    return _problem(answer, ProblemCategory.SUSPECTED_MISLEADING, doubt)  # OC-03 未纠正


def ends_call(finding: Finding | None) -> bool:
    """QN-04 / CB-02: a 核实件 finding ends the call (denies buying, not received…)."""
    return finding is not None and finding.outcome_class == OutcomeClass.VERIFICATION


@dataclass(frozen=True)
class OutcomeDecision:
    """The decided outcome, why, and which work orders it sends to the branch (PC-01)."""

    outcome_class: str
    category: str
    subtype: str
    findings: list[Finding]
    rule_ids: list[str]
    work_order_types: list[str]

    @property
    def success(self) -> bool:
        return is_success(self.outcome_class)


_SEVERITY = [OutcomeClass.VERIFICATION, OutcomeClass.PROBLEM, OutcomeClass.SUB_STANDARD]
_CLASS_RULE = {
    OutcomeClass.VERIFICATION: "OC-04",
    OutcomeClass.PROBLEM: "OC-03",
    OutcomeClass.SUB_STANDARD: "OC-02",
}
#: the primary category of a 问题件 with several findings: 三禁止 (proxy) first.
_CATEGORY_ORDER = [
    ProblemCategory.PROXY_SIGNATURE,
    ProblemCategory.SUSPECTED_MISLEADING,
    ProblemCategory.EXPLANATION,
]


def classify(findings: list[Finding]) -> OutcomeDecision:
    """OC-01..04: the outcome class from the findings, with the rules that decided it.

    标准件 (OC-01): no finding. 次标准件 (OC-02): only corrected doubts. 问题件
    (OC-03): an unresolved doubt, a non-disclosure or a signature problem.
    核实件 (OC-04): the callback was not completed.
    """
    for cls in _SEVERITY:
        of_class = [f for f in findings if f.outcome_class == cls]
        if not of_class:
            continue
        primary = of_class[0]
        if cls == OutcomeClass.PROBLEM:
            primary = min(of_class, key=lambda f: _CATEGORY_ORDER.index(ProblemCategory(f.category)))
        rule_ids = sorted({f.rule_id for f in findings} | {_CLASS_RULE[cls]})
        return OutcomeDecision(
            cls.value,
            primary.category,
            primary.subtype,
            list(findings),
            rule_ids,
            work_orders_for(cls, findings),
        )
    return OutcomeDecision(OutcomeClass.STANDARD.value, "", "", [], ["OC-01"], [])


def work_orders_for(outcome_class: str, findings: list[Finding]) -> list[str]:
    """PC-01: which work orders an outcome sends to the branch.

    核实件 → 核实件, except 语言沟通不畅 → 人工亲访件 (the customer cannot take a
    phone callback; S1: 方言件 are visited or written to). 问题件 → 代签字 for a
    proxy signature, 销售误导件 when the holder reported a sales practice, and a
    一次沟通解释件 for every other negative answer. 次标准件 goes to the branch for
    agent training only (no customer follow-up, no work order); 标准件 is closed.
    """
    if outcome_class == OutcomeClass.VERIFICATION:
        first = next(f for f in findings if f.outcome_class == OutcomeClass.VERIFICATION)
        if first.subtype == VerificationSubtype.LANGUAGE_BARRIER:
            return [WorkOrderType.IN_PERSON_VISIT.value]
        return [WorkOrderType.VERIFICATION.value]
    if outcome_class != OutcomeClass.PROBLEM:
        return []
    problems = [f for f in findings if f.outcome_class == OutcomeClass.PROBLEM]
    types: list[str] = []
    if any(f.category == ProblemCategory.PROXY_SIGNATURE for f in problems):
        types.append(WorkOrderType.PROXY_SIGNATURE.value)
    if any(f.misleading for f in problems):
        types.append(WorkOrderType.SALES_MISLEADING.value)
    if any(f.category != ProblemCategory.PROXY_SIGNATURE and not f.misleading for f in problems):
        types.append(WorkOrderType.FIRST_EXPLANATION.value)
    return types


def is_success(outcome_class: str) -> bool:
    """OC-06 (监管口径): reached and questionnaire completed — 标准件, 次标准件 and 问题件."""
    return outcome_class in (OutcomeClass.STANDARD, OutcomeClass.SUB_STANDARD, OutcomeClass.PROBLEM)


def findings_for_work_order(work_order_type: str, findings: list[Finding]) -> list[Finding]:
    """PC-01: the findings a work order of this type is about (its subtypes)."""
    kind = WorkOrderType(work_order_type)
    if kind in (WorkOrderType.VERIFICATION, WorkOrderType.IN_PERSON_VISIT):
        return [f for f in findings if f.outcome_class == OutcomeClass.VERIFICATION]
    problems = [f for f in findings if f.outcome_class == OutcomeClass.PROBLEM]
    if kind == WorkOrderType.PROXY_SIGNATURE:
        return [f for f in problems if f.category == ProblemCategory.PROXY_SIGNATURE]
    if kind == WorkOrderType.SALES_MISLEADING:
        return [f for f in problems if f.misleading]
    return [f for f in problems if f.category != ProblemCategory.PROXY_SIGNATURE and not f.misleading]
