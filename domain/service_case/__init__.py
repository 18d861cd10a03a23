"""Policy-service cases (保单服务件, PS-01..06): the case, its per-policy index, vocabulary."""

from domain.service_case.case import ServiceCase
from domain.service_case.index import ServiceCaseIndex
from domain.service_case.vocabulary import (
    CaseStatus,
    CaseTrigger,
    ContactMethod,
    ContactParty,
    ReinstatementOutcome,
    ServiceClass,
    ServiceItem,
    ServiceSource,
)

__all__ = [
    "CaseStatus",
    "CaseTrigger",
    "ContactMethod",
    "ContactParty",
    "ReinstatementOutcome",
    "ServiceCase",
    "ServiceCaseIndex",
    "ServiceClass",
    "ServiceItem",
    "ServiceSource",
]
