"""Agent warning and contract-quality investigation (预警 / 契约调查), PC-07.

S1 (新契约回访管控措施): "公司每月对新契约电话回访成功率偏低的服务员发送预警短信，如果
电话回访成功率持续偏低将被设置契约调查". An agent whose monthly callback success
rate (OC-06) is below 90% *(config)* is warned; N consecutive warned months
*(config, 3)* flag the agent for a 契约调查. The scorecards read model feeds the
monthly counts in; this function decides.

Readings: a month with no callback due has no rate, is not warned and breaks a run;
months must be calendar-consecutive to count as a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.parameters import WorkOrderParams
from domain.shared.errors import InvalidInput


@dataclass(frozen=True)
class AgentMonth:
    """One agent-month of callback counts: callbacks due and successful (OC-06)."""

    month: str  # "YYYY-MM"
    due: int
    succeeded: int


@dataclass(frozen=True)
class AgentMonthAssessment:
    month: str
    success_rate: Decimal | None
    warned: bool
    warned_run: int
    investigation: bool
    rule_id: str = "PC-07"


def _index(month: str) -> int:
    try:
        year, mon = (int(part) for part in month.split("-"))
    except ValueError:
        raise InvalidInput(f"month {month!r} must be YYYY-MM", f"月份 {month!r} 应为 YYYY-MM") from None
    if not 1 <= mon <= 12:
        raise InvalidInput(f"month {month!r} must be YYYY-MM", f"月份 {month!r} 应为 YYYY-MM")
    return year * 12 + mon - 1


def assess_agent(months: list[AgentMonth], params: WorkOrderParams) -> list[AgentMonthAssessment]:
    """PC-07: per month, the success rate, whether it is warned, and whether to investigate."""
    result: list[AgentMonthAssessment] = []
    run = 0
    previous: int | None = None
    for m in sorted(months, key=lambda m: _index(m.month)):
        if m.due < 0 or not 0 <= m.succeeded <= max(m.due, 0):
            raise InvalidInput(
                f"{m.month}: succeeded must be between 0 and due",
                f"{m.month}：成功件数须在 0 与应访件数之间",
            )
        index = _index(m.month)
        rate = (Decimal(m.succeeded) / Decimal(m.due)) if m.due else None
        warned = rate is not None and rate < params.agent_warning_rate
        consecutive = previous is not None and index == previous + 1
        run = (run + 1 if consecutive else 1) if warned else 0
        previous = index
        result.append(
            AgentMonthAssessment(
                month=m.month,
                success_rate=rate,
                warned=warned,
                warned_run=run,
                investigation=run >= params.investigation_after_warned_months,
            )
        )
    return result
