"""The callback scenarios of the demo (回访情景) and how often each happens.

Shares are per callback due; they give the mix a callback manager expects: most
callbacks succeed on the first or second attempt, ~10-15% go to the branch as 核实件,
a few % are 问题件. Work orders are handled on time mostly, some late (with or without
an overdue statement, PC-04), some still open at month end.
"""

from __future__ import annotations

import random
from enum import StrEnum
from typing import TypeVar

K = TypeVar("K")


class Scenario(StrEnum):
    STANDARD = "标准件"
    SUBSTANDARD = "次标准件"
    EXPLANATION = "问题件/沟通解释"
    MISLEADING = "问题件/销售误导"
    PROXY = "问题件/代签字"
    UNREACHABLE = "核实件/三次未接通"
    EXPIRED = "核实件/周期届满"
    WRONG_NUMBER = "核实件/空号错号"
    REFUSED = "核实件/拒访"
    DENIES = "核实件/否认投保"
    LANGUAGE = "核实件/语言不通"
    NOT_RECEIVED = "核实件/未收到合同"
    MISMATCH = "核实件/身份信息不符"
    IDENTITY_REFUSED = "核实件/拒绝核实"
    ABANDONED = "通话中断后成功"
    CANCELLED = "犹豫期撤单"
    SPECIAL = "特殊回访/批准"
    SPECIAL_REJECTED = "特殊回访/驳回"


SCENARIO_SHARES: dict[Scenario, float] = {
    Scenario.STANDARD: 0.790,
    Scenario.SUBSTANDARD: 0.065,
    Scenario.EXPLANATION: 0.018,
    Scenario.MISLEADING: 0.006,
    Scenario.PROXY: 0.008,
    Scenario.UNREACHABLE: 0.050,
    Scenario.EXPIRED: 0.004,
    Scenario.WRONG_NUMBER: 0.012,
    Scenario.REFUSED: 0.008,
    Scenario.DENIES: 0.003,
    Scenario.LANGUAGE: 0.004,
    Scenario.NOT_RECEIVED: 0.008,
    Scenario.MISMATCH: 0.004,
    Scenario.IDENTITY_REFUSED: 0.002,
    Scenario.ABANDONED: 0.008,
    Scenario.CANCELLED: 0.012,
    Scenario.SPECIAL: 0.005,
    Scenario.SPECIAL_REJECTED: 0.001,
}

#: failed attempts before the policyholder is reached: 0, 1, 2
FAILURES_BEFORE_REACH = (0.62, 0.27, 0.11)
FAILED_RESULTS: dict[str, float] = {
    "无人接听": 0.45,
    "关机": 0.2,
    "占线": 0.15,
    "挂断": 0.12,
    "非本人接听": 0.08,
}


class Fate(StrEnum):
    """How the branch handles a 核实件 (PC-05, CB-04)."""

    AGREED = "约定时间再次回访"
    CONTACT = "变更联系电话后再次回访"
    VISIT = "上门或信函回访"


#: 核实件 subtype → how the branch handles it
FATES: dict[str, dict[Fate, float]] = {
    "联系不上": {Fate.AGREED: 0.6, Fate.CONTACT: 0.25, Fate.VISIT: 0.15},
    "电话有误": {Fate.CONTACT: 1.0},
    "重复号码": {Fate.CONTACT: 1.0},
    "拒访": {Fate.VISIT: 0.5, Fate.AGREED: 0.5},
    "语言沟通不畅": {Fate.VISIT: 1.0},  # 人工亲访件: only a visit completes it
    "未收到合同": {Fate.AGREED: 0.85, Fate.VISIT: 0.15},
    "保单信息有误": {Fate.AGREED: 1.0},
}


class Timeliness(StrEnum):
    ON_TIME = "按时办结"
    LATE = "逾期办结"
    LATE_WITH_STATEMENT = "逾期办结（已书面说明）"
    OPEN = "未办结"
    OPEN_WITH_STATEMENT = "未办结（已书面说明）"


TIMELINESS_SHARES: dict[Timeliness, float] = {
    Timeliness.ON_TIME: 0.72,
    Timeliness.LATE: 0.08,
    Timeliness.LATE_WITH_STATEMENT: 0.05,
    Timeliness.OPEN: 0.10,
    Timeliness.OPEN_WITH_STATEMENT: 0.05,
}

#: share of first explanations whose re-check call fails (→ 二次沟通解释件)
RECHECK_FAILS = 0.2


def pick(rng: random.Random, shares: dict[K, float]) -> K:
    keys = list(shares)
    return rng.choices(keys, weights=[shares[k] for k in keys])[0]
