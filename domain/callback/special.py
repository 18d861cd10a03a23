"""Special callbacks (特殊回访件), SP-01 / SP-02: who may apply, on what grounds, who approves."""

from __future__ import annotations

from domain.callback.labels import CallbackMethod, SpecialReason, SpecialStatus, parse_value
from domain.shared.actor import Role
from domain.shared.errors import InvalidInput, RuleViolation


def grounds(reason: str, method: str) -> tuple[SpecialReason, CallbackMethod]:
    """SP-01 an eligible reason; SP-02 done in person or by letter."""
    try:
        why = SpecialReason(reason)
    except ValueError:
        allowed = "/".join(r.value for r in SpecialReason)
        raise RuleViolation(
            "SP-01",
            f"{reason!r} is not an eligible special-callback reason ({allowed})",
            f"“{reason}”不是特殊回访件的适用情形（{allowed}）",
        ) from None
    kind = parse_value(CallbackMethod, method, "callback method", "回访方式")
    if kind == CallbackMethod.PHONE:
        raise RuleViolation(
            "SP-02",
            "a special callback is done by the unit in person or by letter",
            "特殊回访件由销售单位上门或信函完成",
        )
    return why, kind


def require_application(
    *,
    special_status: SpecialStatus | None,
    policy_agent_code: str,
    agent_code: str,
    customer_signed: bool,
    agent_signed: bool,
    application_ref: str,
) -> None:
    """SP-02: one application at a time, by the policy's agent, signed by both, with its form."""
    if special_status in (SpecialStatus.APPLIED, SpecialStatus.APPROVED):
        raise InvalidInput(f"a special callback is already {special_status}", f"特殊回访件已{special_status}")
    if agent_code.strip().upper() != policy_agent_code:
        raise RuleViolation(
            "SP-02",
            f"the policy's agent ({policy_agent_code}) applies for a special callback",
            f"特殊回访件须由保单业务员（{policy_agent_code}）申请",
        )
    if not (customer_signed and agent_signed):
        raise RuleViolation(
            "SP-02",
            "the application must be signed by both the customer and the agent",
            "特殊回访件申请表须由客户与业务员签字确认",
        )
    if not application_ref.strip():
        raise RuleViolation(
            "SP-02", "the signed application form reference is required", "须提供《特殊回访件申请表》编号"
        )


def require_decider(*, special_status: SpecialStatus | None, role: Role, unit: str, branch: str) -> None:
    """SP-02: a manager of the policy's sales unit decides a pending application."""
    if special_status != SpecialStatus.APPLIED:
        raise InvalidInput("no special callback awaits approval", "没有待审批的特殊回访件")
    if role != Role.MANAGER:
        raise RuleViolation(
            "SP-02",
            "only a manager of the sales unit decides a special callback",
            "特殊回访件须由销售单位经理审批",
        )
    if unit.strip() != branch:
        raise RuleViolation(
            "SP-02",
            f"the manager must belong to the policy's unit ({branch})",
            f"审批经理须属于保单所属单位（{branch}）",
        )
