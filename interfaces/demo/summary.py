"""The month's KPIs per branch and channel, computed from the stored events (事件直算).

A stop-gap until the KPI / scorecard read models exist: it reads only the event
types it needs from the notification log. Definitions:

- callbacks due 应回访: callbacks opened (receipt registered, CB-03), less those
  cancelled within cooling-off (OC-06 leaves them out of the denominator);
- successful 回访成功 (OC-06, 监管口径): reached and questionnaire completed —
  标准件, 次标准件 and 问题件 all count; "within cooling-off" also needs completion
  on or before the cooling-off end;
- work orders 工单: open / closed at ``as_of``; overdue 逾期 = still open past the
  deadline (超时) or closed after it (逾期办结), PC-03;
- service cases 服务件: cases opened for the branch's policies (PS-01).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.callback import Callback
from domain.policy import Policy
from domain.service_case import ServiceCase
from domain.work_order import WorkOrder

if TYPE_CHECKING:
    from application.app import PolicyTrail

SOURCE = "computed from the events 由事件直接计算 (not a read model)"

_EVENTS = (
    Policy.Issued,
    Callback.Opened,
    Callback.OutcomeDecided,
    Callback.Excluded,
    WorkOrder.Created,
    WorkOrder.Resolved,
    WorkOrder.Withdrawn,
    ServiceCase.Opened,
)


@dataclass
class KpiRow:
    branch: str
    channel: str
    policies: int = 0
    callbacks_due: int = 0
    successful: int = 0
    successful_in_cooling_off: int = 0
    work_orders_open: int = 0
    work_orders_closed: int = 0
    work_orders_overdue: int = 0
    service_cases: int = 0

    @property
    def success_rate(self) -> float | None:
        return self.successful / self.callbacks_due if self.callbacks_due else None

    @property
    def success_rate_in_cooling_off(self) -> float | None:
        return self.successful_in_cooling_off / self.callbacks_due if self.callbacks_due else None

    @classmethod
    def total_of(cls, rows: list[KpiRow], label: str) -> KpiRow:
        """A totals row: every count summed over ``rows``."""
        total = cls(label, "")
        for f in fields(cls):
            if f.type in (int, "int"):
                setattr(total, f.name, sum(getattr(r, f.name) for r in rows))
        return total


@dataclass
class _Callback:
    key: tuple[str, str]
    excluded: bool = False
    success: bool = False
    in_cooling_off: bool = False


@dataclass
class _WorkOrder:
    key: tuple[str, str]
    deadline_at: datetime
    closed: bool = False
    late: bool = False


@dataclass
class _Tally:
    policies: dict[str, tuple[str, str]] = field(default_factory=dict)
    callbacks: dict[UUID, _Callback] = field(default_factory=dict)
    work_orders: dict[UUID, _WorkOrder] = field(default_factory=dict)
    cases: list[tuple[str, str]] = field(default_factory=list)

    def apply(self, event: Any) -> None:
        if isinstance(event, Policy.Issued):
            self.policies[event.facts.number] = (event.facts.branch, event.facts.channel)
        elif isinstance(event, Callback.Opened):
            self.callbacks[event.originator_id] = _Callback((event.branch, event.channel))
        elif isinstance(event, Callback.OutcomeDecided):
            cb = self.callbacks.get(event.originator_id)
            if cb is not None and event.success and not cb.success:
                cb.success, cb.in_cooling_off = True, event.success_within_cooling_off
        elif isinstance(event, Callback.Excluded):
            if event.originator_id in self.callbacks:
                self.callbacks[event.originator_id].excluded = True
        elif isinstance(event, WorkOrder.Created):
            self.work_orders[event.originator_id] = _WorkOrder(
                (event.branch, event.channel), event.deadline_at
            )
        elif isinstance(event, WorkOrder.Resolved | WorkOrder.Withdrawn):
            wo = self.work_orders.get(event.originator_id)
            if wo is not None:
                wo.closed = True
                wo.late = isinstance(event, WorkOrder.Resolved) and not event.on_time
        elif isinstance(event, ServiceCase.Opened):
            self.cases.append(self.policies.get(event.policy_number, (event.branch, "-")))


def kpi_summary(app: PolicyTrail, as_of: datetime, page: int = 5000) -> list[KpiRow]:
    """KPI rows by (branch, channel), in branch then channel order, plus a total row."""
    tally = _Tally()
    topics = [get_topic(cls) for cls in _EVENTS]
    start = 1
    while True:
        notifications = app.recorder.select_notifications(start, page, topics=topics)
        for n in notifications:
            event = app.mapper.to_domain_event(n)
            if getattr(event, "occurred_at", as_of) <= as_of:
                tally.apply(event)
        if len(notifications) < page:
            break
        start = notifications[-1].id + 1
    rows: dict[tuple[str, str], KpiRow] = {}

    def row(key: tuple[str, str]) -> KpiRow:
        return rows.setdefault(key, KpiRow(*key))

    for key in tally.policies.values():
        row(key).policies += 1
    for cb in tally.callbacks.values():
        if cb.excluded:
            continue
        r = row(cb.key)
        r.callbacks_due += 1
        r.successful += cb.success
        r.successful_in_cooling_off += cb.success and cb.in_cooling_off
    for wo in tally.work_orders.values():
        r = row(wo.key)
        if wo.closed:
            r.work_orders_closed += 1
        else:
            r.work_orders_open += 1
        r.work_orders_overdue += wo.late or (not wo.closed and wo.deadline_at < as_of)
    for key in tally.cases:
        row(key).service_cases += 1
    ordered = [rows[k] for k in sorted(rows)]
    return [*ordered, KpiRow.total_of(ordered, "合计 total")]
