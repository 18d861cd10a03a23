"""Recording answers (问卷答复): which answers may be recorded, and what they add up to.

QN-01 only this questionnaire's items, QN-03 each once (and, for a signed
questionnaire, all of them), QN-04 nothing after an answer that ends the call;
CB-04 / SP-02 a visit or letter counts only with the policyholder's signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.callback.guards import refuse_unless
from domain.callback.labels import CallbackMethod, CallbackStatus, parse_value
from domain.callback.outcome import OutcomeDecision, classify, ends_call, finding_for_answer
from domain.callback.questionnaire import Answer, require_in_set
from domain.shared.errors import InvalidInput, RuleViolation


def validate_answers(
    answers: list[Answer], items: list[str], product_type: str, version: str, answered: set[str]
) -> None:
    """QN-01 items of this questionnaire only, each once; nothing after a call-ending answer (QN-04)."""
    if not answers:
        raise InvalidInput("no answers given", "未提供问卷答复")
    seen = set(answered)
    for position, answer in enumerate(answers):
        require_in_set(answer, items, product_type, version)
        if answer.item in seen:
            raise InvalidInput(f"item {answer.item} is already answered", f"项目“{answer.item}”已答复")
        seen.add(answer.item)
        if ends_call(finding_for_answer(answer)) and position != len(answers) - 1:
            raise InvalidInput(
                f"the call ends at {answer.item} = {answer.response} (QN-04); "
                "later answers cannot be recorded",
                f"“{answer.item}”答复为“{answer.response}”时通话结束（QN-04），其后答复不能记录",
            )


def require_signed_method(
    method: str, *, status: str, sent_to_branch: bool, policy_number: str
) -> tuple[CallbackMethod, str]:
    """CB-04 / SP-02: a visit or letter, for a callback the branch received or an approved
    special one. Returns the method and the rule it is recorded under."""
    kind = parse_value(CallbackMethod, method, "callback method", "回访方式")
    if kind == CallbackMethod.PHONE:
        raise InvalidInput("phone callbacks are recorded as call attempts", "电话回访请按呼出记录登记")
    if status == CallbackStatus.SPECIAL:
        return kind, "SP-02"
    refuse_unless(
        status, CallbackStatus.AWAITING_CALL, CallbackStatus.SENT_TO_BRANCH, policy_number=policy_number
    )
    if not sent_to_branch:
        raise RuleViolation(
            "CB-04",
            "first callbacks are central phone calls; a visit or letter is for callbacks "
            "the branch received (or an approved special callback, SP-02)",
            "首次回访须由总公司集中电话回访；上门或信函仅用于下发机构的回访件或已批准的特殊回访件",
        )
    return kind, "CB-04"


def require_signed_questionnaire(
    evidence_ref: str,
    answers: list[Answer],
    items: list[str],
    product_type: str,
    version: str,
    *,
    rule_id: str,
) -> None:
    """CB-04 / SP-02 the holder's signature; QN-03 the whole questionnaire, unless an answer ends it."""
    if not evidence_ref.strip():
        raise RuleViolation(
            rule_id,
            "a visit or letter counts only with the questionnaire signed by the policyholder",
            "上门或信函回访须有投保人亲笔签名的回访问卷",
        )
    ending = next((a for a in answers if ends_call(finding_for_answer(a))), None)
    validate_answers(answers, items, product_type, version, set())
    given = {a.item for a in answers}
    if ending is None and not set(items) <= given:
        missing = [i for i in items if i not in given]
        raise RuleViolation(
            "QN-03",
            f"the signed questionnaire lacks {len(missing)} item(s)",
            f"签名问卷缺少 {len(missing)} 个项目：{'、'.join(missing)}",
            missing=missing,
        )


def is_finished(answers: Mapping[str, Answer], items: list[str], last: Answer) -> bool:
    """QN-03 / QN-04: the questionnaire is done when every item is answered or the last answer ends it."""
    return ends_call(finding_for_answer(last)) or set(items) <= set(answers)


def classify_answers(answers: Mapping[str, Answer], items: list[str]) -> OutcomeDecision:
    """OC-01..04 from the answers given, in questionnaire order."""
    findings = [
        f for item in items if item in answers for f in [finding_for_answer(answers[item])] if f is not None
    ]
    return classify(findings)


def answer_inputs(answers: Mapping[str, Answer], items: list[str]) -> list[dict[str, Any]]:
    """The answers as decision inputs, in questionnaire order."""
    return [
        {"item": a.item, "response": a.response, "corrected": a.corrected, "misleading": a.misleading}
        for item in items
        if (a := answers.get(item)) is not None
    ]
