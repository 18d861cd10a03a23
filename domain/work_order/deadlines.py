"""Work-order deadlines (处理时效), PC-02.

7 natural days from creation for 核实件, 人工亲访件, 一次/二次沟通解释件 and 代签字
*(config)*; 15 working days for 销售误导件 (REG-03), counted on the PRC
working-day calendar (weekends, public holidays and 调休 make-up days), which is
passed in. The creation day itself is not counted (S1: "产生日起7日内", read as the
cooling-off count of CB-03: from the next day), and the deadline lasts the whole
Shanghai day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from domain.shared.calendar import WorkingDayCalendar, add_working_days
from domain.shared.labels import LabelledEnum
from domain.work_order.status import deadline_at
from domain.work_order.types import WorkOrderType

if TYPE_CHECKING:  # annotations only: domain.parameters keys deadlines by WorkOrderType
    from domain.parameters import WorkOrderParams


class DayBasis(LabelledEnum):
    NATURAL = "自然日", "natural days"
    WORKING = "工作日", "working days"


@dataclass(frozen=True)
class Deadline:
    due_on: date
    due_at: datetime
    basis: str
    days: int
    rule_id: str = "PC-02"


def deadline_for(
    work_order_type: str,
    created_on: date,
    params: WorkOrderParams,
    calendar: WorkingDayCalendar,
) -> Deadline:
    """PC-02: the deadline of a work order created on ``created_on``."""
    kind = WorkOrderType(work_order_type)
    if kind == WorkOrderType.SALES_MISLEADING:
        days = params.misleading_working_days
        due = add_working_days(created_on, days, calendar)
        return Deadline(due, deadline_at(due), DayBasis.WORKING.value, days)
    days = params.natural_day_deadlines[kind]
    due = created_on + timedelta(days=days)
    return Deadline(due, deadline_at(due), DayBasis.NATURAL.value, days)
