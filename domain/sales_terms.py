"""Sales vocabulary the rule parameters are keyed by (渠道, 产品类型).

Apart from ``policy`` so that ``parameters`` can key its tables by these enums
(``policy`` itself reads the parameters). ``domain.policy`` re-exports both.
"""

from __future__ import annotations

from domain.shared.labels import LabelledEnum


class Channel(LabelledEnum):
    """Sales channel (渠道)."""

    AGENCY = "个险", "agency"
    BANCASSURANCE = "银保", "bancassurance"
    TELESALES = "电销", "telesales"
    ONLINE = "网销", "online"
    BROKERAGE = "经代", "brokerage"


class ProductType(LabelledEnum):
    """Product type (产品类型), drives the questionnaire (QN-01)."""

    TRADITIONAL = "传统", "traditional"
    PARTICIPATING = "分红", "participating"
    UNIVERSAL = "万能", "universal"
    INVESTMENT_LINKED = "投连", "investment-linked"
