"""Work-order use cases (回访问题件工单): assignment, overdue statement, resolution, re-check,
and the reactions that tie work orders to callbacks.

Reactions (same atomic save as the command that caused them):
- ``Callback.OutcomeDecided`` → the work orders it names are created (PC-01, PC-02); a
  visit / letter by the branch closes the callback's open 核实件 (CB-04);
- ``WorkOrder.Resolved`` (re-open) → the callback starts a new cycle (PC-05);
- ``WorkOrder.Escalated`` → the 二次沟通解释件 is created (PC-01);
- ``Callback.Excluded`` → open 核实件 / 人工亲访件 are withdrawn (OC-06).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from pydantic import AwareDatetime, Field

from application.branches import require_known_branch
from application.callbacks import duplicate_verdict
from application.messages import Command
from application.unit_of_work import UnitOfWork
from domain.callback import Callback, CallbackMethod
from domain.callback.outcome import findings_for_work_order
from domain.shared.values import policy_number
from domain.work_order import ResolutionKind, WorkOrder, WorkOrderSource

if TYPE_CHECKING:
    from application.engine import TrailApplication


# ----- command models ---------------------------------------------------------------------
class AssignWorkOrder(Command):
    """工单分派 Assign to a handler (PC-06: never the selling agent for 销售误导件)."""

    work_order_id: UUID
    handler_id: str = Field(min_length=1, max_length=100)
    branch: str | None = Field(None, max_length=100, description="default: the policy's branch")


class FileOverdueStatement(Command):
    """逾期情况书面说明 Overdue statement, before the deadline only (PC-04)."""

    work_order_id: UUID
    reason: str = Field(min_length=1, max_length=1000)


class ResolveWorkOrder(Command):
    """工单回销 Resolve (PC-05 for 核实件; PC-06 customer-signature evidence for problem cases)."""

    work_order_id: UUID
    evidence_ref: str = Field("", max_length=200, description="customer-signed evidence reference")
    signed_by_customer: bool = Field(
        False, description="the customer signed personally (三禁止: no proxy signatures)"
    )
    agreed_call_at: AwareDatetime | None = Field(None, description="PC-05: agreed callback time")
    note: str = Field("", max_length=1000)


class RecordExplanationRecheck(Command):
    """一次沟通解释件复核 Re-check call after a first explanation; a failure escalates (PC-01)."""

    work_order_id: UUID
    reached: bool
    doubt_resolved: bool
    recording_ref: str = Field("", max_length=200)


# ----- helpers ---------------------------------------------------------------------------
def load_work_order(uow: UnitOfWork, work_order_id: UUID) -> WorkOrder:
    return uow.get(WorkOrder, work_order_id, f"work order {work_order_id} 工单")


def summary(wo: WorkOrder, uow: UnitOfWork) -> dict[str, Any]:
    return {
        "work_order_id": str(wo.id),
        "work_order_type": wo.work_order_type,
        "state": wo.state,
        "status": wo.status_at(uow.now).value,
        "deadline_on": wo.deadline_on.isoformat(),
        "escalated_to": str(wo.escalated_to) if wo.escalated_to else None,
    }


def _source(cb: Callback, event: Callback.OutcomeDecided, work_order_type: str) -> WorkOrderSource:
    findings = findings_for_work_order(work_order_type, event.findings)
    return WorkOrderSource(
        callback_id=cb.id,
        policy_number=cb.policy_number,
        branch=cb.branch,
        channel=cb.channel,
        product_type=cb.product_type,
        agent_code=cb.agent_code,
        outcome_no=event.outcome_no,
        cycle=event.cycle,
        outcome_class=event.outcome_class,
        subtype=findings[0].subtype if findings else event.subtype,
        subtypes=[f.subtype for f in findings],
        misleading=[f.misleading for f in findings if f.misleading],
        phone=event.phone,
    )


# ----- handlers ----------------------------------------------------------------------------
def assign_work_order(cmd: AssignWorkOrder, uow: UnitOfWork) -> dict[str, Any]:
    wo = load_work_order(uow, cmd.work_order_id)
    if cmd.branch is not None:
        require_known_branch(uow, cmd.branch)
    wo.assign(cmd.handler_id, cmd.branch, uow.ctx)
    return summary(wo, uow)


def file_overdue_statement(cmd: FileOverdueStatement, uow: UnitOfWork) -> dict[str, Any]:
    wo = load_work_order(uow, cmd.work_order_id)
    wo.file_overdue_statement(cmd.reason, uow.ctx)
    return summary(wo, uow)


def resolve_work_order(cmd: ResolveWorkOrder, uow: UnitOfWork) -> dict[str, Any]:
    wo = load_work_order(uow, cmd.work_order_id)
    cb = uow.get(Callback, wo.callback_id, f"callback of policy {wo.policy_number} 回访")
    wo.resolve(
        cmd.evidence_ref,
        cmd.signed_by_customer,
        cmd.agreed_call_at,
        cb.phone,
        cmd.note,
        uow.ctx,
    )
    return summary(wo, uow)


def record_explanation_recheck(cmd: RecordExplanationRecheck, uow: UnitOfWork) -> dict[str, Any]:
    wo = load_work_order(uow, cmd.work_order_id)
    wo.record_recheck(cmd.reached, cmd.doubt_resolved, cmd.recording_ref, uow.ctx)
    return summary(wo, uow)


# ----- reactions ----------------------------------------------------------------------------
def open_work_orders(event: Callback.OutcomeDecided, uow: UnitOfWork) -> None:
    """PC-01 / PC-02: create the work orders the outcome names (ids are deterministic)."""
    cb = uow.get(Callback, event.originator_id, "callback 回访")
    new_ids = {r.work_order_id for r in event.work_orders}
    if event.method != CallbackMethod.PHONE:
        # CB-04: the branch completed the callback itself: its open 核实件 is done.
        for wo_id in cb.work_order_ids:
            wo = uow.find(WorkOrder, wo_id) if wo_id not in new_ids else None
            if wo is not None:
                wo.close_by_callback(event.method, event.evidence_ref, uow.ctx)
    for request in event.work_orders:
        if uow.find(WorkOrder, request.work_order_id) is not None:
            continue
        wo = WorkOrder.open(
            request.work_order_id,
            request.work_order_type,
            _source(cb, event, request.work_order_type),
            uow.params.work_order,
            uow.calendar,
            uow.ctx,
        )
        uow.add(wo)


def reopen_callback(event: WorkOrder.Resolved, uow: UnitOfWork) -> None:
    """PC-05: a resolved 核实件 re-opens the callback for a new cycle (二次回访)."""
    if event.kind != ResolutionKind.CALLBACK_REOPENED:
        return
    wo = load_work_order(uow, event.originator_id)
    cb = uow.get(Callback, wo.callback_id, f"callback of policy {wo.policy_number} 回访")
    duplicate = duplicate_verdict(uow, cb.policy_number, cb.phone) if cb.phone_changed_since_sent else None
    cb.start_new_cycle(
        work_order_id=wo.id,
        agreed_call_at=event.agreed_call_at,
        duplicate=duplicate,
        params=uow.params.callback,
        ctx=uow.ctx,
    )


def open_second_explanation(event: WorkOrder.Escalated, uow: UnitOfWork) -> None:
    """PC-01: a failed re-check of a first explanation opens a 二次沟通解释件."""
    if uow.find(WorkOrder, event.second_work_order_id) is not None:
        return
    first = load_work_order(uow, event.originator_id)
    uow.add(
        WorkOrder.open_escalation(
            event.second_work_order_id, first, uow.params.work_order, uow.calendar, uow.ctx
        )
    )


def withdraw_work_orders(event: Callback.Excluded, uow: UnitOfWork) -> None:
    """OC-06: a cancelled policy needs no callback any more: its 核实件 are withdrawn.

    Problem cases (代签字, 销售误导件, explanations) stay open: a cancellation does
    not erase how the policy was sold.
    """
    cb = uow.get(Callback, event.originator_id, "callback 回访")
    for wo_id in cb.work_order_ids:
        wo = uow.find(WorkOrder, wo_id)
        if wo is not None and wo.completes_callback:
            wo.withdraw("犹豫期撤单 cancelled within cooling-off", uow.ctx)


# ----- queries (write side) --------------------------------------------------------------
def work_orders_for_policy(app: TrailApplication, number: str) -> list[WorkOrder]:
    """Every work order raised by a policy's callback, escalations included, in creation order."""
    number = policy_number(number)
    try:
        cb = app.get(Callback, Callback.id_for(number))
    except AggregateNotFoundError:
        return []
    found: list[WorkOrder] = []
    for wo_id in cb.work_order_ids:
        current: UUID | None = wo_id
        while current is not None:
            wo = app.get(WorkOrder, current)
            found.append(wo)
            current = wo.escalated_to
    return found
