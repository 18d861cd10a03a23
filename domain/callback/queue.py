"""Branch work-queue order (机构回访件处理顺序), OC-05.

S1 (新契约回访及处理操作要点, 电话回访处理顺序): 1. 核实件; 2. 上月下发的问题件/次标准件;
3. 上上月下发的问题件/次标准件; 4. 其他月份下发的问题件/次标准件. Inside a group,
earliest due first.

Reading: the branches receive the problem cases of a month at the start of the
next; anything sent in the current month is newer than "last month" and is
worked with that most recent group (group 1).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from domain.callback.labels import OutcomeClass
from domain.shared.errors import InvalidInput


class QueueKey(NamedTuple):
    group: int
    due_at: datetime
    tiebreak: str


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def queue_group(outcome_class: str, sent_on: date, today: date) -> int:
    """OC-05: 0 核实件; 1 last (or this) month's 问题件/次标准件; 2 the month before; 3 older."""
    if outcome_class == OutcomeClass.VERIFICATION:
        return 0
    if outcome_class not in (OutcomeClass.PROBLEM, OutcomeClass.SUB_STANDARD):
        raise InvalidInput(f"{outcome_class} is not worked by the branch", f"{outcome_class}无需机构处理")
    months_back = _month_index(today) - _month_index(sent_on)
    if months_back <= 1:
        return 1
    if months_back == 2:
        return 2
    return 3


def queue_key(
    outcome_class: str, sent_on: date, due_at: datetime, today: date, tiebreak: str = ""
) -> QueueKey:
    """OC-05 sort key of one branch work item (sort ascending)."""
    return QueueKey(queue_group(outcome_class, sent_on, today), due_at, tiebreak)
