"""Complaint vocabulary (投诉), SL-01. Values are the Chinese terms stored in events."""

from __future__ import annotations

from domain.shared.labels import LabelledEnum


class ComplaintCategory(LabelledEnum):
    MISLEADING_SALES = "销售误导", "misleading sales"
    SERVICE = "服务", "service"
    CLAIM = "理赔", "claim"
    OTHER = "其他", "other"


class ComplaintChannel(LabelledEnum):
    PHONE = "电话", "phone"
    EMAIL = "邮件", "e-mail"
    COUNTER = "柜面", "counter"
    LETTER = "信函", "letter"
    ONLINE = "网络", "online"


class ComplaintOutcome(LabelledEnum):
    UPHELD = "支持", "upheld"
    PARTLY_UPHELD = "部分支持", "partly upheld"
    NOT_UPHELD = "不支持", "not upheld"


class ComplaintState(LabelledEnum):
    RECEIVED = "已受理", "received"
    ACKNOWLEDGED = "已响应", "acknowledged"
    DECIDED = "已办结", "decided"
