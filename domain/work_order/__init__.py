"""Work orders raised by callbacks (回访问题件), PC-01..06, and the timeliness status (PC-03).

``obligation_status`` is the one place where 正常/警告/超时 (and 按时完成/逾期完成) is
decided; read models import it from here for every deadline-type obligation.
"""

from domain.work_order.aggregate import WorkOrder, WorkOrderSource
from domain.work_order.deadlines import Deadline, deadline_for
from domain.work_order.status import deadline_at, obligation_status, warning_lead
from domain.work_order.types import (
    CALLBACK_COMPLETING,
    ObligationStatus,
    RecheckFailure,
    ResolutionKind,
    WorkOrderState,
    WorkOrderType,
)

__all__ = [
    "CALLBACK_COMPLETING",
    "Deadline",
    "ObligationStatus",
    "RecheckFailure",
    "ResolutionKind",
    "WorkOrder",
    "WorkOrderSource",
    "WorkOrderState",
    "WorkOrderType",
    "deadline_at",
    "deadline_for",
    "obligation_status",
    "warning_lead",
]
