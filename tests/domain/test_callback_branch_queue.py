"""OC-05 branch work-queue order and PC-07 agent warnings, pure domain (no database)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from domain.callback.agent_quality import AgentMonth, assess_agent
from domain.callback.queue import queue_group, queue_key
from domain.parameters import WorkOrderParams
from domain.shared.errors import InvalidInput
from domain.shared.time import SHANGHAI

TODAY = date(2026, 5, 10)


def due(day: int, month: int = 5) -> datetime:
    return datetime(2026, month, day, 23, 59, tzinfo=SHANGHAI)


def test_oc05_verifications_first_then_problem_cases_by_month_sent_then_earliest_due():
    """OC-05: 核实件; last month's 问题件/次标准件; the month before; older; earliest due inside."""
    items = {
        "older problem": ("问题件", date(2026, 1, 20), due(1)),
        "two months ago": ("次标准件", date(2026, 3, 3), due(2)),
        "last month late due": ("问题件", date(2026, 4, 2), due(20)),
        "last month early due": ("次标准件", date(2026, 4, 28), due(9)),
        "this month": ("问题件", date(2026, 5, 2), due(12)),
        "verification": ("核实件", date(2026, 5, 9), due(16)),
    }
    ordered = sorted(items, key=lambda k: queue_key(*items[k], TODAY, k))
    assert ordered == [
        "verification",
        "last month early due",
        "this month",
        "last month late due",
        "two months ago",
        "older problem",
    ]


def test_oc05_standard_callbacks_are_not_worked_by_the_branch():
    """OC-05: 标准件 is closed, nothing goes to the branch queue."""
    assert queue_group("问题件", date(2025, 12, 31), date(2026, 2, 1)) == 2  # across a year end
    with pytest.raises(InvalidInput):
        queue_group("标准件", TODAY, TODAY)


def test_pc07_agent_warned_below_90_percent_and_investigated_after_three_months_in_a_row():
    """PC-07: < 90% success in a month → warning; 3 consecutive warned months → 契约调查."""
    months = [
        AgentMonth("2026-01", due=10, succeeded=9),  # exactly 90%: no warning
        AgentMonth("2026-02", due=10, succeeded=8),
        AgentMonth("2026-03", due=20, succeeded=17),
        AgentMonth("2026-04", due=10, succeeded=5),
        AgentMonth("2026-06", due=10, succeeded=5),  # May missing: the run restarts
    ]
    result = assess_agent(months, WorkOrderParams())
    assert [(r.month, r.warned, r.warned_run, r.investigation) for r in result] == [
        ("2026-01", False, 0, False),
        ("2026-02", True, 1, False),
        ("2026-03", True, 2, False),
        ("2026-04", True, 3, True),
        ("2026-06", True, 1, False),
    ]
    assert result[2].success_rate == Decimal("0.85")


def test_pc07_thresholds_are_configurable_and_months_without_callbacks_are_not_warned():
    """PC-07: 90% and 3 months are config; a month with nothing due has no rate."""
    params = WorkOrderParams(agent_warning_rate=Decimal("0.95"), investigation_after_warned_months=2)
    result = assess_agent(
        [AgentMonth("2026-01", 20, 18), AgentMonth("2026-02", 0, 0), AgentMonth("2026-03", 20, 18)],
        params,
    )
    assert [(r.warned, r.investigation, r.success_rate) for r in result] == [
        (True, False, Decimal("0.9")),
        (False, False, None),
        (True, False, Decimal("0.9")),
    ]
