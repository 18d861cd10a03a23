"""Complaint vocabulary (投诉), SL-01. Values are the Chinese terms stored in events."""

from __future__ import annotations

from domain.shared.labels import LabelledEnum


class ComplaintCategory(LabelledEnum):
    MISLEADING_SALES = "销售误导"
    SERVICE = "服务"
    CLAIM = "理赔"
    OTHER = "其他"


ComplaintCategory._english = {
    "销售误导": "misleading sales",
    "服务": "service",
    "理赔": "claim",
    "其他": "other",
}


class ComplaintChannel(LabelledEnum):
    PHONE = "电话"
    EMAIL = "邮件"
    COUNTER = "柜面"
    LETTER = "信函"
    ONLINE = "网络"


ComplaintChannel._english = {
    "电话": "phone",
    "邮件": "e-mail",
    "柜面": "counter",
    "信函": "letter",
    "网络": "online",
}


class ComplaintOutcome(LabelledEnum):
    UPHELD = "支持"
    PARTLY_UPHELD = "部分支持"
    NOT_UPHELD = "不支持"


ComplaintOutcome._english = {"支持": "upheld", "部分支持": "partly upheld", "不支持": "not upheld"}


class ComplaintState(LabelledEnum):
    RECEIVED = "已受理"
    ACKNOWLEDGED = "已响应"
    DECIDED = "已办结"


ComplaintState._english = {"已受理": "received", "已响应": "acknowledged", "已办结": "decided"}
