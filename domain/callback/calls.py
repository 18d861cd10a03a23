"""Call cycles and attempts (呼出周期与呼出记录): CA-02, CB-02, CB-04, CB-06, DP-03.

Pure checks and decisions over the facts a callback holds; the aggregate records
what they allow. (Which windows a moment falls in, CA-01, is ``windows``.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.callback.labels import CallResult, IdentityResult, VerificationSubtype
from domain.callback.outcome import OutcomeDecision, classify, verification
from domain.contact_point import DuplicateVerdict
from domain.parameters import CallbackParams
from domain.shared.actor import Role
from domain.shared.errors import RuleViolation
from domain.shared.values import PhoneNumber

#: where a 核实件 finding came from (Finding.source)
CALL_RESULT_SOURCE = "呼出结果"
IDENTITY_SOURCE = "身份核实"
PHONE_SOURCE = "联系电话"
CYCLE_SOURCE = "呼出周期"

#: attempt results that end the cycle at once with a 核实件 (OC-04).
IMMEDIATE_VERIFICATION = {
    CallResult.WRONG_NUMBER: VerificationSubtype.WRONG_PHONE,
    CallResult.REFUSED: VerificationSubtype.REFUSED,
    CallResult.LANGUAGE_BARRIER: VerificationSubtype.LANGUAGE_BARRIER,
}


def cycle_ends_at(starts_at: datetime, agreed_call_at: datetime | None, params: CallbackParams) -> datetime:
    """CA-02: a cycle runs ``cycle_days``, from an agreed call time when that lies later."""
    anchor = max(starts_at, agreed_call_at) if agreed_call_at else starts_at
    return anchor + timedelta(days=params.cycle_days)


def require_callable(
    *,
    recording_ref: str,
    caller_role: Role,
    sent_to_branch: bool,
    phone: PhoneNumber | None,
    phone_called: str | None,
) -> PhoneNumber:
    """CB-04 recording and who calls, CB-06 a usable phone, DP-03 only the policy's phone.

    Returns the phone to call.
    """
    if not recording_ref.strip():
        raise RuleViolation("CB-04", "every call attempt needs a recording reference", "每次呼出须有录音编号")
    if caller_role == Role.BRANCH and not sent_to_branch:
        raise RuleViolation(
            "CB-04",
            "first calls are central; the branch calls only after a failed callback reached it",
            "首次回访由总公司集中电话回访，回访不成功件下发后机构方可回访",
        )
    if phone is None or not phone.usable:
        raise RuleViolation("CB-06", "the policy has no usable phone number", "保单无可用联系电话")
    if phone_called is not None and phone_called.strip():
        called = PhoneNumber.parse(phone_called)
        if called.normalized != phone.normalized:
            raise RuleViolation(
                "DP-03",
                "only the phone on the policy may be called; change the contact details first",
                "只能拨打保单上的联系电话；其他号码须先办理联系方式变更（保全）",
                called=called.masked(),
                on_policy=phone.masked(),
            )
    return phone


def require_attempt_left(
    at: datetime, *, cycle: int, cycle_ends_at: datetime, attempts_in_cycle: int, attempts_allowed: int
) -> None:
    """CA-02: an attempt belongs to a running cycle that has attempts left."""
    if at >= cycle_ends_at:
        raise RuleViolation(
            "CA-02",
            f"cycle {cycle} ended at {cycle_ends_at.isoformat()}; close it (tick) first",
            f"第 {cycle} 个回访周期已于 {cycle_ends_at.isoformat()} 结束",
            cycle_ends_at=cycle_ends_at.isoformat(),
        )
    if attempts_in_cycle >= attempts_allowed:
        raise RuleViolation(
            "CA-02",
            f"at most {attempts_allowed} attempts per cycle",
            f"每个回访周期最多呼出 {attempts_allowed} 次",
        )


def after_failed_attempt(result: str) -> OutcomeDecision | None:
    """OC-04: a failed attempt that ends the cycle at once (空号/拒访/语言不通), else None."""
    immediate = IMMEDIATE_VERIFICATION.get(CallResult(result))
    if immediate is None:
        return None
    return classify([verification(immediate, CALL_RESULT_SOURCE, result, "OC-04")])


def after_identity_check(result: str) -> OutcomeDecision | None:
    """CB-02: a failed identity check ends the call (拒访 / 保单信息有误); None when it passed."""
    if result == IdentityResult.PASSED:
        return None
    subtype = (
        VerificationSubtype.POLICY_DATA_MISMATCH
        if result == IdentityResult.MISMATCH
        else VerificationSubtype.REFUSED
    )
    return classify([verification(subtype, IDENTITY_SOURCE, result, "CB-02")])


def unreachable(response: str) -> OutcomeDecision:
    """CA-02: the cycle ended without reaching the policyholder → 核实件/联系不上."""
    return classify([verification(VerificationSubtype.UNREACHABLE, CYCLE_SOURCE, response, "CA-02")])


def wrong_phone(problem: str) -> OutcomeDecision:
    """CB-06: no usable phone → 核实件/电话有误."""
    return classify([verification(VerificationSubtype.WRONG_PHONE, PHONE_SOURCE, problem, "CB-06")])


def duplicate_phone(verdict: DuplicateVerdict) -> OutcomeDecision:
    """DP-01 / DP-02 (decided by ContactPoint) → 核实件/重复号码."""
    return classify(
        [verification(VerificationSubtype.DUPLICATE_PHONE, PHONE_SOURCE, verdict.rule_id, verdict.rule_id)]
    )
