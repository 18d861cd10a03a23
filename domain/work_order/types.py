"""Work-order vocabulary (回访问题件工单), PC-01. Values are the Chinese terms stored in events."""

from __future__ import annotations

from domain.shared.labels import LabelledEnum


class WorkOrderType(LabelledEnum):
    """PC-01 work-order types; the values are the keys of ``WorkOrderParams`` deadlines."""

    VERIFICATION = "核实件"
    FIRST_EXPLANATION = "一次沟通解释件"
    SECOND_EXPLANATION = "二次沟通解释件"
    SALES_MISLEADING = "销售误导件"
    IN_PERSON_VISIT = "人工亲访件"
    PROXY_SIGNATURE = "代签字"


WorkOrderType._english = {
    "核实件": "verification",
    "一次沟通解释件": "first explanation",
    "二次沟通解释件": "second explanation",
    "销售误导件": "sales misleading",
    "人工亲访件": "in-person visit",
    "代签字": "proxy signature",
}

#: Work orders whose purpose is to get the callback itself done (PC-05): resolving
#: one re-opens the callback for a new cycle, completing the callback closes it.
CALLBACK_COMPLETING = frozenset({WorkOrderType.VERIFICATION, WorkOrderType.IN_PERSON_VISIT})


class WorkOrderState(LabelledEnum):
    OPEN = "处理中"
    RESOLVED = "已办结"
    WITHDRAWN = "已撤销"


WorkOrderState._english = {"处理中": "open", "已办结": "resolved", "已撤销": "withdrawn"}


class ResolutionKind(LabelledEnum):
    """How a work order was closed."""

    CALLBACK_REOPENED = "约定再次回访"  # PC-05: corrected contact and/or agreed call time
    CALLBACK_COMPLETED = "机构回访完成"  # CB-04: the branch completed the callback itself
    HANDLED = "已处理并取得客户签字"  # PC-06: problem case handled, customer signed


ResolutionKind._english = {
    "约定再次回访": "callback re-opened (new cycle)",
    "机构回访完成": "callback completed by the branch",
    "已处理并取得客户签字": "handled with the customer's signature",
}


class ObligationStatus(LabelledEnum):
    """PC-03 status of anything with a deadline (时效状态)."""

    NORMAL = "正常"
    WARNING = "警告"
    OVERDUE = "超时"
    CLOSED_ON_TIME = "按时完成"
    CLOSED_LATE = "逾期完成"


ObligationStatus._english = {
    "正常": "normal",
    "警告": "warning",
    "超时": "overdue",
    "按时完成": "closed on time",
    "逾期完成": "closed late",
}


class RecheckFailure(LabelledEnum):
    """Why a first explanation is escalated to a second one (PC-01 二次沟通解释件)."""

    NOT_REACHED = "未联系上投保人"
    UNRESOLVED = "问题未解决"


RecheckFailure._english = {"未联系上投保人": "customer not reached", "问题未解决": "doubt unresolved"}
