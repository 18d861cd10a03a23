"""Work-order vocabulary (回访问题件工单), PC-01. Values are the Chinese terms stored in events."""

from __future__ import annotations

from domain.shared.labels import LabelledEnum


class WorkOrderType(LabelledEnum):
    """PC-01 work-order types; the values are the keys of ``WorkOrderParams`` deadlines."""

    VERIFICATION = "核实件", "verification"
    FIRST_EXPLANATION = "一次沟通解释件", "first explanation"
    SECOND_EXPLANATION = "二次沟通解释件", "second explanation"
    SALES_MISLEADING = "销售误导件", "sales misleading"
    IN_PERSON_VISIT = "人工亲访件", "in-person visit"
    PROXY_SIGNATURE = "代签字", "proxy signature"


#: Work orders whose purpose is to get the callback itself done (PC-05): resolving
#: one re-opens the callback for a new cycle, completing the callback closes it.
CALLBACK_COMPLETING = frozenset({WorkOrderType.VERIFICATION, WorkOrderType.IN_PERSON_VISIT})


class WorkOrderState(LabelledEnum):
    OPEN = "处理中", "open"
    RESOLVED = "已办结", "resolved"
    WITHDRAWN = "已撤销", "withdrawn"


class ResolutionKind(LabelledEnum):
    """How a work order was closed."""

    CALLBACK_REOPENED = (
        "约定再次回访",
        "callback re-opened (new cycle)",
    )  # PC-05: corrected contact and/or agreed call time
    CALLBACK_COMPLETED = (
        "机构回访完成",
        "callback completed by the branch",
    )  # CB-04: the branch completed the callback itself
    HANDLED = (
        "已处理并取得客户签字",
        "handled with the customer's signature",
    )  # PC-06: problem case handled, customer signed


class ObligationStatus(LabelledEnum):
    """PC-03 status of anything with a deadline (时效状态)."""

    NORMAL = "正常", "normal"
    WARNING = "警告", "warning"
    OVERDUE = "超时", "overdue"
    CLOSED_ON_TIME = "按时完成", "closed on time"
    CLOSED_LATE = "逾期完成", "closed late"


class RecheckFailure(LabelledEnum):
    """Why a first explanation is escalated to a second one (PC-01 二次沟通解释件)."""

    NOT_REACHED = "未联系上投保人", "customer not reached"
    UNRESOLVED = "问题未解决", "doubt unresolved"
