"""CR-01 客户资源类别 (customer resource classes): their own module so that the rule
parameters (``domain.parameters``) can key the class shares by them without importing
the allocation aggregate."""

from __future__ import annotations

from domain.shared.labels import LabelledEnum


class ResourceClass(LabelledEnum):
    """CR-01 客户资源类别."""

    MATURITY = "满期", "maturity"
    RENEWAL = "续期", "renewal"
    OLD_CUSTOMER = "老客户", "old customer"
    NOT_YET_MATURED = "未到期", "not yet matured"
    OTHER = "其他", "other"
