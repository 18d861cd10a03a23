"""Claim vocabulary (理赔), SL-03 / SL-04. Values are the Chinese terms stored in events."""

from __future__ import annotations

from domain.shared.labels import LabelledEnum


class ClaimLine(LabelledEnum):
    MOTOR = "车险", "motor"
    PROPERTY = "财产险", "property"
    ACCIDENT_HEALTH = "意健险", "accident & health"


class Area(LabelledEnum):
    CITY = "市内", "city"
    SUBURB = "市郊", "suburb"


class CustomerTier(LabelledEnum):
    VIP = "VIP", "VIP"
    ORDINARY = "普通", "ordinary"


class ClaimStep(LabelledEnum):
    """The timed steps of a claim (SL-03) and its care callbacks (SL-04)."""

    CONTACT = "联系客户", "customer contact"
    ON_SITE = "到达现场", "on site"
    ASSESSMENT = "定损", "loss assessment"
    APPROVAL = "核赔", "claim approval"
    INCIDENT_CARE = "出险关怀回访", "incident care callback"
    CLOSURE_CARE = "结案关怀回访", "closure care callback"


class SiteExclusion(LabelledEnum):
    """SL-03c: objective causes that excuse a late contact / arrival (服务除外条件)."""

    COMMUNICATION = "通讯中断", "communication down"
    TRAFFIC = "交通环境", "traffic"
    LOCATION = "地理位置", "location"


class ApprovalExclusion(LabelledEnum):
    """SL-03g: 非正常案件 stops the 核赔 clock until the documents are complete again."""

    LIABILITY_UNCLEAR = "保险责任不明确", "liability unclear"
    DOCUMENTS_INCOMPLETE = "单证不齐全", "documents incomplete"


#: SL-04c: a care callback given up after the attempts of its cycle
UNREACHABLE = "无法联系客户"
