"""Query parameters of the read-model GETs (查询参数): types, examples, edge checks."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Query

from domain.planner_score import month_of
from domain.shared.errors import InvalidInput
from domain.shared.time import business_date
from domain.work_order import ObligationStatus
from interfaces.input_checks import check_storable
from projections.timeliness.obligations import ObligationKind

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
RULE_PATTERN = r"^[A-Z]{2,4}-\d{2}[a-z]?$"  # sub-items such as SL-01b


class StatusParam(StrEnum):
    """PC-03 status (时效状态) as a URL slug."""

    NORMAL = "normal"  # 正常
    WARNING = "warning"  # 警告
    OVERDUE = "overdue"  # 超时
    CLOSED_ON_TIME = "closed_on_time"  # 按时完成
    CLOSED_LATE = "closed_late"  # 逾期完成

    @property
    def status(self) -> ObligationStatus:
        return ObligationStatus[self.name]


class KindParam(StrEnum):
    """Obligation kind (时效事项) as a URL slug."""

    CALLBACK = "callback"  # 犹豫期内回访成功 CB-03
    RECEIPT_REGISTRATION = "receipt_registration"  # 回执回销时效 CB-05
    WORK_ORDER = "work_order"  # 问题件处理时效 PC-02
    SERVICE_CARD = "service_card"  # 客户服务卡建立 PS-03
    DIFFICULT_CASE_REPORT = "difficult_case_report"  # 疑难件报告书递交 PS-04
    SURVIVAL_BENEFIT_NOTICE = "survival_benefit_notice"  # 生存金返还通知书送达 PS-04
    COMPLAINT_ACK = "complaint_ack"  # 投诉24小时响应 SL-01b
    COMPLAINT_DECISION = "complaint_decision"  # 投诉处理时效 SL-01c
    RENEWAL_REMINDER = "renewal_reminder"  # 续保提醒 SL-02b
    CLAIM_STEP = "claim_step"  # 理赔时效 SL-03
    CARE_CALLBACK = "care_callback"  # 理赔关怀回访 SL-04

    @property
    def kind(self) -> ObligationKind:
        return ObligationKind[self.name]


def _text(description: str, example: str, max_length: int = 60) -> Any:
    return Query(min_length=1, max_length=max_length, description=description, examples=[example])


Branch = Annotated[str | None, _text("机构 branch", "北京分公司")]
Channel = Annotated[str | None, _text("渠道 channel", "个险", 20)]
ProductTypeParam = Annotated[str | None, _text("产品类型 product type", "分红", 20)]
AgentCodeParam = Annotated[str | None, _text("业务员工号 agent code", "A0001", 20)]
PolicyNumberParam = Annotated[str | None, _text("保单号 policy number", "P2026000001", 40)]
Month = Annotated[
    str | None,
    Query(pattern=MONTH_PATTERN, description="月份 YYYY-MM (default: this month)", examples=["2026-03"]),
]
DueFrom = Annotated[
    date | None, Query(description="due on or after this day 到期起", examples=["2026-03-01"])
]
DueTo = Annotated[date | None, Query(description="due on or before this day 到期止", examples=["2026-03-31"])]


def this_month(now: datetime) -> str:
    return month_of(business_date(now))


def checked(**values: Any) -> None:
    """400 for text PostgreSQL cannot take, dates out of range, naive times."""
    for name, value in values.items():
        check_storable(value, name)
        if isinstance(value, datetime) and value.tzinfo is None:
            raise InvalidInput(
                f"{name} must be timezone-aware (e.g. 2026-03-01T00:00:00+08:00)", f"{name} 必须带时区"
            )


def ordered(first: Any, last: Any, names: str) -> None:
    if first is not None and last is not None and first > last:
        raise InvalidInput(f"{names}: the start is after the end", f"{names}：起点晚于终点")
