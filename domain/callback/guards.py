"""Which commands a callback's status allows (回访状态校验), and why not.

One table, so every refusal for "not now" names the same rule for the same status.
"""

from __future__ import annotations

from domain.callback.labels import CallbackStatus
from domain.shared.errors import RuleViolation

#: status → (rule id, English, Chinese) of the refusal when a command needs another status
_NOT_NOW: dict[CallbackStatus, tuple[str, str, str]] = {
    CallbackStatus.NOT_REQUIRED: ("CB-01", "this policy needs no callback", "该保单无需回访"),
    CallbackStatus.EXCLUDED: (
        "OC-06",
        "the policy was cancelled within cooling-off; the callback is closed",
        "保单已犹豫期撤单，回访已关闭",
    ),
    CallbackStatus.COMPLETED: ("OC-06", "the callback already succeeded", "回访已成功完成"),
    CallbackStatus.SENT_TO_BRANCH: (
        "CA-02",
        "the cycle is closed and the 核实件 is with the branch; resolving it starts a new cycle (PC-05)",
        "本周期已结束，核实件已下发机构；机构回销后开始新的回访周期",
    ),
    CallbackStatus.SPECIAL: (
        "SP-02",
        "an approved special callback is completed by the sales unit, not called centrally",
        "已批准的特殊回访件由销售单位完成，不安排集中电话回访",
    ),
    CallbackStatus.IN_CALL: ("CB-02", "a call with the policyholder is in progress", "正在与投保人通话中"),
    CallbackStatus.AWAITING_CALL: (
        "CB-02",
        "no call with the policyholder is in progress",
        "当前没有与投保人的通话",
    ),
}


def refuse_unless(status: str, *allowed: CallbackStatus, policy_number: str) -> None:
    """Refuse a command the callback's ``status`` does not allow, naming the rule."""
    if status in allowed:
        return
    current = CallbackStatus(status)
    rule_id, en, zh = _NOT_NOW[current]
    raise RuleViolation(rule_id, en, zh, status=current.value, policy_number=policy_number)
