"""新契约回访 Callbacks: the command route table (key: the policy number)."""

from __future__ import annotations

from application.callbacks import (
    AbandonCall,
    ApplySpecialCallback,
    CheckIdentity,
    CloseExpiredCycle,
    DecideSpecialCallback,
    RecordAnswers,
    RecordCallAttempt,
    RecordSignedQuestionnaire,
)
from interfaces.api.commands import CommandRoute
from interfaces.api.owners import of_policy
from interfaces.api.permissions import Capability as C
from interfaces.api.permissions import Principal, ScopeKind

TAG = "callbacks 回访"


def caller_id(principal: Principal) -> str:
    return principal.name


def applying_agent(principal: Principal) -> str:
    """SP-02: the agent applies; an agent token applies as its own agent code."""
    return principal.scope.value if principal.scope.kind == ScopeKind.AGENT else principal.name


def deciding_unit(principal: Principal) -> str:
    """SP-02: the manager's unit is the branch of the token (a head-office token has none)."""
    return principal.scope.value if principal.scope.kind == ScopeKind.BRANCH else ""


_ANSWERS = [
    {"item": "确认本人投保", "response": "是"},
    {"item": "知晓所购为保险产品", "response": "是"},
    {"item": "已收到保单并签收回执", "response": "是"},
    {"item": "知晓收益不确定", "response": "不清楚", "corrected": True},
]

COMMANDS: list[CommandRoute] = [
    CommandRoute(
        "/callbacks/{policy_number}/attempts",
        RecordCallAttempt,
        C.RECORD_CALLS,
        of_policy(),
        example={
            "result": "接通本人",
            "recording_ref": "REC-20260302-100512-0001",
            "occurred_at": "2026-03-02T10:05:00+08:00",
        },
        from_token={"caller": caller_id},
    ),
    CommandRoute(
        "/callbacks/{policy_number}/identity-check",
        CheckIdentity,
        C.RECORD_CALLS,
        of_policy(),
        example={"result": "通过"},
    ),
    CommandRoute(
        "/callbacks/{policy_number}/answers",
        RecordAnswers,
        C.RECORD_CALLS,
        of_policy(),
        example={"answers": _ANSWERS},
    ),
    CommandRoute(
        "/callbacks/{policy_number}/abandoned-calls",
        AbandonCall,
        C.RECORD_CALLS,
        of_policy(),
        example={"reason": "客户中途挂断"},
    ),
    CommandRoute(
        "/callbacks/{policy_number}/cycle-expiry",
        CloseExpiredCycle,
        C.RUN_SCHEDULE,
        of_policy(),
        example={},
    ),
    CommandRoute(
        "/callbacks/{policy_number}/signed-questionnaires",
        RecordSignedQuestionnaire,
        C.FOLLOW_UP_CALLBACKS,
        of_policy(),
        example={"method": "上门亲访", "evidence_ref": "QN-BJ-2026-0031", "answers": _ANSWERS},
    ),
    CommandRoute(
        "/callbacks/{policy_number}/special-application",
        ApplySpecialCallback,
        C.APPLY_SPECIAL_CALLBACK,
        of_policy(),
        example={
            "reason": "单位统一投保",
            "method": "上门亲访",
            "agreed_at": "2026-03-05T15:00:00+08:00",
            "customer_signed": True,
            "agent_signed": True,
            "application_ref": "SP-BJ-2026-007",
        },
        from_token={"agent_code": applying_agent},
    ),
    CommandRoute(
        "/callbacks/{policy_number}/special-decision",
        DecideSpecialCallback,
        C.APPROVE_SPECIAL_CALLBACK,
        of_policy(),
        example={"approve": True, "comment": "情况属实，同意上门回访"},
        from_token={"unit": deciding_unit},
    ),
]
