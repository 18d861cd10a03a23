"""Service standards (SL-01..SL-04): complaint, renewal-reminder and claim command routes.

Keys are business numbers (投诉编号, 保单号 + 保险止期, 报案号); the owner of an existing
complaint or claim is its branch (and the named agent), of a renewal series its branch
and reminding agent, so a branch token acts on its own branch only and an agent token
on its own reminders only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from application.app import PolicyTrail
from application.claims import (
    AgreeClaimArrival,
    AgreeDifficultClaim,
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
from application.messages import Command
from application.renewals import EndRenewalReminders, OpenRenewalReminders, RecordRenewalReminder
from domain.claim import ClaimCase
from domain.complaint import Complaint
from domain.renewal import RenewalReminderSeries
from domain.shared.errors import InvalidInput
from domain.shared.values import policy_number
from interfaces.api.commands import CommandRoute
from interfaces.api.owners import OwnerRule, find, from_body
from interfaces.api.permissions import Capability as C
from interfaces.api.permissions import Owner

TAG = "service standards 服务标准"


def _by_key(cls: type[Any], key: Callable[[Command], str], owner: Callable[[Any], Owner]) -> OwnerRule:
    def rule(app: PolicyTrail, command: Command) -> Owner | None:
        try:
            found = find(app, cls, cls.id_for(key(command)))
        except InvalidInput:  # a malformed key: the command itself answers the clear error
            return None
        return owner(found) if found is not None else None

    return rule


_COMPLAINT = _by_key(
    Complaint,
    lambda c: c.complaint_no.strip(),  # type: ignore[attr-defined]
    lambda x: Owner(branch=x.branch, agent_code=x.agent_code or None),
)
_SERIES = _by_key(
    RenewalReminderSeries,
    lambda c: RenewalReminderSeries.key(policy_number(c.policy_number), c.expiry_on),  # type: ignore[attr-defined]
    lambda x: Owner(branch=x.branch, agent_code=x.agent_code),
)
_CLAIM = _by_key(ClaimCase, lambda c: c.claim_no.strip(), lambda x: Owner(branch=x.branch))  # type: ignore[attr-defined]

COMMANDS: list[CommandRoute] = [
    CommandRoute(
        "/complaints",
        ReceiveComplaint,
        C.HANDLE_COMPLAINTS,
        from_body("branch"),
        example={
            "complaint_no": "TS2026030001",
            "channel": "电话",
            "category": "销售误导",
            "customer": "张三",
            "branch": "北京分公司",
            "policy_number": "P2026000001",
            "summary": "业务员称分红收益保证",
        },
    ),
    CommandRoute(
        "/complaints/{complaint_no}/acknowledgement",
        AcknowledgeComplaint,
        C.HANDLE_COMPLAINTS,
        _COMPLAINT,
        example={"note": "已电话联系客户并记录诉求"},
    ),
    CommandRoute(
        "/complaints/{complaint_no}/complex",
        ClassComplaintComplex,
        C.HANDLE_COMPLAINTS,
        _COMPLAINT,
        example={"reason": "需调取双录资料并与销售机构核实"},
    ),
    CommandRoute(
        "/complaints/{complaint_no}/escalations",
        EscalateComplaint,
        C.HANDLE_COMPLAINTS,
        _COMPLAINT,
        example={"level": "分公司客服主管", "reason": "客户要求主管介入"},
    ),
    CommandRoute(
        "/complaints/{complaint_no}/decision",
        DecideComplaint,
        C.HANDLE_COMPLAINTS,
        _COMPLAINT,
        example={"outcome": "部分支持", "summary": "已致歉并退还首期保费"},
    ),
    CommandRoute(
        "/renewal-reminders",
        OpenRenewalReminders,
        C.REMIND_RENEWALS,
        from_body("branch", "agent_code"),
        example={
            "policy_number": "P2026000009",
            "expiry_on": "2026-06-30",
            "agent_code": "A0001",
            "branch": "北京分公司",
            "line": "车险",
        },
    ),
    CommandRoute(
        "/renewal-reminders/{policy_number}/{expiry_on}/reminders",
        RecordRenewalReminder,
        C.REMIND_RENEWALS,
        _SERIES,
        example={"method": "电话", "note": "客户同意续保"},
    ),
    CommandRoute(
        "/renewal-reminders/{policy_number}/{expiry_on}/end",
        EndRenewalReminders,
        C.REMIND_RENEWALS,
        _SERIES,
        example={"reason": "已续保"},
    ),
    CommandRoute(
        "/claims",
        ReportClaim,
        C.HANDLE_CLAIMS,
        from_body("branch"),
        example={
            "claim_no": "CL2026030001",
            "line": "车险",
            "area": "市内",
            "tier": "VIP",
            "branch": "北京分公司",
            "policy_number": "P2026000001",
            "customer": "李四",
            "scene_report": True,
        },
    ),
    CommandRoute(
        "/claims/{claim_no}/dispatch", DispatchClaim, C.HANDLE_CLAIMS, _CLAIM, example={"handler_id": "SV-01"}
    ),
    CommandRoute(
        "/claims/{claim_no}/arrival-agreement",
        AgreeClaimArrival,
        C.HANDLE_CLAIMS,
        _CLAIM,
        example={"agreed_at": "2026-03-02T11:30:00+08:00", "reason": "事故地点在郊县，客户同意"},
    ),
    CommandRoute(
        "/claims/{claim_no}/steps", RecordClaimStep, C.HANDLE_CLAIMS, _CLAIM, example={"step": "联系客户"}
    ),
    CommandRoute(
        "/claims/{claim_no}/exclusions",
        ExcludeClaimStep,
        C.HANDLE_CLAIMS,
        _CLAIM,
        example={"step": "到达现场", "reason": "交通环境", "note": "暴雨封路"},
    ),
    CommandRoute(
        "/claims/{claim_no}/assessment-plan",
        SettleAssessmentPlan,
        C.HANDLE_CLAIMS,
        _CLAIM,
        example={"estimated_loss": "20000.00"},
    ),
    CommandRoute(
        "/claims/{claim_no}/documents-complete",
        CompleteClaimDocuments,
        C.HANDLE_CLAIMS,
        _CLAIM,
        example={"claim_amount": "20000.00"},
    ),
    CommandRoute(
        "/claims/{claim_no}/difficult-case",
        AgreeDifficultClaim,
        C.HANDLE_CLAIMS,
        _CLAIM,
        example={"agreed_due_at": "2026-03-20T18:00:00+08:00", "reason": "责任比例与客户协商"},
    ),
    CommandRoute(
        "/claims/{claim_no}/closure", CloseClaim, C.HANDLE_CLAIMS, _CLAIM, example={"amount_paid": "19800.00"}
    ),
    CommandRoute(
        "/claims/{claim_no}/care-calls",
        RecordCareCall,
        C.RECORD_CALLS,
        _CLAIM,
        example={"step": "结案关怀回访", "reached": True, "recording_ref": "REC-20260317-1002-0001"},
    ),
]
