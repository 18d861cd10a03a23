"""回访问题件 Work orders: the command route table (key: the work order id)."""

from __future__ import annotations

from application.work_orders import (
    AssignWorkOrder,
    FileOverdueStatement,
    RecordExplanationRecheck,
    ResolveWorkOrder,
)
from domain.work_order import WorkOrder
from interfaces.api.commands import CommandRoute
from interfaces.api.owners import of_aggregate
from interfaces.api.permissions import Capability as C
from interfaces.api.permissions import Owner

TAG = "work orders 问题件"


def _owner(wo: WorkOrder) -> Owner:
    return Owner(branch=wo.branch, agent_code=wo.agent_code)


_OWNER = of_aggregate(WorkOrder, "work_order_id", _owner)

COMMANDS: list[CommandRoute] = [
    CommandRoute(
        "/work-orders/{work_order_id}/assignment",
        AssignWorkOrder,
        C.HANDLE_WORK_ORDERS,
        _OWNER,
        example={"handler_id": "BJ-QC-012"},
    ),
    CommandRoute(
        "/work-orders/{work_order_id}/overdue-statements",
        FileOverdueStatement,
        C.HANDLE_WORK_ORDERS,
        _OWNER,
        example={"reason": "客户出差在外，约定返京后上门回访"},
    ),
    CommandRoute(
        "/work-orders/{work_order_id}/resolution",
        ResolveWorkOrder,
        C.HANDLE_WORK_ORDERS,
        _OWNER,
        example={
            "evidence_ref": "WO-EVID-2026-0045",
            "signed_by_customer": True,
            "agreed_call_at": "2026-03-06T10:00:00+08:00",
            "note": "已更正联系电话，约定回访时间",
        },
    ),
    CommandRoute(
        "/work-orders/{work_order_id}/explanation-rechecks",
        RecordExplanationRecheck,
        C.RECORD_CALLS,
        _OWNER,
        example={"reached": True, "doubt_resolved": True, "recording_ref": "REC-20260306-0932-0007"},
    ),
]
