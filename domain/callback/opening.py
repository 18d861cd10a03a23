"""When a callback is due, and how it opens (CB-01, CB-03, CB-06)."""

from __future__ import annotations

from domain.policy import Policy
from domain.shared.errors import RuleViolation
from domain.shared.values import PhoneNumber


def require_not_needed(policy: Policy) -> None:
    """CB-01: only a policy that needs no callback is waived."""
    if policy.needs_callback:
        raise RuleViolation(
            "CB-01", "this policy needs a callback", "该保单须回访", policy_number=policy.number
        )


def require_due(policy: Policy) -> None:
    """CB-01 / CB-03: a callback is due for an individual policy over one year, once the
    signed receipt is registered."""
    if not policy.needs_callback:
        raise RuleViolation(
            "CB-01",
            "group policies and terms of one year or less need no callback",
            "团体保单及一年期及以内保单无需回访",
            policy_number=policy.number,
        )
    if (
        policy.receipt_signed_on is None
        or policy.receipt_registered_on is None
        or policy.cooling_off_end is None
    ):
        raise RuleViolation(
            "CB-03",
            "the callback is due only once the signed receipt is registered",
            "回执回销后方可生成回访任务",
            policy_number=policy.number,
        )


def phone_problem(phone: PhoneNumber | None) -> str | None:
    """CB-06: why the policy's phone cannot be called, or None when it can."""
    if phone is None:
        return "blank 空号码"
    return None if phone.usable else phone.problem
